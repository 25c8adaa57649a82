//! Merging layers of values with Helm's rules, keeping each value's provenance.
//!
//! Takes the catalog defaults and the user's layers (lowest precedence first) and hands on one
//! tree. Maps merge key by key, recursively; a list or scalar replaces what was there; an explicit
//! `null` deletes the key. As in Helm, user layers are first merged among themselves keeping their
//! nulls (`keep_nulls`), and the nulls delete only when the result is laid over the defaults.

use crate::value::{Node, Value};

/// Lays `over` onto `base`. With `keep_nulls`, a null in `over` is stored (to delete later);
/// without, it deletes the key from `base`.
pub fn merge_into(base: &mut Node, over: Node, keep_nulls: bool) {
    match (&mut base.value, over.value) {
        (Value::Map(into), Value::Map(from)) => {
            base.origin = over.origin;
            // Keys are deleted and added in one pass each, so laying a large map over another
            // costs what reading both does.
            let (mut added, mut deleted) = (Vec::new(), Vec::new());
            for (k, v) in from {
                if v.value == Value::Null && !keep_nulls {
                    deleted.push(k);
                    continue;
                }
                match into.get_mut(&k) {
                    Some(existing) => merge_into(existing, v, keep_nulls),
                    None => added.push((k, if keep_nulls { v } else { without_nulls(v) })),
                }
            }
            if !deleted.is_empty() {
                // `from` iterates in key order, so `deleted` is sorted.
                into.retain(|k, _| deleted.binary_search(k).is_err());
            }
            into.extend(added);
        }
        (_, value) => {
            let node = Node { value, origin: over.origin };
            *base = if keep_nulls { node } else { without_nulls(node) };
        }
    }
}

/// Drops null-valued keys at every depth (Helm deletes them when coalescing).
pub fn without_nulls(mut node: Node) -> Node {
    if let Value::Map(m) = &mut node.value {
        m.retain(|_, v| v.value != Value::Null);
        for v in m.values_mut() {
            *v = without_nulls(std::mem::replace(v, Node::new(Value::Null, v.origin.clone())));
        }
    }
    node
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::Origin;
    use crate::yaml::{parse_stream, Source};
    use std::sync::Arc;

    fn yaml(name: &str, text: &str) -> Node {
        let src = Source { name: Arc::from(name), text: text.to_owned() };
        parse_stream(&src, &mut Vec::new()).unwrap().remove(0)
    }

    #[test]
    fn maps_merge_deeply_and_later_layers_win() {
        let mut base = yaml("a.yaml", "calico: {mtu: 8941, network: vxlan}\nkiam: {enabled: false}\n");
        merge_into(&mut base, yaml("b.yaml", "calico: {mtu: 1450}\n"), false);
        assert_eq!(base.get_path(&["calico", "mtu"]).unwrap().value, Value::Int(1450));
        assert_eq!(base.get_path(&["calico", "network"]).unwrap().as_str(), Some("vxlan"));
        assert_eq!(base.get_path(&["calico", "mtu"]).unwrap().origin.file_name(), Some("b.yaml"));
        assert_eq!(base.get_path(&["calico", "network"]).unwrap().origin.file_name(), Some("a.yaml"));
    }

    #[test]
    fn lists_and_scalars_replace_whole() {
        let mut base = yaml("a.yaml", "zones: [a, b]\nx: {y: 1}\n");
        merge_into(&mut base, yaml("b.yaml", "zones: [c]\nx: 2\n"), false);
        assert_eq!(base.get_path(&["zones"]).unwrap().to_json(), serde_json::json!(["c"]));
        assert_eq!(base.get_path(&["x"]).unwrap().value, Value::Int(2));
    }

    #[test]
    fn null_deletes_only_when_laid_over_defaults() {
        let defaults = yaml("d.yaml", "calico: {mtu: 8941, network: vxlan}\n");
        let mut user = yaml("a.yaml", "calico: {mtu: null}\n");
        merge_into(&mut user, yaml("b.yaml", "calico: {network: ipip}\n"), true);
        assert_eq!(user.get_path(&["calico", "mtu"]).unwrap().value, Value::Null);
        let mut merged = defaults;
        merge_into(&mut merged, user, false);
        assert!(merged.get_path(&["calico", "mtu"]).is_none());
        assert_eq!(merged.get_path(&["calico", "network"]).unwrap().as_str(), Some("ipip"));
    }

    #[test]
    fn nulls_without_a_default_vanish() {
        let mut merged = yaml("d.yaml", "a: 1\n");
        merge_into(&mut merged, yaml("u.yaml", "b: {c: null, d: 2}\n"), false);
        assert_eq!(merged.to_json(), serde_json::json!({"a": 1, "b": {"d": 2}}));
    }

    mod laws {
        use super::*;
        use proptest::prelude::*;

        /// Small trees over few keys, so that layers collide often; nulls included.
        fn layer() -> impl Strategy<Value = Node> {
            let key = prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_owned);
            let leaf = prop_oneof![
                Just(Value::Null),
                (0i64..3).prop_map(Value::Int),
                prop::sample::select(vec!["x", "y"]).prop_map(|s| Value::Str(s.into())),
            ]
            .prop_map(|v| Node::new(v, Origin::Generated));
            let tree = leaf.prop_recursive(3, 24, 3, move |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Seq),
                    prop::collection::btree_map(key.clone(), inner, 0..3)
                        .prop_map(|m| Value::Map(m.into_iter().collect())),
                ]
                .prop_map(|v| Node::new(v, Origin::Generated))
            });
            let key = prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_owned);
            prop::collection::btree_map(key, tree, 0..3)
                .prop_map(|m| Node::new(Value::Map(m.into_iter().collect()), Origin::Generated))
        }

        fn merged(layers: &[&Node], keep_nulls: bool) -> Node {
            layers.iter().fold(Node::empty_map(Origin::Generated), |mut acc, l| {
                merge_into(&mut acc, (*l).clone(), keep_nulls);
                acc
            })
        }

        proptest! {
            #[test]
            fn what_the_top_layer_does_not_mention_survives(base in layer(), top in layer()) {
                // Helm's merge is a left fold, not associative: a list that replaced a map keeps
                // that map's keys from coming back. What a layer leaves alone stays as it was.
                let result = merged(&[&base, &top], true);
                for (path, node) in base.leaves() {
                    let mentioned = (1..=path.segs().len()).any(|n| {
                        let prefix = crate::value::KeyPath(path.segs()[..n].to_vec());
                        top.at(&prefix).is_some_and(|t| n == path.segs().len() || t.as_map().is_none())
                    });
                    if !mentioned {
                        prop_assert!(result.at(&path).is_some_and(|n| n.same_data(node)), "{}", path);
                    }
                }
            }

            #[test]
            fn a_layer_laid_over_itself_changes_nothing(a in layer()) {
                let once = merged(&[&a], true);
                prop_assert!(merged(&[&a, &a], true).same_data(&once));
            }

            #[test]
            fn every_scalar_or_list_of_the_top_layer_wins(base in layer(), top in layer()) {
                let result = merged(&[&base, &top], true);
                for (path, node) in top.leaves() {
                    prop_assert!(result.at(&path).is_some_and(|n| n.same_data(node)), "{}", path);
                }
            }

            #[test]
            fn laid_over_defaults_no_null_survives_and_nulls_delete(defaults in layer(), user in layer()) {
                let mut result = without_nulls(defaults);
                merge_into(&mut result, user.clone(), false);
                // Lists are values: a null inside one is data, not a deletion.
                let below_maps = |p: &crate::value::KeyPath| p.segs().iter().all(|s| s.key().is_some());
                prop_assert!(result.find(|p, n| below_maps(p) && n.value == Value::Null).is_empty());
                for (path, node) in user.leaves() {
                    if node.value == Value::Null {
                        prop_assert!(result.at(&path).is_none(), "{} was deleted", path);
                    }
                }
            }
        }
    }
}
