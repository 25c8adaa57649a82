//! Diagnostics: the one shape in which every stage reports a problem in the user's input.
//!
//! Stages collect them instead of stopping at the first, so a user sees every mistake of a
//! cluster in one run. Every diagnostic has a [`Kind`]; its severity and the process exit code
//! follow from the kind alone ([`Kind::severity`], [`exit_code`]), so no later code has to
//! recognise a problem by its message. The CLI prints them as
//! `error: <file>:<line>:<col>: <key>: <message>`.

use std::fmt;

use crate::value::Origin;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The input is wrong, or kzrender could not do its job; nothing is printed on stdout.
    Error,
    /// The input is suspicious but renders.
    Warning,
}

/// What kind of problem a diagnostic reports. Named after the cause, per stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    // kzrender could not do its job (exit 2).
    /// A file or directory could not be read or written (I/O, permissions, a missing path).
    Io,
    /// A tool kzrender runs (git, helm) failed or is missing.
    Tool,

    // Reading (exit 1).
    /// Not valid YAML or JSON.
    Syntax,
    /// Not UTF-8 text.
    Encoding,
    /// Beyond an input limit: size, nesting, node count, alias expansion.
    Limit,
    /// A key given twice in one map.
    DuplicateKey,
    /// A file or value of the wrong overall shape (not a map, several documents, a bad tag).
    Shape,
    /// A path or symlink that leads outside the repository checkout.
    Outside,
    /// A CloudBender file that is not in either CloudBender format.
    CloudBender,
    /// Two CloudBender files that disagree on a value.
    Conflict,
    /// An ArgoCD parameter or environment value kzrender cannot use.
    Parameter,
    /// A `--set`-style assignment that does not parse.
    Assignment,

    // Values and documents (exit 1).
    /// A required key is missing.
    Required,
    /// A key the schema does not know.
    UnknownKey,
    /// A value the schema does not allow.
    Invalid,
    /// A document kind for which no schema was found.
    MissingSchema,
    /// A resource of a group/version the cluster's Kubernetes version does not serve.
    Unserved,
    /// A catalog rule the cluster breaks: channel, platform, a required component or setting,
    /// the Kubernetes range.
    Unsupported,
    /// The KubeZero catalog itself is broken (a `--kubezero` fork, or a bug).
    Catalog,
    /// A catalog template failed.
    Template,
    /// `helm template` failed on a chart.
    Helm,

    // Warnings.
    /// A scalar YAML 1.1 and YAML 1.2 readers read differently.
    Ambiguous,
    /// A CloudBender output replaces a different value the operator wrote.
    Overridden,
    /// A key accepted and ignored (e.g. 2020's `argo-cd:` block).
    Ignored,
    /// Something falls back to a default the operator may not expect.
    Defaulted,
    /// A secret ends up where more people can read it than the operator may expect.
    Exposed,
    /// A value no chart reads.
    Unused,
    /// A key a chart renders twice in one map: the last value is kept, as ArgoCD reads it.
    Repeated,
}

impl Kind {
    /// The severity every diagnostic of this kind has.
    pub fn severity(self) -> Severity {
        match self {
            Kind::Ambiguous
            | Kind::Overridden
            | Kind::Ignored
            | Kind::Defaulted
            | Kind::Exposed
            | Kind::Unused
            | Kind::Repeated => Severity::Warning,
            _ => Severity::Error,
        }
    }

    /// The process exit code a failure of this kind leads to (the README's table): 2 when
    /// kzrender could not do its job, 1 when the input is wrong, 0 for a warning.
    pub fn exit_code(self) -> u8 {
        match (self, self.severity()) {
            (_, Severity::Warning) => 0,
            (Kind::Io | Kind::Tool, _) => 2,
            _ => 1,
        }
    }
}

/// The exit code of a run that ends with these diagnostics: the worst of their kinds.
pub fn exit_code<'d>(diags: impl IntoIterator<Item = &'d Diagnostic>) -> u8 {
    diags.into_iter().map(|d| d.kind.exit_code()).max().unwrap_or(0)
}

/// One problem, located in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What kind of problem it is; decides severity and exit code.
    pub kind: Kind,
    /// Where the offending value (or the file, without a line) is.
    pub origin: Option<Origin>,
    /// The dotted key the problem is about; empty when it is about a whole file.
    pub key: String,
    /// What is wrong and, where possible, what to do.
    pub message: String,
    /// Source lines that show the problem (a template line with a caret under the error).
    pub excerpt: Option<String>,
}

impl Diagnostic {
    /// A diagnostic of `kind` at an origin.
    pub fn new(kind: Kind, origin: Option<Origin>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { kind, origin, key: key.into(), message: message.into(), excerpt: None }
    }

    /// The same diagnostic with an excerpt of the source below it.
    pub fn with_excerpt(mut self, excerpt: impl Into<String>) -> Self {
        self.excerpt = Some(excerpt.into());
        self
    }

    /// Error or warning, from the kind.
    pub fn severity(&self) -> Severity {
        self.kind.severity()
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// Sort key: errors first, then by place, key and message, so reports are stable.
    fn sort_key(&self) -> (Severity, Option<&Origin>, &str, &str) {
        (self.severity(), self.origin.as_ref(), &self.key, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.severity() {
            Severity::Error => "error: ",
            Severity::Warning => "warning: ",
        })?;
        if let Some(origin) = &self.origin {
            write!(f, "{}: ", one_line(&origin.to_string()))?;
        }
        // One line per problem, whatever a path, a key or a quoted value holds.
        if !self.key.is_empty() {
            write!(f, "{}: ", one_line(&self.key))?;
        }
        f.write_str(&one_line(&self.message))?;
        for line in self.excerpt.iter().flat_map(|e| e.lines()) {
            write!(f, "\n  | {}", one_line(line))?;
        }
        Ok(())
    }
}

/// Text with its line breaks and other control characters escaped, so a diagnostic stays on
/// one line and no input can forge a line or carry a terminal escape into a terminal or CI log.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            // Line and paragraph separators break lines too; U+FFFE and U+FFFF are no XML 1.0.
            c if c.is_control() || reorders(c) || matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}') => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// A library error that is about no one place of the input (a tool that failed, a catalog
/// rule that cannot be read, a flag that does not parse): its kind decides the exit code, as a
/// diagnostic's does, and its message says what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    /// What kind of problem it is.
    pub kind: Kind,
    /// What went wrong, and what to do.
    pub message: String,
}

impl Error {
    /// An error of `kind`.
    pub fn new(kind: Kind, message: impl Into<String>) -> Error {
        Error { kind, message: message.into() }
    }
}

/// Unicode's bidirectional controls (marks, embeddings, overrides, isolates): printed raw they
/// reorder the rest of a terminal line, so a key could make a line read as something else.
pub fn reorders(c: char) -> bool {
    matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Sorts diagnostics (errors first, then by place) and drops exact repeats.
pub fn tidy(diags: &mut Vec<Diagnostic>) {
    diags.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diags.dedup();
}

/// Whether any diagnostic is an error.
pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(Diagnostic::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stay_on_one_line_without_control_characters() {
        assert_eq!(one_line("a\nb\r\x1b[31mred\u{2028}"), "a\\nb\\r\\u{1b}[31mred\\u{2028}");
        // Bidi overrides and isolates would reorder what follows them on a terminal line.
        assert_eq!(one_line("key\u{202e}txt.exe\u{2066}x\u{2069}"), "key\\u{202e}txt.exe\\u{2066}x\\u{2069}");
        assert_eq!(one_line("k\u{ffff}\u{fffe}"), "k\\u{ffff}\\u{fffe}", "characters XML 1.0 forbids");
    }

    #[test]
    fn the_exit_code_is_the_worst_kind() {
        let d = |kind| Diagnostic::new(kind, None, "", "");
        assert_eq!(exit_code(&[d(Kind::Ambiguous)]), 0);
        assert_eq!(exit_code(&[d(Kind::Ambiguous), d(Kind::Invalid)]), 1);
        assert_eq!(exit_code(&[d(Kind::Invalid), d(Kind::Io), d(Kind::Syntax)]), 2);
        assert_eq!(exit_code(&[]), 0);
    }

    #[test]
    fn an_excerpt_follows_its_error_line_indented() {
        let d = Diagnostic::new(Kind::Template, None, "calico", "undefined value `mtuu`")
            .with_excerpt("mtu: {{ self.mtuu }}\n            ^^^^^^^^^");
        assert_eq!(
            d.to_string(),
            "error: calico: undefined value `mtuu`\n  | mtu: {{ self.mtuu }}\n  |             ^^^^^^^^^"
        );
    }
}
