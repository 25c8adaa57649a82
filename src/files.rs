//! The one directory walk, with one policy for every tree kzrender reads (fleets, `outputs/`,
//! catalog forks, schema directories):
//!
//! - entries come sorted by name, so every result is deterministic;
//! - hidden entries (`.git`, `.cache`, `.x.yaml`) and the directories `target` and
//!   `node_modules` are skipped;
//! - a symlink to a directory is not followed (a fleet could loop, or reach outside the
//!   repository); a symlink to a file is listed like a file, and whoever reads it decides
//!   whether its target may be read (plugin mode refuses targets outside the repository);
//! - an entry that cannot be read is reported with its path, and the walk goes on.

use std::path::{Path, PathBuf};

use crate::diag::{Diagnostic, Kind};
use crate::value::Origin;

/// Directories a walk never enters, besides hidden ones.
const SKIP: [&str; 2] = ["target", "node_modules"];

/// What a walk found.
#[derive(Debug, Default)]
pub struct Found {
    /// Directories entered, the root first.
    pub dirs: Vec<PathBuf>,
    /// Files (and symlinks to files), in walk order.
    pub files: Vec<PathBuf>,
    /// Entries that could not be read, each naming its path.
    pub errors: Vec<Diagnostic>,
}

/// Whether a walk skips a name (a hidden entry, or a build or package directory).
pub fn skipped(name: &str, is_dir: bool) -> bool {
    name.starts_with('.') || (is_dir && SKIP.contains(&name))
}

/// Walks `root` with the policy above. `descend(dir)` is asked for every directory after it
/// is listed in `dirs`; `false` keeps the walk out of what lies below it.
pub fn walk(root: &Path, mut descend: impl FnMut(&Path) -> bool) -> Found {
    let mut found = Found::default();
    let mut entries = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name().into_iter();
    while let Some(entry) = entries.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(root).display().to_string();
                let why = e.io_error().map_or_else(|| e.to_string(), ToString::to_string);
                found.errors.push(Diagnostic::new(
                    Kind::Io,
                    Some(Origin::file(&path)),
                    "",
                    format!("cannot read: {why}"),
                ));
                continue;
            }
        };
        let ty = entry.file_type();
        let name = entry.file_name().to_string_lossy();
        let is_dir = ty.is_dir() || (ty.is_symlink() && entry.path().is_dir());
        if entry.depth() > 0 && skipped(&name, is_dir) {
            if ty.is_dir() {
                entries.skip_current_dir();
            }
            continue;
        }
        if ty.is_dir() {
            found.dirs.push(entry.path().to_path_buf());
            if !descend(entry.path()) {
                entries.skip_current_dir();
            }
        } else if !is_dir {
            found.files.push(entry.path().to_path_buf());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_skips_hidden_and_build_directories_and_symlinked_directories() {
        let dir = tempfile::tempdir().unwrap();
        let p = |rel: &str| dir.path().join(rel);
        for d in ["a/b", ".git/x", "target/y", "node_modules/z", "c"] {
            std::fs::create_dir_all(p(d)).unwrap();
        }
        for f in ["a/b/f.yaml", ".git/x/g.yaml", "target/y/h.yaml", "a/.hidden.yaml", "c/i.yaml", "a/target"] {
            std::fs::write(p(f), "").unwrap();
        }
        std::os::unix::fs::symlink(p("a"), p("c/link-to-dir")).unwrap();
        std::os::unix::fs::symlink(p("a/b/f.yaml"), p("c/link-to-file.yaml")).unwrap();
        let found = walk(dir.path(), |_| true);
        let rel = |v: &[PathBuf]| -> Vec<String> {
            v.iter().map(|f| f.strip_prefix(dir.path()).unwrap().display().to_string()).collect()
        };
        assert_eq!(rel(&found.files), ["a/b/f.yaml", "a/target", "c/i.yaml", "c/link-to-file.yaml"]);
        assert_eq!(rel(&found.dirs), ["", "a", "a/b", "c"]);
        let pruned = walk(dir.path(), |d| !d.ends_with("a"));
        assert_eq!(rel(&pruned.files), ["c/i.yaml", "c/link-to-file.yaml"]);
    }
}
