//! Which clusters a change can affect, and what the other side needs from git.
//!
//! A cluster's inputs are the files below its directory, the targets of symlinks among them
//! (a symlinked `cloudbender.yaml` is an input wherever it points inside the repository), and
//! the inputs every cluster shares (`-f` files, an in-repository catalog). Every step is linear
//! in the number of files: each changed file looks up its own ancestors, never every cluster.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::DiffError;
use crate::fleet;
use crate::git::{Entry, GitError, Repo};
use crate::load::CLUSTER_FILE;
use crate::read::lexically_normal;

/// What to compare.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Where to look for clusters, relative to the working directory (empty: all of it).
    pub paths: Vec<PathBuf>,
    /// The old side: a git ref.
    pub base: String,
    /// The new side: a git ref, or the working tree when absent.
    pub head: Option<String>,
    /// Inputs every cluster shares (`-f` files, a `--kubezero` catalog), as written.
    pub shared: Vec<PathBuf>,
}

/// The clusters to render, and where their inputs are.
#[derive(Debug)]
pub struct Plan {
    /// The repository.
    pub repo: Repo,
    /// The old side's commit; `None` in a repository without commits.
    pub base: Option<String>,
    /// The new side's commit; `None` for the working tree.
    pub head: Option<String>,
    /// Cluster directories (repository-relative, `""` for the root) on the new side.
    pub now: BTreeSet<String>,
    /// Cluster directories on the old side.
    pub then: BTreeSet<String>,
    /// The clusters a changed file can affect, in path order.
    pub affected: Vec<String>,
    /// Git submodules in scope that changed: kzrender does not look inside them, so the clusters
    /// they may hold are named as skipped, never counted as unchanged.
    pub submodules: Vec<String>,
    /// Shared inputs inside the repository, repository-relative.
    shared: Vec<String>,
    /// Symlink targets inside the repository, per cluster.
    links: BTreeMap<String, BTreeSet<String>>,
    /// Every file of the old and (for a commit) the new side.
    tree_then: Vec<Entry>,
    tree_now: Vec<Entry>,
}

/// Plans a diff run from the working directory `cwd`.
pub fn plan(query: &Query, cwd: &Path) -> Result<Plan, DiffError> {
    let paths: Vec<PathBuf> = if query.paths.is_empty() { vec![PathBuf::from(".")] } else { query.paths.clone() };
    // A path may exist only at REF (a deleted cluster): find the repository from what exists.
    let first = cwd.join(&paths[0]);
    let repo = Repo::discover(if first.exists() { &first } else { cwd })?;
    let base = repo.resolve(&query.base)?;
    let head = match &query.head {
        Some(h) => Some(repo.resolve(h)?.ok_or_else(|| GitError::BadRef(h.clone()))?),
        None => None,
    };
    let inside = |p: &Path| relative_to(&repo.root, &cwd.join(p));
    let scopes: Vec<String> =
        paths.iter().map(|p| inside(p).ok_or_else(|| outside(p, &repo))).collect::<Result<_, _>>()?;
    let in_scope = |c: &str| scopes.iter().any(|s| s.is_empty() || c == s || c.starts_with(&format!("{s}/")));
    let shared = query.shared.iter().filter_map(|p| inside(p)).collect();

    let tree_then = match &base {
        Some(sha) => repo.tree(sha)?,
        None => Vec::new(),
    };
    // The working tree's untracked files, listed once: they are changed files and may make
    // clusters.
    let untracked = if head.is_none() { repo.untracked()? } else { Vec::new() };
    // The new side's files: a commit's tree, or the working tree's index (listed once, for its
    // clusters and its symlinks).
    let (tree_now, index) = match &head {
        Some(sha) => (repo.tree(sha)?, Vec::new()),
        None => (Vec::new(), repo.index()?),
    };
    let now = match &head {
        Some(_) => clusters(&tree_now),
        None => working_tree_clusters(&repo, &index, &untracked),
    };
    let now = now.into_iter().filter(|c| in_scope(c)).collect();
    let then: BTreeSet<String> = clusters(&tree_then).into_iter().filter(|c| in_scope(c)).collect();
    let mut plan = Plan {
        links: BTreeMap::new(),
        repo,
        base,
        head,
        now,
        then,
        affected: Vec::new(),
        submodules: Vec::new(),
        shared,
        tree_then: Vec::new(),
        tree_now: Vec::new(),
    };
    plan.links = plan.symlink_targets(&tree_then, &tree_now, &index)?;
    let submodules: BTreeSet<String> =
        tree_then.iter().chain(&tree_now).chain(&index).filter(|e| e.submodule).map(|e| e.path.clone()).collect();
    (plan.tree_then, plan.tree_now) = (tree_then, tree_now);
    let changed = plan.repo.changed_files(plan.base.as_deref(), plan.head.as_deref(), &untracked)?;
    plan.affected = plan.affected_by(&changed);
    // A submodule is in scope when it lies in a scope or a scope lies in it.
    let touches = |m: &str| in_scope(m) || scopes.iter().any(|s| s.starts_with(&format!("{m}/")));
    plan.submodules = changed.into_iter().filter(|f| submodules.contains(f) && touches(f)).collect();
    Ok(plan)
}

impl Plan {
    /// A path (relative to `cwd`) relative to the repository root, when it lies inside.
    pub fn in_repository(&self, cwd: &Path, path: &Path) -> Option<String> {
        relative_to(&self.repo.root, &cwd.join(path))
    }

    /// How many clusters the two sides hold together.
    pub fn total(&self) -> usize {
        self.now.union(&self.then).count()
    }

    /// Writes what the old side needs into `then`, and the new side's into `now` when it is a
    /// commit: the affected clusters that exist there, the shared inputs and symlink targets.
    pub fn extract(&self, then: &Path, now: &Path) -> Result<(), GitError> {
        self.repo.write_entries(&self.wanted(&self.then, &self.tree_then), then)?;
        self.repo.write_entries(&self.wanted(&self.now, &self.tree_now), now)
    }

    /// The entries of a side's tree below its affected clusters (a cluster at the repository
    /// root is the whole tree), the targets of their symlinks and the shared inputs.
    fn wanted<'t>(&self, side: &BTreeSet<String>, tree: &'t [Entry]) -> Vec<&'t Entry> {
        let mut prefixes: BTreeSet<&str> = BTreeSet::new();
        for cluster in self.affected.iter().filter(|c| side.contains(*c)) {
            prefixes.insert(cluster);
            prefixes.extend(self.links.get(cluster).into_iter().flatten().map(String::as_str));
        }
        prefixes.extend(self.shared.iter().map(String::as_str));
        // A path is wanted when it or one of its directories is a prefix.
        let wanted = |path: &str| {
            prefixes.contains("") || prefixes.contains(path) || ancestors(path).any(|a| prefixes.contains(a))
        };
        tree.iter().filter(|e| wanted(&e.path)).collect()
    }

    /// The clusters a changed file can affect: the one it lies in, every cluster when it is a
    /// shared input, and those with a symlink pointing at it.
    fn affected_by(&self, changed: &[String]) -> Vec<String> {
        let all: BTreeSet<&String> = self.now.iter().chain(&self.then).collect();
        let covers = |input: &str, file: &str| file == input || file.starts_with(&format!("{input}/"));
        if changed.iter().any(|f| self.shared.iter().any(|s| covers(s, f))) {
            return all.into_iter().cloned().collect();
        }
        let mut by_target: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
        for (cluster, targets) in &self.links {
            targets.iter().for_each(|t| by_target.entry(t.as_str()).or_default().push(cluster));
        }
        let mut affected = BTreeSet::new();
        for file in changed {
            for prefix in std::iter::once("").chain(ancestors(file)).chain(std::iter::once(file.as_str())) {
                if all.contains(&prefix.to_owned()) {
                    affected.insert(prefix.to_owned());
                }
                by_target.get(prefix).into_iter().flatten().for_each(|c| {
                    affected.insert((*c).clone());
                });
            }
        }
        affected.into_iter().filter(|c| all.contains(c)).collect()
    }

    /// Where symlinks below each cluster point, on both sides, kept when inside the repository.
    /// `index` is the working tree's, whose symlinks are read from disk.
    fn symlink_targets(
        &self,
        then: &[Entry],
        now: &[Entry],
        index: &[Entry],
    ) -> Result<BTreeMap<String, BTreeSet<String>>, GitError> {
        let mut links: Vec<(String, String)> = Vec::new();
        for tree in [then, now] {
            let symlinks: Vec<&Entry> = tree.iter().filter(|e| e.symlink).collect();
            let oids: Vec<&str> = symlinks.iter().map(|e| e.oid.as_str()).collect();
            links.extend(symlinks.iter().map(|e| e.path.clone()).zip(self.repo.blobs(&oids)?));
        }
        for link in index.iter().filter(|e| e.symlink) {
            if let Ok(target) = std::fs::read_link(self.repo.root.join(&link.path)) {
                links.push((link.path.clone(), target.to_string_lossy().into_owned()));
            }
        }
        let clusters: BTreeSet<&String> = self.now.iter().chain(&self.then).collect();
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (link, target) in links {
            let Some(cluster) =
                ancestors(&link).rev().chain(std::iter::once("")).find(|a| clusters.contains(&a.to_string()))
            else {
                continue;
            };
            let dir = Path::new(&link).parent().unwrap_or(Path::new(""));
            let resolved = lexically_normal(&dir.join(&target));
            if resolved.is_relative() && !resolved.starts_with("..") {
                out.entry(cluster.to_owned()).or_default().insert(resolved.to_string_lossy().into_owned());
            }
        }
        Ok(out)
    }
}

/// The directories above a `/`-separated path, shortest first (`a/b/c` → `a`, `a/b`).
fn ancestors(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.match_indices('/').map(move |(i, _)| &path[..i])
}

/// The cluster directories of a commit's tree.
fn clusters(tree: &[Entry]) -> Vec<String> {
    let paths: Vec<String> = tree.iter().map(|e| e.path.clone()).collect();
    fleet::cluster_dirs_from_files(&paths)
}

/// The cluster directories of the working tree, from git's lists of its files (the index and the
/// untracked files; no walk of a tree that may hold 20,000 clusters): what a commit of it would
/// hold, so ignored files do not count. A cluster whose `kubezero.yaml` is gone from disk is gone.
fn working_tree_clusters(repo: &Repo, index: &[Entry], untracked: &[String]) -> Vec<String> {
    let files: Vec<String> = index.iter().map(|e| e.path.clone()).chain(untracked.iter().cloned()).collect();
    let present = |dir: &String| repo.root.join(dir).join(CLUSTER_FILE).is_file();
    fleet::cluster_dirs_from_files(&files).into_iter().filter(present).collect()
}

/// `path` (absolute, or relative to a real directory) relative to the repository root.
fn relative_to(root: &Path, path: &Path) -> Option<String> {
    let abs = path.canonicalize().unwrap_or_else(|_| lexically_normal(path));
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    abs.strip_prefix(&root).ok().map(|r| r.to_string_lossy().into_owned())
}

fn outside(path: &Path, repo: &Repo) -> DiffError {
    DiffError::Outside { path: path.display().to_string(), root: repo.root.display().to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ancestors_are_the_directories_above_a_path() {
        assert_eq!(ancestors("a/b/c.yaml").collect::<Vec<_>>(), ["a", "a/b"]);
        assert_eq!(ancestors("c.yaml").count(), 0);
    }
}
