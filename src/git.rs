//! The few git facts `diff` needs, from the real `git` CLI: where the repository is, what a ref
//! names, which files differ between two sides, what a commit's tree holds (with symlinks and
//! their targets), and the files of some paths at a commit. Each is one git invocation.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A git failure, with git's own words.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// Not inside a work tree.
    #[error("{0} is not inside a git repository")]
    NotARepo(String),
    /// The ref names no commit.
    #[error("`{0}` names no commit in this repository")]
    BadRef(String),
    /// A commit's tree holds an entry git itself would refuse to check out.
    #[error(
        "{commit} holds `{path}`, which git refuses to check out ({why}); kzrender does not extract such a commit"
    )]
    Refused {
        /// The commit.
        commit: String,
        /// The entry's path, escaped to one line.
        path: String,
        /// Which rule it breaks.
        why: &'static str,
    },
    /// A file of a commit could not be extracted.
    #[error("cannot extract `{path}` of a commit: {message}")]
    Extract {
        /// The entry's path, escaped to one line.
        path: String,
        /// Why.
        message: String,
    },
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

/// One file of a commit's tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the root, `/`-separated.
    pub path: String,
    /// The object id of its blob.
    pub oid: String,
    /// Whether it is a symlink (mode 120000): its blob is the target path.
    pub symlink: bool,
    /// Whether it is a submodule (mode 160000): a commit of another repository, no blob.
    pub submodule: bool,
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

    /// Files (relative to the root) that differ between `base` and `head`, or between `base`
    /// and the working tree when there is no head (staged, unstaged, deleted and `untracked`
    /// files included). With no base, every file of the other side.
    pub fn changed_files(
        &self,
        base: Option<&str>,
        head: Option<&str>,
        untracked: &[String],
    ) -> Result<Vec<String>, GitError> {
        let mut files = match (base, head) {
            (Some(base), Some(head)) => {
                split_z(&self.git(&["diff", "--name-only", "--no-renames", "-z", base, head, "--"])?)
            }
            (None, Some(head)) => self.tree(head)?.into_iter().map(|e| e.path).collect(),
            (Some(base), None) => split_z(&self.git(&["diff", "--name-only", "--no-renames", "-z", base, "--"])?),
            (None, None) => split_z(&self.git(&["ls-files", "-z", "--cached"])?),
        };
        if head.is_none() {
            files.extend(untracked.iter().cloned());
        }
        files.sort();
        files.dedup();
        Ok(files)
    }

    /// The files of the working tree git does not track and does not ignore, relative to the
    /// root. The one step whose cost grows with the tree: git reads every directory.
    pub fn untracked(&self) -> Result<Vec<String>, GitError> {
        Ok(split_z(&self.git(&["ls-files", "-z", "--others", "--exclude-standard"])?))
    }

    /// Every file of the tree of `sha`; an error when one is a path git would not check out.
    pub fn tree(&self, sha: &str) -> Result<Vec<Entry>, GitError> {
        let listing = self.git(&["ls-tree", "-r", "-z", "--full-tree", sha])?;
        let entries: Vec<Entry> = split_z(&listing).into_iter().filter_map(|line| entry(&line)).collect();
        checkout_safe(&entries).map_err(|(path, why)| GitError::Refused {
            commit: sha.chars().take(12).collect(),
            path: crate::diag::one_line(&path),
            why,
        })?;
        Ok(entries)
    }

    /// The index (what is staged): every file with its blob and mode, relative to the root,
    /// deleted from disk or not.
    pub fn index(&self) -> Result<Vec<Entry>, GitError> {
        let listing = self.git(&["ls-files", "-s", "-z"])?;
        Ok(split_z(&listing).into_iter().filter_map(|line| entry(&line)).collect())
    }

    /// The contents of blobs as text (symlink targets), in one `git cat-file --batch`.
    pub fn blobs(&self, oids: &[&str]) -> Result<Vec<String>, GitError> {
        Ok(self.blob_bytes(oids)?.into_iter().map(|b| String::from_utf8_lossy(&b).into_owned()).collect())
    }

    /// The contents of blobs, in one `git cat-file --batch`.
    fn blob_bytes(&self, oids: &[&str]) -> Result<Vec<Vec<u8>>, GitError> {
        if oids.is_empty() {
            return Ok(Vec::new());
        }
        let input: String = oids.iter().map(|o| format!("{o}\n")).collect();
        let out = run_with_input(&self.root, &["cat-file", "--batch"], &input)?;
        let mut blobs = Vec::new();
        let mut rest = out.as_slice();
        while let Some(eol) = rest.iter().position(|&b| b == b'\n') {
            let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
            let size: usize = header
                .rsplit(' ')
                .next()
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| failed("cat-file --batch", &format!("unexpected header `{header}`")))?;
            let body = rest.get(eol + 1..eol + 1 + size).ok_or_else(|| failed("cat-file --batch", "short output"))?;
            blobs.push(body.to_vec());
            rest = rest.get(eol + 2 + size..).unwrap_or_default();
        }
        Ok(blobs)
    }

    /// Writes tree entries (from [`Repo::tree`], so checked by [`checkout_safe`]) below `into`,
    /// an empty directory, with their contents read in one `git cat-file --batch`; submodules
    /// not at all. See [`write_tree`].
    pub fn write_entries(&self, entries: &[&Entry], into: &Path) -> Result<(), GitError> {
        let entries: Vec<&Entry> = entries.iter().copied().filter(|e| !e.submodule).collect();
        let oids: Vec<&str> = entries.iter().map(|e| e.oid.as_str()).collect();
        let blobs = self.blob_bytes(&oids)?;
        write_tree(entries.into_iter().zip(blobs), into)
            .map_err(|(path, e)| GitError::Extract { path: crate::diag::one_line(&path), message: e.to_string() })
    }

    fn git(&self, args: &[&str]) -> Result<String, GitError> {
        git_in(&self.root, args)
    }
}

/// Writes files (their contents) and symlinks (their targets) of a tree that passed
/// [`checkout_safe`] below `into`, an empty directory. No path leaves `into` and no write goes
/// through a symlink: directories are created one level at a time and must be real
/// directories, and a file or a symlink is only ever created new, never opened where something
/// already is. No read leaves it either: a symlink whose target leads outside `into` (absolute,
/// or `..` above it) is refused, so rendering the tree reads only what the commit holds. The
/// first failure, with the entry's path.
pub fn write_tree<'e>(
    entries: impl IntoIterator<Item = (&'e Entry, Vec<u8>)>,
    into: &Path,
) -> Result<(), (String, std::io::Error)> {
    for (entry, blob) in entries {
        let fail = |e: std::io::Error| (entry.path.clone(), e);
        let mut target = into.to_path_buf();
        let mut parts = entry.path.split('/').peekable();
        while let Some(part) = parts.next() {
            target.push(part);
            if parts.peek().is_none() {
                break;
            }
            match std::fs::symlink_metadata(&target) {
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => return Err(fail(std::io::Error::other("a directory of it is not a directory"))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => std::fs::create_dir(&target).map_err(fail)?,
                Err(e) => return Err(fail(e)),
            }
        }
        if entry.symlink {
            let to = String::from_utf8_lossy(&blob).into_owned();
            if !stays_inside(&entry.path, &to) {
                let why = format!("a symlink to `{}`, outside the commit's tree", crate::diag::one_line(&to));
                return Err(fail(std::io::Error::other(why)));
            }
            std::os::unix::fs::symlink(&to, &target).map_err(fail)?;
        } else {
            use std::io::Write;
            let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&target).map_err(fail)?;
            file.write_all(&blob).map_err(fail)?;
        }
    }
    Ok(())
}

/// Whether the symlink at `link` (a tree path) to `target` can only lead inside the tree: a
/// relative target whose `..` all come first and climb no higher than the link's directory.
/// (A `..` after a name could climb out of a directory that name links to.)
fn stays_inside(link: &str, target: &str) -> bool {
    use std::path::Component;
    let depth = link.matches('/').count();
    let mut climbs = 0;
    let mut named = false;
    for c in Path::new(target).components() {
        match c {
            Component::ParentDir if !named => climbs += 1,
            Component::Normal(_) => named = true,
            Component::CurDir => {}
            _ => return false,
        }
    }
    !target.is_empty() && climbs <= depth
}

/// Whether every entry of a tree is one git's own checkout would write (git's `verify_path`):
/// no empty, `.` or `..` component, no absolute path, no `.git` in any spelling a case-folding
/// or NTFS file system reads as `.git`, and nothing below a symlink or a file of the same tree.
/// The first entry that is not, with the rule it breaks.
pub fn checkout_safe(entries: &[Entry]) -> Result<(), (String, &'static str)> {
    let mut by_path: std::collections::HashMap<&str, &Entry> = std::collections::HashMap::new();
    for e in entries {
        if let Some(why) = refused_path(&e.path) {
            return Err((e.path.clone(), why));
        }
        if by_path.insert(&e.path, e).is_some() {
            return Err((e.path.clone(), "the tree holds it twice"));
        }
    }
    for e in entries {
        let mut dirs = e.path.match_indices('/').map(|(i, _)| &e.path[..i]);
        if let Some(above) = dirs.find_map(|d| by_path.get(d)) {
            let why = match above.symlink {
                true => "it lies below a symlink of the same tree",
                false => "it lies below a file of the same tree",
            };
            return Err((e.path.clone(), why));
        }
    }
    Ok(())
}

/// Why git would refuse a path of a tree, if it would.
fn refused_path(path: &str) -> Option<&'static str> {
    if path.starts_with('/') {
        return Some("an absolute path");
    }
    for part in path.split('/') {
        match part {
            "" => return Some("an empty path component"),
            "." | ".." => return Some("a `.` or `..` path component"),
            _ if is_dot_git(part) => return Some("a `.git` path component"),
            _ => {}
        }
    }
    None
}

/// `.git` as case-insensitive and NTFS file systems read it: any case, trailing dots and spaces,
/// the 8.3 short name `git~1`.
fn is_dot_git(part: &str) -> bool {
    let lower = part.to_ascii_lowercase();
    let trimmed = lower.trim_end_matches(['.', ' ']);
    trimmed == ".git" || trimmed == "git~1"
}

/// `<mode> <type> <oid>\t<path>` (ls-tree) or `<mode> <oid> <stage>\t<path>` (ls-files -s).
fn entry(line: &str) -> Option<Entry> {
    let (meta, path) = line.split_once('\t')?;
    let mut fields = meta.split(' ');
    let mode = fields.next()?;
    let oid = fields.find(|f| f.len() >= 40)?.to_owned();
    Some(Entry { path: path.to_owned(), oid, symlink: mode == "120000", submodule: mode == "160000" })
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

fn run_with_input(dir: &Path, args: &[&str], input: &str) -> Result<Vec<u8>, GitError> {
    let mut cmd = Command::new("git");
    cmd.arg("-C").arg(dir).args(args);
    let out = crate::process::output_with_input(&mut cmd, input.as_bytes())
        .map_err(|e| failed(&args.join(" "), &e.to_string()))?;
    if out.status.success() {
        Ok(out.stdout)
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
