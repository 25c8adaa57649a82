//! The CMP contract, checked the way argocd-cmp-server runs a plugin: a fresh copy of the repo
//! (files 0644, dirs 0755), ArgoCD's environment and nothing else, `plugin.yaml`'s command exec'd
//! without a shell in the Application's source path, stdout parsed as ArgoCD parses it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{copy_tree, documents, root, Test};

/// A repository checkout as the repo-server hands it to the sidecar.
struct Checkout {
    dir: tempfile::TempDir,
}

impl Checkout {
    fn of(fixture: &str) -> Checkout {
        let dir = tempfile::tempdir().unwrap();
        copy_tree(&root().join(fixture), dir.path());
        Checkout { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }
}

/// `spec.<which>.command` + `args` of the repository's plugin.yaml.
fn plugin_command(which: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("plugin.yaml")).unwrap();
    let plugin = &documents(&text)[0];
    assert_eq!(plugin["kind"], "ConfigManagementPlugin");
    assert_eq!(plugin["metadata"]["name"], "kzrender");
    assert!(plugin["spec"].get("version").is_none(), "no version: Applications name the plugin `kzrender`");
    let spec = match which {
        "generate" => &plugin["spec"]["generate"],
        _ => &plugin["spec"]["parameters"]["dynamic"],
    };
    let strings = |v: &Value| {
        v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect::<Vec<_>>()).unwrap_or_default()
    };
    let mut cmd = strings(&spec["command"]);
    cmd.extend(strings(&spec["args"]));
    assert!(!cmd.iter().any(|c| c == "sh" || c == "bash" || c == "-c"), "exec'd without a shell: {cmd:?}");
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Execs a plugin command like argocd-cmp-server: cwd = the app path, only ArgoCD's variables.
fn exec(cmd: &[String], cwd: &Path, env: &[(&str, &str)]) -> Run {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_kzrender")).parent().unwrap();
    let out = Command::new(&cmd[0])
        .args(&cmd[1..])
        .current_dir(cwd)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin_dir.display()))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// ArgoCD's build environment for an Application on `path`.
fn build_env<'a>(path: &'a str, params: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("ARGOCD_APP_NAME", "prod-eu"),
        ("ARGOCD_APP_NAMESPACE", "argocd"),
        ("ARGOCD_APP_REVISION", "4f1c2e9a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f"),
        ("ARGOCD_APP_SOURCE_PATH", path),
        ("ARGOCD_APP_SOURCE_REPO_URL", "https://git.example.com/platform/fleet.git"),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
        ("KUBE_VERSION", "1.16.12"),
        ("KUBE_API_VERSIONS", "v1,apps/v1,argoproj.io/v1alpha1"),
        ("ARGOCD_APP_PARAMETERS", params),
    ]
}

/// Parses stdout as ArgoCD does: a YAML stream (or JSON objects), empty documents skipped,
/// every document must have a kind.
fn argo_parse(stdout: &str) -> Vec<Value> {
    let docs = if stdout.trim_start().starts_with('{') {
        serde_json::Deserializer::from_str(stdout).into_iter().map(Result::unwrap).collect()
    } else {
        documents(stdout)
    };
    for d in &docs {
        assert!(d.get("kind").and_then(Value::as_str).is_some(), "ArgoCD rejects a document without kind: {d}");
    }
    docs
}

fn generate(repo: &Checkout, app: &str, env: &[(&str, &str)]) -> Run {
    exec(&plugin_command("generate"), &repo.path(app), env)
}

const PROD: &str = "clusters/prod-eu";

#[test]
fn generate_prints_the_same_bytes_as_render_with_equivalent_flags() {
    let repo = Checkout::of("fixtures/fleet");
    let run = generate(&repo, PROD, &build_env(PROD, ""));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let rendered = Test::new().args(["render"]).arg_path(repo.path(PROD)).run().success();
    assert_eq!(run.stdout, rendered.stdout);
    assert_eq!(argo_parse(&run.stdout).len(), 9);
}

#[test]
fn absent_null_and_empty_parameters_all_mean_none() {
    let repo = Checkout::of("fixtures/fleet");
    let reference = generate(&repo, PROD, &build_env(PROD, "")).stdout;
    for params in ["null", "[]"] {
        let run = generate(&repo, PROD, &build_env(PROD, params));
        assert_eq!((run.code, &run.stdout), (Some(0), &reference), "{params}: {}", run.stderr);
    }
    let mut env = build_env(PROD, "");
    env.retain(|(k, _)| *k != "ARGOCD_APP_PARAMETERS");
    assert_eq!(generate(&repo, PROD, &env).stdout, reference);
}

#[test]
fn every_parameter_kind_matches_the_equivalent_flags() {
    let repo = Checkout::of("fixtures/fleet");
    std::fs::write(repo.path("clusters/prod-eu/values-canary.yaml"), "metrics:\n  enabled: false\n").unwrap();
    std::fs::set_permissions(repo.path("clusters/prod-eu/values-canary.yaml"), std::fs::Permissions::from_mode(0o644))
        .unwrap();
    let params = r#"[{"name":"channel","string":"master"},{"name":"values","array":["values-canary.yaml"]},{"name":"set","map":{"calico.mtu":"1450","istio.values.istiod.env":"on"}}]"#;
    let run = generate(&repo, PROD, &build_env(PROD, params));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Parameter files are relative to the source path, command-line files to the working directory.
    let flags = Test::new()
        .current_dir(repo.path(PROD))
        .args(["render"])
        .args([
            "--channel",
            "master",
            "-f",
            "values-canary.yaml",
            "--set",
            "calico.mtu=1450",
            "--set",
            "istio.values.istiod.env=on",
        ])
        .run()
        .success();
    // The same documents, but for the warning the UI shows: the parameter overrides the channel.
    let mut docs = argo_parse(&run.stdout);
    let info: Vec<Value> = docs.iter_mut().filter_map(|d| d.get_mut("spec")?.as_object_mut()?.remove("info")).collect();
    assert_eq!(docs, argo_parse(&flags.stdout));
    let override_warning = "kubezero.yaml:2:10: channel: the Application's channel parameter renders this cluster on channel master, not on its own (kubezero.yaml's stable); remove the override to follow the cluster's own channel";
    assert_eq!(info.len(), 6, "on every Application (metrics is off)");
    assert!(info.iter().all(|i| i == &serde_json::json!([{"name": "kzrender warning", "value": override_warning}])));
    assert!(docs.iter().all(|d| d["kind"] != "Application" || d["spec"]["source"]["targetRevision"] == "master"));
    assert!(!docs.iter().any(|d| d["metadata"]["name"] == "metrics"), "the values file disabled metrics");
}

#[test]
fn plugin_env_sets_channel_and_values_below_parameters() {
    let repo = Checkout::of("fixtures/fleet");
    let mut env = build_env(PROD, r#"[{"name":"channel","string":"stable"}]"#);
    env.push(("ARGOCD_ENV_CHANNEL", "master"));
    let run = generate(&repo, PROD, &env);
    assert!(
        run.stdout.contains("targetRevision: stable\n") && !run.stdout.contains("targetRevision: master\n"),
        "{}",
        run.stderr
    );
    let mut env = build_env(PROD, "");
    env.push(("ARGOCD_ENV_CHANNEL", "master"));
    assert!(generate(&repo, PROD, &env).stdout.contains("targetRevision: master\n"));
}

#[test]
fn a_failing_cluster_exits_non_zero_with_empty_stdout_and_a_short_first_line() {
    let repo = Checkout::of("fixtures/fleet");
    let run =
        generate(&repo, PROD, &build_env(PROD, r#"[{"name":"set","map":{"calico.mtu":"big","kiam.IamArn":"nope"}}]"#));
    assert_eq!(run.code, Some(1));
    assert_eq!(run.stdout, "", "ArgoCD would prune the cluster on empty successful output");
    insta::assert_snapshot!("parameter_set_invalid", run.stderr);
}

#[test]
fn kube_version_from_argocd_is_checked_when_the_cluster_names_none() {
    let repo = Checkout::of("fixtures/fleet");
    let mut env = build_env("clusters/onprem", "");
    env.retain(|(k, _)| *k != "KUBE_VERSION");
    env.push(("KUBE_VERSION", "1.15.3"));
    let run = generate(&repo, "clusters/onprem", &env);
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    insta::assert_snapshot!("kube_version_from_argocd", run.stderr);
}

#[test]
fn values_files_outside_the_checkout_are_refused() {
    let repo = Checkout::of("fixtures/fleet");
    let run = generate(&repo, PROD, &build_env(PROD, r#"[{"name":"values","array":["../../../etc/passwd"]}]"#));
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        run.stderr,
        "kzrender: Application prod-eu: 1 error, nothing rendered; first: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n\
         error: ../../../etc/passwd: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n"
    );

    std::os::unix::fs::symlink("/etc/hostname", repo.path("clusters/prod-eu/sneaky.yaml")).unwrap();
    let run = generate(&repo, PROD, &build_env(PROD, r#"[{"name":"values","array":["sneaky.yaml"]}]"#));
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        run.stderr,
        "kzrender: Application prod-eu: 1 error, nothing rendered; first: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n\
         error: sneaky.yaml: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n"
    );

    // CloudBender files are inputs too: a symlinked outputs file may not lead outside either.
    std::fs::create_dir_all(repo.path("clusters/onprem/outputs")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", repo.path("clusters/onprem/outputs/stack.yaml")).unwrap();
    let run = generate(&repo, "clusters/onprem", &build_env("clusters/onprem", ""));
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        run.stderr,
        "kzrender: Application prod-eu: 1 error, nothing rendered; first: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n\
         error: outputs/stack.yaml: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n"
    );
}

#[test]
fn an_unknown_parameter_is_an_error_not_ignored() {
    let repo = Checkout::of("fixtures/fleet");
    let run = generate(&repo, PROD, &build_env(PROD, r#"[{"name":"chanel","string":"master"}]"#));
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    assert!(
        run.stderr.starts_with(
            "kzrender: Application prod-eu: 1 error, nothing rendered; first: parameter `chanel`: unknown parameter"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn dynamic_parameters_announce_the_current_channel_with_only_the_env_argocd_gives() {
    let repo = Checkout::of("fixtures/fleet");
    let env = [
        ("ARGOCD_APP_NAME", "dev"),
        ("ARGOCD_APP_SOURCE_PATH", "clusters/dev"),
        ("ARGOCD_APP_SOURCE_REPO_URL", "https://git.example.com/platform/fleet.git"),
    ];
    let run = exec(&plugin_command("parameters"), &repo.path("clusters/dev"), &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let announced: Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&str> = announced.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["channel", "values", "set"]);
    assert_eq!(announced[0]["string"], "master", "dev's kubezero.yaml says master");
    assert_eq!(announced[2]["collectionType"], "map");
}

#[test]
fn a_parameter_values_file_outranks_the_plugin_env_channel() {
    let repo = Checkout::of("fixtures/fleet");
    std::fs::write(repo.path("clusters/prod-eu/stable.yaml"), "channel: stable\n").unwrap();
    let mut env = build_env(PROD, r#"[{"name":"values","array":["stable.yaml"]}]"#);
    env.push(("ARGOCD_ENV_CHANNEL", "master"));
    let run = generate(&repo, PROD, &env);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("targetRevision: stable\n") && !run.stdout.contains("targetRevision: master\n"));
}

#[test]
fn null_arrays_and_maps_from_argocd_mean_empty() {
    let repo = Checkout::of("fixtures/fleet");
    let reference = generate(&repo, PROD, &build_env(PROD, "")).stdout;
    let run = generate(&repo, PROD, &build_env(PROD, r#"[{"name":"values","array":null},{"name":"set","map":null}]"#));
    assert_eq!((run.code, run.stdout), (Some(0), reference), "{}", run.stderr);
}

/// `exec` with the working directory also given as `PWD`, as a shell or ArgoCD may pass it.
fn exec_at(cmd: &[String], cwd: &Path, env: &[(&str, &str)]) -> Run {
    let pwd = cwd.display().to_string();
    let mut env = env.to_vec();
    env.push(("PWD", &pwd));
    exec(cmd, cwd, &env)
}

#[test]
fn parameters_read_kubezero_yaml_through_the_repository_guard() {
    let repo = Checkout::of("fixtures/fleet");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("kubezero.yaml"), "ClusterName: x\nchannel: master\n").unwrap();
    std::fs::remove_file(repo.path("clusters/onprem/kubezero.yaml")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("kubezero.yaml"), repo.path("clusters/onprem/kubezero.yaml"))
        .unwrap();
    let env = [("ARGOCD_APP_NAME", "onprem"), ("ARGOCD_APP_SOURCE_PATH", "clusters/onprem")];
    let run = exec_at(&plugin_command("parameters"), &repo.path("clusters/onprem"), &env);
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        run.stderr,
        "kzrender: Application onprem: 1 error, nothing rendered; first: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n\
         error: kubezero.yaml: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n"
    );
}

#[test]
fn an_absolute_source_path_is_refused_rather_than_taken_as_the_repository_root() {
    let repo = Checkout::of("fixtures/fleet");
    let absolute = repo.path(PROD).display().to_string();
    let mut env = build_env(&absolute, r#"[{"name":"values","array":["../../../outside.yaml"]}]"#);
    env.retain(|(k, _)| *k != "ARGOCD_APP_NAME");
    let run = exec_at(&plugin_command("generate"), &repo.path(PROD), &env);
    assert_eq!((run.code, run.stdout.as_str()), (Some(2), ""));
    assert_eq!(
        run.stderr,
        format!(
            "kzrender: plugin: ARGOCD_APP_SOURCE_PATH `{absolute}` must be a path inside the repository, relative to its root\n"
        )
    );
}

#[test]
fn no_pwd_can_make_the_checkout_larger_than_what_argocd_sent() {
    // `/proc/self/cwd` is the working directory by another name: read as PWD with a source
    // path of the same spelling, it would make `/` the checkout. PWD is not read.
    let repo = Checkout::of("fixtures/fleet");
    let magic = repo.path("proc/self/cwd");
    copy_tree(&repo.path(PROD), &magic);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("o.yaml"), "calico: {mtu: 1234}\n").unwrap();
    let values = outside.path().join("o.yaml").display().to_string();
    let mut env = build_env("proc/self/cwd", "");
    env.push(("PWD", "/proc/self/cwd"));
    env.push(("ARGOCD_ENV_VALUES", &values));
    let run = exec(&plugin_command("generate"), &magic, &env);
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    let refused = ": is an absolute path: paths are relative to the cluster directory (`../_shared/x.yaml`)\n";
    assert!(run.stderr.ends_with(refused), "{}", run.stderr);
}

#[test]
fn every_source_path_spelling_argocd_accepts_renders_like_the_plain_one() {
    let repo = Checkout::of("fixtures/fleet");
    let reference = generate(&repo, PROD, &build_env(PROD, "")).stdout;
    for spelling in ["./clusters/prod-eu", "clusters/prod-eu/", "clusters/../clusters/prod-eu"] {
        let run = generate(&repo, PROD, &build_env(spelling, ""));
        assert_eq!((run.code, &run.stdout), (Some(0), &reference), "{spelling}: {}", run.stderr);
    }
}
