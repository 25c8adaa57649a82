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
    ("values-file-missing", &["-f", "missing.yaml"]),
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
