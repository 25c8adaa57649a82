//! `kzrender argocd generate|parameters`: the CMP sidecar's commands (SPEC §7).
//!
//! kzrender installs no signal handler: on SIGTERM (ArgoCD's deadline) the default action ends
//! the process at once, and since output is written only after everything validated, stdout
//! stays empty.

use std::path::Path;

use kzrender::argocd;
use kzrender::diag::{Diagnostic, Kind};
use kzrender::load::{read_map, CLUSTER_FILE};
use kzrender::pipeline;
use kzrender::read::Guard;

use super::args::{ArgocdArgs, ArgocdCommand};
use super::{catalog, official_schemas, Failure, Success};

/// Runs one plugin command in the current directory with the process environment.
pub fn run(args: &ArgocdArgs) -> Result<Success, Failure> {
    let cwd =
        std::env::current_dir().map_err(|e| Failure::Trouble(format!("cannot read the working directory: {e}")))?;
    let env = |k: &str| std::env::var(k).ok();
    match &args.command {
        ArgocdCommand::Generate(g) => generate(&cwd, &env, g.kubezero.as_deref(), g.schema_dir.as_deref()),
        ArgocdCommand::Parameters(p) => parameters(&cwd, &env, p.kubezero.as_deref()),
    }
}

fn generate(
    cwd: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    kubezero: Option<&Path>,
    schema_dir: Option<&Path>,
) -> Result<Success, Failure> {
    let app = env("ARGOCD_APP_NAME").map_or_else(|| "plugin".to_owned(), |n| format!("Application {n}"));
    let req = argocd::request(cwd, env).map_err(|e| {
        if e.is_input() {
            Failure::invalid(app.clone(), vec![Diagnostic::new(Kind::Parameter, None, "", e.to_string())])
        } else {
            Failure::Trouble(e.to_string())
        }
    })?;
    if !cwd.join(CLUSTER_FILE).exists() {
        return Err(Failure::Trouble(format!(
            "{app}: the source path has no {CLUSTER_FILE}; point the Application at a cluster directory"
        )));
    }
    let catalog = catalog(kubezero)?;
    let official = official_schemas(schema_dir)?;
    let rendered = pipeline::render_cluster(catalog, &official, &req).map_err(|diags| Failure::invalid(app, diags))?;
    Ok(Success { stdout: rendered.yaml(), warnings: rendered.warnings })
}

fn parameters(cwd: &Path, env: &dyn Fn(&str) -> Option<String>, kubezero: Option<&Path>) -> Result<Success, Failure> {
    let catalog = catalog(kubezero)?;
    let declared = match cwd.join(CLUSTER_FILE).is_file() {
        true => {
            let node = read_map(&Guard::open(), &cwd.join(CLUSTER_FILE), CLUSTER_FILE, &mut Vec::new())
                .map_err(|diags| Failure::invalid("parameters", diags))?;
            node.get_path(&["channel"]).and_then(|c| c.as_str()).map(str::to_owned)
        }
        false => None,
    };
    let current = env("ARGOCD_ENV_CHANNEL")
        .filter(|c| !c.is_empty())
        .or(declared)
        .unwrap_or_else(|| catalog.default_channel.clone());
    let values: Vec<String> = env("ARGOCD_ENV_VALUES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    let channels: Vec<&str> = catalog.channels.keys().map(String::as_str).collect();
    let mut stdout =
        serde_json::to_string(&argocd::announcements(&current, &channels, &values)).expect("JSON values serialize");
    stdout.push('\n');
    Ok(Success { stdout, warnings: Vec::new() })
}
