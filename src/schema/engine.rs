//! The one schema engine: a schema compiled by the `jsonschema` crate (every keyword of its
//! draft, 2020-12 when `$schema` is absent; formats as annotations; no network), and its errors
//! as [`Violation`]s at places of the positioned document, so every schema speaks alike:
//! located, with the schema's own message (`x-message` beside a `pattern`), with the known keys
//! for an unknown one.

use std::path::Path;
use std::sync::Arc;

use jsonschema::error::{TypeKind, ValidationErrorKind as E};
use jsonschema::paths::LocationSegment;
use jsonschema::ValidationError;
use serde_json::Value as J;

use super::message::{self, path_in, Violation};
use crate::diag::{Diagnostic, Kind};
use crate::value::{KeyPath, Node, Origin, Seg};

/// A compiled schema, with the documents its errors may point into.
#[derive(Debug)]
pub struct Schema {
    validator: jsonschema::Validator,
    /// The schema document itself.
    schema: J,
    /// Where a `$ref` leads (an official schema directory's `_definitions.json`).
    pub(crate) definitions: Option<Arc<J>>,
}

impl Schema {
    /// Compiles `schema` (read from `file`) against `registry`, where its `$ref`s lead.
    pub fn compile(schema: &J, file: &Path, registry: &jsonschema::Registry<'static>) -> Result<Schema, Diagnostic> {
        let validator = jsonschema::options()
            .offline()
            .should_validate_formats(false)
            .with_registry(registry)
            .build(schema)
            .map_err(|e| {
                // The error is about the schema as a document: say where in it.
                let msg = format!(
                    "invalid schema: #{}: {}",
                    e.instance_path().as_str(),
                    crate::diag::one_line(&e.to_string())
                );
                Diagnostic::new(Kind::Invalid, Some(Origin::file(&file.display().to_string())), "", msg)
            })?;
        Ok(Schema { validator, schema: schema.clone(), definitions: None })
    }

    /// A schema that refers to nothing outside itself.
    pub fn standalone(schema: &J) -> Result<Schema, Diagnostic> {
        let registry = jsonschema::Registry::new()
            .prepare()
            .map_err(|e| Diagnostic::new(Kind::Invalid, None, "", format!("invalid schema: {e}")))?;
        Schema::compile(schema, Path::new("(schema)"), &registry)
    }

    /// Every finding on a document.
    pub fn check(&self, doc: &Node) -> Vec<Diagnostic> {
        self.check_at(doc, &KeyPath::root())
    }

    /// Every finding on the value at `at` of `root`, located and named from the root.
    pub fn check_at(&self, root: &Node, at: &KeyPath) -> Vec<Diagnostic> {
        let Some(node) = root.at(at) else { return Vec::new() };
        self.check_json(&node.to_json(), root, at)
    }

    /// [`Schema::check_at`] for a caller that has the value at `at` as JSON already (several
    /// schemas checking parts of one tree convert it once).
    pub fn check_json(&self, json: &J, root: &Node, at: &KeyPath) -> Vec<Diagnostic> {
        let Some(node) = root.at(at) else { return Vec::new() };
        let mut found: Vec<(KeyPath, Violation)> = Vec::new();
        for e in self.validator.iter_errors(json) {
            let segs = e.instance_path().segments().map(|s| match s {
                LocationSegment::Property(p) => p.into_owned(),
                LocationSegment::Index(i) => i.to_string(),
            });
            let mut path = at.clone();
            path_in(node, segs).segs().iter().for_each(|s| path.push(s.clone()));
            found.extend(violations(&e, path, self.holder(&e)));
        }
        // A value of the wrong type is that, not also a value outside an enum of that type.
        let mistyped: Vec<KeyPath> =
            found.iter().filter(|(_, v)| matches!(v, Violation::Type(_))).map(|(p, _)| p.clone()).collect();
        found.retain(|(p, v)| !(matches!(v, Violation::Enum(_) | Violation::Const(_)) && mistyped.contains(p)));
        found.iter().map(|(path, v)| message::diagnostic(v, root, path)).collect()
    }

    /// The sub-schema holding the keyword an error is about. Its schema path is relative to the
    /// document holding the keyword: the schema's own, or (behind a `$ref`) the definitions.
    fn holder(&self, e: &ValidationError<'_>) -> Option<&J> {
        let pointer = e.schema_path().as_str();
        let parent = pointer.rsplit_once('/').map_or("", |(p, _)| p);
        let doc = match e.evaluation_path().as_str().contains("$ref") {
            true => self.definitions.as_deref(),
            false => Some(&self.schema),
        };
        doc.and_then(|d| d.pointer(parent))
    }
}

/// One error as violations at places of the document; `holder` is the sub-schema holding its
/// keyword, for the keys it knows and its own message.
fn violations(e: &ValidationError<'_>, path: KeyPath, holder: Option<&J>) -> Vec<(KeyPath, Violation)> {
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
            let properties = holder.and_then(|h| h.get("properties")).and_then(J::as_object);
            let known: Vec<String> = properties.map(|p| p.keys().cloned().collect()).unwrap_or_default();
            unexpected
                .iter()
                .map(|k| (path.join(Seg::Key(k.clone())), Violation::Unknown { known: known.clone() }))
                .collect()
        }
        E::Enum { options } => one(Violation::Enum(options.as_array().cloned().unwrap_or_default())),
        E::Constant { expected_value } => one(Violation::Const((**expected_value).clone())),
        E::Pattern { pattern } => {
            let message = holder.and_then(|h| h.get("x-message")).and_then(J::as_str).map(str::to_owned);
            one(Violation::Pattern { pattern: pattern.clone(), message })
        }
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
