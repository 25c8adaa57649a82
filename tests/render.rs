//! `kzrender render` on the shipped fleet: exact, reviewed output.

use crate::support::{documents, helm_values, root, Test};

fn render(cluster: &str) -> String {
    Test::new().args(["render", &format!("fixtures/fleet/clusters/{cluster}")]).run().success().stdout
}

#[test]
fn production_stable_cluster_renders_every_aws_component_ha_with_sync_policy() {
    insta::assert_snapshot!("render_prod_eu", render("prod-eu"));
}

#[test]
fn master_dev_cluster_renders_logging_and_efs_without_ha() {
    insta::assert_snapshot!("render_dev", render("dev"));
}

#[test]
fn non_aws_cluster_renders_only_platform_neutral_components() {
    insta::assert_snapshot!("render_onprem", render("onprem"));
}

#[test]
fn a_2020_values_file_renders_once_channel_is_added() {
    let out = Test::new().args(["render", "fixtures/fleet/clusters/legacy-2020"]).run().success();
    insta::assert_snapshot!("render_legacy_2020", out.stdout);
    // The 2020 `argo-cd:` block still loads, with one warning that it is ignored.
    assert_eq!(out.stderr.matches("argo-cd: ignored").count(), 1, "{}", out.stderr);
}

#[test]
fn output_is_byte_identical_across_runs() {
    assert_eq!(render("prod-eu"), render("prod-eu"));
}

#[test]
fn every_document_starts_with_a_separator_and_the_stream_ends_with_a_newline() {
    let out = render("dev");
    assert!(out.starts_with("---\n") && out.ends_with('\n') && !out.ends_with("\n\n"));
    assert_eq!(out.matches("\n---\n").count() + 1, documents(&out).len());
}

#[test]
fn documents_are_ordered_by_wave_then_kind_then_name() {
    let docs = documents(&render("prod-eu"));
    let keys: Vec<(u32, u8, String)> = docs
        .iter()
        .map(|d| {
            let wave = d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str().unwrap().parse().unwrap();
            let kind = if d["kind"] == "Namespace" { 0 } else { 1 };
            (wave, kind, d["metadata"]["name"].as_str().unwrap().to_owned())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let names: Vec<&str> = keys.iter().map(|k| k.2.as_str()).collect();
    assert_eq!(
        names,
        [
            "calico",
            "local-volume-provisioner",
            "cert-manager",
            "cert-manager",
            "istio",
            "kiam",
            "monitoring",
            "aws-ebs-csi-driver",
            "metrics"
        ]
    );
}

#[test]
fn applications_carry_the_fields_of_the_spec() {
    let docs = documents(&render("prod-eu"));
    let app =
        |name: &str| docs.iter().find(|d| d["kind"] == "Application" && d["metadata"]["name"] == name).unwrap().clone();
    let calico = app("calico");
    assert_eq!(calico["metadata"]["namespace"], "argocd");
    assert_eq!(calico["metadata"]["labels"]["app.kubernetes.io/part-of"], "kubezero");
    assert_eq!(calico["metadata"]["labels"]["app.kubernetes.io/managed-by"], "kzrender");
    assert!(calico["metadata"].get("finalizers").is_none(), "calico is retained: no cascade delete");
    assert_eq!(calico["spec"]["project"], "kubezero");
    assert_eq!(calico["spec"]["source"]["targetRevision"], "stable");
    assert_eq!(calico["spec"]["source"]["path"], "charts/kubezero-calico");
    assert_eq!(calico["spec"]["destination"]["server"], "https://kubernetes.default.svc");
    assert_eq!(calico["spec"]["syncPolicy"]["automated"]["prune"], true);
    let kiam = app("kiam");
    assert_eq!(kiam["metadata"]["finalizers"][0], "resources-finalizer.argocd.argoproj.io");
    let values = &helm_values(&kiam);
    assert_eq!(values["kiam"]["server"]["deployment"]["replicas"], 2, "HA doubles kiam's server");
    assert_eq!(values["kiam"]["server"]["assumeRoleArn"], "arn:aws:iam::123456789012:role/kube-KiamServerRole-4D5E6F");
    assert!(app("local-volume-provisioner")["spec"]["source"].get("helm").is_none(), "no values, no helm block");
}

#[test]
fn operator_values_override_derived_values() {
    let out = Test::new()
        .args([
            "render",
            "fixtures/fleet/clusters/onprem",
            "--set",
            "calico.values.mtu=9001",
            "--set-string",
            "calico.values.network=ipip",
        ])
        .run()
        .success();
    let docs = documents(&out.stdout);
    let values = &helm_values(&docs[0]);
    assert_eq!(values["mtu"], 9001);
    assert_eq!(values["network"], "ipip");
}

#[test]
fn values_flags_apply_in_helms_order_whatever_the_command_line_order() {
    // Helm applies every --set before every --set-string, whichever comes first.
    let render = |args: &[&str]| {
        let out = Test::new().args(["render", "fixtures/fleet/clusters/onprem"]).args(args).run().success();
        helm_values(&documents(&out.stdout)[0])["mtu"].clone()
    };
    assert_eq!(render(&["--set-string", "calico.values.mtu=1", "--set", "calico.values.mtu=2"]), "1");
    assert_eq!(render(&["--set", "calico.values.mtu=2", "--set-string", "calico.values.mtu=1"]), "1");
    assert_eq!(render(&["--set", "calico.values.mtu=2", "--set", "calico.values.mtu=3"]), 3);
}

#[test]
fn channel_flag_switches_target_revision() {
    let out = Test::new().args(["render", "fixtures/fleet/clusters/onprem", "--channel", "master"]).run().success();
    assert!(documents(&out.stdout)
        .iter()
        .all(|d| d["kind"] != "Application" || d["spec"]["source"]["targetRevision"] == "master"));
}

#[test]
fn values_that_look_like_templates_or_separators_stay_literal_strings() {
    let out = Test::new()
        .args(["render", "fixtures/fleet/clusters/onprem"])
        .args([
            "--set-literal",
            "calico.values.a={{ .Values.evil }}",
            "--set-literal",
            "calico.values.b=---\nkind: Secret\nmetadata: {name: x}",
        ])
        .run()
        .success();
    let docs = documents(&out.stdout);
    assert_eq!(docs.len(), 4, "no document was added");
    let values = &helm_values(&docs[0]);
    assert_eq!(values["a"], "{{ .Values.evil }}");
    assert_eq!(values["b"], "---\nkind: Secret\nmetadata: {name: x}");
    // A setting that a catalog template prints is data too, never template code.
    let out = Test::new()
        .args([
            "render",
            "fixtures/fleet/clusters/dev",
            "--set-literal",
            "logging.fullnameOverride={{ 7*7 }}\n---\nkind: Secret",
        ])
        .run()
        .success();
    let docs = documents(&out.stdout);
    let logging = docs.iter().find(|d| d["kind"] == "Application" && d["metadata"]["name"] == "logging").unwrap();
    assert_eq!(helm_values(logging)["fullnameOverride"], "{{ 7*7 }}\n---\nkind: Secret");
}

#[test]
fn json_output_holds_the_same_documents() {
    let yaml = documents(&render("dev"));
    let json = Test::new().args(["render", "fixtures/fleet/clusters/dev", "--output", "json"]).run().success().stdout;
    let parsed: Vec<serde_json::Value> =
        serde_json::Deserializer::from_str(&json).into_iter().map(Result::unwrap).collect();
    assert_eq!(parsed, yaml);
}

#[test]
fn a_null_in_component_values_reaches_helm_to_delete_the_charts_default() {
    let out = Test::new()
        .args([
            "render",
            "fixtures/fleet/clusters/onprem",
            "--set",
            "calico.values.prometheus=null",
            "--set",
            "calico.values.chartDefault=null",
        ])
        .run()
        .success();
    let values = helm_values(&documents(&out.stdout)[0]);
    assert_eq!(values["prometheus"], serde_json::Value::Null, "the derived value is replaced by null");
    assert!(values.as_object().unwrap().contains_key("chartDefault"), "the null is passed on: {values}");
}

#[test]
fn explain_names_the_layer_that_deletes_a_parent() {
    let out = Test::new()
        .args(["explain", "calico.mtu", "fixtures/fleet/clusters/onprem", "--set", "calico=null"])
        .run()
        .success();
    assert!(out.stdout.starts_with("calico.mtu is not set\n"));
    assert!(out.stdout.ends_with("  deletes    flag        --set calico=null: deletes calico\n"), "{}", out.stdout);
}

#[test]
fn a_clusters_kubezero_yaml_names_its_directory_as_people_type_it() {
    let by_dir = Test::new().args(["render", "fixtures/fleet/clusters/onprem"]).run().success();
    let by_file = Test::new().args(["render", "fixtures/fleet/clusters/onprem/kubezero.yaml"]).run().success();
    assert_eq!(by_file.stdout, by_dir.stdout);
    assert_eq!(by_file.stderr, by_dir.stderr);
    let here =
        Test::new().current_dir(root().join("fixtures/fleet/clusters/onprem")).args(["render", "kubezero.yaml"]).run();
    assert_eq!(here.success().stdout, by_dir.stdout);
    let validated = Test::new().args(["validate", "fixtures/fleet/clusters/onprem/kubezero.yaml"]).run().success();
    assert_eq!(validated.stdout, "1 cluster: 1 valid, 0 invalid\n");
}
