//! A chart's `helm template` output as ArgoCD reads and applies it (gitops-engine's
//! `SplitYAML`, the repo-server's `GenerateManifests`, its sync of Helm hooks): each document
//! read by YAML 1.1 with a duplicate key keeping its last value; empty and null documents
//! dropped; a document with an `items` list applied as its items; a Helm hook ArgoCD has no
//! phase for (`test`, `pre-delete`, ...) never applied.

use crate::diag::Diagnostic;
use crate::value::{KeyPath, Node, Value};
use crate::yaml::{parse_manifests, Source};

/// One manifest a chart renders.
#[derive(Debug)]
pub struct Leaf {
    /// The manifest.
    pub doc: Node,
    /// `Deployment kube-system/istiod`.
    pub resource: String,
}

/// What a chart renders for ArgoCD to apply, and the keys it renders twice.
#[derive(Debug, Default)]
pub struct Leaves {
    /// The manifests, in order.
    pub docs: Vec<Leaf>,
    /// [`Kind::Repeated`] warnings, each message naming its resource.
    pub repeated: Vec<Diagnostic>,
}

/// Hook types ArgoCD maps to a sync phase (`crd-install` is no hook to it): the others are
/// never applied.
const APPLIED_HOOKS: [&str; 5] = ["pre-install", "pre-upgrade", "post-install", "post-upgrade", "crd-install"];

/// The manifests of `helm template`'s output, each document parsed on its own (so the input
/// limits apply per manifest), or why kzrender cannot read them.
pub fn read(text: &str, release: &str) -> Result<Leaves, String> {
    let mut leaves = Leaves::default();
    for (i, part) in split_documents(text).into_iter().enumerate() {
        let name = format!("(helm template {release}, document {})", i + 1);
        let src = Source { name: name.into(), text: part.to_owned() };
        let mut warnings = Vec::new();
        let parsed = parse_manifests(&src, &mut warnings)
            .map_err(|e| format!("helm rendered YAML kzrender cannot read: {}", e.message))?;
        for doc in parsed.into_iter().filter(|d| d.as_map().is_some_and(|m| !m.is_empty())) {
            let resource = resource(&doc);
            for mut w in warnings.drain(..) {
                // A Secret's data is never quoted, whatever its key is called.
                if crate::redact::in_secret_object(&doc, &KeyPath::parse(&w.key)) {
                    w.message = "set twice in one map; ArgoCD keeps the last value".to_owned();
                }
                w.message = format!("{resource}: {}: {}", w.key, w.message);
                leaves.repeated.push(w);
            }
            for doc in items(doc) {
                if doc.as_map().is_none() {
                    let what = doc.a_type();
                    return Err(format!("{resource} lists {what} among its items, which ArgoCD cannot apply"));
                }
                if applied(&doc) {
                    leaves.docs.push(Leaf { resource: self::resource(&doc), doc });
                }
            }
        }
    }
    Ok(leaves)
}

/// A document's items when it is a list (ArgoCD's `IsList`: an `items` list), else itself; a
/// list whose `items` is null, with no `spec` or `status`, is nothing (ArgoCD's `isNullList`).
fn items(doc: Node) -> Vec<Node> {
    let has = |k: &str| doc.get_path(&[k]).is_some();
    match doc.get_path(&["items"]).map(|n| &n.value) {
        Some(Value::Seq(items)) => items.clone(),
        Some(Value::Null) if !has("spec") && !has("status") => Vec::new(),
        _ => vec![doc],
    }
}

/// Whether ArgoCD applies a document: everything but a Helm hook it has no phase for.
fn applied(doc: &Node) -> bool {
    let hook = doc.get_path(&["metadata", "annotations", "helm.sh/hook"]).and_then(Node::as_str);
    hook.is_none_or(|h| h.split(',').map(str::trim).any(|t| APPLIED_HOOKS.contains(&t)))
}

/// `Kind namespace/name`, or `Kind name` for a resource without a namespace.
pub fn resource(doc: &Node) -> String {
    let s = |path: &[&str]| doc.get_path(path).and_then(Node::as_str).unwrap_or_default().to_owned();
    let (kind, ns, name) = (s(&["kind"]), s(&["metadata", "namespace"]), s(&["metadata", "name"]));
    match ns.is_empty() {
        true => format!("{kind} {name}"),
        false => format!("{kind} {ns}/{name}"),
    }
}

/// A YAML stream cut before each document marker (a line `---`, or `--- ` and more).
fn split_documents(text: &str) -> Vec<&str> {
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\n', '\r']);
        if at > 0 && (bare == "---" || bare.starts_with("--- ")) {
            starts.push(at);
        }
        at += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Kind;

    #[test]
    fn reads_as_argocd_applies() {
        let text = "\
kind: ServiceMonitor
metadata:
  name: kiam
  labels:
    release: \"kiam\"
    release: metrics
spec: {enabled: yes, port: 012, name: null}
---
---
kind: Pod
metadata: {name: t, annotations: {helm.sh/hook: test}}
---
kind: Job
metadata: {name: j, annotations: {helm.sh/hook: \"pre-install,test\"}}
---
kind: ConfigMapList
items: [{kind: ConfigMap, metadata: {name: a}}, {kind: ConfigMap, metadata: {name: b}}]
---
kind: List
items: null
---
kind: ConfigMap
metadata: {name: keys}
data: {on: a, \"true\": b, -0x1f: c}
---
kind: Secret
metadata: {name: s}
data: {password: aGk=, password: aG8=}
---
kind: ConfigMap
metadata: {name: c}
data: {password: leak-1, password: leak-2}
";
        let leaves = read(text, "r").unwrap();
        let names: Vec<&str> = leaves.docs.iter().map(|l| l.resource.as_str()).collect();
        assert_eq!(
            names,
            ["ServiceMonitor kiam", "Job j", "ConfigMap a", "ConfigMap b", "ConfigMap keys", "Secret s", "ConfigMap c"]
        );
        let keys = leaves.docs[4].doc.get_path(&["data"]).unwrap().to_json();
        assert_eq!(keys, serde_json::json!({"true": "b", "-31": "c"}), "keys as ArgoCD has them in JSON");
        let spec = leaves.docs[0].doc.get_path(&["spec"]).unwrap().to_json();
        assert_eq!(spec, serde_json::json!({"enabled": true, "port": 10, "name": null}));
        let labels = leaves.docs[0].doc.get_path(&["metadata", "labels", "release"]).unwrap();
        assert_eq!(labels.as_str(), Some("metrics"));
        let repeated: Vec<&str> = leaves.repeated.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            repeated,
            [
                "ServiceMonitor kiam: metadata.labels.release: set twice in one map: \"kiam\" (line 5 of the rendered document), then \"metrics\"; ArgoCD keeps the last",
                "ConfigMap keys: data.true: set twice in one map: \"a\" (line 4 of the rendered document), then \"b\"; ArgoCD keeps the last",
                "Secret s: data.password: set twice in one map; ArgoCD keeps the last value",
                "ConfigMap c: data.password: set twice in one map (first at line 4 of the rendered document); ArgoCD keeps the last value",
            ]
        );
        assert!(leaves.repeated.iter().all(|d| d.kind == Kind::Repeated));
    }
}

#[test]
fn an_item_that_is_no_manifest_fails_the_render_as_it_fails_argocd() {
    let e = read("kind: List\nmetadata: {name: l}\nitems: [5]\n", "r").unwrap_err();
    assert_eq!(e, "List l lists an integer among its items, which ArgoCD cannot apply");
}
