//! The shipped pre-commit hooks, run by the real pre-commit (PyPI, installed by
//! `scripts/fetch-tools.sh`) in a fleet repository: they see deletion-only commits and compare the
//! refs pre-commit gives them. The hook definitions are `.pre-commit-hooks.yaml`'s, run as local
//! hooks against the kzrender binary under test instead of a cargo build.

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};

use crate::support::{copy_tree, documents, root};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `pre-commit run ARGS` in `dir`: exit code and everything it printed.
fn pre_commit(dir: &Path, home: &Path, args: &[&str]) -> (i32, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_kzrender")).parent().unwrap();
    let out = Command::new(crate::support::venv("pre-commit"))
        .arg("run")
        .args(args)
        .current_dir(dir)
        .env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()))
        .env("PRE_COMMIT_HOME", home)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env_remove("PRE_COMMIT_FROM_REF")
        .env_remove("PRE_COMMIT_TO_REF")
        .output()
        .expect("pre-commit runs; run scripts/fetch-tools.sh");
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn the_hooks_see_deletion_only_commits_and_compare_the_refs_pre_commit_gives() {
    let work = tempfile::tempdir().unwrap();
    let (repo, home) = (work.path().join("fleet"), work.path().join("pre-commit-home"));
    copy_tree(&root().join("fixtures/fleet/clusters"), &repo.join("clusters"));
    let shipped = documents(&std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap()).remove(0);
    let hooks: Vec<Value> = shipped
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            let mut h = h.clone();
            h["language"] = json!("system");
            h
        })
        .collect();
    let config = json!({"repos": [{"repo": "local", "hooks": hooks}]});
    std::fs::write(repo.join(".pre-commit-config.yaml"), config.to_string()).unwrap();
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "the fleet"]);

    // A commit that only deletes prod-eu's CloudBender outputs: no file is passed to the hooks.
    git(&repo, &["rm", "-q", "clusters/prod-eu/cloudbender.yaml"]);
    let (code, out) = pre_commit(&repo, &home, &[]);
    assert_eq!(code, 1, "{out}");
    let missing =
        "  error: clusters/prod-eu/kubezero.yaml:30:1: kiam.IamArn: is required when kiam is enabled, but is not \
                   set; CloudBender exports it (cloudbender.yaml, or outputs/: `kzrender outputs import`)";
    assert!(out.lines().any(|l| l == missing), "the validate hook ran and failed on prod-eu:\n{out}");
    git(&repo, &["reset", "-q", "--hard"]);

    // pre-push / CI: the diff hook compares the commits pre-commit names, not the working tree.
    let kubezero = repo.join("clusters/prod-eu/kubezero.yaml");
    let text = std::fs::read_to_string(&kubezero).unwrap();
    std::fs::write(&kubezero, text.replace("mtu: 8941", "mtu: 9001")).unwrap();
    git(&repo, &["commit", "-q", "-am", "bigger mtu"]);
    let (code, out) = pre_commit(&repo, &home, &["--from-ref", "HEAD~1", "--to-ref", "HEAD", "kzrender-diff"]);
    assert_eq!(code, 0, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| *l == "clusters/prod-eu").unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        lines[at..at + 3],
        ["clusters/prod-eu", "~ Application/calico", "1 cluster, 1 resource changed (rendered 1 of 4 clusters)"]
    );
}
