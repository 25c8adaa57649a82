//! JSON Schema (the subset kzrender's own schemas and Kubernetes' `openAPIV3Schema` use),
//! compiled once and checked directly against positioned [`Node`](crate::value::Node) trees so
//! that every finding points at the file, line and column that set the value.
//!
//! Supported: `type` (one or a list), `enum`, `const`, `pattern`, `minLength`, `maxLength`,
//! `minimum`, `maximum`, `minItems`, `maxItems`, `properties`, `required`, `additionalProperties`,
//! `items`, `anyOf`, `oneOf`, `allOf`, local `$ref`s, OpenAPI's `nullable` and the
//! `x-kubernetes-preserve-unknown-fields` / `x-kubernetes-int-or-string` extensions, and
//! `x-message` (ours: the message for a failed `pattern`). Annotations (`description`, `default`,
//! `format`, ...) are kept for docs or ignored.

mod check;
pub mod kube;

use std::collections::BTreeMap;

use regex_lite::Regex;
use serde_json::Value as J;

pub use check::validate;

/// A JSON type name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    /// `null`
    Null,
    /// `boolean`
    Boolean,
    /// `integer`
    Integer,
    /// `number` (integers included)
    Number,
    /// `string`
    String,
    /// `array`
    Array,
    /// `object`
    Object,
}

impl Type {
    fn parse(s: &str) -> Option<Type> {
        Some(match s {
            "null" => Type::Null,
            "boolean" => Type::Boolean,
            "integer" => Type::Integer,
            "number" => Type::Number,
            "string" => Type::String,
            "array" => Type::Array,
            "object" => Type::Object,
            _ => return None,
        })
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Type::Null => "null",
            Type::Boolean => "boolean",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::String => "string",
            Type::Array => "list",
            Type::Object => "map",
        }
    }
}

/// A `pattern` keyword.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The regular expression as written.
    pub source: String,
    /// The message for a value that does not match (`x-message`).
    pub message: Option<String>,
    compiled: std::sync::OnceLock<Result<Regex, String>>,
}

impl Pattern {
    fn new(source: &str, message: Option<String>) -> Pattern {
        Pattern { source: source.to_owned(), message, compiled: std::sync::OnceLock::new() }
    }

    /// Whether `text` matches; `Err` when the pattern itself is not a valid regular expression.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        let re = self.compiled.get_or_init(|| intern(&self.source));
        re.as_ref().map(|re| re.is_match(text)).map_err(Clone::clone)
    }
}

/// One compiled regex per distinct pattern per process: the same pattern (an IAM role ARN, a
/// DNS label) recurs across components, and compiling is the expensive part.
fn intern(source: &str) -> Result<Regex, String> {
    static CACHE: std::sync::Mutex<BTreeMap<String, Result<Regex, String>>> = std::sync::Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(source.to_owned())
        .or_insert_with(|| Regex::new(source).map_err(|e| format!("invalid pattern `{source}`: {e}")))
        .clone()
}

/// What keys beyond `properties` may hold.
#[derive(Clone, Debug, Default)]
pub enum Additional {
    /// Anything (JSON Schema's default).
    #[default]
    Any,
    /// Nothing: unknown keys are errors.
    Deny,
    /// Values of this schema.
    Schema(Box<Schema>),
}

/// A compiled schema.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    /// Allowed types; empty means any.
    pub types: Vec<Type>,
    /// Allowed values.
    pub enumeration: Option<Vec<J>>,
    /// `pattern`, compiled on first use (most patterns never meet a value), with the optional
    /// `x-message`.
    pub pattern: Option<Pattern>,
    /// Length bounds of strings.
    pub length: (Option<usize>, Option<usize>),
    /// Bounds of numbers.
    pub range: (Option<f64>, Option<f64>),
    /// Bounds of list sizes.
    pub items_count: (Option<usize>, Option<usize>),
    /// Known keys of a map.
    pub properties: BTreeMap<String, Schema>,
    /// Keys that must be present.
    pub required: Vec<String>,
    /// Keys beyond `properties`.
    pub additional: Additional,
    /// Schema of list items.
    pub items: Option<Box<Schema>>,
    /// `anyOf` (and `oneOf`, checked as "at least one": the forms KubeZero and CRDs use are disjoint).
    pub any_of: Vec<Schema>,
    /// `allOf`.
    pub all_of: Vec<Schema>,
    /// `nullable: true` or `x-kubernetes-preserve-unknown-fields` style leniency.
    pub nullable: bool,
    /// `x-kubernetes-preserve-unknown-fields`: any keys, any values below.
    pub preserve_unknown: bool,
}

/// How a schema document treats maps without `additionalProperties`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// JSON Schema: unknown keys are allowed unless `additionalProperties: false`.
    JsonSchema,
    /// Kubernetes structural schemas (CRDs): unknown keys are pruned by the API server, so a
    /// document carrying one would silently lose it; report it instead.
    Structural,
}

/// Compiles a schema document. Errors name the JSON pointer of the bad part.
pub fn compile(doc: &J, dialect: Dialect) -> Result<Schema, String> {
    Compiler { root: doc, dialect, depth: 0 }.schema(doc).map_err(|(at, msg)| format!("#{at}: {msg}"))
}

struct Compiler<'a> {
    root: &'a J,
    dialect: Dialect,
    depth: usize,
}

/// A compile error: the JSON pointer below the current node (built only on failure) and why.
type Failed = (String, String);

fn below(segment: &str) -> impl Fn(Failed) -> Failed + '_ {
    move |(at, msg)| (format!("/{segment}{at}"), msg)
}

impl Compiler<'_> {
    fn schema(&mut self, v: &J) -> Result<Schema, Failed> {
        let J::Object(m) = v else {
            return match v {
                J::Bool(true) => Ok(Schema::default()),
                _ => Err((String::new(), "a schema must be a map".into())),
            };
        };
        if let Some(r) = m.get("$ref").and_then(J::as_str) {
            let target = r
                .strip_prefix('#')
                .and_then(|p| self.root.pointer(p))
                .ok_or_else(|| (String::new(), format!("cannot resolve $ref `{r}`")))?;
            // Recursive schemas are cut off rather than unrolled forever: below, anything goes.
            if self.depth >= 16 {
                return Ok(Schema::default());
            }
            self.depth += 1;
            let out = self.schema(target);
            self.depth -= 1;
            return out;
        }
        let mut s = Schema::default();
        match m.get("type") {
            Some(J::String(t)) => s.types.extend(Type::parse(t)),
            Some(J::Array(ts)) => s.types.extend(ts.iter().filter_map(J::as_str).filter_map(Type::parse)),
            _ => {}
        }
        s.enumeration =
            m.get("enum").and_then(J::as_array).cloned().or_else(|| m.get("const").map(|c| vec![c.clone()]));
        if let Some(p) = m.get("pattern").and_then(J::as_str) {
            s.pattern = Some(Pattern::new(p, m.get("x-message").and_then(J::as_str).map(str::to_owned)));
        }
        let uint = |k: &str| m.get(k).and_then(J::as_u64).map(|n| n as usize);
        s.length = (uint("minLength"), uint("maxLength"));
        s.items_count = (uint("minItems"), uint("maxItems"));
        s.range = (m.get("minimum").and_then(J::as_f64), m.get("maximum").and_then(J::as_f64));
        if let Some(J::Object(props)) = m.get("properties") {
            for (k, v) in props {
                let sub = self.schema(v).map_err(below(k)).map_err(below("properties"))?;
                s.properties.insert(k.clone(), sub);
            }
        }
        s.required = m
            .get("required")
            .and_then(J::as_array)
            .map(|r| r.iter().filter_map(J::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        s.preserve_unknown = m.get("x-kubernetes-preserve-unknown-fields") == Some(&J::Bool(true));
        s.additional = match m.get("additionalProperties") {
            Some(J::Bool(false)) => Additional::Deny,
            Some(J::Bool(true)) => Additional::Any,
            Some(v @ J::Object(_)) => {
                Additional::Schema(Box::new(self.schema(v).map_err(below("additionalProperties"))?))
            }
            _ if self.dialect == Dialect::Structural && !s.properties.is_empty() && !s.preserve_unknown => {
                Additional::Deny
            }
            _ => Additional::Any,
        };
        if let Some(items) = m.get("items") {
            s.items = Some(Box::new(self.schema(items).map_err(below("items"))?));
        }
        for key in ["anyOf", "oneOf"] {
            for (i, v) in m.get(key).and_then(J::as_array).into_iter().flatten().enumerate() {
                s.any_of.push(self.schema(v).map_err(below(&i.to_string())).map_err(below(key))?);
            }
        }
        for (i, v) in m.get("allOf").and_then(J::as_array).into_iter().flatten().enumerate() {
            s.all_of.push(self.schema(v).map_err(below(&i.to_string())).map_err(below("allOf"))?);
        }
        if m.get("x-kubernetes-int-or-string") == Some(&J::Bool(true)) {
            s.types = vec![Type::Integer, Type::String];
        }
        s.nullable = m.get("nullable") == Some(&J::Bool(true));
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compile_errors_name_the_json_pointer() {
        let doc = serde_json::json!({"properties": {"a": {"items": 3}}});
        assert_eq!(compile(&doc, Dialect::JsonSchema).unwrap_err(), "#/properties/a/items: a schema must be a map");
    }
}
