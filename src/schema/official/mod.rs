//! Official schemas from `--schema-dir DIR` (any Kubernetes version) and `--schema-location
//! TEMPLATE` (each cluster's own version), checked with the `jsonschema` crate: every keyword of
//! the schema's draft (`$schema`, 2020-12 when absent, as kubeconform's schemas expect), formats
//! as annotations. A kind's schema is compiled the first time a document of that kind is
//! checked; each directory's `_definitions.json` is read once. A version's templated
//! directories also tell which built-in kinds that version has ([`Served`]).
//!
//! A document whose kind has no schema in any directory is an error naming the kind and the
//! directories, unless missing schemas are ignored (kubeconform's `-ignore-missing-schemas`).

pub mod crd;
mod index;
mod location;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::Value as J;

use super::Schema;
use crate::diag::{Diagnostic, Kind};
use crate::value::{Node, Origin};
use index::Dir;
pub use location::Template;

/// (apiVersion, kind).
pub type Gvk = (String, String);

/// The schemas of every `--schema-dir` and `--schema-location`.
#[derive(Debug, Default)]
pub struct SchemaSet {
    dirs: Vec<Arc<Source>>,
    templates: Vec<Template>,
    /// The templates' directories per Kubernetes version, opened once.
    by_version: Mutex<HashMap<String, Opened>>,
    ignore_missing: bool,
    compiled: Mutex<HashMap<(Option<String>, Gvk), Lookup>>,
}

/// One schema directory and what is read from it once.
#[derive(Debug)]
struct Source {
    dir: Dir,
    definitions: OnceLock<Result<Definitions, Diagnostic>>,
}

/// Where the compiled ObjectMeta is kept among the kinds (no document has this apiVersion).
static OBJECT_META: std::sync::LazyLock<Gvk> =
    std::sync::LazyLock::new(|| (String::new(), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta".to_owned()));

/// A version's templated directories, or why one cannot be opened.
type Opened = Result<Vec<Arc<Source>>, Diagnostic>;

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

/// The built-in kinds of one Kubernetes version, by the `x-kubernetes-group-version-kind` of its
/// schemas' definitions; alpha versions left out (a cluster serves none by default).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Served {
    /// Each kind's group/versions.
    kinds: BTreeMap<String, BTreeSet<String>>,
}

impl Served {
    fn from_definitions(defs: &J) -> Served {
        let mut kinds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let all = defs.get("definitions").and_then(J::as_object).into_iter().flatten();
        for (_, def) in all {
            let gvks = def.get("x-kubernetes-group-version-kind").and_then(J::as_array).into_iter().flatten();
            for g in gvks {
                let (Some(group), Some(version), Some(kind)) =
                    (g["group"].as_str(), g["version"].as_str(), g["kind"].as_str())
                else {
                    continue;
                };
                // Every group's options and watch events: no group/version of their own.
                if version.contains("alpha") || matches!(kind, "DeleteOptions" | "WatchEvent") {
                    continue;
                }
                let api = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
                kinds.entry(kind.to_owned()).or_default().insert(api);
            }
        }
        Served { kinds }
    }

    /// Whether `kind` of `api_version` is built in.
    pub fn serves(&self, api_version: &str, kind: &str) -> bool {
        self.kinds.get(kind).is_some_and(|v| v.contains(api_version))
    }

    /// The group/versions `kind` is built in as.
    pub fn versions_of(&self, kind: &str) -> Vec<String> {
        self.kinds.get(kind).map(|v| v.iter().cloned().collect()).unwrap_or_default()
    }

    /// What ArgoCD passes `helm template --api-versions` for them: every group/version, and every
    /// group/version/Kind.
    pub fn api_versions(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (kind, versions) in &self.kinds {
            for v in versions {
                out.insert(v.clone());
                out.insert(format!("{v}/{kind}"));
            }
        }
        out
    }
}

impl SchemaSet {
    /// Opens the directories (lists their files; schemas are read when a kind needs them) and
    /// parses the templates (their directories are opened per Kubernetes version).
    pub fn load(dirs: &[PathBuf], templates: &[String], ignore_missing: bool) -> Result<SchemaSet, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        let mut opened = Vec::new();
        for dir in dirs {
            match Dir::open(dir) {
                Ok(dir) => opened.push(Arc::new(Source { dir, definitions: OnceLock::new() })),
                Err(e) => errors.extend(e),
            }
        }
        let mut parsed = Vec::new();
        for t in templates {
            match Template::parse(t) {
                Ok(t) => parsed.push(t),
                Err(e) => errors.push(Diagnostic::new(Kind::Io, Some(Origin::flag("--schema-location")), "", e)),
            }
        }
        match errors.is_empty() {
            true => Ok(SchemaSet { dirs: opened, templates: parsed, ignore_missing, ..SchemaSet::default() }),
            false => Err(errors),
        }
    }

    /// Whether no directory or template was given (then documents are not checked against
    /// official schemas).
    pub fn is_empty(&self) -> bool {
        self.dirs.is_empty() && self.templates.is_empty()
    }

    /// Every finding on a document against its kind's schema, or that it has none.
    pub fn check(&self, doc: &Node) -> Vec<Diagnostic> {
        self.check_for(doc, None)
    }

    /// [`SchemaSet::check`] for a cluster of Kubernetes `version`: its templated directories
    /// first, then every `--schema-dir`.
    pub fn check_for(&self, doc: &Node, version: Option<&str>) -> Vec<Diagnostic> {
        if self.is_empty() {
            return Vec::new();
        }
        let field = |k: &str| doc.get_path(&[k]).and_then(Node::as_str).unwrap_or_default().to_owned();
        let gvk = (field("apiVersion"), field("kind"));
        match self.compiled(&gvk, version) {
            Err(e) => vec![e],
            Ok(None) if self.ignore_missing => Vec::new(),
            Ok(None) => {
                let shown = |sources: &[Arc<Source>]| {
                    sources.iter().map(|s| s.dir.path.display().to_string()).collect::<Vec<_>>().join(", ")
                };
                let mut places = Vec::new();
                if let Some(v) = version.filter(|_| !self.templates.is_empty()) {
                    let templated = self.templated(v).unwrap_or_default();
                    places.push(format!("--schema-location {} (Kubernetes {v})", shown(&templated)));
                }
                if !self.dirs.is_empty() {
                    places.push(format!("--schema-dir {}", shown(&self.dirs)));
                }
                if places.is_empty() {
                    places.push("a --schema-location without the cluster's Kubernetes version".to_owned());
                }
                let msg = format!(
                    "no schema for {} {} in {}; add one, or pass --ignore-missing-schemas",
                    gvk.0,
                    gvk.1,
                    places.join(", ")
                );
                vec![Diagnostic::new(Kind::MissingSchema, None, "kind", msg)]
            }
            Ok(Some(c)) => c.check(doc),
        }
    }

    /// The API server's ObjectMeta for a cluster of `version`, from the first directory whose
    /// definitions have it: what a custom resource's `metadata` is checked against.
    pub fn object_meta(&self, version: Option<&str>) -> Option<Arc<Schema>> {
        let key = (version.filter(|_| !self.templates.is_empty()).map(str::to_owned), OBJECT_META.clone());
        if let Some(done) = self.compiled.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return done.clone().ok().flatten();
        }
        let meta = serde_json::json!({"$ref": format!("_definitions.json#/definitions/{}", OBJECT_META.1)});
        let mut found = None;
        for source in self.sources(key.0.as_deref()).unwrap_or_default() {
            let Ok(defs) = source.definitions() else { continue };
            let has = defs.doc.as_ref().is_some_and(|d| d["definitions"].get(&OBJECT_META.1).is_some());
            if has {
                let file = source.dir.path.join("_definitions.json");
                found = Schema::compile(&meta, &file, &defs.registry).ok().map(Arc::new);
                break;
            }
        }
        self.compiled.lock().unwrap_or_else(PoisonError::into_inner).insert(key, Ok(found.clone()));
        found
    }

    /// The built-in kinds of Kubernetes `version`, when a `--schema-location` gives its schemas.
    pub fn served(&self, version: &str) -> Result<Option<Served>, Diagnostic> {
        let templated = self.templated(version)?;
        let mut found = None;
        for source in &templated {
            if let Some(doc) = source.definitions()?.doc.as_deref() {
                let served = Served::from_definitions(doc);
                found.get_or_insert_with(Served::default).kinds.extend(served.kinds);
            }
        }
        Ok(found)
    }

    /// Where a cluster of `version` finds schemas, in order.
    fn sources(&self, version: Option<&str>) -> Result<Vec<Arc<Source>>, Diagnostic> {
        let mut out = match version {
            Some(v) => self.templated(v)?,
            None => Vec::new(),
        };
        out.extend(self.dirs.iter().cloned());
        Ok(out)
    }

    fn templated(&self, version: &str) -> Opened {
        let mut opened = self.by_version.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = opened.entry(version.to_owned()).or_insert_with(|| {
            let mut out = Vec::new();
            for t in &self.templates {
                let resolved = t.resolve(version);
                let mut dir = Dir::open(&resolved.dir).map_err(|mut e| {
                    let mut d = e.remove(0);
                    d.message =
                        format!("{} (--schema-location for Kubernetes {version}{})", d.message, near(t, &resolved.dir));
                    d
                })?;
                dir.pattern = Some(resolved);
                out.push(Arc::new(Source { dir, definitions: OnceLock::new() }));
            }
            Ok(out)
        });
        entry.clone()
    }

    fn compiled(&self, gvk: &Gvk, version: Option<&str>) -> Lookup {
        // Without templates every version sees the same directories.
        let version = version.filter(|_| !self.templates.is_empty()).map(str::to_owned);
        let key = (version, gvk.clone());
        if let Some(done) = self.compiled.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return done.clone();
        }
        let result = self.compile(gvk, key.0.as_deref());
        self.compiled.lock().unwrap_or_else(PoisonError::into_inner).insert(key, result.clone());
        result
    }

    fn compile(&self, gvk: &Gvk, version: Option<&str>) -> Lookup {
        for source in self.sources(version)? {
            let Some(found) = source.dir.find(gvk)? else { continue };
            let defs = source.definitions()?;
            let mut compiled = Schema::compile(&found.schema, &found.file, &defs.registry)?;
            compiled.definitions = defs.doc.clone();
            return Ok(Some(Arc::new(compiled)));
        }
        Ok(None)
    }
}

/// What a user needs when a template's directory for a version is missing: what its parent
/// holds, and whether kubeconform's pattern was appended.
fn near(t: &Template, dir: &std::path::Path) -> String {
    let mut out = String::new();
    if t.appended {
        out.push_str("; kubeconform's pattern was appended, as the location does not end in `json`");
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    if let Ok(entries) = std::fs::read_dir(parent) {
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        if !names.is_empty() {
            let more = if names.len() > 8 { format!(" and {} more", names.len() - 8) } else { String::new() };
            names.truncate(8);
            out.push_str(&format!("; {} holds {}{more}", parent.display(), names.join(", ")));
        }
    }
    out
}

impl Source {
    fn definitions(&self) -> Result<&Definitions, Diagnostic> {
        self.definitions.get_or_init(|| definitions(&self.dir)).as_ref().map_err(Clone::clone)
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
