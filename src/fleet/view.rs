//! The fleet view (README.md, "Fleet view"): what runs where. One row per cluster — channel,
//! Kubernetes version against its channel's, platform and region, valid or its problems, the
//! date of its CloudBender outputs, each component off or on (the channel's version of it) —
//! and, per channel, the operator settings its clusters disagree on. Dates, not ages: the same
//! repository gives the same bytes tomorrow.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Serialize, Serializer};

use crate::catalog::Catalog;
use crate::diag::Diagnostic;
use crate::layer::LayerKind;
use crate::pipeline;
use crate::request::Request;
use crate::value::{KeyPath, Node, Value};

/// One cluster's row. Names and versions are the catalog's own strings: a fleet of 20,000
/// clusters holds its rows, not 20,000 copies of the catalog.
#[derive(Debug, Serialize)]
pub struct Row<'c> {
    /// The cluster directory as found.
    pub path: String,
    /// Its channel (`null` when its values cannot be read).
    pub channel: Option<&'c str>,
    /// Its Kubernetes version, when it names one.
    pub kubernetes: Option<String>,
    /// The version its channel is tested with.
    pub channel_kubernetes: Option<&'c str>,
    /// `aws`, `gke`, `nocloud`.
    pub platform: Option<String>,
    /// Its region.
    pub region: Option<String>,
    /// Whether it renders and validates.
    pub valid: bool,
    /// How many errors.
    pub errors: usize,
    /// How many warnings.
    pub warnings: usize,
    /// The first error, as `kzrender validate` prints it.
    pub first_error: Option<String>,
    /// The newest CloudBender outputs' date, `YYYY-MM-DD` (from their `TimeStamp`).
    pub outputs_date: Option<String>,
    /// Every component of the catalog, in catalog order: the channel's version when it is on,
    /// `None` when off. A JSON object.
    #[serde(serialize_with = "as_map")]
    pub components: Vec<(&'c str, Option<&'c str>)>,
    /// The first warning, as `kzrender validate` prints it.
    pub first_warning: Option<String>,
    /// With `--charts`: each enabled component's chart path (`spec.source.path`), a key of
    /// [`View::charts`] (empty for a cluster that does not render).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charts: Option<BTreeMap<&'c str, String>>,
    /// What kzrender could not do for this cluster (a file it cannot read): no report stands
    /// on a cluster it could not see.
    #[serde(skip)]
    pub trouble: Vec<Diagnostic>,
}

/// A chart of the KubeZero checkout, by its `Chart.yaml`s.
#[derive(Clone, Debug, Serialize)]
pub struct Chart {
    /// Its `version` (`null` when it cannot be read).
    pub version: Option<String>,
    /// Why it cannot be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Each subchart under its `charts/`: its name and version (a packaged one's from its file
    /// name).
    pub subcharts: BTreeMap<String, String>,
}

/// What a channel gives the clusters on it.
#[derive(Debug, Serialize)]
pub struct ChannelInfo<'c> {
    /// The Kubernetes version it is tested with.
    pub kubernetes: &'c str,
    /// The components it offers and their upstream versions.
    pub components: &'c BTreeMap<String, String>,
}

/// What the operators of one channel's clusters wrote differently.
#[derive(Debug, Default, Serialize)]
pub struct Differences {
    /// Each setting they disagree on, by its dotted key.
    pub settings: Vec<Differs>,
    /// Settings each cluster that sets them holds differently, from [`NAMING_FROM`] clusters on
    /// (`ClusterName`, `Domain`): they name clusters rather than disagree, so only their keys.
    pub distinct: Vec<String>,
}

/// A setting the clusters of one channel disagree on.
#[derive(Debug, Serialize)]
pub struct Differs {
    /// The dotted key.
    pub setting: String,
    /// Each value and how many clusters hold it, the most held first.
    pub values: Vec<Held>,
}

/// A value of a setting and the clusters that hold it.
#[derive(Debug, Serialize)]
pub struct Held {
    /// As written; a secret's `<redacted>`.
    pub value: String,
    /// How many clusters hold it.
    pub clusters: usize,
    /// The first [`HELD_BY`] of them, in path order.
    pub held_by: Vec<String>,
}

/// How many clusters holding a value [`Held::held_by`] names.
pub const HELD_BY: usize = 10;

/// From how many holders a setting every holder holds differently is a name, not a disagreement.
pub const NAMING_FROM: usize = 6;

/// The whole view.
#[derive(Debug, Serialize)]
pub struct View<'c> {
    /// The catalog's components, in catalog order.
    pub components: Vec<&'c str>,
    /// The channels the clusters are on.
    pub channels: BTreeMap<&'c str, ChannelInfo<'c>>,
    /// One row per cluster, in path order.
    pub clusters: Vec<Row<'c>>,
    /// With `--charts`: each chart the clusters use, by its path in the checkout.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub charts: BTreeMap<String, Chart>,
    /// Per channel, the settings its clusters disagree on.
    pub differences: BTreeMap<&'c str, Differences>,
}

/// For each channel, setting and value: how many clusters hold it, and the first [`HELD_BY`]
/// of them by index (rows come in path order).
type Tally<'c> = BTreeMap<&'c str, BTreeMap<String, BTreeMap<String, (usize, Vec<usize>)>>>;

/// The view of the clusters in `dirs`, each rendered alone with the catalog; with `charts`
/// (a KubeZero checkout), the version of each chart they use. The settings each operator wrote
/// are counted as its row arrives and then dropped, so memory grows with the rows alone.
pub fn view<'c>(
    catalog: &'c Catalog,
    official: &crate::schema::official::SchemaSet,
    dirs: &[PathBuf],
    charts: Option<&Path>,
) -> View<'c> {
    let tally: Mutex<Tally<'c>> = Mutex::default();
    let indexed: Vec<(usize, &PathBuf)> = dirs.iter().enumerate().collect();
    let clusters = super::parallel(&indexed, |&(at, dir)| {
        let (row, written) = row(catalog, official, dir, charts.is_some());
        if let Some(channel) = row.channel {
            let mut tally = tally.lock().expect("a row job panicked");
            let settings = tally.entry(channel).or_default();
            for (key, value) in written {
                let (count, first) = settings.entry(key).or_default().entry(value).or_default();
                *count += 1;
                let place = first.partition_point(|&i| i < at);
                if place < HELD_BY {
                    first.insert(place, at);
                    first.truncate(HELD_BY);
                }
            }
        }
        row
    });
    let mut read = BTreeMap::new();
    if let Some(checkout) = charts {
        for path in clusters.iter().flat_map(|r| r.charts.iter().flat_map(BTreeMap::values)) {
            read.entry(path.clone()).or_insert_with(|| chart(checkout, path));
        }
    }
    let channels = clusters
        .iter()
        .filter_map(|r| r.channel)
        .filter_map(|name| catalog.channels.get(name).map(|c| (name, c)))
        .map(|(name, c)| (name, ChannelInfo { kubernetes: &c.kubernetes.version, components: &c.components }))
        .collect();
    View {
        components: catalog.components.keys().map(String::as_str).collect(),
        channels,
        charts: read,
        differences: differences(tally.into_inner().expect("a row job panicked"), &clusters),
        clusters,
    }
}

/// One cluster's row and the settings its operator wrote (dotted key → value as shown); with
/// `charts`, the chart path of each enabled component.
fn row<'c>(
    catalog: &'c Catalog,
    official: &crate::schema::official::SchemaSet,
    dir: &Path,
    charts: bool,
) -> (Row<'c>, BTreeMap<String, String>) {
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
        first_warning: None,
        outputs_date: None,
        components: catalog.components.keys().map(|c| (c.as_str(), None)).collect(),
        charts: charts.then(BTreeMap::new),
        trouble: Vec::new(),
    };
    let cluster = match pipeline::resolve(catalog, &req) {
        Ok(c) => c,
        Err(diags) => {
            count(&mut row, &diags);
            return (row, BTreeMap::new());
        }
    };
    let text = |k: &str| cluster.values.get_path(&[k]).and_then(Node::as_str).map(str::to_owned);
    let channel = cluster.channel;
    row.channel = Some(&channel.name);
    row.kubernetes = text("KubernetesVersion");
    row.channel_kubernetes = Some(&channel.kubernetes.version);
    row.platform = text("platform");
    row.region = text("region");
    for (name, version) in &mut row.components {
        *version = crate::derive::is_enabled(&cluster.values, name)
            .then(|| channel.components.get(*name).map_or("", String::as_str));
    }
    row.outputs_date = cluster.layers.iter().filter(|l| l.kind == LayerKind::CloudBender).filter_map(date).max();
    let written = cluster.layers.iter().filter(|l| l.kind == LayerKind::Cluster).map(|l| settings(&l.node)).next();
    let diags = match pipeline::render(cluster, official) {
        Ok(r) => {
            if let Some(paths) = &mut row.charts {
                let names = catalog.components.keys().map(String::as_str);
                paths.extend(
                    r.sources
                        .iter()
                        .filter_map(|s| Some((names.clone().find(|c| *c == s.application)?, s.path.clone()))),
                );
            }
            r.warnings
        }
        Err(d) => d,
    };
    count(&mut row, &diags);
    (row, written.unwrap_or_default())
}

/// Writes `(key, value)` pairs as one JSON object.
fn as_map<S: Serializer>(pairs: &[(&str, Option<&str>)], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_map(pairs.iter().copied())
}

/// A chart's versions from its `Chart.yaml` and its subcharts'.
fn chart(checkout: &Path, path: &str) -> Chart {
    let version_of = |file: &Path| -> Result<(String, String), String> {
        let bytes = crate::read::read_regular(file, crate::read::MAX_FILE_BYTES).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|e| e.to_string())?;
        let doc = crate::yaml::parse_documents(&text, "Chart.yaml").map_err(|e| e.message)?;
        // A name or version is a string or a number; anything else is not shown (a map could
        // hold a secret).
        let field = |k: &str| match doc.first().and_then(|d| d.get(k)) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(n @ serde_json::Value::Number(_)) => Ok(n.to_string()),
            Some(_) => Err(format!("its `{k}` is not a string")),
            None => Err(format!("it has no `{k}`")),
        };
        Ok((field("name")?, field("version")?))
    };
    let mut out = Chart { version: None, error: None, subcharts: BTreeMap::new() };
    let dir = match crate::deep::chart_dir(checkout, path) {
        Ok(d) => d,
        Err(e) => {
            out.error = Some(e.message);
            return out;
        }
    };
    match version_of(&dir.join("Chart.yaml")) {
        Ok((_, v)) => out.version = Some(v),
        Err(e) => out.error = Some(format!("cannot read its Chart.yaml: {e}")),
    }
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
    row.first_warning = diags.iter().find(|d| !d.is_error()).map(ToString::to_string);
    row.trouble = diags.iter().filter(|d| d.kind.exit_code() == 2).cloned().collect();
}

/// A CloudBender layer's date, `YYYY-MM-DD`, from its note's `... at DD/MM/YY HH:MM`.
fn date(layer: &crate::layer::Layer) -> Option<String> {
    let (_, stamp) = layer.note.as_deref()?.rsplit_once(" at ")?;
    crate::cloudbender::date(stamp)
}

/// Every value the operator's file sets (a scalar or a list), by dotted key, secrets hidden.
fn settings(node: &Node) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    node.walk(&mut |path: &KeyPath, n| {
        if path.is_empty() || matches!(&n.value, Value::Map(m) if !m.is_empty()) {
            return true;
        }
        let shown =
            crate::redact::shown(path, n, |n| n.as_str().map_or_else(|| n.to_json().to_string(), str::to_owned));
        out.insert(crate::redact::shown_path(path), shown);
        false
    });
    out
}

/// Per channel, the settings the operators of its clusters wrote differently (clusters that set
/// none are not counted). A setting every cluster that sets it holds differently names clusters
/// rather than a disagreement from [`NAMING_FROM`] holders on: only its key is kept.
fn differences<'c>(tally: Tally<'c>, rows: &[Row<'_>]) -> BTreeMap<&'c str, Differences> {
    let mut out = BTreeMap::new();
    for (channel, settings) in tally {
        let mut found = Differences::default();
        for (setting, held) in settings {
            let holders: usize = held.values().map(|(count, _)| count).sum();
            if held.len() < 2 {
                continue;
            }
            if holders >= NAMING_FROM && held.len() == holders {
                found.distinct.push(setting);
                continue;
            }
            let mut values: Vec<Held> = held
                .into_iter()
                .map(|(value, (clusters, first))| Held {
                    value,
                    clusters,
                    held_by: first.into_iter().map(|at| rows[at].path.clone()).collect(),
                })
                .collect();
            values.sort_by(|a, b| b.clusters.cmp(&a.clusters).then_with(|| a.value.cmp(&b.value)));
            found.settings.push(Differs { setting, values });
        }
        out.insert(channel, found);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outputs_date_is_a_real_day_or_none() {
        let stamped = |note: &str| crate::layer::Layer {
            kind: LayerKind::CloudBender,
            name: "cloudbender.yaml".into(),
            note: Some(note.into()),
            node: Node::empty_map(crate::value::Origin::file("cloudbender.yaml")),
            set: None,
        };
        assert_eq!(date(&stamped("stack kube/x at 22/06/20 14:17")).as_deref(), Some("2020-06-22"));
        for impossible in ["00/13/20", "99/99/99", "+1/06/20", "22/6/20", "22-06-20"] {
            assert_eq!(date(&stamped(&format!("stack kube/x at {impossible} 14:17"))), None, "{impossible}");
        }
    }

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
        assert_eq!(c.version.as_deref(), Some("0.3.6"));
        let subs: Vec<(&str, &str)> = c.subcharts.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(subs, [("cert-manager", "v0.15.1"), ("k8s-tool", "1.0.0-rc-1"), ("lib", "0.1.3")]);
        assert_eq!(
            chart(checkout.path(), "../x").error.unwrap(),
            format!("the chart path ../x leaves the KubeZero checkout {}", checkout.path().display())
        );
    }
}
