//! The value tree every stage shares: YAML data where each node remembers where it came from.
//!
//! Loading produces it, merging combines it, templates and the emitter consume it. Maps are
//! ordered by key so that everything downstream is deterministic without extra sorting.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Where a value was written: a file (or a synthetic source such as `--set`) and a 1-based position.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// Display name of the source, e.g. `clusters/prod/kubezero.yaml` or `--set`.
    pub file: Arc<str>,
    /// 1-based line; 0 when the source has no lines (a command-line flag).
    pub line: u32,
    /// 1-based column; 0 when unknown.
    pub col: u32,
}

impl Origin {
    /// An origin at a position in a named source.
    pub fn new(file: &Arc<str>, line: u32, col: u32) -> Self {
        Origin { file: Arc::clone(file), line, col }
    }

    /// An origin for values that no file holds (flags, computed values).
    pub fn synthetic(name: &str) -> Self {
        Origin { file: Arc::from(name), line: 0, col: 0 }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            f.write_str(&self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.col)
        }
    }
}

/// Maps keep their keys sorted: output order never depends on input order.
pub type Map = BTreeMap<String, Node>;

/// A YAML value (read with YAML 1.2 core-schema rules).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// A float, including `.inf` and `.nan`.
    Float(f64),
    /// A string.
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping with string keys.
    Map(Map),
}

/// A value with its provenance.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The data.
    pub value: Value,
    /// Where the value itself starts.
    pub origin: Origin,
}

impl Node {
    /// A node at an origin.
    pub fn new(value: Value, origin: Origin) -> Self {
        Node { value, origin }
    }

    /// An empty map at an origin.
    pub fn empty_map(origin: Origin) -> Self {
        Node::new(Value::Map(Map::new()), origin)
    }

    /// The map inside, if this is a map.
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bool inside, if this is a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    /// The child at a path of map keys.
    pub fn get_path<S: AsRef<str>>(&self, path: &[S]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.as_map()?.get(key.as_ref()))
    }

    /// Whether two nodes hold the same data, wherever each was written (`==` also compares
    /// where every child came from).
    pub fn same_data(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Seq(a), Value::Seq(b)) => a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.same_data(y)),
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|((ka, va), (kb, vb))| ka == kb && va.same_data(vb))
            }
            (a, b) => a == b,
        }
    }

    /// The child at a path of map keys, to change it.
    pub fn get_path_mut<S: AsRef<str>>(&mut self, path: &[S]) -> Option<&mut Node> {
        path.iter().try_fold(self, |node, key| match &mut node.value {
            Value::Map(m) => m.get_mut(key.as_ref()),
            _ => None,
        })
    }

    /// The type's name with its article ("a list", "an integer"), for messages.
    pub fn a_type(&self) -> String {
        let name = self.type_name();
        let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" };
        format!("{article} {name}")
    }

    /// A short human name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "map",
        }
    }

    /// The node as plain JSON, for schemas and `--output json`. Non-finite floats become strings
    /// (`.inf`, `.nan`) because JSON has no such numbers.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(J::Number)
                .unwrap_or_else(|| J::String(crate::yaml::emit::float_text(*f))),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// Positioned JSON: a node as `[line, col, tag, value]` (tag 0 null, 1 bool, 2 int, 3 float,
/// 4 string, 5 list of nodes, 6 map of nodes). The build embeds the catalog in this form so that
/// a run reads it with serde_json instead of parsing YAML, provenance included.
impl Node {
    /// The node in positioned JSON.
    pub fn to_positioned_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        let (tag, value) = match &self.value {
            Value::Null => (0, J::Null),
            Value::Bool(b) => (1, J::Bool(*b)),
            Value::Int(i) => (2, J::from(*i)),
            Value::Float(f) => (3, J::from(*f)),
            Value::Str(s) => (4, J::String(s.clone())),
            Value::Seq(items) => (5, J::Array(items.iter().map(Node::to_positioned_json).collect())),
            Value::Map(m) => (6, J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_positioned_json())).collect())),
        };
        serde_json::json!([self.origin.line, self.origin.col, tag, value])
    }

    /// A node from positioned JSON, its origins in `file`; `None` if the JSON is not that form.
    pub fn from_positioned_json(file: &Arc<str>, json: &serde_json::Value) -> Option<Node> {
        let [line, col, tag, value] = json.as_array()?.as_slice() else { return None };
        let value = match (tag.as_u64()?, value) {
            (0, _) => Value::Null,
            (1, v) => Value::Bool(v.as_bool()?),
            (2, v) => Value::Int(v.as_i64()?),
            (3, v) => Value::Float(v.as_f64()?),
            (4, v) => Value::Str(v.as_str()?.to_owned()),
            (5, v) => {
                Value::Seq(v.as_array()?.iter().map(|n| Node::from_positioned_json(file, n)).collect::<Option<_>>()?)
            }
            (6, v) => Value::Map(
                v.as_object()?
                    .iter()
                    .map(|(k, n)| Some((k.clone(), Node::from_positioned_json(file, n)?)))
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        };
        Some(Node::new(value, Origin::new(file, line.as_u64()? as u32, col.as_u64()? as u32)))
    }
}

impl serde::Serialize for Node {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match &self.value {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(v) => s.serialize_str(v),
            Value::Seq(items) => {
                let mut seq = s.serialize_seq(Some(items.len()))?;
                items.iter().try_for_each(|i| seq.serialize_element(i))?;
                seq.end()
            }
            Value::Map(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                m.iter().try_for_each(|(k, v)| map.serialize_entry(k, v))?;
                map.end()
            }
        }
    }
}

/// Renders a dotted key path the way users write it in `--set` (`a.b\.c.d`), lists as `[i]`.
pub fn dotted<S: AsRef<str>>(path: &[S]) -> String {
    let mut out = String::new();
    for seg in path {
        let seg = seg.as_ref();
        if seg.starts_with('[') {
            out.push_str(seg);
            continue;
        }
        if !out.is_empty() {
            out.push('.');
        }
        out.push_str(&seg.replace('.', "\\."));
    }
    out
}

/// Splits a dotted key (`a.b\.c`) into its segments; `\.` is a literal dot.
pub fn split_dotted(key: &str) -> Vec<String> {
    let mut segs = vec![String::new()];
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.as_str().starts_with('.') => {
                chars.next();
                segs.last_mut().expect("never empty").push('.');
            }
            '.' => segs.push(String::new()),
            c => segs.last_mut().expect("never empty").push(c),
        }
    }
    segs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_escape_literal_dots_both_ways() {
        let segs = split_dotted(r"cert-manager.podAnnotations.iam\.amazonaws\.com/role");
        assert_eq!(segs, ["cert-manager", "podAnnotations", "iam.amazonaws.com/role"]);
        assert_eq!(dotted(&segs), r"cert-manager.podAnnotations.iam\.amazonaws\.com/role");
    }

    #[test]
    fn same_data_ignores_where_values_were_written() {
        let at = |f: &str| Origin::synthetic(f);
        let list = |f: &str| Node::new(Value::Seq(vec![Node::new(Value::Str("x".into()), at(f))]), at(f));
        assert_ne!(list("a.yaml"), list("b.yaml"));
        assert!(list("a.yaml").same_data(&list("b.yaml")));
        assert!(!list("a.yaml").same_data(&Node::new(Value::Seq(vec![]), at("a.yaml"))));
    }

    #[test]
    fn positioned_json_round_trips_values_and_positions() {
        let file: Arc<str> = Arc::from("f.yaml");
        let src = crate::yaml::Source { name: Arc::clone(&file), text: "a: [1, 2.5, x, ~, true]\nb: {c: d}\n".into() };
        let node = crate::yaml::parse_stream(&src, &mut Vec::new()).unwrap().remove(0);
        assert_eq!(Node::from_positioned_json(&file, &node.to_positioned_json()), Some(node));
    }

    #[test]
    fn list_indices_join_without_a_dot() {
        assert_eq!(dotted(&["es", "nodeSets", "[0]", "name"]), "es.nodeSets[0].name");
    }
}
