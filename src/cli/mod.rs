//! The command line: raw flags (clap) → one resolved request per mode → the library → output.
//!
//! Exit codes are decided in one place, [`Failure::exit_code`], from the kinds of the
//! diagnostics (the README's "Exit codes"): 0 success, 1 the input is wrong (or `diff`/`validate`
//! found something), 2 kzrender could not do its job. On any failure of a command that renders,
//! nothing is written to stdout: ArgoCD prunes a whole cluster on empty-but-successful output.

mod argocd;
mod args;
mod diff;
mod diff_formats;
mod docs;
mod explain;
mod fleet;
mod fleet_page;
mod outputs;
mod render;
mod report;
mod validate;

use std::io::Write;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::CommandFactory;

use kzrender::catalog::Catalog;
use kzrender::diag::{self, Diagnostic, Kind};

pub use args::Command;

/// Why a command did not succeed.
#[derive(Debug)]
pub enum Failure {
    /// The input is wrong: every problem found (warnings included), and what was not done.
    Invalid { subject: String, diags: Vec<Diagnostic>, nothing: &'static str },
    /// The command found invalid clusters or differences: its report goes to stdout and the
    /// clusters it could not render to stderr; `kinds` are the kinds of every problem found.
    Found { report: String, problems: String, kinds: Vec<Kind> },
    /// kzrender could not do its job (usage, I/O, git, a tool, internal).
    Trouble(diag::Error),
}

impl Failure {
    /// kzrender could not do its job: an I/O problem, a path it cannot read, a usage mistake.
    pub fn trouble(message: impl std::fmt::Display) -> Failure {
        Failure::Trouble(diag::Error::new(Kind::Io, message.to_string()))
    }

    /// Invalid input for a command that renders.
    pub fn invalid(subject: impl Into<String>, diags: Vec<Diagnostic>) -> Failure {
        Failure::Invalid { subject: subject.into(), diags, nothing: "rendered" }
    }

    /// The process exit code: the worst kind among the problems, at least 1 for a failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Invalid { diags, .. } => diag::exit_code(diags).max(1),
            Failure::Found { kinds, .. } => kinds.iter().map(|k| k.exit_code()).max().unwrap_or(0).max(1),
            Failure::Trouble(e) => e.kind.exit_code().max(1),
        }
    }
}

/// What a successful command prints.
pub struct Success {
    /// For stdout, written in one piece.
    pub stdout: String,
    /// Warnings, for stderr.
    pub warnings: Vec<Diagnostic>,
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let cli = match args::parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let outcome = match cli.command {
        Command::Render(a) => render::run(&a),
        Command::Explain(a) => explain::run(&a),
        Command::Validate(a) => validate::run(&a),
        Command::Fleet(a) => fleet::run(&a),
        Command::Diff(a) => diff::run(&a),
        Command::Argocd(a) => argocd::run(&a),
        Command::Outputs(a) => outputs::run(&a),
        Command::Docs(a) => docs::run(&a),
        Command::Completions(a) => Ok(completions(&a)),
        Command::Man(m) => man(m.command.as_deref()),
    };
    finish(outcome)
}

/// `kzrender completions SHELL`: the completion script, generated from the flags themselves.
fn completions(args: &args::CompletionsArgs) -> Success {
    use clap_complete::Shell;
    let shell = match args.shell {
        args::Shell::Bash => Shell::Bash,
        args::Shell::Zsh => Shell::Zsh,
        args::Shell::Fish => Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut args::Cli::command(), "kzrender", &mut script);
    Success { stdout: String::from_utf8_lossy(&script).into_owned(), warnings: Vec::new() }
}

/// `kzrender man [COMMAND]`: the man page of kzrender or of one of its subcommands
/// (kzrender-validate(1)), generated from the flags themselves.
fn man(command: Option<&str>) -> Result<Success, Failure> {
    let mut cli = args::Cli::command();
    // Built, so clap's own `help` subcommand (which the main page lists) has a page too.
    cli.build();
    let page = match command {
        None => cli,
        Some(name) => {
            let names: Vec<String> = cli.get_subcommands().map(|c| c.get_name().to_owned()).collect();
            let sub = cli.find_subcommand(name).cloned().ok_or_else(|| {
                Failure::trouble(format!("no subcommand `{name}`; man pages exist for: {}", names.join(", ")))
            })?;
            sub.name(format!("kzrender-{name}")).bin_name(format!("kzrender {name}"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page).render(&mut out).map_err(Failure::trouble)?;
    Ok(Success { stdout: String::from_utf8_lossy(&out).into_owned(), warnings: Vec::new() })
}

fn finish(outcome: Result<Success, Failure>) -> ExitCode {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    match outcome {
        Ok(Success { stdout, warnings }) => {
            for w in &warnings {
                let _ = writeln!(err, "{w}");
            }
            write_stdout(&stdout, &mut err).unwrap_or(ExitCode::SUCCESS)
        }
        Err(failure) => {
            let code = ExitCode::from(failure.exit_code());
            match failure {
                Failure::Invalid { subject, diags, nothing } => {
                    let _ = writeln!(err, "{}", headline(&subject, &diags, nothing));
                    let (listed, more) = capped(&diags);
                    for d in listed {
                        let _ = writeln!(err, "{d}");
                    }
                    if more > 0 {
                        let _ = writeln!(err, "... and {more} more");
                    }
                    code
                }
                Failure::Found { report, problems, .. } => {
                    let _ = err.write_all(problems.as_bytes());
                    write_stdout(&report, &mut err).unwrap_or(code)
                }
                Failure::Trouble(msg) => {
                    let _ = writeln!(err, "kzrender: {}", diag::one_line(&msg.message));
                    code
                }
            }
        }
    }
}

/// Writes the output in one piece; `Some(2)` when it could not be written (a full disk or a
/// closed stdout must not pass for a verdict), `None` when it was, or when the reader closed the
/// pipe (`kzrender render | head` is the reader's choice).
///
/// It writes through its own copy of file descriptor 1: Rust's `Stdout` treats a closed or
/// read-only stdout (EBADF) as success, and then ArgoCD would see empty output and exit 0.
fn write_stdout(text: &str, err: &mut impl Write) -> Option<ExitCode> {
    use std::os::fd::AsFd;
    if text.is_empty() {
        return None;
    }
    let written = std::io::stdout()
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|mut out| out.write_all(text.as_bytes()).and_then(|()| out.flush()));
    match written {
        Ok(()) => None,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => None,
        Err(e) => {
            let _ = writeln!(err, "kzrender: cannot write output: {e}");
            Some(ExitCode::from(2))
        }
    }
}

/// The first stderr line: short, naming the count and the first problem's key and message,
/// because ArgoCD shows stderr behind a long prefix. The located lines follow it.
fn headline(subject: &str, diags: &[Diagnostic], nothing: &str) -> String {
    let subject = diag::one_line(subject);
    let errors: Vec<&Diagnostic> = diags.iter().filter(|d| d.is_error()).collect();
    let Some(first) = errors.first() else {
        return format!("kzrender: {subject}: failed");
    };
    let count = match errors.len() {
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    };
    // Short, as ArgoCD shows it behind a long prefix: a very long key is cut.
    let key = match shortened(&first.key, 60) {
        key if key.is_empty() => key,
        key => format!("{key}: "),
    };
    format!("kzrender: {subject}: {count}, nothing {nothing}; first: {key}{}", shortened(&first.message, 200))
}

/// At most this many problems are listed per cluster; a count stands for the rest.
pub const MAX_LISTED: usize = 100;

/// The problems to list, and how many more there are.
pub fn capped(diags: &[Diagnostic]) -> (&[Diagnostic], usize) {
    let listed = diags.len().min(MAX_LISTED);
    (&diags[..listed], diags.len() - listed)
}

/// Text on one line, cut at `max` characters.
fn shortened(text: &str, max: usize) -> String {
    let text = diag::one_line(text);
    match text.char_indices().nth(max) {
        None => text,
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// The catalog a command uses: `--kubezero DIR` or the embedded one, read once per process.
pub fn catalog(args: &args::CatalogArgs) -> Result<&'static Catalog, Failure> {
    static FORK: OnceLock<Result<Catalog, Vec<Diagnostic>>> = OnceLock::new();
    let invalid = |diags: &Vec<Diagnostic>| Failure::invalid("catalog", diags.clone());
    match &args.kubezero {
        None => Catalog::embedded().map_err(|d| invalid(&d)),
        Some(dir) => FORK.get_or_init(|| Catalog::from_dir(dir)).as_ref().map_err(invalid),
    }
}

/// A path that is not a cluster directory is a usage problem (exit 2), not an invalid cluster.
pub fn require_cluster_dir(dir: &std::path::Path) -> Result<(), Failure> {
    let file = kzrender::load::CLUSTER_FILE;
    if dir.is_file() {
        let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
        let hint = match parent.join(file).is_file() {
            true => format!("; did you mean its cluster directory `{}`?", parent.display()),
            false => String::new(),
        };
        return Err(Failure::trouble(format!("{}: is a file, not a cluster directory{hint}", dir.display())));
    }
    if !dir.is_dir() {
        return Err(Failure::trouble(format!("{}: no such directory", dir.display())));
    }
    if !dir.join(file).is_file() {
        // The clusters below, if any: the user is most likely above the one they meant.
        let below = kzrender::fleet::find_clusters(&[dir.to_path_buf()]).dirs;
        let hint = match below.len() {
            0 => String::new(),
            n => {
                let shown: Vec<String> = below.iter().take(3).map(|d| d.display().to_string()).collect();
                let more = if n > 3 { format!(" and {} more", n - 3) } else { String::new() };
                format!("; cluster directories below it: {}{more}", shown.join(", "))
            }
        };
        return Err(Failure::trouble(format!("{}: not a cluster directory (it has no {file}){hint}", dir.display())));
    }
    Ok(())
}

/// When SIGTERM, SIGINT or SIGHUP (a closed terminal or SSH session) arrives: stops the helm
/// runs under way, removes `scratch`, and ends the process with 128 + the signal, as a shell
/// reports it. Without this a helm child would outlive the CI job that started it.
pub fn end_on_signal(scratch: Option<std::path::PathBuf>) {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP]) else { return };
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            kzrender::process::end_children();
            if let Some(dir) = &scratch {
                let _ = std::fs::remove_dir_all(dir);
            }
            std::process::exit(128 + signal);
        }
    });
}

/// The Helm `--charts` needs, when given.
pub fn helm(args: &args::ChartArgs) -> Result<Option<kzrender::deep::Helm>, Failure> {
    match &args.charts {
        None => Ok(None),
        Some(dir) if !dir.is_dir() => {
            let why = std::fs::metadata(dir).err().map_or("not a directory".to_owned(), |e| e.to_string());
            Err(Failure::trouble(format!(
                "--charts {}: {why}; pass a checkout of the KubeZero repository",
                dir.display()
            )))
        }
        Some(_) => {
            let timeout = std::time::Duration::from_secs_f64(args.helm_timeout);
            kzrender::deep::Helm::find(&args.helm, timeout).map(Some).map_err(Failure::Trouble)
        }
    }
}

/// The official schemas of every `--schema-dir`, or none.
pub fn official_schemas(args: &args::SchemaArgs) -> Result<kzrender::schema::official::SchemaSet, Failure> {
    kzrender::schema::official::SchemaSet::load(&args.dirs, &args.locations, args.ignore_missing_schemas)
        .map_err(|d| Failure::invalid("--schema-dir/--schema-location", d))
}
