//! `kzrender diff [PATH]... [--base REF] [--head REF]`: prints what a change does to every
//! cluster it can affect. Planning, extraction and rendering are the library's (`kzrender::diff`);
//! this module owns the private scratch directory and prints.

use std::fmt::Write;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use kzrender::catalog::Catalog;
use kzrender::diag::{one_line, Diagnostic, Kind};
use kzrender::diff::{self, Change, ClusterDiff, LeafDiff, Plan, Query, ResourceDiff, Side, Sides};
use kzrender::fleet;
use kzrender::request::{Overlay, Request, Stdin};
use similar::{ChangeTag, TextDiff};

use super::args::{Color, DiffArgs, DiffFormat};
use super::diff_formats;
use super::{catalog, helm, official_schemas, Failure, Success};

fn trouble(e: impl std::fmt::Display) -> Failure {
    Failure::trouble(e)
}

/// Diffs the clusters under `args.paths` between `args.base` and the working tree (or `args.head`).
pub fn run(args: &DiffArgs) -> Result<Success, Failure> {
    let cwd = std::env::current_dir().map_err(trouble)?;
    let files = args.values.files().map_err(Failure::trouble)?;
    let helm = helm(&args.charts)?;
    let mut shared = files.clone();
    shared.extend(args.values.catalog.kubezero.clone());
    let query = Query { paths: args.paths.clone(), base: args.base.clone(), head: args.head.clone(), shared };
    let plan = diff::plan(&query, &cwd).map_err(trouble)?;

    // The other side's files go to a private directory (0700, unpredictable name), removed when
    // the run ends, and also when SIGTERM, SIGINT or SIGHUP ends it.
    let private = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o700);
    let scratch = tempfile::Builder::new().prefix("kzrender-diff-").permissions(private).tempdir().map_err(trouble)?;
    super::end_on_signal(Some(scratch.path().to_path_buf()));
    let (then_dir, now_dir) = (scratch.path().join("then"), scratch.path().join("now"));
    for d in [&then_dir, &now_dir] {
        std::fs::create_dir(d).map_err(trouble)?;
    }
    plan.extract(&then_dir, &now_dir).map_err(trouble)?;

    let catalog_now = catalog(&args.values.catalog)?;
    let in_repo = args.values.catalog.kubezero.as_deref().and_then(|k| plan.in_repository(&cwd, k));
    let fork = match (&in_repo, &plan.base) {
        (Some(dir), Some(_)) => Some(Catalog::from_dir(&then_dir.join(dir))),
        _ => None,
    };
    let catalog_then = match &fork {
        None => Ok(catalog_now),
        Some(Ok(c)) => Ok(c),
        Some(Err(e)) => {
            let msg = format!("the catalog at {} is invalid: {}", args.base, e[0]);
            Err(Diagnostic::new(Kind::Catalog, None, "", msg))
        }
    };
    let official = official_schemas(&args.schemas)?;
    let sides = Sides {
        catalog_now,
        catalog_then,
        official: &official,
        then_dir: &then_dir,
        now_dir: &now_dir,
        names: (&args.base, args.head.as_deref()),
        cwd: &cwd,
    };
    // Resolved once; each render takes it with its directory and, on a side extracted from git,
    // the values files that lie in the repository as that side has them.
    let base = args.values.request(PathBuf::new(), &files, &Stdin::default());
    let request = |dir: PathBuf, side: Option<&Path>| {
        let mut req = Request { dir, ..base.clone() };
        for overlay in &mut req.overlays {
            if let (Overlay::File(f), Some(root)) = (overlay, side) {
                if let Some(rel) = plan.in_repository(&cwd, f) {
                    *f = root.join(rel);
                }
            }
        }
        req
    };
    let diffs = diff::compare(&plan, &sides, &request);
    let leaves = match (&helm, &args.charts.charts) {
        (Some(helm), Some(charts)) => fleet::parallel(&diffs, |d| diff::leaves(d, helm, charts)),
        _ => Vec::new(),
    };
    report(args, &plan, &diffs, &leaves, &cwd)
}

/// Prints every changed resource of every affected cluster (with `--charts`, each changed
/// Application's leaf resources under it), then the summary; names the clusters and charts that
/// could not be rendered on stderr.
fn report(
    args: &DiffArgs,
    plan: &Plan,
    diffs: &[ClusterDiff],
    leaves: &[Vec<LeafDiff>],
    cwd: &Path,
) -> Result<Success, Failure> {
    let color = match args.color {
        _ if args.format != DiffFormat::Text => false,
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let paint = Paint(color);
    let (mut out, mut problems, mut kinds) = (String::new(), String::new(), Vec::new());
    let (mut clusters_changed, mut resources_changed, mut leaves_changed) = (0, 0, 0);
    let mut data: Vec<diff_formats::Cluster> = Vec::new();
    let head = args.head.as_deref().unwrap_or("the working tree");
    for (i, d) in diffs.iter().enumerate() {
        // As validate shows it: relative to the working directory.
        let shown = one_line(&relative(&plan.repo.root.join(&d.cluster), cwd));
        if let Side::Broken(diags) = &d.new {
            let side = if args.head.is_some() { format!("at {head}") } else { "in the working tree".to_owned() };
            problem(&mut problems, &shown, &side, diags);
            kinds.extend(diags.iter().map(|d| d.kind));
            continue;
        }
        // Broken at REF: what the new side renders is still shown, as if new.
        if let Side::Broken(diags) = &d.old {
            problem(&mut problems, &shown, &format!("at {}", args.base), diags);
            kinds.extend(diags.iter().map(|d| d.kind));
        }
        if d.changes.is_empty() {
            continue;
        }
        clusters_changed += 1;
        resources_changed += d.changes.len();
        let note = match &d.old {
            Side::Broken(_) => format!(" (cannot render at {}: compared with nothing)", args.base),
            _ => String::new(),
        };
        writeln!(out, "{}{note}", paint.bold(&shown)).expect("writing to a String");
        let leaves = leaves.get(i).map_or(&[][..], Vec::as_slice);
        let mut cluster = diff_formats::Cluster { cluster: shown.clone(), resources: Vec::new() };
        for change in &d.changes {
            resource(&mut out, change, args.stat, paint, "");
            cluster.resources.push(diff_formats::resource(change, None));
            for leaf in leaves.iter().filter(|l| change.kind == "Application" && l.application == change.name) {
                for (new, f) in &leaf.failures {
                    chart_failure(&mut problems, args, &shown, &leaf.application, *new, &f.message);
                    kinds.push(f.kind);
                }
                leaves_changed += leaf.changes.len();
                for c in &leaf.changes {
                    resource(&mut out, c, args.stat, paint, "  ");
                    cluster.resources.push(diff_formats::resource(c, Some(&leaf.application)));
                }
            }
        }
        if args.stat {
            cluster.resources.iter_mut().for_each(|r| r.diff.clear());
        }
        data.push(cluster);
    }
    // kzrender does not look inside a submodule: a changed one is said, never "no changes".
    for module in &plan.submodules {
        let msg = "a git submodule that changed: kzrender does not render inside submodules, skipped";
        writeln!(out, "{}: {msg}", paint.bold(&one_line(module))).expect("writing to a String");
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let rendered = format!("rendered {} of {}", plan.affected.len(), plural(plan.total(), "cluster"));
    let broken = diffs.iter().filter(|d| matches!(d.new, Side::Broken(_)) || matches!(d.old, Side::Broken(_))).count();
    let changed = match args.charts.charts {
        Some(_) => {
            format!("{} and {}", plural(resources_changed, "resource"), plural(leaves_changed, "chart resource"))
        }
        None => plural(resources_changed, "resource"),
    };
    let skipped = match plan.submodules.len() {
        0 => String::new(),
        n => format!("; {} skipped", plural(n, "changed submodule")),
    };
    let rendered = format!("{rendered}{skipped}");
    let summary = match (resources_changed, broken) {
        (0, 0) if plan.submodules.is_empty() => format!("no changes ({rendered})"),
        (0, 0) => format!("no changes rendered ({rendered})"),
        (_, 0) => format!("{}, {changed} changed ({rendered})", plural(clusters_changed, "cluster")),
        (_, b) => format!(
            "{}, {changed} changed; {} cannot be rendered, see stderr ({rendered})",
            plural(clusters_changed, "cluster"),
            plural(b, "cluster")
        ),
    };
    writeln!(out, "{summary}").expect("writing to a String");
    match args.format {
        DiffFormat::Text => {}
        DiffFormat::Json => out = diff_formats::json(&data, &summary),
        DiffFormat::Markdown => out = diff_formats::markdown(&data, &summary),
    }
    // A difference, like a cluster that cannot be rendered, is exit 1; an unreadable file 2.
    if resources_changed > 0 || !plan.submodules.is_empty() {
        kinds.push(Kind::Invalid);
    }
    if kinds.is_empty() {
        Ok(Success { stdout: out, warnings: Vec::new() })
    } else {
        Err(Failure::Found { report: out, problems, kinds })
    }
}

/// An Application's chart that could not be rendered on one side, for stderr.
fn chart_failure(out: &mut String, args: &DiffArgs, cluster: &str, app: &str, new: bool, message: &str) {
    let side = match (new, &args.head) {
        (false, _) => format!("at {}", args.base),
        (true, Some(h)) => format!("at {h}"),
        (true, None) => "in the working tree".to_owned(),
    };
    let app = one_line(app);
    writeln!(out, "kzrender: {cluster}: Application {app}: cannot render its chart {side}: {message}")
        .expect("writing to a String");
}

fn problem(out: &mut String, cluster: &str, side: &str, diags: &[Diagnostic]) {
    writeln!(out, "kzrender: {cluster}: cannot render {side}:").expect("writing to a String");
    diags.iter().for_each(|d| writeln!(out, "{d}").expect("writing to a String"));
}

/// `+ Application/kiam` (a chart's resources, indented by `indent`, also name their namespace:
/// `~ Deployment/kube-system/istiod`), then (unless `--stat`) the unified diff of the resource.
fn resource(out: &mut String, change: &ResourceDiff, stat: bool, paint: Paint, indent: &str) {
    let name = match (indent.is_empty(), change.namespace.as_str()) {
        (false, ns) if !ns.is_empty() => format!("{}/{}", one_line(ns), one_line(&change.name)),
        _ => one_line(&change.name),
    };
    let title = format!("{indent}{} {}/{name}", change.change.sign(), one_line(&change.kind));
    let title = match change.change {
        Change::Added => paint.green(&title),
        Change::Removed => paint.red(&title),
        Change::Changed => paint.yellow(&title),
    };
    writeln!(out, "{title}").expect("writing to a String");
    if stat {
        return;
    }
    if change.old == change.new {
        writeln!(out, "{indent}  (only redacted values changed)").expect("writing to a String");
        return;
    }
    let text = TextDiff::from_lines(&change.old, &change.new);
    for hunk in text.unified_diff().context_radius(3).iter_hunks() {
        // The diff is indented under its resource line so `+ Application/x` stays unambiguous.
        writeln!(out, "{indent}  {}", paint.cyan(&hunk.header().to_string())).expect("writing to a String");
        for line in hunk.iter_changes() {
            let body = line.value().trim_end_matches('\n');
            let text = match line.tag() {
                ChangeTag::Delete => paint.red(&format!("-{body}")),
                ChangeTag::Insert => paint.green(&format!("+{body}")),
                ChangeTag::Equal => format!(" {body}"),
            };
            writeln!(out, "{indent}  {text}").expect("writing to a String");
        }
    }
}

/// ANSI colours, or none.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    }
    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn red(self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn yellow(self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn cyan(self, s: &str) -> String {
        self.wrap("36", s)
    }
}

/// `path` as seen from `base` (both absolute): `prod-eu`, `../dev`, `.`.
fn relative(path: &Path, base: &Path) -> String {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    b[common..].iter().for_each(|_| out.push(".."));
    p[common..].iter().for_each(|c| out.push(c));
    match out.as_os_str().is_empty() {
        true => ".".to_owned(),
        false => out.display().to_string(),
    }
}
