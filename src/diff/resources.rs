//! Two renders of a cluster, resource by resource.
//!
//! Takes the documents of both sides and hands on the resources that differ, each as two texts
//! ready for a line diff: `helm.values` is expanded into YAML lines (not one opaque string) and
//! every secret is redacted.

use std::collections::BTreeMap;

use crate::redact::{redacted, REDACTED};
use crate::value::KeyPath;
use crate::value::{Node, Value};
use crate::yaml::{emit, parse_stream, Source};

/// How a resource changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Only in the new render.
    Added,
    /// Only in the old render.
    Removed,
    /// In both, different.
    Changed,
}

impl Change {
    /// `+`, `-` or `~`.
    pub fn sign(self) -> char {
        match self {
            Change::Added => '+',
            Change::Removed => '-',
            Change::Changed => '~',
        }
    }
}

/// One resource that differs.
#[derive(Debug)]
pub struct ResourceDiff {
    /// `Application`, `Namespace`.
    pub kind: String,
    /// `metadata.namespace`, empty when it has none.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// How it changed.
    pub change: Change,
    /// The old text (empty when added).
    pub old: String,
    /// The new text (empty when removed).
    pub new: String,
}

/// The resources that differ between two renders, in the new render's order (sync wave, kind,
/// name), then the removed ones in the old render's order.
pub fn resources(old: &[Node], new: &[Node]) -> Vec<ResourceDiff> {
    let order: Vec<Identity> = new.iter().chain(old).map(identity).collect();
    // Changes are found on the real text (a secret-only change is still a change) and shown on
    // the redacted one.
    let index = |docs: &[Node]| -> BTreeMap<Identity, (String, String)> {
        docs.iter().map(|d| (identity(d), (emit::document(d), diffable(d)))).collect()
    };
    let (old, new) = (index(old), index(new));
    let mut seen = std::collections::BTreeSet::new();
    order
        .iter()
        .filter(|k| seen.insert(*k))
        .filter_map(|key| {
            let (a, b) = (old.get(key), new.get(key));
            let change = match (a, b) {
                (None, Some(_)) => Change::Added,
                (Some(_), None) => Change::Removed,
                (Some(a), Some(b)) if a.0 != b.0 => Change::Changed,
                _ => return None,
            };
            let text = |t: Option<&(String, String)>| t.map(|t| t.1.clone()).unwrap_or_default();
            let (kind, namespace, name) = key.clone();
            Some(ResourceDiff { kind, namespace, name, change, old: text(a), new: text(b) })
        })
        .collect()
}

/// What names a resource in a render: kind, namespace, name.
type Identity = (String, String, String);

fn identity(doc: &Node) -> Identity {
    let s = |path: &[&str]| doc.get_path(path).and_then(Node::as_str).unwrap_or_default().to_owned();
    (s(&["kind"]), s(&["metadata", "namespace"]), s(&["metadata", "name"]))
}

/// A document as diffed: `spec.source.helm.values` parsed into a tree, secrets redacted, and a
/// Secret's `data` and `stringData` redacted whatever their keys.
pub fn diffable(doc: &Node) -> String {
    let mut doc = doc.clone();
    if doc.get_path(&["kind"]).and_then(Node::as_str) == Some("Secret") {
        for key in ["data", "stringData"] {
            if let Some(Node { value: Value::Map(m), .. }) = doc.get_path_mut(&[key]) {
                for v in m.values_mut() {
                    v.value = Value::Str(REDACTED.into());
                }
            }
        }
    }
    if let Some(helm) = doc.get_path_mut(&["spec", "source", "helm"]) {
        if let Some(Value::Str(text)) = helm.as_map().and_then(|m| m.get("values")).map(|n| n.value.clone()) {
            let src = Source { name: "helm.values".into(), text };
            if let Ok(Some(parsed)) = parse_stream(&src, &mut Vec::new()).map(|mut d| d.pop()) {
                if let Value::Map(m) = &mut helm.value {
                    m.insert("values".into(), parsed);
                }
            }
        }
    }
    emit::document(&redacted(&KeyPath::root(), &doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::parse_stream;

    fn docs(text: &str) -> Vec<Node> {
        parse_stream(&Source { name: "t".into(), text: text.into() }, &mut Vec::new()).unwrap()
    }

    #[test]
    fn helm_values_are_diffed_as_yaml_lines_and_secrets_redacted() {
        let old = docs("kind: Application\nmetadata: {name: logging}\nspec: {source: {helm: {values: \"es: {replicas: 1}\\nelastic_password: old\\n\"}}}\n");
        let new = docs("kind: Application\nmetadata: {name: logging}\nspec: {source: {helm: {values: \"es: {replicas: 2}\\nelastic_password: new\\n\"}}}\n");
        let diffs = resources(&old, &new);
        assert_eq!(diffs.len(), 1);
        assert_eq!(diffs[0].change, Change::Changed);
        assert!(diffs[0].new.contains("        es:\n          replicas: 2\n"), "{}", diffs[0].new);
        assert!(!diffs[0].new.contains("new") && diffs[0].new.contains("<redacted>"), "{}", diffs[0].new);
    }

    #[test]
    fn a_secret_only_change_still_shows_as_a_change() {
        // Redacted texts are equal, but the resource did change: say so without the value.
        let old = docs("kind: Namespace\nmetadata: {name: a, annotations: {token: x}}\n");
        let new = docs("kind: Namespace\nmetadata: {name: a, annotations: {token: y}}\n");
        assert_eq!(resources(&old, &new).len(), 1);
    }

    #[test]
    fn a_secrets_data_is_redacted_whatever_its_keys() {
        let old = docs("kind: Secret\nmetadata: {name: s}\ndata: {elastic: b2xk}\nstringData: {user: old}\n");
        let new = docs("kind: Secret\nmetadata: {name: s}\ndata: {elastic: bmV3}\nstringData: {user: new}\n");
        let diffs = resources(&old, &new);
        assert_eq!(
            diffs[0].new,
            "data:\n  elastic: \"<redacted>\"\nkind: Secret\nmetadata:\n  name: s\nstringData:\n  user: \"<redacted>\"\n"
        );
    }

    #[test]
    fn resources_of_the_same_name_in_two_namespaces_are_two_resources() {
        let old = docs("kind: Service\nmetadata: {name: a, namespace: x}\n");
        let new = docs(
            "kind: Service\nmetadata: {name: a, namespace: x}\n---\nkind: Service\nmetadata: {name: a, namespace: y}\n",
        );
        let diffs = resources(&old, &new);
        assert_eq!(diffs.len(), 1);
        assert_eq!((diffs[0].change, diffs[0].namespace.as_str()), (Change::Added, "y"));
    }

    #[test]
    fn added_and_removed_resources_are_named() {
        let old = docs("kind: Namespace\nmetadata: {name: a}\n");
        let new = docs("kind: Namespace\nmetadata: {name: b}\n");
        let diffs = resources(&old, &new);
        let signs: Vec<(char, &str)> = diffs.iter().map(|d| (d.change.sign(), d.name.as_str())).collect();
        assert_eq!(signs, [('+', "b"), ('-', "a")], "new order first, then what was removed");
    }
}
