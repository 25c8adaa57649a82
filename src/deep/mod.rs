//! Deep validation: every Application's chart rendered with `helm template`, as ArgoCD's
//! repo-server renders it, and what the cluster would receive checked.
//!
//! Takes rendered clusters (their [`ChartSource`]s and merged values) and a checkout of the
//! KubeZero repository. Each distinct render (same chart content, release name, namespace,
//! Kubernetes version and values) runs once per run, all of them on every core. Each leaf
//! manifest is checked against the official schemas; each finding is traced back to the
//! operator's value that produced it ([`trace`]), else named by its Application. With
//! `unused`, the values no template reads are reported where they were written ([`unused`]).

pub mod helm;
#[cfg(test)]
mod tests;
mod trace;
mod unused;

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::diag::{Diagnostic, Kind};
use crate::fleet;
use crate::pipeline::Rendered;
use crate::render::ChartSource;
use crate::schema::official::SchemaSet;
use crate::value::{KeyPath, Node};
use crate::yaml::{emit, parse_stream, Source};
pub use helm::{Helm, Release};
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
    /// Per cluster, in the order given: errors and `unused` warnings.
    pub findings: Vec<Vec<Diagnostic>>,
    /// How many Applications were checked.
    pub applications: usize,
    /// How many distinct renders they needed.
    pub renders: usize,
}

/// Most bytes a chart directory may hold, its subcharts included.
pub const MAX_CHART_BYTES: u64 = 64 * 1024 * 1024;

/// A chart render: which chart (by content) and which release of it.
type Key = (usize, Release);

/// What one distinct render gave.
#[derive(Debug)]
struct Outcome {
    /// The leaf manifests' findings, or why the chart could not be rendered.
    result: Result<Vec<Finding>, Failure>,
    /// Helm values no template reads.
    unused: Vec<KeyPath>,
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

/// Renders one chart release: the manifests, or why not.
pub fn template(
    helm: &Helm,
    charts: &Path,
    source: &ChartSource,
    kube_version: Option<&str>,
) -> Result<Vec<Node>, Failure> {
    let dir = chart_dir(charts, &source.path)?;
    helm::check_chart(&dir).map_err(|p| problem(&dir, p))?;
    leaf_manifests(&helm.template(&dir, &release(source, kube_version)), &source.application, &source.values)
}

/// The manifests of `helm template`'s output, or why there are none. Helm's words may quote
/// what it was given: every secret among `values` is scrubbed from them.
fn leaf_manifests(output: &helm::Output, release: &str, values: &Node) -> Result<Vec<Node>, Failure> {
    let failed = |message: String| {
        let secrets = crate::redact::secret_values(values);
        Failure { kind: Kind::Helm, message: crate::redact::scrub(&message, &secrets) }
    };
    let text = output.as_ref().map_err(|e| failed(format!("helm template failed: {}", e.message)))?;
    manifests(text, release).map_err(failed)
}

impl Deep<'_> {
    /// Renders every Application of every cluster and checks what it renders.
    pub fn check(&self, clusters: &[Cluster<'_>]) -> Report {
        let mut charts: HashMap<PathBuf, Result<usize, Failure>> = HashMap::new();
        let mut contents: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut keys: HashMap<Key, usize> = HashMap::new();
        // Distinct renders: the chart's directory, the release, and the values as a tree.
        let mut jobs: Vec<(PathBuf, Release, Node)> = Vec::new();
        // Per cluster, per Application: its render, or why the chart cannot be rendered.
        let mut uses: Vec<Vec<Result<usize, Failure>>> = Vec::new();
        for cluster in clusters {
            let r = cluster.rendered;
            let mut mine = Vec::new();
            for source in &r.sources {
                let used = chart_dir(self.charts, &source.path).and_then(|dir| {
                    let id = charts.entry(dir.clone()).or_insert_with(|| identify(&dir, &mut contents)).clone()?;
                    let release = release(source, r.kube_version.as_deref());
                    let next = jobs.len();
                    let i = *keys.entry((id, release.clone())).or_insert(next);
                    if i == next {
                        jobs.push((dir, release, source.values.clone()));
                    }
                    Ok(i)
                });
                mine.push(used);
            }
            uses.push(mine);
        }
        let outcomes = fleet::parallel(&jobs, |(dir, release, values)| self.render(dir, release, values));
        let findings = clusters
            .iter()
            .zip(&uses)
            .map(|(cluster, used)| {
                let tracer = Tracer::new(&cluster.rendered.values, cluster.catalog_root);
                let sources = cluster.rendered.sources.iter().zip(used);
                let mut out: Vec<Diagnostic> = sources
                    .flat_map(|(source, used)| {
                        let outcome = used.as_ref().map(|i| &outcomes[*i]);
                        self.diagnostics(&tracer, source, outcome)
                    })
                    .collect();
                crate::diag::tidy(&mut out);
                out
            })
            .collect();
        Report { findings, applications: uses.iter().map(Vec::len).sum(), renders: jobs.len() }
    }

    /// One distinct render, checked.
    fn render(&self, dir: &Path, release: &Release, values: &Node) -> Outcome {
        let baseline = self.helm.template(dir, release);
        let result = leaf_manifests(&baseline, &release.name, values)
            .map(|docs| docs.iter().flat_map(|d| self.check_manifest(d)).collect());
        let unused = match (self.unused, &result) {
            (true, Ok(_)) => {
                let render =
                    |v: &Node| self.helm.template(dir, &Release { values: emit::document(v), ..release.clone() });
                unused::unused(values, &baseline, &render)
            }
            _ => Vec::new(),
        };
        Outcome { result, unused }
    }

    fn check_manifest(&self, doc: &Node) -> Vec<Finding> {
        let s = |path: &[&str]| doc.get_path(path).and_then(Node::as_str).unwrap_or_default().to_owned();
        let (kind, ns, name) = (s(&["kind"]), s(&["metadata", "namespace"]), s(&["metadata", "name"]));
        let resource = match ns.is_empty() {
            true => format!("{kind} {name}"),
            false => format!("{kind} {ns}/{name}"),
        };
        let secret = kind == "Secret";
        self.official
            .check(doc)
            .into_iter()
            .map(|d| {
                let path = KeyPath::parse(&d.key);
                // A Secret's data is never quoted, nor traced to where it was written.
                let value = doc.at(&path).filter(|_| !secret).cloned();
                Finding { kind: d.kind, resource: resource.clone(), field: d.key, message: d.message, value }
            })
            .collect()
    }

    /// An Application's findings, located for its cluster.
    fn diagnostics(
        &self,
        tracer: &Tracer<'_>,
        source: &ChartSource,
        outcome: Result<&Outcome, &Failure>,
    ) -> Vec<Diagnostic> {
        let app = &source.application;
        let at_app = tracer.application(app);
        let (outcome, findings) = match outcome.map(|o| (o, &o.result)) {
            Err(f) | Ok((_, Err(f))) => {
                let msg = format!("Application {app} ({}): {}", source.path, f.message);
                return vec![Diagnostic::new(f.kind, at_app, app, msg)];
            }
            Ok((o, Ok(findings))) => (o, findings),
        };
        let mut out: Vec<Diagnostic> = findings
            .iter()
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
        // Only what the operator wrote: a value the catalog derives on its own is the catalog's to
        // keep (a subchart switched off leaves its derived settings unread on purpose).
        for path in &outcome.unused {
            if let Some(w) = tracer.helm_value(&source.values, path) {
                let msg = format!("reaches {} as {path}, which no template reads", source.path);
                out.push(Diagnostic::new(Kind::Unused, Some(w.origin), w.key.to_string(), msg));
            }
        }
        out
    }
}

/// The release ArgoCD renders for an Application.
fn release(source: &ChartSource, kube_version: Option<&str>) -> Release {
    Release {
        name: source.application.clone(),
        namespace: source.namespace.clone(),
        kube_version: kube_version.map(str::to_owned),
        values: emit::document(&source.values),
    }
}

/// The chart directory of an Application's path, which must stay inside the checkout.
fn chart_dir(charts: &Path, path: &str) -> Result<PathBuf, Failure> {
    let rel = Path::new(path);
    if rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        let message = format!("the chart path {path} leaves the KubeZero checkout {}", charts.display());
        return Err(Failure { kind: Kind::Outside, message });
    }
    Ok(charts.join(rel))
}

/// A chart directory's identity: an index shared by every directory with the same files, or
/// why it cannot be rendered.
fn identify(dir: &Path, contents: &mut HashMap<Vec<u8>, usize>) -> Result<usize, Failure> {
    helm::check_chart(dir).map_err(|p| problem(dir, p))?;
    let mut content = Vec::new();
    // Not `files::walk`: a chart is every file Helm may read, hidden ones (`.helmignore`) too.
    // Only regular files (symlinks followed): a FIFO would block, a device never end. Helm
    // meets those itself, within its timeout.
    let mut left = MAX_CHART_BYTES;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Failure { kind: Kind::Io, message: format!("cannot read the chart: {e}") })?;
        if !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let cannot = |e: std::io::Error| {
            let message = match e.kind() {
                std::io::ErrorKind::FileTooLarge => {
                    format!("the chart at {} holds more than {} MiB", dir.display(), MAX_CHART_BYTES >> 20)
                }
                _ => format!("cannot read {}: {e}", entry.path().display()),
            };
            Failure { kind: Kind::Io, message }
        };
        let bytes = crate::read::read_regular(entry.path(), left).map_err(cannot)?;
        left -= bytes.len() as u64;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().into_owned();
        for part in [rel.as_bytes(), &bytes] {
            content.extend((part.len() as u64).to_le_bytes());
            content.extend(part);
        }
    }
    let next = contents.len();
    Ok(*contents.entry(content).or_insert(next))
}

fn problem(dir: &Path, p: helm::ChartProblem) -> Failure {
    let shown = dir.display();
    match p {
        helm::ChartProblem::NotAChart(why) => Failure {
            kind: Kind::Helm,
            message: format!(
                "no chart at {shown} ({why}); is --charts a checkout of the Application's repoURL at its targetRevision?"
            ),
        },
        helm::ChartProblem::MissingDependencies(names) => Failure {
            kind: Kind::Tool,
            message: format!(
                "the chart at {shown} needs {} in its charts/ directory; run `helm dependency build {shown}`",
                names.join(", ")
            ),
        },
    }
}

/// The documents of Helm's output, each parsed on its own (so the input limits apply per
/// manifest); empty documents are dropped.
fn manifests(text: &str, release: &str) -> Result<Vec<Node>, String> {
    let mut docs = Vec::new();
    for (i, part) in split_documents(text).into_iter().enumerate() {
        let src =
            Source { name: format!("(helm template {release}, document {})", i + 1).into(), text: part.to_owned() };
        let parsed = parse_stream(&src, &mut Vec::new())
            .map_err(|e| format!("helm rendered YAML kzrender cannot read: {}", e.message))?;
        docs.extend(parsed.into_iter().filter(|d| d.as_map().is_some_and(|m| !m.is_empty())));
    }
    Ok(docs)
}

/// A YAML stream cut before each document marker (a line `---`, or `--- ` and more).
fn split_documents(text: &str) -> Vec<&str> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if at > 0 && (bare == "---" || bare.starts_with("--- ")) {
            starts.push(at);
        }
        at += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}
