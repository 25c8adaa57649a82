//! The map of a value tree: keys kept sorted in one vector.
//!
//! Configuration maps are small: most hold a handful of keys. A `BTreeMap` spends a whole node
//! (eleven slots, about a kilobyte with a [`Node`] in each) on every one of them, and a render
//! builds hundreds; in one vector a two-key map is two entries. Lookups are binary searches,
//! iteration is in key order, as the rest of kzrender expects of a map.

use std::fmt;

use super::Node;

/// A map from keys to nodes, iterated in key order.
#[derive(Clone, Default, PartialEq)]
pub struct Map {
    entries: Vec<(String, Node)>,
}

/// The pair a map's iterator yields, as `BTreeMap`'s does.
fn pair((k, v): &(String, Node)) -> (&String, &Node) {
    (k, v)
}

/// Iterator over a map's entries in key order.
pub type Iter<'a> = std::iter::Map<std::slice::Iter<'a, (String, Node)>, fn(&(String, Node)) -> (&String, &Node)>;

impl Map {
    /// An empty map.
    pub const fn new() -> Self {
        Map { entries: Vec::new() }
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The node under `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The node under `key`, to change.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.find(key).ok().map(|i| &mut self.entries[i].1)
    }

    /// Whether `key` is in the map.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Puts `node` under `key`, returning what was there.
    pub fn insert(&mut self, key: String, node: Node) -> Option<Node> {
        match self.find(&key) {
            Ok(i) => Some(std::mem::replace(&mut self.entries[i].1, node)),
            Err(i) => {
                self.entries.insert(i, (key, node));
                None
            }
        }
    }

    /// The node under `key`, put there by `make` when the key is new.
    pub fn get_or_insert_with(&mut self, key: String, make: impl FnOnce() -> Node) -> &mut Node {
        let i = match self.find(&key) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Takes the node under `key` out of the map.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        self.find(key).ok().map(|i| self.entries.remove(i).1)
    }

    /// Keeps only the entries `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Node) -> bool) {
        self.entries.retain_mut(|(k, v)| keep(k, v));
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        self.entries.iter().map(pair as fn(&(String, Node)) -> (&String, &Node))
    }

    /// Keys in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator {
        self.entries.iter().map(|(k, _)| k)
    }

    /// Nodes in key order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Node> + ExactSizeIterator {
        self.entries.iter().map(|(_, v)| v)
    }

    /// Nodes in key order, mutable.
    pub fn values_mut(&mut self) -> impl DoubleEndedIterator<Item = &mut Node> + ExactSizeIterator {
        self.entries.iter_mut().map(|(_, v)| v)
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Sorts entries by key, the later of two equal keys winning, as inserting them in turn would:
/// one sort, where inserting many keys out of order would move the tail once per key.
fn sort(entries: &mut Vec<(String, Node)>) {
    entries.sort_by(|a, b| a.0.cmp(&b.0)); // stable: equal keys stay in the order they came
    entries.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            std::mem::swap(later, kept);
        }
        same
    });
}

impl FromIterator<(String, Node)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Node)>>(iter: I) -> Self {
        let mut entries = iter.into_iter().collect();
        sort(&mut entries);
        Map { entries }
    }
}

impl<const N: usize> From<[(String, Node); N]> for Map {
    fn from(entries: [(String, Node); N]) -> Self {
        entries.into_iter().collect()
    }
}

impl Extend<(String, Node)> for Map {
    /// The entries added win over equal keys already in the map.
    fn extend<I: IntoIterator<Item = (String, Node)>>(&mut self, iter: I) {
        let before = self.entries.len();
        self.entries.extend(iter);
        if self.entries.len() > before {
            sort(&mut self.entries);
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Node);
    type IntoIter = std::vec::IntoIter<(String, Node)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Node);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::value::{Origin, Value};

    fn node(v: i64) -> Node {
        Node::new(Value::Int(v), Origin::Generated)
    }

    proptest! {
        /// Whatever is done to it, a Map holds what a BTreeMap would, in the same order.
        #[test]
        fn behaves_as_a_btree_map(ops in prop::collection::vec((0u8..5, "[a-e]{0,2}", 0i64..9, "[a-e]{0,2}"), 0..40)) {
            let (mut ours, mut theirs) = (Map::new(), BTreeMap::new());
            for (op, k, v, k2) in ops {
                match op {
                    0 => prop_assert_eq!(ours.insert(k.clone(), node(v)), theirs.insert(k, node(v))),
                    1 => prop_assert_eq!(ours.remove(&k), theirs.remove(&k)),
                    2 => {
                        let batch = [(k, node(v)), (k2, node(v + 1))];
                        ours.extend(batch.clone());
                        theirs.extend(batch);
                    }
                    3 => {
                        ours.retain(|key, _| *key != k);
                        theirs.retain(|key, _| *key != k);
                    }
                    _ => {
                        let batch = [(k, node(v)), (k2, node(v + 1))];
                        ours = ours.into_iter().chain(batch.clone()).collect();
                        theirs = theirs.into_iter().chain(batch).collect();
                    }
                }
                prop_assert!(ours.iter().eq(theirs.iter()));
                prop_assert_eq!(ours.get("a"), theirs.get("a"));
            }
        }
    }
}
