//! Value trees held in static data: the built-in catalog's YAML files, read ahead of time (see
//! `catalog::prepared`), become [`Node`]s without being parsed again on every run.

use std::fmt::Write;
use std::sync::Arc;

use super::{Map, Node, Origin, Value};

/// A node of a static value tree, with the line and column it was written at.
#[derive(Debug)]
pub struct StaticNode {
    /// The data.
    pub value: StaticValue,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
}

/// The data of a [`StaticNode`]; map keys are sorted, as in a [`Map`].
#[derive(Debug)]
pub enum StaticValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// A sequence.
    Seq(&'static [StaticNode]),
    /// A mapping.
    Map(&'static [(&'static str, StaticNode)]),
}

impl StaticNode {
    /// The tree as [`Node`]s of the file `name`, equal to what reading the file gives.
    pub fn to_node(&self, name: &Arc<str>) -> Node {
        let value = match self.value {
            StaticValue::Null => Value::Null,
            StaticValue::Bool(b) => Value::Bool(b),
            StaticValue::Int(i) => Value::Int(i),
            StaticValue::Float(f) => Value::Float(f),
            StaticValue::Str(s) => Value::Str(s.to_owned()),
            StaticValue::Seq(items) => Value::Seq(items.iter().map(|n| n.to_node(name)).collect()),
            StaticValue::Map(entries) => {
                Value::Map(entries.iter().map(|(k, n)| ((*k).to_owned(), n.to_node(name))).collect::<Map>())
            }
        };
        Node::new(value, Origin::at(name, self.line, self.col))
    }

    /// Rust source that builds `node` as a `StaticNode` (for the prepared catalog), given the
    /// name of a `const fn(StaticValue, u32, u32) -> StaticNode` to call. `None` when a node
    /// does not come from a position in a file.
    pub fn source_of(node: &Node, make: &str) -> Option<String> {
        let mut out = String::new();
        write_source(node, make, &mut out)?;
        Some(out)
    }
}

fn write_source(node: &Node, make: &str, out: &mut String) -> Option<()> {
    let (line, col) = node.origin.position()?;
    write!(out, "{make}(").ok()?;
    match &node.value {
        Value::Null => out.push_str("Null"),
        Value::Bool(b) => write!(out, "Bool({b})").ok()?,
        Value::Int(i) => write!(out, "Int({i})").ok()?,
        Value::Float(f) if f.is_nan() => out.push_str("Float(f64::NAN)"),
        Value::Float(f) if f.is_infinite() => {
            out.push_str(if *f > 0.0 { "Float(f64::INFINITY)" } else { "Float(f64::NEG_INFINITY)" })
        }
        Value::Float(f) => write!(out, "Float({f:?})").ok()?,
        Value::Str(s) => write!(out, "Str({s:?})").ok()?,
        Value::Seq(items) => {
            out.push_str("Seq(&[");
            for item in items {
                write_source(item, make, out)?;
                out.push(',');
            }
            out.push_str("])");
        }
        Value::Map(m) => {
            out.push_str("Map(&[");
            for (k, v) in m {
                write!(out, "({k:?},").ok()?;
                write_source(v, make, out)?;
                out.push_str("),");
            }
            out.push_str("])");
        }
    }
    write!(out, ",{line},{col})").ok()
}
