//! kzrender: renders the KubeZero app-of-apps for ArgoCD from a cluster directory.
//!
//! The pipeline, one module per stage: [`load`] (cluster directory → layers of values) →
//! [`merge`] (layers → one tree with provenance) → [`derive`] (catalog templates → each
//! component's Helm values) → [`render`] (→ Applications and Namespaces) → [`yaml::emit`]
//! (→ YAML 1.1-safe bytes). [`catalog`] is the KubeZero distribution as data. The library never
//! prints and never exits; the `kzrender` binary does both.

pub mod argocd;
pub mod catalog;
pub mod cloudbender;
pub mod deep;
pub mod derive;
pub mod diag;
pub mod diff;
pub mod docs;
pub mod files;
pub mod fleet;
pub mod git;
pub mod import;
pub mod layer;
pub mod load;
pub mod merge;
pub mod pipeline;
pub mod process;
pub mod read;
pub mod redact;
pub mod render;
pub mod request;
pub mod schema;
pub mod strvals;
pub mod validate;
pub mod value;
pub mod version;
pub mod yaml;
