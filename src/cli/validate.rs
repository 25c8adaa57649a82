//! `kzrender validate [PATH]...`: every cluster under the paths, rendered and checked on all
//! cores, every problem reported grouped by cluster, then one summary line.

use std::fmt::Write;

use kzrender::diag::Diagnostic;
use kzrender::fleet;
use kzrender::pipeline;

use super::args::{Format, ValidateArgs};
use kzrender::diag::one_line;

use super::{capped, catalog, official_schemas, Failure, Success};

/// One cluster's verdict.
struct Verdict {
    path: String,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
    resources: usize,
}

/// Validates the clusters under `args.paths`.
pub fn run(args: &ValidateArgs) -> Result<Success, Failure> {
    let catalog = catalog(args.kubezero.as_deref())?;
    let official = official_schemas(args.schema_dir.as_deref())?;
    let found = fleet::find_clusters(&args.paths);
    let clusters = found.dirs;
    if let (true, Some(e)) = (clusters.is_empty(), found.errors.first()) {
        return Err(Failure::Trouble(format!(
            "{}: {}",
            e.origin.as_ref().map(ToString::to_string).unwrap_or_default(),
            e.message
        )));
    }
    if clusters.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::Trouble(format!(
            "no cluster directory (a directory with kubezero.yaml) under {}",
            paths.join(" ")
        )));
    }
    let verdicts = fleet::parallel(&clusters, |dir| {
        let req = kzrender::request::Request { dir: dir.clone(), ..Default::default() };
        let (diags, resources) = match pipeline::render_cluster(catalog, &official, &req) {
            Ok(r) => (r.warnings, r.docs.len()),
            Err(d) => (d, 0),
        };
        let (errors, warnings) = diags.into_iter().partition(Diagnostic::is_error);
        Verdict { path: dir.display().to_string(), errors, warnings, resources }
    });
    let invalid = verdicts.iter().filter(|v| !v.errors.is_empty()).count();
    let report = match args.format {
        Format::Text => text(&verdicts, invalid),
        Format::Json => json(&verdicts, invalid),
        Format::Github => github(&verdicts, invalid),
    };
    // A path that could not be read is named on stderr; the clusters that could be read are
    // still reported, and the exit code says kzrender could not do all of its job.
    let problems: String = found.errors.iter().map(|e| format!("{e}\n")).collect();
    let kinds: Vec<_> = found.errors.iter().chain(verdicts.iter().flat_map(|v| &v.errors)).map(|d| d.kind).collect();
    if !kinds.is_empty() {
        Err(Failure::Found { report, problems, kinds })
    } else {
        Ok(Success { stdout: report, warnings: Vec::new() })
    }
}

fn summary(verdicts: &[Verdict], invalid: usize) -> String {
    let n = verdicts.len();
    format!("{n} cluster{}: {} valid, {invalid} invalid\n", if n == 1 { "" } else { "s" }, n - invalid)
}

fn text(verdicts: &[Verdict], invalid: usize) -> String {
    let mut out = String::new();
    for v in verdicts.iter().filter(|v| !v.errors.is_empty() || !v.warnings.is_empty()) {
        let verdict = if v.errors.is_empty() { "valid" } else { "invalid" };
        let count = |n: usize, what: &str| match n {
            0 => None,
            1 => Some(format!("1 {what}")),
            n => Some(format!("{n} {what}s")),
        };
        let counts: Vec<String> =
            [count(v.errors.len(), "error"), count(v.warnings.len(), "warning")].into_iter().flatten().collect();
        writeln!(out, "{}: {verdict} ({})", one_line(&v.path), counts.join(", ")).expect("writing to a String");
        let all: Vec<Diagnostic> = v.errors.iter().chain(&v.warnings).cloned().collect();
        let (listed, more) = capped(&all);
        for d in listed {
            for line in d.to_string().lines() {
                writeln!(out, "  {line}").expect("writing to a String");
            }
        }
        if more > 0 {
            writeln!(out, "  ... and {more} more").expect("writing to a String");
        }
    }
    out.push_str(&summary(verdicts, invalid));
    out
}

fn json(verdicts: &[Verdict], invalid: usize) -> String {
    let entry = |d: &Diagnostic| {
        let (file, line, col) = match &d.origin {
            Some(o @ kzrender::value::Origin::File { .. }) => {
                let (line, col) = o.position().unwrap_or((0, 0));
                (o.file_name().unwrap_or_default().to_owned(), line, col)
            }
            Some(o) => (o.to_string(), 0, 0),
            None => (String::new(), 0, 0),
        };
        serde_json::json!({"file": file, "line": line, "column": col, "key": d.key, "message": d.message})
    };
    let clusters: Vec<serde_json::Value> = verdicts
        .iter()
        .map(|v| {
            serde_json::json!({
                "path": v.path,
                "valid": v.errors.is_empty(),
                "resources": v.resources,
                "errors": v.errors.iter().map(entry).collect::<Vec<_>>(),
                "warnings": v.warnings.iter().map(entry).collect::<Vec<_>>(),
            })
        })
        .collect();
    let doc = serde_json::json!({"clusters": clusters, "valid": verdicts.len() - invalid, "invalid": invalid});
    let mut out = serde_json::to_string_pretty(&doc).expect("JSON values serialize");
    out.push('\n');
    out
}

/// GitHub Actions workflow commands: annotations on the offending lines.
fn github(verdicts: &[Verdict], invalid: usize) -> String {
    let mut out = String::new();
    for v in verdicts {
        for (level, d) in v.errors.iter().map(|d| ("error", d)).chain(v.warnings.iter().map(|d| ("warning", d))) {
            let mut props = Vec::new();
            if let Some(o) = &d.origin {
                props.push(format!("file={}", escape_property(o.name())));
                if let Some((line, col)) = o.position() {
                    props.push(format!("line={line},col={col}"));
                }
            }
            let key = if d.key.is_empty() { String::new() } else { format!("{}: ", d.key) };
            writeln!(out, "::{level} {}::{}", props.join(","), escape_data(&format!("{key}{}", d.message)))
                .expect("writing to a String");
        }
    }
    out.push_str(&summary(verdicts, invalid));
    out
}

/// A workflow command's message: GitHub's escapes, and no control character from the input.
fn escape_data(s: &str) -> String {
    one_line(s).replace('%', "%25")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
