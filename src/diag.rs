//! Diagnostics: the one shape in which every stage reports a problem in the user's input.
//!
//! Stages collect them instead of stopping at the first, so a user sees every mistake of a
//! cluster in one run. The CLI prints them as `error: <file>:<line>:<col>: <key>: <message>`.

use std::fmt;

use crate::value::Origin;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The input is wrong; nothing is printed on stdout.
    Error,
    /// The input is suspicious but renders.
    Warning,
}

/// One problem, located in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where the offending value (or the file, with line 0) is.
    pub origin: Option<Origin>,
    /// The dotted key the problem is about; empty when it is about a whole file.
    pub key: String,
    /// What is wrong and, where possible, what to do.
    pub message: String,
}

impl Diagnostic {
    /// An error at an origin.
    pub fn error(origin: Option<Origin>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, origin, key: key.into(), message: message.into() }
    }

    /// A warning at an origin.
    pub fn warning(origin: Option<Origin>, key: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, origin, key: key.into(), message: message.into() }
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Sort key: by file, then position, then key, so reports are stable.
    fn sort_key(&self) -> (Severity, Option<&Origin>, &str, &str) {
        (self.severity, self.origin.as_ref(), &self.key, &self.message)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.severity {
            Severity::Error => "error: ",
            Severity::Warning => "warning: ",
        })?;
        if let Some(origin) = &self.origin {
            write!(f, "{origin}: ")?;
        }
        // One line per problem, whatever a key or a quoted value holds.
        if !self.key.is_empty() {
            write!(f, "{}: ", one_line(&self.key))?;
        }
        f.write_str(&one_line(&self.message))
    }
}

/// Text with its line breaks escaped, so a diagnostic stays on one line.
/// Other control characters are escaped too: a value could otherwise carry terminal escape
/// sequences into a user's terminal or a CI log.
pub fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
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
        assert_eq!(one_line("a\nb\r\x1b[31mred"), "a\\nb\\r\\u{1b}[31mred");
    }
}
