//! `diff --format json|markdown`: the same changes as the text report, as data (cluster,
//! resource, change, unified diff) or as a pull-request comment (a summary table, then one
//! collapsed section per cluster, within GitHub's 65,536 characters, truncation said with
//! counts). Secrets are redacted before any format sees the resources.

use std::fmt::Write;

use kzrender::diff::{Change, ResourceDiff};
use serde::Serialize;
use similar::TextDiff;

/// The most characters a GitHub comment may hold.
pub const COMMENT_LIMIT: usize = 65_536;

/// One changed resource.
#[derive(Serialize)]
pub struct Resource {
    /// `Application`, or a chart's kind under it.
    pub kind: String,
    /// Empty when it has none.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// With `--charts`: the Application whose chart renders it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub application: Option<String>,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
    /// The unified diff (empty when only redacted values changed).
    pub diff: String,
}

/// One cluster's changes.
#[derive(Serialize)]
pub struct Cluster {
    /// As `validate` names it.
    pub cluster: String,
    /// Its changed resources.
    pub resources: Vec<Resource>,
}

/// A changed resource as data.
pub fn resource(change: &ResourceDiff, application: Option<&str>) -> Resource {
    Resource {
        kind: change.kind.clone(),
        namespace: change.namespace.clone(),
        name: change.name.clone(),
        application: application.map(str::to_owned),
        change: match change.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        },
        diff: unified(&change.old, &change.new),
    }
}

/// The unified diff of two texts, three lines of context.
pub fn unified(old: &str, new: &str) -> String {
    TextDiff::from_lines(old, new).unified_diff().context_radius(3).to_string()
}

/// The JSON document: `{"clusters": [...], "summary": "..."}`.
pub fn json(clusters: &[Cluster], summary: &str) -> String {
    let doc = serde_json::json!({"clusters": clusters, "summary": summary});
    serde_json::to_string_pretty(&doc).expect("the report serializes") + "\n"
}

/// The pull-request comment.
pub fn markdown(clusters: &[Cluster], summary: &str) -> String {
    let mut out = String::from("### kzrender diff\n\n");
    if clusters.is_empty() {
        writeln!(out, "{}", escape(summary)).expect("writing to a String");
        return out;
    }
    out.push_str("| cluster | added | removed | changed |\n|---|---:|---:|---:|\n");
    // The table gets at most half the comment.
    let mut rows = 0;
    for c in clusters {
        let n = |what: &str| c.resources.iter().filter(|r| r.change == what).count();
        let row = format!("| `{}` | {} | {} | {} |\n", cell(&c.cluster), n("added"), n("removed"), n("changed"));
        if out.chars().count() + row.chars().count() > COMMENT_LIMIT / 2 {
            break;
        }
        out.push_str(&row);
        rows += 1;
    }
    if rows < clusters.len() {
        writeln!(out, "| and {} more | | | |", clusters.len() - rows).expect("writing to a String");
    }
    writeln!(out, "\n{}\n", escape(summary)).expect("writing to a String");
    // Sections while they fit, leaving room for the note that says what was left out.
    let room = COMMENT_LIMIT - 512;
    let mut shown = 0;
    for c in clusters {
        let section = section(c);
        if out.chars().count() + section.chars().count() > room {
            break;
        }
        out.push_str(&section);
        shown += 1;
    }
    if shown < clusters.len() {
        let left: usize = clusters[shown..].iter().map(|c| c.resources.len()).sum();
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        writeln!(
            out,
            "\n_{} ({}) not shown: a comment holds at most {COMMENT_LIMIT} characters. \
             Run `kzrender diff` to see them._",
            plural(clusters.len() - shown, "cluster"),
            plural(left, "changed resource")
        )
        .expect("writing to a String");
    }
    out
}

/// One cluster's collapsed section: each resource's line and its diff.
fn section(c: &Cluster) -> String {
    let n = c.resources.len();
    let plural = if n == 1 { "" } else { "s" };
    let mut out = format!("<details><summary><code>{}</code>: {n} resource{plural}</summary>\n\n", html(&c.cluster));
    for r in &c.resources {
        let sign = match r.change {
            "added" => '+',
            "removed" => '-',
            _ => '~',
        };
        // As the text report: a chart's resources also name their namespace.
        let ns = match (&r.application, r.namespace.is_empty()) {
            (Some(_), false) => format!("{}/", r.namespace),
            _ => String::new(),
        };
        let under = r.application.as_ref().map(|a| format!(" (chart of Application {a})")).unwrap_or_default();
        writeln!(out, "`{sign} {}/{}{}`{}\n", code(&r.kind), code(&ns), code(&r.name), escape(&under))
            .expect("writing to a String");
        if r.diff.is_empty() && r.change == "changed" {
            out.push_str("(only redacted values changed)\n\n");
        } else if !r.diff.is_empty() {
            // A fence longer than any run of backticks in the diff.
            let longest = r.diff.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            writeln!(out, "{fence}diff\n{}{fence}\n", r.diff).expect("writing to a String");
        }
    }
    out.push_str("</details>\n\n");
    out
}

/// Inline code in a table cell: no `|` may end the cell (GitHub splits cells on it even in code).
fn cell(text: &str) -> String {
    code(text).replace('|', "\\|")
}

/// Text inside inline code: no backtick or line break can end it.
fn code(text: &str) -> String {
    text.replace(['`', '\n', '\r'], "'")
}

/// Text for HTML inside the summary element.
fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Markdown text with its markup characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\`*_[]<>|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
