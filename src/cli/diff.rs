//! `kzrender diff [PATH]... [--base REF]`: what a commit would change in every affected cluster.
//!
//! Only clusters with a changed input are rendered: files below the cluster directory, values
//! files it is rendered with (`-f`), and the catalog when `--kubezero` lies in the repository.
//! The working tree (uncommitted and untracked files included) is compared with `REF`.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use kzrender::catalog::Catalog;
use kzrender::diag::{Diagnostic, Kind};
use kzrender::diff::{self, Change, ResourceDiff};
use kzrender::git::Repo;
use kzrender::read::lexically_normal;
use kzrender::schema::kube::SchemaSet;
use kzrender::{fleet, pipeline};
use similar::{ChangeTag, TextDiff};

use super::args::{Color, DiffArgs};
use super::{catalog, official_schemas, Failure, Success};

/// One side of one cluster: absent, rendered, or broken.
enum Side {
    Absent,
    Rendered(Vec<kzrender::value::Node>),
    Broken(Vec<Diagnostic>),
}

/// Which clusters to render, and where their inputs are.
struct Plan {
    repo: Repo,
    /// REF's commit; `None` in a repository without commits.
    base: Option<String>,
    /// Cluster directories (repository-relative) in the working tree and at REF.
    now: BTreeSet<String>,
    then: BTreeSet<String>,
    /// The clusters a changed file can affect, in path order.
    affected: Vec<String>,
    /// The in-repository catalog directory given with `--kubezero`, if any.
    catalog_dir: Option<String>,
}

impl Plan {
    /// Everything a cluster is rendered from: its directory (ending in `/`), the `-f` files, and
    /// an in-repository catalog.
    fn inputs(&self, cluster: &str, args: &DiffArgs) -> Vec<String> {
        let mut inputs = vec![if cluster.is_empty() { String::new() } else { format!("{cluster}/") }];
        let files = args.values.values.iter().map(|f| lexically_normal(&Path::new(cluster).join(f)));
        inputs.extend(files.map(|f| f.to_string_lossy().into_owned()));
        inputs.extend(self.catalog_dir.iter().map(|d| format!("{d}/")));
        inputs
    }
}

fn trouble(e: impl std::fmt::Display) -> Failure {
    Failure::Trouble(e.to_string())
}

/// Diffs the clusters under `args.paths` between `args.base` and the working tree.
pub fn run(args: &DiffArgs) -> Result<Success, Failure> {
    let cwd = std::env::current_dir().map_err(trouble)?;
    let plan = plan(args, &cwd)?;

    // REF's side: only the affected clusters' files (and shared inputs) are taken out of git.
    let scratch = Scratch::new().map_err(trouble)?;
    let catalog_now = catalog(args.values.kubezero.as_deref())?;
    let mut catalog_then: Result<&Catalog, String> = Ok(catalog_now);
    if let Some(sha) = &plan.base {
        let mut wanted: Vec<String> = plan.affected.iter().filter(|c| plan.then.contains(*c)).cloned().collect();
        for c in &plan.affected {
            let shared = plan.inputs(c, args).into_iter().skip(1);
            wanted.extend(shared.filter(|p| plan.repo.exists_at(sha, p.trim_end_matches('/'))));
        }
        wanted.sort();
        wanted.dedup();
        // A cluster at the repository root is the whole tree.
        for w in wanted.iter_mut().filter(|w| w.is_empty()) {
            *w = ".".into();
        }
        plan.repo.extract(sha, &wanted, &scratch.0).map_err(trouble)?;
        if let Some(dir) = &plan.catalog_dir {
            catalog_then = Catalog::from_dir(&scratch.0.join(dir))
                .map(|c| &*Box::leak(Box::new(c)))
                .map_err(|e| format!("the catalog at {} is invalid: {}", args.base, e[0]));
        }
    }
    let official = official_schemas(args.schema_dir.as_deref())?;
    let sides = fleet::parallel(&plan.affected, |c| {
        let here = relative(&plan.repo.root.join(c), &cwd);
        let new = if plan.now.contains(c) { render(catalog_now, &official, args, here) } else { Side::Absent };
        let old = match (plan.then.contains(c), &catalog_then) {
            (false, _) => Side::Absent,
            (true, Err(e)) => Side::Broken(vec![Diagnostic::new(Kind::Catalog, None, "", e.clone())]),
            (true, Ok(cat)) => match render(cat, &official, args, scratch.0.join(c)) {
                Side::Broken(d) => Side::Broken(d.into_iter().map(|d| at_ref(d, &scratch.0, &args.base)).collect()),
                other => other,
            },
        };
        (old, new)
    });
    report(args, &plan, &sides)
}

/// Finds the repository, the clusters on both sides and the ones the changed files affect.
fn plan(args: &DiffArgs, cwd: &Path) -> Result<Plan, Failure> {
    let paths: Vec<PathBuf> = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    // A path may exist only at REF (a deleted cluster): find the repository from what exists.
    let first = cwd.join(&paths[0]);
    let repo = Repo::discover(if first.exists() { &first } else { cwd }).map_err(trouble)?;
    let base = repo.resolve(&args.base).map_err(trouble)?;
    let changed = repo.changed_files(base.as_deref()).map_err(trouble)?;
    let rel = |p: &Path| -> Result<String, Failure> {
        let joined = cwd.join(p);
        let abs = joined.canonicalize().unwrap_or_else(|_| lexically_normal(&joined));
        let r = abs.strip_prefix(&repo.root).map_err(|_| {
            Failure::Trouble(format!("{} is outside the repository {}", p.display(), repo.root.display()))
        })?;
        Ok(r.to_string_lossy().into_owned())
    };
    let scopes = paths.iter().map(|p| rel(p)).collect::<Result<Vec<_>, _>>()?;
    let in_scope = |c: &str| scopes.iter().any(|s| s.is_empty() || c == s || c.starts_with(&format!("{s}/")));
    let existing: Vec<PathBuf> = paths.iter().filter(|p| cwd.join(p).exists()).cloned().collect();
    let found = fleet::find_clusters(&existing);
    if let Some(e) = found.errors.first() {
        return Err(Failure::Trouble(format!(
            "{}: {}",
            e.origin.as_ref().map(ToString::to_string).unwrap_or_default(),
            e.message
        )));
    }
    let now = found.dirs.iter().map(|d| rel(d)).collect::<Result<_, _>>()?;
    let then = match &base {
        Some(sha) => {
            let files = repo.cluster_files_at(sha).map_err(trouble)?;
            fleet::cluster_dirs_from_files(&files).into_iter().filter(|c| in_scope(c)).collect()
        }
        None => BTreeSet::new(),
    };
    let catalog_dir = args.values.kubezero.as_deref().and_then(|k| rel(k).ok());
    let mut plan = Plan { repo, base, now, then, affected: Vec::new(), catalog_dir };
    let all: BTreeSet<&String> = plan.now.iter().chain(&plan.then).collect();
    plan.affected = all.into_iter().filter(|c| diff::affected(&plan.inputs(c, args), &changed)).cloned().collect();
    Ok(plan)
}

/// Prints every changed resource of every affected cluster, then the summary; names the
/// clusters that could not be rendered on stderr.
fn report(args: &DiffArgs, plan: &Plan, sides: &[(Side, Side)]) -> Result<Success, Failure> {
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let paint = Paint(color);
    let (mut out, mut problems) = (String::new(), String::new());
    let (mut clusters_changed, mut resources_changed) = (0, 0);
    for (cluster, (old, new)) in plan.affected.iter().zip(sides) {
        let shown = if cluster.is_empty() { "." } else { cluster.as_str() };
        if let Side::Broken(d) = new {
            problem(&mut problems, shown, "in the working tree", d);
            continue;
        }
        // Broken at REF: what the working tree renders is still shown, as if new.
        let old_docs = match old {
            Side::Broken(d) => {
                problem(&mut problems, shown, &format!("at {}", args.base), d);
                &[][..]
            }
            other => docs(other),
        };
        let changes = diff::resources(old_docs, docs(new));
        if changes.is_empty() {
            continue;
        }
        clusters_changed += 1;
        resources_changed += changes.len();
        let note = if matches!(old, Side::Broken(_)) {
            format!(" (cannot render at {}: compared with nothing)", args.base)
        } else {
            String::new()
        };
        writeln!(out, "{}{note}", paint.bold(shown)).expect("writing to a String");
        for change in &changes {
            resource(&mut out, change, args.stat, paint);
        }
    }
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let total = plan.now.union(&plan.then).count();
    let rendered = format!("rendered {} of {}", plan.affected.len(), plural(total, "cluster"));
    let summary = match resources_changed {
        0 => format!("no changes ({rendered})"),
        n => format!("{}, {} changed ({rendered})", plural(clusters_changed, "cluster"), plural(n, "resource")),
    };
    writeln!(out, "{summary}").expect("writing to a String");
    // A cluster that cannot be rendered is wrong input, like a difference: exit 1 (SPEC §8).
    if resources_changed > 0 || !problems.is_empty() {
        Err(Failure::Found { report: out, problems, kinds: vec![Kind::Invalid] })
    } else {
        Ok(Success { stdout: out, warnings: Vec::new() })
    }
}

fn problem(out: &mut String, cluster: &str, side: &str, diags: &[Diagnostic]) {
    writeln!(out, "kzrender: {cluster}: cannot render {side}:").expect("writing to a String");
    diags.iter().for_each(|d| writeln!(out, "{d}").expect("writing to a String"));
}

fn render(catalog: &Catalog, official: &SchemaSet, args: &DiffArgs, dir: PathBuf) -> Side {
    let req = args.values.request(dir);
    match pipeline::render_cluster(catalog, official, &req) {
        Ok(r) => Side::Rendered(r.docs),
        Err(d) => Side::Broken(d.into_iter().filter(Diagnostic::is_error).collect()),
    }
}

fn docs(side: &Side) -> &[kzrender::value::Node] {
    match side {
        Side::Rendered(d) => d,
        _ => &[],
    }
}

/// `+ Application/kiam`, then (unless `--stat`) the unified diff of the resource.
fn resource(out: &mut String, change: &ResourceDiff, stat: bool, paint: Paint) {
    let title = format!("{} {}/{}", change.change.sign(), change.kind, change.name);
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
        writeln!(out, "  (only redacted values changed)").expect("writing to a String");
        return;
    }
    let text = TextDiff::from_lines(&change.old, &change.new);
    for hunk in text.unified_diff().context_radius(3).iter_hunks() {
        // The diff is indented under its resource line so `+ Application/x` stays unambiguous.
        writeln!(out, "  {}", paint.cyan(&hunk.header().to_string())).expect("writing to a String");
        for line in hunk.iter_changes() {
            let body = line.value().trim_end_matches('\n');
            let text = match line.tag() {
                ChangeTag::Delete => paint.red(&format!("-{body}")),
                ChangeTag::Insert => paint.green(&format!("+{body}")),
                ChangeTag::Equal => format!(" {body}"),
            };
            writeln!(out, "  {text}").expect("writing to a String");
        }
    }
}

/// Names REF's files as `REF:path` instead of the scratch directory they were rendered from.
fn at_ref(mut d: Diagnostic, scratch: &Path, reference: &str) -> Diagnostic {
    if let Some(kzrender::value::Origin::File { name, .. }) = &mut d.origin {
        let prefix = format!("{}/", scratch.display());
        if let Some(rest) = name.strip_prefix(&prefix) {
            *name = format!("{reference}:{rest}").into();
        }
    }
    d
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

/// A scratch directory for REF's files, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!("kzrender-diff-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `path` as seen from `base` (both absolute), for messages the user can open.
fn relative(path: &Path, base: &Path) -> PathBuf {
    let (p, b): (Vec<_>, Vec<_>) = (path.components().collect(), base.components().collect());
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out: PathBuf = b[common..].iter().map(|_| "..").collect();
    out.extend(&p[common..]);
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}
