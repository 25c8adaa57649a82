//! JSON Schema, one engine: the `jsonschema` crate checks the catalog's own schemas (a cluster's
//! values, the emitted Application and Namespace), the official ones (`--schema-dir`:
//! kubeconform's layouts, CRDs) and deep validation's leaf manifests alike ([`engine`]). Every
//! finding is a [`message::Violation`], turned into a diagnostic located where the value was
//! written, with "did you mean" for unknown keys and secrets redacted.

pub mod engine;
pub mod message;
pub mod official;

pub use engine::Schema;
pub use message::Violation;

use crate::diag::Diagnostic;
use crate::value::{KeyPath, Node};

/// Every finding of `schema` on `node`, located.
pub fn validate(schema: &Schema, node: &Node) -> Vec<Diagnostic> {
    schema.check(node)
}

/// Every finding of `schema` on the value at `at` of `root`, located and named from the root.
pub fn validate_at(schema: &Schema, root: &Node, at: &KeyPath) -> Vec<Diagnostic> {
    schema.check_at(root, at)
}

#[cfg(test)]
mod tests;
