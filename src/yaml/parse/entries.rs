//! The entries of a map being read.

use std::collections::HashMap;

use crate::value::Node;

/// A map being read: its entries in document order, looked up by a scan while the map is small
/// and through a hash index once it is not, so a map of many keys reads in linear time (a
/// sorted [`crate::value::Map`] would move half its entries for every key written out of order).
#[derive(Default)]
pub struct Entries {
    pub list: Vec<(String, Node)>,
    index: HashMap<String, usize>,
}

/// Entries up to which a scan is cheaper than hashing.
const SCAN: usize = 16;

impl Entries {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.position(key).map(|i| &self.list[i].1)
    }

    pub fn position(&self, key: &str) -> Option<usize> {
        if self.list.len() <= SCAN {
            self.list.iter().position(|(k, _)| k == key)
        } else {
            self.index.get(key).copied()
        }
    }

    /// Adds a key that is not in the map yet.
    pub fn push(&mut self, key: String, node: Node) {
        if self.list.len() >= SCAN {
            if self.index.is_empty() {
                self.index = self.list.iter().enumerate().map(|(i, (k, _))| (k.clone(), i)).collect();
            }
            self.index.insert(key.clone(), self.list.len());
        }
        self.list.push((key, node));
    }
}
