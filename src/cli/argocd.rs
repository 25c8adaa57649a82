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
use kzrender::value::{Node, Origin};

use super::args::{ArgocdArgs, ArgocdCommand, CatalogArgs, SchemaArgs};
use super::{catalog, official_schemas, Failure, Success};

/// Runs one plugin command in the current directory with the process environment.
pub fn run(args: &ArgocdArgs) -> Result<Success, Failure> {
    let cwd = working_directory()?;
    let env = |k: &str| std::env::var(k).ok();
    let names = std::env::vars_os().filter_map(|(k, _)| k.into_string().ok());
    argocd::check_plugin_env(names).map_err(|e| environment_error(&app_name(&env), e))?;
    match &args.command {
        ArgocdCommand::Generate(g) => generate(&cwd, &env, &g.catalog, &g.schemas),
        ArgocdCommand::Parameters(p) => parameters(&cwd, &env, &p.catalog),
    }
}

/// The working directory as the system has it. The cmp-server sets no `PWD`, and none is read:
/// a `PWD` of `/proc/self/cwd` names the same directory and would make `/` the checkout.
fn working_directory() -> Result<PathBuf, Failure> {
    std::env::current_dir().map_err(|e| Failure::trouble(format!("cannot read the working directory: {e}")))
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
    let mut rendered =
        pipeline::render_cluster(catalog, &official, &req).map_err(|diags| Failure::invalid(&app, diags))?;
    if let Some(w) = channel_override(&rendered, catalog, declared_channel(cwd, env, &app).ok().flatten()) {
        rendered.warnings.push(w);
    }
    // The plugin's stderr reaches only the sidecar's log: the UI shows spec.info.
    argocd::carry_warnings(&mut rendered.docs, &rendered.warnings);
    let stdout = rendered.yaml();
    Ok(Success { stdout, warnings: rendered.warnings })
}

/// A warning when the Application's plugin.env or parameters render the cluster on another
/// channel than its own (kubezero.yaml's `channel`, else the catalog's default).
fn channel_override(rendered: &pipeline::Rendered, catalog: &Catalog, declared: Option<Node>) -> Option<Diagnostic> {
    let channel = rendered.values.get_path(&["channel"])?;
    let set_by = channel.origin.name();
    if !matches!(channel.origin, Origin::Flag(_))
        || !(set_by.starts_with("ARGOCD_ENV_CHANNEL") || set_by.starts_with("parameter channel"))
    {
        return None;
    }
    let effective = channel.as_str()?;
    let who = if set_by.starts_with("ARGOCD_ENV_CHANNEL") { "plugin.env CHANNEL" } else { "channel parameter" };
    let written = declared.as_ref().and_then(|d| d.as_str()).filter(|c| !c.is_empty());
    let (own, whose) = match written {
        Some(c) => (c, "kubezero.yaml's"),
        None => (catalog.default_channel.as_str(), "the default"),
    };
    (effective != own).then(|| {
        let msg = format!(
            "the Application's {who} renders this cluster on channel {effective}, not on its own ({whose} {own}); \
             remove the override to follow the cluster's own channel"
        );
        Diagnostic::new(Kind::Overridden, declared.as_ref().map(|d| d.origin.clone()), "channel", msg)
    })
}

/// The `channel` the cluster's kubezero.yaml declares, read through the same guard as
/// everything the plugin reads.
fn declared_channel(cwd: &Path, env: &dyn Fn(&str) -> Option<String>, app: &str) -> Result<Option<Node>, Failure> {
    let checkout = argocd::checkout(cwd, env).map_err(|e| environment_error(app, e))?;
    let guard = Guard::new(Some(&checkout)).map_err(|d| Failure::invalid(app, vec![d]))?;
    if !Path::new(CLUSTER_FILE).is_file() {
        return Ok(None);
    }
    let node = read_map(&guard, Path::new(CLUSTER_FILE), CLUSTER_FILE, &mut Vec::new())
        .map_err(|diags| Failure::invalid(app, diags))?;
    Ok(node.get_path(&["channel"]).cloned())
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
    let declared = declared_channel(cwd, env, &app)?.and_then(|c| c.as_str().map(str::to_owned));
    let current = env("ARGOCD_ENV_CHANNEL").filter(|c| !c.is_empty()).or(declared).unwrap_or(default_channel);
    let channels: Vec<&str> = channels.iter().map(String::as_str).collect();
    let announced = argocd::announcements(&current, &channels, &argocd::env_values(env));
    let mut stdout = serde_json::to_string(&announced).expect("JSON values serialize");
    stdout.push('\n');
    Ok(Success { stdout, warnings: Vec::new() })
}
