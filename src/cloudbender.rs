//! CloudBender outputs as layers of values (DOMAIN.md §2, SPEC §2 and §4).
//!
//! Takes a cluster directory and hands on one layer per CloudBender file: `cloudbender.yaml`
//! first, then every YAML file under `outputs/` in path order. A file is recognised by its
//! content: StoreOutputs files (`StackName`, `TimeStamp`, `Outputs`) are mapped to component
//! settings through the catalog; export files (`export_outputs_kubezero`) are already shaped like
//! `kubezero.yaml`. Empty outputs (CloudBender's "no updates" pitfall) are left out of the layer
//! and remembered, so they never delete a value and are named when a required setting is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::catalog::Catalog;
use crate::diag::Diagnostic;
use crate::load::{display, parse_map, Guard, Layer, LayerKind};
use crate::value::{dotted, Map, Node, Origin, Value};

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
    warnings: &mut Vec<Diagnostic>,
) -> Result<Outputs, Vec<Diagnostic>> {
    let mut files = Vec::new();
    if dir.join(EXPORT_FILE).exists() {
        files.push(EXPORT_FILE.to_owned());
    }
    let outputs = dir.join(OUTPUTS_DIR);
    if outputs.is_dir() {
        let mut found = Vec::new();
        yaml_files(&outputs, &mut found).map_err(|e| {
            vec![Diagnostic::error(
                Some(Origin::synthetic(&display(dir, OUTPUTS_DIR))),
                "",
                format!("cannot read: {e}"),
            )]
        })?;
        found.sort();
        files
            .extend(found.iter().map(|p| p.strip_prefix(dir).expect("below dir").to_string_lossy().replace('\\', "/")));
    }

    let mut out = Outputs::default();
    let mut errors = Vec::new();
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
    let values = drop_empty(values, &mut Vec::new(), &mut empty);
    Ok((Layer { kind: LayerKind::CloudBender, name: name.to_owned(), note, node: values }, empty))
}

/// Tells the two formats apart by content; anything else is an error naming the file.
pub fn recognise(catalog: &Catalog, node: &Node) -> Result<Format, Vec<Diagnostic>> {
    let m = node.as_map().expect("read_map returns maps");
    let at = |key: &str| m.get(key).map(|n| n.origin.clone()).or_else(|| Some(node.origin.clone()));
    if m.contains_key("Outputs") || m.contains_key("StackName") {
        let mut errors = Vec::new();
        let stack = m.get("StackName").and_then(Node::as_str);
        if stack.is_none_or(str::is_empty) {
            errors.push(Diagnostic::error(
                at("StackName"),
                "StackName",
                "a StoreOutputs file needs the stack's name as a string",
            ));
        }
        let time = m.get("TimeStamp").and_then(Node::as_str);
        if !time.is_some_and(valid_timestamp) {
            let found = m
                .get("TimeStamp")
                .map_or("nothing".to_owned(), |n| n.as_str().map_or_else(|| n.a_type(), |s| format!("`{s}`")));
            errors.push(Diagnostic::error(
                at("TimeStamp"),
                "TimeStamp",
                format!("expected CloudBender's UTC time `DD/MM/YY HH:MM`, found {found}"),
            ));
        }
        if m.get("Outputs").and_then(Node::as_map).is_none() {
            let found = m.get("Outputs").map_or("nothing", Node::type_name);
            errors.push(Diagnostic::error(
                at("Outputs"),
                "Outputs",
                format!("expected a map of output name to value, found {found}"),
            ));
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
    Err(vec![Diagnostic::error(
        Some(node.origin.clone()),
        "",
        "not a CloudBender file: expected StoreOutputs (StackName, TimeStamp, Outputs) or an export_outputs_kubezero file (ClusterName, component settings); move other files out of outputs/",
    )])
}

/// `%d/%m/%y %H:%M`, checked field by field.
fn valid_timestamp(s: &str) -> bool {
    let Some((date, time)) = s.split_once(' ') else { return false };
    let nums = |t: &str, sep: char, n: usize| -> Option<Vec<u32>> {
        let parts: Vec<&str> = t.split(sep).collect();
        (parts.len() == n && parts.iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())))
            .then(|| parts.iter().map(|p| p.parse().unwrap_or(99)).collect())
    };
    match (nums(date, '/', 3), nums(time, ':', 2)) {
        (Some(d), Some(t)) => (1..=31).contains(&d[0]) && (1..=12).contains(&d[1]) && t[0] < 24 && t[1] < 60,
        _ => false,
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
                let entry = values.entry(c.name.clone()).or_insert_with(|| Node::empty_map(v.origin.clone()));
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

/// Removes null and empty-string leaves, recording their dotted keys.
fn drop_empty(mut node: Node, path: &mut Vec<String>, empty: &mut BTreeMap<String, Origin>) -> Node {
    if let Value::Map(m) = &mut node.value {
        let keys: Vec<String> = m.keys().cloned().collect();
        for k in keys {
            let v = m.remove(&k).expect("key listed");
            path.push(k.clone());
            let is_empty = matches!(&v.value, Value::Null) || v.as_str().is_some_and(|s| s.trim().is_empty());
            if is_empty {
                empty.insert(dotted(path), v.origin.clone());
            } else {
                m.insert(k, drop_empty(v, path, empty));
            }
            path.pop();
        }
    }
    node
}

/// Two CloudBender files that disagree on a key are an error naming both.
pub fn conflicts(layers: &[Layer]) -> Vec<Diagnostic> {
    let mut seen: BTreeMap<String, (&Node, &str)> = BTreeMap::new();
    let mut errors = Vec::new();
    for layer in layers {
        for (key, node) in leaves(&layer.node) {
            match seen.get(&key) {
                Some((first, _)) if !first.same_data(node) => errors.push(Diagnostic::error(
                    Some(node.origin.clone()),
                    &key,
                    format!(
                        "CloudBender files disagree: {} here, {} in {}; remove the stale file",
                        shown(&key, node),
                        shown(&key, first),
                        first.origin
                    ),
                )),
                Some(_) => {}
                None => {
                    seen.insert(key, (node, &layer.name));
                }
            }
        }
    }
    errors
}

/// Every non-map value of a tree with its dotted key.
pub fn leaves(node: &Node) -> Vec<(String, &Node)> {
    fn walk<'n>(node: &'n Node, path: &mut Vec<String>, out: &mut Vec<(String, &'n Node)>) {
        match &node.value {
            Value::Map(m) => {
                for (k, v) in m {
                    path.push(k.clone());
                    walk(v, path, out);
                    path.pop();
                }
            }
            _ if !path.is_empty() => out.push((dotted(path), node)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(node, &mut Vec::new(), &mut out);
    out
}

/// A leaf value in one line for a message; a secret's value is redacted (SPEC §8).
pub fn shown(key: &str, node: &Node) -> String {
    if crate::value::split_dotted(key).iter().any(|seg| crate::redact::is_secret_key(seg)) {
        return crate::redact::REDACTED.to_owned();
    }
    match &node.value {
        Value::Str(s) => format!("`{s}`"),
        _ => format!("`{}`", crate::yaml::emit::document(node).trim_end()),
    }
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        // Directories are entered only when real; a file may be a symlink (the guard decides
        // whether its target may be read).
        if ty.is_dir() && !hidden {
            yaml_files(&path, out)?;
        } else if !ty.is_dir() && !hidden && path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
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
