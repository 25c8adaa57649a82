//! The charts of a KubeZero checkout: where an Application's chart is, whether Helm can render
//! it, and which directories hold the same chart.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use super::{helm, Failure};
use crate::diag::Kind;

/// Most bytes a chart directory may hold, its subcharts included.
pub const MAX_CHART_BYTES: u64 = 64 * 1024 * 1024;

/// The chart directories seen in a run, each identified once.
#[derive(Default)]
pub struct Charts {
    dirs: HashMap<PathBuf, Result<(usize, bool), Failure>>,
    contents: HashMap<Vec<u8>, usize>,
}

impl Charts {
    /// A chart directory's identity and whether it tests `.Capabilities.APIVersions`.
    pub fn identify(&mut self, dir: &Path) -> Result<(usize, bool), Failure> {
        let Charts { dirs, contents } = self;
        dirs.entry(dir.to_path_buf()).or_insert_with(|| identify(dir, contents)).clone()
    }
}

/// The chart directory of an Application's path, which must stay inside the checkout.
pub fn chart_dir(charts: &Path, path: &str) -> Result<PathBuf, Failure> {
    let rel = Path::new(path);
    if rel.components().any(|c| !matches!(c, Component::Normal(_) | Component::CurDir)) {
        let message = format!("the chart path {path} leaves the KubeZero checkout {}", charts.display());
        return Err(Failure { kind: Kind::Outside, message });
    }
    Ok(charts.join(rel))
}

/// A chart directory's identity: an index shared by every directory with the same files, and
/// whether a template tests `.Capabilities.APIVersions`; or why it cannot be rendered.
pub fn identify(dir: &Path, contents: &mut HashMap<Vec<u8>, usize>) -> Result<(usize, bool), Failure> {
    check(dir)?;
    let mut content = Vec::new();
    // Not `files::walk`: a chart is every file Helm may read, hidden ones (`.helmignore`) too.
    // Only regular files (symlinks followed): a FIFO would block, a device never end. Helm
    // meets those itself, within its timeout.
    let mut left = MAX_CHART_BYTES;
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Failure { kind: Kind::Io, message: format!("cannot read the chart: {e}") })?;
        if !std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let cannot = |e: std::io::Error| {
            let message = match e.kind() {
                std::io::ErrorKind::FileTooLarge => {
                    format!("the chart at {} holds more than {} MiB", dir.display(), MAX_CHART_BYTES >> 20)
                }
                _ => format!("cannot read {}: {e}", entry.path().display()),
            };
            Failure { kind: Kind::Io, message }
        };
        let bytes = crate::read::read_regular(entry.path(), left).map_err(cannot)?;
        left -= bytes.len() as u64;
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path()).to_string_lossy().into_owned();
        for part in [rel.as_bytes(), &bytes] {
            content.extend((part.len() as u64).to_le_bytes());
            content.extend(part);
        }
    }
    let capabilities = content.windows(CAPABILITY.len()).any(|w| w == CAPABILITY);
    let next = contents.len();
    Ok((*contents.entry(content).or_insert(next), capabilities))
}

/// What a template that asks which API versions the cluster serves holds.
const CAPABILITY: &[u8] = b"APIVersions";

/// Why a chart directory cannot be rendered, if it cannot.
pub fn check(dir: &Path) -> Result<(), Failure> {
    helm::check_chart(dir).map_err(|p| problem(dir, p))
}

fn problem(dir: &Path, p: helm::ChartProblem) -> Failure {
    let shown = dir.display();
    match p {
        helm::ChartProblem::NotAChart(why) => Failure {
            kind: Kind::Helm,
            message: format!(
                "no chart at {shown} ({why}); is --charts a checkout of the Application's repoURL at its targetRevision?"
            ),
        },
        helm::ChartProblem::MissingDependencies(names) => Failure {
            kind: Kind::Tool,
            message: format!(
                "the chart at {shown} needs {} in its charts/ directory; run `helm dependency build {shown}`",
                names.join(", ")
            ),
        },
    }
}
