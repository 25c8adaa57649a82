//! Checking a fleet: every cluster rendered and validated on all cores — alone, and with each
//! other values file of its directory layered over it, as ArgoCD Applications use them — with
//! deep validation of what the renders' charts produce when asked. What `validate` reports and
//! what the fleet view summarises.

use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::deep::{self, Deep};
use crate::diag::Diagnostic;
use crate::files;
use crate::load::CLUSTER_FILE;
use crate::pipeline::{self, Rendered};
use crate::request::{Overlay, Request};
use crate::schema::official::SchemaSet;

/// One render of a cluster: alone (`values: None`) or with one of its values files.
#[derive(Debug)]
pub struct Render {
    /// The values file of the cluster directory layered over it.
    pub values: Option<String>,
    /// Its errors.
    pub errors: Vec<Diagnostic>,
    /// Its warnings.
    pub warnings: Vec<Diagnostic>,
    /// How many documents it rendered.
    pub resources: usize,
}

/// Every render of one cluster.
#[derive(Debug)]
pub struct Verdict {
    /// The cluster directory as found.
    pub path: String,
    /// The cluster alone first, then with each values file.
    pub renders: Vec<Render>,
}

impl Verdict {
    /// Whether every render of the cluster is valid.
    pub fn valid(&self) -> bool {
        self.renders.iter().all(|r| r.errors.is_empty())
    }
}

/// What checking a fleet needs.
pub struct Check<'a> {
    /// The catalog.
    pub catalog: &'a Catalog,
    /// The official schemas documents are checked against.
    pub official: &'a SchemaSet,
    /// What every cluster is rendered with (its values files and flags); the directory and the
    /// cluster's own values files are set per render.
    pub base: &'a Request,
    /// Deep validation, when asked.
    pub deep: Option<&'a Deep<'a>>,
}

/// What checking a fleet found.
#[derive(Debug)]
pub struct Checked {
    /// One verdict per cluster, in the order given.
    pub verdicts: Vec<Verdict>,
    /// With deep validation: how many Applications, distinct renders and helm runs it took.
    pub charts: Option<(usize, usize, usize)>,
}

/// Renders and validates every cluster of `clusters` as [`Check`] says.
pub fn check(job: &Check<'_>, clusters: &[PathBuf]) -> Checked {
    let jobs: Vec<(usize, Option<PathBuf>)> = clusters
        .iter()
        .enumerate()
        .flat_map(|(i, dir)| std::iter::once((i, None)).chain(values_files(dir).into_iter().map(move |f| (i, Some(f)))))
        .collect();
    let renders = super::parallel(&jobs, |(i, extra)| {
        let dir = &clusters[*i];
        let req = request(job.base, dir, extra.as_deref());
        let (diags, resources, kept) = match pipeline::render_cluster(job.catalog, job.official, &req) {
            // Deep validation needs the render; without it, only its verdict is kept.
            Ok(mut r) => (std::mem::take(&mut r.warnings), r.docs.len(), job.deep.is_some().then_some(r)),
            Err(d) => (d, 0, None),
        };
        let (errors, warnings) = diags.into_iter().partition(Diagnostic::is_error);
        (Render { values: extra.as_ref().map(|f| f.display().to_string()), errors, warnings, resources }, kept)
    });
    let (mut renders, kept): (Vec<Render>, Vec<Option<Rendered>>) = renders.into_iter().unzip();
    let charts = job.deep.map(|deep| deep_check(deep, &job.catalog.root, &kept, &mut renders));
    let shown = |d: &PathBuf| crate::read::display(d, "").trim_end_matches('/').to_owned();
    let mut verdicts: Vec<Verdict> = clusters.iter().map(|d| Verdict { path: shown(d), renders: Vec::new() }).collect();
    for ((i, _), render) in jobs.iter().zip(renders) {
        verdicts[*i].renders.push(render);
    }
    Checked { verdicts, charts }
}

/// The request of one render: `base` for the cluster in `dir`, with `extra` (one of its values
/// files) after the values files `base` names and before its flags.
fn request(base: &Request, dir: &Path, extra: Option<&Path>) -> Request {
    let mut req = Request { dir: dir.to_path_buf(), ..base.clone() };
    if let Some(file) = extra {
        let at = req.overlays.iter().rposition(|o| matches!(o, Overlay::File(_))).map_or(0, |i| i + 1);
        req.overlays.insert(at, Overlay::File(dir.join(file)));
    }
    req
}

/// Deep validation of every render kept, its findings added to that render; how many
/// Applications, distinct renders and helm runs it took.
fn deep_check(
    deep: &Deep<'_>,
    catalog_root: &str,
    kept: &[Option<Rendered>],
    renders: &mut [Render],
) -> (usize, usize, usize) {
    let rendered: Vec<(usize, &Rendered)> =
        kept.iter().enumerate().filter_map(|(i, r)| Some((i, r.as_ref()?))).collect();
    let clusters: Vec<deep::Cluster<'_>> =
        rendered.iter().map(|(_, r)| deep::Cluster { rendered: r, catalog_root }).collect();
    let found = deep.check(&clusters);
    for ((i, _), findings) in rendered.iter().zip(found.findings) {
        let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) =
            findings.into_iter().partition(Diagnostic::is_error);
        renders[*i].errors.extend(errors);
        renders[*i].warnings.extend(warnings);
    }
    (found.applications, found.renders, deep.helm.runs())
}

/// The K-th of N parts of the clusters: every N-th cluster in path order, starting at the K-th.
/// The parts of one fleet are disjoint and together are all of it.
pub fn shard(clusters: Vec<PathBuf>, shard: Option<(usize, usize)>) -> Vec<PathBuf> {
    match shard {
        None => clusters,
        Some((k, n)) => clusters.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, c)| c).collect(),
    }
}

/// The other values files of a cluster directory (its own YAML files beside `kubezero.yaml`
/// and CloudBender's `cloudbender.yaml`), by name, as the one directory walk lists them.
pub fn values_files(dir: &Path) -> Vec<PathBuf> {
    let found = files::walk(dir, |d| d == dir);
    let mut names: Vec<PathBuf> = found
        .files
        .iter()
        .filter(|f| f.parent() == Some(dir))
        .filter_map(|f| f.file_name().map(PathBuf::from))
        .filter(|f| {
            let name = f.to_string_lossy();
            let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
            yaml && name != CLUSTER_FILE && name != crate::cloudbender::EXPORT_FILE
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shards_of_a_fleet_are_disjoint_and_cover_it() {
        let fleet: Vec<PathBuf> = (0..10).map(|i| PathBuf::from(format!("c{i}"))).collect();
        let mut all: Vec<PathBuf> = (1..=3).flat_map(|k| shard(fleet.clone(), Some((k, 3)))).collect();
        all.sort();
        assert_eq!(all, fleet);
        assert_eq!(shard(fleet.clone(), Some((2, 3))), [PathBuf::from("c1"), "c4".into(), "c7".into()]);
    }

    #[test]
    fn a_clusters_values_files_are_its_own_yaml_files_but_its_inputs() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["kubezero.yaml", "cloudbender.yaml", "values-b.yaml", "values-a.yml", ".hidden.yaml", "notes.txt"]
        {
            std::fs::write(dir.path().join(name), "").unwrap();
        }
        std::fs::create_dir(dir.path().join("outputs")).unwrap();
        std::fs::write(dir.path().join("outputs/x.yaml"), "").unwrap();
        assert_eq!(values_files(dir.path()), [PathBuf::from("values-a.yml"), "values-b.yaml".into()]);
    }

    #[test]
    fn a_values_file_goes_after_the_files_and_before_the_flags() {
        use crate::request::Set;
        use crate::strvals::Flag;
        let base = Request {
            overlays: vec![Overlay::File("shared.yaml".into()), Overlay::Set(Set::flag(Flag::Typed, "a=1"))],
            ..Default::default()
        };
        let req = request(&base, Path::new("c"), Some(Path::new("v.yaml")));
        assert_eq!(req.dir, Path::new("c"));
        assert_eq!(req.overlays[1], Overlay::File("c/v.yaml".into()));
        assert!(matches!(req.overlays[2], Overlay::Set(_)));
    }
}
