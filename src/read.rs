//! Reading input files: the size and encoding limits every input gets, and the [`Guard`] that
//! keeps plugin-mode reads inside the repository checkout.
//!
//! Every file kzrender reads as input goes through [`Guard::read`], whatever stage asks.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diagnostic, Kind};
use crate::value::Origin;
use crate::yaml::Source;

/// Largest input file accepted.
pub const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Most values all inputs of one cluster may hold together (its files, CloudBender's files,
/// extra values files and flags): four times what one file may hold.
pub const MAX_CLUSTER_VALUES: usize = 4 * crate::yaml::parse::MAX_NODES;

/// Most bytes of keys and text all inputs of one cluster may hold together.
pub const MAX_CLUSTER_BYTES: usize = 4 * MAX_FILE_BYTES as usize;

/// What the inputs of one cluster read so far hold: each file is within the limits of one file,
/// and all of them together within [`MAX_CLUSTER_VALUES`] and [`MAX_CLUSTER_BYTES`], so a
/// directory of many files (or a values file named many times) cannot cost more either.
#[derive(Debug, Default)]
pub struct Budget {
    values: usize,
    bytes: usize,
}

impl Budget {
    /// Counts what `node` (read from `name`) holds; an error once the inputs hold too much.
    pub fn spend(&mut self, node: &crate::value::Node, name: &str) -> Result<(), Diagnostic> {
        let (values, bytes) = node.cost();
        self.values += values;
        self.bytes += bytes;
        if self.values <= MAX_CLUSTER_VALUES && self.bytes <= MAX_CLUSTER_BYTES {
            return Ok(());
        }
        let msg = format!(
            "with this, the inputs of the cluster hold {} values of {} bytes together; the limit is {MAX_CLUSTER_VALUES} \
             values and {} MiB (a file named twice counts twice)",
            self.values,
            self.bytes,
            MAX_CLUSTER_BYTES >> 20
        );
        Err(Diagnostic::new(Kind::Limit, Some(Origin::file(name)), "", msg))
    }
}

/// Reads a file, enforcing the size limit and UTF-8. Errors are diagnostics at the file.
pub fn read_source(path: &Path, name: &str) -> Result<Source, Diagnostic> {
    let name: Arc<str> = Arc::from(name);
    let at = || Some(Origin::file(&name));
    let cannot = |e: std::io::Error| Diagnostic::new(Kind::Io, at(), "", format!("cannot read: {e}"));
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if meta.len() > MAX_FILE_BYTES {
        let msg = format!("file is {} bytes; the limit is 8 MiB", meta.len());
        return Err(Diagnostic::new(Kind::Limit, at(), "", msg));
    }
    let bytes = read_regular(path, MAX_FILE_BYTES).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidInput => Diagnostic::new(Kind::Shape, at(), "", "not a regular file"),
        std::io::ErrorKind::FileTooLarge => {
            Diagnostic::new(Kind::Limit, at(), "", "file is larger than 8 MiB; the limit is 8 MiB")
        }
        _ => cannot(e),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let ok = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = ok.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = ok.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        let at = Origin::at(&name, line as u32, col as u32);
        Diagnostic::new(Kind::Encoding, Some(at), "", "file is not UTF-8 text; save it as UTF-8")
    })?;
    Ok(Source { name, text })
}

/// The bytes of a regular file (symlinks followed), read up to `limit` bytes and no further
/// whatever size the file reports (`/proc` files report 0). A FIFO or a device could block or
/// never end: anything but a regular file is `InvalidInput`; a longer file `FileTooLarge`.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let bytes = crate::process::read_at_most(std::fs::File::open(path)?, limit)?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(ErrorKind::FileTooLarge, format!("larger than {limit} bytes")));
    }
    Ok(bytes)
}

/// A path as shown to the user: the cluster directory as given, joined with the file.
pub fn display(dir: &Path, rel: &str) -> String {
    let joined = dir.join(rel);
    let s = joined.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
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

/// Reads input files, refusing any path (or symlink) that leads outside the repository checkout
/// when there is one (plugin mode).
#[derive(Debug)]
pub struct Guard {
    confine: Option<Bounds>,
}

#[derive(Debug)]
struct Bounds {
    /// Where relative paths start, as written.
    base: PathBuf,
    /// The root as written (lexically normal) and as it really is (symlinks resolved).
    written: PathBuf,
    real: PathBuf,
}

impl Guard {
    /// A guard that lets every readable file through.
    pub fn open() -> Guard {
        Guard { confine: None }
    }

    /// A guard for the checkout in `confine` (resolved once), or an open one.
    pub fn new(confine: Option<&Confine>) -> Result<Guard, Diagnostic> {
        let Some(c) = confine else { return Ok(Guard::open()) };
        let real = c.root.canonicalize().map_err(|e| {
            let msg = format!("cannot resolve the repository root: {e}");
            Diagnostic::new(Kind::Io, Some(Origin::file(&c.root.display().to_string())), "", msg)
        })?;
        let bounds = Bounds { base: lexically_normal(&c.base), written: lexically_normal(&c.root), real };
        Ok(Guard { confine: Some(bounds) })
    }

    /// Checks where a path leads before it is read: first as written (`../..`), then where its
    /// symlinks really lead. Both must stay inside the checkout.
    pub fn check(&self, path: &Path, name: &str) -> Result<(), Diagnostic> {
        let Some(bounds) = &self.confine else { return Ok(()) };
        let outside = || {
            let msg = match path.is_absolute() {
                true => "is an absolute path: paths are relative to the cluster directory (`../_shared/x.yaml`)",
                false => "resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)",
            };
            Diagnostic::new(Kind::Outside, Some(Origin::file(name)), "", msg)
        };
        if !lexically_normal(&bounds.base.join(path)).starts_with(&bounds.written) {
            return Err(outside());
        }
        // Where the file system will take the path: from the real working directory, as the
        // read that follows resolves it.
        let cwd = std::env::current_dir()
            .map_err(|e| Diagnostic::new(Kind::Io, Some(Origin::file(name)), "", format!("cannot read: {e}")))?;
        match bounds.resolve(&cwd.join(path)) {
            Ok(true) => Ok(()),
            Ok(false) => Err(outside()),
            Err(e) => Err(Diagnostic::new(Kind::Io, Some(Origin::file(name)), "", format!("cannot read: {e}"))),
        }
    }

    /// Reads a file's text after checking where it really is.
    pub fn read(&self, path: &Path, name: &str) -> Result<Source, Diagnostic> {
        self.check(path, name)?;
        read_source(path, name)
    }
}

impl Bounds {
    /// Whether the absolute `path` really leads inside the checkout: its symlinks followed one
    /// at a time as the file system follows them, and never a look at anything outside the
    /// checkout (only at the directories above its root on the way in), so what lies outside it
    /// (even whether it exists) cannot be learnt through a symlink.
    fn resolve(&self, path: &Path) -> std::io::Result<bool> {
        use std::collections::VecDeque;
        let mut at = PathBuf::from("/");
        let mut todo: VecDeque<std::ffi::OsString> = path.iter().skip(1).map(ToOwned::to_owned).collect();
        let mut hops = 0;
        while let Some(part) = todo.pop_front() {
            match part.to_str() {
                Some(".") => continue,
                Some("..") => {
                    at.pop();
                    continue;
                }
                _ => at.push(&part),
            }
            let on_the_way = self.real.starts_with(&at);
            if !on_the_way && !at.starts_with(&self.real) {
                return Ok(false);
            }
            let meta = match std::fs::symlink_metadata(&at) {
                // The last part may be missing: reading it says so.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && todo.is_empty() => {
                    return Ok(at.starts_with(&self.real))
                }
                other => other?,
            };
            if !meta.file_type().is_symlink() {
                continue;
            }
            hops += 1;
            if hops > 40 {
                return Err(std::io::Error::other("too many levels of symbolic links"));
            }
            let target = std::fs::read_link(&at)?;
            at.pop();
            if target.is_absolute() {
                at = PathBuf::from("/");
            }
            let parts: Vec<std::ffi::OsString> =
                target.iter().skip(usize::from(target.is_absolute())).map(ToOwned::to_owned).collect();
            for (i, p) in parts.into_iter().enumerate() {
                todo.insert(i, p);
            }
        }
        Ok(at.starts_with(&self.real))
    }
}

/// `a/b/../c` → `a/c`, without touching the file system. A relative path keeps the `..` that
/// lead above its start (`a/../../b` → `../b`).
pub fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                let can_pop = matches!(out.components().next_back(), Some(Component::Normal(_)));
                if can_pop {
                    out.pop();
                } else if !out.has_root() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexical_normalisation_keeps_what_leads_above_the_start() {
        assert_eq!(lexically_normal(Path::new("a/b/../c")), Path::new("a/c"));
        assert_eq!(lexically_normal(Path::new("a/../../b")), Path::new("../b"));
        assert_eq!(lexically_normal(Path::new("/r/../../x")), Path::new("/x"));
        assert_eq!(lexically_normal(Path::new("./a/./b/")), Path::new("a/b"));
    }
}
