//! Which Helm values a chart never reads, found by rendering it.
//!
//! Helm gives no way to ask which values a template read, so kzrender asks the chart's output.
//! The method, exact for what it reports:
//!
//! 1. Each leaf of the values (a scalar, a list as a whole, an empty map) is altered in up to
//!    three ways: to another value of its type (`true` → `false`, `3` → `4`, `a` → `a-kzrender`,
//!    a list without its last item), to the empty value of its type (`""`, `0`, `[]`), and to
//!    a value of another type (a map for a scalar or list, a string for a map). The leaf is read
//!    as soon as one alteration changes the output (a failure counts as a change).
//! 2. The leaves no alteration changed are removed one by one, cumulatively: a leaf is unused
//!    when removing it, together with every leaf found unused before it, leaves the output
//!    byte-identical. So removing everything reported at once changes nothing.
//!
//! A value read by a subchart, through `toYaml` of a subtree, by `range` or by `index` changes
//! the output when altered, so it is never reported. A map all of whose leaves are unused is
//! reported as one value.

use std::collections::BTreeSet;

use crate::value::{KeyPath, Map, Node, Seg, Value};

pub use super::helm::Output;

const PROBE: &str = "kzrender-probe";

/// The values (at `values`, rendering as `baseline`) that `render` shows no template reads,
/// as the largest subtrees that are entirely unused, in key order.
pub fn unused(values: &Node, baseline: &Output, render: &dyn Fn(&Node) -> Output) -> Vec<KeyPath> {
    // Every leaf below the top map: scalars, lists as a whole, empty maps.
    let leaves = values.find(|path, n| !path.is_empty() && !matches!(&n.value, Value::Map(m) if !m.is_empty()));
    let candidates: Vec<&KeyPath> = leaves
        .iter()
        .filter(|path| {
            let node = values.at(path).expect("a leaf of the values");
            let mut altered = values.clone();
            alterations(node).into_iter().all(|other| {
                *altered.at_mut(path).expect("a leaf of the values") = other;
                render(&altered) == *baseline
            })
        })
        .collect();
    let mut without = values.clone();
    let mut confirmed = BTreeSet::new();
    for path in candidates {
        let mut trial = without.clone();
        trial.remove(path);
        if render(&trial) == *baseline {
            without = trial;
            confirmed.insert(path.clone());
        }
    }
    let mut out = Vec::new();
    if let Value::Map(m) = &values.value {
        for (k, child) in m {
            let path = KeyPath::root().join(Seg::Key(k.clone()));
            if coalesce(child, &path, &confirmed, &mut out) {
                out.push(narrowest(child, path));
            }
        }
    }
    out.sort();
    out
}

/// The values a leaf is altered to: another of its type, its type's empty value, another type.
fn alterations(node: &Node) -> Vec<Node> {
    let text = |s: &str| Value::Str(s.to_owned());
    let probe_map = || Value::Map(Map::from([(PROBE.to_owned(), Node::new(text(PROBE), node.origin.clone()))]));
    let values = match &node.value {
        Value::Bool(b) => vec![Value::Bool(!b), probe_map()],
        Value::Int(i) => vec![Value::Int(i.wrapping_add(1)), Value::Int(0), probe_map()],
        Value::Float(f) => vec![Value::Float(f + 1.0), Value::Float(0.0), probe_map()],
        Value::Str(s) => vec![text(&format!("{s}-kzrender")), text(""), probe_map()],
        Value::Null => vec![text(PROBE), probe_map()],
        Value::Seq(items) => {
            let other = match items.split_last() {
                Some((_, rest)) if !rest.is_empty() => rest.to_vec(),
                _ => vec![Node::new(text(PROBE), node.origin.clone())],
            };
            vec![Value::Seq(other), Value::Seq(Vec::new()), probe_map()]
        }
        Value::Map(_) => vec![probe_map(), text(PROBE)],
    };
    let mut out: Vec<Node> = Vec::new();
    for v in values {
        let n = Node::new(v, node.origin.clone());
        if !n.same_data(node) && !out.iter().any(|o| o.same_data(&n)) {
            out.push(n);
        }
    }
    out
}

/// Whether every leaf below `node` is confirmed unused; where not, the entirely unused
/// children are pushed to `out` instead.
fn coalesce(node: &Node, path: &KeyPath, confirmed: &BTreeSet<KeyPath>, out: &mut Vec<KeyPath>) -> bool {
    let Value::Map(m) = &node.value else { return confirmed.contains(path) };
    if m.is_empty() {
        return confirmed.contains(path);
    }
    let children: Vec<(KeyPath, &Node, bool)> = m
        .iter()
        .map(|(k, child)| {
            let p = path.join(Seg::Key(k.clone()));
            let all = coalesce(child, &p, confirmed, out);
            (p, child, all)
        })
        .collect();
    if children.iter().all(|(.., all)| *all) {
        return true;
    }
    let unused = children.into_iter().filter(|(.., all)| *all);
    out.extend(unused.map(|(p, child, _)| narrowest(child, p)));
    false
}

/// The deepest path that names the same values: through maps of a single key (`ingress` with
/// only `public` below is reported as `ingress.public`).
fn narrowest(node: &Node, path: KeyPath) -> KeyPath {
    match &node.value {
        Value::Map(m) if m.len() == 1 => {
            let (k, child) = m.iter().next().expect("one key");
            narrowest(child, path.join(Seg::Key(k.clone())))
        }
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{parse_map, Source};

    fn values(text: &str) -> Node {
        parse_map(&Source { name: "v".into(), text: text.into() }, &mut Vec::new()).unwrap()
    }

    /// A chart that reads `a.read` and `b` (only whether `b` is truthy), and `either` or `or`.
    fn chart(v: &Node) -> Output {
        let get = |p: &str| v.at(&KeyPath::parse(p)).map(|n| format!("{:?}", n.value));
        let truthy = |p: &str| {
            v.at(&KeyPath::parse(p))
                .is_some_and(|n| !matches!(n.value, Value::Bool(false) | Value::Null) && n.as_str() != Some(""))
        };
        Ok(format!("{:?} {} {}", get("a.read"), truthy("b"), truthy("either") || truthy("or")))
    }

    #[test]
    fn what_no_template_reads_is_reported_as_the_largest_unused_subtrees() {
        let v = values("a: {read: 1, spare: 2}\nb: yes-please\nc: {d: {e: 1, f: [x]}}\n");
        let found: Vec<String> = unused(&v, &chart(&v), &chart).iter().map(ToString::to_string).collect();
        assert_eq!(found, ["a.spare", "c.d"], "c holds only d");
    }

    #[test]
    fn values_read_only_together_are_not_reported_both() {
        // Either alone keeps the output; removing both changes it: only one may go.
        let v = values("either: true\nor: true\n");
        let found = unused(&v, &chart(&v), &chart);
        assert_eq!(found.len(), 1, "{found:?}");
    }
}
