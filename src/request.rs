//! The resolved inputs of one render: what the CLI flags and ArgoCD's environment both become
//! before any stage runs, so the two cannot drift.

use std::path::PathBuf;

/// Everything that decides one render, resolved from the CLI or from ArgoCD's environment.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The cluster directory.
    pub dir: PathBuf,
    /// Values files and assignments laid over the cluster's own files, lowest precedence first
    /// (the CLI: `-f` files, then `--set`s; ArgoCD: its parameters over `plugin.env`).
    pub overlays: Vec<Overlay>,
    /// The cluster's Kubernetes version from the environment (`KUBE_VERSION`), if any.
    pub kube_version: Option<String>,
    /// When set, no file outside the repository checkout may be read (plugin mode).
    pub confine: Option<Confine>,
}

/// A repository checkout that reads must stay inside, both written as the process was given
/// them (lexically, not resolved through symlinks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confine {
    /// The checkout's root, absolute.
    pub root: PathBuf,
    /// The absolute directory relative paths are read from (the working directory).
    pub base: PathBuf,
}

/// One input laid over the cluster's own files.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// A values file, relative to the cluster directory.
    File(String),
    /// A `--set`-style assignment.
    Set(Set),
}

/// One `--set`-style assignment.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// Dotted key, `\.` for a literal dot.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// Keep the value a string (`--set-string`) instead of reading it as a YAML scalar.
    pub string: bool,
    /// Where it came from, for provenance (`--set`, `ARGOCD_APP_PARAMETERS`).
    pub source: String,
}
