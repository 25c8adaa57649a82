//! A small builder for running the binary: `Test::new().args([...]).run().success()`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The repository root (fixtures are addressed relative to it).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// One invocation of the binary.
pub struct Test {
    cmd: Command,
    stdin: Option<String>,
}

/// What an invocation produced.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kzrender"));
        cmd.current_dir(root());
        // Tests decide colour themselves; a developer's NO_COLOR must not change snapshots.
        cmd.env_remove("NO_COLOR");
        // The ArgoCD environment must never leak in from the machine running the tests.
        for (k, _) in std::env::vars() {
            if k.starts_with("ARGOCD_") || k.starts_with("PARAM_") || k == "KUBE_VERSION" {
                cmd.env_remove(k);
            }
        }
        Test { cmd, stdin: None }
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<std::ffi::OsStr>>(mut self, args: I) -> Self {
        self.cmd.args(args);
        self
    }

    pub fn arg_path(mut self, p: impl AsRef<Path>) -> Self {
        self.cmd.arg(p.as_ref());
        self
    }

    #[allow(dead_code)]
    pub fn stdin(mut self, s: &str) -> Self {
        self.stdin = Some(s.to_owned());
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.cmd.env(key, value);
        self
    }

    pub fn run(mut self) -> Outcome {
        use std::io::Write;
        self.cmd.stdin(if self.stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("kzrender runs");
        if let Some(input) = self.stdin.take() {
            // A run that does not read its stdin may be over before this is written.
            if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
                assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing kzrender's stdin: {e}");
            }
        }
        let out = child.wait_with_output().expect("kzrender finishes");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        }
    }
}

impl Outcome {
    /// Exit 0; returns stdout.
    #[track_caller]
    pub fn success(self) -> Outcome {
        assert_eq!(self.code, 0, "expected success\nstderr:\n{}", self.stderr);
        self
    }

    /// The given non-zero exit with nothing on stdout (ArgoCD would prune on empty success).
    #[track_caller]
    pub fn failure(self, code: i32) -> Outcome {
        assert_eq!(self.code, code, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        assert_eq!(self.stdout, "", "a failure must print nothing on stdout");
        self
    }
}

/// Parses a YAML stream the way the tests read kzrender's output.
pub fn documents(yaml: &str) -> Vec<serde_json::Value> {
    kzrender::yaml::parse_documents(yaml, "output").expect("output is valid YAML")
}

/// The Helm values of an Application document, parsed.
pub fn helm_values(app: &serde_json::Value) -> serde_json::Value {
    documents(app["spec"]["source"]["helm"]["values"].as_str().expect("the Application has helm.values")).remove(0)
}

/// Copies a directory tree the way a repository checkout lays it out: files 0644, dirs 0755.
pub fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

/// A recorded invocation: `fixtures/<group>/<case>/cmd` holds the command line (`kzrender ...`),
/// optionally preceded by `env NAME=VALUE` and `cwd DIR` lines; `#` lines are comments. Words
/// are split on spaces; `'...'` quotes a word with spaces.
pub struct Case {
    pub command: String,
    args: Vec<String>,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
}

impl Case {
    pub fn read(path: &Path) -> Case {
        let text = std::fs::read_to_string(path).unwrap();
        let mut case = Case { command: String::new(), args: Vec::new(), env: Vec::new(), cwd: None };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            if let Some(kv) = line.strip_prefix("env ") {
                let (k, v) = kv.split_once('=').expect("env NAME=VALUE");
                case.env.push((k.to_owned(), v.to_owned()));
            } else if let Some(dir) = line.strip_prefix("cwd ") {
                case.cwd = Some(root().join(dir));
            } else {
                let rest = line.strip_prefix("kzrender ").expect("the command starts with `kzrender `");
                case.command = line.to_owned();
                case.args = words(rest);
            }
        }
        assert!(!case.command.is_empty(), "{}: no command", path.display());
        case
    }

    pub fn run(&self) -> Outcome {
        let mut test = Test::new().args(&self.args);
        for (k, v) in &self.env {
            test = test.env(k, v);
        }
        if let Some(dir) = &self.cwd {
            test = test.current_dir(dir);
        }
        test.run()
    }
}

fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => quoted = !quoted,
            ' ' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

impl Outcome {
    /// Everything a user sees, for a snapshot.
    pub fn transcript(&self, command: &str) -> String {
        format!("$ {command}\nexit: {}\n--- stdout\n{}--- stderr\n{}", self.code, self.stdout, self.stderr)
    }
}

/// A test oracle `scripts/fetch-tools.sh` installs. Without it the whole run stops at once with
/// one line saying what to do, instead of a panic in every test that needs it.
pub fn tool(path: PathBuf) -> PathBuf {
    if !path.exists() {
        eprintln!(
            "\nerror: {} is missing: the tests compare kzrender with real tools; run scripts/fetch-tools.sh \
             (scripts/test.sh, the README's test command, runs it first)\n",
            path.display()
        );
        std::process::exit(2);
    }
    path
}

/// The helm binary: `$HELM` (a helm already installed, e.g. on macOS), or the one
/// `scripts/fetch-tools.sh` installs.
pub fn helm() -> PathBuf {
    let given = std::env::var_os("HELM").filter(|h| !h.is_empty());
    tool(given.map(PathBuf::from).unwrap_or_else(|| root().join(".cache/tools/helm")))
}

/// A program of the Python virtualenv `scripts/fetch-tools.sh` installs (`python`, `pre-commit`).
pub fn venv(program: &str) -> PathBuf {
    tool(root().join(".cache/tools/venv/bin").join(program))
}

/// kubernetes-validate's strict schemas for Kubernetes 1.30 (kubeconform's file layout, with
/// references to `/api/_definitions.json#/$defs/...`).
pub fn kubernetes() -> PathBuf {
    let lib = tool(root().join(".cache/tools/venv/lib"));
    let python = std::fs::read_dir(&lib)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with("python3"))
        .expect("a python3 site");
    tool(python.join("site-packages/kubernetes_validate/kubernetes-json-schema/v1.30.0-local-strict"))
}
