//! Where the plugin's checkout is: what ArgoCD sent of the repository.

use std::path::{Component, Path, PathBuf};

use super::EnvError;
use crate::read::lexically_normal;

/// What ArgoCD sent of the repository, from the working directory and the Application's source
/// path alone (the cmp-server sets no `PWD`). The spellings ArgoCD passes (`./x`, `x/`, `x/../x`)
/// are normalised first. The repo-server sends a root that is a leading part of the source path
/// (the whole repository, or with `manifest-generate-paths` the common root of the source path and
/// the annotation's paths) and runs the plugin in the rest of the source path below it, where the
/// system resolves an in-repository symlink. So the root is the ancestor of the working directory
/// from which the most of the source path's tail leads to the working directory through that
/// tree alone: every symlink on the way relative and inside it (as ArgoCD's untar allows), so no
/// link of the system (`/proc/self/cwd`) can make a directory above what was sent the root. When
/// none does, the working directory itself: the least that can have been sent.
pub fn repo_root(cwd: &Path, source_path: Option<String>) -> Result<PathBuf, EnvError> {
    let source_path = source_path.unwrap_or_default();
    let rel = lexically_normal(Path::new(&source_path));
    if rel.has_root() || rel.components().next() == Some(Component::ParentDir) {
        return Err(EnvError::SourcePathOutside(source_path));
    }
    let cwd = lexically_normal(cwd);
    if cwd.ends_with(&rel) {
        return Ok(cwd.ancestors().nth(rel.components().count()).expect("cwd ends with a path of this depth").into());
    }
    let Ok(real) = cwd.canonicalize() else { return Ok(cwd) };
    let parts: Vec<Component> = rel.components().collect();
    for skipped in 0..parts.len() {
        let tail: PathBuf = parts[skipped..].iter().collect();
        if let Some(root) = real.ancestors().skip(1).find(|root| reaches(root, &tail, &real)) {
            return Ok(root.to_path_buf());
        }
    }
    Ok(cwd)
}

/// Whether `rel`, followed from `root` one component at a time, leads to `target` without
/// leaving `root`: every symlink on the way relative, and no `..` above `root`.
fn reaches(root: &Path, rel: &Path, target: &Path) -> bool {
    use std::collections::VecDeque;
    let mut at = root.to_path_buf();
    let mut todo: VecDeque<std::ffi::OsString> = rel.iter().map(ToOwned::to_owned).collect();
    let mut hops = 0;
    while let Some(part) = todo.pop_front() {
        match part.to_str() {
            Some(".") => continue,
            Some("..") if at == root => return false,
            Some("..") => {
                at.pop();
                continue;
            }
            _ => at.push(&part),
        }
        let Ok(meta) = std::fs::symlink_metadata(&at) else { return false };
        if !meta.file_type().is_symlink() {
            continue;
        }
        hops += 1;
        let Ok(link) = std::fs::read_link(&at) else { return false };
        if hops > 40 || link.is_absolute() {
            return false;
        }
        at.pop();
        for (i, p) in link.iter().enumerate() {
            todo.insert(i, p.to_owned());
        }
    }
    at == target
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repo_root_is_cwd_minus_the_source_path_in_every_spelling_argocd_passes() {
        for spelling in ["a/b", "./a/b", "a/b/", "a/../a/b", "a/./b"] {
            assert_eq!(repo_root(Path::new("/r/a/b"), Some(spelling.into())).unwrap(), Path::new("/r"), "{spelling}");
        }
        assert_eq!(repo_root(Path::new("/r"), Some(".".into())).unwrap(), Path::new("/r"));
        assert_eq!(repo_root(Path::new("/r"), None).unwrap(), Path::new("/r"));
        assert_eq!(repo_root(Path::new("/r/x"), Some("a/b".into())).unwrap(), Path::new("/r/x"), "the least");
    }

    #[test]
    fn the_root_is_what_argocd_sent_whole_or_in_part_and_through_a_symlinked_path() {
        let repo = tempfile::tempdir().unwrap();
        let r = repo.path().canonicalize().unwrap();
        std::fs::create_dir_all(r.join("clusters/prod-eu")).unwrap();
        std::os::unix::fs::symlink("prod-eu", r.join("clusters/alias")).unwrap();
        let cwd = r.join("clusters/prod-eu");
        // The whole repository, the Application on a symlink to its directory.
        assert_eq!(repo_root(&cwd, Some("clusters/alias".into())).unwrap(), r);
        // manifest-generate-paths `.`: only the cluster directory was sent, and is the cwd.
        let sent = tempfile::tempdir().unwrap();
        let only = sent.path().canonicalize().unwrap();
        assert_eq!(repo_root(&only, Some("clusters/prod-eu".into())).unwrap(), only);
        // `..`: clusters/ was sent; the cwd is prod-eu below it.
        std::fs::create_dir_all(only.join("prod-eu")).unwrap();
        assert_eq!(repo_root(&only.join("prod-eu"), Some("clusters/prod-eu".into())).unwrap(), only);
        // No link of the system makes a directory above what was sent the root.
        assert_eq!(repo_root(&only, Some("proc/self/cwd".into())).unwrap(), only);
        assert_eq!(repo_root(&only, Some("x/proc/thread-self/cwd".into())).unwrap(), only);
    }

    #[test]
    fn an_absolute_source_path_or_one_above_the_repository_is_refused() {
        for path in ["/r/a/b", "/a/b/", "../a/b", "a/../../b"] {
            let e = repo_root(Path::new("/r/a/b"), Some(path.into())).unwrap_err();
            assert!(matches!(e, EnvError::SourcePathOutside(_)), "{path}: {e}");
        }
    }
}
