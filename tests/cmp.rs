//! The plugin as ArgoCD's repo-server and cmp-server really run it, step for step from their
//! source (argo-cd `reposerver/repository/utils.go` getApplicationRootPath,
//! `util/cmp/stream.go`, `cmpserver/plugin/plugin.go` runCommand): the repository, or with
//! `reposerver.plugin.use.manifest.generate.paths=true` only the common root of the
//! Application's path and its `manifest-generate-paths`, unpacked into a fresh directory
//! (symlinks leading out of it refused, as the untar refuses them); the command run in the
//! source path below it with an explicit environment — ArgoCD's variables, no `PWD`.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::support::{copy_tree, documents, root};

/// An Application of the example fleet's repository as ArgoCD sees it.
struct App<'a> {
    /// `spec.source.path`.
    path: &'a str,
    /// `argocd.argoproj.io/manifest-generate-paths`, when the option is on.
    generate_paths: Option<&'a str>,
    /// `plugin.env`, as `ARGOCD_ENV_<name>`.
    env: Vec<(&'a str, &'a str)>,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// The repository: the example fleet, with a shared values file and an in-repository symlink
/// to a cluster directory.
fn repository() -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    copy_tree(&root().join("fixtures/fleet"), repo.path());
    std::fs::create_dir_all(repo.path().join("shared")).unwrap();
    std::fs::write(repo.path().join("shared/mtu.yaml"), "calico:\n  mtu: 1400\n").unwrap();
    std::os::unix::fs::symlink("prod-eu", repo.path().join("clusters/alias")).unwrap();
    repo
}

/// getApplicationRootPath: the common leading components of the Application's path and the
/// annotation's paths (each relative to the Application's path, or to the repository when
/// absolute); the whole repository without the option.
fn sent_root(app: &App<'_>) -> PathBuf {
    let Some(annotation) = app.generate_paths else { return PathBuf::new() };
    let normal = |p: PathBuf| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in p.components() {
            match c {
                Component::Normal(n) => out.push(n.to_string_lossy().into_owned()),
                Component::ParentDir => drop(out.pop()),
                _ => {}
            }
        }
        out
    };
    let mut common = normal(PathBuf::from(app.path));
    for item in annotation.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        let path = match item.strip_prefix('/') {
            Some(abs) => normal(PathBuf::from(abs)),
            None => normal(Path::new(app.path).join(item)),
        };
        let same = common.iter().zip(&path).take_while(|(a, b)| a == b).count();
        common.truncate(same);
    }
    common.iter().collect()
}

/// Copies what the repo-server sends into a fresh work directory, refusing (as ArgoCD's untar
/// does) a symlink that leads out of it.
fn unpack(repo: &Path, sent: &Path, work: &Path) -> Result<(), String> {
    let from = repo.join(sent);
    for entry in walkdir::WalkDir::new(&from).sort_by_file_name() {
        let entry = entry.unwrap();
        let to = work.join(entry.path().strip_prefix(&from).unwrap());
        if entry.path_is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &to).unwrap();
        } else if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    for entry in walkdir::WalkDir::new(work) {
        let entry = entry.unwrap();
        if entry.path_is_symlink() {
            let target = std::fs::read_link(entry.path()).unwrap();
            let resolved = entry.path().parent().unwrap().join(&target);
            let inside = std::fs::canonicalize(&resolved).is_ok_and(|r| r.starts_with(work.canonicalize().unwrap()));
            if !inside {
                return Err(format!("illegal filepath in symlink: {}", target.display()));
            }
        }
    }
    Ok(())
}

/// `kzrender argocd generate` as the cmp-server runs it for `app`.
fn generate(repo: &Path, app: &App<'_>) -> Run {
    run(repo, app, &["argocd", "generate"])
}

fn run(repo: &Path, app: &App<'_>, args: &[&str]) -> Run {
    let work = tempfile::tempdir().unwrap();
    let sent = sent_root(app);
    unpack(repo, &sent, work.path()).unwrap();
    let rel = Path::new(app.path).strip_prefix(&sent).unwrap().to_path_buf();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kzrender"));
    cmd.args(args).current_dir(work.path().join(rel)).env_clear();
    cmd.envs([
        ("ARGOCD_APP_NAME", "kubezero"),
        ("ARGOCD_APP_NAMESPACE", "argocd"),
        ("ARGOCD_APP_REVISION", "4f1c2e9a7b3d5f6e8a9b0c1d2e3f4a5b6c7d8e9f"),
        ("ARGOCD_APP_SOURCE_PATH", app.path),
        ("ARGOCD_APP_SOURCE_REPO_URL", "https://git.example.com/platform/fleet.git"),
        ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
        ("KUBE_VERSION", "1.16.12"),
        ("KUBE_API_VERSIONS", "v1,apps/v1"),
    ]);
    for (name, value) in &app.env {
        cmd.env(format!("ARGOCD_ENV_{name}"), value);
    }
    let out = cmd.output().unwrap();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn app<'a>(path: &'a str, generate_paths: Option<&'a str>) -> App<'a> {
    App { path, generate_paths, env: Vec::new() }
}

/// What `kzrender render` prints for a cluster of the repository.
fn render(repo: &Path, cluster: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kzrender"))
        .arg("render")
        .arg(repo.join(cluster))
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_source_path_that_is_an_in_repository_symlink_renders_its_target() {
    let repo = repository();
    let expected = render(repo.path(), "clusters/prod-eu", &[]);
    // Not with `.`: the repo-server then sends the symlink itself as the root, not its target
    // (README: point such an Application at the real directory).
    for generate_paths in [None, Some("..")] {
        let run = generate(repo.path(), &app("clusters/alias", generate_paths));
        assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "{generate_paths:?}");
        assert_eq!(run.stdout, expected, "{generate_paths:?}");
    }
}

#[test]
fn with_manifest_generate_paths_every_annotation_renders_and_reads_stay_inside_what_was_sent() {
    let repo = repository();
    let expected = render(repo.path(), "clusters/prod-eu", &[]);
    for generate_paths in [Some("."), Some(".."), Some(".;/shared"), Some("/clusters"), None] {
        let run = generate(repo.path(), &app("clusters/prod-eu", generate_paths));
        assert_eq!((run.code, &run.stdout), (Some(0), &expected), "{generate_paths:?}: {}", run.stderr);
    }
    // A shared values file: rendered where the annotation sends it, refused where it does not.
    let shared = |generate_paths| App {
        env: vec![("VALUES", "../../shared/mtu.yaml")],
        ..app("clusters/prod-eu", generate_paths)
    };
    let with = generate(repo.path(), &shared(Some(".;/shared")));
    assert_eq!(
        with.stdout,
        render(repo.path(), "clusters/prod-eu", &["-f", &repo.path().join("shared/mtu.yaml").display().to_string()])
    );
    let without = generate(repo.path(), &shared(Some(".")));
    assert_eq!((without.code, without.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        without.stderr,
        "kzrender: Application kubezero: 1 error, nothing rendered; first: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n\
         error: ../../shared/mtu.yaml: resolves outside what ArgoCD sent of the repository; only files inside it may be used (with manifest-generate-paths, add their directory to the annotation)\n"
    );
}

#[test]
fn a_misspelt_plugin_env_name_is_an_error_with_a_suggestion() {
    let repo = repository();
    let run = generate(repo.path(), &App { env: vec![("channel", "master")], ..app("clusters/prod-eu", Some(".")) });
    assert_eq!((run.code, run.stdout.as_str()), (Some(1), ""));
    assert_eq!(
        run.stderr,
        "kzrender: Application kubezero: 1 error, nothing rendered; first: plugin.env `channel` (ARGOCD_ENV_channel): kzrender reads only CHANNEL and VALUES; did you mean `CHANNEL`?\n\
         error: plugin.env `channel` (ARGOCD_ENV_channel): kzrender reads only CHANNEL and VALUES; did you mean `CHANNEL`?\n"
    );
}

/// `spec.info` of each Application of a generate's output, by name.
fn infos(stdout: &str) -> Vec<(String, Value)> {
    let docs = documents(stdout);
    docs.iter()
        .filter(|d| d["kind"] == "Application")
        .map(|d| {
            (d["metadata"]["name"].as_str().unwrap().to_owned(), d["spec"].get("info").cloned().unwrap_or(Value::Null))
        })
        .collect()
}

#[test]
fn warnings_reach_the_argocd_ui_on_the_application_they_concern() {
    let repo = repository();
    let run = generate(repo.path(), &app("clusters/dev", Some(".")));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let secret = "kubezero.yaml:34:21: logging.elastic_password: a secret in the helm.values of Application logging, which everyone allowed to read Applications in ArgoCD can read; deliver it as a Kubernetes Secret instead";
    for (name, info) in infos(&run.stdout) {
        let expected = match name.as_str() {
            "logging" => serde_json::json!([{"name": "kzrender warning", "value": secret}]),
            _ => Value::Null,
        };
        assert_eq!(info, expected, "{name}");
    }
    assert_eq!(run.stderr, format!("warning: {secret}\n"), "and in the sidecar's log");
    // Overriding the cluster's own channel is said on every Application.
    let run = generate(repo.path(), &App { env: vec![("CHANNEL", "stable")], ..app("clusters/dev", Some(".")) });
    let said = "kubezero.yaml:2:10: channel: the Application's plugin.env CHANNEL renders this cluster on channel stable, not on its own (kubezero.yaml's master); remove the override to follow the cluster's own channel";
    assert!(
        infos(&run.stdout).iter().all(|(_, info)| info.as_array().unwrap().iter().any(|i| i["value"] == said)),
        "{}",
        run.stdout
    );
}

#[test]
fn the_shipped_root_application_renders_every_example_cluster_as_argocd_runs_it() {
    let text = std::fs::read_to_string(root().join("deploy/root-app.yaml")).unwrap();
    let root_app = &documents(&text)[0];
    let annotation = root_app["metadata"]["annotations"]["argocd.argoproj.io/manifest-generate-paths"].as_str();
    assert_eq!(annotation, Some("."), "the shipped root Application sends only its cluster directory");
    let plugin = &root_app["spec"]["source"]["plugin"];
    assert!(plugin.get("env").is_none(), "the cluster's kubezero.yaml chooses its channel: {plugin}");
    let repo = repository();
    for cluster in ["dev", "legacy-2020", "onprem", "prod-eu"] {
        let path = format!("clusters/{cluster}");
        let run = generate(repo.path(), &app(&path, annotation));
        assert_eq!(run.code, Some(0), "{cluster}: {}", run.stderr);
        assert!(!documents(&run.stdout).is_empty(), "{cluster}");
    }
}

#[test]
fn a_symlink_out_of_what_was_sent_fails_at_untar_before_kzrender_runs() {
    // ArgoCD refuses it ("illegal filepath in symlink"): a symlink to the repository root breaks
    // every plugin Application of the repository (README, Running kzrender in ArgoCD).
    let repo = repository();
    std::os::unix::fs::symlink("..", repo.path().join("clusters/prod-eu/up")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let sent = sent_root(&app("clusters/prod-eu", Some(".")));
    assert_eq!(unpack(repo.path(), &sent, work.path()), Err("illegal filepath in symlink: ..".to_owned()));
}
