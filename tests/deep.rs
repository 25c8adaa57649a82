//! `validate --charts`: every Application's chart rendered by the real `helm` (the test charts of
//! `fixtures/charts`), its manifests checked against real schemas, each finding traced back.

use crate::support::{copy_tree, helm, kubernetes, root, Outcome, Test};

/// `kzrender validate PATH --charts fixtures/charts` with helm, the strict Kubernetes schemas,
/// the catalog's and the test CRDs' schemas.
fn deep(path: &str, charts: &std::path::Path, extra: &[&str]) -> Outcome {
    Test::new()
        .args(["validate", path, "--charts"])
        .arg_path(charts)
        .args(["--helm"])
        .arg_path(helm())
        .args(["--schema-dir"])
        .arg_path(kubernetes())
        .args(["--schema-dir", "kubezero/schemas", "--schema-dir", "fixtures/schemas/crds"])
        .args(extra)
        .run()
}

fn charts() -> std::path::PathBuf {
    root().join("fixtures/charts")
}

#[test]
fn the_example_fleet_renders_valid_manifests_and_passes_no_value_its_charts_ignore() {
    let out = deep("fixtures/fleet", &charts(), &["--unused"]).success();
    // Only the app-of-apps' own warnings: no chart finding, no unused value.
    assert_eq!(
        out.stdout,
        "fixtures/fleet/clusters/dev: valid (1 warning)\n  \
         warning: fixtures/fleet/clusters/dev/kubezero.yaml:34:21: logging.elastic_password: a secret in the helm.values of Application logging, \
         which everyone allowed to read Applications in ArgoCD can read; deliver it as a Kubernetes Secret instead\n\
         fixtures/fleet/clusters/legacy-2020: valid (1 warning)\n  \
         warning: fixtures/fleet/clusters/legacy-2020/kubezero.yaml:9:1: argo-cd: ignored: ArgoCD's own settings are consumed by the chart \
         that installs ArgoCD (deploy/), not by the app-of-apps; kzrender ignores this block\n\
         4 clusters: 4 valid, 0 invalid\n\
         charts: 22 Applications, 19 distinct renders, 88 helm runs\n"
    );
    assert_eq!(out.stderr, "");
}

#[test]
fn planted_chart_mistakes_are_found_and_traced_to_the_line_that_planted_them() {
    // fixtures/deep/README.md lists what is planted; values read only through a subchart,
    // `toYaml`, `range` or `index` must not be reported unused.
    let out = deep("fixtures/deep", &charts(), &["--unused"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("deep_planted", out.stdout);
}

#[test]
fn without_unused_only_the_manifests_are_checked_and_identical_renders_run_once() {
    let out = deep("fixtures/fleet", &charts(), &[]).success();
    assert!(
        out.stdout.ends_with("charts: 22 Applications, 19 distinct renders, 19 helm runs\n"),
        "one helm run per distinct render: {}",
        out.stdout
    );
}

#[test]
fn a_chart_without_its_dependencies_names_the_application_and_the_command_to_run() {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&charts(), work.path());
    std::fs::remove_dir_all(work.path().join("charts/kubezero-kiam/charts")).unwrap();
    let out = deep("fixtures/fleet/clusters/prod-eu", work.path(), &[]);
    let dir = work.path().join("charts/kubezero-kiam").display().to_string();
    assert_eq!(out.code, 2, "helm cannot do its job: {}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "fixtures/fleet/clusters/prod-eu: invalid (1 error)\n  \
             error: fixtures/fleet/clusters/prod-eu/kubezero.yaml:31:12: kiam: Application kiam (charts/kubezero-kiam): \
             the chart at {dir} needs kiam in its charts/ directory; run `helm dependency build {dir}`\n\
             1 cluster: 0 valid, 1 invalid\n\
             charts: 7 Applications, 6 distinct renders, 6 helm runs\n"
        )
    );
    // What kzrender could not do is on stderr too, where a CI log's reader looks first.
    assert_eq!(
        out.stderr,
        format!(
            "error: fixtures/fleet/clusters/prod-eu/kubezero.yaml:31:12: kiam: Application kiam (charts/kubezero-kiam): \
             the chart at {dir} needs kiam in its charts/ directory; run `helm dependency build {dir}`\n"
        )
    );
}

#[test]
fn no_helm_or_no_checkout_is_exit_2_with_nothing_on_stdout() {
    let out = Test::new()
        .args(["validate", "fixtures/fleet", "--charts", "fixtures/charts", "--helm", "/nonexistent/helm"])
        .run()
        .failure(2);
    assert_eq!(
        out.stderr,
        "kzrender: cannot run helm (`/nonexistent/helm`): No such file or directory (os error 2); install Helm 3 or later, or pass --helm PATH\n"
    );
    let out =
        Test::new().args(["validate", "fixtures/fleet", "--charts", "fixtures/no-such-checkout"]).run().failure(2);
    assert_eq!(
        out.stderr,
        "kzrender: --charts fixtures/no-such-checkout: No such file or directory (os error 2); pass a checkout of the KubeZero repository\n"
    );
}

#[test]
fn unused_needs_charts() {
    let out = Test::new().args(["validate", "fixtures/fleet", "--unused"]).run().failure(2);
    assert_eq!(
        out.stderr,
        "error: the following required arguments were not provided:\n  --charts <DIR>\n\n\
         Usage: kzrender validate --charts <DIR> --unused <PATHS>...\n\n\
         For more information, try '--help'.\n"
    );
}

/// The test charts with `kubezero-logging` changed by `edit(templates dir)`.
fn charts_with_logging(edit: impl FnOnce(&std::path::Path)) -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&charts(), work.path());
    edit(&work.path().join("charts/kubezero-logging/templates"));
    work
}

#[test]
fn a_rendered_secrets_data_is_never_quoted_in_any_format() {
    // A Secret whose data holds an integer: invalid, and reported without its value.
    let work = charts_with_logging(|t| {
        let secret = std::fs::read_to_string(t.join("secret.yaml")).unwrap();
        std::fs::write(t.join("secret.yaml"), secret.replace("  elastic:", "  pin: 97531\n  elastic:")).unwrap();
    });
    for format in ["text", "json", "github", "junit"] {
        let out = deep("fixtures/fleet/clusters/dev", work.path(), &["--format", format]);
        assert_eq!(out.code, 1, "{}", out.stderr);
        assert!(!out.stdout.contains("97531") && !out.stderr.contains("97531"), "{format}: {}", out.stdout);
        insta::assert_snapshot!(format!("secret_data_{format}"), out.stdout);
    }
}

#[test]
fn helms_words_never_quote_a_secret_value_it_was_given() {
    let work = charts_with_logging(|t| {
        let leak = "{{- with .Values.elastic_password }}{{ fail (printf \"refusing password %s\" .) }}{{ end }}\n";
        std::fs::write(t.join("leak.yaml"), leak).unwrap();
    });
    let out = deep("fixtures/fleet/clusters/dev", work.path(), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains("s3cr3t") && !out.stderr.contains("s3cr3t"), "{}{}", out.stdout, out.stderr);
    insta::assert_snapshot!("helm_scrubbed", out.stdout);
}
