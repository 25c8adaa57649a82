//! CloudBender outputs as layers of values (the README's "CloudBender outputs").
//!
//! Takes a cluster directory and hands on one layer per CloudBender file: `cloudbender.yaml`
//! first, then every YAML file under `outputs/` in path order. A file is recognised by its
//! content: StoreOutputs files (`StackName`, `TimeStamp`, `Outputs`) are mapped to component
//! settings through the catalog; export files (`export_outputs_kubezero`) are already shaped like
//! `kubezero.yaml`. Empty outputs (CloudBender's "no updates" pitfall) are left out of the layer
//! and remembered, so they never delete a value and are named when a required setting is missing.

use std::collections::BTreeMap;
use std::path::Path;

use crate::catalog::Catalog;
use crate::diag::{Diagnostic, Kind};
use crate::files;
use crate::layer::{Layer, LayerKind};
use crate::read::{display, Budget, Guard};
use crate::redact;
use crate::value::{KeyPath, Map, Node, Origin, Value};
use crate::yaml::parse_map;

/// The export file operators copy beside `kubezero.yaml`.
pub const EXPORT_FILE: &str = "cloudbender.yaml";
/// The directory StoreOutputs files are copied into.
pub const OUTPUTS_DIR: &str = "outputs";

/// CloudBender's layers of one cluster.
#[derive(Debug, Default)]
pub struct Outputs {
    /// One layer per file, lowest precedence first.
    pub layers: Vec<Layer>,
    /// Dotted keys whose output was present but empty, and where.
    pub empty: BTreeMap<String, Origin>,
}

/// Which CloudBender format a file is in.
#[derive(Debug, PartialEq, Eq)]
pub enum Format {
    /// `StoreOutputs`: one stack's outputs.
    StoreOutputs {
        /// `StackName`.
        stack: String,
        /// `TimeStamp`, UTC `%d/%m/%y %H:%M`.
        time: String,
    },
    /// `export_outputs_kubezero`: values shaped like `kubezero.yaml`.
    Export,
}

/// Reads every CloudBender file of a cluster directory.
pub fn read(
    catalog: &Catalog,
    guard: &Guard,
    dir: &Path,
    budget: &mut Budget,
    warnings: &mut Vec<Diagnostic>,
) -> Result<Outputs, Vec<Diagnostic>> {
    let mut files = Vec::new();
    if dir.join(EXPORT_FILE).exists() {
        files.push(EXPORT_FILE.to_owned());
    }
    let mut errors = Vec::new();
    let outputs = dir.join(OUTPUTS_DIR);
    if outputs.is_dir() {
        // A symlinked outputs/ is walked only where it stays inside the checkout.
        guard.check(&outputs, &display(dir, OUTPUTS_DIR)).map_err(|e| vec![e])?;
        let found = files::walk(&outputs, |_| true);
        errors.extend(found.errors);
        let yaml = found.files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"));
        files.extend(yaml.map(|p| p.strip_prefix(dir).expect("below dir").to_string_lossy().replace('\\', "/")));
    }

    let mut out = Outputs::default();
    for rel in files {
        let name = display(dir, &rel);
        let parsed = guard
            .read(&dir.join(&rel), &name)
            .map_err(|e| vec![e])
            .and_then(|src| Ok((parse_map(&src, warnings)?, src)));
        let (node, src) = match parsed {
            Ok(p) => p,
            Err(e) => {
                errors.extend(e);
                continue;
            }
        };
        // Many files are no more than the cluster's inputs may hold together.
        budget.spend(&node, &name).map_err(|e| vec![e])?;
        match layer(catalog, &name, node, &src.text) {
            Ok((layer, empty)) => {
                out.empty.extend(empty);
                out.layers.push(layer);
            }
            Err(e) => errors.extend(e),
        }
    }
    errors.extend(conflicts(&out.layers));
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Recognises a file's format and turns it into a layer plus its empty outputs.
pub fn layer(
    catalog: &Catalog,
    name: &str,
    node: Node,
    text: &str,
) -> Result<(Layer, BTreeMap<String, Origin>), Vec<Diagnostic>> {
    let format = recognise(catalog, &node)?;
    let (values, note) = match &format {
        Format::StoreOutputs { stack, time } => (map_outputs(catalog, &node), Some(format!("stack {stack} at {time}"))),
        Format::Export => (node, export_source(text)),
    };
    let mut empty = BTreeMap::new();
    let values = drop_empty(values, &mut empty);
    Ok((Layer { kind: LayerKind::CloudBender, name: name.to_owned(), note, node: values, set: None }, empty))
}

/// Tells the two formats apart by content; anything else is an error naming the file.
pub fn recognise(catalog: &Catalog, node: &Node) -> Result<Format, Vec<Diagnostic>> {
    let m = node.as_map().expect("parse_map returns maps");
    let at = |key: &str| m.get(key).map(|n| n.origin.clone()).or_else(|| Some(node.origin.clone()));
    if m.contains_key("Outputs") || m.contains_key("StackName") {
        let mut errors = Vec::new();
        let stack = m.get("StackName").and_then(Node::as_str);
        if stack.is_none_or(str::is_empty) {
            let msg = "a StoreOutputs file needs the stack's name as a string";
            errors.push(Diagnostic::new(Kind::CloudBender, at("StackName"), "StackName", msg));
        }
        let time = m.get("TimeStamp").and_then(Node::as_str);
        if !time.is_some_and(valid_timestamp) {
            let found = m
                .get("TimeStamp")
                .map_or("nothing".to_owned(), |n| n.as_str().map_or_else(|| n.a_type(), |s| format!("`{s}`")));
            let msg = format!("expected CloudBender's UTC time `DD/MM/YY HH:MM`, found {found}");
            errors.push(Diagnostic::new(Kind::CloudBender, at("TimeStamp"), "TimeStamp", msg));
        }
        if m.get("Outputs").and_then(Node::as_map).is_none() {
            let found = m.get("Outputs").map_or("nothing", Node::type_name);
            let msg = format!("expected a map of output name to value, found {found}");
            errors.push(Diagnostic::new(Kind::CloudBender, at("Outputs"), "Outputs", msg));
        }
        return if errors.is_empty() {
            Ok(Format::StoreOutputs {
                stack: stack.unwrap_or_default().to_owned(),
                time: time.unwrap_or_default().to_owned(),
            })
        } else {
            Err(errors)
        };
    }
    let export_keys =
        m.iter().any(|(k, v)| k == "ClusterName" || (catalog.components.contains_key(k) && v.as_map().is_some()));
    if export_keys {
        return Ok(Format::Export);
    }
    let msg = "not a CloudBender file: expected StoreOutputs (StackName, TimeStamp, Outputs) or an export_outputs_kubezero file (ClusterName, component settings); move other files out of outputs/";
    Err(vec![Diagnostic::new(Kind::CloudBender, Some(node.origin.clone()), "", msg)])
}

/// `%d/%m/%y %H:%M`, checked field by field.
fn valid_timestamp(s: &str) -> bool {
    timestamp(s).is_some()
}

/// The day of a CloudBender time (`DD/MM/YY HH:MM`, UTC) as `YYYY-MM-DD`, if it is one.
pub fn date(stamp: &str) -> Option<String> {
    let [d, m, y] = timestamp(stamp)?;
    Some(format!("20{y:02}-{m:02}-{d:02}"))
}

/// A CloudBender time's day, month and two-digit year, if it is one.
fn timestamp(s: &str) -> Option<[u32; 3]> {
    let (date, time) = s.split_once(' ')?;
    let nums = |t: &str, sep: char, n: usize| -> Option<Vec<u32>> {
        let parts: Vec<&str> = t.split(sep).collect();
        (parts.len() == n && parts.iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())))
            .then(|| parts.iter().map(|p| p.parse().unwrap_or(99)).collect())
    };
    match (nums(date, '/', 3)?.as_slice(), nums(time, ':', 2)?.as_slice()) {
        (&[d, m, y], &[h, min]) if (1..=31).contains(&d) && (1..=12).contains(&m) && h < 24 && min < 60 => {
            Some([d, m, y])
        }
        _ => None,
    }
}

/// StoreOutputs → component settings through the catalog's output mapping; unmapped outputs
/// are other stacks' facts and are ignored.
fn map_outputs(catalog: &Catalog, node: &Node) -> Node {
    let outputs = node.get_path(&["Outputs"]).and_then(Node::as_map).expect("recognised as StoreOutputs");
    let mut values = Map::new();
    for c in catalog.components.values() {
        for (output, setting) in &c.spec.outputs {
            if let Some(v) = outputs.get(output) {
                let entry = values.get_or_insert_with(c.name.clone(), || Node::empty_map(v.origin.clone()));
                if let Value::Map(m) = &mut entry.value {
                    m.insert(setting.clone(), v.clone());
                }
            }
        }
    }
    Node::new(Value::Map(values), node.origin.clone())
}

/// The `# Source: CloudBender for stack X at T` line of an export file, as a note.
fn export_source(text: &str) -> Option<String> {
    text.lines().take(5).find_map(|l| l.strip_prefix("# Source: CloudBender for ")).map(str::to_owned)
}

/// Removes null and empty-string values below maps, recording their dotted keys.
fn drop_empty(mut node: Node, empty: &mut BTreeMap<String, Origin>) -> Node {
    let is_empty = |n: &Node| matches!(&n.value, Value::Null) || n.as_str().is_some_and(|s| s.trim().is_empty());
    // Lists are whole values (Helm's merge): only what sits below maps is an output.
    let below_maps = |path: &KeyPath| !path.is_empty() && path.segs().iter().all(|s| s.key().is_some());
    let found = node.find(|path, n| below_maps(path) && is_empty(n));
    for path in found {
        if let Some(n) = node.remove(&path) {
            empty.insert(path.to_string(), n.origin);
        }
    }
    node
}

/// Two CloudBender files that disagree on a key are an error naming both.
pub fn conflicts(layers: &[Layer]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<KeyPath, &Node> = BTreeMap::new();
    let mut errors = Vec::new();
    for layer in layers {
        for (path, node) in layer.node.leaves() {
            match seen.get(&path) {
                Some(first) if !first.same_data(node) => {
                    let msg = format!(
                        "CloudBender files disagree: {} here, {} in {}; remove the stale file",
                        shown(&path, node),
                        shown(&path, first),
                        first.origin
                    );
                    errors.push(Diagnostic::new(Kind::Conflict, Some(node.origin.clone()), path.to_string(), msg));
                }
                Some(_) => {}
                None => {
                    seen.insert(path, node);
                }
            }
        }
    }
    errors
}

/// A value in one line for a message, secrets redacted.
pub fn shown(path: &KeyPath, node: &Node) -> String {
    redact::shown(path, node, |n| match &n.value {
        Value::Str(s) => format!("`{s}`"),
        _ => format!("`{}`", crate::yaml::emit::document(n).trim_end()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_follow_cloudbenders_format() {
        assert!(valid_timestamp("22/06/20 14:17"));
        assert!(!valid_timestamp("2020-06-22 14:17"));
        assert!(!valid_timestamp("22/13/20 14:17"));
        assert!(!valid_timestamp("22/06/20 24:00"));
        assert!(!valid_timestamp("22/06/20"));
    }
}
