//! Compiling a schema of the catalog (JSON Schema 2020-12) for the own engine: every sub-schema
//! once, into an arena, so a `$ref` — recursive ones included — is an index, not an unrolling.
//! A keyword the engine does not implement is refused here, by name, never ignored.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value as J;

use super::pattern::Pattern;

/// What keys beyond `properties` and `patternProperties` may be.
#[derive(Clone, Debug, Default)]
pub(crate) enum Additional {
    /// Anything.
    #[default]
    Any,
    /// Values of this sub-schema.
    Schema(usize),
}

/// One compiled sub-schema; other sub-schemas are indices into [`Schema::subs`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Sub {
    /// `true`/`false` schemas.
    pub(crate) always: Option<bool>,
    pub(crate) types: Vec<String>,
    pub(crate) enumeration: Option<Vec<J>>,
    pub(crate) constant: Option<J>,
    pub(crate) pattern: Option<Pattern>,
    pub(crate) min_length: Option<u64>,
    pub(crate) max_length: Option<u64>,
    pub(crate) minimum: Option<J>,
    pub(crate) maximum: Option<J>,
    pub(crate) exclusive_minimum: Option<J>,
    pub(crate) exclusive_maximum: Option<J>,
    pub(crate) multiple_of: Option<f64>,
    pub(crate) min_items: Option<u64>,
    pub(crate) max_items: Option<u64>,
    pub(crate) unique_items: bool,
    pub(crate) prefix_items: Vec<usize>,
    pub(crate) items: Option<usize>,
    pub(crate) contains: Option<usize>,
    pub(crate) properties: BTreeMap<String, usize>,
    pub(crate) pattern_properties: Vec<(Pattern, usize)>,
    pub(crate) additional: Additional,
    pub(crate) property_names: Option<usize>,
    pub(crate) required: Vec<String>,
    pub(crate) dependent_required: BTreeMap<String, Vec<String>>,
    pub(crate) min_properties: Option<u64>,
    pub(crate) max_properties: Option<u64>,
    pub(crate) all_of: Vec<usize>,
    pub(crate) any_of: Vec<usize>,
    pub(crate) one_of: Vec<usize>,
    pub(crate) not: Option<usize>,
    pub(crate) condition: Option<(usize, Option<usize>, Option<usize>)>,
    pub(crate) reference: Option<usize>,
}

/// A compiled schema.
#[derive(Clone, Debug)]
pub struct Schema {
    /// Every sub-schema; the root is the first.
    pub(crate) subs: Vec<Sub>,
}

/// Keywords that only annotate (or only hold sub-schemas for `$ref`): accepted, not checked.
const ANNOTATIONS: [&str; 14] = [
    "$schema",
    "$id",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "contentMediaType",
];

const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";
const TYPES: [&str; 7] = ["null", "boolean", "integer", "number", "string", "array", "object"];

/// Compiles a schema document. Errors name the JSON pointer of the bad part.
pub fn compile(doc: &J) -> Result<Schema, String> {
    if let Some(draft) = doc.get("$schema").and_then(J::as_str) {
        if draft.trim_end_matches('#') != DRAFT {
            return Err(format!("#: kzrender's own schemas are JSON Schema 2020-12, not `{draft}`"));
        }
    }
    let mut c = Compiler { root: doc, subs: Vec::new(), by_pointer: HashMap::new() };
    c.sub("").map_err(|(at, msg)| format!("#{at}: {msg}"))?;
    Ok(Schema { subs: c.subs })
}

struct Compiler<'a> {
    root: &'a J,
    subs: Vec<Sub>,
    by_pointer: HashMap<String, usize>,
}

type Failed = (String, String);

fn fail<T>(at: &str, msg: impl Into<String>) -> Result<T, Failed> {
    Err((at.to_owned(), msg.into()))
}

impl Compiler<'_> {
    /// The sub-schema at a JSON pointer of the document, compiled once.
    fn sub(&mut self, pointer: &str) -> Result<usize, Failed> {
        if let Some(&i) = self.by_pointer.get(pointer) {
            return Ok(i);
        }
        let root = self.root;
        let value = root.pointer(pointer).ok_or_else(|| (pointer.to_owned(), "no such place in the schema".into()))?;
        self.sub_at(pointer, value)
    }

    /// The sub-schema `value`, found at `pointer` (no lookup from the root), compiled once.
    fn sub_at(&mut self, pointer: &str, value: &J) -> Result<usize, Failed> {
        if let Some(&i) = self.by_pointer.get(pointer) {
            return Ok(i);
        }
        let index = self.subs.len();
        self.subs.push(Sub::default());
        self.by_pointer.insert(pointer.to_owned(), index);
        self.subs[index] = self.build(value, pointer)?;
        Ok(index)
    }

    fn build(&mut self, value: &J, at: &str) -> Result<Sub, Failed> {
        let m = match value {
            J::Bool(b) => return Ok(Sub { always: Some(*b), ..Sub::default() }),
            J::Object(m) => m,
            _ => return fail(at, "a schema must be a map or a boolean"),
        };
        let mut s = Sub::default();
        for (key, v) in m {
            let here = format!("{at}/{}", escape(key));
            if key.starts_with("x-") || ANNOTATIONS.contains(&key.as_str()) {
                continue;
            }
            self.keyword(&mut s, key, v, &here, m)?;
        }
        Ok(s)
    }

    fn keyword(
        &mut self,
        s: &mut Sub,
        key: &str,
        v: &J,
        here: &str,
        m: &serde_json::Map<String, J>,
    ) -> Result<(), Failed> {
        let count = |v: &J| v.as_u64().ok_or_else(|| (here.to_owned(), "expected a non-negative integer".into()));
        let number = |v: &J| if v.is_number() { Ok(v.clone()) } else { fail(here, "expected a number") };
        match key {
            "type" => {
                let names: Vec<&str> = match v {
                    J::String(t) => vec![t],
                    J::Array(ts) => ts.iter().map(|t| t.as_str().unwrap_or("?")).collect(),
                    _ => return fail(here, "expected a type name or a list of them"),
                };
                if let Some(bad) = names.iter().find(|t| !TYPES.contains(t)) {
                    return fail(here, format!("`{bad}` is not a JSON Schema type"));
                }
                s.types = names.into_iter().map(str::to_owned).collect();
            }
            "enum" => {
                s.enumeration = Some(v.as_array().ok_or_else(|| (here.to_owned(), "expected a list".into()))?.clone())
            }
            "const" => s.constant = Some(v.clone()),
            "pattern" => {
                let source = v.as_str().ok_or_else(|| (here.to_owned(), "expected a string".into()))?;
                s.pattern = Some(Pattern::new(source, m.get("x-message").and_then(J::as_str)));
            }
            "minLength" => s.min_length = Some(count(v)?),
            "maxLength" => s.max_length = Some(count(v)?),
            "minimum" => s.minimum = Some(number(v)?),
            "maximum" => s.maximum = Some(number(v)?),
            "exclusiveMinimum" => s.exclusive_minimum = Some(number(v)?),
            "exclusiveMaximum" => s.exclusive_maximum = Some(number(v)?),
            "multipleOf" => {
                s.multiple_of = Some(
                    v.as_f64()
                        .filter(|m| *m > 0.0)
                        .ok_or_else(|| (here.to_owned(), "expected a positive number".into()))?,
                )
            }
            "minItems" => s.min_items = Some(count(v)?),
            "maxItems" => s.max_items = Some(count(v)?),
            "uniqueItems" => {
                s.unique_items = v.as_bool().ok_or_else(|| (here.to_owned(), "expected a boolean".into()))?
            }
            "minProperties" => s.min_properties = Some(count(v)?),
            "maxProperties" => s.max_properties = Some(count(v)?),
            "required" => s.required = strings(v, here)?,
            "dependentRequired" => {
                let deps = v.as_object().ok_or_else(|| (here.to_owned(), "expected a map".into()))?;
                for (k, names) in deps {
                    s.dependent_required.insert(k.clone(), strings(names, here)?);
                }
            }
            "items" if v.is_array() => return fail(here, "a list of item schemas is draft-07; write prefixItems"),
            "items" => s.items = Some(self.sub_at(here, v)?),
            "prefixItems" => s.prefix_items = self.list(v, here)?,
            "contains" => s.contains = Some(self.sub_at(here, v)?),
            "properties" => {
                let props = v.as_object().ok_or_else(|| (here.to_owned(), "expected a map".into()))?;
                for (k, sub) in props {
                    let at = format!("{here}/{}", escape(k));
                    s.properties.insert(k.clone(), self.sub_at(&at, sub)?);
                }
            }
            "patternProperties" => {
                let props = v.as_object().ok_or_else(|| (here.to_owned(), "expected a map".into()))?;
                for (k, sub) in props {
                    let at = format!("{here}/{}", escape(k));
                    s.pattern_properties.push((Pattern::new(k, None), self.sub_at(&at, sub)?));
                }
            }
            "additionalProperties" => s.additional = Additional::Schema(self.sub_at(here, v)?),
            "propertyNames" => s.property_names = Some(self.sub_at(here, v)?),
            "allOf" => s.all_of = self.list(v, here)?,
            "anyOf" => s.any_of = self.list(v, here)?,
            "oneOf" => s.one_of = self.list(v, here)?,
            "not" => s.not = Some(self.sub_at(here, v)?),
            "if" => {
                let parent = &here[..here.len() - "/if".len()];
                let mut branch = |k: &str| m.get(k).map(|b| self.sub_at(&format!("{parent}/{k}"), b)).transpose();
                let (then, other) = (branch("then")?, branch("else")?);
                s.condition = Some((self.sub_at(here, v)?, then, other));
            }
            "then" | "else" => {}
            "$ref" => {
                let target = v.as_str().and_then(|r| r.strip_prefix('#'));
                let target =
                    target.ok_or_else(|| (here.to_owned(), "only local references (`#/...`) are supported".into()))?;
                let target = percent_decode(target);
                s.reference = Some(self.sub(&target)?);
            }
            other => return fail(here, format!("`{other}` is not supported by kzrender's own schema engine")),
        }
        Ok(())
    }

    fn list(&mut self, v: &J, at: &str) -> Result<Vec<usize>, Failed> {
        let items = v.as_array().ok_or_else(|| (at.to_owned(), "expected a list of schemas".into()))?;
        items.iter().enumerate().map(|(i, item)| self.sub_at(&format!("{at}/{i}"), item)).collect()
    }
}

/// A key as a JSON pointer token (`~` → `~0`, `/` → `~1`), copied only when it must change.
fn escape(key: &str) -> std::borrow::Cow<'_, str> {
    if key.contains(['~', '/']) {
        key.replace('~', "~0").replace('/', "~1").into()
    } else {
        key.into()
    }
}

fn strings(v: &J, at: &str) -> Result<Vec<String>, Failed> {
    let items = v.as_array().ok_or_else(|| (at.to_owned(), "expected a list of names".into()))?;
    items
        .iter()
        .map(|s| s.as_str().map(str::to_owned).ok_or_else(|| (at.to_owned(), "expected names".into())))
        .collect()
}

/// A `$ref` fragment is a URI fragment: `%25` is `%`.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
