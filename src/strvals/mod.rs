//! Helm's values flags, exactly: `--set`, `--set-string`, `--set-json`, `--set-file` and
//! `--set-literal` (and ArgoCD's `set` parameter, read like `--set`), applied the way
//! `helm template` applies them, onto the values the files already gave.
//!
//! Why not a layer per flag: Helm's assignments act on what is already there — `l[1]=x`
//! changes one item of a list a values file wrote, `a.b=1` fails on an `a` that is a number —
//! so they are applied in place, in Helm's order (see [`Flag`]).

mod json;
mod parser;

use crate::diag::{Error, Kind};
use crate::merge::merge_into;
use crate::value::{Node, Origin, Value};

pub use parser::Reader;

/// A values flag; Helm applies every `-f` file first, then the flags in this order, each kind
/// in the order given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Flag {
    /// `--set-json`: JSON values, or one JSON object merged whole.
    Json,
    /// `--set`: `true`/`false`/`null` and plain integers are typed, everything else a string.
    Typed,
    /// `--set-string`: every value a string.
    String,
    /// `--set-file`: every value the text of the file it names (`-` is standard input).
    File,
    /// `--set-literal`: one key, and all the rest is its string value, no escapes.
    Literal,
}

impl Flag {
    /// The flag as users type it.
    pub fn name(self) -> &'static str {
        match self {
            Flag::Json => "--set-json",
            Flag::Typed => "--set",
            Flag::String => "--set-string",
            Flag::File => "--set-file",
            Flag::Literal => "--set-literal",
        }
    }
}

/// Applies one flag's text to `data` (a map) as Helm does. The error is Helm's own text.
pub fn apply(flag: Flag, text: &str, data: &mut Node, read_file: Reader<'_>, origin: &Origin) -> Result<(), Error> {
    apply_text(flag, text, data, read_file, origin).map_err(|e| Error::new(Kind::Assignment, e))
}

fn apply_text(flag: Flag, text: &str, data: &mut Node, read_file: Reader<'_>, origin: &Origin) -> Result<(), String> {
    if flag == Flag::Json && text.trim().starts_with('{') {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(text.trim()).map_err(|_| format!("failed parsing --set-json data JSON: {text}"))?;
        let node = json::node(&serde_json::Value::Object(object), origin);
        merge_into(data, node, true);
        return Ok(());
    }
    let Value::Map(map) = &mut data.value else { unreachable!("values are a map") };
    let result = parser::Parser::new(text, flag, read_file, origin.clone()).parse(map);
    match (flag, result) {
        (_, Ok(())) => Ok(()),
        (Flag::Json, Err(_)) => Err(format!("failed parsing --set-json data {text}")),
        (flag, Err(e)) => Err(format!("failed parsing {} data: {e}", flag.name())),
    }
}

/// How `--set` types a value (Helm's `typedVal`): `true`, `false`, `null` in any case, `0`, and
/// integers that do not start with `0` and fit in 64 bits; everything else stays a string.
pub fn typed(text: &str) -> Value {
    if equal_fold(text, "true") {
        return Value::Bool(true);
    }
    if equal_fold(text, "false") {
        return Value::Bool(false);
    }
    if equal_fold(text, "null") {
        return Value::Null;
    }
    if text == "0" {
        return Value::Int(0);
    }
    let plain = text.strip_prefix(['+', '-']).unwrap_or(text);
    let integer = !text.starts_with('0') && !plain.is_empty() && plain.bytes().all(|b| b.is_ascii_digit());
    match text.strip_prefix('+').unwrap_or(text).parse::<i64>() {
        Ok(i) if integer => Value::Int(i),
        _ => Value::Str(text.to_owned()),
    }
}

/// Go's `strings.EqualFold`: equal under Unicode simple case folding (`falſe` is `false`).
fn equal_fold(a: &str, b: &str) -> bool {
    let fold = |c: char| {
        let upper: Vec<char> = c.to_uppercase().collect();
        match upper.as_slice() {
            [u] => u.to_lowercase().next().unwrap_or(c),
            _ => c,
        }
    };
    a.chars().count() == b.chars().count() && a.chars().zip(b.chars()).all(|(x, y)| fold(x) == fold(y))
}

/// Go's `%q` of a string (`strconv.Quote`), for Helm's messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        out.push_str(&go_escape(c, '"'));
    }
    out.push('"');
    out
}

/// Go's `%q` of a rune slice: `['x' 'y']`.
pub(crate) fn go_quote_runes(s: &str) -> String {
    let runes: Vec<String> = s.chars().map(|c| format!("'{}'", go_escape(c, '\''))).collect();
    format!("[{}]", runes.join(" "))
}

fn go_escape(c: char, quote: char) -> String {
    match c {
        '\\' => "\\\\".into(),
        c if c == quote => format!("\\{c}"),
        '\x07' => "\\a".into(),
        '\x08' => "\\b".into(),
        '\x0c' => "\\f".into(),
        '\n' => "\\n".into(),
        '\r' => "\\r".into(),
        '\t' => "\\t".into(),
        '\x0b' => "\\v".into(),
        c if (c as u32) < 0x80 && (c.is_control()) => format!("\\x{:02x}", c as u32),
        c if c.is_control() || (c.is_whitespace() && c != ' ') => {
            if (c as u32) <= 0xffff {
                format!("\\u{:04x}", c as u32)
            } else {
                format!("\\U{:08x}", c as u32)
            }
        }
        c => c.to_string(),
    }
}

#[cfg(test)]
mod tests;
