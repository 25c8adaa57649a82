//! `validate`'s reports: text for people, JSON for tools, GitHub annotations, JUnit XML. Every
//! path, key and message is escaped for its format, and at most [`MAX_LISTED`] problems are
//! listed per render.

use std::fmt::Write;

use kzrender::diag::{one_line, Diagnostic};
use kzrender::value::Origin;

use super::{capped, MAX_LISTED};
use kzrender::fleet::{Render, Verdict};

fn line(out: &mut String, text: &str) {
    out.push_str(text);
    out.push('\n');
}

fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

fn summary(verdicts: &[Verdict]) -> String {
    let invalid = verdicts.iter().filter(|v| !v.valid()).count();
    format!("{}: {} valid, {invalid} invalid\n", plural(verdicts.len(), "cluster"), verdicts.len() - invalid)
}

/// What a render is called: the cluster, or the cluster with one of its values files.
fn name(v: &Verdict, r: &Render) -> String {
    match &r.values {
        None => one_line(&v.path),
        Some(f) => format!("{} with {}", one_line(&v.path), one_line(f)),
    }
}

/// Grouped by cluster: every render with a problem, its problems indented below it.
pub fn text(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    for v in verdicts {
        for r in v.renders.iter().filter(|r| !r.errors.is_empty() || !r.warnings.is_empty()) {
            let verdict = if r.errors.is_empty() { "valid" } else { "invalid" };
            let counts: Vec<String> = [(r.errors.len(), "error"), (r.warnings.len(), "warning")]
                .into_iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| plural(n, what))
                .collect();
            line(&mut out, &format!("{}: {verdict} ({})", name(v, r), counts.join(", ")));
            let all: Vec<Diagnostic> = r.errors.iter().chain(&r.warnings).cloned().collect();
            let (listed, more) = capped(&all);
            for d in listed {
                d.to_string().lines().for_each(|l| line(&mut out, &format!("  {l}")));
            }
            if more > 0 {
                line(&mut out, &format!("  ... and {more} more"));
            }
        }
    }
    out.push_str(&summary(verdicts));
    out
}

fn entry(d: &Diagnostic) -> serde_json::Value {
    let (file, line, col) = match &d.origin {
        Some(o @ Origin::File { .. }) => {
            let (line, col) = o.position().unwrap_or((0, 0));
            (o.name().to_owned(), line, col)
        }
        Some(o) => (o.to_string(), 0, 0),
        None => (String::new(), 0, 0),
    };
    serde_json::json!({"file": file, "line": line, "column": col, "key": d.key, "message": d.message})
}

fn render_json(r: &Render) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("valid".into(), r.errors.is_empty().into());
    m.insert("resources".into(), r.resources.into());
    for (key, diags) in [("errors", &r.errors), ("warnings", &r.warnings)] {
        m.insert(key.into(), diags.iter().take(MAX_LISTED).map(entry).collect::<Vec<_>>().into());
    }
    let omitted = r.errors.len().saturating_sub(MAX_LISTED) + r.warnings.len().saturating_sub(MAX_LISTED);
    if omitted > 0 {
        m.insert("omitted".into(), omitted.into());
    }
    m
}

/// One JSON document: `{"clusters": [...], "valid": N, "invalid": N}`.
pub fn json(verdicts: &[Verdict]) -> String {
    let clusters: Vec<serde_json::Value> = verdicts
        .iter()
        .map(|v| {
            let mut m = serde_json::Map::new();
            m.insert("path".into(), v.path.clone().into());
            let (base, others) = v.renders.split_first().expect("every cluster is rendered alone first");
            m.extend(render_json(base));
            m.insert("valid".into(), v.valid().into());
            if !others.is_empty() {
                let values = others.iter().map(|r| {
                    let mut m = serde_json::Map::new();
                    m.insert("file".into(), r.values.clone().unwrap_or_default().into());
                    m.extend(render_json(r));
                    serde_json::Value::Object(m)
                });
                m.insert("values".into(), values.collect::<Vec<_>>().into());
            }
            serde_json::Value::Object(m)
        })
        .collect();
    let invalid = verdicts.iter().filter(|v| !v.valid()).count();
    let doc = serde_json::json!({"clusters": clusters, "valid": verdicts.len() - invalid, "invalid": invalid});
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    out.push('\n');
    out
}

/// GitHub Actions workflow commands: annotations on the offending lines; a problem without a
/// file is anchored to the cluster's `kubezero.yaml` and names the cluster.
pub fn github(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    for v in verdicts {
        for r in &v.renders {
            let with = r.values.as_ref().map(|f| format!(" with {f}")).unwrap_or_default();
            let levels = r.errors.iter().map(|d| ("error", d)).chain(r.warnings.iter().map(|d| ("warning", d)));
            for (level, d) in levels.take(MAX_LISTED) {
                let (file, position, subject) = match &d.origin {
                    Some(o @ Origin::File { .. }) => (o.name().to_owned(), o.position(), String::new()),
                    other => {
                        let from = other.as_ref().map(|o| format!("{o}: ")).unwrap_or_default();
                        let file = format!("{}/{}", v.path, kzrender::load::CLUSTER_FILE);
                        (file, None, format!("{}{with}: {from}", v.path))
                    }
                };
                let mut props = vec![format!("file={}", escape_property(&file))];
                if let Some((line, col)) = position {
                    props.push(format!("line={line},col={col}"));
                }
                props.push("title=kzrender".into());
                let key = if d.key.is_empty() { String::new() } else { format!("{}: ", d.key) };
                let message = escape_data(&format!("{subject}{key}{}", d.message));
                line(&mut out, &format!("::{level} {}::{message}", props.join(",")));
            }
        }
    }
    out.push_str(&summary(verdicts));
    out
}

/// A workflow command's message: GitHub's escapes, and no control character from the input.
fn escape_data(s: &str) -> String {
    one_line(s).replace('%', "%25")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The deep validation line of the text report: Applications, distinct renders, helm runs.
pub fn charts(counts: Option<(usize, usize, usize)>) -> String {
    match counts {
        Some((apps, renders, runs)) => {
            format!("charts: {apps} Applications, {renders} distinct renders, {runs} helm runs\n")
        }
        None => String::new(),
    }
}

/// JUnit XML: one test suite, one test case per cluster, one failure per invalid cluster
/// listing its errors, for GitLab and Jenkins.
pub fn junit(verdicts: &[Verdict]) -> String {
    let invalid = verdicts.iter().filter(|v| !v.valid()).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"kzrender validate\" tests=\"{}\" failures=\"{invalid}\" errors=\"0\">",
        verdicts.len()
    );
    for v in verdicts {
        let name = xml(&v.path);
        if v.valid() {
            let _ = writeln!(out, "  <testcase classname=\"kzrender\" name=\"{name}\"/>");
            continue;
        }
        let mut errors = Vec::new();
        for r in &v.renders {
            let with = r.values.as_ref().map(|f| format!("with {f}: ")).unwrap_or_default();
            errors.extend(r.errors.iter().take(MAX_LISTED).map(|d| format!("{with}{d}")));
        }
        let _ = writeln!(out, "  <testcase classname=\"kzrender\" name=\"{name}\">");
        let _ = writeln!(out, "    <failure type=\"invalid\" message=\"{}\">", xml(&plural(errors.len(), "error")));
        errors.iter().for_each(|e| line(&mut out, &xml(e)));
        out.push_str("    </failure>\n  </testcase>\n");
    }
    out.push_str("</testsuite>\n");
    out
}

/// Text for XML content or attributes: markup escaped, nothing XML 1.0 cannot carry.
fn xml(s: &str) -> String {
    one_line(s).replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
