//! Compiling a schema of the catalog (JSON Schema 2020-12) for the own engine: every sub-schema
//! once, into an arena, so a `$ref` — recursive ones included — is an index, not an unrolling.
//! A keyword the engine does not implement is refused here, by name, never ignored.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use serde_json::Value as J;

use super::doc::{Doc, PreparedSchema};
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

/// One compiled sub-schema; other sub-schemas are indices into [`Schema::subs`]. The keywords
/// nearly every sub-schema uses are fields; the rest wait in [`More`], allocated only by the
/// sub-schemas that use one (a schema arena is a few hundred of these, built on every run).
#[derive(Clone, Debug, Default)]
pub(crate) struct Sub {
    /// `true`/`false` schemas.
    pub(crate) always: Option<bool>,
    pub(crate) types: Box<[&'static str]>,
    pub(crate) reference: Option<usize>,
    pub(crate) items: Option<usize>,
    pub(crate) pattern: Option<Box<Pattern>>,
    /// Sorted by name.
    pub(crate) properties: Box<[(Cow<'static, str>, usize)]>,
    pub(crate) additional: Additional,
    pub(crate) required: Box<[Cow<'static, str>]>,
    more: Option<Box<More>>,
}

/// The keywords few sub-schemas use.
#[derive(Clone, Debug, Default)]
pub(crate) struct More {
    pub(crate) enumeration: Option<Vec<J>>,
    pub(crate) constant: Option<J>,
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
    pub(crate) contains: Option<usize>,
    pub(crate) pattern_properties: Vec<(Pattern, usize)>,
    pub(crate) property_names: Option<usize>,
    pub(crate) dependent_required: BTreeMap<String, Vec<Cow<'static, str>>>,
    pub(crate) min_properties: Option<u64>,
    pub(crate) max_properties: Option<u64>,
    pub(crate) all_of: Vec<usize>,
    pub(crate) any_of: Vec<usize>,
    pub(crate) one_of: Vec<usize>,
    pub(crate) not: Option<usize>,
    pub(crate) condition: Option<(usize, Option<usize>, Option<usize>)>,
}

/// What a sub-schema without any of the rarer keywords has of them.
static NONE: More = More {
    enumeration: None,
    constant: None,
    min_length: None,
    max_length: None,
    minimum: None,
    maximum: None,
    exclusive_minimum: None,
    exclusive_maximum: None,
    multiple_of: None,
    min_items: None,
    max_items: None,
    unique_items: false,
    prefix_items: Vec::new(),
    contains: None,
    pattern_properties: Vec::new(),
    property_names: None,
    dependent_required: BTreeMap::new(),
    min_properties: None,
    max_properties: None,
    all_of: Vec::new(),
    any_of: Vec::new(),
    one_of: Vec::new(),
    not: None,
    condition: None,
};

impl Sub {
    /// The sub-schema of property `name`, if the schema names it.
    pub(crate) fn property(&self, name: &str) -> Option<usize> {
        let found = self.properties.binary_search_by(|(k, _)| (**k).cmp(name));
        found.ok().map(|i| self.properties[i].1)
    }

    /// The rarer keywords (all absent for most sub-schemas).
    pub(crate) fn more(&self) -> &More {
        self.more.as_deref().unwrap_or(&NONE)
    }

    fn more_mut(&mut self) -> &mut More {
        self.more.get_or_insert_with(Box::default)
    }
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
pub fn compile<'a, D: Doc<'a>>(doc: D) -> Result<Schema, String> {
    let mut targets = HashMap::new();
    let maps = references(doc, &mut targets);
    compile_with(doc, targets, maps)
}

/// Compiles a schema read ahead of time, whose `$ref` targets and size were found then.
pub fn compile_prepared(prepared: &'static PreparedSchema) -> Result<Schema, String> {
    let targets = prepared.references.iter().map(|r| ((*r).to_owned(), None)).collect();
    compile_with(&prepared.doc, targets, prepared.maps)
}

/// The `$ref` targets (decoded JSON pointers) of a schema document and how many maps it holds:
/// what [`PreparedSchema`] records.
pub(crate) fn analyse(doc: &J) -> (Vec<String>, usize) {
    let mut targets = HashMap::new();
    let maps = references(doc, &mut targets);
    let mut targets: Vec<String> = targets.into_keys().collect();
    targets.sort();
    (targets, maps)
}

fn compile_with<'a, D: Doc<'a>>(
    doc: D,
    targets: HashMap<String, Option<usize>>,
    maps: usize,
) -> Result<Schema, String> {
    if let Some(draft) = doc.get("$schema").and_then(D::as_str) {
        if draft.trim_end_matches('#') != DRAFT {
            return Err(format!("#: kzrender's own schemas are JSON Schema 2020-12, not `{draft}`"));
        }
    }
    // Every sub-schema is a map or a boolean; counting the maps sizes the arena once.
    let mut c = Compiler { root: doc, subs: Vec::with_capacity(maps + 1), targets, at: String::new() };
    c.sub_at(doc).map_err(|(at, msg)| format!("#{at}: {msg}"))?;
    Ok(Schema { subs: c.subs })
}

/// Every place a `$ref` names (as a decoded JSON pointer), each to be compiled once: a recursive
/// reference becomes an index, not an unrolling. Returns how many maps the document holds.
fn references<'a, D: Doc<'a>>(v: D, targets: &mut HashMap<String, Option<usize>>) -> usize {
    if let Some(members) = v.entries() {
        if let Some(target) = v.get("$ref").and_then(D::as_str).and_then(|r| r.strip_prefix('#')) {
            targets.insert(percent_decode(target), None);
        }
        1 + members.map(|(_, v)| references(v, targets)).sum::<usize>()
    } else if let Some(items) = v.elements() {
        items.map(|v| references(v, targets)).sum()
    } else {
        0
    }
}

struct Compiler<D> {
    root: D,
    subs: Vec<Sub>,
    /// The places `$ref`s name, with their sub-schema once compiled.
    targets: HashMap<String, Option<usize>>,
    /// The JSON pointer of the value being compiled: one buffer, extended and cut back while
    /// descending, so no place costs an allocation unless it is an error or a `$ref` target.
    at: String,
}

type Failed = (String, String);

impl<'a, D: Doc<'a>> Compiler<D> {
    fn fail<T>(&self, msg: impl Into<String>) -> Result<T, Failed> {
        Err((self.at.clone(), msg.into()))
    }

    /// Runs `f` one step down the document, at the child named `token`.
    fn within<T>(&mut self, token: &str, f: impl FnOnce(&mut Self) -> Result<T, Failed>) -> Result<T, Failed> {
        let len = self.at.len();
        self.at.push('/');
        if token.contains(['~', '/']) {
            self.at.push_str(&token.replace('~', "~0").replace('/', "~1"));
        } else {
            self.at.push_str(token);
        }
        let out = f(self);
        self.at.truncate(len);
        out
    }

    /// The sub-schema `value`, found at the current place, compiled once.
    fn sub_at(&mut self, value: D) -> Result<usize, Failed> {
        let target = self.targets.get(self.at.as_str()).copied();
        if let Some(Some(index)) = target {
            return Ok(index);
        }
        let index = self.subs.len();
        self.subs.push(Sub::default());
        if target.is_some() {
            self.targets.insert(self.at.clone(), Some(index));
        }
        self.subs[index] = self.build(value)?;
        Ok(index)
    }

    /// The sub-schema at `key` of the current place.
    fn child(&mut self, key: &str, value: D) -> Result<usize, Failed> {
        self.within(key, |c| c.sub_at(value))
    }

    fn build(&mut self, value: D) -> Result<Sub, Failed> {
        if let Some(b) = value.as_bool() {
            return Ok(Sub { always: Some(b), ..Sub::default() });
        }
        let Some(members) = value.entries() else { return self.fail("a schema must be a map or a boolean") };
        let mut s = Sub::default();
        for (key, v) in members {
            if key.starts_with("x-") || ANNOTATIONS.contains(&key) || key == "then" || key == "else" {
                continue;
            }
            if key == "if" {
                let branch = |c: &mut Self, k: &str| value.get(k).map(|b| c.child(k, b)).transpose();
                let (then, other) = (branch(self, "then")?, branch(self, "else")?);
                s.more_mut().condition = Some((self.child("if", v)?, then, other));
                continue;
            }
            self.within(key, |c| c.keyword(&mut s, key, v, value))?;
        }
        Ok(s)
    }

    /// Compiles keyword `key` with value `v` of the schema map `m` into `s`.
    fn keyword(&mut self, s: &mut Sub, key: &str, v: D, m: D) -> Result<(), Failed> {
        let count = |c: &Self, v: D| v.as_u64().map_or_else(|| c.fail("expected a non-negative integer"), Ok);
        let number = |c: &Self, v: D| if v.is_number() { Ok(v.to_json()) } else { c.fail("expected a number") };
        match key {
            "type" => {
                let names: Vec<&str> = match (v.as_str(), v.elements()) {
                    (Some(t), _) => vec![t],
                    (None, Some(ts)) => ts.map(|t| t.as_str().unwrap_or("?")).collect(),
                    (None, None) => return self.fail("expected a type name or a list of them"),
                };
                let known = |t: &str| TYPES.iter().find(|known| **known == t).copied();
                if let Some(bad) = names.iter().find(|t| known(t).is_none()) {
                    return self.fail(format!("`{bad}` is not a JSON Schema type"));
                }
                s.types = names.into_iter().filter_map(known).collect();
            }
            "enum" => {
                let list = v.elements().map_or_else(|| self.fail("expected a list"), Ok)?;
                s.more_mut().enumeration = Some(list.map(D::to_json).collect());
            }
            "const" => s.more_mut().constant = Some(v.to_json()),
            "pattern" => {
                let source = v.as_str().map_or_else(|| self.fail("expected a string"), Ok)?;
                s.pattern =
                    Some(Box::new(Pattern::new(D::keep(source), m.get("x-message").and_then(D::as_str).map(D::keep))));
            }
            "minLength" => s.more_mut().min_length = Some(count(self, v)?),
            "maxLength" => s.more_mut().max_length = Some(count(self, v)?),
            "minimum" => s.more_mut().minimum = Some(number(self, v)?),
            "maximum" => s.more_mut().maximum = Some(number(self, v)?),
            "exclusiveMinimum" => s.more_mut().exclusive_minimum = Some(number(self, v)?),
            "exclusiveMaximum" => s.more_mut().exclusive_maximum = Some(number(self, v)?),
            "multipleOf" => {
                let m = v.as_f64().filter(|m| *m > 0.0);
                s.more_mut().multiple_of = Some(m.map_or_else(|| self.fail("expected a positive number"), Ok)?);
            }
            "minItems" => s.more_mut().min_items = Some(count(self, v)?),
            "maxItems" => s.more_mut().max_items = Some(count(self, v)?),
            "uniqueItems" => {
                s.more_mut().unique_items = v.as_bool().map_or_else(|| self.fail("expected a boolean"), Ok)?
            }
            "minProperties" => s.more_mut().min_properties = Some(count(self, v)?),
            "maxProperties" => s.more_mut().max_properties = Some(count(self, v)?),
            "required" => s.required = self.strings(v)?.into(),
            "dependentRequired" => {
                let deps = v.entries().map_or_else(|| self.fail("expected a map"), Ok)?;
                for (k, names) in deps {
                    let names = self.strings(names)?;
                    s.more_mut().dependent_required.insert(k.to_owned(), names);
                }
            }
            "items" if v.is_array() => return self.fail("a list of item schemas is draft-07; write prefixItems"),
            "items" => s.items = Some(self.sub_at(v)?),
            "prefixItems" => s.more_mut().prefix_items = self.list(v)?,
            "contains" => s.more_mut().contains = Some(self.sub_at(v)?),
            "properties" => {
                let props = v.entries().map_or_else(|| self.fail("expected a map"), Ok)?;
                let mut properties = Vec::new();
                for (k, sub) in props {
                    properties.push((D::keep(k), self.child(k, sub)?));
                }
                properties.sort_by(|a, b| a.0.cmp(&b.0));
                s.properties = properties.into();
            }
            "patternProperties" => {
                let props = v.entries().map_or_else(|| self.fail("expected a map"), Ok)?;
                for (k, sub) in props {
                    let sub = self.child(k, sub)?;
                    s.more_mut().pattern_properties.push((Pattern::new(D::keep(k), None), sub));
                }
            }
            "additionalProperties" => s.additional = Additional::Schema(self.sub_at(v)?),
            "propertyNames" => s.more_mut().property_names = Some(self.sub_at(v)?),
            "allOf" => s.more_mut().all_of = self.list(v)?,
            "anyOf" => s.more_mut().any_of = self.list(v)?,
            "oneOf" => s.more_mut().one_of = self.list(v)?,
            "not" => s.more_mut().not = Some(self.sub_at(v)?),
            "$ref" => {
                let target = v.as_str().and_then(|r| r.strip_prefix('#'));
                let target = target.map_or_else(|| self.fail("only local references (`#/...`) are supported"), Ok)?;
                s.reference = Some(self.reference(&percent_decode(target))?);
            }
            other => return self.fail(format!("`{other}` is not supported by kzrender's own schema engine")),
        }
        Ok(())
    }

    /// The sub-schema a `$ref` names, compiled once: `self.at` becomes the target while it is
    /// compiled, so its own references and errors are named from there.
    fn reference(&mut self, target: &str) -> Result<usize, Failed> {
        if let Some(Some(index)) = self.targets.get(target) {
            return Ok(*index);
        }
        let value = self
            .root
            .pointer(target)
            .map_or_else(|| Err((target.to_owned(), "no such place in the schema".into())), Ok)?;
        let back = std::mem::replace(&mut self.at, target.to_owned());
        let out = self.sub_at(value);
        self.at = back;
        out
    }

    fn list(&mut self, v: D) -> Result<Vec<usize>, Failed> {
        let items = v.elements().map_or_else(|| self.fail("expected a list of schemas"), Ok)?;
        items.enumerate().map(|(i, item)| self.child(&i.to_string(), item)).collect()
    }

    fn strings(&self, v: D) -> Result<Vec<Cow<'static, str>>, Failed> {
        let items = v.elements().map_or_else(|| self.fail("expected a list of names"), Ok)?;
        let name = |s: D| s.as_str().map(D::keep).map_or_else(|| self.fail("expected names"), Ok);
        items.map(name).collect()
    }
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
