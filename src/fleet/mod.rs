//! A fleet repository: finding its cluster directories (README.md, "A fleet repository"),
//! rendering many clusters on all cores, and checking them ([`verdict`]). Used by `validate`
//! and `diff`; the fleet view ([`view`]).

pub mod verdict;
pub mod view;

pub use verdict::{check, shard, values_files, Check, Checked, Render, Verdict};

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::diag::{Diagnostic, Kind};
use crate::files;
use crate::load::CLUSTER_FILE;
use crate::value::Origin;

/// The cluster directories under some paths, and what could not be read while looking.
#[derive(Debug, Default)]
pub struct Clusters {
    /// Cluster directories, sorted, each once.
    pub dirs: Vec<PathBuf>,
    /// Paths that could not be read (each names its path); the other clusters are still found.
    pub errors: Vec<Diagnostic>,
}

/// Every cluster directory under `roots`. A root that is itself a cluster directory is one
/// cluster. The walk follows the policy of [`files::walk`], and nothing below a cluster
/// directory is a cluster of its own.
pub fn find_clusters(roots: &[PathBuf]) -> Clusters {
    let mut out = Clusters::default();
    // `./c` and `c` are one spelling, so clusters sort in the path order they are shown in.
    let roots: Vec<PathBuf> = roots
        .iter()
        .map(|r| match r.components().filter(|c| *c != std::path::Component::CurDir).collect::<PathBuf>() {
            p if p.as_os_str().is_empty() => PathBuf::from("."),
            p => p,
        })
        .collect();
    for root in &roots {
        if !root.is_dir() {
            let at = Some(Origin::file(&root.display().to_string()));
            let why = if root.exists() { "not a directory" } else { "no such directory" };
            out.errors.push(Diagnostic::new(Kind::Io, at, "", why));
            continue;
        }
        // A root named on the command line is used as named, even as a symlink.
        if is_cluster(root, &mut out.errors) {
            out.dirs.push(root.clone());
            continue;
        }
        let found = files::walk(root, |dir| !dir.join(CLUSTER_FILE).is_file());
        let mut unreadable = Vec::new();
        for dir in found.dirs {
            if is_cluster(&dir, &mut unreadable) {
                out.dirs.push(dir);
            }
        }
        // A directory the walk could not read is named once, by the walk.
        let walked: Vec<String> =
            found.errors.iter().filter_map(|e| e.origin.as_ref().map(ToString::to_string)).collect();
        unreadable.retain(|e| {
            let file = e.origin.as_ref().map(ToString::to_string).unwrap_or_default();
            !walked.iter().any(|dir| file.strip_prefix(dir.as_str()) == Some(&format!("/{CLUSTER_FILE}")))
        });
        out.errors.extend(found.errors);
        out.errors.extend(unreadable);
    }
    out.dirs.sort();
    out.dirs.dedup();
    if roots.len() > 1 {
        // Roots that overlap, or name one directory two ways (`a/../a`, absolute and
        // relative), still give each cluster once: the first spelling in path order.
        let mut seen = std::collections::HashSet::new();
        out.dirs.retain(|d| seen.insert(d.canonicalize().unwrap_or_else(|_| d.clone())));
    }
    out
}

/// Whether `dir` holds a `kubezero.yaml` file. One that is there but is no regular file (a
/// directory, a FIFO, a dangling symlink) or cannot be looked at is an error: a cluster is never
/// left out in silence.
fn is_cluster(dir: &std::path::Path, errors: &mut Vec<Diagnostic>) -> bool {
    let file = dir.join(CLUSTER_FILE);
    let problem = match (std::fs::symlink_metadata(&file), std::fs::metadata(&file)) {
        (Err(e), _) if e.kind() == std::io::ErrorKind::NotFound => return false,
        (_, Ok(m)) if m.is_file() => return true,
        (Err(e), _) | (_, Err(e)) => format!("cannot read: {e}"),
        (_, Ok(_)) => "not a regular file".to_owned(),
    };
    errors.push(Diagnostic::new(Kind::Io, Some(Origin::file(&file.display().to_string())), "", problem));
    false
}

/// The cluster directories named by a list of `kubezero.yaml` paths (relative, `/`-separated,
/// as git lists them), with the walk's rules: nothing hidden or skipped, nothing nested below
/// another cluster. The repository root itself is `""`. Linear in the number of paths: each
/// directory looks up its own ancestors.
pub fn cluster_dirs_from_files(paths: &[String]) -> Vec<String> {
    let dirs: BTreeSet<&str> = paths
        .iter()
        .filter_map(|f| match f.strip_suffix(CLUSTER_FILE)? {
            "" => Some(""),
            dir => dir.strip_suffix('/'),
        })
        .filter(|d| !d.split('/').any(|seg| files::skipped(seg, true)))
        .collect();
    let nested =
        |d: &str| (!d.is_empty() && dirs.contains("")) || d.match_indices('/').any(|(i, _)| dirs.contains(&d[..i]));
    dirs.iter().filter(|d| !nested(d)).map(|d| (*d).to_owned()).collect()
}

/// Runs `job` over `items` on every core, returning results in input order.
pub fn parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(items.len()).max(1);
    let next = AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, job(item)));
                    }
                    done
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a render job panicked")).collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_dirs_follow_the_walk_rules() {
        let files: Vec<String> = [
            "clusters/a/kubezero.yaml",
            "clusters/a/outputs/kube/kubezero.yaml",
            "clusters/.b/kubezero.yaml",
            "node_modules/c/kubezero.yaml",
            "clusters/d/kubezero.yaml",
            "clusters/e/not-kubezero.yaml",
        ]
        .map(String::from)
        .into();
        assert_eq!(
            cluster_dirs_from_files(&files),
            ["clusters/a", "clusters/d"],
            "only a file named kubezero.yaml counts"
        );
        assert_eq!(cluster_dirs_from_files(&["kubezero.yaml".into()]), [""], "the root is a cluster directory");
    }

    #[test]
    fn parallel_keeps_input_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(parallel(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }
}
