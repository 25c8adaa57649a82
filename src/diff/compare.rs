//! Both sides of every affected cluster, rendered, and the resources that differ.

use std::path::{Path, PathBuf};

use super::{resources, Plan, ResourceDiff};
use crate::catalog::Catalog;
use crate::diag::Diagnostic;
use crate::pipeline::Rendered;
use crate::request::Request;
use crate::schema::official::SchemaSet;
use crate::value::{Node, Origin};
use crate::{fleet, pipeline};

/// One side of one cluster.
#[derive(Debug)]
pub enum Side {
    /// The cluster does not exist on this side.
    Absent,
    /// Its render.
    Rendered(Box<Rendered>),
    /// It cannot be rendered: why.
    Broken(Vec<Diagnostic>),
}

impl Side {
    /// The documents, none when absent or broken.
    pub fn docs(&self) -> &[Node] {
        self.rendered().map_or(&[], |r| &r.docs)
    }

    /// The render, none when absent or broken.
    pub fn rendered(&self) -> Option<&Rendered> {
        match self {
            Side::Rendered(r) => Some(r),
            _ => None,
        }
    }
}

/// What a change does to one cluster.
#[derive(Debug)]
pub struct ClusterDiff {
    /// The cluster directory, repository-relative (`""` for the root).
    pub cluster: String,
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
    /// The resources that differ (a broken old side counts as empty).
    pub changes: Vec<ResourceDiff>,
}

/// Where each side's inputs are and what renders them.
pub struct Sides<'a> {
    /// The catalog of the new side.
    pub catalog_now: &'a Catalog,
    /// The catalog of the old side, or why it cannot be read.
    pub catalog_then: Result<&'a Catalog, Diagnostic>,
    /// Official schemas documents are checked against.
    pub official: &'a SchemaSet,
    /// The old side's files, extracted.
    pub then_dir: &'a Path,
    /// The new side's files, extracted when the new side is a commit.
    pub now_dir: &'a Path,
    /// How the two sides are named in messages (`HEAD`, `main~1`).
    pub names: (&'a str, Option<&'a str>),
    /// The working directory, so working-tree files are named as the user sees them.
    pub cwd: &'a Path,
}

/// Builds the render request for a cluster directory; files the user named that lie in the
/// repository are read from `side` (a commit's extracted tree) when there is one.
pub type RequestFor<'a> = dyn Fn(PathBuf, Option<&Path>) -> Request + Sync + 'a;

/// Renders both sides of every affected cluster on all cores.
pub fn compare(plan: &Plan, sides: &Sides<'_>, request: &RequestFor<'_>) -> Vec<ClusterDiff> {
    fleet::parallel(&plan.affected, |cluster| {
        let new = match (plan.now.contains(cluster), sides.names.1) {
            (false, _) => Side::Absent,
            (true, None) => {
                let dir = relative(&plan.repo.root.join(cluster), sides.cwd);
                render(sides.catalog_now, sides, request(dir, None))
            }
            (true, Some(head)) => {
                let req = request(sides.now_dir.join(cluster), Some(sides.now_dir));
                at_ref(render(sides.catalog_now, sides, req), sides.now_dir, head)
            }
        };
        let old = match (plan.then.contains(cluster), &sides.catalog_then) {
            (false, _) => Side::Absent,
            (true, Err(e)) => Side::Broken(vec![e.clone()]),
            (true, Ok(catalog)) => {
                let side = render(catalog, sides, request(sides.then_dir.join(cluster), Some(sides.then_dir)));
                at_ref(side, sides.then_dir, sides.names.0)
            }
        };
        let changes = match &new {
            Side::Broken(_) => Vec::new(),
            _ => resources(old.docs(), new.docs()),
        };
        ClusterDiff { cluster: cluster.clone(), old, new, changes }
    })
}

fn render(catalog: &Catalog, sides: &Sides<'_>, req: Request) -> Side {
    match pipeline::render_cluster(catalog, sides.official, &req) {
        Ok(r) => Side::Rendered(Box::new(r)),
        Err(d) => Side::Broken(d.into_iter().filter(Diagnostic::is_error).collect()),
    }
}

/// Names a commit's files as `REF:path` instead of the scratch directory they came from.
fn at_ref(side: Side, scratch: &Path, reference: &str) -> Side {
    let Side::Broken(diags) = side else { return side };
    let prefix = format!("{}/", scratch.display());
    let rename = |mut d: Diagnostic| {
        if let Some(Origin::File { name, .. }) = &mut d.origin {
            if let Some(rest) = name.strip_prefix(&prefix) {
                *name = format!("{reference}:{rest}").into();
            }
        }
        d
    };
    Side::Broken(diags.into_iter().map(rename).collect())
}

/// `path` as seen from `base` (both absolute), for messages the user can open.
fn relative(path: &Path, base: &Path) -> PathBuf {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out: PathBuf = b[common..].iter().map(|_| "..").collect();
    out.extend(&p[common..]);
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
