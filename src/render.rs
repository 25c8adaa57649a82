//! Building the app-of-apps documents: one Application per enabled component and the Namespaces
//! the catalog asks for (docs/values.md).
//!
//! Takes the merged values and the [`Derived`] components and hands on documents as [`Node`]
//! trees, ordered by sync wave, then kind (Namespace first), then name. Values copied from the
//! cluster keep their provenance, so later checks can point at the file that set them.

use std::collections::BTreeMap;

use crate::catalog::Catalog;
use crate::derive::{Context, Derived};
use crate::diag::{Diagnostic, Kind};
use crate::value::{Map, Node, Origin, Value};
use crate::yaml::emit;

const PART_OF: &str = "kubezero";
const MANAGED_BY: &str = "kzrender";
const FINALIZER: &str = "resources-finalizer.argocd.argoproj.io";
const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// KubeZero's chart layout: `<pathPrefix>charts/kubezero-<component>`.
const CHART_DIR_PREFIX: &str = "charts/kubezero-";

/// What an Application asks ArgoCD to render: a chart of the KubeZero repository, with values.
#[derive(Clone, Debug)]
pub struct ChartSource {
    /// The Application's name (its component's); Helm's release name.
    pub application: String,
    /// The chart's path in the KubeZero repository (`spec.source.path`).
    pub path: String,
    /// The namespace the chart is installed in (`spec.destination.namespace`).
    pub namespace: String,
    /// `spec.source.helm.values` as a tree, with provenance (an empty map when there are none).
    pub values: Node,
}

/// The app-of-apps: its documents in output order, and the chart each Application renders.
#[derive(Debug)]
pub struct AppOfApps {
    /// Applications and Namespaces, ordered by sync wave, kind, name.
    pub docs: Vec<Node>,
    /// One per Application, in the same order.
    pub sources: Vec<ChartSource>,
}

/// Builds every document of the app-of-apps.
pub fn documents(
    catalog: &Catalog,
    ctx: &Context,
    values: &Node,
    derived: Vec<Derived<'_>>,
) -> Result<AppOfApps, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let globals = Globals::read(values, &mut errors);
    // (sync wave, Namespaces before Applications, name): the order ArgoCD applies them in.
    let mut docs: Vec<(u32, u8, String, Node)> = Vec::new();
    let mut sources = BTreeMap::new();
    let mut namespaces: BTreeMap<String, (u32, Map)> = BTreeMap::new();
    for d in derived {
        let (component, wave) = (d.component, d.wave);
        let name = component.name.as_str();
        let ns = match d.settings.get_path(&["namespace"]) {
            Some(n) if n.as_str().is_some_and(|s| !s.is_empty()) => n.clone(),
            other => {
                let at = other.map(|n| n.origin.clone());
                errors.push(Diagnostic::new(
                    Kind::Invalid,
                    at,
                    format!("{name}.namespace"),
                    "must be a non-empty string",
                ));
                continue;
            }
        };
        let (app, source) = globals.application(d, &ns);
        sources.insert(name.to_owned(), source);
        docs.push((wave, 1, name.to_owned(), app));
        if let Some(spec) = &component.spec.create_namespace {
            let entry =
                namespaces.entry(ns.as_str().unwrap_or_default().to_owned()).or_insert_with(|| (wave, Map::new()));
            entry.0 = entry.0.min(wave);
            for a in &spec.annotations {
                let on = match &a.when {
                    Some(expr) => ctx.holds(catalog, expr).unwrap_or_else(|e| {
                        errors.push(Diagnostic::new(e.kind, Some(component.origin.clone()), "", e.message));
                        false
                    }),
                    None => true,
                };
                if on {
                    entry.1.insert(a.name.clone(), text(&a.value));
                }
            }
        }
    }
    for (name, (wave, annotations)) in namespaces {
        docs.push((wave, 0, name.clone(), namespace(&name, wave, annotations)));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    docs.sort_by(|a, b| (a.0, a.1, &a.2).cmp(&(b.0, b.1, &b.2)));
    let sources = docs.iter().filter(|d| d.1 == 1).filter_map(|d| sources.remove(&d.2)).collect();
    Ok(AppOfApps { docs: docs.into_iter().map(|(.., doc)| doc).collect(), sources })
}

/// What every Application shares: the `global` settings.
struct Globals<'v> {
    argocd_ns: Node,
    project: Node,
    repo: Node,
    revision: Node,
    prefix: Node,
    server: Node,
    sync_policy: Option<&'v Node>,
}

impl<'v> Globals<'v> {
    /// The `global` settings; each one that is not a string is an error.
    fn read(values: &'v Node, errors: &mut Vec<Diagnostic>) -> Self {
        let mut need = |path: &[&str]| -> Node {
            match values.get_path(path) {
                Some(n) if n.as_str().is_some() => n.clone(),
                other => {
                    let at = other.map(|n| n.origin.clone());
                    let found = other.map_or("nothing", Node::type_name);
                    let msg = format!("must be a string, found {found}");
                    errors.push(Diagnostic::new(Kind::Invalid, at, path.join("."), msg));
                    text("")
                }
            }
        };
        Globals {
            argocd_ns: need(&["global", "argocdNamespace"]),
            project: need(&["global", "project"]),
            repo: need(&["global", "defaultSource", "repoURL"]),
            revision: need(&["global", "defaultSource", "targetRevision"]),
            prefix: need(&["global", "defaultSource", "pathPrefix"]),
            server: need(&["global", "defaultDestination", "server"]),
            sync_policy: values.get_path(&["global", "syncPolicy"]),
        }
    }

    /// A component's Application (deploying into `ns`), and the chart it renders.
    fn application(&self, d: Derived<'_>, ns: &Node) -> (Node, ChartSource) {
        let name = d.component.name.as_str();
        let retain = d.settings.get_path(&["retain"]).and_then(Node::as_bool).unwrap_or(false);
        let mut metadata = vec![
            ("annotations", map(vec![(SYNC_WAVE, text(&d.wave.to_string()))])),
            ("labels", labels()),
            ("name", text(name)),
            ("namespace", self.argocd_ns.clone()),
        ];
        if !retain {
            metadata.push(("finalizers", seq(vec![text(FINALIZER)])));
        }
        let path = format!("{}{CHART_DIR_PREFIX}{name}", self.prefix.as_str().unwrap_or_default());
        let mut source =
            vec![("path", text(&path)), ("repoURL", self.repo.clone()), ("targetRevision", self.revision.clone())];
        if d.helm_values.as_map().is_some_and(|m| !m.is_empty()) {
            source.push(("helm", map(vec![("values", text(&emit::document(&d.helm_values)))])));
        }
        let mut spec = vec![
            ("destination", map(vec![("namespace", ns.clone()), ("server", self.server.clone())])),
            ("project", self.project.clone()),
            ("source", map(source)),
        ];
        if let Some(policy) = self.sync_policy {
            spec.push(("syncPolicy", policy.clone()));
        }
        if let Some(ignore) = &d.component.ignore_differences {
            spec.push(("ignoreDifferences", ignore.clone()));
        }
        let app = map(vec![
            ("apiVersion", text("argoproj.io/v1alpha1")),
            ("kind", text("Application")),
            ("metadata", map(metadata)),
            ("spec", map(spec)),
        ]);
        let chart = ChartSource {
            application: name.to_owned(),
            path,
            namespace: ns.as_str().unwrap_or_default().to_owned(),
            values: d.helm_values,
        };
        (app, chart)
    }
}

/// A Namespace some component asks for, in the earliest wave of those that deploy into it.
fn namespace(name: &str, wave: u32, mut annotations: Map) -> Node {
    annotations.insert(SYNC_WAVE.to_owned(), text(&wave.to_string()));
    let metadata = map(vec![
        ("annotations", Node::new(Value::Map(annotations), generated())),
        ("labels", labels()),
        ("name", text(name)),
    ]);
    map(vec![("apiVersion", text("v1")), ("kind", text("Namespace")), ("metadata", metadata)])
}

fn generated() -> Origin {
    Origin::Generated
}

fn text(s: &str) -> Node {
    Node::new(Value::Str(s.to_owned()), generated())
}

fn map(entries: Vec<(&str, Node)>) -> Node {
    Node::new(Value::Map(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()), generated())
}

fn seq(items: Vec<Node>) -> Node {
    Node::new(Value::Seq(items), generated())
}

fn labels() -> Node {
    map(vec![("app.kubernetes.io/managed-by", text(MANAGED_BY)), ("app.kubernetes.io/part-of", text(PART_OF))])
}
