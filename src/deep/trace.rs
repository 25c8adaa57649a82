//! From a value in a rendered chart back to where the operator wrote it.
//!
//! The chain is manifest value ← Helm value ← operator's value. A Helm value the operator wrote
//! (`<component>.values`, or a setting the catalog passes on unchanged) keeps its origin through
//! the merge, so that link is exact. A value the catalog's template derived has the template's
//! origin; it is traced to the operator's value with the same text when exactly one has it.
//! A manifest value is traced to the one Helm value with the same text. Where a link is not
//! unique, nothing is traced and the finding names the Application instead.

use crate::value::{KeyPath, Node, Origin, Value};

/// Traces values of one cluster.
pub struct Tracer<'a> {
    /// The cluster's merged values.
    values: &'a Node,
    /// The catalog's root, which every catalog origin starts with.
    catalog_root: &'a str,
}

/// Where the operator wrote a value: its dotted key and origin.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// The key in the operator's terms (`istio.values.istiod.replicaCount`).
    pub key: KeyPath,
    /// Where it was written.
    pub origin: Origin,
}

impl<'a> Tracer<'a> {
    /// A tracer for a cluster's merged values, rendered with the catalog at `catalog_root`.
    pub fn new(values: &'a Node, catalog_root: &'a str) -> Self {
        Tracer { values, catalog_root }
    }

    /// Where the operator turned the Application of `component` on (its `enabled`), else its
    /// block of settings, if the operator wrote either.
    pub fn application(&self, component: &str) -> Option<Origin> {
        [vec![component, "enabled"], vec![component]]
            .iter()
            .filter_map(|path| self.values.get_path(path))
            .map(|n| n.origin.clone())
            .find(|o| self.is_operators(o))
    }

    /// Where the operator wrote the Helm value at `path` of `helm` (an Application's values).
    pub fn helm_value(&self, helm: &Node, path: &KeyPath) -> Option<Written> {
        let node = helm.at(path)?;
        if self.is_operators(&node.origin) {
            let found = self.values.find(|_, n| n.origin == node.origin && n.same_data(node));
            return found.into_iter().next().map(|key| Written { key, origin: node.origin.clone() });
        }
        // Derived by the catalog: the operator's value it was derived from, if only one has this text.
        let text = scalar_text(node)?;
        let mine: Vec<(KeyPath, &Node)> = self
            .values
            .leaves()
            .into_iter()
            .filter(|(_, n)| self.is_operators(&n.origin) && scalar_text(n).as_deref() == Some(&text))
            .collect();
        match mine.as_slice() {
            [(key, n)] => Some(Written { key: key.clone(), origin: n.origin.clone() }),
            _ => None,
        }
    }

    /// Where the operator wrote the value a chart rendered as `rendered`: through the one Helm
    /// value of the Application with the same text.
    pub fn manifest_value(&self, helm: &Node, rendered: &Node) -> Option<Written> {
        let text = scalar_text(rendered)?;
        let same: Vec<KeyPath> = helm.find(|_, n| scalar_text(n).as_deref() == Some(&text));
        match same.as_slice() {
            [path] => self.helm_value(helm, path),
            _ => None,
        }
    }

    fn is_operators(&self, origin: &Origin) -> bool {
        match origin {
            Origin::File { name, .. } => {
                let rest = name.strip_prefix(self.catalog_root);
                !rest.is_some_and(|r| r.is_empty() || r.starts_with('/'))
            }
            Origin::Flag(_) => true,
            Origin::Generated => false,
        }
    }
}

/// A scalar as text, for matching values across Helm's rendering (`8941` and `"8941"` match).
/// Booleans and nulls are too common to trace anything.
fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(s) if !s.is_empty() => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(crate::value::float_text(*f)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_map, Source};

    fn parsed(name: &str, text: &str) -> Node {
        parse_map(&Source { name: name.into(), text: text.into() }, &mut Vec::new()).unwrap()
    }

    #[test]
    fn a_helm_value_the_operator_wrote_is_traced_by_its_origin() {
        let values = parsed("kubezero.yaml", "istio:\n  values:\n    istiod:\n      replicaCount: two\n");
        let helm = values.get_path(&["istio", "values"]).unwrap().clone();
        let t = Tracer::new(&values, "kubezero");
        let w = t.helm_value(&helm, &KeyPath::parse("istiod.replicaCount")).unwrap();
        assert_eq!(
            (w.key.to_string(), w.origin.to_string()),
            ("istio.values.istiod.replicaCount".into(), "kubezero.yaml:4:21".into())
        );
    }

    #[test]
    fn a_derived_value_is_traced_only_when_one_operator_value_has_its_text() {
        let values = parsed(
            "kubezero.yaml",
            "logging:\n  fluentd:\n    url: https://f.example.com\n  count: 1\nkiam:\n  replicas: 1\n",
        );
        let helm = parsed("kubezero/components/logging.yaml", "fluentd:\n  url: https://f.example.com\nreplicas: 1\n");
        let t = Tracer::new(&values, "kubezero");
        let w = t.helm_value(&helm, &KeyPath::parse("fluentd.url")).unwrap();
        assert_eq!(w.key.to_string(), "logging.fluentd.url");
        assert_eq!(t.helm_value(&helm, &KeyPath::parse("replicas")), None, "two operator values are 1");
    }

    #[test]
    fn a_manifest_value_is_traced_through_the_one_helm_value_with_its_text() {
        let values =
            parsed("kubezero.yaml", "calico:\n  values:\n    mtu: 8941\n    other: 8941\n    network: vxlan\n");
        let helm = values.get_path(&["calico", "values"]).unwrap().clone();
        let t = Tracer::new(&values, "kubezero");
        let quoted = Node::new(Value::Str("vxlan".into()), Origin::Generated);
        assert_eq!(t.manifest_value(&helm, &quoted).unwrap().key.to_string(), "calico.values.network");
        let ambiguous = Node::new(Value::Str("8941".into()), Origin::Generated);
        assert_eq!(t.manifest_value(&helm, &ambiguous), None);
    }
}
