//! Loading a cluster directory into layers of values, lowest precedence first.
//!
//! Takes a [`Request`] and hands on the user's [`Layer`]s: `kubezero.yaml`, CloudBender outputs,
//! extra values files, `--set`s. Every file is read through the request's [`Guard`] with the
//! input limits; every problem of every file is collected before giving up.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::cloudbender;
use crate::diag::{Diagnostic, Kind};
use crate::layer::{Layer, LayerKind};
use crate::read::{display, Guard};
use crate::redact::{is_secret_path, REDACTED};
use crate::request::{Overlay, Request, Set};
use crate::value::{KeyPath, Map, Node, Origin, Value};
use crate::yaml::{self, parse_map};

/// The file that makes a directory a cluster directory.
pub const CLUSTER_FILE: &str = "kubezero.yaml";

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

    let guard = match Guard::new(req.confine.as_ref()) {
        Ok(g) => g,
        Err(e) => return Err(vec![e]),
    };
    match read_map(&guard, &req.dir.join(CLUSTER_FILE), &display(&req.dir, CLUSTER_FILE), &mut warnings) {
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
                match read_map(&guard, &req.dir.join(rel), &name, &mut warnings) {
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

/// Reads a YAML file that must hold one map (or nothing).
pub fn read_map(
    guard: &Guard,
    path: &std::path::Path,
    name: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    parse_map(&guard.read(path, name).map_err(|e| vec![e])?, warnings)
}

fn set_label(set: &Set) -> String {
    format!("{} {}", set.source, set.key)
}

/// A `--set` as a one-path map, its leaf remembering the flag it came from.
/// The origin names the flag and its value, except a secret's value (SPEC §8).
fn set_node(set: &Set) -> Result<Node, Diagnostic> {
    let path = KeyPath::of(&split(&set.key));
    let shown = if is_secret_path(&path) { REDACTED } else { set.value.as_str() };
    let origin = Origin::Flag(Arc::from(format!("{} {}={shown}", set.source, set.key)));
    if path.keys().any(str::is_empty) {
        let msg = "a key has an empty part; write `a.b`, and `a\\.b` for a literal dot";
        return Err(Diagnostic::new(Kind::Assignment, Some(origin), &set.key, msg));
    }
    if path.segs().len() > yaml::parse::MAX_DEPTH {
        let msg = format!("the key is deeper than {} levels", yaml::parse::MAX_DEPTH);
        return Err(Diagnostic::new(Kind::Limit, Some(origin), "", msg));
    }
    let segments: Vec<String> = path.keys().map(str::to_owned).collect();
    let value = if set.string { Value::Str(set.value.clone()) } else { yaml_scalar(&set.value) };
    Ok(segments.into_iter().rev().fold(Node::new(value, origin.clone()), |child, seg| {
        let mut m = Map::new();
        m.insert(seg, child);
        Node::new(Value::Map(m), origin.clone())
    }))
}

/// A `--set` key's parts: `.` separates, `\.` is a literal dot.
fn split(key: &str) -> Vec<String> {
    let mut segs = vec![String::new()];
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.as_str().starts_with('.') => {
                chars.next();
                segs.last_mut().expect("never empty").push('.');
            }
            '.' => segs.push(String::new()),
            c => segs.last_mut().expect("never empty").push(c),
        }
    }
    segs
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
        assert_eq!(err.kind, Kind::Limit);
        assert!(
            set_node(&Set { key: "a..b".into(), value: "1".into(), string: false, source: "--set".into() }).is_err()
        );
        let n = set("logging.elastic_password", "hunter2", true);
        assert_eq!(n.origin.to_string(), "--set logging.elastic_password=<redacted>");
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
        assert_eq!(
            leaf.origin.to_string(),
            r"--set cert-manager.values.podAnnotations.iam\.amazonaws\.com/role={{ x }}"
        );
    }
}
