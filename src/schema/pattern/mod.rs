//! `pattern` and `patternProperties` regexes, compiled on first use and shared per process:
//! the same pattern (an IAM role ARN, a DNS label) recurs across components, most never meet a
//! value, and compiling is the expensive part.

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex_lite::Regex;

/// A regex as written in a schema, with the schema's message for a value that does not match.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The regular expression as written.
    pub source: String,
    /// The message for a value that does not match (`x-message`).
    pub message: Option<String>,
    compiled: OnceLock<Result<Regex, String>>,
}

impl Pattern {
    /// A pattern, not yet compiled.
    pub fn new(source: &str, message: Option<&str>) -> Pattern {
        Pattern { source: source.to_owned(), message: message.map(str::to_owned), compiled: OnceLock::new() }
    }

    /// Whether `text` matches anywhere (JSON Schema patterns are not anchored); `Err` when the
    /// pattern itself is not a valid regular expression.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        let re = self.compiled.get_or_init(|| intern(&self.source));
        re.as_ref().map(|re| re.is_match(text)).map_err(Clone::clone)
    }
}

fn intern(source: &str) -> Result<Regex, String> {
    static CACHE: Mutex<BTreeMap<String, Result<Regex, String>>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    cache
        .entry(source.to_owned())
        .or_insert_with(|| Regex::new(source).map_err(|e| format!("invalid pattern `{source}`: {e}")))
        .clone()
}
