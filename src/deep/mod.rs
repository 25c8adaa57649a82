//! Deep validation: every Application's chart rendered with `helm template`, as ArgoCD's
//! repo-server renders it, and what the cluster's API server would receive checked.
//!
//! Takes rendered clusters (their [`ChartSource`]s and merged values) and a checkout of the
//! KubeZero repository. Each distinct render (same chart content, release name, namespace,
//! Kubernetes version, API versions and values) runs once per run, all of them on every core.
//! Helm is told the API versions the cluster serves: its version's built-in ones, and, for a
//! chart that tests `.Capabilities.APIVersions`, those of the CRDs the cluster's own
//! Applications render (one more render). Each leaf manifest, read as ArgoCD reads it
//! ([`leaves`]), is checked as the cluster's API server would ([`cluster`]); each finding is
//! traced back to the operator's value that produced it ([`trace`]), else named by its
//! Application. With `unused`, the values no template reads are reported where they were
//! written ([`unused`]).

mod chart;
mod cluster;
pub mod helm;
pub mod leaves;
#[cfg(test)]
mod tests;
mod trace;
mod unused;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, Kind};
use crate::fleet;
use crate::pipeline::Rendered;
use crate::render::ChartSource;
use crate::schema::official::{SchemaSet, Served};
use crate::value::{KeyPath, Node};
use crate::yaml::emit;
pub use chart::chart_dir;
use chart::Charts;
pub use chart::MAX_CHART_BYTES;
use cluster::{Compiled, Context};
pub use helm::{Helm, Release};
use leaves::Leaves;
pub use trace::Tracer;

/// What deep validation works with.
pub struct Deep<'a> {
    /// The KubeZero checkout (`--charts`).
    pub charts: &'a Path,
    /// The Helm that renders.
    pub helm: &'a Helm,
    /// The schemas leaf manifests are checked against.
    pub official: &'a SchemaSet,
    /// Whether to look for values no template reads.
    pub unused: bool,
    /// API versions every render is told of besides the cluster's (`--api-versions`).
    pub api_versions: &'a [String],
}

/// One rendered cluster, with the catalog root its catalog origins start with.
pub struct Cluster<'a> {
    /// The cluster's render.
    pub rendered: &'a Rendered,
    /// The root of the catalog it was rendered with.
    pub catalog_root: &'a str,
}

/// What deep validation found.
#[derive(Debug, Default)]
pub struct Report {
    /// Per cluster, in the order given: errors and warnings.
    pub findings: Vec<Vec<Diagnostic>>,
    /// How many Applications were checked.
    pub applications: usize,
    /// How many distinct renders they needed.
    pub renders: usize,
}

/// A schema finding on a leaf manifest.
#[derive(Debug)]
struct Finding {
    kind: Kind,
    /// `Deployment kube-system/istiod`.
    resource: String,
    /// The field's dotted path in the manifest.
    field: String,
    message: String,
    /// The offending value, where the manifest has one.
    value: Option<Node>,
}

/// Why a chart could not be rendered: helm's message, or kzrender's, with its kind.
pub use crate::diag::Error as Failure;

/// Renders one chart release: the manifests ArgoCD would apply, or why not.
pub fn template(
    helm: &Helm,
    charts: &Path,
    source: &ChartSource,
    kube_version: Option<&str>,
) -> Result<Vec<Node>, Failure> {
    let dir = chart_dir(charts, &source.path)?;
    chart::check(&dir)?;
    let output = helm.template(&dir, &release(source, kube_version, BTreeSet::new()));
    let leaves = read_leaves(&output, &source.application, &source.values)?;
    Ok(leaves.docs.into_iter().map(|l| l.doc).collect())
}

/// The leaves of `helm template`'s output, or why there are none. Helm's words may quote what
/// it was given: every secret among `values` is scrubbed from them.
fn read_leaves(output: &helm::Output, release: &str, values: &Node) -> Result<Leaves, Failure> {
    let failed = |message: String| {
        let secrets = crate::redact::secret_values(values);
        Failure { kind: Kind::Helm, message: crate::redact::scrub(&message, &secrets) }
    };
    let text = output.as_ref().map_err(|e| failed(format!("helm template failed: {}", e.message)))?;
    leaves::read(text, release).map_err(failed)
}

/// One distinct render to run.
struct Job {
    dir: PathBuf,
    release: Release,
    values: Node,
}

/// What one distinct render gave: helm's output, and the leaves read from it.
struct Outcome {
    output: helm::Output,
    leaves: Result<Leaves, Failure>,
}

/// An Application's render: which job, and whether its chart tests `.Capabilities.APIVersions`.
type Use = Result<(usize, bool), Failure>;

/// The distinct renders of a run.
#[derive(Default)]
struct Plan {
    charts: Charts,
    keys: HashMap<(usize, Release), usize>,
    jobs: Vec<Job>,
}

impl Plan {
    /// The job rendering `release` of the chart at `path`, added when new.
    fn job(&mut self, charts: &Path, path: &str, release: Release, values: &Node) -> Use {
        let dir = chart_dir(charts, path)?;
        let (id, capabilities) = self.charts.identify(&dir)?;
        let next = self.jobs.len();
        let i = *self.keys.entry((id, release.clone())).or_insert(next);
        if i == next {
            self.jobs.push(Job { dir, release, values: values.clone() });
        }
        Ok((i, capabilities))
    }
}

impl Deep<'_> {
    /// Renders every Application of every cluster and checks what it renders.
    pub fn check(&self, clusters: &[Cluster<'_>]) -> Report {
        let mut plan = Plan::default();
        let mut served: HashMap<String, Result<Option<Arc<Served>>, Diagnostic>> = HashMap::new();
        let mut contexts = Vec::new();
        let mut uses: Vec<Vec<Use>> = Vec::new();
        for cluster in clusters {
            let r = cluster.rendered;
            let version = r.kube_version.clone();
            let known = match &version {
                Some(v) => {
                    served.entry(v.clone()).or_insert_with(|| self.official.served(v).map(|s| s.map(Arc::new))).clone()
                }
                None => Ok(None),
            };
            let context = known.map(|served| Context { version: version.clone(), served, crds: BTreeMap::new() });
            let api = self.api_versions(context.as_ref().ok(), &[]);
            let mine = r
                .sources
                .iter()
                .map(|s| plan.job(self.charts, &s.path, release(s, version.as_deref(), api.clone()), &s.values))
                .collect();
            uses.push(mine);
            contexts.push(context);
        }
        let mut outcomes = self.render(&plan.jobs);
        // A chart that tests `.Capabilities.APIVersions` is rendered again, told of the CRDs the
        // first renders of its cluster hold.
        for ((cluster, used), context) in clusters.iter().zip(&mut uses).zip(&mut contexts) {
            let Ok(context) = context else { continue };
            context.add_crds(rendered_docs(used, &outcomes));
            let crds = context.crd_api_versions();
            if crds.is_empty() {
                continue;
            }
            let api = self.api_versions(Some(context), &crds);
            for (source, used) in cluster.rendered.sources.iter().zip(used.iter_mut()) {
                if let Ok((_, true)) = used {
                    let release = release(source, context.version.as_deref(), api.clone());
                    *used = plan.job(self.charts, &source.path, release, &source.values);
                }
            }
        }
        outcomes.extend(self.render(&plan.jobs[outcomes.len()..]));
        let findings = self.findings(clusters, &uses, &mut contexts, &outcomes, &plan.jobs);
        Report { findings, applications: uses.iter().map(Vec::len).sum(), renders: plan.jobs.len() }
    }

    /// What helm is told the cluster serves: its version's built-in API versions, `crds`, and
    /// `--api-versions`.
    fn api_versions(&self, context: Option<&Context>, crds: &[String]) -> BTreeSet<String> {
        let mut out = context.and_then(|c| c.served.as_ref()).map(|s| s.api_versions()).unwrap_or_default();
        out.extend(crds.iter().chain(self.api_versions).cloned());
        out
    }

    fn render(&self, jobs: &[Job]) -> Vec<Outcome> {
        fleet::parallel(jobs, |job| {
            let output = self.helm.template(&job.dir, &job.release);
            let leaves = read_leaves(&output, &job.release.name, &job.values);
            Outcome { output, leaves }
        })
    }

    /// Every cluster's findings: its leaves checked in its context (each distinct leaf set and
    /// context once), its values no template reads.
    fn findings(
        &self,
        clusters: &[Cluster<'_>],
        uses: &[Vec<Use>],
        contexts: &mut [Result<Context, Diagnostic>],
        outcomes: &[Outcome],
        jobs: &[Job],
    ) -> Vec<Vec<Diagnostic>> {
        // The final renders' CRDs make each cluster's context; clusters alike share one.
        let mut distinct: HashMap<(Option<String>, Vec<usize>), usize> = HashMap::new();
        let mut shared: Vec<&Context> = Vec::new();
        let mut of_cluster = Vec::new();
        for (used, context) in uses.iter().zip(contexts.iter_mut()) {
            let Ok(context) = context else {
                of_cluster.push(None);
                continue;
            };
            context.crds.clear();
            context.add_crds(rendered_docs(used, outcomes));
            let mut crd_jobs: Vec<usize> = used.iter().filter_map(|u| u.as_ref().ok().map(|(i, _)| *i)).collect();
            crd_jobs.sort();
            crd_jobs.dedup();
            of_cluster.push(Some((context.version.clone(), crd_jobs)));
        }
        for (key, context) in of_cluster.iter().zip(contexts.iter()) {
            if let (Some(key), Ok(context)) = (key, context) {
                distinct.entry(key.clone()).or_insert_with(|| {
                    shared.push(context);
                    shared.len() - 1
                });
            }
        }
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (used, key) in uses.iter().zip(&of_cluster) {
            let Some(key) = key else { continue };
            pairs.extend(used.iter().filter_map(|u| Some((u.as_ref().ok()?.0, distinct[key]))));
        }
        pairs.sort();
        pairs.dedup();
        let compiled = Compiled::default();
        let checked = fleet::parallel(&pairs, |&(job, context)| match &outcomes[job].leaves {
            Ok(leaves) => leaves.docs.iter().flat_map(|l| shared[context].check(self.official, &compiled, l)).collect(),
            Err(_) => Vec::new(),
        });
        let checked: HashMap<(usize, usize), Vec<Finding>> = pairs.into_iter().zip(checked).collect();
        let unused = self.unused_values(uses, outcomes, jobs);
        clusters
            .iter()
            .zip(uses)
            .zip(of_cluster.iter().zip(contexts.iter()))
            .map(|((cluster, used), (key, context))| {
                let tracer = Tracer::new(&cluster.rendered.values, cluster.catalog_root);
                let mut out = Vec::new();
                if let Err(e) = context {
                    out.push(e.clone());
                }
                let context = key.as_ref().map(|k| distinct[k]);
                for (source, used) in cluster.rendered.sources.iter().zip(used) {
                    let job = used.as_ref().map(|(i, _)| *i);
                    let outcome = used.as_ref().map(|(i, _)| &outcomes[*i]);
                    let found = job.ok().zip(context).and_then(|pair| checked.get(&pair));
                    let unused = job.ok().and_then(|i| unused.get(&i));
                    out.extend(self.diagnostics(&tracer, source, outcome, found, unused));
                }
                once_per_kind(&mut out);
                crate::diag::tidy(&mut out);
                out
            })
            .collect()
    }

    /// With `unused`: per final render, the values no template reads.
    fn unused_values(&self, uses: &[Vec<Use>], outcomes: &[Outcome], jobs: &[Job]) -> HashMap<usize, Vec<KeyPath>> {
        if !self.unused {
            return HashMap::new();
        }
        let mut finals: Vec<usize> = uses.iter().flatten().filter_map(|u| u.as_ref().ok().map(|(i, _)| *i)).collect();
        finals.sort();
        finals.dedup();
        finals.retain(|i| outcomes[*i].leaves.is_ok());
        let found = fleet::parallel(&finals, |&i| {
            let job = &jobs[i];
            let render =
                |v: &Node| self.helm.template(&job.dir, &Release { values: emit::document(v), ..job.release.clone() });
            unused::unused(&job.values, &outcomes[i].output, &render)
        });
        finals.into_iter().zip(found).collect()
    }

    /// An Application's findings, located for its cluster.
    fn diagnostics(
        &self,
        tracer: &Tracer<'_>,
        source: &ChartSource,
        outcome: Result<&Outcome, &Failure>,
        findings: Option<&Vec<Finding>>,
        unused: Option<&Vec<KeyPath>>,
    ) -> Vec<Diagnostic> {
        let app = &source.application;
        let at_app = tracer.application(app);
        let leaves = match outcome.map(|o| &o.leaves) {
            Err(f) | Ok(Err(f)) => {
                let msg = format!("Application {app} ({}): {}", source.path, f.message);
                return vec![Diagnostic::new(f.kind, at_app, app, msg)];
            }
            Ok(Ok(leaves)) => leaves,
        };
        let mut out: Vec<Diagnostic> = findings
            .into_iter()
            .flatten()
            .map(|f| {
                let written = f.value.as_ref().and_then(|v| tracer.manifest_value(&source.values, v));
                let (key, origin) = match written {
                    Some(w) => (w.key.to_string(), Some(w.origin)),
                    None => (app.clone(), at_app.clone()),
                };
                let msg = format!("Application {app} renders {}: {}: {}", f.resource, f.field, f.message);
                Diagnostic::new(f.kind, origin, key, msg)
            })
            .collect();
        for w in &leaves.repeated {
            let msg = format!("Application {app} renders {}", w.message);
            out.push(Diagnostic::new(Kind::Repeated, at_app.clone(), app, msg));
        }
        // Only what the operator wrote: a value the catalog derives on its own is the catalog's to
        // keep (a subchart switched off leaves its derived settings unread on purpose).
        for path in unused.into_iter().flatten() {
            if let Some(w) = tracer.helm_value(&source.values, path) {
                let msg = format!("reaches {} as {path}, which no template reads", source.path);
                out.push(Diagnostic::new(Kind::Unused, Some(w.origin), w.key.to_string(), msg));
            }
        }
        out
    }
}

/// The leaf manifests an Application's renders hold.
fn rendered_docs<'o>(used: &'o [Use], outcomes: &'o [Outcome]) -> impl Iterator<Item = &'o Node> {
    let leaves = used.iter().filter_map(|u| outcomes.get(u.as_ref().ok()?.0)?.leaves.as_ref().ok());
    leaves.flat_map(|l| l.docs.iter().map(|d| &d.doc))
}

/// A kind without a schema is reported once per cluster: at its first resource, with how many
/// there are.
fn once_per_kind(out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
    let mut keep = Vec::with_capacity(out.len());
    for d in out.drain(..) {
        if d.kind != Kind::MissingSchema {
            keep.push(d);
            continue;
        }
        let what = d.message.rsplit_once(": no schema for ").map_or(d.message.clone(), |(_, w)| w.to_owned());
        match seen.get_mut(&what) {
            Some((_, n)) => *n += 1,
            None => {
                seen.insert(what, (keep.len(), 1));
                keep.push(d);
            }
        }
    }
    for (at, n) in seen.into_values().filter(|(_, n)| *n > 1) {
        keep[at].message.push_str(&format!(" ({n} resources of this kind in this cluster)"));
    }
    *out = keep;
}

/// The release ArgoCD renders for an Application.
fn release(source: &ChartSource, kube_version: Option<&str>, api_versions: BTreeSet<String>) -> Release {
    Release {
        name: source.application.clone(),
        namespace: source.namespace.clone(),
        kube_version: kube_version.map(str::to_owned),
        api_versions: api_versions.into_iter().collect(),
        values: emit::document(&source.values),
    }
}
