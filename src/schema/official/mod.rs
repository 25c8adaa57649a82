//! Official schemas from `--schema-dir DIR` (repeatable), checked with the `jsonschema` crate:
//! every keyword of the schema's draft (`$schema`, 2020-12 when absent, as kubeconform's
//! schemas expect), formats as annotations. A kind's schema is compiled the first time a
//! document of that kind is checked; each directory's `_definitions.json` is read once.
//!
//! A document whose kind has no schema in any directory is an error naming the kind and the
//! directories, unless missing schemas are ignored (kubeconform's `-ignore-missing-schemas`).

mod crd;
mod index;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::Value as J;

use super::Schema;
use crate::diag::{Diagnostic, Kind};
use crate::value::{Node, Origin};
use index::{Dir, Gvk};

/// The schemas of every `--schema-dir`.
#[derive(Debug, Default)]
pub struct SchemaSet {
    dirs: Vec<(Dir, OnceLock<Result<Definitions, Diagnostic>>)>,
    ignore_missing: bool,
    compiled: Mutex<HashMap<Gvk, Lookup>>,
}

/// A kind's schema, compiled, or none in any directory, or why it cannot be used.
type Lookup = Result<Option<Arc<Schema>>, Diagnostic>;

/// A directory's `_definitions.json`, parsed and registered once.
struct Definitions {
    registry: jsonschema::Registry<'static>,
    doc: Option<Arc<J>>,
}

impl std::fmt::Debug for Definitions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Definitions")
    }
}

const DEFINITIONS_AT: [&str; 2] = ["json-schema:///_definitions.json", "json-schema:///api/_definitions.json"];

impl SchemaSet {
    /// Opens the directories (lists their files; schemas are read when a kind needs them).
    pub fn load(dirs: &[PathBuf], ignore_missing: bool) -> Result<SchemaSet, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut opened = Vec::new();
        for dir in dirs {
            match Dir::open(dir) {
                Ok(d) => opened.push((d, OnceLock::new())),
                Err(e) => errors.extend(e),
            }
        }
        match errors.is_empty() {
            true => Ok(SchemaSet { dirs: opened, ignore_missing, compiled: Mutex::default() }),
            false => Err(errors),
        }
    }

    /// Whether no directory was given (then documents are not checked against official schemas).
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty()
    }

    /// Every finding on a document against its kind's schema, or that it has none.
    pub fn check(&self, doc: &Node) -> Vec<Diagnostic> {
        if self.dirs.is_empty() {
            return Vec::new();
        }
        let field = |k: &str| doc.get_path(&[k]).and_then(Node::as_str).unwrap_or_default().to_owned();
        let gvk = (field("apiVersion"), field("kind"));
        match self.compiled(&gvk) {
            Err(e) => vec![e],
            Ok(None) if self.ignore_missing => Vec::new(),
            Ok(None) => {
                let dirs: Vec<String> = self.dirs.iter().map(|(d, _)| d.path.display().to_string()).collect();
                let msg = format!(
                    "no schema for {} {} in --schema-dir {}; add one, or pass --ignore-missing-schemas",
                    gvk.0,
                    gvk.1,
                    dirs.join(", ")
                );
                vec![Diagnostic::new(Kind::MissingSchema, None, "kind", msg)]
            }
            Ok(Some(c)) => c.check(doc),
        }
    }

    fn compiled(&self, gvk: &Gvk) -> Lookup {
        if let Some(done) = self.compiled.lock().unwrap_or_else(PoisonError::into_inner).get(gvk) {
            return done.clone();
        }
        let result = self.compile(gvk);
        self.compiled.lock().unwrap_or_else(PoisonError::into_inner).insert(gvk.clone(), result.clone());
        result
    }

    fn compile(&self, gvk: &Gvk) -> Lookup {
        for (dir, registry) in &self.dirs {
            let Some(found) = dir.find(gvk)? else { continue };
            let defs = registry.get_or_init(|| definitions(dir)).as_ref().map_err(Clone::clone)?;
            let mut compiled = Schema::compile(&found.schema, &found.file, &defs.registry)?;
            compiled.definitions = defs.doc.clone();
            return Ok(Some(Arc::new(compiled)));
        }
        Ok(None)
    }
}

/// The registry of a directory: its `_definitions.json` under every name kubeconform's and
/// kubernetes-validate's schemas refer to it by.
fn definitions(dir: &Dir) -> Result<Definitions, Diagnostic> {
    let mut registry = jsonschema::Registry::new();
    let mut doc = None;
    if let Some(path) = dir.definitions() {
        let defs = index::read_json(&path)?;
        let invalid = |e: &dyn std::fmt::Display| {
            let msg = format!("invalid definitions: {}", crate::diag::one_line(&e.to_string()));
            Diagnostic::new(Kind::Invalid, Some(Origin::file(&path.display().to_string())), "", msg)
        };
        let own = defs.get("$id").and_then(J::as_str).map(str::to_owned);
        for uri in DEFINITIONS_AT.iter().map(|u| u.to_string()).chain(own) {
            registry = registry.add(uri, defs.clone()).map_err(|e| invalid(&e))?;
        }
        doc = Some(Arc::new(defs));
    }
    let registry = registry.prepare().map_err(|e| {
        let at = Some(Origin::file(&dir.path.display().to_string()));
        Diagnostic::new(Kind::Invalid, at, "", format!("invalid definitions: {e}"))
    })?;
    Ok(Definitions { registry, doc })
}
