//! A fleet repository: finding its cluster directories (SPEC §2) and rendering many clusters
//! on all cores. Used by `validate` and `diff`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::load::CLUSTER_FILE;

/// Directories a walk never enters.
const SKIP: [&str; 3] = [".git", "target", "node_modules"];

/// Every cluster directory under `roots`, sorted, each once. A root that is itself a cluster
/// directory is one cluster. Hidden and skipped directories are not entered, symlinks are not
/// followed, and nothing below a cluster directory is a cluster of its own.
pub fn find_clusters(roots: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for root in roots {
        if !root.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no such directory", root.display()),
            ));
        }
        walk(root, &mut out)?;
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if dir.join(CLUSTER_FILE).is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // `file_type` does not follow symlinks: a link to a directory is not walked.
        if entry.file_type()?.is_dir() && !name.starts_with('.') && !SKIP.contains(&name.as_ref()) {
            subdirs.push(entry.path());
        }
    }
    subdirs.sort();
    for sub in subdirs {
        walk(&sub, out)?;
    }
    Ok(())
}

/// The cluster directories named by a list of `kubezero.yaml` paths (relative, `/`-separated,
/// as git lists them), with the walk's rules: nothing hidden or skipped, nothing nested below
/// another cluster. The repository root itself is `""`.
pub fn cluster_dirs_from_files(files: &[String]) -> Vec<String> {
    let mut dirs: Vec<String> = files
        .iter()
        .filter_map(|f| f.strip_suffix(CLUSTER_FILE))
        .map(|d| d.trim_end_matches('/').to_owned())
        .filter(|d| !d.split('/').any(|seg| seg.starts_with('.') || SKIP.contains(&seg)))
        .collect();
    dirs.sort();
    dirs.dedup();
    let all = dirs.clone();
    dirs.retain(|d| !all.iter().any(|a| a != d && (a.is_empty() || d.starts_with(&format!("{a}/")))));
    dirs
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
        ]
        .map(String::from)
        .into();
        assert_eq!(cluster_dirs_from_files(&files), ["clusters/a", "clusters/d"]);
    }

    #[test]
    fn parallel_keeps_input_order() {
        let items: Vec<u32> = (0..100).collect();
        assert_eq!(parallel(&items, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }
}
