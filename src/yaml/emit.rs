//! [`Node`] trees → YAML text that YAML 1.1 readers (Helm, ArgoCD) and YAML 1.2 readers read alike.
//!
//! Block style, two-space indentation, list items at their key's indentation (as kubectl prints),
//! keys in map order (sorted). A string is written plain only when it cannot be mistaken for
//! anything else by either reader; otherwise as a literal block (multi-line text) or double-quoted.

use std::fmt::Write;

use super::resolve::plain_safe;
use crate::value::{float_text, Node, Value};

/// The longest key written as `key:`; YAML limits implicit keys to 1024 characters.
const MAX_IMPLICIT_KEY: usize = 1000;

/// Writes a stream: each document starts with `---`, the stream ends with a newline.
pub fn stream(docs: &[Node]) -> String {
    let mut out = String::with_capacity(docs.len() * 1024);
    for doc in docs {
        out.push_str("---\n");
        block(&mut out, doc, 0);
    }
    out
}

/// Writes one value as a YAML document body (no `---`), e.g. for `helm.values`.
pub fn document(node: &Node) -> String {
    let mut out = String::new();
    block(&mut out, node, 0);
    out
}

/// Writes `node` starting on a fresh line at `indent`.
fn block(out: &mut String, node: &Node, indent: usize) {
    match &node.value {
        Value::Map(m) if !m.is_empty() => {
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    pad(out, indent);
                }
                let start = out.len();
                key(out, k);
                if out.len() - start > MAX_IMPLICIT_KEY {
                    // YAML allows an implicit key of at most 1024 characters; a longer one is
                    // written as an explicit `? key` / `: value` pair.
                    out.insert_str(start, "? ");
                    out.push('\n');
                    pad(out, indent);
                    out.push_str(": ");
                    compact(out, v, indent + 2);
                } else {
                    out.push(':');
                    after_key(out, v, indent);
                }
            }
        }
        Value::Seq(items) if !items.is_empty() => {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    pad(out, indent);
                }
                out.push_str("- ");
                compact(out, item, indent + 2);
            }
        }
        _ => {
            scalar(out, node, indent);
            out.push('\n');
        }
    }
}

/// Writes a node right after a `- ` or `: ` indicator: a nested block starts on the same line.
fn compact(out: &mut String, node: &Node, indent: usize) {
    match &node.value {
        Value::Map(m) if !m.is_empty() => block(out, node, indent),
        Value::Seq(s) if !s.is_empty() => block(out, node, indent),
        _ => {
            scalar(out, node, indent);
            out.push('\n');
        }
    }
}

/// Writes what follows `key:` — a nested block on the next lines, or ` scalar`.
fn after_key(out: &mut String, v: &Node, indent: usize) {
    match &v.value {
        Value::Map(m) if !m.is_empty() => {
            out.push('\n');
            pad(out, indent + 2);
            block(out, v, indent + 2);
        }
        Value::Seq(s) if !s.is_empty() => {
            out.push('\n');
            pad(out, indent);
            block(out, v, indent);
        }
        _ => {
            out.push(' ');
            scalar(out, v, indent + 2);
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn key(out: &mut String, k: &str) {
    if plain_safe(k) {
        out.push_str(k);
    } else {
        quoted(out, k);
    }
}

/// Writes a scalar (or an empty container) inline; block text continues at `indent`.
fn scalar(out: &mut String, node: &Node, indent: usize) {
    match &node.value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&float_text(*f)),
        Value::Str(s) if plain_safe(s) => out.push_str(s),
        Value::Str(s) if literal_ok(s) => literal(out, s, indent),
        Value::Str(s) => quoted(out, s),
        Value::Seq(_) => out.push_str("[]"),
        Value::Map(_) => out.push_str("{}"),
    }
}

/// Characters that only an escape can carry safely.
fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// Multi-line text that a literal block (`|`) carries exactly: no escapes needed, no trailing
/// blanks (a block scalar would fold them into the indentation), first line not indented.
fn literal_ok(s: &str) -> bool {
    s.contains('\n')
        && !s.chars().any(|c| c != '\n' && needs_escape(c))
        && s.split('\n').all(|l| !l.ends_with(' '))
        && s.split('\n').find(|l| !l.is_empty()).is_some_and(|l| !l.starts_with(' '))
}

fn literal(out: &mut String, s: &str, indent: usize) {
    // A top-level block's lines must not start at column 0, where `---` and `...` end documents.
    let indent = indent.max(2);
    let body = s.trim_end_matches('\n');
    out.push_str(match s.len() - body.len() {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    let lines = s.matches('\n').count() + usize::from(!s.ends_with('\n'));
    for line in s.split('\n').take(lines) {
        out.push('\n');
        if !line.is_empty() {
            pad(out, indent);
            out.push_str(line);
        }
    }
}

fn quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if needs_escape(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Map, Origin};
    use crate::yaml::{parse_stream, Source};

    use proptest::prelude::*;

    /// Pieces that upset careless emitters: YAML 1.1 booleans, numbers in other bases,
    /// indicators, document markers, line breaks, unicode line separators, template syntax.
    const PIECES: &[&str] = &[
        "a", "Z", "on", "y", "NO", "~", "null", "012", "1e3", "0x1F", "-", "--- ", "---", "...", ":", ": ", " #", "#",
        "\"", "'", "\\", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", " ", "  ", "\t", "\n", "\r",
        "é", "日本", "🚀", "\u{85}", "\u{2028}", "\u{feff}", "\u{0}", "{{ x }}", "1", ".", "true", "=",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..6).prop_map(|p| p.concat())
    }

    /// Any tree: every scalar type, nested lists and maps with hostile keys.
    pub(crate) fn tree() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::Int),
            (-1e12f64..1e12).prop_map(Value::Float),
            text().prop_map(Value::Str),
        ]
        .prop_map(|v| Node::new(v, Origin::Generated));
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Seq),
                prop::collection::btree_map(text(), inner, 0..4).prop_map(|m| Value::Map(m.into_iter().collect())),
            ]
            .prop_map(|v| Node::new(v, Origin::Generated))
        })
    }

    fn reads_back(node: &Node) -> Result<(), TestCaseError> {
        let text = document(node);
        let src = Source { name: "emitted".into(), text: text.clone() };
        let parsed = parse_stream(&src, &mut Vec::new()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed.len(), 1, "one document:\n{}", text);
        prop_assert_eq!(parsed[0].to_json(), node.to_json(), "emitted:\n{}", text);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn every_tree_reads_back_unchanged(key in text(), value in tree()) {
            let mut m = Map::new();
            m.insert(key, value);
            reads_back(&Node::new(Value::Map(m), Origin::Generated))?;
        }
    }

    fn must_read_back(node: &Node) {
        reads_back(node).unwrap();
    }

    #[test]
    fn keys_longer_than_yaml_allows_for_implicit_keys_are_written_explicitly() {
        let long = "k".repeat(1500);
        for value in [Value::Str("v".into()), Value::Seq(vec![Node::new(Value::Int(1), Origin::Generated)])] {
            let mut inner = Map::new();
            inner.insert("x".into(), Node::new(value.clone(), Origin::Generated));
            for v in [Node::new(value.clone(), Origin::Generated), Node::new(Value::Map(inner), Origin::Generated)] {
                let mut m = Map::new();
                m.insert(long.clone(), v);
                m.insert("after".into(), Node::new(Value::Bool(true), Origin::Generated));
                must_read_back(&Node::new(Value::Map(m), Origin::Generated));
            }
        }
    }

    #[test]
    fn multi_line_text_uses_literal_blocks_with_the_right_chomping() {
        let doc = |s: &str| {
            let mut m = Map::new();
            m.insert("k".into(), Node::new(Value::Str(s.into()), Origin::Generated));
            document(&Node::new(Value::Map(m), Origin::Generated))
        };
        assert_eq!(doc("a\nb\n"), "k: |\n  a\n  b\n");
        assert_eq!(doc("a\nb"), "k: |-\n  a\n  b\n");
        assert_eq!(doc("a\n\n"), "k: |+\n  a\n\n");
        assert_eq!(doc(" lead\nx"), "k: \" lead\\nx\"\n");
        // A document that is only text keeps `---` and `...` off column 0.
        let text = document(&Node::new(Value::Str("---\n...\n".into()), Origin::Generated));
        assert_eq!(text, "|\n  ---\n  ...\n");
    }
}
