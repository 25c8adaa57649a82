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
    let dev = view["clusters"].as_array().unwrap().iter().find(|c| c["path"] == "fixtures/fleet/clusters/dev").unwrap();
    assert_eq!((dev["valid"].clone(), dev["warnings"].clone()), (true.into(), 1.into()));
    let warning = dev["first_warning"].as_str().unwrap();
    assert!(warning
        .starts_with("warning: fixtures/fleet/clusters/dev/kubezero.yaml:34:21: logging.elastic_password: a secret"));
    assert!(!warning.contains("s3cr3t"), "the warning names the secret, never its value: {warning}");
    let stable = &view["differences"]["stable"];
    let mtu = stable["settings"].as_array().unwrap().iter().find(|d| d["setting"] == "calico.mtu").unwrap();
    assert_eq!(
        mtu["values"],
        serde_json::json!([
            {"value": "8941", "clusters": 2, "held_by": ["fixtures/fleet/clusters/legacy-2020", "fixtures/fleet/clusters/prod-eu"]},
            {"value": "1450", "clusters": 1, "held_by": ["fixtures/fleet/clusters/onprem"]}
        ])
    );
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
    let out = Test::new()
        .args([
            "fleet",
            "fixtures/fleet-mistakes/clusters/wrong-type",
            "--format",
            "json",
            "--charts",
            "fixtures/charts",
        ])
        .run()
        .success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        view["clusters"][0]["charts"],
        serde_json::json!({}),
        "a cluster that does not render has no charts, said"
    );
    let text = Test::new().args(["fleet", "fixtures/fleet", "--charts", "fixtures/charts"]).run().success().stdout;
    assert!(text.contains(&format!("\n  charts/kubezero-kiam {version}: kiam {sub_version}\n")), "{text}");
    assert!(text.lines().all(|l| l.chars().count() <= 100));
}

#[test]
fn a_setting_no_two_clusters_share_is_still_a_disagreement_until_it_names_six_clusters() {
    let work = tempfile::tempdir().unwrap();
    let mtus = [1450, 1500, 9001, 8941, 1440, 1400];
    for (i, mtu) in mtus.iter().enumerate() {
        let dir = work.path().join(format!("c{i}"));
        copy_tree(&root().join("fixtures/fleet/clusters/onprem"), &dir);
        let text = std::fs::read_to_string(dir.join("kubezero.yaml")).unwrap();
        std::fs::write(dir.join("kubezero.yaml"), text.replace("mtu: 1450", &format!("mtu: {mtu}"))).unwrap();
    }
    let report = |n: usize| {
        let dirs: Vec<std::path::PathBuf> = (0..n).map(|i| work.path().join(format!("c{i}"))).collect();
        let out = Test::new().args(["fleet", "--format", "json"]).args(&dirs).run().success();
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()["differences"]["stable"].clone()
    };
    let three = report(3);
    let mtu = three["settings"].as_array().unwrap().iter().find(|d| d["setting"] == "calico.mtu");
    assert_eq!(mtu.unwrap()["values"].as_array().unwrap().len(), 3, "three clusters, three MTUs: {three}");
    let six = report(6);
    assert!(six["distinct"].as_array().unwrap().contains(&"calico.mtu".into()), "{six}");
    assert!(!six["settings"].as_array().unwrap().iter().any(|d| d["setting"] == "calico.mtu"), "{six}");
}

#[test]
fn a_cluster_named_two_ways_or_through_a_symlink_is_one_row() {
    let work = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root().join("fixtures/fleet/clusters/prod-eu"), work.path().join("link")).unwrap();
    let again = root().join("fixtures/fleet/clusters/prod-eu/../prod-eu");
    let out = Test::new().args(["fleet", "fixtures/fleet", "--format", "json"]).arg_path(&again).run().success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(view["clusters"].as_array().unwrap().len(), 4, "prod-eu once");
    let out = Test::new()
        .args(["fleet", "./fixtures/fleet/clusters/prod-eu", "fixtures/fleet/clusters/dev", "--format", "json"])
        .run()
        .success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let paths: Vec<&str> = view["clusters"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["fixtures/fleet/clusters/dev", "fixtures/fleet/clusters/prod-eu"], "path order, ./ or not");
    let out = Test::new().args(["fleet", "--format", "json"]).arg_path(work.path().join("link")).run().success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(view["clusters"][0]["region"], "eu-central-1", "a symlink named on the command line is followed");
}

#[test]
fn a_cluster_file_that_cannot_be_read_fails_the_report_with_nothing_on_stdout() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("a");
    copy_tree(&root().join("fixtures/fleet/clusters/onprem"), &dir);
    std::os::unix::fs::symlink("/proc/self/mem", dir.join("cloudbender.yaml")).unwrap();
    let out = Test::new().args(["fleet"]).arg_path(work.path()).run();
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    assert!(out.stderr.contains("cloudbender.yaml: cannot read"), "{}", out.stderr);
}

#[test]
fn the_report_is_never_written_into_a_cluster_directory() {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/fleet/clusters/dev"), &work.path().join("dev"));
    let target = work.path().join("dev/kubezero.yaml");
    let before = std::fs::read_to_string(&target).unwrap();
    let out = Test::new().args(["fleet", "-o"]).arg_path(&target).arg_path(work.path()).run();
    assert_eq!(out.code, 2);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), before, "the cluster's file is untouched");
    let out = Test::new().args(["fleet", "-o"]).arg_path(work.path().join("dev/fleet.txt")).arg_path(work.path()).run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("inside the cluster directory"), "{}", out.stderr);
    let out = Test::new().args(["fleet", "-o"]).arg_path(work.path().join("kubezero.yaml")).arg_path(work.path()).run();
    assert_eq!(out.code, 2, "a report named kubezero.yaml would turn the fleet into one cluster");
    assert!(!work.path().join("kubezero.yaml").exists());
}

#[test]
fn a_charts_version_that_is_not_a_string_is_not_shown() {
    let work = tempfile::tempdir().unwrap();
    let chart = work.path().join("charts/kubezero-calico");
    std::fs::create_dir_all(chart.join("charts/sub")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), "name: c\nversion: {password: CHARTSECRET}\n").unwrap();
    std::fs::write(chart.join("charts/sub/Chart.yaml"), "name: {token: SUBSECRET}\nversion: 1\n").unwrap();
    for format in ["text", "json", "html"] {
        let out = Test::new()
            .args(["fleet", "fixtures/fleet/clusters/prod-eu", "--format", format, "--charts"])
            .arg_path(work.path())
            .run()
            .success();
        assert!(!out.stdout.contains("SECRET"), "{format}: {}", out.stdout);
    }
    let out = Test::new()
        .args(["fleet", "fixtures/fleet/clusters/prod-eu", "--format", "json", "--charts"])
        .arg_path(work.path())
        .run()
        .success();
    let view: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let calico = &view["charts"]["charts/kubezero-calico"];
    assert_eq!(calico["version"], serde_json::Value::Null);
    assert_eq!(calico["error"], "cannot read its Chart.yaml: its `version` is not a string");
}

#[test]
fn no_text_line_passes_100_columns_whatever_the_names_and_values() {
    let work = tempfile::tempdir().unwrap();
    let long = "a-cluster-whose-directory-name-goes-on-and-on-".repeat(4);
    let names = [format!("{long}1"), format!("{long}2")];
    let zones = [
        "*.prod.example.com, *.api.prod.example.com, *.apps.prod.example.com, *.internal.prod.example.com",
        "*.dev.example.com",
    ];
    for (name, zones) in names.iter().zip(zones) {
        let dir = work.path().join(name);
        copy_tree(&root().join("fixtures/fleet/clusters/prod-eu"), &dir);
        let text = std::fs::read_to_string(dir.join("kubezero.yaml")).unwrap();
        let quoted: Vec<String> = zones.split(", ").map(|z| format!("{z:?}")).collect();
        let text =
            text.replace("  dnsZones:\n  - prod.example.com\n", &format!("  dnsZones: [{}]\n", quoted.join(", ")));
        std::fs::write(dir.join("kubezero.yaml"), text).unwrap();
    }
    let out = Test::new().args(["fleet"]).arg_path(work.path()).run().success();
    let wide: Vec<&str> = out.stdout.lines().filter(|l| l.chars().count() > 100).collect();
    assert_eq!(wide, Vec::<&str>::new());
    assert!(out.stdout.contains("dnsZones"), "the long setting is listed: {}", out.stdout);
}

#[test]
fn a_kubezero_yaml_that_is_no_regular_file_is_an_error_not_a_missing_cluster() {
    let work = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/fleet/clusters/onprem"), &work.path().join("a"));
    std::fs::create_dir_all(work.path().join("b/kubezero.yaml")).unwrap();
    let out = Test::new().args(["fleet"]).arg_path(work.path()).run();
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert!(out.stderr.contains("b/kubezero.yaml: not a regular file"), "{}", out.stderr);
}
