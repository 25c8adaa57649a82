//! `pattern` and `patternProperties` regexes, compiled on first use: the plain ones schemas are
//! made of by [`bits`], the rest by `regex_lite`, shared per process (the same pattern recurs
//! across components, most never meet a value, and compiling is the expensive part).

mod bits;

use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex_lite::Regex;

use bits::Bits;

/// A regex as written in a schema, with the schema's message for a value that does not match.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The regular expression as written.
    pub source: String,
    /// The message for a value that does not match (`x-message`).
    pub message: Option<String>,
    compiled: OnceLock<Matcher>,
}

/// A compiled pattern.
#[derive(Clone, Debug)]
enum Matcher {
    /// In the subset [`bits`] reads.
    Bits(Bits),
    /// Anything else, or an invalid pattern.
    Regex(Result<Regex, String>),
}

impl Pattern {
    /// A pattern, not yet compiled.
    pub fn new(source: &str, message: Option<&str>) -> Pattern {
        Pattern { source: source.to_owned(), message: message.map(str::to_owned), compiled: OnceLock::new() }
    }

    /// Whether `text` matches anywhere (JSON Schema patterns are not anchored); `Err` when the
    /// pattern itself is not a valid regular expression.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        let matcher = self.compiled.get_or_init(|| match Bits::new(&self.source) {
            Some(bits) => Matcher::Bits(bits),
            None => Matcher::Regex(intern(&self.source)),
        });
        match matcher {
            Matcher::Bits(bits) => Ok(bits.is_match(text)),
            Matcher::Regex(re) => re.as_ref().map(|re| re.is_match(text)).map_err(Clone::clone),
        }
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
