//! `kzrender diff` against real temporary git repositories.

use std::path::PathBuf;
use std::process::Command;

use crate::support::{copy_tree, root, Outcome, Test};

/// A git repository holding a copy of the example fleet, committed.
pub struct Repo {
    dir: tempfile::TempDir,
}

impl Repo {
    fn empty() -> Repo {
        let repo = Repo { dir: tempfile::tempdir().unwrap() };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    pub fn fleet() -> Repo {
        let repo = Repo::empty();
        copy_tree(&root().join("fixtures/fleet/clusters"), &repo.path("clusters"));
        repo.commit("the fleet");
        repo
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = std::fs::read_to_string(self.path(rel)).unwrap();
        assert!(text.contains(from), "{rel} lacks {from:?}");
        std::fs::write(self.path(rel), text.replace(from, to)).unwrap();
    }

    fn write(&self, rel: &str, text: &str) {
        std::fs::create_dir_all(self.path(rel).parent().unwrap()).unwrap();
        std::fs::write(self.path(rel), text).unwrap();
    }

    pub fn diff(&self, args: &[&str]) -> Outcome {
        self.diff_in("", args)
    }

    fn diff_in(&self, sub: &str, args: &[&str]) -> Outcome {
        Test::new().current_dir(self.path(sub)).args(["diff", "--color", "never"]).args(args).run()
    }
}

/// The `+`/`-`/`~` resource lines of a diff.
fn headers(out: &Outcome) -> Vec<&str> {
    out.stdout.lines().filter(|l| l.starts_with("+ ") || l.starts_with("- ") || l.starts_with("~ ")).collect()
}

#[test]
fn a_changed_value_shows_one_resource_with_helm_values_as_yaml_lines() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    let out = repo.diff(&[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("diff_changed_value", out.stdout);
    assert_eq!(headers(&out), ["~ Application/calico"]);
    assert!(out.stdout.ends_with("1 cluster, 1 resource changed (rendered 1 of 4 clusters)\n"));
}

#[test]
fn flipping_a_channel_changes_every_application_of_that_cluster_only() {
    let repo = Repo::fleet();
    repo.edit("clusters/onprem/kubezero.yaml", "platform: nocloud\n", "platform: nocloud\nchannel: master\n");
    let out = repo.diff(&["--stat"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        headers(&out),
        ["~ Application/calico", "~ Application/local-volume-provisioner", "~ Application/cert-manager"]
    );
    assert!(out.stdout.starts_with("clusters/onprem\n"), "{}", out.stdout);
}

#[test]
fn enabling_a_component_adds_its_application() {
    let repo = Repo::fleet();
    repo.edit(
        "clusters/onprem/kubezero.yaml",
        "local-volume-provisioner:\n  enabled: true\n",
        "local-volume-provisioner:\n  enabled: true\n\nistio:\n  enabled: true\n",
    );
    let out = repo.diff(&["--stat"]);
    assert_eq!(headers(&out), ["+ Application/istio"]);
}

#[test]
fn added_and_deleted_clusters_show_all_their_resources() {
    let repo = Repo::fleet();
    copy_tree(&repo.path("clusters/onprem"), &repo.path("clusters/lab-2"));
    std::fs::remove_dir_all(repo.path("clusters/legacy-2020")).unwrap();
    let out = repo.diff(&["--stat"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("diff_added_and_deleted_clusters", out.stdout);
}

#[test]
fn files_git_ignores_are_not_part_of_the_working_tree() {
    // The working tree is what a commit of it would hold: an ignored scratch copy of a cluster
    // is no cluster, and neither is a file merely named like kubezero.yaml.
    let repo = Repo::fleet();
    repo.write(".gitignore", "scratch/\n");
    repo.commit("ignore scratch/");
    copy_tree(&repo.path("clusters/onprem"), &repo.path("scratch/onprem"));
    repo.write("clusters/notes/old-kubezero.yaml", "calico: {enabled: true}\n");
    assert_eq!(repo.diff(&["--stat"]).stdout, "no changes (rendered 0 of 4 clusters)\n");
}

#[test]
fn a_changed_cloudbender_output_changes_the_applications_that_use_it() {
    let repo = Repo::fleet();
    repo.edit(
        "clusters/dev/outputs/kube/kube-control-plane.yaml",
        "dev-KiamServerRole-2CC3DD",
        "dev-KiamServerRole-9ZZ9ZZ",
    );
    let out = repo.diff(&[]);
    assert_eq!(headers(&out), ["~ Application/kiam"]);
    insta::assert_snapshot!("diff_changed_output", out.stdout);
}

#[test]
fn an_unrelated_file_renders_nothing_and_diffs_nothing() {
    let repo = Repo::fleet();
    repo.write("README.md", "# fleet\n");
    repo.write("docs/notes.txt", "untracked\n");
    let out = repo.diff(&[]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "no changes (rendered 0 of 4 clusters)\n"), "{}", out.stderr);
}

#[test]
fn untouched_clusters_are_not_rendered_even_when_broken() {
    let repo = Repo::fleet();
    repo.write("clusters/broken/kubezero.yaml", "ClusterName: [\n");
    repo.commit("a broken cluster nobody touches");
    repo.edit("clusters/dev/kubezero.yaml", "KubernetesVersion: 1.16.12", "KubernetesVersion: 1.16.15");
    let out = repo.diff(&[]);
    // Rendering `broken` would have failed with exit 2: it was not rendered.
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stdout, "no changes (rendered 1 of 5 clusters)\n");
}

#[test]
fn secrets_are_redacted_in_the_diff() {
    let repo = Repo::fleet();
    repo.edit("clusters/dev/kubezero.yaml", "s3cr3t-dev-only", "n3w-s3cr3t");
    let out = repo.diff(&[]);
    assert_eq!(out.code, 1);
    assert!(!out.stdout.contains("s3cr3t"), "{}", out.stdout);
    assert!(out.stdout.contains("~ Application/logging\n  (only redacted values changed)\n"), "{}", out.stdout);
}

#[test]
fn a_cluster_broken_at_ref_does_not_hide_the_working_tree_changes() {
    let repo = Repo::fleet();
    repo.edit("clusters/onprem/kubezero.yaml", "mtu: 1450", "mtu: big");
    repo.commit("break onprem");
    repo.edit("clusters/onprem/kubezero.yaml", "mtu: big", "mtu: 1450");
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    let out = repo.diff(&["--stat"]);
    // Wrong input at REF is exit 1 (README.md, Exit codes), and says which side, which cluster and why.
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("kzrender: clusters/onprem: cannot render at HEAD:\nerror: HEAD:clusters/onprem/kubezero.yaml:7:8: calico.mtu: expected integer"),
        "{}",
        out.stderr
    );
    // What the working tree renders for onprem is still shown, and prod-eu's change too.
    assert!(
        out.stdout
            .starts_with("clusters/onprem (cannot render at HEAD: compared with nothing)\n+ Application/calico\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("clusters/prod-eu\n~ Application/calico\n"), "{}", out.stdout);
}

#[test]
fn a_cluster_at_the_repository_root_is_diffed_too() {
    let repo = Repo::empty();
    copy_tree(&root().join("fixtures/fleet/clusters/onprem"), &repo.path(""));
    repo.commit("a one-cluster repository");
    repo.edit("kubezero.yaml", "mtu: 1450", "mtu: 9001");
    let out = repo.diff(&["--stat"]);
    assert_eq!((out.code, headers(&out)), (1, vec!["~ Application/calico"]), "{}", out.stderr);
    assert!(out.stdout.starts_with(".\n"));
}

#[test]
fn a_deleted_cluster_can_be_named_as_the_path() {
    let repo = Repo::fleet();
    std::fs::remove_dir_all(repo.path("clusters/onprem")).unwrap();
    let out = repo.diff(&["--stat", "clusters/onprem"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        headers(&out),
        [
            "- Application/calico",
            "- Application/local-volume-provisioner",
            "- Namespace/cert-manager",
            "- Application/cert-manager"
        ]
    );
}

#[test]
fn refs_may_be_branches_tags_shas_and_remote_branches() {
    let repo = Repo::fleet();
    repo.git(&["tag", "v1"]);
    let sha = repo.git(&["rev-parse", "HEAD"]).trim().to_owned();
    repo.git(&["update-ref", "refs/remotes/origin/main", "HEAD"]);
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    repo.commit("bigger mtu");
    for base in ["main~1", "v1", sha.as_str(), "origin/main"] {
        let out = repo.diff(&["--stat", "--base", base]);
        assert_eq!((out.code, headers(&out)), (1, vec!["~ Application/calico"]), "--base {base}: {}", out.stderr);
    }
    assert_eq!(repo.diff(&["--base", "main"]).code, 0);
    let out = repo.diff(&["--base", "nope"]).failure(2);
    assert_eq!(out.stderr, "kzrender: `nope` names no commit in this repository\n");
}

#[test]
fn works_from_a_subdirectory_and_limits_to_the_paths_given() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    repo.edit("clusters/dev/kubezero.yaml", "region: eu-west-1", "region: eu-west-2");
    // The cluster is shown as validate shows it: relative to the working directory.
    let out = repo.diff_in("clusters", &["--stat", "prod-eu"]);
    assert_eq!(out.stdout, "prod-eu\n~ Application/calico\n1 cluster, 1 resource changed (rendered 1 of 1 cluster)\n");
    let out = repo.diff_in("clusters/prod-eu", &["--stat", "."]);
    assert_eq!(out.stdout, ".\n~ Application/calico\n1 cluster, 1 resource changed (rendered 1 of 1 cluster)\n");
}

#[test]
fn in_a_repository_without_commits_every_cluster_is_added() {
    let repo = Repo::empty();
    copy_tree(&root().join("fixtures/fleet/clusters/onprem"), &repo.path("clusters/onprem"));
    let out = repo.diff(&["--stat"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        headers(&out),
        [
            "+ Application/calico",
            "+ Application/local-volume-provisioner",
            "+ Namespace/cert-manager",
            "+ Application/cert-manager"
        ]
    );
}

#[test]
fn a_shared_values_file_affects_every_cluster_that_uses_it() {
    let repo = Repo::fleet();
    repo.write("shared/canary.yaml", "calico:\n  values:\n    canary: false\n");
    repo.commit("shared values");
    repo.edit("shared/canary.yaml", "canary: false", "canary: true");
    let out = repo.diff(&["--stat", "-f", "shared/canary.yaml", "clusters/onprem", "clusters/dev"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.ends_with("2 clusters, 2 resources changed (rendered 2 of 2 clusters)\n"), "{}", out.stdout);
}

#[test]
fn colour_follows_the_flag() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    let out = Test::new().current_dir(repo.path("")).args(["diff", "--color", "always"]).run();
    insta::assert_snapshot!("diff_coloured", out.stdout.replace('\x1b', "ESC"));
    // `auto` is off when stdout is not a terminal, as in CI logs and in this test.
    let out = Test::new().current_dir(repo.path("")).args(["diff"]).run();
    assert!(!out.stdout.contains('\x1b'));
}

#[test]
fn outside_a_repository_is_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = Test::new().current_dir(dir.path()).args(["diff"]).run().failure(2);
    assert_eq!(out.stderr, format!("kzrender: {} is not inside a git repository\n", dir.path().join(".").display()));
}

#[test]
fn a_change_to_a_file_a_cluster_links_to_changes_that_cluster() {
    let repo = Repo::fleet();
    std::fs::create_dir_all(repo.path("shared")).unwrap();
    std::fs::rename(repo.path("clusters/prod-eu/cloudbender.yaml"), repo.path("shared/cb.yaml")).unwrap();
    std::os::unix::fs::symlink("../../shared/cb.yaml", repo.path("clusters/prod-eu/cloudbender.yaml")).unwrap();
    repo.commit("prod-eu's outputs live in shared/");
    repo.edit("shared/cb.yaml", "KiamServerRole-4D5E6F", "KiamServerRole-NEW123");
    let out = repo.diff(&["--stat"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "clusters/prod-eu\n~ Application/kiam\n1 cluster, 1 resource changed (rendered 1 of 4 clusters)\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn head_compares_two_commits_and_ignores_the_working_tree() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    repo.commit("bigger mtu");
    repo.edit("clusters/dev/kubezero.yaml", "region: eu-west-1", "region: eu-west-2");
    let out = repo.diff(&["--stat", "--base", "HEAD~1", "--head", "HEAD"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (1, "clusters/prod-eu\n~ Application/calico\n1 cluster, 1 resource changed (rendered 1 of 4 clusters)\n"),
        "{}",
        out.stderr
    );
    assert_eq!(repo.diff(&["--base", "HEAD", "--head", "HEAD"]).stdout, "no changes (rendered 0 of 4 clusters)\n");
}

/// `diff --charts fixtures/charts` with the helm `scripts/fetch-tools.sh` installs.
fn with_charts(repo: &Repo, args: &[&str]) -> Outcome {
    let charts = root().join("fixtures/charts").display().to_string();
    let helm = crate::support::helm().display().to_string();
    let mut all = vec!["--charts", &charts, "--helm", &helm];
    all.extend(args);
    repo.diff(&all)
}

#[test]
fn with_charts_each_changed_application_shows_what_its_chart_renders_differently() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "retention: 30d", "retention: 15d");
    repo.edit("clusters/prod-eu/kubezero.yaml", "url: grafana.prod.example.com", "url: dashboards.prod.example.com");
    let out = with_charts(&repo, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("diff_charts_leaves", out.stdout);
    assert_eq!(
        out.stdout.lines().filter(|l| l.trim_start().starts_with("~ ")).collect::<Vec<_>>(),
        [
            "~ Application/metrics",
            "  ~ Prometheus/monitoring/metrics-prometheus",
            "  ~ VirtualService/monitoring/grafana"
        ]
    );
    assert!(out.stdout.ends_with("1 cluster, 1 resource and 2 chart resources changed (rendered 1 of 4 clusters)\n"));
}

#[test]
fn with_charts_a_chart_that_fails_on_the_new_side_is_reported_on_stderr() {
    let repo = Repo::fleet();
    repo.edit(
        "clusters/prod-eu/kubezero.yaml",
        "kiam:\n  enabled: true\n",
        "kiam:\n  enabled: true\n  values:\n    kiam:\n      server:\n        assumeRoleArn: null\n",
    );
    let out = with_charts(&repo, &["--stat"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "clusters/prod-eu\n~ Application/kiam\n1 cluster, 1 resource and 0 chart resources changed (rendered 1 of 4 clusters)\n");
    assert_eq!(
        out.stderr,
        "kzrender: clusters/prod-eu: Application kiam: cannot render its chart in the working tree: helm template failed: \
         execution error at (kubezero-kiam/templates/role-check.yaml:2:4): kiam.server.assumeRoleArn is required: \
         kiam's server assumes this role for every pod; Use --debug flag to render out invalid YAML\n"
    );
}

#[test]
fn as_json_each_change_is_data_cluster_resource_change_and_diff() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    let out = repo.diff(&["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["summary"], "1 cluster, 1 resource changed (rendered 1 of 4 clusters)");
    let change = &doc["clusters"][0];
    assert_eq!(change["cluster"], "clusters/prod-eu");
    let r = &change["resources"][0];
    assert_eq!(
        (r["kind"].as_str(), r["name"].as_str(), r["change"].as_str()),
        (Some("Application"), Some("calico"), Some("changed"))
    );
    assert!(r["diff"].as_str().unwrap().contains("\n-        mtu: 8941\n+        mtu: 9001\n"), "{r}");
}

#[test]
fn as_markdown_it_is_a_pull_request_comment() {
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    let out = repo.diff(&["--format", "markdown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("diff_markdown", out.stdout);
}

#[test]
fn a_comment_stays_within_githubs_limit_and_says_what_it_left_out() {
    let repo = Repo::fleet();
    // 300 clusters whose calico changes: their diffs together are far longer than one comment.
    let prod = repo.path("clusters/prod-eu");
    for i in 0..300 {
        copy_tree(&prod, &repo.path(&format!("clusters/many/c{i:03}")));
    }
    repo.commit("many clusters");
    for i in 0..300 {
        repo.edit(&format!("clusters/many/c{i:03}/kubezero.yaml"), "mtu: 8941", "mtu: 9001");
    }
    let out = repo.diff(&["--format", "markdown"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.chars().count() <= 65_536, "{} characters", out.stdout.chars().count());
    let note = out.stdout.lines().last().unwrap();
    let shown = out.stdout.matches("<details>").count();
    let left = 300 - shown;
    assert!(shown > 0 && left > 0, "{shown} shown");
    assert_eq!(
        note,
        format!(
            "_{left} clusters ({left} changed resources) not shown: a comment holds at most 65536 characters. \
             Run `kzrender diff` to see them._"
        )
    );
}
