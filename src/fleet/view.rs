//! The fleet view (README.md, "Fleet view"): what runs where. One row per cluster — channel,
//! Kubernetes version against its channel's, platform and region, valid or its problems, the
//! date of its CloudBender outputs, each component off or on (the channel's version of it) —
//! and, per channel, the operator settings its clusters disagree on. Dates, not ages: the same
//! repository gives the same bytes tomorrow.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::catalog::Catalog;
use crate::diag::Diagnostic;
use crate::layer::LayerKind;
use crate::pipeline;
use crate::request::Request;
use crate::value::{KeyPath, Node, Value};

/// One cluster's row.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The cluster directory as found.
    pub path: String,
    /// Its channel (`null` when its values cannot be read).
    pub channel: Option<String>,
    /// Its Kubernetes version, when it names one.
    pub kubernetes: Option<String>,
    /// The version its channel is tested with.
    pub channel_kubernetes: Option<String>,
    /// `aws`, `gke`, `nocloud`.
    pub platform: Option<String>,
    /// Its region.
    pub region: Option<String>,
    /// Whether it renders and validates.
    pub valid: bool,
    /// How many errors and warnings.
    pub errors: usize,
    /// How many warnings.
    pub warnings: usize,
    /// The first error, as `kzrender validate` prints it.
    pub first_error: Option<String>,
    /// The newest CloudBender outputs' date, `YYYY-MM-DD` (from their `TimeStamp`).
    pub outputs_date: Option<String>,
    /// Every component of the catalog: the channel's version when it is on, `null` when off.
    pub components: BTreeMap<String, Option<String>>,
    /// With `--charts`: each enabled component's chart, by the version its `Chart.yaml` says.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub charts: BTreeMap<String, Chart>,
    /// Each enabled component's chart path (`spec.source.path`).
    #[serde(skip)]
    paths: BTreeMap<String, String>,
}

/// A chart of the KubeZero checkout, by its `Chart.yaml`s.
#[derive(Clone, Debug, Serialize)]
pub struct Chart {
    /// The chart's path in the checkout.
    pub path: String,
    /// Its `version`, or why it cannot be read.
    pub version: String,
    /// Each subchart under its `charts/`: its name and version (a packaged one's from its file
    /// name).
    pub subcharts: BTreeMap<String, String>,
}

/// A setting the clusters of one channel disagree on.
#[derive(Debug, Serialize)]
pub struct Differs {
    /// The dotted key.
    pub setting: String,
    /// Each value and how many clusters hold it, the most held first.
    pub values: Vec<Held>,
}

/// A value of a setting and how many clusters hold it.
#[derive(Debug, Serialize)]
pub struct Held {
    /// As written; a secret's `<redacted>`.
    pub value: String,
    /// How many clusters hold it.
    pub clusters: usize,
}

/// The whole view.
#[derive(Debug, Serialize)]
pub struct View {
    /// The catalog's components, in catalog order.
    pub components: Vec<String>,
    /// One row per cluster, in path order.
    pub clusters: Vec<Row>,
    /// Per channel, the settings its clusters disagree on.
    pub differences: BTreeMap<String, Vec<Differs>>,
}

/// The view of the clusters in `dirs`, each rendered alone with the catalog; with `charts`
/// (a KubeZero checkout), the version of each chart they use.
pub fn view(
    catalog: &Catalog,
    official: &crate::schema::official::SchemaSet,
    dirs: &[PathBuf],
    charts: Option<&std::path::Path>,
) -> View {
    let rows = super::parallel(dirs, |dir| row(catalog, official, dir));
    let (mut clusters, settings): (Vec<Row>, Vec<BTreeMap<String, String>>) = rows.into_iter().unzip();
    if let Some(checkout) = charts {
        let mut read: BTreeMap<String, Chart> = BTreeMap::new();
        for row in &mut clusters {
            for (component, path) in &row.paths {
                let chart = read.entry(path.clone()).or_insert_with(|| chart(checkout, path)).clone();
                row.charts.insert(component.clone(), chart);
            }
        }
    }
    let differences = differences(&clusters, &settings);
    View { components: catalog.components.keys().cloned().collect(), clusters, differences }
}

/// One cluster's row and the settings its operator wrote (dotted key → value as shown).
fn row(
    catalog: &Catalog,
    official: &crate::schema::official::SchemaSet,
    dir: &std::path::Path,
) -> (Row, BTreeMap<String, String>) {
    let path = crate::read::display(dir, "").trim_end_matches('/').to_owned();
    let req = Request { dir: dir.to_path_buf(), ..Request::default() };
    let mut row = Row {
        path,
        channel: None,
        kubernetes: None,
        channel_kubernetes: None,
        platform: None,
        region: None,
        valid: false,
        errors: 0,
        warnings: 0,
        first_error: None,
        outputs_date: None,
        components: catalog.components.keys().map(|c| (c.clone(), None)).collect(),
        charts: BTreeMap::new(),
        paths: BTreeMap::new(),
    };
    let cluster = match pipeline::resolve(catalog, &req) {
        Ok(c) => c,
        Err(diags) => {
            count(&mut row, &diags);
            return (row, BTreeMap::new());
        }
    };
    let text = |k: &str| cluster.values.get_path(&[k]).and_then(Node::as_str).map(str::to_owned);
    row.channel = Some(cluster.channel.name.clone());
    row.kubernetes = text("KubernetesVersion");
    row.channel_kubernetes = Some(cluster.channel.kubernetes.version.clone());
    row.platform = text("platform");
    row.region = text("region");
    for (name, on) in crate::derive::enabled_components(catalog, &cluster.values) {
        let version = cluster.channel.components.get(&name).cloned();
        row.components.insert(name, on.then(|| version.unwrap_or_default()));
    }
    row.outputs_date = cluster.layers.iter().filter(|l| l.kind == LayerKind::CloudBender).filter_map(date).max();
    let written = cluster.layers.iter().filter(|l| l.kind == LayerKind::Cluster).map(|l| settings(&l.node)).next();
    let diags = match pipeline::render(cluster, official) {
        Ok(r) => {
            row.paths = r.sources.iter().map(|s| (s.application.clone(), s.path.clone())).collect();
            r.warnings
        }
        Err(d) => d,
    };
    count(&mut row, &diags);
    (row, written.unwrap_or_default())
}

/// A chart's versions from its `Chart.yaml` and its subcharts'.
fn chart(checkout: &std::path::Path, path: &str) -> Chart {
    let version_of = |file: &std::path::Path| -> Result<(String, String), String> {
        let bytes = crate::read::read_regular(file, crate::read::MAX_FILE_BYTES).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        let doc = crate::yaml::parse_documents(&text, "Chart.yaml").map_err(|e| e.message)?;
        let field = |k: &str| {
            doc.first().and_then(|d| d.get(k)).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        };
        Ok((field("name").unwrap_or_default(), field("version").unwrap_or_else(|| "?".to_owned())))
    };
    let mut out = Chart { path: path.to_owned(), version: String::new(), subcharts: BTreeMap::new() };
    let dir = match crate::deep::chart_dir(checkout, path) {
        Ok(d) => d,
        Err(e) => {
            out.version = e.message;
            return out;
        }
    };
    out.version = match version_of(&dir.join("Chart.yaml")) {
        Ok((_, v)) => v,
        Err(e) => format!("cannot read Chart.yaml: {e}"),
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir.join("charts"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    entries.sort();
    for sub in entries {
        if sub.is_dir() {
            if let Ok((name, version)) = version_of(&sub.join("Chart.yaml")) {
                out.subcharts.insert(name, version);
            }
        } else if let Some(stem) = sub.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".tgz")) {
            // `name-1.2.3.tgz`: the version starts after the first dash followed by a digit (or
            // `v`), so a pre-release's own dashes stay in it.
            if let Some(at) = stem
                .match_indices('-')
                .map(|(i, _)| i)
                .find(|i| stem[i + 1..].trim_start_matches('v').starts_with(|c: char| c.is_ascii_digit()))
            {
                out.subcharts.insert(stem[..at].to_owned(), stem[at + 1..].to_owned());
            }
        }
    }
    out
}

fn count(row: &mut Row, diags: &[Diagnostic]) {
    row.errors = diags.iter().filter(|d| d.is_error()).count();
    row.warnings = diags.len() - row.errors;
    row.valid = row.errors == 0;
    row.first_error = diags.iter().find(|d| d.is_error()).map(ToString::to_string);
}

/// A CloudBender layer's date, `YYYY-MM-DD`, from its note's `... at DD/MM/YY HH:MM`.
fn date(layer: &crate::layer::Layer) -> Option<String> {
    let (_, stamp) = layer.note.as_deref()?.rsplit_once(" at ")?;
    let day = stamp.split_whitespace().next()?;
    let parts: Vec<&str> = day.split('/').collect();
    match parts[..] {
        [d, m, y] if [d, m, y].iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit())) => {
            Some(format!("20{y}-{m}-{d}"))
        }
        _ => None,
    }
}

/// Every value the operator's file sets (a scalar or a list), by dotted key, secrets hidden.
fn settings(node: &Node) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    node.walk(&mut |path: &KeyPath, n| {
        if path.is_empty() || matches!(&n.value, Value::Map(m) if !m.is_empty()) {
            return true;
        }
        let shown = crate::redact::shown(path, n, |n| n.to_json().to_string().trim_matches('"').to_owned());
        out.insert(crate::redact::shown_path(path), shown);
        false
    });
    out
}

/// Per channel, the settings the operators of its clusters wrote differently (clusters that set
/// none are not counted). A setting every cluster that sets it holds differently (`ClusterName`,
/// `Domain`) names clusters rather than a disagreement: left out when more than two hold it.
fn differences(rows: &[Row], settings: &[BTreeMap<String, String>]) -> BTreeMap<String, Vec<Differs>> {
    let mut by_channel: BTreeMap<&str, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for (row, set) in rows.iter().zip(settings) {
        if let Some(c) = &row.channel {
            by_channel.entry(c).or_default().push(set);
        }
    }
    let mut out = BTreeMap::new();
    for (channel, sets) in by_channel {
        let keys: std::collections::BTreeSet<&String> = sets.iter().flat_map(|s| s.keys()).collect();
        let mut found = Vec::new();
        for key in keys {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for value in sets.iter().filter_map(|set| set.get(key)) {
                *counts.entry(value.clone()).or_default() += 1;
            }
            let holders: usize = counts.values().sum();
            let naming = holders > 2 && counts.len() == holders;
            if counts.len() < 2 || naming {
                continue;
            }
            let mut values: Vec<Held> = counts.into_iter().map(|(value, clusters)| Held { value, clusters }).collect();
            values.sort_by(|a, b| b.clusters.cmp(&a.clusters).then_with(|| a.value.cmp(&b.value)));
            found.push(Differs { setting: key.clone(), values });
        }
        out.insert(channel.to_owned(), found);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charts_subcharts_are_read_unpacked_by_their_chart_yaml_and_packaged_by_file_name() {
        let checkout = tempfile::tempdir().unwrap();
        let dir = checkout.path().join("charts/c");
        std::fs::create_dir_all(dir.join("charts/unpacked")).unwrap();
        std::fs::write(dir.join("Chart.yaml"), "name: c\nversion: 0.3.6\n").unwrap();
        std::fs::write(dir.join("charts/unpacked/Chart.yaml"), "name: lib\nversion: 0.1.3\n").unwrap();
        std::fs::write(dir.join("charts/cert-manager-v0.15.1.tgz"), "").unwrap();
        std::fs::write(dir.join("charts/k8s-tool-1.0.0-rc-1.tgz"), "").unwrap();
        let c = chart(checkout.path(), "charts/c");
        assert_eq!(c.version, "0.3.6");
        let subs: Vec<(&str, &str)> = c.subcharts.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(subs, [("cert-manager", "v0.15.1"), ("k8s-tool", "1.0.0-rc-1"), ("lib", "0.1.3")]);
        assert_eq!(
            chart(checkout.path(), "../x").version,
            format!("the chart path ../x leaves the KubeZero checkout {}", checkout.path().display())
        );
    }
}
