//! `kzrender fleet`: what runs where, for the people who keep many clusters current.

use crate::support::{copy_tree, root, Test};

#[test]
fn the_example_fleets_table_fits_100_columns_and_names_what_runs_where() {
    let out = Test::new().args(["fleet", "fixtures/fleet"]).run().success();
    insta::assert_snapshot!("fleet_text", out.stdout);
    assert!(out.stdout.lines().all(|l| l.chars().count() <= 100), "{}", out.stdout);
    assert_eq!(out.stderr, "");
}

#[test]
fn the_json_report_holds_each_clusters_row_and_the_settings_a_channel_disagrees_on() {
    let out = Test::new().args(["fleet", "fixtures/fleet", "--format", "json"]).run().success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let prod =
        view["clusters"].as_array().unwrap().iter().find(|c| c["path"] == "fixtures/fleet/clusters/prod-eu").unwrap();
    assert_eq!(prod["channel"], "stable");
    assert_eq!(prod["kubernetes"], "1.16.12");
    assert_eq!(prod["region"], "eu-central-1");
    assert_eq!(prod["valid"], true);
    assert_eq!(
        prod["outputs_date"], "2020-06-22",
        "from cloudbender.yaml's `# Source: CloudBender ... at 22/06/20 14:17`"
    );
    assert_eq!(prod["components"]["calico"], "3.15", "on, with the channel's version");
    assert_eq!(prod["components"]["logging"], serde_json::Value::Null, "off");
    let mtu = view["differences"]["stable"].as_array().unwrap().iter().find(|d| d["setting"] == "calico.mtu").unwrap();
    assert_eq!(mtu["values"], serde_json::json!([{"value": "8941", "clusters": 2}, {"value": "1450", "clusters": 1}]));
    insta::assert_snapshot!("fleet_json", out.stdout);
}

#[test]
fn an_invalid_cluster_shows_its_problem_count_and_first_problem() {
    let out = Test::new().args(["fleet", "fixtures/fleet-mistakes", "--format", "json"]).run().success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let wrong = view["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["path"].as_str().unwrap().ends_with("wrong-type"))
        .unwrap();
    assert_eq!((wrong["valid"].clone(), wrong["errors"].clone()), (false.into(), 1.into()));
    assert_eq!(
        wrong["first_error"],
        "error: fixtures/fleet-mistakes/clusters/wrong-type/kubezero.yaml:8:8: calico.mtu: expected integer, got string \"big\""
    );
}

#[test]
fn secrets_never_appear_among_the_settings_that_differ() {
    let work = tempfile::tempdir().unwrap();
    // Two share one: unredacted, the three values would be listed as a disagreement.
    for (name, password) in [("a", "hunter2"), ("b", "hunter2"), ("c", "swordfish"), ("d", "letmein")] {
        let dir = work.path().join(name);
        copy_tree(&root().join("fixtures/fleet/clusters/dev"), &dir);
        let text = std::fs::read_to_string(dir.join("kubezero.yaml")).unwrap();
        let text = text.lines().map(|l| {
            if l.trim_start().starts_with("elastic_password:") {
                format!("  elastic_password: {password}")
            } else {
                l.to_owned()
            }
        });
        std::fs::write(dir.join("kubezero.yaml"), text.collect::<Vec<_>>().join("\n") + "\n").unwrap();
    }
    let out = Test::new().args(["fleet", "--format", "json"]).arg_path(work.path()).run().success();
    for secret in ["hunter2", "swordfish", "letmein"] {
        assert!(!out.stdout.contains(secret), "{secret} leaked: {}", out.stdout);
    }
}

#[test]
fn the_report_goes_to_a_file_with_o_and_nothing_to_stdout() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("fleet.json");
    let out = Test::new().args(["fleet", "fixtures/fleet", "--format", "json", "-o"]).arg_path(&file).run().success();
    assert_eq!(out.stdout, "");
    let shown = Test::new().args(["fleet", "fixtures/fleet", "--format", "json"]).run().success();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), shown.stdout);
}

#[test]
fn with_charts_each_component_shows_its_charts_version_and_its_subcharts() {
    let out = Test::new()
        .args(["fleet", "fixtures/fleet", "--format", "json", "--charts", "fixtures/charts"])
        .run()
        .success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let prod =
        view["clusters"].as_array().unwrap().iter().find(|c| c["path"] == "fixtures/fleet/clusters/prod-eu").unwrap();
    assert_eq!(prod["charts"]["kiam"], "charts/kubezero-kiam", "each component names its chart");
    let kiam = &view["charts"]["charts/kubezero-kiam"];
    let chart_yaml = std::fs::read_to_string(root().join("fixtures/charts/charts/kubezero-kiam/Chart.yaml")).unwrap();
    let version = chart_yaml.lines().find_map(|l| l.strip_prefix("version: ")).unwrap().trim_matches('"');
    assert_eq!(kiam["version"], version);
    let sub =
        std::fs::read_to_string(root().join("fixtures/charts/charts/kubezero-kiam/charts/kiam/Chart.yaml")).unwrap();
    let sub_version = sub.lines().find_map(|l| l.strip_prefix("version: ")).unwrap().trim_matches('"');
    assert_eq!(kiam["subcharts"], serde_json::json!({"kiam": sub_version}));
    assert_eq!(prod["charts"].get("logging"), None, "only enabled components");
    let text = Test::new().args(["fleet", "fixtures/fleet", "--charts", "fixtures/charts"]).run().success().stdout;
    assert!(text.contains(&format!("\n  charts/kubezero-kiam {version}: kiam {sub_version}\n")), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100));
}
