//! The flags of the fleet-wide reports: `kzrender fleet`, and `diff --format`.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::parsers::cluster_dir;
use super::CatalogArgs;

/// What `kzrender fleet --help` says after the flags.
pub const FLEET_HELP: &str = "Each cluster: its channel; its Kubernetes version (marked where it \
differs from the channel's; in brackets the channel's, where the cluster names none); platform and \
region; valid or how many errors (the first one named); the date of its CloudBender outputs; each \
component off, or on with the channel's version of it.\n\nExit status: 0 when the report is \
written (invalid clusters included: `kzrender validate` is the gate); 2 when a path or a cluster's \
file cannot be read, or the report cannot be written.";

/// What `kzrender diff --help` says after the flags.
pub const DIFF_HELP: &str = "Exit status: 0 no differences; 1 differences (or an invalid cluster); \
2 kzrender could not do its job (git, I/O, usage).";

/// `kzrender fleet`.
#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Where to look for cluster directories.
    #[arg(default_value = ".", value_parser = cluster_dir)]
    pub paths: Vec<PathBuf>,
    /// Report format: a table for the terminal, the same data as JSON, or one self-contained
    /// HTML page (sortable, filterable; for a CI artifact or a static site).
    #[arg(long, value_enum, default_value_t = FleetFormat::Text)]
    pub format: FleetFormat,
    /// Also each chart's version and its subcharts' from DIR, a checkout of the KubeZero
    /// repository (what the Applications' `repoURL` holds).
    #[arg(long, value_name = "DIR")]
    pub charts: Option<PathBuf>,
    /// Write the report to FILE instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub catalog: CatalogArgs,
}

/// `fleet --format`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum FleetFormat {
    /// A table that fits 100 columns.
    Text,
    /// One JSON document (README.md, Fleet view).
    Json,
    /// One self-contained HTML page: no network, no external assets.
    Html,
}

/// `diff --format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// Per cluster and resource, with unified diffs.
    Text,
    /// One JSON document.
    Json,
    /// A pull-request comment (GitHub Markdown, at most 65,536 characters).
    Markdown,
}
