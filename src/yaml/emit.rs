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
                let mut written = String::new();
                key(&mut written, k);
                if written.len() > MAX_IMPLICIT_KEY {
                    // YAML allows an implicit key of at most 1024 characters; a longer one is
                    // written as an explicit `? key` / `: value` pair.
                    out.push_str("? ");
                    out.push_str(&written);
                    out.push('\n');
                    pad(out, indent);
                    out.push_str(": ");
                    compact(out, v, indent + 2);
                } else {
                    out.push_str(&written);
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

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const PIECES: &[&str] = &[
        "a", "Z", "on", "y", "NO", "~", "null", "012", "1e3", "0x1F", "-", "--- ", "---", "...", ":", ": ", " #", "#",
        "\"", "'", "\\", "{", "}", "[", "]", ",", "&", "*", "!", "|", ">", "%", "@", "`", " ", "  ", "\t", "\n", "\r",
        "é", "日本", "🚀", "\u{85}", "\u{2028}", "\u{feff}", "\u{0}", "{{ x }}", "1", ".", "true", "=",
    ];

    fn string(rng: &mut Rng) -> String {
        (0..rng.below(6)).map(|_| PIECES[rng.below(PIECES.len())]).collect()
    }

    fn node(rng: &mut Rng, depth: usize) -> Node {
        let o = Origin::Generated;
        let value = match rng.below(if depth > 3 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => Value::Bool(rng.below(2) == 1),
            2 => Value::Int(rng.next() as i64 >> rng.below(64)),
            3 => Value::Float((rng.next() as i64 >> 20) as f64 / 1000.0),
            4 => Value::Str(string(rng)),
            5 => Value::Seq((0..rng.below(4)).map(|_| node(rng, depth + 1)).collect()),
            _ => Value::Map((0..rng.below(4)).map(|_| (string(rng), node(rng, depth + 1))).collect::<Map>()),
        };
        Node::new(value, o)
    }

    fn reads_back(node: &Node) {
        let text = document(node);
        let src = Source { name: "emitted".into(), text: text.clone() };
        let parsed = parse_stream(&src, &mut Vec::new()).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(parsed.len(), 1, "one document:\n{text}");
        assert_eq!(parsed[0].to_json(), node.to_json(), "emitted:\n{text}");
    }

    #[test]
    fn every_generated_tree_reads_back_unchanged() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..3000 {
            let mut m = Map::new();
            m.insert(string(&mut rng), node(&mut rng, 0));
            reads_back(&Node::new(Value::Map(m), Origin::Generated));
        }
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
                reads_back(&Node::new(Value::Map(m), Origin::Generated));
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
