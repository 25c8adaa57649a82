//! `kzrender explain KEY [DIR]`: the merged value at a key and every layer that set it.

use std::fmt::Write;

use kzrender::diag::{one_line, Diagnostic, Kind};
use kzrender::layer::LayerKind;
use kzrender::pipeline;
use kzrender::redact;
use kzrender::schema::message::distance;
use kzrender::value::{KeyPath, Node, Seg, Value};
use kzrender::yaml::emit;

use super::args::ExplainArgs;
use super::{catalog, Failure, Success};

/// Explains `args.key` for the cluster in `args.dir`.
pub fn run(args: &ExplainArgs) -> Result<Success, Failure> {
    super::require_cluster_dir(&args.dir)?;
    let catalog = catalog(&args.values.catalog)?;
    let files = args.values.files().map_err(Failure::trouble)?;
    let req = args.values.request(args.dir.clone(), &files, &kzrender::request::Stdin::default());
    let cluster =
        pipeline::resolve(catalog, &req).map_err(|diags| Failure::invalid(args.dir.display().to_string(), diags))?;
    let path = KeyPath::parse(&args.key);
    let show = |n: &Node| redact::shown(&path, n, summary);

    let mut out = String::new();
    match cluster.values.at(&path) {
        Some(n) => writeln!(out, "{} = {}", one_line(&args.key), show(n)),
        None => writeln!(out, "{} is not set", one_line(&args.key)),
    }
    .expect("writing to a String");
    // A map: each of its values, with where it came from.
    if let Some(map @ Node { value: Value::Map(m), .. }) = cluster.values.at(&path) {
        if !m.is_empty() {
            leaves(&mut out, map, &path);
        }
    }
    // A layer touches the key by setting it, or by deleting (null) or replacing (a non-map) one
    // of its parents; the last one to touch it decides.
    let catalog_layer = cluster.catalog_layer();
    let layers = std::iter::once(&catalog_layer).chain(&cluster.layers);
    let touches: Vec<_> = layers.filter_map(|l| touch(&l.node, &path).map(|t| (l, t))).collect();
    // A key no layer sets is most likely a typo: a failure scripts can tell, with the closest key.
    if touches.is_empty() {
        let msg = match closest(&cluster.values, &args.key) {
            Some(key) => format!("is not set, and no layer sets it; did you mean `{key}`?"),
            None => "is not set, and no layer sets it".to_owned(),
        };
        let diags = vec![Diagnostic::new(Kind::UnknownKey, None, args.key.clone(), msg)];
        return Err(Failure::Invalid { subject: args.dir.display().to_string(), diags, nothing: "explained" });
    }
    for (i, (layer, (node, what))) in touches.iter().enumerate() {
        // Maps merge: each layer's map adds to the result, none wins over the others.
        let merges = what.is_none()
            && matches!(node.value, Value::Map(_))
            && matches!(cluster.values.at(&path).map(|n| &n.value), Some(Value::Map(_)))
            && touches[i + 1..].iter().all(|(_, (n, w))| w.is_none() && matches!(n.value, Value::Map(_)));
        let verdict = match (merges, i + 1 == touches.len(), cluster.values.at(&path).is_some()) {
            (true, _, _) => "merged",
            (false, false, _) => "overridden",
            (false, true, true) => "wins",
            (false, true, false) => "deletes",
        };
        let kind = match layer.kind {
            LayerKind::Catalog => "catalog",
            LayerKind::Cluster => "cluster",
            LayerKind::CloudBender => "cloudbender",
            LayerKind::ValuesFile => "values file",
            LayerKind::Set => "flag",
        };
        let note = layer.note.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
        let shown = match what {
            Some(parent) => format!("{} {parent}", if node.value == Value::Null { "deletes" } else { "replaces" }),
            None => show(node),
        };
        let (origin, note) = (one_line(&node.origin.to_string()), one_line(&note));
        writeln!(out, "  {verdict:<10} {kind:<11} {origin}{note}: {shown}").expect("writing to a String");
    }
    Ok(Success { stdout: out, warnings: cluster.warnings })
}

/// Every value below a map (a scalar, a list, an empty map), its key from the root, its value
/// and where it was written, secrets hidden.
fn leaves(out: &mut String, map: &Node, at: &KeyPath) {
    let mut rows = Vec::new();
    map.walk(&mut |rel, n| {
        if rel.is_empty() || matches!(&n.value, Value::Map(m) if !m.is_empty()) {
            return true;
        }
        let mut key = at.clone();
        rel.segs().iter().for_each(|s| key.push(s.clone()));
        let shown = redact::shown(&key, n, summary);
        rows.push((one_line(&redact::shown_path(&key)), shown, one_line(&n.origin.to_string())));
        false
    });
    let width = rows.iter().map(|(k, v, _)| k.chars().count() + v.chars().count() + 3).max().unwrap_or(0).min(48);
    for (key, value, origin) in rows {
        let pair = format!("{key} = {value}");
        writeln!(out, "  {pair:<width$}  {origin}").expect("writing to a String");
    }
    out.push_str("set by:\n");
}

/// How a layer touches `path`: the node that sets it, or the parent it deletes or replaces
/// (with that parent's dotted key).
fn touch<'n>(layer: &'n Node, path: &KeyPath) -> Option<(&'n Node, Option<String>)> {
    for depth in 1..path.segs().len() {
        let parent = KeyPath(path.segs()[..depth].to_vec());
        let n = layer.at(&parent)?;
        let follows =
            matches!((&n.value, &path.segs()[depth]), (Value::Map(_), Seg::Key(_)) | (Value::Seq(_), Seg::Index(_)));
        if !follows {
            return Some((n, Some(parent.to_string())));
        }
    }
    layer.at(path).map(|n| (n, None))
}

/// The key of the merged values closest to `key`, if one is close (a typo, not another key).
/// Keys much longer than `key` cannot be close, nor can any key below them: the walk skips
/// them, so a file of long nested keys costs what its short keys cost.
fn closest(values: &Node, key: &str) -> Option<String> {
    let wanted = key.to_lowercase();
    let (len, max) = (wanted.chars().count(), 2.max(key.len() / 8));
    let mut best: Option<(usize, String)> = None;
    values.walk(&mut |path, _| {
        if path.is_empty() {
            return true;
        }
        let k = path.to_string();
        let k_len = k.chars().count();
        if k_len > len + max {
            return false;
        }
        if k_len + max >= len {
            let d = distance(&k.to_lowercase(), &wanted);
            if d <= max && best.as_ref().is_none_or(|(bd, bk)| (d, &k) < (*bd, bk)) {
                best = Some((d, k));
            }
        }
        true
    });
    best.map(|(_, k)| k)
}

/// One line for a value: scalars as YAML, containers by size.
fn summary(n: &Node) -> String {
    match &n.value {
        Value::Map(m) => format!("{{map with {} key{}}}", m.len(), if m.len() == 1 { "" } else { "s" }),
        Value::Seq(s) => format!("[list of {}]", s.len()),
        // A string that would need more than one line is shown double-quoted, its escapes
        // JSON's (which YAML reads alike): no value can forge a provenance line.
        Value::Str(s) if one_line(s) != *s => one_line(&serde_json::Value::String(s.clone()).to_string()),
        _ => one_line(emit::document(n).trim_end()),
    }
}
