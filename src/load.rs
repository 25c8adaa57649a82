//! Loading a cluster directory into layers of values, lowest precedence first, and the user's
//! values they make together.
//!
//! Takes a [`Request`] and hands on the user's [`Layer`]s (`kubezero.yaml`, CloudBender outputs,
//! extra values files, values flags) and their fold, as `helm template -f ... --set ...` would
//! build it: files merge key by key keeping their nulls, and flags then act on what the files
//! gave (see `strvals`). Every file is read through the request's [`Guard`] with the input
//! limits; every problem of every file is collected before giving up.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::cloudbender;
use crate::diag::{Diagnostic, Kind};
use crate::layer::{Layer, LayerKind};
use crate::merge::merge_into;
use crate::read::{display, Budget, Guard};
use crate::redact;
use crate::request::{Overlay, Request, Set};
use crate::strvals;
use crate::value::{Node, Origin, Value};
use crate::yaml::{self, parse_map, Source};

/// The file that makes a directory a cluster directory.
pub const CLUSTER_FILE: &str = "kubezero.yaml";

/// The layers of one cluster and the warnings seen while reading them.
#[derive(Debug)]
pub struct Loaded {
    /// User layers, lowest precedence first (the catalog layer is added by the pipeline).
    pub layers: Vec<Layer>,
    /// The user's values: every layer applied in order, nulls kept (they delete defaults later).
    pub user: Node,
    /// Non-fatal findings.
    pub warnings: Vec<Diagnostic>,
    /// CloudBender outputs that were present but empty (dotted key → where).
    pub empty_outputs: BTreeMap<String, Origin>,
}

/// Reads every input of a cluster. Errors are collected across all files.
pub fn load(catalog: &Catalog, req: &Request) -> Result<Loaded, Vec<Diagnostic>> {
    let guard = Guard::new(req.confine.as_ref()).map_err(|e| vec![e])?;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    let mut layers = Vec::new();
    let mut budget = Budget::default();
    let name = display(&req.dir, CLUSTER_FILE);
    match read_map(&guard, &req.dir.join(CLUSTER_FILE), &name, &mut warnings) {
        Ok(node) => {
            budget.spend(&node, &name).map_err(|e| vec![e])?;
            layers.push(Layer { kind: LayerKind::Cluster, name, note: None, node, set: None })
        }
        Err(e) => errors.extend(e),
    }
    let mut empty_outputs = Default::default();
    match cloudbender::read(catalog, &guard, &req.dir, &mut budget, &mut warnings) {
        Ok(cb) => {
            layers.extend(cb.layers);
            empty_outputs = cb.empty;
        }
        Err(e) => errors.extend(e),
    }
    let read_file = |path: &str| {
        read_text(&guard, req, Path::new(path)).map(|s| s.text).map_err(|d| crate::diag::Error::new(d.kind, d.message))
    };
    // A file named twice is read once, and counts twice.
    let mut read_before: HashMap<&Path, Layer> = HashMap::new();
    for overlay in &req.overlays {
        let layer = match overlay {
            Overlay::File(path) => match read_before.get(path.as_path()) {
                Some(layer) => Ok(layer.clone()),
                None => values_file(&guard, req, path, &mut warnings).inspect(|layer| {
                    read_before.insert(path, layer.clone());
                }),
            },
            Overlay::Set(set) => flag(set, &read_file),
        };
        let layer = layer.and_then(|layer| match budget.spend(&layer.node, &layer.name) {
            Ok(()) => Ok(layer),
            Err(e) => Err(vec![e]),
        });
        match layer {
            Ok(layer) => layers.push(layer),
            Err(e) => {
                let over = e.iter().any(|d| d.kind == Kind::Limit);
                errors.extend(e);
                if over {
                    break;
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let user = fold(&layers, &read_file)?;
    Ok(Loaded { layers, user, warnings, empty_outputs })
}

/// The user's values: files merged in order, flags applied to what they gave.
fn fold(layers: &[Layer], read_file: strvals::Reader<'_>) -> Result<Node, Vec<Diagnostic>> {
    let mut user = Node::empty_map(Origin::Generated);
    for layer in layers {
        match &layer.set {
            None => merge_into(&mut user, layer.node.clone(), true),
            Some(set) => {
                let origin = &layer.node.origin;
                // The flag as its layer shows it: with its text hidden when it sets a secret.
                let shown = layer.name.strip_prefix(&format!("{} ", set.source)).unwrap_or(&layer.name);
                strvals::apply(set.flag, &set.text, &mut user, read_file, origin).map_err(|e| {
                    vec![Diagnostic::new(e.kind, Some(origin.clone()), "", e.message.replace(&set.text, shown))]
                })?;
            }
        }
    }
    Ok(user)
}

/// Reads a YAML file that must hold one map (or nothing).
pub fn read_map(
    guard: &Guard,
    path: &Path,
    name: &str,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Node, Vec<Diagnostic>> {
    parse_map(&guard.read(path, name).map_err(|e| vec![e])?, warnings)
}

/// A file's text, or standard input for `-`.
fn read_text(guard: &Guard, req: &Request, path: &Path) -> Result<Source, Diagnostic> {
    let name = path.display().to_string();
    // In plugin mode `-` is a file of the repository like any other, never the sidecar's stdin.
    if name.trim() == "-" && req.confine.is_none() {
        let text = req.stdin.text()?;
        return Ok(Source { name: Arc::from("(stdin)"), text: text.to_owned() });
    }
    // A file named as an argument that cannot be read as one is kzrender unable to do its job.
    guard.read(path, &name).map_err(|mut e| {
        if e.kind == Kind::Shape {
            e.kind = Kind::Io;
        }
        e
    })
}

/// A `-f` file: like Helm, several YAML documents merge in order.
fn values_file(
    guard: &Guard,
    req: &Request,
    path: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Layer, Vec<Diagnostic>> {
    let src = read_text(guard, req, path).map_err(|e| vec![e])?;
    let docs = yaml::parse_stream(&src, warnings).map_err(|e| vec![e])?;
    let mut node = Node::empty_map(Origin::at(&src.name, 1, 1));
    for doc in docs.into_iter().filter(|d| d.value != Value::Null) {
        if doc.as_map().is_none() {
            let msg = format!("expected a map of values, found {}", doc.a_type());
            return Err(vec![Diagnostic::new(Kind::Shape, Some(doc.origin.clone()), "", msg)]);
        }
        merge_into(&mut node, doc, true);
    }
    Ok(Layer { kind: LayerKind::ValuesFile, name: src.name.to_string(), note: None, node, set: None })
}

/// A values flag as a layer: what it sets on its own (for `explain`), its syntax checked. The
/// layer is named by the flag as written, but with everything after its first `=` hidden when
/// the flag may set a secret: when its text names one once unescaped, or what it sets holds one.
/// An error about such a flag never quotes its text either.
fn flag(set: &Set, read_file: strvals::Reader<'_>) -> Result<Layer, Vec<Diagnostic>> {
    let hidden = || match set.text.split_once('=') {
        Some((keys, _)) if !set.text.trim_start().starts_with('{') => format!("{keys}={}", redact::REDACTED),
        _ => redact::REDACTED.to_owned(),
    };
    let mut node = Node::empty_map(Origin::flag(""));
    let applied = strvals::apply(set.flag, &set.text, &mut node, read_file, &Origin::flag(""));
    let secret = redact::names_secret(&set.text) || redact::holds_secret(&node);
    let shown = if secret { hidden() } else { set.text.clone() };
    // A flag that names its one key (`--channel beta`) is shown so, not `--channel channel=beta`.
    let name = match shown.split_once('=') {
        Some((key, value)) if set.source.to_lowercase().replace(['-', '_'], "").ends_with(&key.to_lowercase()) => {
            let sep = if set.source.starts_with("ARGOCD_ENV_") { "=" } else { " " };
            format!("{}{sep}{value}", set.source)
        }
        _ => format!("{} {shown}", set.source),
    };
    let origin = Origin::flag(&name);
    if let Err(e) = applied {
        return Err(vec![Diagnostic::new(e.kind, Some(origin), "", e.message.replace(&set.text, &shown))]);
    }
    // The origin is known only now that secrecy is: every node the flag set carries it.
    node.set_origin(&origin);
    Ok(Layer { kind: LayerKind::Set, name, note: None, node, set: Some(set.clone()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strvals::Flag;

    fn set(flag: Flag, text: &str) -> Layer {
        flag_layer(&Set::flag(flag, text))
    }

    fn flag_layer(s: &Set) -> Layer {
        flag(s, &|p: &str| Err(crate::diag::Error::new(Kind::Io, format!("no file {p}")))).unwrap()
    }

    #[test]
    fn a_flag_names_itself_in_provenance_except_a_secrets_value() {
        let n = set(Flag::String, "logging.elastic_password=hunter2");
        assert_eq!(n.node.origin.to_string(), "--set-string logging.elastic_password=<redacted>");
        // Helm reads `{` as the start of a list: escape it, or use --set-literal.
        let n = set(Flag::String, r"cert-manager.values.podAnnotations.iam\.amazonaws\.com/role=\{\{ x \}\}");
        let leaf = n.node.get_path(&["cert-manager", "values", "podAnnotations", "iam.amazonaws.com/role"]).unwrap();
        assert_eq!(leaf.as_str(), Some("{{ x }}"));
        assert_eq!(
            leaf.origin.to_string(),
            r"--set-string cert-manager.values.podAnnotations.iam\.amazonaws\.com/role=\{\{ x \}\}"
        );
    }

    #[test]
    fn set_types_like_helm_and_set_string_keeps_text() {
        assert_eq!(
            set(Flag::Typed, "kiam.enabled=true").node.to_json(),
            serde_json::json!({"kiam": {"enabled": true}})
        );
        assert_eq!(
            set(Flag::String, "kiam.enabled=true").node.to_json(),
            serde_json::json!({"kiam": {"enabled": "true"}})
        );
        assert_eq!(set(Flag::Typed, "calico.mtu=1450").node.to_json(), serde_json::json!({"calico": {"mtu": 1450}}));
        assert_eq!(set(Flag::Typed, "a=null").node.to_json(), serde_json::json!({"a": null}));
        assert_eq!(set(Flag::Typed, "a=012").node.to_json(), serde_json::json!({"a": "012"}));
    }
}
