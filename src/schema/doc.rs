//! What the schema compiler reads: a JSON document, either parsed at run time
//! (`serde_json::Value`, a `--kubezero` catalog or a test) or prepared ahead of time as static
//! data ([`StaticJson`], the built-in catalog: nothing to parse or allocate before compiling).

use std::borrow::Cow;

use serde_json::Value as J;

/// A JSON value held in static data: what the catalog's prepared schemas are made of. Object
/// keys are sorted, as `serde_json` (without `preserve_order`) keeps them.
#[derive(Debug)]
pub enum StaticJson {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer written without a fraction or exponent, within `i64`.
    Int(i64),
    /// An integer written without a fraction or exponent, beyond `i64`.
    Uint(u64),
    /// Any other number.
    Float(f64),
    /// A string.
    Str(&'static str),
    /// An array.
    Array(&'static [StaticJson]),
    /// An object, keys sorted.
    Object(&'static [(&'static str, StaticJson)]),
}

/// A schema read ahead of time: the document, and what compiling it would first look for.
#[derive(Debug)]
pub struct PreparedSchema {
    /// The schema.
    pub doc: StaticJson,
    /// Every place a `$ref` names, as a decoded JSON pointer.
    pub references: &'static [&'static str],
    /// How many maps the document holds.
    pub maps: usize,
}

impl PreparedSchema {
    /// Rust source that builds `schema` as a `PreparedSchema` constant (for the prepared
    /// catalog), with `StaticJson`'s variants in scope.
    pub fn source_of(schema: &J) -> String {
        let (references, maps) = super::compile::analyse(schema);
        format!(
            "PreparedSchema {{ doc: {}, references: &{references:?}, maps: {maps} }}",
            StaticJson::source_of(schema)
        )
    }
}

/// A JSON document the compiler walks: a shared reference into either representation.
pub trait Doc<'a>: Copy {
    /// The boolean, if this is one.
    fn as_bool(self) -> Option<bool>;
    /// The string, if this is one.
    fn as_str(self) -> Option<&'a str>;
    /// The number as a `u64`, if it is a non-negative integer.
    fn as_u64(self) -> Option<u64>;
    /// The number as an `f64`, if this is a number.
    fn as_f64(self) -> Option<f64>;
    /// Whether this is a number.
    fn is_number(self) -> bool;
    /// The members, in key order, if this is an object.
    fn entries(self) -> Option<impl Iterator<Item = (&'a str, Self)>>;
    /// The elements, if this is an array.
    fn elements(self) -> Option<impl Iterator<Item = Self>>;
    /// The value as a `serde_json::Value`, for the keywords that keep one (`enum`, `const`, ...).
    fn to_json(self) -> J;
    /// A string of the document kept by the compiled schema: borrowed when the document is
    /// static, copied otherwise.
    fn keep(text: &'a str) -> Cow<'static, str>;

    /// The member named `key`, if this is an object that has one.
    fn get(self, key: &str) -> Option<Self> {
        self.entries()?.find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Whether this is an array.
    fn is_array(self) -> bool {
        self.elements().is_some()
    }

    /// The value at a decoded-then-escaped JSON pointer (`/a/b~1c/0`), as RFC 6901 reads it.
    fn pointer(self, pointer: &str) -> Option<Self> {
        if pointer.is_empty() {
            return Some(self);
        }
        pointer.strip_prefix('/')?.split('/').try_fold(self, |at, token| {
            let token = token.replace("~1", "/").replace("~0", "~");
            match at.elements() {
                // An index is digits without a leading zero (nor sign), as serde_json reads it.
                Some(mut items) if !token.starts_with('+') && (token == "0" || !token.starts_with('0')) => {
                    items.nth(token.parse().ok()?)
                }
                Some(_) => None,
                None => at.get(&token),
            }
        })
    }
}

impl<'a> Doc<'a> for &'a J {
    fn as_bool(self) -> Option<bool> {
        J::as_bool(self)
    }
    fn as_str(self) -> Option<&'a str> {
        J::as_str(self)
    }
    fn as_u64(self) -> Option<u64> {
        J::as_u64(self)
    }
    fn as_f64(self) -> Option<f64> {
        J::as_f64(self)
    }
    fn is_number(self) -> bool {
        J::is_number(self)
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'a str, Self)>> {
        Some(self.as_object()?.iter().map(|(k, v)| (k.as_str(), v)))
    }
    fn elements(self) -> Option<impl Iterator<Item = Self>> {
        Some(self.as_array()?.iter())
    }
    fn to_json(self) -> J {
        self.clone()
    }
    fn keep(text: &'a str) -> Cow<'static, str> {
        Cow::Owned(text.to_owned())
    }
    fn get(self, key: &str) -> Option<Self> {
        J::get(self, key)
    }
    fn pointer(self, pointer: &str) -> Option<Self> {
        J::pointer(self, pointer)
    }
}

impl Doc<'static> for &'static StaticJson {
    fn as_bool(self) -> Option<bool> {
        match self {
            StaticJson::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_str(self) -> Option<&'static str> {
        match self {
            StaticJson::Str(s) => Some(s),
            _ => None,
        }
    }
    fn as_u64(self) -> Option<u64> {
        match *self {
            StaticJson::Int(i) => u64::try_from(i).ok(),
            StaticJson::Uint(u) => Some(u),
            _ => None,
        }
    }
    fn as_f64(self) -> Option<f64> {
        match *self {
            StaticJson::Int(i) => Some(i as f64),
            StaticJson::Uint(u) => Some(u as f64),
            StaticJson::Float(f) => Some(f),
            _ => None,
        }
    }
    fn is_number(self) -> bool {
        matches!(self, StaticJson::Int(_) | StaticJson::Uint(_) | StaticJson::Float(_))
    }
    fn entries(self) -> Option<impl Iterator<Item = (&'static str, Self)>> {
        match self {
            StaticJson::Object(members) => Some(members.iter().map(|(k, v)| (*k, v))),
            _ => None,
        }
    }
    fn elements(self) -> Option<impl Iterator<Item = Self>> {
        match self {
            StaticJson::Array(items) => Some(items.iter()),
            _ => None,
        }
    }
    fn to_json(self) -> J {
        match *self {
            StaticJson::Null => J::Null,
            StaticJson::Bool(b) => J::Bool(b),
            StaticJson::Int(i) => J::from(i),
            StaticJson::Uint(u) => J::from(u),
            StaticJson::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
            StaticJson::Str(s) => J::String(s.to_owned()),
            StaticJson::Array(items) => J::Array(items.iter().map(Doc::to_json).collect()),
            StaticJson::Object(members) => {
                J::Object(members.iter().map(|(k, v)| ((*k).to_owned(), v.to_json())).collect())
            }
        }
    }
    fn keep(text: &'static str) -> Cow<'static, str> {
        Cow::Borrowed(text)
    }
    fn get(self, key: &str) -> Option<Self> {
        match self {
            StaticJson::Object(members) => members.binary_search_by(|(k, _)| (*k).cmp(key)).ok().map(|i| &members[i].1),
            _ => None,
        }
    }
}

impl StaticJson {
    /// Rust source that builds `value` as a `StaticJson` constant (for the prepared catalog).
    pub fn source_of(value: &J) -> String {
        let mut out = String::new();
        write_source(value, &mut out);
        out
    }
}

fn write_source(value: &J, out: &mut String) {
    use std::fmt::Write;
    match value {
        J::Null => out.push_str("Null"),
        J::Bool(b) => write!(out, "Bool({b})").expect("writing to a String"),
        J::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => write!(out, "Int({i})"),
            (None, Some(u), _) => write!(out, "Uint({u})"),
            (None, None, Some(f)) => write!(out, "Float({f:?})"),
            (None, None, None) => unreachable!("a serde_json number is an i64, a u64 or an f64"),
        }
        .expect("writing to a String"),
        J::String(s) => write!(out, "Str({s:?})").expect("writing to a String"),
        J::Array(items) => {
            out.push_str("Array(&[");
            for item in items {
                write_source(item, out);
                out.push(',');
            }
            out.push_str("])");
        }
        J::Object(members) => {
            out.push_str("Object(&[");
            for (k, v) in members {
                write!(out, "({k:?},").expect("writing to a String");
                write_source(v, out);
                out.push_str("),");
            }
            out.push_str("])");
        }
    }
}
