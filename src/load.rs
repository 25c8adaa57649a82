//! Loading a cluster directory into layers of values, lowest precedence first (SPEC §2–4).
//!
//! Takes a [`Request`] and hands on the user's [`Layer`]s: `kubezero.yaml`, CloudBender outputs,
//! extra values files, `--set`s. Every file is read with the input limits, every problem of every
//! file is collected before giving up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::cloudbender;
use crate::diag::Diagnostic;
use crate::redact::{is_secret_key, REDACTED};
use crate::value::{split_dotted, Map, Node, Origin, Value};
use crate::yaml::{self, read_source, Source};

/// The file that makes a directory a cluster directory.
pub const CLUSTER_FILE: &str = "kubezero.yaml";

/// Everything that decides one render, resolved from the CLI or from ArgoCD's environment.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The cluster directory.
    pub dir: PathBuf,
    /// Values files and assignments laid over the cluster's own files, lowest precedence first
    /// (the CLI: `-f` files, then `--set`s; ArgoCD: SPEC §7's order).
    pub overlays: Vec<Overlay>,
    /// The cluster's Kubernetes version from the environment (`KUBE_VERSION`), if any.
    pub kube_version: Option<String>,
    /// When set, no file outside this directory may be read (ArgoCD's repository checkout).
    pub confine_to: Option<PathBuf>,
}

/// One input laid over the cluster's own files.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// A values file, relative to the cluster directory.
    File(String),
    /// A `--set`-style assignment.
    Set(Set),
}

/// One `--set`-style assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// Dotted key, `\.` for a literal dot.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// Keep the value a string (`--set-string`) instead of reading it as a YAML scalar.
    pub string: bool,
    /// Where it came from, for provenance (`--set`, `ARGOCD_APP_PARAMETERS`).
    pub source: String,
}

/// What kind of input a layer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LayerKind {
    /// The catalog's defaults for the channel.
    Catalog,
    /// The operator's `kubezero.yaml`.
    Cluster,
    /// CloudBender's exported outputs.
    CloudBender,
    /// An extra values file.
    ValuesFile,
    /// A `--set`.
    Set,
}

/// One layer of values.
#[derive(Clone, Debug)]
pub struct Layer {
    /// What it is.
    pub kind: LayerKind,
    /// A short description for `explain` (file name, or a flag).
    pub name: String,
    /// Extra facts for `explain` (a StoreOutputs file's stack and time).
    pub note: Option<String>,
    /// The values, always a map.
    pub node: Node,
}

/// The layers of one cluster and the warnings seen while reading them.
#[derive(Debug)]
pub struct Loaded {
    /// User layers, lowest precedence first (the catalog layer is added by the pipeline).
    pub layers: Vec<Layer>,
    /// Non-fatal findings.
    pub warnings: Vec<Diagnostic>,
    /// CloudBender outputs that were present but empty (dotted key → where).
    pub empty_outputs: BTreeMap<String, Origin>,
}

/// Reads every input of a cluster. Errors are collected across all files.
pub fn load(catalog: &Catalog, req: &Request) -> Result<Loaded, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut layers = Vec::new();

    let guard = match Guard::new(req.confine_to.as_deref()) {
        Ok(g) => g,
        Err(e) => return Err(vec![e]),
    };
    match guard.read_map(&req.dir.join(CLUSTER_FILE), &display(&req.dir, CLUSTER_FILE), &mut warnings) {
        Ok(node) => {
            layers.push(Layer { kind: LayerKind::Cluster, name: display(&req.dir, CLUSTER_FILE), note: None, node })
        }
        Err(e) => errors.extend(e),
    }
    let mut empty_outputs = Default::default();
    match cloudbender::read(catalog, &guard, &req.dir, &mut warnings) {
        Ok(cb) => {
            layers.extend(cb.layers);
            empty_outputs = cb.empty;
        }
        Err(e) => errors.extend(e),
    }
    for overlay in &req.overlays {
        match overlay {
            Overlay::File(rel) => {
                let name = display(&req.dir, rel);
                match guard.read_map(&req.dir.join(rel), &name, &mut warnings) {
                    Ok(node) => layers.push(Layer { kind: LayerKind::ValuesFile, name, note: None, node }),
                    Err(e) => errors.extend(e),
                }
            }
            Overlay::Set(set) => match set_node(set) {
                Ok(node) => layers.push(Layer { kind: LayerKind::Set, name: set_label(set), note: None, node }),
                Err(e) => errors.push(e),
            },
        }
    }
    if errors.is_empty() {
        Ok(Loaded { layers, warnings, empty_outputs })
    } else {
        Err(errors)
    }
}

/// A path as shown to the user: the cluster directory as given, joined with the file.
pub fn display(dir: &Path, rel: &str) -> String {
    let joined = dir.join(rel);
    let s = joined.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// Reads input files, refusing any path (or symlink) that leads outside the confinement
/// directory when there is one (ArgoCD's repository checkout, SPEC §7).
#[derive(Debug)]
pub struct Guard {
    /// The root as written (made absolute) and as it really is (symlinks resolved).
    root: Option<(PathBuf, PathBuf)>,
}

impl Guard {
    /// A guard for `confine` (canonicalized once), or an open one.
    pub fn new(confine: Option<&Path>) -> Result<Guard, Diagnostic> {
        let root = match confine {
            None => None,
            Some(r) => {
                let err = |e: std::io::Error| {
                    Diagnostic::error(
                        Some(Origin::synthetic(&r.display().to_string())),
                        "",
                        format!("cannot resolve the repository root: {e}"),
                    )
                };
                Some((lexically_normal(&std::path::absolute(r).map_err(err)?), r.canonicalize().map_err(err)?))
            }
        };
        Ok(Guard { root })
    }

    /// Reads a file's text after checking where it really is.
    pub fn read(&self, path: &Path, name: &str) -> Result<Source, Diagnostic> {
        if let Some((root_written, root_real)) = &self.root {
            let at = Some(Origin::synthetic(name));
            let outside = || {
                Diagnostic::error(
                    at.clone(),
                    "",
                    "resolves outside the repository checkout; only files inside the repository may be used",
                )
            };
            // First the path as written (`../..`), then where its symlinks really lead.
            let written = std::path::absolute(path)
                .map(|p| lexically_normal(&p))
                .map_err(|e| Diagnostic::error(at.clone(), "", format!("cannot read: {e}")))?;
            if !written.starts_with(root_written) {
                return Err(outside());
            }
            let real =
                path.canonicalize().map_err(|e| Diagnostic::error(at.clone(), "", format!("cannot read: {e}")))?;
            if !real.starts_with(root_real) {
                return Err(outside());
            }
        }
        read_source(path, name)
    }

    /// Reads a YAML file that must hold one map (or nothing).
    pub fn read_map(&self, path: &Path, name: &str, warnings: &mut Vec<Diagnostic>) -> Result<Node, Vec<Diagnostic>> {
        parse_map(&self.read(path, name).map_err(|e| vec![e])?, warnings)
    }
}

/// `a/b/../c` → `a/c`, without touching the file system. A relative path keeps the `..` that
/// lead above its start (`a/../../b` → `../b`).
pub fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            std::path::Component::ParentDir => {
                let can_pop = matches!(out.components().next_back(), Some(std::path::Component::Normal(_)));
                if can_pop {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

/// Parses text that must hold one YAML map (or nothing).
pub fn parse_map(src: &Source, warnings: &mut Vec<Diagnostic>) -> Result<Node, Vec<Diagnostic>> {
    let mut docs = yaml::parse_stream(src, warnings).map_err(|e| vec![e])?;
    docs.retain(|d| d.value != Value::Null);
    let origin = Origin::new(&src.name, 1, 1);
    match docs.len() {
        0 => Ok(Node::empty_map(origin)),
        1 if docs[0].as_map().is_some() => Ok(docs.remove(0)),
        1 => Err(vec![Diagnostic::error(
            Some(docs[0].origin.clone()),
            "",
            format!("expected a map of values, found {}", docs[0].a_type()),
        )]),
        _ => Err(vec![Diagnostic::error(
            Some(docs[1].origin.clone()),
            "",
            "expected one YAML document, found several; split them into separate files",
        )]),
    }
}

fn set_label(set: &Set) -> String {
    format!("{} {}", set.source, set.key)
}

/// A `--set` as a one-path map, its leaf remembering the flag it came from.
/// The origin names the flag and its value, except a secret's value (SPEC §8).
fn set_node(set: &Set) -> Result<Node, Diagnostic> {
    let segments = split_dotted(&set.key);
    let shown = if segments.iter().any(|s| is_secret_key(s)) { REDACTED } else { set.value.as_str() };
    let origin = Origin { file: Arc::from(format!("{} {}={shown}", set.source, set.key)), line: 0, col: 0 };
    if segments.iter().any(String::is_empty) {
        return Err(Diagnostic::error(
            Some(origin),
            &set.key,
            "a key has an empty part; write `a.b`, and `a\\.b` for a literal dot",
        ));
    }
    if segments.len() > yaml::parse::MAX_DEPTH {
        return Err(Diagnostic::error(
            Some(origin),
            "",
            format!("the key is deeper than {} levels", yaml::parse::MAX_DEPTH),
        ));
    }
    let value = if set.string { Value::Str(set.value.clone()) } else { yaml_scalar(&set.value) };
    Ok(segments.into_iter().rev().fold(Node::new(value, origin.clone()), |child, seg| {
        let mut m = Map::new();
        m.insert(seg, child);
        Node::new(Value::Map(m), origin.clone())
    }))
}

/// Reads `--set` text as a YAML scalar, as Helm does (`true` is a bool, `"x"` a string).
fn yaml_scalar(text: &str) -> Value {
    let src = yaml::Source { name: Arc::from("--set"), text: text.to_owned() };
    match yaml::parse_stream(&src, &mut Vec::new()) {
        Ok(docs) if docs.len() == 1 && !matches!(docs[0].value, Value::Map(_) | Value::Seq(_)) => docs[0].value.clone(),
        _ => Value::Str(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(key: &str, value: &str, string: bool) -> Node {
        set_node(&Set { key: key.into(), value: value.into(), string, source: "--set".into() }).unwrap()
    }

    #[test]
    fn set_keys_are_bounded_and_secret_values_stay_out_of_their_origin() {
        let deep = vec!["a"; 65].join(".");
        let err = set_node(&Set { key: deep, value: "1".into(), string: false, source: "--set".into() }).unwrap_err();
        assert!(err.message.contains("deeper than 64"), "{err}");
        assert!(
            set_node(&Set { key: "a..b".into(), value: "1".into(), string: false, source: "--set".into() }).is_err()
        );
        let n = set("logging.elastic_password", "hunter2", true);
        assert_eq!(&*n.origin.file, "--set logging.elastic_password=<redacted>");
    }

    #[test]
    fn lexical_normalisation_keeps_what_leads_above_the_start() {
        assert_eq!(lexically_normal(Path::new("a/b/../c")), Path::new("a/c"));
        assert_eq!(lexically_normal(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(lexically_normal(Path::new("/r/../../x")), Path::new("/x"));
        assert_eq!(lexically_normal(Path::new("./a/./b")), Path::new("a/b"));
    }

    #[test]
    fn set_reads_a_yaml_scalar_and_set_string_keeps_text() {
        assert_eq!(set("kiam.enabled", "true", false).to_json(), serde_json::json!({"kiam": {"enabled": true}}));
        assert_eq!(set("kiam.enabled", "true", true).to_json(), serde_json::json!({"kiam": {"enabled": "true"}}));
        assert_eq!(set("calico.mtu", "1450", false).to_json(), serde_json::json!({"calico": {"mtu": 1450}}));
        assert_eq!(set("a", "null", false).to_json(), serde_json::json!({"a": null}));
    }

    #[test]
    fn set_keys_escape_dots_and_values_stay_data() {
        let n = set(r"cert-manager.values.podAnnotations.iam\.amazonaws\.com/role", "{{ x }}", false);
        let leaf = n.get_path(&["cert-manager", "values", "podAnnotations", "iam.amazonaws.com/role"]).unwrap();
        assert_eq!(leaf.as_str(), Some("{{ x }}"));
        assert_eq!(&*leaf.origin.file, r"--set cert-manager.values.podAnnotations.iam\.amazonaws\.com/role={{ x }}");
    }
}
