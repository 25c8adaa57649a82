//! `kzrender fleet [PATH]...`: what runs where ([`kzrender::fleet::view`]), as a terminal table,
//! JSON or an HTML page ([`super::fleet_page`]), on standard output or into a file.

use std::fmt::Write;

use kzrender::diag::one_line;
use kzrender::fleet::{self, view::View};

use super::args::{FleetArgs, FleetFormat};
use super::{catalog, Failure, Success};

/// The widest a text report gets.
const WIDTH: usize = 100;

/// Shows the fleet under `args.paths`.
pub fn run(args: &FleetArgs) -> Result<Success, Failure> {
    let catalog = catalog(&args.catalog)?;
    // `-o -` is standard output.
    let output = args.output.as_deref().filter(|f| f.as_os_str() != "-");
    if let Some(file) = output {
        check_output(file)?;
    }
    let found = fleet::find_clusters(&args.paths);
    if let Some(e) = found.errors.first() {
        let at = e.origin.as_ref().map(ToString::to_string).unwrap_or_default();
        return Err(Failure::trouble(format!("{at}: {}", e.message)));
    }
    if found.dirs.is_empty() {
        return Err(Failure::trouble("no cluster directory (a directory with kubezero.yaml) under the paths given"));
    }
    let official = kzrender::schema::official::SchemaSet::default();
    if let Some(dir) = args.charts.as_ref().filter(|d| !d.is_dir()) {
        return Err(Failure::trouble(format!("--charts {}: no such directory", dir.display())));
    }
    let view = fleet::view::view(catalog, &official, &found.dirs, args.charts.as_deref());
    let trouble: Vec<_> = view.clusters.iter().flat_map(|r| r.trouble.iter().cloned()).collect();
    if let Some(first) = trouble.first() {
        let subject = match &first.origin {
            Some(at) => format!("the fleet ({at})"),
            None => "the fleet".to_owned(),
        };
        return Err(Failure::Invalid { subject, diags: trouble, nothing: "reported" });
    }
    let report = match args.format {
        FleetFormat::Text => text(&view),
        FleetFormat::Json => serde_json::to_string_pretty(&view).expect("the view serializes") + "\n",
        FleetFormat::Html => super::fleet_page::page(&view),
    };
    match output {
        None => Ok(Success { stdout: report, warnings: Vec::new() }),
        Some(file) => {
            let cannot = |e: String| Failure::trouble(format!("{}: {e}", file.display()));
            let staged = kzrender::import::stage(file, report.as_bytes()).map_err(|d| cannot(d.message))?;
            staged.persist(file).map_err(|e| cannot(format!("cannot write: {}", e.error)))?;
            Ok(Success { stdout: String::new(), warnings: Vec::new() })
        }
    }
}

/// Whether the report can go to `file`, before any cluster is rendered: its directory exists,
/// and is no cluster directory (nor below one), where the report would be read as part of it.
fn check_output(file: &std::path::Path) -> Result<(), Failure> {
    if file.file_name().is_some_and(|n| n == kzrender::load::CLUSTER_FILE) {
        return Err(Failure::trouble(format!(
            "-o {}: a report named {} would make its directory a cluster; name it otherwise",
            file.display(),
            kzrender::load::CLUSTER_FILE
        )));
    }
    let dir = file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let real = dir.canonicalize().map_err(|e| {
        Failure::trouble(format!("-o {}: cannot use its directory {}: {e}", file.display(), dir.display()))
    })?;
    match real.ancestors().find(|d| d.join(kzrender::load::CLUSTER_FILE).is_file()) {
        Some(cluster) => Err(Failure::trouble(format!(
            "-o {}: inside the cluster directory {}, where the report would be read as part of the cluster; write it elsewhere",
            file.display(),
            cluster.display()
        ))),
        None => Ok(()),
    }
}

/// `text` cut to `width` characters, its middle replaced by `…` when longer: both ends stay,
/// so `eu/…/payments` and `us/…/payments` remain apart.
fn fit(text: &str, width: usize) -> String {
    let chars: Vec<char> = one_line(text).chars().collect();
    match chars.len() > width {
        true => {
            let head = (width - 1) / 2;
            let tail = width - 1 - head;
            chars[..head].iter().chain(std::iter::once(&'…')).chain(&chars[chars.len() - tail..]).collect()
        }
        false => chars.into_iter().collect(),
    }
}

/// The directory every cluster path starts with (ending in `/`), so the table can show what
/// tells the clusters apart; empty when they share none.
fn common_prefix<'a>(paths: impl Iterator<Item = &'a str>) -> &'a str {
    let mut prefix: Option<&str> = None;
    for path in paths {
        let dir = path.rfind('/').map_or("", |i| &path[..=i]);
        prefix = Some(match prefix {
            None => dir,
            Some(p) => {
                let same = p.bytes().zip(dir.bytes()).take_while(|(a, b)| a == b).count();
                p[..same].rfind('/').map_or("", |i| &p[..=i])
            }
        });
    }
    prefix.unwrap_or("")
}

/// The table: one row per cluster, components as numbered columns (`x` on, `-` off), then the
/// legend with each channel's versions, the charts, the first problem of each invalid cluster
/// and the settings that differ. Everything from input is escaped ([`one_line`]).
fn text(view: &View) -> String {
    let mut out = String::new();
    let prefix = common_prefix(view.clusters.iter().map(|r| r.path.as_str()));
    if !prefix.is_empty() {
        writeln!(out, "clusters under {}", one_line(prefix)).expect("writing to a String");
    }
    let name = |path: &str| one_line(&path[prefix.len()..]);
    let numbers: String = (1..=view.components.len()).map(|i| format!("{:<2}", i % 100)).collect();
    let head = format!(
        "{:<26} {:<7} {:<10} {:<13} {:<10} {:<10} {}",
        "CLUSTER", "CHANNEL", "K8S", "REGION", "STATE", "OUTPUTS", numbers
    );
    writeln!(out, "{}", head.trim_end()).expect("writing to a String");
    for r in &view.clusters {
        let k8s = match (&r.kubernetes, &r.channel_kubernetes) {
            (Some(v), Some(c)) if v != c => format!("{v}*"),
            (Some(v), _) => v.clone(),
            (None, Some(c)) => format!("({c})"),
            (None, None) => "-".to_owned(),
        };
        let state = match (r.valid, r.errors, r.warnings) {
            (true, _, 0) => "valid".to_owned(),
            (true, _, w) => format!("valid {w}w"),
            (false, 1, _) => "1 error".to_owned(),
            (false, n, _) => format!("{n} errors"),
        };
        let on: String = r.components.iter().map(|(_, v)| if v.is_some() { "x " } else { "- " }).collect();
        let line = format!(
            "{:<26} {:<7} {:<10} {:<13} {:<10} {:<10} {}",
            fit(&name(&r.path), 26),
            fit(r.channel.unwrap_or("-"), 7),
            fit(&k8s, 10),
            fit(r.region.as_deref().unwrap_or("-"), 13),
            state,
            r.outputs_date.as_deref().unwrap_or("-"),
            on
        );
        writeln!(out, "{}", line.trim_end()).expect("writing to a String");
    }
    out.push_str(
        "\nK8S: * differs from the channel's version; in brackets the channel's, where the cluster names none.\n\
         STATE: valid, with its warnings (1w), or how many errors.\n",
    );
    let legend: Vec<String> =
        view.components.iter().enumerate().map(|(i, c)| format!("{} {}", i + 1, one_line(c))).collect();
    wrap(&mut out, "components: ", &legend);
    for (channel, info) in &view.channels {
        let kubernetes = format!("Kubernetes {}", one_line(info.kubernetes));
        let versions = info.components.iter().map(|(c, v)| one_line(&format!("{c} {v}")));
        let versions: Vec<String> = std::iter::once(kubernetes).chain(versions).collect();
        wrap(&mut out, &format!("on {}: ", one_line(channel)), &versions);
    }
    if !view.charts.is_empty() {
        out.push_str("\ncharts (one checkout for every channel):\n");
        for (path, c) in &view.charts {
            let subs: Vec<String> = c.subcharts.iter().map(|(n, v)| one_line(&format!("{n} {v}"))).collect();
            let version = c.version.as_deref().or(c.error.as_deref()).unwrap_or_default();
            let lead = format!("  {} {}", one_line(path), one_line(version));
            match subs.is_empty() {
                true => writeln!(out, "{}", cut(&lead)).expect("writing to a String"),
                false => wrap(&mut out, &format!("{lead}: "), &subs),
            }
        }
    }
    let invalid: Vec<&kzrender::fleet::view::Row> = view.clusters.iter().filter(|r| !r.valid).collect();
    if !invalid.is_empty() {
        out.push_str("\nfirst problem of each invalid cluster:\n");
        for r in invalid {
            let first = r.first_error.as_deref().unwrap_or("cannot be read");
            let words: Vec<String> =
                one_line(first.trim_start_matches("error: ")).split(' ').map(str::to_owned).collect();
            writeln!(out, "  {}:", name(&r.path)).expect("writing to a String");
            wrap_with(&mut out, "    ", &words, " ");
        }
    }
    let differing: Vec<_> =
        view.differences.iter().filter(|(_, d)| !d.settings.is_empty() || !d.distinct.is_empty()).collect();
    if !differing.is_empty() {
        out.push_str("\nsettings the clusters of a channel disagree on (a rarer value names its clusters):\n");
        for (channel, found) in differing {
            let channel = one_line(channel);
            for d in &found.settings {
                let values: Vec<String> =
                    d.values.iter().map(|h| format!("{} ×{}", one_line(&h.value), h.clusters)).collect();
                wrap(&mut out, &format!("  {channel:<7} {}: ", one_line(&d.setting)), &values);
                // The most held value is the norm unless another ties with it.
                let norm = usize::from(d.values[0].clusters > d.values[1].clusters);
                for h in d.values.iter().skip(norm).filter(|h| h.clusters <= 3) {
                    let holders: Vec<String> = h.held_by.iter().map(|p| name(p)).collect();
                    wrap(&mut out, &format!("      {}: ", one_line(&h.value)), &holders);
                }
            }
            if !found.distinct.is_empty() {
                let keys: Vec<String> = found.distinct.iter().map(|k| one_line(k)).collect();
                wrap(&mut out, &format!("  {channel:<7} different on every cluster: "), &keys);
            }
        }
    }
    // Whatever a name or value's length, no line passes the width.
    out.lines().map(|line| cut(line) + "\n").collect()
}

/// `items` after `lead`, comma-separated, wrapped at [`WIDTH`] with a hanging indent.
fn wrap(out: &mut String, lead: &str, items: &[String]) {
    wrap_with(out, lead, items, ", ");
}

/// `items` after `lead`, each but the last followed by `sep`, wrapped at [`WIDTH`] under the
/// lead (at most a third of the width in, so a long lead leaves room).
fn wrap_with(out: &mut String, lead: &str, items: &[String], sep: &str) {
    let mut line = lead.to_owned();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() { format!("{item}{sep}") } else { item.clone() };
        if line.chars().count() + piece.trim_end().chars().count() > WIDTH && line.trim() != lead.trim() {
            writeln!(out, "{}", line.trim_end()).expect("writing to a String");
            line = " ".repeat(lead.chars().count().min(WIDTH / 3));
        }
        line.push_str(&piece);
    }
    writeln!(out, "{}", line.trim_end()).expect("writing to a String");
}

/// A line cut to [`WIDTH`] characters, its end replaced by `…` when longer (`--format json`
/// holds it whole).
fn cut(line: &str) -> String {
    match line.chars().count() > WIDTH {
        true => line.chars().take(WIDTH - 1).chain(std::iter::once('…')).collect(),
        false => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_name_keeps_both_ends_so_two_regions_stay_apart() {
        let eu = fit("eu-central-1/clusters/production-payments-main", 26);
        let us = fit("us-east-1/clusters/production-payments-main", 26);
        assert_eq!((eu.chars().count(), us.chars().count()), (26, 26));
        assert_eq!((eu.as_str(), us.as_str()), ("eu-central-1…payments-main", "us-east-1/cl…payments-main"));
        assert_eq!(fit("short", 26), "short");
    }
}
