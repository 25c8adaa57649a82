//! JSON Schema, in two engines behind one kind of finding.
//!
//! - The catalog's own schemas (a cluster's values, the emitted Application and Namespace) are
//!   checked by kzrender's own engine ([`compile`], [`validate`]): a fresh process builds it in
//!   microseconds, where the first validator the `jsonschema` crate builds costs more than a
//!   millisecond (its meta-schema), more than the whole render budget leaves. The own engine
//!   implements the 2020-12 keywords those schemas use and refuses every other keyword by name
//!   when it compiles, so nothing is silently ignored.
//! - Official schemas (`--schema-dir`: kubeconform's layouts, CRDs) and deep validation use the
//!   `jsonschema` crate, every keyword of every draft ([`official`]).
//!
//! Both report [`message::Violation`]s, turned into diagnostics located where each value was
//! written, with "did you mean" for unknown keys and secrets redacted.

mod check;
mod compile;
mod doc;
pub mod message;
pub mod official;
mod pattern;

pub use compile::{compile, compile_prepared, Schema};
pub use doc::{Doc, PreparedSchema, StaticJson};
pub use message::Violation;
pub use pattern::Pattern;

use crate::diag::Diagnostic;
use crate::value::{KeyPath, Node};

/// Every finding of `schema` on `node`, located.
pub fn validate(schema: &Schema, node: &Node) -> Vec<Diagnostic> {
    validate_at(schema, node, &KeyPath::root())
}

/// Every finding of `schema` on the value at `at` of `root`, located and named from the root.
pub fn validate_at(schema: &Schema, root: &Node, at: &KeyPath) -> Vec<Diagnostic> {
    let Some(node) = root.at(at) else { return Vec::new() };
    check::violations(schema, node, &mut at.clone())
        .iter()
        .map(|(path, v)| message::diagnostic(v, root, path))
        .collect()
}

#[cfg(test)]
mod tests;
