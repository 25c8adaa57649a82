//! The one walk over a [`Node`] tree: every node with its path, depth first in key order.
//! Searches, checks and edits of whole trees are written on top of it.

use super::{KeyBuffers, KeyPath, Node, Seg, Value};

impl Node {
    /// Visits this node and every node below it with its path from here. The visitor returns
    /// `false` to skip what lies below a node.
    pub fn walk<'n>(&'n self, visit: &mut impl FnMut(&KeyPath, &'n Node) -> bool) {
        fn go<'n>(
            node: &'n Node,
            path: &mut KeyPath,
            spare: &mut KeyBuffers,
            visit: &mut impl FnMut(&KeyPath, &'n Node) -> bool,
        ) {
            if !visit(path, node) {
                return;
            }
            match &node.value {
                Value::Map(m) => {
                    for (k, v) in m {
                        path.push_key(k, spare);
                        go(v, path, spare, visit);
                        path.pop_key(spare);
                    }
                }
                Value::Seq(items) => {
                    for (i, v) in items.iter().enumerate() {
                        path.push(Seg::Index(i));
                        go(v, path, spare, visit);
                        path.pop();
                    }
                }
                _ => {}
            }
        }
        go(self, &mut KeyPath::root(), &mut KeyBuffers::default(), visit);
    }

    /// What this tree costs: how many nodes, and how many bytes its keys and strings hold.
    pub fn cost(&self) -> (usize, usize) {
        let (mut nodes, mut bytes) = (0, 0);
        self.walk(&mut |path, node| {
            nodes += 1;
            bytes += match (&node.value, path.segs().last()) {
                (Value::Str(s), Some(Seg::Key(k))) => s.len() + k.len(),
                (Value::Str(s), _) => s.len(),
                (_, Some(Seg::Key(k))) => k.len(),
                _ => 0,
            };
            true
        });
        (nodes, bytes)
    }

    /// Gives this node and every node below it the same origin (what one flag sets).
    pub fn set_origin(&mut self, origin: &super::Origin) {
        self.origin = origin.clone();
        match &mut self.value {
            Value::Map(m) => m.values_mut().for_each(|v| v.set_origin(origin)),
            Value::Seq(items) => items.iter_mut().for_each(|v| v.set_origin(origin)),
            _ => {}
        }
    }

    /// Every value below this node that is not a map (lists are whole values, as in Helm's
    /// merge), with its path.
    pub fn leaves(&self) -> Vec<(KeyPath, &Node)> {
        let mut out = Vec::new();
        self.walk(&mut |path, node| match node.value {
            Value::Map(_) => true,
            _ => {
                if !path.is_empty() {
                    out.push((path.clone(), node));
                }
                false
            }
        });
        out
    }

    /// The paths of every node below this one for which `pick` holds (not descending into
    /// what it picks).
    pub fn find(&self, mut pick: impl FnMut(&KeyPath, &Node) -> bool) -> Vec<KeyPath> {
        let mut out = Vec::new();
        self.walk(&mut |path, node| {
            if pick(path, node) {
                out.push(path.clone());
                return false;
            }
            true
        });
        out
    }

    /// Removes the node at `path` (below a map or a list) and returns it.
    pub fn remove(&mut self, path: &KeyPath) -> Option<Node> {
        let (last, parent) = path.segs().split_last()?;
        let parent = self.at_mut(&KeyPath(parent.to_vec()))?;
        match (&mut parent.value, last) {
            (Value::Map(m), Seg::Key(k)) => m.remove(k),
            (Value::Seq(items), Seg::Index(i)) if *i < items.len() => Some(items.remove(*i)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::value::{KeyPath, Node, Origin, Value};

    fn tree() -> Node {
        let src = crate::yaml::Source { name: "t".into(), text: "a: {b: 1, c: [x, {d: 2}]}\ne: ~\n".into() };
        crate::yaml::parse_stream(&src, &mut Vec::new()).unwrap().remove(0)
    }

    #[test]
    fn leaves_are_every_non_map_value_with_its_path() {
        let t = tree();
        let leaves: Vec<String> = t.leaves().iter().map(|(p, _)| p.to_string()).collect();
        assert_eq!(leaves, ["a.b", "a.c", "e"]);
    }

    #[test]
    fn find_reaches_into_lists_and_remove_takes_out_what_it_found() {
        let mut t = tree();
        let found = t.find(|_, n| n.value == Value::Int(2));
        assert_eq!(found.iter().map(ToString::to_string).collect::<Vec<_>>(), ["a.c[1].d"]);
        assert_eq!(t.remove(&found[0]).map(|n| n.value), Some(Value::Int(2)));
        assert!(t.at(&KeyPath::parse("a.c[1].d")).is_none());
        let _ = Origin::Generated;
    }
}
