//! `kzrender argocd generate|parameters`: the CMP sidecar's commands (the README's "Running
//! kzrender in ArgoCD").
//!
//! kzrender installs no signal handler here: on SIGTERM (ArgoCD's deadline) the default action
//! ends the process at once, and since output is written only after everything validated,
//! stdout stays empty.

use std::path::{Path, PathBuf};

use kzrender::argocd;
use kzrender::catalog::Catalog;
use kzrender::diag::{Diagnostic, Kind};
use kzrender::load::{read_map, CLUSTER_FILE};
use kzrender::pipeline;
use kzrender::read::Guard;

use super::args::{ArgocdArgs, ArgocdCommand, CatalogArgs, SchemaArgs};
use super::{catalog, official_schemas, Failure, Success};

/// Runs one plugin command in the current directory with the process environment.
pub fn run(args: &ArgocdArgs) -> Result<Success, Failure> {
    let cwd = working_directory()?;
    let env = |k: &str| std::env::var(k).ok();
    match &args.command {
        ArgocdCommand::Generate(g) => generate(&cwd, &env, &g.catalog, &g.schemas),
        ArgocdCommand::Parameters(p) => parameters(&cwd, &env, &p.catalog),
    }
}

/// The working directory as ArgoCD gave it: `PWD` when it names the directory the process is
/// in (it keeps the symlinks ArgoCD's path went through), else the resolved one.
fn working_directory() -> Result<PathBuf, Failure> {
    use std::os::unix::fs::MetadataExt;
    let cwd =
        std::env::current_dir().map_err(|e| Failure::trouble(format!("cannot read the working directory: {e}")))?;
    let same = |a: &Path, b: &Path| match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    };
    Ok(std::env::var_os("PWD").map(PathBuf::from).filter(|p| p.is_absolute() && same(p, &cwd)).unwrap_or(cwd))
}

fn app_name(env: &dyn Fn(&str) -> Option<String>) -> String {
    env("ARGOCD_APP_NAME").map_or_else(|| "plugin".to_owned(), |n| format!("Application {n}"))
}

fn environment_error(app: &str, e: argocd::EnvError) -> Failure {
    if e.is_input() {
        Failure::invalid(app, vec![Diagnostic::new(Kind::Parameter, None, "", e.to_string())])
    } else {
        Failure::trouble(format!("{app}: {e}"))
    }
}

fn generate(
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    kubezero: &CatalogArgs,
    schemas: &SchemaArgs,
) -> Result<Success, Failure> {
    let app = app_name(env);
    let req = argocd::request(cwd, env).map_err(|e| environment_error(&app, e))?;
    if !cwd.join(CLUSTER_FILE).exists() {
        return Err(Failure::trouble(format!(
            "{app}: the source path has no {CLUSTER_FILE}; point the Application at a cluster directory"
        )));
    }
    let catalog = catalog(kubezero)?;
    let official = official_schemas(schemas)?;
    let rendered = pipeline::render_cluster(catalog, &official, &req).map_err(|diags| Failure::invalid(app, diags))?;
    let stdout = rendered.yaml();
    Ok(Success { stdout, warnings: rendered.warnings })
}

fn parameters(cwd: &Path, env: &dyn Fn(&str) -> Option<String>, kubezero: &CatalogArgs) -> Result<Success, Failure> {
    let app = app_name(env);
    // The built-in catalog's channels are read without building it: this runs on every
    // Application refresh.
    let (default_channel, channels) = match &kubezero.kubezero {
        None => Catalog::embedded_channels().map_err(|d| Failure::invalid("catalog", d))?,
        Some(_) => {
            let c = catalog(kubezero)?;
            (c.default_channel.clone(), c.channels.keys().cloned().collect())
        }
    };
    // The cluster's own channel is announced: read through the same guard as `generate`.
    let checkout = argocd::checkout(cwd, env).map_err(|e| environment_error(&app, e))?;
    let guard = Guard::new(Some(&checkout)).map_err(|d| Failure::invalid(app.clone(), vec![d]))?;
    let declared = match Path::new(CLUSTER_FILE).is_file() {
        true => {
            let node = read_map(&guard, Path::new(CLUSTER_FILE), CLUSTER_FILE, &mut Vec::new())
                .map_err(|diags| Failure::invalid("parameters", diags))?;
            node.get_path(&["channel"]).and_then(|c| c.as_str()).map(str::to_owned)
        }
        false => None,
    };
    let current = env("ARGOCD_ENV_CHANNEL").filter(|c| !c.is_empty()).or(declared).unwrap_or(default_channel);
    let channels: Vec<&str> = channels.iter().map(String::as_str).collect();
    let announced = argocd::announcements(&current, &channels, &argocd::env_values(env));
    let mut stdout = serde_json::to_string(&announced).expect("JSON values serialize");
    stdout.push('\n');
    Ok(Success { stdout, warnings: Vec::new() })
}
