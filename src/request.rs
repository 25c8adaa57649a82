//! The resolved inputs of one render: what the CLI flags and ArgoCD's environment both become
//! before any stage runs, so the two cannot drift.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::diag::{Diagnostic, Kind};
use crate::strvals::Flag;
use crate::value::Origin;

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

pub use crate::read::Confine;

/// The process's standard input, read on first use and shared by every render of the run.
#[derive(Clone, Debug, Default)]
pub struct Stdin(Arc<OnceLock<Result<String, Diagnostic>>>);

impl Stdin {
    /// The text of standard input, within the limits of an input file.
    pub fn text(&self) -> Result<&str, Diagnostic> {
        let read = self.0.get_or_init(|| {
            let (limit, at) = (crate::read::MAX_FILE_BYTES, Some(Origin::file("-")));
            let fail = |kind, msg: &str| Diagnostic::new(kind, at.clone(), "", format!("standard input {msg}"));
            let bytes = crate::process::read_at_most(std::io::stdin(), limit)
                .map_err(|e| fail(Kind::Io, &format!("cannot be read: {e}")))?;
            if bytes.len() as u64 > limit {
                return Err(fail(Kind::Limit, "is larger than 8 MiB; the limit is 8 MiB"));
            }
            String::from_utf8(bytes).map_err(|_| fail(Kind::Encoding, "is not UTF-8 text; send UTF-8"))
        });
        read.as_deref().map_err(Clone::clone)
    }
}
