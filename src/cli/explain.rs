//! `kzrender explain KEY [DIR]`: the merged value at a key and every layer that set it.

use std::fmt::Write;

use kzrender::load::LayerKind;
use kzrender::pipeline;
use kzrender::value::{split_dotted, Node, Value};
use kzrender::yaml::emit;

use super::args::ExplainArgs;
use super::{catalog, Failure, Success};

/// Explains `args.key` for the cluster in `args.dir`.
pub fn run(args: &ExplainArgs) -> Result<Success, Failure> {
    super::require_cluster_dir(&args.dir)?;
    let catalog = catalog(args.values.kubezero.as_deref())?;
    let req = args.values.request(args.dir.clone());
    let cluster =
        pipeline::resolve(catalog, &req).map_err(|diags| Failure::invalid(args.dir.display().to_string(), diags))?;
    let path = split_dotted(&args.key);
    let secret = path.iter().any(|seg| kzrender::redact::is_secret_key(seg));
    let show = |n: &Node| if secret { "<redacted>".to_owned() } else { summary(n) };

    let mut out = String::new();
    match cluster.values.get_path(&path) {
        Some(n) => writeln!(out, "{} = {}", args.key, show(n)),
        None => writeln!(out, "{} is not set", args.key),
    }
    .expect("writing to a String");
    let setters: Vec<_> = cluster.layers.iter().filter_map(|l| l.node.get_path(&path).map(|n| (l, n))).collect();
    if setters.is_empty() {
        out.push_str("  no layer sets it\n");
    }
    for (i, (layer, node)) in setters.iter().enumerate() {
        let verdict = if i + 1 == setters.len() { "wins" } else { "overridden" };
        let kind = match layer.kind {
            LayerKind::Catalog => "catalog",
            LayerKind::Cluster => "cluster",
            LayerKind::CloudBender => "cloudbender",
            LayerKind::ValuesFile => "values file",
            LayerKind::Set => "flag",
        };
        let note = layer.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        writeln!(out, "  {verdict:<10} {kind:<11} {}{note}: {}", node.origin, show(node)).expect("writing to a String");
    }
    Ok(Success { stdout: out, warnings: cluster.warnings })
}

/// One line for a value: scalars as YAML, containers by size.
fn summary(n: &Node) -> String {
    match &n.value {
        Value::Map(m) => format!("{{map with {} key{}}}", m.len(), if m.len() == 1 { "" } else { "s" }),
        Value::Seq(s) => format!("[list of {}]", s.len()),
        _ => emit::document(n).trim_end().to_owned(),
    }
}
