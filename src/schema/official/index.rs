//! Where a kind's schema is in a `--schema-dir`, in the layouts users have:
//!
//! - kubeconform / yannh/kubernetes-json-schema and PyPI's kubernetes-validate:
//!   `{kind}-{group}-{version}.json` (`namespace-v1.json`, `deployment-apps-v1.json`,
//!   `application-argoproj-v1alpha1.json`; the group as its first label or whole), referring to
//!   one `_definitions.json`;
//! - the CRDs catalog: `{group}/{kind}_{version}.json`;
//! - CustomResourceDefinition YAML files, any name.
//!
//! A file's `x-kubernetes-group-version-kind` wins over its name: a file found by name that says
//! it is another kind is skipped, and when no name fits, every JSON file's is read (once).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value as J;

use super::{crd, Gvk};
use crate::diag::{Diagnostic, Kind};
use crate::files;
use crate::value::Origin;
use crate::yaml;

/// One schema directory.
#[derive(Debug)]
pub struct Dir {
    /// The directory as given.
    pub path: PathBuf,
    /// JSON schema files, relative to the directory.
    json: Vec<PathBuf>,
    /// YAML files that may hold CRDs.
    yaml: Vec<PathBuf>,
    /// `_definitions.json`, parsed on first use.
    definitions: Option<PathBuf>,
    crds: OnceLock<Result<HashMap<Gvk, J>, Diagnostic>>,
    by_gvk: OnceLock<HashMap<Gvk, PathBuf>>,
    /// A `--schema-location`'s file pattern: the one name a kind's file may have.
    pub pattern: Option<super::location::Resolved>,
}

/// A schema found for a kind.
#[derive(Debug)]
pub struct Found {
    /// The schema document.
    pub schema: J,
    /// The file it came from (a CRD's file for CRDs).
    pub file: PathBuf,
}

impl Dir {
    /// Lists a directory's schema files.
    pub fn open(path: &Path) -> Result<Dir, Vec<Diagnostic>> {
        let not_a_dir = match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => None,
            Ok(_) => Some("not a directory".to_owned()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = not_a_dir {
            let at = Some(Origin::file(&path.display().to_string()));
            return Err(vec![Diagnostic::new(Kind::Io, at, "", format!("cannot read schema directory: {why}"))]);
        }
        let found = files::walk(path, |_| true);
        if !found.errors.is_empty() {
            return Err(found.errors);
        }
        let rel = |p: PathBuf| p.strip_prefix(path).map(Path::to_path_buf).unwrap_or(p);
        let mut dir = Dir {
            path: path.to_path_buf(),
            json: Vec::new(),
            yaml: Vec::new(),
            definitions: None,
            crds: OnceLock::new(),
            by_gvk: OnceLock::new(),
            pattern: None,
        };
        for file in found.files.into_iter().map(rel) {
            match (file.file_name().and_then(|n| n.to_str()), file.extension().and_then(|e| e.to_str())) {
                (Some("_definitions.json"), _) => dir.definitions = Some(file),
                (Some("all.json"), _) => {}
                (_, Some("json")) => dir.json.push(file),
                (_, Some("yaml" | "yml")) => dir.yaml.push(file),
                _ => {}
            }
        }
        Ok(dir)
    }

    /// `_definitions.json`, when the directory has one.
    pub fn definitions(&self) -> Option<PathBuf> {
        self.definitions.as_ref().map(|d| self.path.join(d))
    }

    /// The schema of a kind in this directory.
    pub fn find(&self, gvk: &Gvk) -> Result<Option<Found>, Diagnostic> {
        let names = match &self.pattern {
            Some(r) => vec![r.file(gvk).to_string_lossy().into_owned()],
            None => candidates(gvk),
        };
        for name in names {
            if self.json.iter().any(|f| f.to_string_lossy().eq_ignore_ascii_case(&name)) {
                let file = self.json.iter().find(|f| f.to_string_lossy().eq_ignore_ascii_case(&name)).expect("listed");
                let schema = read_json(&self.path.join(file))?;
                if says(&schema).is_empty() || says(&schema).contains(gvk) {
                    return Ok(Some(Found { schema, file: self.path.join(file) }));
                }
            }
        }
        let crds = self.crds.get_or_init(|| self.read_crds());
        match crds {
            Err(e) => return Err(e.clone()),
            Ok(crds) => {
                if let Some(schema) = crds.get(gvk) {
                    return Ok(Some(Found { schema: schema.clone(), file: self.path.clone() }));
                }
            }
        }
        let by_gvk = self.by_gvk.get_or_init(|| self.scan());
        match by_gvk.get(gvk) {
            Some(file) => Ok(Some(Found { schema: read_json(file)?, file: file.clone() })),
            None => Ok(None),
        }
    }

    /// Every JSON file's `x-kubernetes-group-version-kind`, read once, for a kind no name fits.
    fn scan(&self) -> HashMap<Gvk, PathBuf> {
        let mut out = HashMap::new();
        for file in &self.json {
            let path = self.path.join(file);
            if let Ok(schema) = read_json(&path) {
                for gvk in says(&schema) {
                    out.entry(gvk).or_insert_with(|| path.clone());
                }
            }
        }
        out
    }

    fn read_crds(&self) -> Result<HashMap<Gvk, J>, Diagnostic> {
        let mut out = HashMap::new();
        for file in &self.yaml {
            let path = self.path.join(file);
            let src = crate::read::read_source(&path, &path.display().to_string())?;
            let docs = yaml::parse_stream(&src, &mut Vec::new())?;
            for doc in docs.iter().map(crate::value::Node::to_json) {
                for v in crd::versions(&doc) {
                    let schema = v.schema.as_ref().map_or_else(|| serde_json::json!({}), crd::to_json_schema);
                    out.insert((v.api_version, v.kind), schema);
                }
            }
        }
        Ok(out)
    }
}

/// The file names a kind's schema may have, in the order they are tried.
fn candidates((api_version, kind): &Gvk) -> Vec<String> {
    let kind = kind.to_lowercase();
    match api_version.split_once('/') {
        None => vec![format!("{kind}-{api_version}.json")],
        Some((group, version)) => {
            let first = group.split('.').next().unwrap_or(group);
            vec![
                format!("{kind}-{first}-{version}.json"),
                format!("{kind}-{group}-{version}.json"),
                format!("{group}/{kind}_{version}.json"),
            ]
        }
    }
}

/// The kinds a schema says it is for (`x-kubernetes-group-version-kind`).
fn says(schema: &J) -> Vec<Gvk> {
    let entries = schema.get("x-kubernetes-group-version-kind").and_then(J::as_array).into_iter().flatten();
    entries
        .filter_map(|g| {
            let (group, version, kind) = (g["group"].as_str()?, g["version"].as_str()?, g["kind"].as_str()?);
            let api = if group.is_empty() { version.to_owned() } else { format!("{group}/{version}") };
            Some((api, kind.to_owned()))
        })
        .collect()
}

/// A JSON schema file.
pub fn read_json(path: &Path) -> Result<J, Diagnostic> {
    let name = path.display().to_string();
    let src = crate::read::read_source(path, &name)?;
    serde_json::from_str(&src.text).map_err(|e| {
        let at = Origin::at(&src.name, e.line() as u32, e.column() as u32);
        Diagnostic::new(Kind::Syntax, Some(at), "", format!("invalid JSON: {e}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubeconform_and_crds_catalog_names() {
        let gvk = |a: &str, k: &str| (a.to_owned(), k.to_owned());
        assert_eq!(candidates(&gvk("v1", "Namespace")), ["namespace-v1.json"]);
        assert_eq!(
            candidates(&gvk("argoproj.io/v1alpha1", "Application")),
            [
                "application-argoproj-v1alpha1.json",
                "application-argoproj.io-v1alpha1.json",
                "argoproj.io/application_v1alpha1.json"
            ]
        );
    }
}
