//! Checking a positioned tree against a compiled [`Schema`], collecting every finding.

use super::{Additional, Schema, Type};
use std::borrow::Cow;

use crate::diag::{Diagnostic, Kind};
use crate::redact::{is_secret_key, REDACTED};
use crate::value::{Node, Value};

/// A path as a dotted key (`a.b[0].c`).
fn dotted(path: &[Cow<'_, str>]) -> String {
    let mut out = String::new();
    for seg in path {
        if !seg.starts_with('[') && !out.is_empty() {
            out.push('.');
        }
        if seg.starts_with('[') {
            out.push_str(seg);
        } else {
            out.push_str(&seg.replace('.', "\\."));
        }
    }
    out
}

/// Checks `node` (found at `path`) against `schema`; findings are appended to `errors`.
/// `path` borrows the keys from `node`, so walking a tree allocates nothing until a finding.
pub fn validate<'n>(schema: &Schema, node: &'n Node, path: &mut Vec<Cow<'n, str>>, errors: &mut Vec<Diagnostic>) {
    let mut err =
        |msg: String| errors.push(Diagnostic::new(Kind::Invalid, Some(node.origin.clone()), dotted(path), msg));
    if node.value == Value::Null && schema.nullable {
        return;
    }
    if !schema.types.is_empty() && !schema.types.iter().any(|t| is_type(&node.value, *t)) {
        let want: Vec<&str> = schema.types.iter().map(|t| t.name()).collect();
        err(format!("expected {}, got {}", want.join(" or "), shown(node, path)));
        return;
    }
    if let Some(allowed) = &schema.enumeration {
        let json = node.to_json();
        if !allowed.contains(&json) {
            let names: Vec<String> =
                allowed.iter().map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned)).collect();
            err(format!("must be one of {}, got {}", names.join(", "), shown(node, path)));
        }
    }
    match &node.value {
        Value::Str(s) => {
            if let Some(p) = &schema.pattern {
                match p.is_match(s) {
                    Ok(true) => {}
                    Ok(false) => err(match &p.message {
                        Some(m) => format!("{m}, got {}", shown(node, path)),
                        None => format!("{} does not match `{}`", shown(node, path), p.source),
                    }),
                    Err(e) => err(format!("the schema is broken: {e}")),
                }
            }
            let len = s.chars().count();
            if schema.length.0.is_some_and(|min| len < min) {
                err(if len == 0 {
                    "must not be empty".into()
                } else {
                    format!("must be at least {} characters long", schema.length.0.unwrap_or(0))
                });
            }
            if let Some(max) = schema.length.1.filter(|max| len > *max) {
                err(format!("must be at most {max} characters long"));
            }
        }
        Value::Int(_) | Value::Float(_) => {
            let n = match node.value {
                Value::Int(i) => i as f64,
                Value::Float(f) => f,
                _ => unreachable!(),
            };
            if let Some(min) = schema.range.0.filter(|min| n < *min) {
                err(format!("must be at least {min}, got {}", shown(node, path)));
            }
            if let Some(max) = schema.range.1.filter(|max| n > *max) {
                err(format!("must be at most {max}, got {}", shown(node, path)));
            }
        }
        Value::Seq(items) => {
            if let Some(min) = schema.items_count.0.filter(|min| items.len() < *min) {
                err(format!("needs at least {min} item{}", if min == 1 { "" } else { "s" }));
            }
            if let Some(max) = schema.items_count.1.filter(|max| items.len() > *max) {
                err(format!("takes at most {max} items"));
            }
            if let Some(item_schema) = &schema.items {
                for (i, item) in items.iter().enumerate() {
                    path.push(Cow::Owned(format!("[{i}]")));
                    validate(item_schema, item, path, errors);
                    path.pop();
                }
            }
        }
        Value::Map(m) => {
            for key in schema.required.iter().filter(|k| !m.contains_key(*k)) {
                let mut at = path.clone();
                at.push(Cow::Borrowed(key));
                errors.push(Diagnostic::new(
                    Kind::Required,
                    Some(node.origin.clone()),
                    dotted(&at),
                    "is required but not set",
                ));
            }
            if schema.preserve_unknown && schema.properties.is_empty() {
                return;
            }
            for (k, v) in m {
                path.push(Cow::Borrowed(k));
                let sub = schema.properties.get(k).or(match &schema.additional {
                    Additional::Schema(s) => Some(&**s),
                    _ => None,
                });
                match (sub, &schema.additional) {
                    (Some(s), _) => validate(s, v, path, errors),
                    (None, Additional::Deny) if !schema.preserve_unknown => {
                        let msg = unknown_key(k, schema);
                        errors.push(Diagnostic::new(Kind::UnknownKey, Some(v.origin.clone()), dotted(path), msg));
                    }
                    _ => {}
                }
                path.pop();
            }
        }
        _ => {}
    }
    for sub in &schema.all_of {
        validate(sub, node, path, errors);
    }
    if !schema.any_of.is_empty() {
        let fits = schema.any_of.iter().any(|sub| {
            let mut scratch = Vec::new();
            validate(sub, node, &mut path.clone(), &mut scratch);
            scratch.is_empty()
        });
        if !fits {
            errors.push(Diagnostic::new(
                Kind::Invalid,
                Some(node.origin.clone()),
                dotted(path),
                format!("{} matches none of the allowed forms", shown(node, path)),
            ));
        }
    }
}

fn is_type(v: &Value, t: Type) -> bool {
    matches!(
        (v, t),
        (Value::Null, Type::Null)
            | (Value::Bool(_), Type::Boolean)
            | (Value::Int(_), Type::Integer | Type::Number)
            | (Value::Float(_), Type::Number)
            | (Value::Str(_), Type::String)
            | (Value::Seq(_), Type::Array)
            | (Value::Map(_), Type::Object)
    )
}

/// A value as shown in a message: its type and a short rendering, secrets redacted.
fn shown(node: &Node, path: &[Cow<'_, str>]) -> String {
    let secret = path.iter().any(|seg| is_secret_key(seg));
    let json = node.to_json();
    match (&node.value, secret) {
        (Value::Map(_) | Value::Seq(_) | Value::Null, _) => node.type_name().to_owned(),
        (_, true) => format!("{} {REDACTED}", node.type_name()),
        _ => {
            let text = json.to_string();
            let text = if text.chars().count() > 60 {
                format!("{}…", text.chars().take(60).collect::<String>())
            } else {
                text
            };
            format!("{} {text}", node.type_name())
        }
    }
}

/// "unknown key" with the closest known key, if one is close.
fn unknown_key(key: &str, schema: &Schema) -> String {
    let best = schema.properties.keys().map(|k| (distance(&key.to_lowercase(), &k.to_lowercase()), k)).min();
    match best {
        Some((d, k)) if d <= 2.max(key.len() / 4) => format!("unknown key; did you mean `{k}`?"),
        _ => {
            let known: Vec<&str> = schema.properties.keys().map(String::as_str).collect();
            format!("unknown key; known keys: {}", known.join(", "))
        }
    }
}

/// Levenshtein distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::super::{compile, Dialect};
    use super::*;
    use crate::yaml::{parse_stream, Source};
    use std::sync::Arc;

    fn check(schema: &str, doc: &str) -> Vec<String> {
        let parse = |name: &str, text: &str| {
            let src = Source { name: Arc::from(name), text: text.to_owned() };
            parse_stream(&src, &mut Vec::new()).unwrap().remove(0)
        };
        let schema = compile(&parse("s", schema).to_json(), Dialect::JsonSchema).unwrap();
        let mut errors = Vec::new();
        validate(&schema, &parse("v.yaml", doc), &mut Vec::new(), &mut errors);
        crate::diag::tidy(&mut errors);
        errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn type_errors_point_at_the_value() {
        let s = "type: object\nproperties:\n  calico:\n    type: object\n    properties:\n      mtu: {type: integer}\n";
        assert_eq!(
            check(s, "calico:\n  mtu: big\n"),
            ["error: v.yaml:2:8: calico.mtu: expected integer, got string \"big\""]
        );
    }

    #[test]
    fn unknown_keys_suggest_the_closest_known_key() {
        let s = "type: object\nadditionalProperties: false\nproperties:\n  cert-manager: {}\n  calico: {}\n";
        assert_eq!(
            check(s, "cert-manger: {}\n"),
            ["error: v.yaml:1:1: cert-manger: unknown key; did you mean `cert-manager`?"]
        );
        assert_eq!(check(s, "zzz: 1\n"), ["error: v.yaml:1:6: zzz: unknown key; known keys: calico, cert-manager"]);
    }

    #[test]
    fn required_enum_pattern_and_bounds() {
        let s = "type: object\nrequired: [name]\nproperties:\n  p: {enum: [aws, gke]}\n  arn: {type: string, pattern: '^arn:', x-message: expected an ARN}\n  n: {type: integer, minimum: 1}\n";
        assert_eq!(
            check(s, "p: azure\narn: role/x\nn: 0\n"),
            [
                "error: v.yaml:1:1: name: is required but not set",
                "error: v.yaml:1:4: p: must be one of aws, gke, got string \"azure\"",
                "error: v.yaml:2:6: arn: expected an ARN, got string \"role/x\"",
                "error: v.yaml:3:4: n: must be at least 1, got integer 0",
            ]
        );
    }

    #[test]
    fn secrets_never_appear_in_messages() {
        let s = "properties:\n  elastic_password: {type: integer}\n";
        assert_eq!(
            check(s, "elastic_password: hunter2\n"),
            ["error: v.yaml:1:19: elastic_password: expected integer, got string <redacted>"]
        );
    }

    #[test]
    fn any_of_accepts_either_form() {
        let s = "properties:\n  port: {anyOf: [{type: integer}, {type: string}]}\n";
        assert!(check(s, "port: 80\n").is_empty());
        assert!(check(s, "port: http\n").is_empty());
        assert_eq!(check(s, "port: [1]\n"), ["error: v.yaml:1:1: port: list matches none of the allowed forms"]);
    }
}
