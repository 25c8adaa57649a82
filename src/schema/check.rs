//! Checking a positioned tree against a compiled own-engine [`Schema`], collecting every
//! violation with its path. Cost follows the document: a `$ref` is followed where the document
//! goes, never unrolled.

use std::cell::RefCell;

use serde_json::Value as J;

use super::compile::{Additional, Schema, Sub};
use super::message::Violation;
use crate::value::{KeyBuffers, KeyPath, Node, Seg, Value};

/// `$ref`s followed at one place of the document before the schema counts as looping.
const MAX_HOPS: usize = 64;

/// Every violation of `node` (found at `path`) against `schema`.
pub fn violations(schema: &Schema, node: &Node, path: &mut KeyPath) -> Vec<(KeyPath, Violation)> {
    let mut out = Vec::new();
    Checker { schema, spare: RefCell::default() }.check(0, node, path, 0, &mut out);
    out
}

struct Checker<'s> {
    schema: &'s Schema,
    /// Buffers for the keys pushed onto the path while descending.
    spare: RefCell<KeyBuffers>,
}

type Found = Vec<(KeyPath, Violation)>;

impl Checker<'_> {
    fn fits(&self, sub: usize, node: &Node, path: &mut KeyPath, hops: usize) -> bool {
        let mut scratch = Vec::new();
        self.check(sub, node, path, hops, &mut scratch);
        scratch.is_empty()
    }

    fn check(&self, index: usize, node: &Node, path: &mut KeyPath, hops: usize, out: &mut Found) {
        let s = &self.schema.subs[index];
        match s.always {
            Some(true) => return,
            Some(false) => return out.push((path.clone(), Violation::Forbidden)),
            None => {}
        }
        if let Some(r) = s.reference {
            if hops >= MAX_HOPS {
                return out.push((path.clone(), Violation::Loop));
            }
            self.check(r, node, path, hops + 1, out);
        }
        if !s.types.is_empty() && !s.types.iter().any(|t| is_type(&node.value, t)) {
            return out.push((path.clone(), Violation::Type(s.types.iter().map(|t| (*t).to_owned()).collect())));
        }
        // As JSON only where a keyword compares whole values: converting a map at every level
        // would copy the tree once per level.
        let more = s.more();
        if more.enumeration.is_some() || more.constant.is_some() {
            let json = node.to_json();
            if let Some(allowed) = more.enumeration.as_ref().filter(|a| !a.iter().any(|a| same(a, &json))) {
                out.push((path.clone(), Violation::Enum(allowed.clone())));
            }
            if let Some(c) = more.constant.as_ref().filter(|c| !same(c, &json)) {
                out.push((path.clone(), Violation::Const(c.clone())));
            }
        }
        match &node.value {
            Value::Str(text) => self.string(s, text, path, out),
            Value::Int(_) | Value::Float(_) => number(s, &node.to_json(), path, out),
            Value::Seq(items) => self.list(s, items, path, hops, out),
            Value::Map(_) => self.map(s, node, path, out),
            _ => {}
        }
        self.combinations(s, node, path, hops, out);
    }

    fn string(&self, s: &Sub, text: &str, path: &KeyPath, out: &mut Found) {
        let more = s.more();
        let len = text.chars().count() as u64;
        if more.min_length.is_some_and(|min| len < min) {
            out.push((path.clone(), Violation::MinLength(more.min_length.unwrap_or(0))));
        }
        if let Some(max) = more.max_length.filter(|max| len > *max) {
            out.push((path.clone(), Violation::MaxLength(max)));
        }
        if let Some(p) = &s.pattern {
            match p.is_match(text) {
                Ok(true) => {}
                Ok(false) => {
                    let v = Violation::Pattern {
                        pattern: p.source.to_string(),
                        message: p.message.as_deref().map(str::to_owned),
                    };
                    out.push((path.clone(), v));
                }
                Err(e) => out.push((path.clone(), Violation::Broken(e))),
            }
        }
    }

    fn list(&self, s: &Sub, items: &[Node], path: &mut KeyPath, hops: usize, out: &mut Found) {
        let more = s.more();
        let n = items.len() as u64;
        if let Some(min) = more.min_items.filter(|min| n < *min) {
            out.push((path.clone(), Violation::MinItems(min)));
        }
        if let Some(max) = more.max_items.filter(|max| n > *max) {
            out.push((path.clone(), Violation::MaxItems(max)));
        }
        if more.unique_items {
            let json: Vec<J> = items.iter().map(Node::to_json).collect();
            if json.iter().enumerate().any(|(i, a)| json[..i].iter().any(|b| same(a, b))) {
                out.push((path.clone(), Violation::UniqueItems));
            }
        }
        for (i, item) in items.iter().enumerate() {
            let sub = more.prefix_items.get(i).copied().or(if i >= more.prefix_items.len() { s.items } else { None });
            if let Some(sub) = sub {
                path.push(Seg::Index(i));
                self.check(sub, item, path, 0, out);
                path.pop();
            }
        }
        if let Some(c) = more.contains {
            let found = items.iter().enumerate().any(|(i, item)| {
                path.push(Seg::Index(i));
                let fits = self.fits(c, item, path, hops);
                path.pop();
                fits
            });
            if !found {
                out.push((path.clone(), Violation::Contains));
            }
        }
    }

    fn map(&self, s: &Sub, node: &Node, path: &mut KeyPath, out: &mut Found) {
        let more = s.more();
        let Value::Map(m) = &node.value else { return };
        let n = m.len() as u64;
        if let Some(min) = more.min_properties.filter(|min| n < *min) {
            out.push((path.clone(), Violation::MinProperties(min)));
        }
        if let Some(max) = more.max_properties.filter(|max| n > *max) {
            out.push((path.clone(), Violation::MaxProperties(max)));
        }
        let missing = |name: &str| !m.contains_key(name);
        let dependent = more.dependent_required.iter().filter(|(k, _)| m.contains_key(k)).flat_map(|(_, names)| names);
        for name in s.required.iter().chain(dependent).filter(|n| missing(n)) {
            out.push((path.join(Seg::Key(name.to_string())), Violation::Required));
        }
        for (k, v) in m {
            path.push_key(k, &mut self.spare.borrow_mut());
            if let Some(names) = more.property_names {
                let key = Node::new(Value::Str(k.clone()), v.origin.clone());
                if !self.fits(names, &key, path, 0) {
                    out.push((path.clone(), Violation::KeyName(k.clone())));
                }
            }
            let mut matched = false;
            if let Some(sub) = s.property(k) {
                matched = true;
                self.check(sub, v, path, 0, out);
            }
            for (p, sub) in &more.pattern_properties {
                if p.is_match(k).unwrap_or(false) {
                    matched = true;
                    self.check(*sub, v, path, 0, out);
                }
            }
            if let (false, Additional::Schema(sub)) = (matched, &s.additional) {
                if self.schema.subs[*sub].always == Some(false) {
                    out.push((
                        path.clone(),
                        Violation::Unknown { known: s.properties.iter().map(|(k, _)| k.to_string()).collect() },
                    ));
                } else {
                    self.check(*sub, v, path, 0, out);
                }
            }
            path.pop_key(&mut self.spare.borrow_mut());
        }
    }

    fn combinations(&self, s: &Sub, node: &Node, path: &mut KeyPath, hops: usize, out: &mut Found) {
        let more = s.more();
        for &sub in &more.all_of {
            self.check(sub, node, path, hops, out);
        }
        if !more.any_of.is_empty() && !more.any_of.iter().any(|&sub| self.fits(sub, node, path, hops)) {
            out.push((path.clone(), Violation::NoneOf));
        }
        if !more.one_of.is_empty() {
            match more.one_of.iter().filter(|&&sub| self.fits(sub, node, path, hops)).count() {
                0 => out.push((path.clone(), Violation::NoneOf)),
                1 => {}
                _ => out.push((path.clone(), Violation::SeveralOf)),
            }
        }
        if more.not.is_some_and(|sub| self.fits(sub, node, path, hops)) {
            out.push((path.clone(), Violation::Not));
        }
        if let Some((cond, then, other)) = more.condition {
            let branch = if self.fits(cond, node, path, hops) { then } else { other };
            if let Some(b) = branch {
                self.check(b, node, path, hops, out);
            }
        }
    }
}

fn number(s: &Sub, json: &J, path: &KeyPath, out: &mut Found) {
    let more = s.more();
    let x = json.as_f64().unwrap_or(f64::NAN);
    let bound = |limit: &Option<J>| limit.as_ref().and_then(|l| l.as_f64().map(|f| (l.clone(), f)));
    let mut push = |v| out.push((path.clone(), v));
    if let Some((limit, _)) = bound(&more.minimum).filter(|(_, m)| x < *m) {
        push(Violation::Minimum { limit, exclusive: false });
    }
    if let Some((limit, _)) = bound(&more.exclusive_minimum).filter(|(_, m)| x <= *m) {
        push(Violation::Minimum { limit, exclusive: true });
    }
    if let Some((limit, _)) = bound(&more.maximum).filter(|(_, m)| x > *m) {
        push(Violation::Maximum { limit, exclusive: false });
    }
    if let Some((limit, _)) = bound(&more.exclusive_maximum).filter(|(_, m)| x >= *m) {
        push(Violation::Maximum { limit, exclusive: true });
    }
    if let Some(m) = more.multiple_of {
        let q = x / m;
        if !q.is_finite() || q.trunc() != q {
            push(Violation::MultipleOf(m));
        }
    }
}

/// JSON Schema types: an integer is any number without a fraction (`2.0` too).
fn is_type(v: &Value, t: &str) -> bool {
    match (v, t) {
        (Value::Null, "null") | (Value::Bool(_), "boolean") | (Value::Str(_), "string") => true,
        (Value::Seq(_), "array") | (Value::Map(_), "object") => true,
        (Value::Int(_), "integer" | "number") => true,
        (Value::Float(f), "integer") => f.is_finite() && f.fract() == 0.0,
        (Value::Float(_), "number") => true,
        _ => false,
    }
}

/// JSON equality with numbers compared as numbers (`1` equals `1.0`).
fn same(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
