//! Validation: nothing invalid leaves kzrender.
//!
//! Takes a resolved cluster (its merged values with provenance) and, after rendering, its
//! documents. Checks the values against the catalog's input schema and every enabled component's
//! Kubernetes range, and each document against the catalog's output schemas and any official
//! schemas given with `--schema-dir`. Hands on every finding, located at the file that set the value.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Channel};
use crate::derive::enabled_components;
use crate::diag::{Diagnostic, Kind};
use crate::schema::{self, official::SchemaSet};
use crate::value::{Node, Origin, Value};
use crate::version::{satisfies, Version};

/// Checks merged values: the input schema, then Kubernetes version ranges.
pub fn values(catalog: &Catalog, channel: &Channel, values: &Node, kube_version: Option<&str>) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    match catalog.input_schema() {
        Ok(s) => errors.extend(s.validate(catalog, values)),
        Err(e) => return e,
    }
    errors.extend(non_finite(values));
    if errors.is_empty() {
        errors.extend(kubernetes(catalog, channel, values, kube_version));
    }
    errors
}

/// `.inf` and `.nan` are YAML, but Helm cannot turn them into JSON and fails the whole render.
fn non_finite(values: &Node) -> Vec<Diagnostic> {
    let found = values.find(|_, n| matches!(n.value, Value::Float(f) if !f.is_finite()));
    let msg = "Helm cannot read .inf or .nan (its render fails); quote it if you mean a string";
    found
        .into_iter()
        .map(|path| {
            let at = values.at(&path).map(|n| n.origin.clone());
            Diagnostic::new(Kind::Invalid, at, path.to_string(), msg)
        })
        .collect()
}

/// `KubernetesVersion` (or `KUBE_VERSION` from ArgoCD when that is unset) against the range of
/// each enabled component.
fn kubernetes(catalog: &Catalog, channel: &Channel, values: &Node, from_env: Option<&str>) -> Vec<Diagnostic> {
    let (text, origin) = match (values.get_path(&["KubernetesVersion"]), from_env) {
        (Some(n), _) => (n.as_str().unwrap_or_default().to_owned(), Some(n.origin.clone())),
        (None, Some(v)) => (v.to_owned(), Some(Origin::flag("KUBE_VERSION"))),
        (None, None) => return Vec::new(),
    };
    let Some(version) = Version::parse(&text) else {
        return vec![Diagnostic::new(
            Kind::Invalid,
            origin,
            "KubernetesVersion",
            format!("cannot read Kubernetes version `{text}`; expected like 1.16.12"),
        )];
    };
    // One finding per range, naming every enabled component that needs it.
    let mut needs: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut errors = Vec::new();
    for (name, on) in enabled_components(catalog, values) {
        let Some(c) = catalog.components.get(&name).filter(|_| on) else { continue };
        let range = c.spec.kube_version.as_deref().unwrap_or(&channel.kubernetes.range);
        match satisfies(&version, range) {
            Ok(true) => {}
            Ok(false) => needs.entry(range).or_default().push(name),
            Err(e) => {
                let msg = format!("invalid kubeVersion range: {e}");
                errors.push(Diagnostic::new(e.kind, Some(c.origin.clone()), "", msg))
            }
        }
    }
    for (range, names) in needs {
        let verb = if names.len() == 1 { "needs" } else { "need" };
        let msg = format!(
            "{} on channel {} {verb} Kubernetes {range}, this cluster runs {text}",
            names.join(", "),
            channel.name
        );
        errors.push(Diagnostic::new(Kind::Unsupported, origin.clone(), "KubernetesVersion", msg));
    }
    errors
}

/// Checks emitted documents against the catalog's output schemas and the official ones.
pub fn documents(
    catalog: &Catalog,
    official: &SchemaSet,
    docs: &[Node],
    kube_version: Option<&str>,
) -> Vec<Diagnostic> {
    // The same finding in several documents (a global setting copied into every Application)
    // is reported once, naming them all.
    let mut findings: BTreeMap<(Kind, Option<Origin>, String, String), Vec<String>> = BTreeMap::new();
    for doc in docs {
        let field = |k: &str| doc.get_path(&[k]).and_then(Node::as_str).unwrap_or_default();
        let kind = field("kind");
        let name = doc.get_path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or_default();
        let mut found = Vec::new();
        match catalog.output_schema(kind) {
            Ok(Some(s)) => found.extend(schema::validate(s, doc)),
            Ok(None) => {
                let msg = format!("kzrender has no schema for kind {kind}");
                found.push(Diagnostic::new(Kind::MissingSchema, None, "kind", msg))
            }
            Err(e) => return e,
        }
        found.extend(official.check_for(doc, kube_version));
        for d in found {
            // Point at the user's file only where the value came from one.
            let origin = d.origin.filter(|o| *o != Origin::Generated);
            findings.entry((d.kind, origin, d.key, d.message)).or_default().push(format!("{kind} {name}"));
        }
    }
    findings
        .into_iter()
        .map(|((kind, origin, key, message), docs)| {
            let mut docs = docs;
            docs.dedup();
            Diagnostic::new(kind, origin, key, format!("{}: {message}", docs.join(", ")))
        })
        .collect()
}
