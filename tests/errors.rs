//! Bad input: exit 1, nothing on stdout, and exactly the text a user sees on stderr.

use crate::support::Test;

/// Each case is a directory under `fixtures/errors/` (plus extra flags); its stderr is a snapshot.
const CASES: &[(&str, &[&str])] = &[
    ("alias-bomb", &[]),
    ("aws-only-component-on-nocloud", &[]),
    ("dns-solver-without-region", &[]),
    ("duplicate-key", &[]),
    ("kiam-without-cert-manager", &[]),
    ("master-only-component-on-stable", &[]),
    ("nesting-too-deep", &[]),
    ("not-a-map", &[]),
    ("not-utf8", &[]),
    ("unknown-channel", &[]),
    ("yaml-syntax-error", &[]),
];

pub fn stderr_of(case: &str, extra: &[&str]) -> String {
    let out = Test::new().args(["render", &format!("fixtures/errors/{case}")]).args(extra).run().failure(1);
    let first = out.stderr.lines().next().unwrap_or_default();
    assert!(first.starts_with("kzrender: ") && first.len() < 400, "first stderr line is short: {first}");
    assert!(
        out.stderr.lines().any(|l| l.starts_with("error: fixtures/errors/")),
        "located error lines:\n{}",
        out.stderr
    );
    out.stderr
}

#[test]
fn every_bad_input_fails_with_located_errors_and_empty_stdout() {
    for (case, extra) in CASES {
        insta::assert_snapshot!(format!("error_{case}"), stderr_of(case, extra));
    }
}

#[test]
fn a_values_file_named_on_the_command_line_that_cannot_be_read_is_exit_2() {
    let out =
        Test::new().args(["render", "fixtures/errors/values-file-missing", "-f", "missing.yaml"]).run().failure(2);
    insta::assert_snapshot!("error_values-file-missing", out.stderr);
}

#[test]
fn a_directory_without_kubezero_yaml_is_a_usage_error() {
    let out = Test::new().args(["render", "fixtures/fleet"]).run().failure(2);
    assert_eq!(out.stderr, "kzrender: fixtures/fleet: not a cluster directory (it has no kubezero.yaml)\n");
    let out = Test::new().args(["render", "fixtures/nope"]).run().failure(2);
    assert_eq!(out.stderr, "kzrender: fixtures/nope: no such directory\n");
}

#[test]
fn a_set_without_equals_is_a_usage_error() {
    let out = Test::new().args(["render", "fixtures/fleet/clusters/onprem", "--set", "calico.mtu"]).run().failure(2);
    assert!(out.stderr.contains("--set calico.mtu: expected KEY=VALUE"), "{}", out.stderr);
}

#[test]
fn all_problems_of_a_file_set_are_reported_not_just_the_first() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubezero.yaml"), "ClusterName: x\nchannel: stable\n").unwrap();
    std::fs::write(dir.path().join("a.yaml"), "a: [\n").unwrap();
    std::fs::write(dir.path().join("b.yaml"), "b: 1\nb: 2\n").unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).args(["-f", "a.yaml", "-f", "b.yaml"]).run().failure(1);
    assert_eq!(out.stderr.lines().filter(|l| l.starts_with("error: ")).count(), 2, "{}", out.stderr);
    assert!(out.stderr.lines().next().unwrap().contains("2 errors"));
}

#[test]
fn yaml_1_1_ambiguous_scalars_warn_with_their_place_but_render() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kubezero.yaml"),
        "ClusterName: x\nplatform: nocloud\ncalico:\n  values:\n    flag: on\n    mode: 012\n    y: 1\n",
    )
    .unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().success();
    let warnings: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 3, "{}", out.stderr);
    assert!(warnings[0].ends_with("kubezero.yaml:5:11: calico.values.flag: unquoted `on` is read as boolean true by YAML 1.1 readers (Helm, ArgoCD) but as a string by YAML 1.2; quote it if you mean a string"), "{}", warnings[0]);
    assert!(
        warnings[1].contains(":6:11: calico.values.mode: unquoted `012` is read as integer 10 by YAML 1.1 readers"),
        "{}",
        warnings[1]
    );
    assert!(warnings[2].contains(":7:5: calico.values: key `y` is read as a boolean"), "{}", warnings[2]);
}

fn cluster(kubezero: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubezero.yaml"), kubezero).unwrap();
    dir
}

#[test]
fn an_app_of_apps_with_nothing_enabled_is_refused_not_printed_empty() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\ncalico: ~\ncert-manager: {enabled: false}\n");
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(
        out.stderr.contains("kubezero.yaml:1:1: no component is enabled: ArgoCD would take the empty app-of-apps"),
        "{}",
        out.stderr
    );
}

#[test]
fn infinities_and_nans_are_refused_because_helm_cannot_read_them() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\ncalico: {values: {a: .inf}}\n");
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(
        out.stderr.contains("kubezero.yaml:3:22: calico.values.a: Helm cannot read .inf or .nan"),
        "{}",
        out.stderr
    );
}

#[test]
fn set_keys_deeper_than_the_limit_or_with_empty_parts_are_errors() {
    let deep = format!("calico.values.{}=1", vec!["a"; 70].join("."));
    let out = Test::new().args(["render", "fixtures/fleet/clusters/onprem", "--set", &deep]).run().failure(1);
    assert!(out.stderr.contains("the key is deeper than 64 levels"), "{}", out.stderr);
    let out = Test::new().args(["render", "fixtures/fleet/clusters/onprem", "--set", "calico..mtu=1"]).run().failure(1);
    assert!(out.stderr.contains("calico..mtu: a key has an empty part"), "{}", out.stderr);
}

#[test]
fn aliases_may_not_nest_past_the_depth_limit() {
    let open = "[".repeat(40);
    let close = "]".repeat(40);
    let text = format!("ClusterName: x\nplatform: nocloud\nargo-cd:\n  a: &a {open}1{close}\n  b: {open}*a{close}\n");
    let dir = cluster(&text);
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(out.stderr.contains("the alias nests deeper than 64 levels"), "{}", out.stderr);
}

#[test]
fn a_chain_of_aliases_is_stopped_by_the_expansion_budget() {
    let mut text = String::from("ClusterName: x\nplatform: nocloud\nargo-cd:\n  a0: &a0 [1, 2, 3, 4, 5, 6, 7, 8]\n");
    for i in 1..40 {
        text.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}, *a{p}]\n", p = i - 1));
    }
    let dir = cluster(&text);
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(out.stderr.contains("aliases expand to far more data than the file holds"), "{}", out.stderr);
}

#[test]
fn secrets_set_on_the_command_line_never_appear_in_messages() {
    let out = Test::new()
        .args(["render", "fixtures/fleet/clusters/dev", "--set", "logging.elastic_password=12345"])
        .run()
        .failure(1);
    assert!(!out.stderr.contains("12345"), "{}", out.stderr);
    assert!(out.stderr.contains("--set logging.elastic_password=<redacted>: logging.elastic_password: expected string, got integer <redacted>"), "{}", out.stderr);
    let explain = Test::new()
        .args([
            "explain",
            "logging.elastic_password",
            "fixtures/fleet/clusters/dev",
            "--set-string",
            "logging.elastic_password=hunter2",
        ])
        .run()
        .success();
    assert!(!explain.stdout.contains("hunter2") && !explain.stdout.contains("s3cr3t"), "{}", explain.stdout);
}

#[test]
fn a_null_channel_means_the_default_and_a_null_global_is_one_located_error() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\nchannel: ~\n");
    assert!(Test::new()
        .args(["render"])
        .arg_path(dir.path())
        .run()
        .success()
        .stdout
        .contains("targetRevision: stable\n"));
    let dir = cluster("ClusterName: x\nplatform: nocloud\nglobal: null\n");
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert_eq!(out.stderr.lines().filter(|l| l.starts_with("error: ")).count(), 1, "{}", out.stderr);
    assert!(out.stderr.contains("kubezero.yaml:1:1: global: is required but not set"), "{}", out.stderr);
}

#[test]
fn a_key_with_a_line_break_stays_on_one_line_of_stderr() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\n? \"a\\nb\"\n: 1\n");
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert_eq!(out.stderr.lines().count(), 2, "{}", out.stderr);
    assert!(out.stderr.contains(r"a\nb: unknown key"), "{}", out.stderr);
}

#[test]
fn a_cloudbender_file_that_is_a_directory_is_an_error_not_ignored() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\n");
    std::fs::create_dir(dir.path().join("cloudbender.yaml")).unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(out.stderr.contains("cloudbender.yaml: not a regular file"), "{}", out.stderr);
}

#[test]
fn sync_policy_takes_what_argocd_takes_and_a_typo_is_reported_once() {
    let ok = cluster("ClusterName: x\nplatform: nocloud\nglobal: {syncPolicy: {automated: {enabled: true, prune: true}, retry: {limit: 3, refresh: true}}}\n");
    Test::new().args(["render"]).arg_path(ok.path()).run().success();
    let typo = cluster("ClusterName: x\nplatform: nocloud\nglobal: {syncPolicy: {automated: {pruen: true}}}\n");
    let out = Test::new().args(["render"]).arg_path(typo.path()).run().failure(1);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(errors[0].ends_with(
        "kubezero.yaml:3:42: spec.syncPolicy.automated.pruen: Application calico, Application cert-manager: unknown key; did you mean `prune`?"
    ), "{}", errors[0]);
}

#[test]
fn a_secret_written_as_an_ambiguous_scalar_is_not_shown_in_the_warning() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\ncalico: {values: {api_token: 0755123}}\n");
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().success();
    assert!(!out.stderr.contains("0755123"), "{}", out.stderr);
    assert!(out.stderr.contains("calico.values.api_token: an unquoted value that YAML 1.1 readers"), "{}", out.stderr);
}

#[test]
fn control_characters_in_input_never_reach_the_terminal_raw() {
    let dir = cluster("ClusterName: x\nplatform: nocloud\n\"\\e[31mred\": 1\n");
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);
    assert!(out.stderr.contains(r"\u{1b}[31mred: unknown key"), "{}", out.stderr);
}
