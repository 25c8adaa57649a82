//! Deep validation as the cluster's API server sees a leaf (fixtures/apiserver/README.md): the
//! real helm, the real Kubernetes 1.16 and 1.22 schemas chosen per cluster by
//! `--schema-location`, the cluster's own CRDs, and a differential check of every leaf's verdict
//! against an independent Python oracle (tests/oracle/apiserver.py: PyYAML, jsonschema).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::support::{copy_tree, helm, root, tool, venv, Outcome, Test};

/// fixtures/charts with the API-server fixtures' charts laid over it.
fn charts() -> tempfile::TempDir {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/charts"), work.path());
    copy_tree(&root().join("fixtures/apiserver/charts"), work.path());
    work
}

/// kubeconform's template for the Kubernetes schemas scripts/fetch-tools.sh installs.
fn location() -> String {
    let dir = tool(root().join(".cache/tools/kubernetes-json-schema"));
    format!("{}/{{{{ .NormalizedKubernetesVersion }}}}-local{{{{ .StrictSuffix }}}}/{{{{ .ResourceKind }}}}{{{{ .KindSuffix }}}}.json", dir.display())
}

fn validate(path: &str, charts: &Path, extra: &[&str]) -> Outcome {
    Test::new()
        .args(["validate", path, "--charts"])
        .arg_path(charts)
        .args(["--helm"])
        .arg_path(helm())
        .args(["--schema-location", &location(), "--schema-dir", "kubezero/schemas"])
        .args(extra)
        .run()
}

/// The shown location of the schemas, for pinned transcripts.
fn shown(text: &str) -> String {
    text.replace(&tool(root().join(".cache/tools/kubernetes-json-schema")).display().to_string(), "SCHEMAS")
}

#[test]
fn leaves_are_read_and_checked_as_the_api_server_reads_them() {
    let charts = charts();
    let out = validate("fixtures/apiserver", charts.path(), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("apiserver_fleet", shown(&out.stdout));
    assert_eq!(out.stderr, "");
}

#[test]
fn a_chart_gated_on_a_crds_api_version_renders_it_only_where_the_cluster_serves_it() {
    let charts = charts();
    // metrics on: the logging chart is rendered again, told of monitoring.coreos.com/v1.
    let ignore = ["--ignore-missing-schemas"];
    let on = validate("fixtures/apiserver/clusters/metrics-on", charts.path(), &ignore).success();
    assert!(on.stdout.ends_with("charts: 5 Applications, 6 distinct renders, 6 helm runs\n"), "{}", on.stdout);
    let monitor = |cluster: &str| {
        let leaves = oracle(charts.path(), cluster);
        leaves.iter().any(|l| (l.1.as_str(), l.2.as_str()) == ("logging", "ServiceMonitor logging/fluent-bit"))
    };
    assert!(monitor("metrics-on"), "the fluent-bit ServiceMonitor renders where its CRD is");
    let off = validate("fixtures/apiserver/clusters/metrics-off", charts.path(), &ignore).success();
    assert!(off.stdout.ends_with("charts: 4 Applications, 4 distinct renders, 4 helm runs\n"), "{}", off.stdout);
    assert!(!monitor("metrics-off"), "no ServiceMonitor without the CRD");
}

#[test]
fn the_upgrade_what_if_names_what_the_new_version_no_longer_serves() {
    let charts = charts();
    let what_if = ["--kube-version", "1.22.0", "--ignore-missing-schemas"];
    let out = validate("fixtures/apiserver/clusters/metrics-on", charts.path(), &what_if);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("apiserver_what_if", shown(&out.stdout));
}

/// One leaf's verdict: (cluster, Application, resource, verdict).
type Verdict = (String, String, String, String);

/// The Python oracle's verdict on every leaf of `cluster`.
fn oracle(charts: &Path, cluster: &str) -> Vec<Verdict> {
    let dir = root().join("fixtures/apiserver/clusters").join(cluster);
    let app_of_apps = Test::new().args(["render"]).arg_path(&dir).run().success().stdout;
    let work = tempfile::tempdir().unwrap();
    let file: PathBuf = work.path().join(format!("{cluster}.yaml"));
    std::fs::write(&file, app_of_apps).unwrap();
    let written = std::fs::read_to_string(dir.join("kubezero.yaml")).unwrap();
    let version = written.lines().find_map(|l| l.strip_prefix("KubernetesVersion: ")).expect("a KubernetesVersion");
    let out = std::process::Command::new(venv("python"))
        .arg(root().join("tests/oracle/apiserver.py"))
        .args(["--helm".as_ref(), helm().as_os_str(), "--charts".as_ref(), charts.as_os_str()])
        .args(["--schema-location", &location(), "--schema-dir", "kubezero/schemas"])
        .args(["--kube-version", &format!("{cluster}={version}")])
        .arg(format!("{cluster}={}", file.display()))
        .current_dir(root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_owned(), f[1].to_owned(), f[2].to_owned(), f[3].to_owned())
        })
        .collect()
}

#[test]
fn every_leafs_verdict_is_the_independent_oracles() {
    let charts = charts();
    for cluster in ["metrics-on", "metrics-off", "mistakes"] {
        let leaves = oracle(charts.path(), cluster);
        assert!(leaves.len() >= 7, "{cluster}: {leaves:?}");
        let theirs: BTreeSet<(String, String)> =
            leaves.iter().filter(|l| l.3 != "valid").map(|l| (l.1.clone(), l.2.clone())).collect();
        let out = validate(&format!("fixtures/apiserver/clusters/{cluster}"), charts.path(), &[]);
        // kzrender's errors each name `Application A renders Kind ns/name: ...`.
        let ours: BTreeSet<(String, String)> = out
            .stdout
            .lines()
            .filter(|l| l.trim_start().starts_with("error:"))
            .filter_map(|l| {
                let (_, rest) = l.split_once("Application ")?;
                let (app, rest) = rest.split_once(" renders ")?;
                let resource = rest.split(": ").next()?;
                Some((app.to_owned(), resource.to_owned()))
            })
            .collect();
        assert_eq!(ours, theirs, "{cluster}: kzrender's invalid leaves against the oracle's\n{}", out.stdout);
    }
}
