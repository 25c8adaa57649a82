//! Texts kzrender produced itself, read once: the clusters of a fleet often render a catalog
//! template to the very same text, and reading YAML is the dearest step left per cluster.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError};

use super::{parse_stream, Source};
use crate::diag::Diagnostic;
use crate::value::Node;

/// Most text kept, in bytes: the trees kept with it are a few times larger.
const MAX_KEPT_BYTES: usize = 1 << 20;
/// Most texts remembered as seen once.
const MAX_SEEN: usize = 1 << 16;

/// Parsed texts by name and text, shared by the threads of a fleet.
#[derive(Debug, Default)]
pub struct Memo {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    hasher: RandomState,
    /// Texts read once (by hash): a text is kept from its second reading on, so a single
    /// render keeps nothing.
    seen: HashSet<u64>,
    kept: HashMap<Arc<str>, HashMap<String, Arc<Vec<Node>>>>,
    bytes: usize,
}

impl Memo {
    /// What [`parse_stream`] reads from `src`, warnings aside (they are for what users write).
    pub fn parse_stream(&self, src: &Source) -> Result<Vec<Node>, Diagnostic> {
        let kept = {
            let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.kept.get(&src.name).and_then(|texts| texts.get(&src.text)).map(Arc::clone)
        };
        if let Some(docs) = kept {
            return Ok(docs.as_ref().clone());
        }
        let docs = parse_stream(src, &mut Vec::new())?;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let key = state.hasher.hash_one((&src.name, &src.text));
        let again = state.seen.contains(&key);
        if !again && state.seen.len() < MAX_SEEN {
            state.seen.insert(key);
        }
        if again && state.bytes + src.text.len() <= MAX_KEPT_BYTES {
            state.bytes += src.text.len();
            let texts = state.kept.entry(Arc::clone(&src.name)).or_default();
            texts.insert(src.text.clone(), Arc::new(docs.clone()));
        }
        Ok(docs)
    }

    /// How many texts are kept.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.state.lock().unwrap().kept.values().map(HashMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(name: &str, text: &str) -> Source {
        Source { name: Arc::from(name), text: text.to_owned() }
    }

    #[test]
    fn a_text_read_again_is_kept_and_gives_what_reading_it_gives() {
        let memo = Memo::default();
        let a = src("t.j2", "a: 1\nb: [x, {c: true}]\n");
        let read = parse_stream(&a, &mut Vec::new()).unwrap();
        assert_eq!(memo.parse_stream(&a).unwrap(), read);
        assert_eq!(memo.kept(), 0, "a single reading keeps nothing");
        assert_eq!(memo.parse_stream(&a).unwrap(), read);
        assert_eq!(memo.kept(), 1);
        assert_eq!(memo.parse_stream(&a).unwrap(), read, "served from what was kept, positions included");
        // The same text under another name is another text: positions name the file.
        let b = src("u.j2", &a.text);
        let from_b = memo.parse_stream(&b).unwrap();
        assert_eq!(from_b[0].origin.file_name(), Some("u.j2"));
    }

    #[test]
    fn what_does_not_read_is_an_error_every_time_and_never_kept() {
        let memo = Memo::default();
        let bad = src("t.j2", "a: [1\n");
        for _ in 0..3 {
            assert!(memo.parse_stream(&bad).is_err());
        }
        assert_eq!(memo.kept(), 0);
    }

    #[test]
    fn the_texts_kept_stay_under_the_limit() {
        let memo = Memo::default();
        let big = src("t.j2", &format!("a: {}\n", "x".repeat(MAX_KEPT_BYTES)));
        memo.parse_stream(&big).unwrap();
        memo.parse_stream(&big).unwrap();
        assert_eq!(memo.kept(), 0, "a text beyond the limit is read every time");
    }
}
