//! The catalog is data: `--kubezero DIR` renders with a fork, a new component is only files, and
//! a broken fork is caught before anything is printed.

use std::path::Path;

use crate::support::{copy_tree, documents, helm_values, root, Test};

/// A copy of the shipped catalog in a temporary directory, for a test to modify.
fn fork() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join("kubezero"), dir.path());
    dir
}

/// Renders the onprem fixture with a broken fork: exit 1, nothing on stdout; returns stderr.
fn refused(cat: &tempfile::TempDir) -> String {
    Test::new()
        .args(["render", "fixtures/fleet/clusters/onprem", "--kubezero"])
        .arg_path(cat.path())
        .run()
        .failure(1)
        .stderr
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).unwrap();
}

#[test]
fn an_unchanged_fork_renders_the_same_bytes_as_the_builtin_catalog() {
    let cat = fork();
    let builtin = Test::new().args(["render", "fixtures/fleet/clusters/prod-eu"]).run().success().stdout;
    let forked = Test::new()
        .args(["render", "fixtures/fleet/clusters/prod-eu", "--kubezero"])
        .arg_path(cat.path())
        .run()
        .success()
        .stdout;
    assert_eq!(forked, builtin);
}

#[test]
fn adding_a_component_takes_only_files() {
    let cat = fork();
    let dir = cat.path().join("components/external-dns");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("component.yaml"),
        "description: external-dns\nafter: [cert-manager]\ndefaults:\n  enabled: false\n  namespace: kube-system\n",
    )
    .unwrap();
    std::fs::write(dir.join("schema.json"), r#"{"properties": {"provider": {"enum": ["aws"]}}}"#).unwrap();
    std::fs::write(dir.join("values.yaml.j2"), "provider: {{ self.provider | tojson }}\n").unwrap();
    edit(
        &cat.path().join("channels/stable.yaml"),
        "components:\n",
        "components:\n  external-dns: {version: \"0.7.3\"}\n",
    );
    let out = Test::new()
        .args([
            "render",
            "fixtures/fleet/clusters/onprem",
            "--set",
            "external-dns.enabled=true",
            "--set",
            "external-dns.provider=aws",
            "--kubezero",
        ])
        .arg_path(cat.path())
        .run()
        .success();
    let docs = documents(&out.stdout);
    let app = docs.iter().find(|d| d["metadata"]["name"] == "external-dns").expect("the new component renders");
    assert_eq!(helm_values(app)["provider"], "aws");
    assert_eq!(
        app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"], "2",
        "after cert-manager, which is after calico"
    );
}

#[test]
fn a_broken_template_fails_the_output_schema_and_prints_nothing() {
    let cat = fork();
    edit(&cat.path().join("components/calico/component.yaml"), "  kind: CustomResourceDefinition\n", "");
    let stderr = refused(&cat);
    assert!(stderr.contains("spec.ignoreDifferences[0].kind: Application calico: is required but not set"), "{stderr}");
}

#[test]
fn a_catalog_missing_a_template_is_reported_with_its_file() {
    let cat = fork();
    std::fs::remove_file(cat.path().join("components/kiam/values.yaml.j2")).unwrap();
    let stderr = refused(&cat);
    insta::assert_snapshot!("template_missing", stderr.replace(&cat.path().display().to_string(), "FORK"));
}

#[test]
fn a_cycle_in_the_bootstrap_order_is_a_catalog_error() {
    let cat = fork();
    edit(&cat.path().join("components/calico/component.yaml"), "after: []", "after: [metrics]");
    let stderr = refused(&cat);
    insta::assert_snapshot!("bootstrap_cycle", stderr.replace(&cat.path().display().to_string(), "FORK"));
}

/// The dotted paths of every setting a component's schema admits (lists by their item's keys).
fn settings(schema: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
    let props = schema.get("properties").or_else(|| schema.pointer("/items/properties"));
    for (k, s) in props.and_then(|p| p.as_object()).into_iter().flatten() {
        let path = format!("{prefix}.{k}");
        out.push(path.clone());
        settings(s, &path, out);
    }
}

/// Whether a values tree sets a dotted path (through the first item of a list).
fn sets(values: &serde_json::Value, path: &str) -> bool {
    path.split('.')
        .try_fold(values, |v, k| {
            let v = if v.is_array() { v.get(0)? } else { v };
            v.get(k)
        })
        .is_some()
}

#[test]
fn the_every_setting_fixtures_set_every_setting_the_schemas_admit_and_render() {
    let fixtures = ["fixtures/catalog/every-setting", "fixtures/catalog/issuer-off-aws"];
    let values: Vec<serde_json::Value> = fixtures
        .iter()
        .map(|f| documents(&std::fs::read_to_string(root().join(f).join("kubezero.yaml")).unwrap()).remove(0))
        .collect();
    let mut missing = Vec::new();
    for dir in std::fs::read_dir(root().join("kubezero/components")).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let schema: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("schema.json")).unwrap()).unwrap();
        let mut paths = Vec::new();
        settings(&schema, &name, &mut paths);
        missing.extend(paths.into_iter().filter(|p| !values.iter().any(|v| sets(v, p))));
    }
    assert!(missing.is_empty(), "settings no fixture sets: {missing:?}");
    for f in fixtures {
        let out = Test::new().args(["render", f]).run().success();
        insta::assert_snapshot!(f.rsplit('/').next().unwrap(), out.stdout);
    }
}

#[test]
fn every_component_renders_with_its_defaults() {
    let out = Test::new().args(["render", "fixtures/catalog/defaults"]).run().success();
    assert_eq!(out.stderr, "");
    insta::assert_snapshot!("defaults", out.stdout);
}

#[test]
fn an_issuer_without_zones_still_has_its_solver() {
    let out = Test::new().args(["render", "fixtures/catalog/issuer-without-zones"]).run().success();
    let docs = documents(&out.stdout);
    let cm = docs.iter().find(|d| d["kind"] == "Application" && d["metadata"]["name"] == "cert-manager").unwrap();
    assert_eq!(
        helm_values(cm)["clusterIssuer"]["solvers"],
        serde_json::json!([{"dns01": {"route53": {"region": "eu-central-1"}}}]),
        "a solver without a selector serves every zone"
    );
}

#[test]
fn a_typo_in_a_catalog_template_fails_with_file_line_column_and_the_name() {
    let cat = fork();
    edit(&cat.path().join("components/calico/values.yaml.j2"), "mtu: {{ self.mtu }}", "mtu: {{ self.mtuu }}");
    let stderr = refused(&cat);
    let file = cat.path().join("components/calico/values.yaml.j2");
    assert_eq!(
        stderr,
        format!(
            "kzrender: fixtures/fleet/clusters/onprem: 1 error, nothing rendered; first: calico: undefined value `self.mtuu`\n\
             error: {}:2:9: calico: undefined value `self.mtuu`\n  | mtu: {{{{ self.mtuu }}}}\n  |         ^^^^^^^^^\n",
            file.display()
        )
    );
}

#[test]
fn a_broken_component_schema_is_a_catalog_error_when_a_cluster_sets_that_component() {
    // Component schemas compile when a cluster first sets the component: onprem sets calico.
    let cat = fork();
    edit(&cat.path().join("components/calico/schema.json"), "\"type\": \"integer\"", "\"type\": \"integr\"");
    let why = "invalid schema: #/properties/mtu/type: \"integr\" is not valid under any of the schemas listed in the 'anyOf' keyword";
    assert_eq!(
        refused(&cat),
        format!(
            "kzrender: fixtures/fleet/clusters/onprem: 1 error, nothing rendered; first: {why}\n\
             error: {}/components/calico/schema.json: {why}\n",
            cat.path().display()
        )
    );
}
