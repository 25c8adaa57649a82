//! Raw command-line flags, kept apart from the resolved [`Request`] the library works on.

use std::path::PathBuf;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
pub use fleet::{DiffFormat, FleetArgs, FleetFormat};
use kzrender::request::{Overlay, Request, Set};
use kzrender::strvals::Flag;
use parsers::{cluster_dir, kube_version, parse_shard, positive_seconds};

/// Renders and validates the KubeZero app-of-apps for ArgoCD.
#[derive(Debug, Parser)]
#[command(
    name = "kzrender",
    version,
    about,
    propagate_version = true,
    after_help = "Exit codes: 0 success (diff: no differences); 1 the input is wrong, diff found differences or \
                  validate an invalid cluster; 2 kzrender could not do its job (usage, unreadable path, I/O, git, helm)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The modes; each subcommand's help text is its doc comment here.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one cluster directory to a YAML stream on stdout.
    Render(RenderArgs),
    /// Show the merged value at a dotted key and every layer that set it.
    Explain(ExplainArgs),
    /// Render and validate every cluster under the paths; report every problem.
    Validate(ValidateArgs),
    /// What runs where: every cluster's channel, versions, components and state, and the
    /// settings the clusters of a channel disagree on.
    #[command(after_help = fleet::FLEET_HELP)]
    Fleet(FleetArgs),
    /// Show what a change does to every cluster it affects, per resource.
    #[command(after_help = fleet::DIFF_HELP)]
    Diff(DiffArgs),
    /// The ArgoCD config-management-plugin commands (run by the sidecar).
    Argocd(ArgocdArgs),
    /// CloudBender outputs.
    Outputs(OutputsArgs),
    /// Print the kubezero.yaml reference (Markdown), generated from the catalog's schemas.
    Docs(DocsArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
    /// Print the man page (roff), or a subcommand's: docs/kzrender.1, docs/kzrender-<command>.1.
    Man(ManArgs),
}

/// `--kubezero DIR`, wherever the catalog is used.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Use the KubeZero catalog in DIR instead of the built-in one.
    #[arg(long, value_name = "DIR")]
    pub kubezero: Option<PathBuf>,
}

/// Official schemas the documents are checked against.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Also validate documents against the schemas in DIR (kubeconform layouts, CRD YAML); repeatable.
    #[arg(long = "schema-dir", value_name = "DIR")]
    pub dirs: Vec<PathBuf>,
    /// Also validate against the schemas of each cluster's own Kubernetes version, found by
    /// kubeconform's TEMPLATE (`{{ .NormalizedKubernetesVersion }}`, `{{ .ResourceKind }}`, ...;
    /// local paths only); repeatable.
    #[arg(long = "schema-location", value_name = "TEMPLATE")]
    pub locations: Vec<String>,
    /// A document whose kind has no schema in any --schema-dir or --schema-location (nor a CRD
    /// its cluster renders) passes instead of failing.
    #[arg(long)]
    pub ignore_missing_schemas: bool,
}

/// Deep validation: the charts the Applications render.
#[derive(Debug, Args)]
pub struct ChartArgs {
    /// Also render every Application's chart from DIR, a checkout of the KubeZero repository
    /// (with `helm dependency build` run in its charts), and check what the cluster would receive.
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// The helm binary --charts runs.
    #[arg(long, value_name = "PATH", default_value = "helm")]
    pub helm: PathBuf,
    /// Seconds one helm run may take before it is stopped (ArgoCD's repo-server allows 60).
    #[arg(long, value_name = "SECONDS", default_value_t = 60.0, value_parser = positive_seconds)]
    pub helm_timeout: f64,
}

/// `kzrender docs`.
#[derive(Debug, Args)]
pub struct DocsArgs {
    /// Only this channel's components and versions.
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `kzrender man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (`validate` prints kzrender-validate(1)). Roff: read it
    /// with `kzrender man validate | man -l -`.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `kzrender completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Shells with completions.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
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
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `kzrender diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Where to look for cluster directories (default: the working directory).
    pub paths: Vec<PathBuf>,
    /// The git ref to compare with (the old side).
    #[arg(long, default_value = "HEAD", value_name = "REF")]
    pub base: String,
    /// Compare with this git ref instead of the working tree (the new side), e.g. pre-commit's
    /// PRE_COMMIT_TO_REF.
    #[arg(long, value_name = "REF")]
    pub head: Option<String>,
    /// Colour the output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// Report format: for people, as data (cluster, resource, change, unified diff), or as a
    /// pull-request comment.
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Only name the changed resources and print the summary.
    #[arg(long)]
    pub stat: bool,
    #[command(flatten)]
    pub charts: ChartArgs,
    #[command(flatten)]
    pub schemas: SchemaArgs,
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
    #[command(flatten)]
    pub catalog: CatalogArgs,
    #[command(flatten)]
    pub schemas: SchemaArgs,
}

/// `kzrender argocd parameters`.
#[derive(Debug, Args)]
pub struct ParametersArgs {
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

// Values laid over every cluster's own files, as Helm takes them: every `-f` file first, then
/// `--set-json`, `--set`, `--set-string`, `--set-file`, `--set-literal`, each in the order given.
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Values file relative to the working directory; `-` reads stdin; `a.yaml,b.yaml` is two (repeatable, later wins).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    pub values: Vec<String>,
    /// Set values like helm: `a.b=1,l[0]=x,k={a,b}`; true/false/null and integers are typed (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Set values, always as strings (repeatable).
    #[arg(long = "set-string", value_name = "KEY=VALUE")]
    pub set_string: Vec<String>,
    /// Set JSON values: `a={"b":1},c=[1,2]`, or one JSON object merged whole (repeatable).
    #[arg(long = "set-json", value_name = "KEY=JSON")]
    pub set_json: Vec<String>,
    /// Set values to the text of files (`-` reads stdin) (repeatable).
    #[arg(long = "set-file", value_name = "KEY=PATH")]
    pub set_file: Vec<String>,
    /// Set one value to the rest of the argument, verbatim: no escapes, commas included (repeatable).
    #[arg(long = "set-literal", value_name = "KEY=VALUE")]
    pub set_literal: Vec<String>,
    /// Channel to render (overrides kubezero.yaml).
    #[arg(long, value_name = "CHANNEL")]
    pub channel: Option<String>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `kzrender render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The cluster directory (or its kubezero.yaml).
    #[arg(default_value = ".", value_parser = cluster_dir)]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, short = 'o', value_enum, default_value_t = Output::Yaml)]
    pub output: Output,
    #[command(flatten)]
    pub schemas: SchemaArgs,
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kzrender explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Dotted key, e.g. `kiam.IamArn`.
    pub key: String,
    /// The cluster directory (or its kubezero.yaml).
    #[arg(default_value = ".", value_parser = cluster_dir)]
    pub dir: PathBuf,
    #[command(flatten)]
    pub values: ValuesArgs,
}

/// `kzrender validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Where to look for cluster directories (a cluster's kubezero.yaml names its directory).
    #[arg(default_value = ".", value_parser = cluster_dir)]
    pub paths: Vec<PathBuf>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Only the K-th of N stable parts of the clusters (by path), for CI matrix jobs: `--shard 1/4`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(usize, usize)>,
    #[command(flatten)]
    pub charts: ChartArgs,
    /// With --charts: warn about every value an Application passes to its chart that no
    /// template reads, where it was written.
    #[arg(long, requires = "charts")]
    pub unused: bool,
    /// Render and validate every cluster as if it ran Kubernetes VERSION (like 1.22.0; an upgrade
    /// what-if): its KubernetesVersion, helm's --kube-version and, with --schema-location, that
    /// version's schemas and served APIs (without it, what the version no longer serves is not seen).
    #[arg(long, value_name = "VERSION", value_parser = kube_version)]
    pub kube_version: Option<String>,
    /// With --charts: helm is also told the cluster serves API (`group/version` or
    /// `group/version/Kind`), as with `helm template --api-versions`; repeatable.
    #[arg(long = "api-versions", value_name = "API", requires = "charts")]
    pub api_versions: Vec<String>,
    #[command(flatten)]
    pub schemas: SchemaArgs,
    #[command(flatten)]
    pub values: ValuesArgs,
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
    /// JUnit XML, one test case per cluster (GitLab, Jenkins).
    Junit,
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
    let matches = Cli::command().infer_long_args(false).try_get_matches()?;
    Cli::from_arg_matches(&matches)
}

impl ValuesArgs {
    /// The values files, each `-f` read as one comma-separated list (as Helm reads it, quotes
    /// allowed); an empty `-f ''` names none.
    pub fn files(&self) -> Result<Vec<PathBuf>, String> {
        let mut files = Vec::new();
        for list in self.values.iter().filter(|l| !l.is_empty()) {
            files.extend(
                csv_record(list).map_err(|e| format!("invalid argument {list:?} for \"-f, --values\" flag: {e}"))?,
            );
        }
        Ok(files.into_iter().map(PathBuf::from).collect())
    }

    /// The resolved request for a cluster directory; `files` are the values files to read
    /// (from [`ValuesArgs::files`], or mapped to another side of a diff).
    pub fn request(&self, dir: PathBuf, files: &[PathBuf], stdin: &kzrender::request::Stdin) -> Request {
        let mut overlays: Vec<Overlay> = files.iter().cloned().map(Overlay::File).collect();
        let flags = [
            (Flag::Json, &self.set_json),
            (Flag::Typed, &self.set),
            (Flag::String, &self.set_string),
            (Flag::File, &self.set_file),
            (Flag::Literal, &self.set_literal),
        ];
        for (flag, texts) in flags {
            overlays.extend(texts.iter().map(|t| Overlay::Set(Set::flag(flag, t))));
        }
        if let Some(channel) = &self.channel {
            let set = Set { flag: Flag::Literal, text: format!("channel={channel}"), source: "--channel".into() };
            overlays.push(Overlay::Set(set));
        }
        Request { dir, overlays, kube_version: None, confine: None, stdin: stdin.clone() }
    }
}

/// One record of Go's `encoding/csv` (what Helm's `-f` flag parses): `,` separates fields, a
/// field may be `"quoted"` with `""` for a quote; nothing is trimmed.
fn csv_record(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    loop {
        let mut field = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match (chars.get(i), chars.get(i + 1)) {
                    (None, _) => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            i + 1
                        ))
                    }
                    (Some('"'), Some('"')) => {
                        field.push('"');
                        i += 2;
                    }
                    (Some('"'), Some(',') | None) => {
                        i += 1;
                        break;
                    }
                    (Some('"'), Some(_)) => {
                        return Err(format!(
                            "parse error on line 1, column {}: extraneous or missing \" in quoted-field",
                            i + 2
                        ))
                    }
                    (Some(c), _) => {
                        field.push(*c);
                        i += 1;
                    }
                }
            }
        } else {
            while let Some(&c) = chars.get(i).filter(|c| **c != ',') {
                if c == '"' {
                    return Err(format!("parse error on line 1, column {}: bare \" in non-quoted-field", i + 1));
                }
                field.push(c);
                i += 1;
            }
        }
        fields.push(field);
        if chars.get(i) != Some(&',') {
            return Ok(fields);
        }
        i += 1;
    }
}

mod fleet;
mod parsers;
#[cfg(test)]
mod tests;
