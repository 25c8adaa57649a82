//! The resolved inputs of one render: what the CLI flags and ArgoCD's environment both become
//! before any stage runs, so the two cannot drift.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::strvals::Flag;

/// Everything that decides one render, resolved from the CLI or from ArgoCD's environment.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The cluster directory.
    pub dir: PathBuf,
    /// Values files and flags laid over the cluster's own files, in the order they apply
    /// (Helm's: files first, then the flags by kind; ArgoCD: its parameters over `plugin.env`).
    pub overlays: Vec<Overlay>,
    /// The cluster's Kubernetes version from the environment (`KUBE_VERSION`), if any.
    pub kube_version: Option<String>,
    /// When set, no file outside the repository checkout may be read (plugin mode).
    pub confine: Option<Confine>,
    /// Standard input, read once however many files name it (`-f -`, `--set-file k=-`).
    pub stdin: Stdin,
}

/// One input laid over the cluster's own files.
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// A values file as written: relative to the working directory (the cluster directory in
    /// plugin mode); `-` is standard input.
    File(PathBuf),
    /// A values flag.
    Set(Set),
}

/// One values flag, as given.
#[derive(Clone, Debug, PartialEq)]
pub struct Set {
    /// Which flag.
    pub flag: Flag,
    /// Its text (`a=1,b.c=x`).
    pub text: String,
    /// Where it came from, for provenance (`--set`, `parameter set`).
    pub source: String,
}

impl Set {
    /// A flag given on the command line.
    pub fn flag(flag: Flag, text: &str) -> Set {
        Set { flag, text: text.to_owned(), source: flag.name().to_owned() }
    }
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

/// The process's standard input, read on first use and shared by every render of the run.
#[derive(Clone, Debug, Default)]
pub struct Stdin(Arc<OnceLock<Result<String, String>>>);

impl Stdin {
    /// The text of standard input.
    pub fn text(&self) -> Result<&str, String> {
        let read = self.0.get_or_init(|| std::io::read_to_string(std::io::stdin()).map_err(|e| e.to_string()));
        read.as_deref().map_err(Clone::clone)
    }
}
