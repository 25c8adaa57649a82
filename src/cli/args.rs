//! Raw command-line flags, kept apart from the resolved [`Request`] the library works on.

use std::path::PathBuf;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use kzrender::request::{Overlay, Request, Set};

/// Renders and validates the KubeZero app-of-apps for ArgoCD.
#[derive(Debug, Parser)]
#[command(name = "kzrender", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The modes.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one cluster directory to a YAML stream on stdout.
    Render(RenderArgs),
    /// Show the merged value at a dotted key and every layer that set it.
    Explain(ExplainArgs),
    /// Render and validate every cluster under the paths; report every problem.
    Validate(ValidateArgs),
    /// Show what the working tree changes against a git ref, per cluster and resource.
    Diff(DiffArgs),
    /// The ArgoCD config-management-plugin commands (run by the sidecar).
    Argocd(ArgocdArgs),
    /// CloudBender outputs.
    Outputs(OutputsArgs),
    /// Print the kubezero.yaml reference (Markdown), generated from the catalog's schemas.
    Docs(DocsArgs),
}

/// `kzrender docs`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Only this channel's components and versions.
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Document the catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
}

/// `kzrender outputs`.
#[derive(Debug, Args)]
pub struct OutputsArgs {
    /// What to do with outputs.
    #[command(subcommand)]
    pub command: OutputsCommand,
}

/// `kzrender outputs` commands.
#[derive(Debug, Subcommand)]
pub enum OutputsCommand {
    /// Check CloudBender output files and copy them into a cluster directory.
    Import(ImportArgs),
}

/// `kzrender outputs import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// CloudBender files: StoreOutputs (`outputs/<path>/<stack>.yaml`) or export files.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// The cluster directory to copy them into.
    #[arg(long, value_name = "DIR")]
    pub cluster: PathBuf,
    /// Check with the catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
}

/// `kzrender diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Where to look for cluster directories (default: the working directory).
    pub paths: Vec<PathBuf>,
    /// The git ref to compare the working tree with.
    #[arg(long, default_value = "HEAD", value_name = "REF")]
    pub base: String,
    /// Colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Only name the changed resources and print the summary.
    #[arg(long)]
    pub stat: bool,
    /// Also validate documents against the official schemas in DIR (kubeconform-style JSON, CRD YAML).
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `diff --color`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Color {
    /// When stdout is a terminal and NO_COLOR is unset.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `kzrender argocd`.
#[derive(Debug, Args)]
pub struct ArgocdArgs {
    /// Which plugin command.
    #[command(subcommand)]
    pub command: ArgocdCommand,
}

/// The plugin's commands.
#[derive(Debug, Subcommand)]
pub enum ArgocdCommand {
    /// Render the cluster in the working directory, options from ArgoCD's environment.
    Generate(GenerateArgs),
    /// Announce the plugin's parameters as JSON.
    Parameters(ParametersArgs),
}

/// `kzrender argocd generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Render with the catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
    /// Also validate documents against the official schemas in DIR.
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,
}

/// `kzrender argocd parameters`.
#[derive(Debug, Args)]
pub struct ParametersArgs {
    /// Announce the channels of the catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
}

/// Inputs shared by every mode that renders one cluster.
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Extra values file, relative to the cluster directory (repeatable, later wins).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<String>,
    /// Set a value: dotted key (`\.` for a literal dot) = YAML scalar (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Set a value, always as a string (repeatable).
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Channel to render (overrides kubezero.yaml).
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    /// Render with the catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
    /// `--set` and `--set-string` in command-line order (filled from the matches).
    #[arg(skip)]
    pub ordered_sets: Vec<Set>,
}

/// `kzrender render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The cluster directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Yaml)]
    pub output: Output,
    /// Also validate documents against the official schemas in DIR (kubeconform-style JSON, CRD YAML).
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kzrender explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Dotted key, e.g. `kiam.IamArn`.
    pub key: String,
    /// The cluster directory.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kzrender validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Where to look for cluster directories.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Validate with the catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
    /// Also validate documents against the official schemas in DIR.
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,
}

/// `validate --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Grouped by cluster, for people.
    Text,
    /// One JSON document.
    Json,
    /// GitHub Actions annotations.
    Github,
}

/// `render --output`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Output {
    /// A YAML stream.
    Yaml,
    /// Concatenated JSON objects.
    Json,
}

/// Parses the process arguments.
pub fn parse() -> Result<Cli, clap::Error> {
    let matches = Cli::command().try_get_matches()?;
    let mut cli = Cli::from_arg_matches(&matches)?;
    if let Some((name, sub)) = matches.subcommand() {
        match &mut cli.command {
            Command::Render(a) => a.values.ordered_sets = ordered_sets(name, sub)?,
            Command::Explain(a) => a.values.ordered_sets = ordered_sets(name, sub)?,
            Command::Diff(a) => a.values.ordered_sets = ordered_sets(name, sub)?,
            Command::Validate(_) | Command::Argocd(_) | Command::Outputs(_) | Command::Docs(_) => {}
        }
    }
    Ok(cli)
}

/// `--set` and `--set-string` interleaved as given (clap keeps them in two lists).
fn ordered_sets(command: &str, m: &ArgMatches) -> Result<Vec<Set>, clap::Error> {
    let mut all = Vec::new();
    for (id, string) in [("set", false), ("set_string", true)] {
        let (Some(values), Some(indices)) = (m.get_many::<String>(id), m.indices_of(id)) else { continue };
        let flag = if string { "--set-string" } else { "--set" };
        for (raw, index) in values.zip(indices) {
            let Some((key, value)) = raw.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                // The error shows the subcommand's own usage line.
                let mut cli = Cli::command();
                let sub = cli.find_subcommand_mut(command).expect("the matched subcommand exists");
                let mut sub = sub.clone().bin_name(format!("kzrender {command}"));
                return Err(
                    sub.error(clap::error::ErrorKind::ValueValidation, format!("{flag} {raw}: expected KEY=VALUE"))
                );
            };
            all.push((index, Set { key: key.to_owned(), value: value.to_owned(), string, source: flag.to_owned() }));
        }
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, s)| s).collect())
}

impl ValuesArgs {
    /// The resolved request for a cluster directory.
    pub fn request(&self, dir: PathBuf) -> Request {
        let mut sets = self.ordered_sets.clone();
        if let Some(channel) = &self.channel {
            sets.push(Set { key: "channel".into(), value: channel.clone(), string: true, source: "--channel".into() });
        }
        let mut overlays: Vec<Overlay> = self.values.iter().cloned().map(Overlay::File).collect();
        overlays.extend(sets.into_iter().map(Overlay::Set));
        Request { dir, overlays, kube_version: None, confine: None }
    }
}
