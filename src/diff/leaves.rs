//! With `--charts`: what a changed Application renders, on both sides, resource by resource —
//! what ArgoCD will apply to the cluster.
//!
//! Both sides render with the same KubeZero checkout: the change under review is the
//! Applications' values, not the charts.

use std::path::Path;

use super::{resources, ClusterDiff, ResourceDiff, Side};
use crate::deep::{self, Failure, Helm};
use crate::pipeline::Rendered;
use crate::value::Node;

/// The leaf manifests of one changed Application.
#[derive(Debug)]
pub struct LeafDiff {
    /// The Application's name.
    pub application: String,
    /// The resources of its chart that differ.
    pub changes: Vec<ResourceDiff>,
    /// Why a side's chart could not be rendered: `(is the new side, why)`. A side that fails is
    /// compared as empty; a failing new side shows no changes.
    pub failures: Vec<(bool, Failure)>,
}

/// The leaf diffs of every changed Application of one cluster, in the cluster diff's order.
pub fn leaves(diff: &ClusterDiff, helm: &Helm, charts: &Path) -> Vec<LeafDiff> {
    diff.changes
        .iter()
        .filter(|c| c.kind == "Application")
        .map(|c| {
            let mut failures = Vec::new();
            let mut side = |side: &Side, new: bool| match side.rendered().map(|r| template(r, &c.name, helm, charts)) {
                Some(Err(f)) => {
                    failures.push((new, f));
                    None
                }
                Some(Ok(docs)) => Some(docs),
                None => Some(Vec::new()),
            };
            let (old, new) = (side(&diff.old, false), side(&diff.new, true));
            let changes = match new {
                Some(new) => resources(&old.unwrap_or_default(), &new),
                None => Vec::new(),
            };
            LeafDiff { application: c.name.clone(), changes, failures }
        })
        .filter(|l| !l.changes.is_empty() || !l.failures.is_empty())
        .collect()
}

/// The manifests `application` renders on one side; none when the side has no such Application.
fn template(r: &Rendered, application: &str, helm: &Helm, charts: &Path) -> Result<Vec<Node>, Failure> {
    match r.sources.iter().find(|s| s.application == application) {
        Some(source) => deep::template(helm, charts, source, r.kube_version.as_deref()),
        None => Ok(Vec::new()),
    }
}
