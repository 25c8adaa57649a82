//! The few git facts `diff` needs, from the real `git` CLI: where the repository is, what a ref
//! names, which files differ from it (working tree, staged, untracked), which cluster files
//! exist at it, and the files of some paths at it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::load::CLUSTER_FILE;

/// A git failure, with git's own words.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// Not inside a work tree.
    #[error("{0} is not inside a git repository")]
    NotARepo(String),
    /// The ref names no commit.
    #[error("`{0}` names no commit in this repository")]
    BadRef(String),
    /// git could not run or failed.
    #[error("git {args}: {message}")]
    Failed {
        /// The arguments.
        args: String,
        /// stderr, or the spawn error.
        message: String,
    },
}

/// A work tree.
#[derive(Debug)]
pub struct Repo {
    /// The top of the work tree, absolute.
    pub root: PathBuf,
}

impl Repo {
    /// The repository `path` is in.
    pub fn discover(path: &Path) -> Result<Repo, GitError> {
        let out = git_in(path, &["rev-parse", "--show-toplevel"])
            .map_err(|_| GitError::NotARepo(path.display().to_string()))?;
        Ok(Repo { root: PathBuf::from(out.trim_end_matches('\n')) })
    }

    /// The commit `reference` names; `None` for `HEAD` of a repository with no commits yet.
    pub fn resolve(&self, reference: &str) -> Result<Option<String>, GitError> {
        match self.git(&["rev-parse", "--verify", "--quiet", &format!("{reference}^{{commit}}")]) {
            Ok(sha) => Ok(Some(sha.trim().to_owned())),
            Err(_)
                if reference == "HEAD"
                    && self.git(&["rev-list", "-n", "1", "--all"]).is_ok_and(|s| s.trim().is_empty()) =>
            {
                Ok(None)
            }
            Err(_) => Err(GitError::BadRef(reference.to_owned())),
        }
    }

    /// Files (relative to the root) that differ between `base` and the working tree, including
    /// staged, unstaged, deleted and untracked files. With no base, every file of the work tree.
    pub fn changed_files(&self, base: Option<&str>) -> Result<Vec<String>, GitError> {
        let mut files = match base {
            Some(sha) => split_z(&self.git(&["diff", "--name-only", "--no-renames", "-z", sha, "--"])?),
            None => split_z(&self.git(&["ls-files", "-z", "--cached"])?),
        };
        files.extend(split_z(&self.git(&["ls-files", "-z", "--others", "--exclude-standard"])?));
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// Every path of a `kubezero.yaml` in the tree of `sha`, relative to the root.
    pub fn cluster_files_at(&self, sha: &str) -> Result<Vec<String>, GitError> {
        let all = split_z(&self.git(&["ls-tree", "-r", "-z", "--name-only", sha])?);
        Ok(all.into_iter().filter(|p| p == CLUSTER_FILE || p.ends_with(&format!("/{CLUSTER_FILE}"))).collect())
    }

    /// Writes the files under `paths` (relative to the root) as of `sha` into `into`.
    pub fn extract(&self, sha: &str, paths: &[String], into: &Path) -> Result<(), GitError> {
        if paths.is_empty() {
            return Ok(());
        }
        let mut archive = Command::new("git")
            .arg("-C")
            .arg(&self.root)
            .args(["archive", "--format=tar", sha, "--"])
            .args(paths)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| failed("archive", &e.to_string()))?;
        let tar = Command::new("tar")
            .arg("-x")
            .arg("-C")
            .arg(into)
            .stdin(archive.stdout.take().expect("piped"))
            .output()
            .map_err(|e| failed("archive | tar", &e.to_string()))?;
        let status = archive.wait_with_output().map_err(|e| failed("archive", &e.to_string()))?;
        if !status.status.success() {
            return Err(failed("archive", &String::from_utf8_lossy(&status.stderr)));
        }
        if !tar.status.success() {
            return Err(failed("archive | tar -x", &String::from_utf8_lossy(&tar.stderr)));
        }
        Ok(())
    }

    /// Whether `path` (relative to the root) exists in the tree of `sha`.
    pub fn exists_at(&self, sha: &str, path: &str) -> bool {
        self.git(&["cat-file", "-e", &format!("{sha}:{path}")]).is_ok()
    }

    fn git(&self, args: &[&str]) -> Result<String, GitError> {
        git_in(&self.root, args)
    }
}

fn git_in(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| failed(&args.join(" "), &e.to_string()))?;
    if out.status.success() {
        String::from_utf8(out.stdout).map_err(|e| failed(&args.join(" "), &e.to_string()))
    } else {
        Err(failed(&args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

fn failed(args: &str, message: &str) -> GitError {
    GitError::Failed { args: args.to_owned(), message: message.to_owned() }
}

fn split_z(s: &str) -> Vec<String> {
    s.split('\0').filter(|p| !p.is_empty()).map(str::to_owned).collect()
}
