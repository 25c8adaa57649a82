//! `kzrender diff` against commits a pushed branch could carry: trees git itself would not
//! check out, symlinks that lead out of the tree, changed submodules.

use std::process::Command;

use crate::diff::Repo;
use crate::support::{Outcome, Test};

/// A commit on top of HEAD whose root tree also holds `extra` (mktree lines, `<mode> <type>
/// <oid>\t<name>`): trees git's own commands would never build, made with `git mktree` as a
/// pushed branch could carry them. Returns the commit.
fn hostile_commit(repo: &Repo, extra: &[String]) -> String {
    let mut lines: Vec<String> =
        repo.git(&["ls-tree", "HEAD"]).lines().map(str::to_owned).chain(extra.iter().cloned()).collect();
    lines.push(String::new());
    let tree = git_with_input(repo, &["mktree"], &lines.join("\n"));
    repo.git(&["commit-tree", tree.trim(), "-p", "HEAD", "-m", "evil"]).trim().to_owned()
}

fn git_with_input(repo: &Repo, args: &[&str], input: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(repo.path(""))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A tree `outside/pwned.txt`, the payload of the hostile commits.
fn payload(repo: &Repo) -> String {
    let blob = git_with_input(repo, &["hash-object", "-w", "--stdin"], "pwned\n");
    let file = git_with_input(repo, &["mktree"], &format!("100644 blob {}\tpwned.txt\n", blob.trim()));
    git_with_input(repo, &["mktree"], &format!("040000 tree {}\toutside\n", file.trim())).trim().to_owned()
}

/// Runs a diff against `evil` with the scratch directory inside a fresh TMPDIR, and returns the
/// outcome and every file that exists in that TMPDIR's parent afterwards under `outside`.
fn diff_hostile(repo: &Repo, evil: &str) -> (Outcome, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let scratch = tmp.path().join("a/b");
    std::fs::create_dir_all(&scratch).unwrap();
    let out = Test::new()
        .current_dir(repo.path(""))
        .env("TMPDIR", scratch.to_str().unwrap())
        .args(["diff", "--color", "never", "--base", "HEAD", "--head", evil])
        .run();
    let escaped = walk_names(tmp.path()).iter().any(|n| n == "pwned.txt");
    (out, escaped)
}

fn walk_names(dir: &std::path::Path) -> Vec<String> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        names.push(e.file_name().to_string_lossy().into_owned());
        if e.file_type().unwrap().is_dir() {
            names.extend(walk_names(&e.path()));
        }
    }
    names
}

#[test]
fn a_commit_with_a_dot_dot_entry_is_refused_and_writes_nothing() {
    let repo = Repo::fleet();
    let evil = hostile_commit(&repo, &[format!("040000 tree {}\t..", payload(&repo))]);
    let (out, escaped) = diff_hostile(&repo, &evil);
    let out = out.failure(2);
    assert!(!escaped, "a file was written outside the scratch directory");
    assert_eq!(
        out.stderr.replace(&evil[..12], "<commit>"),
        "kzrender: <commit> holds `../outside/pwned.txt`, which git refuses to check out (a `.` or `..` \
         path component); kzrender does not extract such a commit\n"
    );
}

#[test]
fn a_commit_with_a_directory_below_its_own_symlink_is_refused_and_writes_nothing() {
    let repo = Repo::fleet();
    let target = git_with_input(&repo, &["hash-object", "-w", "--stdin"], "../../../..");
    let evil = hostile_commit(
        &repo,
        &[format!("120000 blob {}\tlink", target.trim()), format!("040000 tree {}\tlink", payload(&repo))],
    );
    let (out, escaped) = diff_hostile(&repo, &evil);
    let out = out.failure(2);
    assert!(!escaped, "a file was written through a symlink");
    assert_eq!(
        out.stderr.replace(&evil[..12], "<commit>"),
        "kzrender: <commit> holds `link/outside/pwned.txt`, which git refuses to check out (it lies below a \
         symlink of the same tree); kzrender does not extract such a commit\n"
    );
}

#[test]
fn a_commit_whose_symlinks_lead_outside_its_tree_is_refused_and_nothing_outside_is_read() {
    let repo = Repo::fleet();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("p.yaml"), "calico: {mtu: 1}\n").unwrap();
    for (i, target) in [outside.path().to_str().unwrap(), "../../..", "prod-eu/../..", "."].iter().enumerate() {
        let link = git_with_input(&repo, &["hash-object", "-w", "--stdin"], target);
        // clusters/dev/outputs -> target, in place of the cluster's own outputs.
        let dev = repo.git(&["ls-tree", "HEAD", "clusters/dev/"]);
        let mut lines: Vec<String> =
            dev.lines().filter(|l| !l.ends_with("/outputs")).map(|l| l.replace("clusters/dev/", "")).collect();
        lines.push(format!("120000 blob {}\toutputs", link.trim()));
        lines.push(String::new());
        let dev_tree = git_with_input(&repo, &["mktree"], &lines.join("\n"));
        let clusters: Vec<String> = repo
            .git(&["ls-tree", "HEAD", "clusters/"])
            .lines()
            .map(|l| match l.ends_with("clusters/dev") {
                true => format!("040000 tree {}\tdev", dev_tree.trim()),
                false => l.replace("clusters/", ""),
            })
            .chain([String::new()])
            .collect();
        let clusters_tree = git_with_input(&repo, &["mktree"], &clusters.join("\n"));
        let root = format!("040000 tree {}\tclusters\n", clusters_tree.trim());
        let tree = git_with_input(&repo, &["mktree"], &root);
        let evil = repo.git(&["commit-tree", tree.trim(), "-p", "HEAD", "-m", "link"]).trim().to_owned();
        let out = repo.diff(&["--base", "HEAD", "--head", &evil]);
        if i == 3 {
            // `.` stays inside the cluster: no error of extraction, the render says what it finds.
            assert!(!out.stderr.contains("outside the commit's tree"), "{}", out.stderr);
            continue;
        }
        let out = out.failure(2);
        assert_eq!(
            out.stderr,
            format!(
                "kzrender: cannot extract `clusters/dev/outputs` of a commit: a symlink to `{target}`, outside the commit's tree\n"
            ),
            "{target}"
        );
    }
}

#[test]
fn git_dir_spellings_and_empty_components_are_refused() {
    use kzrender::git::{checkout_safe, Entry};
    let file = |path: &str| Entry { path: path.into(), oid: "0".repeat(40), symlink: false, submodule: false };
    for bad in [".git/config", "a/.GIT/hooks/x", "a/.git. /x", "GIT~1/x", "a//b", "/etc/x", "a/./b", "a/.."] {
        assert!(checkout_safe(&[file(bad)]).is_err(), "{bad} must be refused");
    }
    for good in ["a/.gitignore", "a/..b", "a/b..", ".github/x", "git~2"] {
        assert_eq!(checkout_safe(&[file(good)]), Ok(()), "{good} is a path git checks out");
    }
    assert!(checkout_safe(&[file("a"), file("a/b")]).is_err(), "nothing lies below a file");
    assert!(checkout_safe(&[file("a"), file("a")]).is_err(), "no path twice");
}

#[test]
fn a_changed_submodule_is_named_as_skipped_never_no_changes() {
    let repo = Repo::fleet();
    let sha = |n: char| n.to_string().repeat(40);
    let base = hostile_commit(&repo, &[format!("160000 commit {}\tclusters-extra", sha('a'))]);
    repo.git(&["update-ref", "refs/heads/base", &base]);
    repo.git(&["reset", "-q", "--hard", "base"]);
    // The same tree with the submodule moved on to another commit.
    let lines: Vec<String> = repo
        .git(&["ls-tree", "HEAD"])
        .lines()
        .map(|l| {
            if l.contains("clusters-extra") {
                format!("160000 commit {}\tclusters-extra", sha('b'))
            } else {
                l.to_owned()
            }
        })
        .chain([String::new()])
        .collect();
    let tree = git_with_input(&repo, &["mktree"], &lines.join("\n"));
    let moved = repo.git(&["commit-tree", tree.trim(), "-p", "HEAD", "-m", "bump"]).trim().to_owned();
    let out = repo.diff(&["--base", "HEAD", "--head", &moved]);
    assert_eq!(out.code, 1, "a skipped change is not \"no changes\": {}", out.stderr);
    assert_eq!(
        out.stdout,
        "clusters-extra: a git submodule that changed: kzrender does not render inside submodules, skipped\n\
         no changes rendered (rendered 0 of 4 clusters; 1 changed submodule skipped)\n"
    );
}
