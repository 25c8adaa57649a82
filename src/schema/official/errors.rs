//! The `jsonschema` crate's errors as [`Violation`]s at places of the positioned document, so
//! official schemas speak like the catalog's own: located, with known keys for an unknown one.

use jsonschema::error::{TypeKind, ValidationErrorKind as E};
use jsonschema::paths::LocationSegment;
use jsonschema::ValidationError;
use serde_json::Value as J;

use super::Compiled;
use crate::diag::Diagnostic;
use crate::schema::message::{self, path_in, Violation};
use crate::value::{KeyPath, Node, Seg};

/// Every finding of a compiled schema on a document.
pub fn diagnostics(c: &Compiled, doc: &Node) -> Vec<Diagnostic> {
    let json = doc.to_json();
    let mut out = Vec::new();
    for e in c.validator.iter_errors(&json) {
        let segs = e.instance_path().segments().map(|s| match s {
            LocationSegment::Property(p) => p.into_owned(),
            LocationSegment::Index(i) => i.to_string(),
        });
        let path = path_in(doc, segs);
        for (path, v) in violations(c, &e, path) {
            out.push(message::diagnostic(&v, doc, &path));
        }
    }
    out
}

fn violations(c: &Compiled, e: &ValidationError<'_>, path: KeyPath) -> Vec<(KeyPath, Violation)> {
    let one = |v| vec![(path.clone(), v)];
    match e.kind() {
        E::Type { kind } => one(Violation::Type(match kind {
            TypeKind::Single(t) => vec![t.to_string()],
            TypeKind::Multiple(ts) => ts.iter().map(|t| t.to_string()).collect(),
        })),
        E::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), str::to_owned);
            vec![(path.join(Seg::Key(name)), Violation::Required)]
        }
        E::AdditionalProperties { unexpected } | E::UnevaluatedProperties { unexpected } => {
            let known = known_keys(c, e);
            unexpected
                .iter()
                .map(|k| (path.join(Seg::Key(k.clone())), Violation::Unknown { known: known.clone() }))
                .collect()
        }
        E::Enum { options } => one(Violation::Enum(options.as_array().cloned().unwrap_or_default())),
        E::Constant { expected_value } => one(Violation::Const((**expected_value).clone())),
        E::Pattern { pattern } => one(Violation::Pattern { pattern: pattern.clone(), message: None }),
        E::MinLength { limit } => one(Violation::MinLength(*limit)),
        E::MaxLength { limit } => one(Violation::MaxLength(*limit)),
        E::Minimum { limit } => one(Violation::Minimum { limit: limit.clone(), exclusive: false }),
        E::ExclusiveMinimum { limit } => one(Violation::Minimum { limit: limit.clone(), exclusive: true }),
        E::Maximum { limit } => one(Violation::Maximum { limit: limit.clone(), exclusive: false }),
        E::ExclusiveMaximum { limit } => one(Violation::Maximum { limit: limit.clone(), exclusive: true }),
        E::MultipleOf { multiple_of, .. } => one(Violation::MultipleOf(*multiple_of)),
        E::MinItems { limit } => one(Violation::MinItems(*limit)),
        E::MaxItems { limit } => one(Violation::MaxItems(*limit)),
        E::UniqueItems => one(Violation::UniqueItems),
        E::Contains => one(Violation::Contains),
        E::MinProperties { limit } => one(Violation::MinProperties(*limit)),
        E::MaxProperties { limit } => one(Violation::MaxProperties(*limit)),
        E::AnyOf { .. } | E::OneOfNotValid { .. } => one(Violation::NoneOf),
        E::OneOfMultipleValid { .. } => one(Violation::SeveralOf),
        E::Not { .. } => one(Violation::Not),
        E::FalseSchema => one(Violation::Forbidden),
        E::Format { format } => one(Violation::Format(format.clone())),
        E::PropertyNames { error } => {
            let key = error.instance().as_str().map(str::to_owned).unwrap_or_default();
            vec![(path.join(Seg::Key(key.clone())), Violation::KeyName(key))]
        }
        _ => one(Violation::Broken(e.masked().to_string())),
    }
}

/// The keys the sub-schema that refused a key knows. The error's schema path is relative to
/// the document holding the keyword: the kind's own, or (behind a `$ref`) the definitions.
fn known_keys(c: &Compiled, e: &ValidationError<'_>) -> Vec<String> {
    let pointer = e.schema_path().as_str();
    let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
    let doc = match e.evaluation_path().as_str().contains("$ref") {
        true => c.definitions.as_deref(),
        false => Some(&c.schema),
    };
    let properties = doc.and_then(|d| d.pointer(parent)).and_then(|s| s.get("properties")).and_then(J::as_object);
    properties.map(|p| p.keys().cloned().collect()).unwrap_or_default()
}
