//! A YAML syntax error, located where the user looks.

use saphyr_parser::ScanError;

use super::{Builder, Frame};
use crate::diag::{Diagnostic, Kind};
use crate::value::Origin;

/// The parser's error, located where the mistake is: an unclosed `{` or `[` (found only where
/// the file ends) at its bracket, a tab (reported past itself) at the tab.
pub(super) fn error(b: &Builder<'_>, e: &ScanError) -> Diagnostic {
    let m = e.marker();
    let text = &b.src.text;
    // Inside a `{...}` or `[...]`: an unclosed one is found only where the file ends, so the
    // error is put at its bracket; elsewhere it is named beside the parser's place.
    let open = ["flow mapping", "flow sequence"].into_iter().find(|f| e.info().contains(f)).zip(innermost(b));
    let mut msg = format!("YAML syntax error: {}", e.info());
    if let Some((flow, open)) = open {
        let bracket = if flow == "flow mapping" { "{" } else { "[" };
        if m.line() > text.lines().count() {
            let msg = format!("YAML syntax error: the `{bracket}` here is never closed ({})", e.info());
            return Diagnostic::new(Kind::Syntax, Some(open), "", msg);
        }
        if let Some((line, col)) = open.position() {
            msg.push_str(&format!(" (in the `{bracket}` opened at {line}:{col})"));
        }
    }
    let line = text.lines().nth(m.line().saturating_sub(1)).unwrap_or_default();
    let col = match m.col().checked_sub(1).and_then(|c| line.chars().nth(c)) {
        Some('\t') => m.col() - 1,
        _ => m.col(),
    };
    Diagnostic::new(Kind::Syntax, Some(b.origin_at(m.line(), col)), "", msg)
}

/// Where the innermost open map or list starts.
fn innermost(b: &Builder<'_>) -> Option<Origin> {
    b.stack.last().map(|f| match f {
        Frame::Seq { origin, .. } | Frame::Map { origin, .. } => origin.clone(),
    })
}
