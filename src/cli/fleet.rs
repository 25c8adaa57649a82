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
    let report = match args.format {
        FleetFormat::Text => text(&view),
        FleetFormat::Json => serde_json::to_string_pretty(&view).expect("the view serializes") + "\n",
        FleetFormat::Html => super::fleet_page::page(&view),
    };
    match &args.output {
        None => Ok(Success { stdout: report, warnings: Vec::new() }),
        Some(file) => {
            std::fs::write(file, report)
                .map_err(|e| Failure::trouble(format!("{}: cannot write: {e}", file.display())))?;
            Ok(Success { stdout: String::new(), warnings: Vec::new() })
        }
    }
}

/// `text` cut to `width` characters, its start replaced by `…` when longer.
fn fit(text: &str, width: usize) -> String {
    let chars: Vec<char> = one_line(text).chars().collect();
    match chars.len() > width {
        true => std::iter::once('…').chain(chars[chars.len() - (width - 1)..].iter().copied()).collect(),
        false => chars.into_iter().collect(),
    }
}

/// The table: one row per cluster, components as numbered columns (`x` on, `-` off), then the
/// legend with each channel's versions, then the settings that differ.
fn text(view: &View) -> String {
    let mut out = String::new();
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
        let state = match (r.valid, r.errors) {
            (true, _) => "valid".to_owned(),
            (false, 1) => "1 error".to_owned(),
            (false, n) => format!("{n} errors"),
        };
        let on: String = r.components.iter().map(|(_, v)| if v.is_some() { "x " } else { "- " }).collect();
        let line = format!(
            "{:<26} {:<7} {:<10} {:<13} {:<10} {:<10} {}",
            fit(&r.path, 26),
            fit(r.channel.unwrap_or("-"), 7),
            fit(&k8s, 10),
            fit(r.region.as_deref().unwrap_or("-"), 13),
            state,
            r.outputs_date.as_deref().unwrap_or("-"),
            on
        );
        writeln!(out, "{}", line.trim_end()).expect("writing to a String");
    }
    out.push_str("\nK8S: * differs from the channel's version, (x) the channel's when the cluster names none.\n");
    let legend: Vec<String> = view.components.iter().enumerate().map(|(i, c)| format!("{} {c}", i + 1)).collect();
    wrap(&mut out, "components: ", &legend);
    for (channel, info) in &view.channels {
        let kubernetes = format!("Kubernetes {}", info.kubernetes);
        let versions: Vec<String> =
            std::iter::once(kubernetes).chain(info.components.iter().map(|(c, v)| format!("{c} {v}"))).collect();
        wrap(&mut out, &format!("on {channel}: "), &versions);
    }
    if !view.charts.is_empty() {
        out.push_str("\ncharts:\n");
        for (path, c) in &view.charts {
            let subs: Vec<String> = c.subcharts.iter().map(|(n, v)| one_line(&format!("{n} {v}"))).collect();
            let lead = format!("  {} {}", one_line(path), one_line(&c.version));
            match subs.is_empty() {
                true => writeln!(out, "{}", cut(&lead)).expect("writing to a String"),
                false => wrap(&mut out, &format!("{lead}: "), &subs),
            }
        }
    }
    let errors: Vec<&kzrender::fleet::view::Row> = view.clusters.iter().filter(|r| !r.valid).collect();
    if !errors.is_empty() {
        out.push_str("\nfirst problem of each invalid cluster:\n");
        for r in errors {
            let first = r.first_error.as_deref().unwrap_or("cannot be read");
            let line = format!("  {}: {}", one_line(&r.path), one_line(first));
            writeln!(out, "{}", cut(&line)).expect("writing to a String");
        }
    }
    let differing: Vec<_> = view.differences.iter().filter(|(_, d)| !d.is_empty()).collect();
    if !differing.is_empty() {
        out.push_str("\nsettings the clusters of a channel disagree on:\n");
        for (channel, list) in differing {
            for d in list {
                let values: Vec<String> =
                    d.values.iter().map(|h| format!("{} ×{}", one_line(&h.value), h.clusters)).collect();
                let line = format!("  {channel:<7} {}: {}", one_line(&d.setting), values.join(", "));
                writeln!(out, "{}", cut(&line)).expect("writing to a String");
            }
        }
    }
    out
}

/// `items` after `lead`, comma-separated, wrapped at [`WIDTH`] with a hanging indent.
fn wrap(out: &mut String, lead: &str, items: &[String]) {
    let mut line = lead.to_owned();
    for (i, item) in items.iter().enumerate() {
        let piece = if i + 1 < items.len() { format!("{item}, ") } else { item.clone() };
        if line.chars().count() + piece.trim_end().chars().count() > WIDTH && line.trim() != lead.trim() {
            writeln!(out, "{}", line.trim_end()).expect("writing to a String");
            line = " ".repeat(lead.chars().count());
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
