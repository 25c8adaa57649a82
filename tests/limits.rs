//! Every input is bounded by the bytes read, not by the size it reports, and nothing a user or a
//! pushed commit controls can make kzrender hang: stdin, `--set-file`, plugin parameters, chart
//! files, helm's output and run time, a catalog fork's templates.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// What a read outside the checkout is told.
const OUTSIDE: &str = "resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)";

use crate::support::{copy_tree, helm, root, Outcome, Test};

const DEV: &str = "fixtures/fleet/clusters/dev";

fn transcript(out: &Outcome) -> String {
    format!("exit: {}\n--- stdout\n{}--- stderr\n{}", out.code, out.stdout, out.stderr)
}

#[test]
fn standard_input_over_8_mib_is_refused_like_a_file() {
    let big = "a: b\n".repeat(2 * 1024 * 1024);
    let out = Test::new().args(["render", DEV, "-f", "-"]).stdin(&big).run().failure(1);
    assert_eq!(
        out.stderr,
        "kzrender: fixtures/fleet/clusters/dev: 1 error, nothing rendered; first: standard input is larger than 8 MiB; the limit is 8 MiB\n\
         error: -: standard input is larger than 8 MiB; the limit is 8 MiB\n"
    );
}

#[test]
fn a_proc_file_that_reports_no_size_is_read_within_the_limit() {
    // /proc/self/environ reports 0 bytes and holds a few KiB: read by what it holds, bounded.
    let out =
        Test::new().args(["explain", "calico.values.x", DEV, "--set-file", "calico.values.x=/proc/self/cmdline"]).run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("calico.values.x = "), "{}", out.stdout);
    // A device never ends: not a regular file, and never read.
    let out = Test::new().args(["render", DEV, "--set-file", "calico.values.x=/dev/zero"]).run().failure(1);
    assert_eq!(
        out.stderr,
        "kzrender: fixtures/fleet/clusters/dev: 1 error, nothing rendered; first: failed parsing --set-file data: not a regular file\n\
         error: --set-file calico.values.x=/dev/zero: failed parsing --set-file data: not a regular file\n"
    );
}

#[test]
fn a_values_file_that_is_a_directory_is_exit_2() {
    let out = Test::new().args(["render", DEV, "-f", "fixtures"]).run().failure(2);
    assert_eq!(
        out.stderr,
        "kzrender: fixtures/fleet/clusters/dev: 1 error, nothing rendered; first: not a regular file\nerror: fixtures: not a regular file\n"
    );
}

/// `kzrender argocd generate` in a copy of the dev cluster, with `files` added and `parameters`.
fn plugin(files: &[(&str, &str)], parameters: &str) -> Outcome {
    let write = |repo: &Path| {
        for (name, text) in files {
            std::fs::write(repo.join("clusters/dev").join(name), text).unwrap();
        }
    };
    plugin_in(write, parameters)
}

#[test]
fn plugin_parameters_are_bounded_all_together() {
    // 60 list indices of 65,536 in a 2 KB set map: 3.9 million values.
    let keys: Vec<String> = (0..60).map(|i| format!("\"calico.values.k{i}[65536]\":\"x\"")).collect();
    let out = plugin(&[], &format!("[{{\"name\":\"set\",\"map\":{{{}}}}}]", keys.join(","))).failure(1);
    insta::assert_snapshot!("plugin_set_map_over_budget", transcript(&out));
    // One 0.5 MiB file named 400 times.
    let big: String = (0..20_000).map(|i| format!("    k{i}: xxxxxxxxxx\n")).collect();
    let names = vec!["\"big.yaml\""; 400].join(",");
    let out = plugin(
        &[("big.yaml", &format!("calico:\n  values:\n{big}"))],
        &format!("[{{\"name\":\"values\",\"array\":[{names}]}}]"),
    )
    .failure(1);
    insta::assert_snapshot!("plugin_values_over_budget", transcript(&out));
}

#[test]
fn in_plugin_mode_dash_is_a_repository_file_never_the_sidecars_stdin() {
    let out = plugin(&[], r#"[{"name":"values","array":["-"]}]"#).failure(2);
    assert_eq!(
        out.stderr,
        "kzrender: Application dev: 1 error, nothing rendered; first: cannot read: No such file or directory (os error 2)\n\
         error: -: cannot read: No such file or directory (os error 2)\n"
    );
}

#[test]
fn one_flag_may_not_pad_its_lists_without_end() {
    let text: Vec<String> = (0..4).map(|i| format!("calico.values.k{i}[65536]=x")).collect();
    let out = Test::new().args(["render", DEV, "--set", &text.join(",")]).run().failure(1);
    assert!(
        out.stderr.ends_with(
            "failed parsing --set data: the list indices of this flag add up to more than 200000 empty items; set fewer, or lower indices\n"
        ),
        "{}",
        out.stderr
    );
    // Helm's own bound on one index still holds, and one index at it is fine.
    Test::new().args(["explain", "calico.values.k", DEV, "--set", "calico.values.k[65536]=x"]).run().success();
}

#[test]
fn explain_of_a_missing_key_among_long_nested_keys_stays_small() {
    let work = tempfile::tempdir().unwrap();
    let long = "k".repeat(200);
    let mut text = String::from("calico:\n  values:\n");
    let mut indent = "    ".to_owned();
    for _ in 0..60 {
        (0..300).for_each(|i| text.push_str(&format!("{indent}{long}{i}: 1\n")));
        text.push_str(&format!("{indent}nest:\n"));
        indent.push_str("  ");
    }
    text.push_str(&format!("{indent}x: 1\n"));
    let file = work.path().join("deep.yaml");
    std::fs::write(&file, &text).unwrap();
    let out = Test::new().args(["explain", "calico.values.nope", DEV, "-f"]).arg_path(&file).run().failure(1);
    assert_eq!(
        out.stderr,
        "kzrender: fixtures/fleet/clusters/dev: 1 error, nothing explained; first: calico.values.nope: is not set, and no \
         layer sets it\nerror: calico.values.nope: is not set, and no layer sets it\n"
    );
}

#[test]
fn a_catalog_fork_whose_template_never_ends_is_stopped() {
    let fork = tempfile::tempdir().unwrap();
    copy_tree(&root().join("kubezero"), fork.path());
    let template = fork.path().join("components/calico/values.yaml.j2");
    let text = std::fs::read_to_string(&template).unwrap();
    let endless = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
    std::fs::write(&template, format!("{endless}\n{text}")).unwrap();
    let out = Test::new()
        .args(["render", "fixtures/fleet/clusters/prod-eu", "--kubezero"])
        .arg_path(fork.path())
        .run()
        .failure(1);
    let file = template.display().to_string();
    assert_eq!(
        out.stderr.replace(&file, "FORK/components/calico/values.yaml.j2"),
        format!(
            "kzrender: fixtures/fleet/clusters/prod-eu: 1 error, nothing rendered; first: calico: template error: the template took more than \
             1000000 steps and was stopped; does a loop never end?\n\
             error: FORK/components/calico/values.yaml.j2:1:41: calico: template error: the template took more than 1000000 steps and was \
             stopped; does a loop never end?\n  | {endless}\n  |                                         ^^^^^^^^^^^^^\n"
        )
    );
}

/// A helm that answers `version` like the real one and runs `script` for `template`.
fn fake_helm(dir: &Path, script: &str) -> std::path::PathBuf {
    let path = dir.join("helm");
    let real = helm();
    let text = format!("#!/bin/sh\nif [ \"$1\" = version ]; then exec {} \"$@\"; fi\n{script}\n", real.display());
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn validate_with(helm: &Path, extra: &[&str]) -> Outcome {
    Test::new()
        .args(["validate", "fixtures/fleet/clusters/dev", "--charts", "fixtures/charts", "--helm"])
        .arg_path(helm)
        .args(extra)
        .run()
}

#[test]
fn a_helm_that_never_ends_is_stopped_at_its_timeout() {
    let work = tempfile::tempdir().unwrap();
    let helm = fake_helm(work.path(), "exec sleep 600");
    let out = validate_with(&helm, &["--helm-timeout", "0.5"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    insta::assert_snapshot!("helm_timeout", out.stdout);
}

#[test]
fn a_helm_that_prints_without_end_is_stopped() {
    let work = tempfile::tempdir().unwrap();
    let helm = fake_helm(work.path(), "exec yes 'kind: ConfigMap'");
    let out = validate_with(&helm, &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("helm printed more than 64 MiB and was stopped"), "{}", out.stdout);
}

#[test]
fn sigterm_stops_the_helm_runs_under_way() {
    let work = tempfile::tempdir().unwrap();
    let pids = work.path().join("pids");
    let helm = fake_helm(work.path(), &format!("echo $$ >> {}\nexec sleep 600", pids.display()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_kzrender"))
        .args(["validate", "fixtures/fleet/clusters/dev", "--charts", "fixtures/charts", "--helm"])
        .arg(&helm)
        .current_dir(root())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started: Vec<u32> = loop {
        let text = std::fs::read_to_string(&pids).unwrap_or_default();
        let pids: Vec<u32> = text.lines().filter_map(|l| l.parse().ok()).collect();
        if !pids.is_empty() {
            break pids;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("kzrender ended ({status}) before it started helm");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(128 + 15));
    for pid in started {
        // A stopped child is reaped by kzrender's wait or, kzrender gone, by init: gone either way.
        let alive = || {
            Path::new(&format!("/proc/{pid}")).exists()
                && !std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default().contains(") Z ")
        };
        let mut tries = 0;
        while alive() && tries < 100 {
            std::thread::sleep(std::time::Duration::from_millis(20));
            tries += 1;
        }
        assert!(!alive(), "helm {pid} outlived kzrender");
    }
}

/// `kzrender argocd generate` in `clusters/dev` of a repository `setup` lays out.
fn plugin_in(setup: impl FnOnce(&Path), parameters: &str) -> Outcome {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path().join("clusters/dev");
    copy_tree(&root().join(DEV), &dir);
    setup(repo.path());
    Test::new()
        .current_dir(&dir)
        .env("ARGOCD_APP_NAME", "dev")
        .env("ARGOCD_APP_SOURCE_PATH", "clusters/dev")
        .env("ARGOCD_APP_PARAMETERS", parameters)
        .args(["argocd", "generate"])
        .stdin("calico: {mtu: 1}\n")
        .run()
}

#[test]
fn many_cloudbender_files_are_bounded_together() {
    let out = plugin_in(
        |repo| {
            let outputs = repo.join("clusters/dev/outputs/many");
            std::fs::create_dir_all(&outputs).unwrap();
            let items = vec!["1"; 99_000].join(",");
            for i in 0..8 {
                let text = format!("ClusterName: dev\ncalico:\n  values:\n    l{i}: [{items}]\n");
                std::fs::write(outputs.join(format!("o{i}.yaml")), text).unwrap();
            }
        },
        "[]",
    )
    .failure(1);
    insta::assert_snapshot!("cloudbender_files_over_budget", out.stderr);
}

#[test]
fn a_symlinked_outputs_directory_leading_outside_the_checkout_is_not_walked() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret-name.yaml"), "ClusterName: x\n").unwrap();
    let out = plugin_in(
        |repo| {
            let outputs = repo.join("clusters/dev/outputs");
            std::fs::remove_dir_all(&outputs).unwrap();
            std::os::unix::fs::symlink(outside.path(), &outputs).unwrap();
        },
        "[]",
    )
    .failure(1);
    assert_eq!(
        out.stderr,
        "kzrender: Application dev: 1 error, nothing rendered; first: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n\
         error: outputs: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n"
    );
    assert!(!out.stderr.contains("secret-name"), "the directory outside is not listed");
}

#[test]
fn a_symlink_out_of_the_checkout_tells_nothing_of_what_lies_there() {
    // Whether the target exists or not, the answer is the same: outside, exit 1.
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("exists.yaml"), "calico: {mtu: 1}\n").unwrap();
    let mut answers = Vec::new();
    for target in ["exists.yaml", "missing.yaml"] {
        let out = plugin_in(
            |repo| std::os::unix::fs::symlink(outside.path().join(target), repo.join("clusters/dev/l.yaml")).unwrap(),
            r#"[{"name":"values","array":["l.yaml"]}]"#,
        );
        answers.push(transcript(&out));
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(
        answers[0],
        format!(
            "exit: 1\n--- stdout\n--- stderr\nkzrender: Application dev: 1 error, nothing rendered; first: {OUTSIDE}\n\
             error: l.yaml: {OUTSIDE}\n"
        )
    );
}

#[test]
fn a_malformed_parameter_list_is_quoted_without_its_secrets() {
    for parameters in [r#"[{"map":{"db.password":"hunter2"}}]"#, r#"{"name":"set","map":{"db.password":"hunter2"}}"#] {
        let out = plugin(&[], parameters).failure(2);
        assert!(!out.stderr.contains("hunter2") && out.stderr.contains("<redacted>"), "{}", out.stderr);
    }
    let out = plugin(&[], r#"[{"map":{"calico.mtu":"1"}}]"#).failure(2);
    assert!(out.stderr.contains(r#"a parameter without a name: {"map":{"calico.mtu":"1"}}"#), "{}", out.stderr);
}
