//! Running `helm template` the way ArgoCD's repo-server does, and checking a chart directory
//! before Helm sees it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::diag::{Error, Kind};
use crate::process::{Bounds, Ran};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The Helm binary, and how many charts it rendered.
#[derive(Debug)]
pub struct Helm {
    program: PathBuf,
    runs: AtomicUsize,
    /// How long one run may take before it is stopped.
    timeout: Duration,
}

/// What one `helm template` gives: the manifests, or why not.
pub type Output = Result<String, Error>;

/// Most bytes of manifests one `helm template` may print (the 2020 KubeZero charts print at
/// most 2 MiB, CRDs included); a chart that prints more is stopped.
pub const MAX_OUTPUT_BYTES: u64 = 64 * 1024 * 1024;

/// What one `helm template` renders: a release of a chart.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Release {
    /// The release name: the Application's name, as ArgoCD passes it.
    pub name: String,
    /// `--namespace`: the Application's destination namespace.
    pub namespace: String,
    /// `--kube-version`, when the cluster says.
    pub kube_version: Option<String>,
    /// `--api-versions`, each: what the cluster serves besides Helm's defaults.
    pub api_versions: Vec<String>,
    /// The values, as YAML (`spec.source.helm.values`).
    pub values: String,
}

impl Helm {
    /// The Helm at `program` (a path, or a name looked up on PATH), if it runs; each of its runs
    /// may take `timeout`.
    pub fn find(program: &Path, timeout: Duration) -> Result<Helm, Error> {
        let shown = program.display();
        let helm = Helm { program: program.to_path_buf(), runs: AtomicUsize::new(0), timeout };
        let mut cmd = Command::new(program);
        cmd.args(["version", "--short"]);
        let why = match helm.run(&mut cmd, b"") {
            Err(Run::Spawn(e)) => {
                format!("cannot run helm (`{shown}`): {e}; install Helm 3 or later, or pass --helm PATH")
            }
            Err(Run::Failed(why)) => format!("`{shown} version` failed: {why}"),
            Ok(_) => return Ok(helm),
        };
        Err(Error::new(Kind::Tool, why))
    }

    /// How many times a chart was rendered.
    pub fn runs(&self) -> usize {
        self.runs.load(Ordering::Relaxed)
    }

    /// `helm template`: the rendered manifests, or Helm's message. `--include-crds` as ArgoCD
    /// does; the values go in on stdin, so no file is written.
    pub fn template(&self, chart: &Path, release: &Release) -> Output {
        self.runs.fetch_add(1, Ordering::Relaxed);
        let mut cmd = Command::new(&self.program);
        cmd.arg("template").arg(&release.name).arg(chart);
        cmd.args(["--namespace", &release.namespace, "--include-crds", "--values", "-"]);
        if let Some(v) = &release.kube_version {
            cmd.args(["--kube-version", v]);
        }
        for v in &release.api_versions {
            cmd.args(["--api-versions", v]);
        }
        match self.run(&mut cmd, release.values.as_bytes()) {
            Ok(stdout) => {
                String::from_utf8(stdout).map_err(|_| Error::new(Kind::Helm, "helm rendered text that is not UTF-8"))
            }
            Err(Run::Spawn(e)) => Err(Error::new(Kind::Tool, format!("cannot run helm: {e}"))),
            Err(Run::Failed(message)) => Err(Error::new(Kind::Helm, message)),
        }
    }

    /// Runs helm within its bounds: its stdout, or why not in one line.
    fn run(&self, cmd: &mut Command, input: &[u8]) -> Result<Vec<u8>, Run> {
        let bounds = Bounds { stdout: MAX_OUTPUT_BYTES, stderr: 64 * 1024, time: Some(self.timeout) };
        match crate::process::run(cmd, input, bounds).map_err(Run::Spawn)? {
            Ran::Done { status, stdout, .. } if status.success() => Ok(stdout),
            Ran::Done { stderr, .. } => {
                let text = String::from_utf8_lossy(&stderr);
                let message: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                let message = message.join("; ");
                Err(Run::Failed(message.strip_prefix("Error: ").unwrap_or(&message).to_owned()))
            }
            Ran::TooMuchOutput => {
                Err(Run::Failed(format!("helm printed more than {} MiB and was stopped", MAX_OUTPUT_BYTES >> 20)))
            }
            Ran::TimedOut => Err(Run::Failed(format!(
                "helm did not finish within {} s and was stopped (--helm-timeout)",
                self.timeout.as_secs_f64()
            ))),
        }
    }
}

/// Why a helm run gave no output.
enum Run {
    /// It could not be started.
    Spawn(std::io::Error),
    /// It failed, ran too long or printed too much: the message.
    Failed(String),
}

/// A chart's text file, within the input limits.
fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = crate::read::read_regular(path, crate::read::MAX_FILE_BYTES)?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Why a chart directory cannot be rendered: it is not a chart, or a dependency its
/// `Chart.yaml` names is not under its `charts/` (Helm then refuses it, and ArgoCD too).
pub fn check_chart(dir: &Path) -> Result<(), ChartProblem> {
    let manifest = dir.join("Chart.yaml");
    let text = read_text(&manifest).map_err(|e| ChartProblem::NotAChart(e.to_string()))?;
    let mut wanted = dependencies(&text);
    // Helm 2 charts (apiVersion v1) list them in requirements.yaml.
    if let Ok(more) = read_text(&dir.join("requirements.yaml")) {
        wanted.extend(dependencies(&more));
    }
    let present = subcharts(&dir.join("charts"));
    let missing: Vec<String> = wanted
        .into_iter()
        .filter(|name| {
            let packaged = format!("{name}-");
            !present.iter().any(|p| p == name || (p.starts_with(&packaged) && p.ends_with(".tgz")))
        })
        .collect();
    match missing.is_empty() {
        true => Ok(()),
        false => Err(ChartProblem::MissingDependencies(missing)),
    }
}

/// What is wrong with a chart directory.
#[derive(Debug, PartialEq, Eq)]
pub enum ChartProblem {
    /// No readable `Chart.yaml`: why.
    NotAChart(String),
    /// Dependencies not under `charts/`, by name.
    MissingDependencies(Vec<String>),
}

/// The names of the dependencies a `Chart.yaml` or `requirements.yaml` lists.
fn dependencies(text: &str) -> Vec<String> {
    let Ok(docs) = crate::yaml::parse_documents(text, "Chart.yaml") else { return Vec::new() };
    let deps = docs.first().and_then(|d| d.get("dependencies")).and_then(|d| d.as_array()).cloned();
    deps.unwrap_or_default().iter().filter_map(|d| d.get("name")?.as_str().map(str::to_owned)).collect()
}

/// What `charts/` holds: each unpacked subchart's name (from its `Chart.yaml`), and the file
/// names of packaged ones.
fn subcharts(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path();
        if path.is_dir() {
            let text = read_text(&path.join("Chart.yaml")).unwrap_or_default();
            let docs = crate::yaml::parse_documents(&text, "Chart.yaml").unwrap_or_default();
            found.extend(docs.first().and_then(|d| d.get("name")?.as_str().map(str::to_owned)));
        } else {
            found.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let file = dir.path().join(path);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(file, text).unwrap();
        }
        dir
    }

    const UMBRELLA: &str = "apiVersion: v2\nname: u\nversion: 1.0.0\ndependencies:\n- name: sub\n  version: 1.2.3\n";

    #[test]
    fn a_dependency_counts_as_present_unpacked_by_its_chart_name_or_packaged() {
        let unpacked = chart(&[("Chart.yaml", UMBRELLA), ("charts/any-dir/Chart.yaml", "name: sub\nversion: 1.2.3\n")]);
        assert_eq!(check_chart(unpacked.path()), Ok(()));
        let packaged = chart(&[("Chart.yaml", UMBRELLA), ("charts/sub-1.2.3.tgz", "")]);
        assert_eq!(check_chart(packaged.path()), Ok(()));
    }

    #[test]
    fn a_dependency_not_under_charts_is_named() {
        let missing = chart(&[("Chart.yaml", UMBRELLA), ("charts/other/Chart.yaml", "name: other\n")]);
        assert_eq!(check_chart(missing.path()), Err(ChartProblem::MissingDependencies(vec!["sub".into()])));
        let helm2 =
            chart(&[("Chart.yaml", "apiVersion: v1\nname: u\n"), ("requirements.yaml", "dependencies: [{name: r}]\n")]);
        assert_eq!(check_chart(helm2.path()), Err(ChartProblem::MissingDependencies(vec!["r".into()])));
    }

    #[test]
    fn a_directory_without_chart_yaml_is_not_a_chart() {
        let empty = chart(&[]);
        assert!(matches!(check_chart(empty.path()), Err(ChartProblem::NotAChart(_))));
    }
}
