//! Official schemas from outside (`--schema-dir DIR`): kubeconform-style JSON schema files and
//! CustomResourceDefinition YAML files, matched to documents by apiVersion and kind.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as J;

use super::{compile, Dialect, Schema};
use crate::diag::{Diagnostic, Kind};
use crate::read::read_source;
use crate::value::Origin;
use crate::yaml;

/// Schemas by (apiVersion, kind).
#[derive(Debug, Default)]
pub struct SchemaSet {
    by_kind: BTreeMap<(String, String), Schema>,
}

impl SchemaSet {
    /// The schema for a document's apiVersion and kind, if the set has one.
    pub fn get(&self, api_version: &str, kind: &str) -> Option<&Schema> {
        self.by_kind.get(&(api_version.to_owned(), kind.to_owned()))
    }

    /// How many (apiVersion, kind) pairs the set knows.
    pub fn len(&self) -> usize {
        self.by_kind.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.by_kind.is_empty()
    }

    /// Adds another set's schemas (a later directory wins for the same kind).
    pub fn extend(&mut self, other: SchemaSet) {
        self.by_kind.extend(other.by_kind);
    }

    /// Loads every `*.json` (kubeconform style) and `*.yaml`/`*.yml` (CRDs) file in `dir`.
    pub fn load(dir: &Path) -> Result<SchemaSet, Vec<Diagnostic>> {
        let mut set = SchemaSet::default();
        let mut errors = Vec::new();
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| {
                let msg = format!("cannot read schema directory: {e}");
                vec![Diagnostic::new(Kind::Io, Some(Origin::file(&dir.display().to_string())), "", msg)]
            })?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        for path in entries {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if !matches!(ext, "json" | "yaml" | "yml") {
                continue;
            }
            let name = path.display().to_string();
            let src = match read_source(&path, &name) {
                Ok(s) => s,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let found = if ext == "json" { set.add_json(&path, &src.text) } else { set.add_crds(&src) };
            if let Err(msg) = found {
                errors.push(Diagnostic::new(Kind::Invalid, Some(Origin::file(&name)), "", msg));
            }
        }
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    fn add_json(&mut self, path: &Path, text: &str) -> Result<(), String> {
        let doc: J = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let schema = compile(&doc, Dialect::JsonSchema)?;
        // kubeconform's standalone schemas name their kind; otherwise the file name does
        // (`<kind>-<group>-<version>.json`, `<kind>-<version>.json`).
        let gvks: Vec<(String, String)> = doc
            .get("x-kubernetes-group-version-kind")
            .and_then(J::as_array)
            .into_iter()
            .flatten()
            .filter_map(|g| {
                let group = g.get("group")?.as_str()?;
                let version = g.get("version")?.as_str()?;
                let kind = g.get("kind")?.as_str()?;
                let api = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
                Some((api, kind.to_owned()))
            })
            .collect();
        if !gvks.is_empty() {
            for key in gvks {
                self.by_kind.insert(key, schema.clone());
            }
            return Ok(());
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_lowercase();
        let parts: Vec<&str> = stem.split(['-', '_']).collect();
        let (kind, api) = match parts.as_slice() {
            [kind, version] => (kind.to_string(), version.to_string()),
            [kind, group, version] => (kind.to_string(), format!("{group}/{version}")),
            _ => return Err("cannot tell the kind from the file name; expected <kind>-<group>-<version>.json".into()),
        };
        self.by_kind.insert((api, kind), schema);
        Ok(())
    }

    fn add_crds(&mut self, src: &yaml::Source) -> Result<(), String> {
        let docs = yaml::parse_stream(src, &mut Vec::new()).map_err(|e| e.to_string())?;
        for doc in docs.iter().map(|d| d.to_json()).filter(|d| d["kind"] == "CustomResourceDefinition") {
            let group = doc["spec"]["group"].as_str().ok_or("CRD without spec.group")?;
            let kind = doc["spec"]["names"]["kind"].as_str().ok_or("CRD without spec.names.kind")?;
            for version in doc["spec"]["versions"].as_array().into_iter().flatten() {
                let Some(schema) = version.pointer("/schema/openAPIV3Schema") else { continue };
                let name = version["name"].as_str().ok_or("CRD version without a name")?;
                let mut schema = compile(schema, Dialect::Structural)?;
                // The API server owns these; documents need not satisfy CRD rules for them.
                schema.properties.remove("status");
                schema.properties.remove("operation");
                self.by_kind.insert((format!("{group}/{name}"), kind.to_owned()), schema);
            }
        }
        Ok(())
    }
}
