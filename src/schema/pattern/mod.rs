//! `pattern` and `patternProperties` regexes, compiled on first use: the plain ones schemas are
//! made of by [`bits`], the rest by `regex_lite`, shared per process (the same pattern recurs
//! across components, most never meet a value, and compiling is the expensive part).

mod bits;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Mutex, OnceLock, PoisonError};

use regex_lite::Regex;

use bits::Bits;

/// A regex as written in a schema, with the schema's message for a value that does not match.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// The regular expression as written.
    pub source: Cow<'static, str>,
    /// The message for a value that does not match (`x-message`).
    pub message: Option<Cow<'static, str>>,
    compiled: OnceLock<&'static Matcher>,
}

/// A compiled pattern.
#[derive(Debug)]
enum Matcher {
    /// In the subset [`bits`] reads.
    Bits(Bits),
    /// Anything else, or an invalid pattern.
    Regex(Result<Regex, String>),
}

impl Pattern {
    /// A pattern, not yet compiled.
    pub fn new(source: Cow<'static, str>, message: Option<Cow<'static, str>>) -> Pattern {
        Pattern { source, message, compiled: OnceLock::new() }
    }

    /// Whether `text` matches anywhere (JSON Schema patterns are not anchored); `Err` when the
    /// pattern itself is not a valid regular expression.
    pub fn is_match(&self, text: &str) -> Result<bool, String> {
        match *self.compiled.get_or_init(|| intern(&self.source)) {
            Matcher::Bits(bits) => Ok(bits.is_match(text)),
            Matcher::Regex(re) => re.as_ref().map(|re| re.is_match(text)).map_err(Clone::clone),
        }
    }
}

/// The matcher of `source`, compiled once per process: a catalog's patterns are few and recur
/// across its schemas (a DNS label in most components), and the process keeps its catalog to
/// the end, so the matchers are kept as long.
fn intern(source: &str) -> &'static Matcher {
    static CACHE: Mutex<BTreeMap<String, &'static Matcher>> = Mutex::new(BTreeMap::new());
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(matcher) = cache.get(source) {
        return matcher;
    }
    let matcher = match Bits::new(source) {
        Some(bits) => Matcher::Bits(bits),
        None => Matcher::Regex(Regex::new(source).map_err(|e| format!("invalid pattern `{source}`: {e}"))),
    };
    let matcher: &'static Matcher = Box::leak(Box::new(matcher));
    cache.insert(source.to_owned(), matcher);
    matcher
}
