//! `kzrender validate`: every planted mistake reported once, in three formats.

use crate::support::Test;

fn validate(args: &[&str]) -> crate::support::Outcome {
    Test::new().args(["validate"]).args(args).run()
}

#[test]
fn text_report_groups_every_planted_mistake_by_cluster() {
    let out = validate(&["fixtures/fleet-mistakes"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("validate_mistakes_text", out.stdout);
}

#[test]
fn json_report_has_each_mistake_once_with_file_line_column_and_key() {
    let out = validate(&["fixtures/fleet-mistakes", "--format", "json"]);
    assert_eq!(out.code, 1);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    insta::assert_snapshot!("validate_mistakes_json", out.stdout);
    assert_eq!((report["valid"].as_u64(), report["invalid"].as_u64()), (Some(2), Some(10)));
    let planted = [
        ("bad-arn", "cloudbender.yaml", 7, 11, "kiam.IamArn"),
        ("bad-enum", "kubezero.yaml", 3, 11, "platform"),
        ("duplicate-key", "kubezero.yaml", 8, 1, "calico"),
        ("kube-version-out-of-range", "kubezero.yaml", 4, 20, "KubernetesVersion"),
        ("missing-required", "kubezero.yaml", 2, 1, "ClusterName"),
        ("unavailable-component", "kubezero.yaml", 7, 12, "logging.enabled"),
        ("unknown-key", "kubezero.yaml", 8, 1, "cert-manger"),
        ("unmet-requirement", "kubezero.yaml", 9, 12, "istio.enabled"),
        ("wrong-type", "kubezero.yaml", 8, 8, "calico.mtu"),
        ("yaml-syntax-error", "kubezero.yaml", 8, 11, ""),
    ];
    for (cluster, file, line, col, key) in planted {
        let entry = report["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"].as_str().unwrap().ends_with(cluster))
            .unwrap();
        let errors = entry["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{cluster}: exactly the planted mistake: {errors:?}");
        let e = &errors[0];
        assert!(e["file"].as_str().unwrap().ends_with(&format!("{cluster}/{file}")), "{cluster}: {e}");
        assert_eq!(
            (e["line"].as_u64(), e["column"].as_u64(), e["key"].as_str()),
            (Some(line), Some(col), Some(key)),
            "{cluster}: {e}"
        );
    }
    for valid in ["prod-eu", "onprem"] {
        let entry = report["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["path"].as_str().unwrap().ends_with(valid))
            .unwrap();
        assert_eq!(entry["valid"], true);
        assert_eq!(entry["errors"].as_array().unwrap().len(), 0);
    }
}

#[test]
fn github_report_annotates_the_offending_lines() {
    let out = validate(&["fixtures/fleet-mistakes", "--format", "github"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("validate_mistakes_github", out.stdout);
}

#[test]
fn a_fleet_without_mistakes_passes_with_a_summary() {
    let out = validate(&["fixtures/fleet", "fixtures/cloudbender"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.ends_with("8 clusters: 8 valid, 0 invalid\n"), "{}", out.stdout);
}

#[test]
fn the_walk_skips_hidden_git_target_and_symlinked_directories_and_nested_cluster_files() {
    let repo = tempfile::tempdir().unwrap();
    let cluster = |rel: &str| {
        let dir = repo.path().join(rel);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kubezero.yaml"), "ClusterName: x\nplatform: nocloud\n").unwrap();
    };
    cluster("clusters/a");
    cluster("clusters/.hidden");
    cluster(".git/clusters/b");
    cluster("target/c");
    cluster("node_modules/d");
    // CloudBender's export under outputs/ is also named kubezero.yaml: not a cluster of its own.
    std::fs::create_dir_all(repo.path().join("clusters/a/outputs/kube")).unwrap();
    std::fs::write(repo.path().join("clusters/a/outputs/kube/kubezero.yaml"), "ClusterName: x\n").unwrap();
    std::os::unix::fs::symlink(repo.path().join("clusters/a"), repo.path().join("clusters/link")).unwrap();
    let out = Test::new().args(["validate", "--format", "json"]).arg_path(repo.path()).run();
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = report["clusters"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, [repo.path().join("clusters/a").display().to_string()]);
}

#[test]
fn no_cluster_under_the_path_is_a_usage_error() {
    let out = validate(&["kubezero"]).failure(2);
    assert_eq!(out.stderr, "kzrender: no cluster directory (a directory with kubezero.yaml) under kubezero\n");
}

#[test]
fn official_schemas_from_schema_dir_are_enforced_and_a_kind_without_one_is_an_error() {
    let onprem = "fixtures/fleet/clusters/onprem";
    let out = validate(&[onprem, "--schema-dir", "fixtures/schemas/official"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            1,
            "fixtures/fleet/clusters/onprem: invalid (1 error)\n  error: kind: Application calico, Application local-volume-provisioner, Application cert-manager: no schema for argoproj.io/v1alpha1 Application in --schema-dir fixtures/schemas/official; add one, or pass --ignore-missing-schemas\n1 cluster: 0 valid, 1 invalid\n"
        )
    );
    let out = validate(&[onprem, "--schema-dir", "fixtures/schemas/official", "--ignore-missing-schemas"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "1 cluster: 1 valid, 0 invalid\n"));
    // A CRD is read strictly, as kubeconform reads it: an object with properties takes no others.
    let out =
        validate(&[onprem, "--schema-dir", "fixtures/schemas/stricter", "--schema-dir", "fixtures/schemas/official"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (
            1,
            "fixtures/fleet/clusters/onprem: invalid (1 error)\n  error: spec.source.helm: Application calico: unknown key; known keys: path, repoURL, targetRevision\n1 cluster: 0 valid, 1 invalid\n"
        )
    );
}

#[test]
fn the_shards_of_a_fleet_are_disjoint_and_together_the_whole_fleet() {
    let clusters = |out: &crate::support::Outcome| -> Vec<String> {
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        report["clusters"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap().to_owned()).collect()
    };
    let whole = clusters(&validate(&["fixtures/fleet", "fixtures/cloudbender", "--format", "json"]));
    let mut parts: Vec<String> = Vec::new();
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let part =
            clusters(&validate(&["fixtures/fleet", "fixtures/cloudbender", "--format", "json", "--shard", &shard]));
        assert!(!part.is_empty() && part.iter().all(|c| !parts.contains(c)), "shard {shard}: {part:?}");
        parts.extend(part);
    }
    parts.sort();
    assert_eq!(parts, whole);
}

#[test]
fn junit_escapes_what_xml_1_0_forbids() {
    let out = Test::new()
        .args(["validate", "fixtures/fleet/clusters/dev", "--format", "junit", "--set"])
        .arg_path("calico.k\u{ffff}\u{1b}=1")
        .run();
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!out.stdout.contains('\u{ffff}') && !out.stdout.contains('\u{1b}'), "{}", out.stdout);
    insta::assert_snapshot!("junit_escaped", out.stdout);
    // Python's XML parser, which refuses what XML 1.0 forbids, reads it.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &out.stdout).unwrap();
    let parsed = std::process::Command::new("python3")
        .args(["-c", "import sys, xml.dom.minidom as m; m.parse(sys.argv[1])"])
        .arg(file.path())
        .status()
        .unwrap();
    assert!(parsed.success());
}
