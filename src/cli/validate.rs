//! `kzrender validate [PATH]...`: every cluster under the paths, rendered and checked on all
//! cores — alone, and with each other values file of its directory layered over it, as
//! ArgoCD Applications use them — every problem reported grouped by cluster, then a summary.

use std::path::{Path, PathBuf};

use kzrender::deep::{self, Deep};
use kzrender::diag::Diagnostic;
use kzrender::fleet;
use kzrender::load::CLUSTER_FILE;
use kzrender::pipeline::{self, Rendered};
use kzrender::request::Stdin;

use super::args::{Format, ValidateArgs};
use super::{catalog, helm, official_schemas, report, Failure, Success};

/// One render of a cluster: alone (`values: None`) or with one of its values files.
pub struct Render {
    /// The values file of the cluster directory layered over it.
    pub values: Option<String>,
    /// Its errors.
    pub errors: Vec<Diagnostic>,
    /// Its warnings.
    pub warnings: Vec<Diagnostic>,
    /// How many documents it rendered.
    pub resources: usize,
}

/// Every render of one cluster.
pub struct Verdict {
    /// The cluster directory as found.
    pub path: String,
    /// The cluster alone first, then with each values file.
    pub renders: Vec<Render>,
}

impl Verdict {
    /// Whether every render of the cluster is valid.
    pub fn valid(&self) -> bool {
        self.renders.iter().all(|r| r.errors.is_empty())
    }
}

/// Validates the clusters under `args.paths`.
pub fn run(args: &ValidateArgs) -> Result<Success, Failure> {
    let catalog = catalog(&args.values.catalog)?;
    let official = official_schemas(&args.schemas)?;
    let helm = helm(&args.charts)?;
    if helm.is_some() {
        super::end_on_signal(None);
    }
    let files = args.values.files().map_err(Failure::Trouble)?;
    let found = fleet::find_clusters(&args.paths);
    if let (true, Some(e)) = (found.dirs.is_empty(), found.errors.first()) {
        let at = e.origin.as_ref().map(ToString::to_string).unwrap_or_default();
        return Err(Failure::Trouble(format!("{at}: {}", e.message)));
    }
    if found.dirs.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::Trouble(format!(
            "no cluster directory (a directory with kubezero.yaml) under {}",
            paths.join(" ")
        )));
    }
    let clusters = shard(found.dirs, args.shard);
    let jobs: Vec<(usize, Option<PathBuf>)> = clusters
        .iter()
        .enumerate()
        .flat_map(|(i, dir)| std::iter::once((i, None)).chain(values_files(dir).into_iter().map(move |f| (i, Some(f)))))
        .collect();
    let stdin = Stdin::default();
    let renders = fleet::parallel(&jobs, |(i, extra)| {
        let dir = &clusters[*i];
        let mut overlays = files.clone();
        overlays.extend(extra.iter().map(|f| dir.join(f)));
        let req = args.values.request(dir.clone(), &overlays, &stdin);
        let (diags, resources, kept) = match pipeline::render_cluster(catalog, &official, &req) {
            // Deep validation needs the render; without it, only its verdict is kept.
            Ok(mut r) => (std::mem::take(&mut r.warnings), r.docs.len(), helm.is_some().then_some(r)),
            Err(d) => (d, 0, None),
        };
        let (errors, warnings) = diags.into_iter().partition(Diagnostic::is_error);
        (Render { values: extra.as_ref().map(|f| f.display().to_string()), errors, warnings, resources }, kept)
    });
    let (mut renders, kept): (Vec<Render>, Vec<Option<Rendered>>) = renders.into_iter().unzip();
    let deep_summary = match (&helm, &args.charts.charts) {
        (Some(helm), Some(charts)) => {
            let deep = Deep { charts, helm, official: &official, unused: args.unused };
            deep_check(&deep, &catalog.root, &kept, &mut renders)
        }
        _ => String::new(),
    };
    let shown = |d: &PathBuf| kzrender::read::display(d, "").trim_end_matches('/').to_owned();
    let mut verdicts: Vec<Verdict> = clusters.iter().map(|d| Verdict { path: shown(d), renders: Vec::new() }).collect();
    for ((i, _), render) in jobs.iter().zip(renders) {
        verdicts[*i].renders.push(render);
    }
    let text = match args.format {
        Format::Text => report::text(&verdicts) + &deep_summary,
        Format::Json => report::json(&verdicts),
        Format::Github => report::github(&verdicts),
        Format::Junit => report::junit(&verdicts),
    };
    // What kept kzrender from doing all of its job (a path it could not read, a chart helm
    // could not render for want of its dependencies) is also named on stderr; the clusters it
    // could check are still reported, and the exit code says so.
    let errors = verdicts.iter().flat_map(|v| &v.renders).flat_map(|r| &r.errors);
    let trouble = errors.clone().filter(|d| d.kind.exit_code() > 1);
    let problems: String = found.errors.iter().chain(trouble).map(|e| format!("{e}\n")).collect();
    let kinds: Vec<_> = found.errors.iter().chain(errors).map(|d| d.kind).collect();
    if kinds.is_empty() {
        Ok(Success { stdout: text, warnings: Vec::new() })
    } else {
        Err(Failure::Found { report: text, problems, kinds })
    }
}

/// Deep validation of every render kept, its findings added to that render; returns the
/// summary line.
fn deep_check(deep: &Deep<'_>, catalog_root: &str, kept: &[Option<Rendered>], renders: &mut [Render]) -> String {
    let rendered: Vec<(usize, &Rendered)> =
        kept.iter().enumerate().filter_map(|(i, r)| Some((i, r.as_ref()?))).collect();
    let clusters: Vec<deep::Cluster<'_>> =
        rendered.iter().map(|(_, r)| deep::Cluster { rendered: r, catalog_root }).collect();
    let found = deep.check(&clusters);
    for ((i, _), findings) in rendered.iter().zip(found.findings) {
        let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) =
            findings.into_iter().partition(Diagnostic::is_error);
        renders[*i].errors.extend(errors);
        renders[*i].warnings.extend(warnings);
    }
    format!(
        "charts: {} Applications, {} distinct renders, {} helm runs\n",
        found.applications,
        found.renders,
        deep.helm.runs()
    )
}

/// The K-th of N parts of the clusters: every N-th cluster in path order, starting at the K-th.
/// The parts of one fleet are disjoint and together are all of it.
fn shard(clusters: Vec<PathBuf>, shard: Option<(usize, usize)>) -> Vec<PathBuf> {
    match shard {
        None => clusters,
        Some((k, n)) => clusters.into_iter().enumerate().filter(|(i, _)| i % n == k - 1).map(|(_, c)| c).collect(),
    }
}

/// The other values files of a cluster directory (its own YAML files beside `kubezero.yaml`
/// and CloudBender's `cloudbender.yaml`), by name.
fn values_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| PathBuf::from(e.file_name()))
        .filter(|f| {
            let name = f.to_string_lossy();
            let yaml = name.ends_with(".yaml") || name.ends_with(".yml");
            yaml && !name.starts_with('.') && name != CLUSTER_FILE && name != kzrender::cloudbender::EXPORT_FILE
        })
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shards_of_a_fleet_are_disjoint_and_cover_it() {
        let fleet: Vec<PathBuf> = (0..10).map(|i| PathBuf::from(format!("c{i}"))).collect();
        let mut all: Vec<PathBuf> = (1..=3).flat_map(|k| shard(fleet.clone(), Some((k, 3)))).collect();
        all.sort();
        assert_eq!(all, fleet);
        assert_eq!(shard(fleet.clone(), Some((2, 3))), [PathBuf::from("c1"), "c4".into(), "c7".into()]);
    }
}
