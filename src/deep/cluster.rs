//! What one cluster's API server knows when a leaf manifest reaches it: the built-in kinds of
//! its Kubernetes version ([`Served`]), the CustomResourceDefinitions its own Applications
//! render, and the schemas of its version. A leaf is checked against that, null fields dropped
//! as the API server drops them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::Value as J;

use super::leaves::Leaf;
use super::Finding;
use crate::diag::{Diagnostic, Kind};
use crate::schema::official::{crd, SchemaSet, Served};
use crate::schema::Schema;
use crate::value::{KeyPath, Node};

/// (apiVersion, kind).
type Gvk = (String, String);

/// A cluster as its API server sees a manifest.
#[derive(Debug)]
pub struct Context {
    /// The Kubernetes version, for the schemas of `--schema-location`.
    pub version: Option<String>,
    /// Its built-in kinds, when a `--schema-location` gives them.
    pub served: Option<Arc<Served>>,
    /// Every version of every CRD the cluster renders: its schema when it is served.
    pub crds: BTreeMap<Gvk, CrdVersion>,
}

/// One version of a CRD the cluster renders.
#[derive(Clone, Debug)]
pub struct CrdVersion {
    /// Whether the API server serves it.
    pub served: bool,
    /// Its `openAPIV3Schema`; `None` accepts any object.
    pub schema: Option<Arc<J>>,
}

/// CRD schemas compiled once per run, by their text.
#[derive(Debug, Default)]
pub struct Compiled(Mutex<HashMap<String, Result<Arc<Schema>, Diagnostic>>>);

impl Compiled {
    fn get(&self, openapi: &J) -> Result<Arc<Schema>, Diagnostic> {
        let key = openapi.to_string();
        if let Some(done) = self.0.lock().unwrap_or_else(PoisonError::into_inner).get(&key) {
            return done.clone();
        }
        let compiled = Schema::standalone(&crd::to_json_schema(openapi)).map(Arc::new);
        self.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key, compiled.clone());
        compiled
    }
}

impl Context {
    /// Adds the CRDs among `docs`.
    pub fn add_crds<'d>(&mut self, docs: impl IntoIterator<Item = &'d Node>) {
        for doc in docs {
            for v in crd::versions(&doc.to_json()) {
                let version = CrdVersion { served: v.served, schema: v.schema.map(Arc::new) };
                self.crds.insert((v.api_version, v.kind), version);
            }
        }
    }

    /// What a chart that tests `.Capabilities.APIVersions` is told the cluster's CRDs serve:
    /// each group/version and group/version/Kind.
    pub fn crd_api_versions(&self) -> Vec<String> {
        let served = self.crds.iter().filter(|(_, v)| v.served).map(|(gvk, _)| gvk);
        let mut out: Vec<String> = served.flat_map(|(api, kind)| [api.clone(), format!("{api}/{kind}")]).collect();
        out.sort();
        out.dedup();
        out
    }

    /// Every finding on one leaf manifest.
    pub fn check(&self, official: &SchemaSet, compiled: &Compiled, leaf: &Leaf) -> Vec<Finding> {
        let field = |k: &str| leaf.doc.get_path(&[k]).and_then(Node::as_str).unwrap_or_default().to_owned();
        let gvk = (field("apiVersion"), field("kind"));
        let mut doc = leaf.doc.clone();
        let found = match self.crds.get(&gvk) {
            Some(CrdVersion { served: true, schema }) => {
                crd::drop_nulls(&mut doc, schema.as_deref());
                let mut found = match schema.as_deref().map(|s| compiled.get(s)) {
                    None => Vec::new(),
                    Some(Ok(schema)) => schema.check(&doc),
                    Some(Err(e)) => vec![e],
                };
                // Its metadata is the API server's to check, as any object's.
                if let Some(meta) = official.object_meta(self.version.as_deref()) {
                    found.extend(meta.check_at(&doc, &KeyPath::parse("metadata")));
                }
                found
            }
            Some(CrdVersion { served: false, .. }) => vec![self.unserved(&gvk)],
            _ if !self.instead(&gvk).is_empty() => vec![self.unserved(&gvk)],
            // Not a kind the cluster knows of: whatever schema a directory has for it.
            _ => {
                crd::drop_nulls(&mut doc, None);
                official.check_for(&doc, self.version.as_deref())
            }
        };
        let secret = gvk.1 == "Secret";
        found
            .into_iter()
            .map(|d| {
                // A Secret's data is never quoted, nor traced to where it was written.
                let value = doc.at(&KeyPath::parse(&d.key)).filter(|_| !secret).cloned();
                Finding { kind: d.kind, resource: leaf.resource.clone(), field: d.key, message: d.message, value }
            })
            .collect()
    }

    /// The group/versions the cluster serves a kind as, when it does not serve `gvk`'s: built
    /// in (when a `--schema-location` says), or by a CRD it renders.
    fn instead(&self, (api, kind): &Gvk) -> Vec<String> {
        let built_in = self.served.as_ref().map(|s| s.versions_of(kind)).unwrap_or_default();
        if built_in.contains(api) {
            return Vec::new();
        }
        let by_crd = self.crds.iter().filter(|((_, k), v)| k == kind && v.served).map(|((a, _), _)| a.clone());
        let mut out: Vec<String> = built_in.into_iter().chain(by_crd).collect();
        out.sort();
        out.dedup();
        out
    }

    /// A resource of a group/version the cluster does not serve, with the ones it serves.
    fn unserved(&self, gvk: &Gvk) -> Diagnostic {
        let version = self.version.as_deref().unwrap_or("?");
        let instead = self.instead(gvk);
        let msg = match instead.is_empty() {
            true => format!("{} is not served: the cluster's CRD of {} marks it `served: false`", gvk.0, gvk.1),
            false => {
                format!(
                    "{} is not served by Kubernetes {version}; it serves {} as {}",
                    gvk.0,
                    gvk.1,
                    instead.join(", ")
                )
            }
        };
        Diagnostic::new(Kind::Unserved, None, "apiVersion", msg)
    }
}
