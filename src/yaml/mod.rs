//! YAML in and out, with the YAML 1.1 hazard handled in both directions.
//!
//! `parse` reads text into [`Node`](crate::value::Node) trees with positions, enforcing the input
//! limits (the README's "Limits") and warning about scalars that YAML 1.1 and 1.2 readers
//! disagree on.
//! `emit` writes trees back so that Helm's YAML 1.1 reader and a YAML 1.2 reader see the same data.
//! `memo` reads text kzrender produced itself (template output) once per process.

pub mod emit;
mod memo;
pub mod parse;
mod resolve;

pub use memo::Memo;
pub use parse::{parse_documents, parse_manifests, parse_map, parse_stream, Source};
