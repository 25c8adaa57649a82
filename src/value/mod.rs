//! The value tree every stage shares: YAML data where each node remembers where it came from.
//!
//! Loading produces it, merging combines it, templates and the emitter consume it. Maps are
//! ordered by key so that everything downstream is deterministic without extra sorting.

mod de;
mod map;
mod path;
mod walk;

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

/// Maps keep their keys sorted: output order never depends on input order.
pub use de::from_node;
pub use map::Map;
pub use path::{KeyBuffers, KeyPath, Seg};

/// Where a value was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A file, at a 1-based line and column; line 0 means the file as a whole.
    File {
        /// The file's name as shown to the user (relative to where kzrender was pointed).
        name: Arc<str>,
        /// 1-based line, or 0.
        line: u32,
        /// 1-based column, or 0.
        col: u32,
    },
    /// A flag or an ArgoCD parameter, as written (`--set calico.mtu=9001`).
    Flag(Arc<str>),
    /// A value kzrender generated itself: no file to point at.
    Generated,
}

impl Origin {
    /// A position in a named file.
    pub fn at(name: &Arc<str>, line: u32, col: u32) -> Self {
        Origin::File { name: Arc::clone(name), line, col }
    }

    /// A whole file.
    pub fn file(name: &str) -> Self {
        Origin::File { name: Arc::from(name), line: 0, col: 0 }
    }

    /// A flag or parameter, as written.
    pub fn flag(text: &str) -> Self {
        Origin::Flag(Arc::from(text))
    }

    /// The file's name, when the origin is a file.
    pub fn file_name(&self) -> Option<&str> {
        match self {
            Origin::File { name, .. } => Some(name),
            _ => None,
        }
    }

    /// The line and column, when known.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            Origin::File { line, col, .. } if *line > 0 => Some((*line, *col)),
            _ => None,
        }
    }

    /// The name shown for the origin without its position: a file's name, a flag as written.
    pub fn name(&self) -> &str {
        self.sort_key().0
    }

    /// How the origin sorts: by the name shown, then position.
    fn sort_key(&self) -> (&str, u32, u32) {
        match self {
            Origin::File { name, line, col } => (name, *line, *col),
            Origin::Flag(text) => (text, 0, 0),
            Origin::Generated => (GENERATED, 0, 0),
        }
    }
}

const GENERATED: &str = "(generated)";

impl Ord for Origin {
    fn cmp(&self, other: &Self) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Origin {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { name, line: 0, .. } => f.write_str(name),
            Origin::File { name, line, col } => write!(f, "{name}:{line}:{col}"),
            Origin::Flag(text) => f.write_str(text),
            Origin::Generated => f.write_str(GENERATED),
        }
    }
}

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

    /// The child at a path of map keys, to change it.
    pub fn get_path_mut<S: AsRef<str>>(&mut self, path: &[S]) -> Option<&mut Node> {
        path.iter().try_fold(self, |node, key| match &mut node.value {
            Value::Map(m) => m.get_mut(key.as_ref()),
            _ => None,
        })
    }

    /// The node at a key path (keys and list indices).
    pub fn at(&self, path: &KeyPath) -> Option<&Node> {
        path.segs().iter().try_fold(self, |node, seg| match (&node.value, seg) {
            (Value::Map(m), Seg::Key(k)) => m.get(k),
            (Value::Seq(items), Seg::Index(i)) => items.get(*i),
            _ => None,
        })
    }

    /// The node at a key path, to change it.
    pub fn at_mut(&mut self, path: &KeyPath) -> Option<&mut Node> {
        path.segs().iter().try_fold(self, |node, seg| match (&mut node.value, seg) {
            (Value::Map(m), Seg::Key(k)) => m.get_mut(k),
            (Value::Seq(items), Seg::Index(i)) => items.get_mut(*i),
            _ => None,
        })
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
            Value::Float(f) => {
                serde_json::Number::from_f64(*f).map(J::Number).unwrap_or_else(|| J::String(float_text(*f)))
            }
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(m) => J::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }
}

/// A float in a form both YAML 1.1 (needs a `.` and a signed exponent) and 1.2 read as a float.
pub fn float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let s = format!("{f:?}");
    match s.split_once('e') {
        None => s,
        Some((mantissa, exp)) => {
            let mantissa = if mantissa.contains('.') { mantissa.to_owned() } else { format!("{mantissa}.0") };
            let exp = if exp.starts_with('-') { exp.to_owned() } else { format!("+{exp}") };
            format!("{mantissa}e{exp}")
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_data_ignores_where_values_were_written() {
        let at = |f: &str| Origin::file(f);
        let list = |f: &str| Node::new(Value::Seq(vec![Node::new(Value::Str("x".into()), at(f))]), at(f));
        assert_ne!(list("a.yaml"), list("b.yaml"));
        assert!(list("a.yaml").same_data(&list("b.yaml")));
        assert!(!list("a.yaml").same_data(&Node::new(Value::Seq(vec![]), at("a.yaml"))));
    }

    #[test]
    fn floats_keep_a_dot_and_a_signed_exponent() {
        assert_eq!(float_text(1000.0), "1000.0");
        assert_eq!(float_text(1e300), "1.0e+300");
        assert_eq!(float_text(-2.5e-8), "-2.5e-8");
        assert_eq!(float_text(f64::NEG_INFINITY), "-.inf");
    }

    #[test]
    fn origins_sort_and_show_by_the_name_a_user_sees() {
        let name: Arc<str> = Arc::from("b.yaml");
        let mut all = [Origin::at(&name, 2, 1), Origin::flag("--set a=1"), Origin::Generated, Origin::file("a.yaml")];
        all.sort();
        let shown: Vec<String> = all.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["(generated)", "--set a=1", "a.yaml", "b.yaml:2:1"]);
    }
}
