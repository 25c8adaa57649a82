//! Warnings where the ArgoCD UI shows them. On success the plugin's stderr reaches only the
//! sidecar's log, so each warning is also carried into the output: a `spec.info` entry (name
//! `kzrender warning`, the warning's text) of the Application it concerns — the one its key
//! starts with — or, for a warning about the cluster as a whole, of every Application.

use crate::diag::Diagnostic;
use crate::value::{Map, Node, Origin, Value};

/// The `spec.info` name of a carried warning.
pub const INFO_NAME: &str = "kzrender warning";

/// Most warnings one Application carries: each Application is one object of at most 1.5 MiB in
/// etcd, and a page of warnings helps no one; the rest are counted in one more entry.
pub const MAX_INFO: usize = 20;

/// Adds every warning to the `spec.info` of the Applications among `docs` it concerns, in the
/// order given.
pub fn carry_warnings(docs: &mut [Node], warnings: &[Diagnostic]) {
    let name_of = |d: &Node| d.get_path(&["metadata", "name"]).and_then(Node::as_str).map(str::to_owned);
    let apps: Vec<String> = docs.iter().filter(|d| is_application(d)).filter_map(name_of).collect();
    for w in warnings {
        let first = w.key.split('.').next().unwrap_or_default();
        let concerns_one = apps.iter().any(|a| a == first);
        let text = w.to_string();
        let text = text.lines().next().unwrap_or_default();
        let text = text.strip_prefix("warning: ").unwrap_or(text);
        for doc in docs.iter_mut().filter(|d| is_application(d)) {
            if concerns_one && name_of(doc).as_deref() != Some(first) {
                continue;
            }
            add_info(doc, text);
        }
    }
    for doc in docs.iter_mut() {
        let Some(Value::Seq(items)) = doc.get_path_mut(&["spec", "info"]).map(|i| &mut i.value) else { continue };
        if items.len() > MAX_INFO {
            let more = items.len() - MAX_INFO + 1;
            items.truncate(MAX_INFO - 1);
            let text = format!(
                "and {more} more warnings: `kzrender validate` of this cluster, or the sidecar's log, lists them all"
            );
            add_info(doc, &text);
        }
    }
}

fn is_application(doc: &Node) -> bool {
    doc.get_path(&["kind"]).and_then(Node::as_str) == Some("Application")
}

/// Appends `{name: kzrender warning, value: text}` to the Application's `spec.info`.
fn add_info(doc: &mut Node, text: &str) {
    let node = |v: Value| Node::new(v, Origin::Generated);
    let Some(Value::Map(spec)) = doc.get_path_mut(&["spec"]).map(|s| &mut s.value) else { return };
    let entry: Map =
        [("name".to_owned(), node(Value::Str(INFO_NAME.into()))), ("value".to_owned(), node(Value::Str(text.into())))]
            .into_iter()
            .collect();
    let info = spec.get_or_insert_with("info".to_owned(), || node(Value::Seq(Vec::new())));
    if let Value::Seq(items) = &mut info.value {
        items.push(node(Value::Map(entry)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Kind;

    #[test]
    fn a_warning_goes_to_its_application_and_a_clusters_to_every_one() {
        let text = "kind: Application\nmetadata: {name: logging}\nspec: {project: p}\n---\n\
                    kind: Application\nmetadata: {name: calico}\nspec: {project: p}\n---\nkind: Namespace\nmetadata: {name: n}\n";
        let src = crate::yaml::Source { name: "t".into(), text: text.into() };
        let mut docs = crate::yaml::parse_stream(&src, &mut Vec::new()).unwrap();
        let at = Origin::at(&"kubezero.yaml".into(), 3, 5);
        let warnings = [
            Diagnostic::new(Kind::Exposed, Some(at), "logging.elastic_password", "a secret in helm.values"),
            Diagnostic::new(Kind::Overridden, None, "channel", "plugin.env sets channel master"),
        ];
        carry_warnings(&mut docs, &warnings);
        let info = |i: usize| docs[i].get_path(&["spec", "info"]).map(Node::to_json);
        assert_eq!(
            info(0).unwrap(),
            serde_json::json!([
                {"name": "kzrender warning", "value": "kubezero.yaml:3:5: logging.elastic_password: a secret in helm.values"},
                {"name": "kzrender warning", "value": "channel: plugin.env sets channel master"}
            ])
        );
        assert_eq!(
            info(1).unwrap(),
            serde_json::json!([{"name": "kzrender warning", "value": "channel: plugin.env sets channel master"}])
        );
        assert_eq!(info(2), None, "only Applications carry info");
        let many: Vec<Diagnostic> =
            (0..25).map(|i| Diagnostic::new(Kind::Ignored, None, "", format!("w{i}"))).collect();
        carry_warnings(&mut docs, &many);
        let info = docs[1].get_path(&["spec", "info"]).map(Node::to_json).unwrap();
        assert_eq!(info.as_array().unwrap().len(), MAX_INFO);
        assert_eq!(
            info[MAX_INFO - 1]["value"],
            "and 7 more warnings: `kzrender validate` of this cluster, or the sidecar's log, lists them all"
        );
    }
}
