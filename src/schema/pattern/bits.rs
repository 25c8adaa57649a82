//! A matcher for the patterns schemas are written with: validation names a DNS label, a domain,
//! an IAM role ARN — short, mostly anchored, a few dozen characters of pattern — and a render
//! checks a few dozen values, each against a pattern of its own. Compiling each for a general
//! engine (and its PikeVM's per-character bookkeeping) was a sixth of a render's instructions.
//!
//! This reads the plain subset of the syntax — literals, escapes, `.`, classes, groups,
//! alternation, `?` `*` `+` `{n}` `{n,}` `{n,m}`, a leading `^` and a trailing `$` — into a
//! position automaton (Glushkov's construction: one state per character position of the
//! pattern, no empty transitions) of at most 64 states, and runs it with the set of live states
//! as one `u64`. Anything else, or anything bigger, is left to `regex_lite` (see `mod.rs`), and
//! so is every pattern it would reject: this accepts nothing `regex_lite` does not, and means
//! by each construct what `regex_lite` means (classes such as `\d` and `\s` are ASCII, `.` is
//! any character but a newline). The tests check both against `regex_lite` on generated
//! patterns and values.

/// A compiled pattern.
#[derive(Clone, Debug)]
pub struct Bits {
    /// What each position (state) consumes.
    classes: Vec<Class>,
    /// The ranges of every class, each class a slice of them.
    ranges: Vec<(char, char)>,
    /// The positions that may follow each position.
    follow: Vec<u64>,
    /// The positions a match may start with.
    first: u64,
    /// The positions a match may end with.
    last: u64,
    /// Whether the empty text matches the pattern.
    nullable: bool,
    /// A leading `^`: matches start at the start of the text.
    start: bool,
    /// A trailing `$`: matches end at the end of the text.
    end: bool,
}

/// A set of characters: `ranges[from..to]`, or everything but them.
#[derive(Clone, Copy, Debug)]
struct Class {
    from: u16,
    to: u16,
    negated: bool,
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const SPACE: &[(char, char)] = &[('\t', '\r'), (' ', ' ')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];
const NEWLINE: &[(char, char)] = &[('\n', '\n')];

/// Most positions a compiled pattern may have: the live set is one `u64`.
const MAX_POSITIONS: usize = 64;

impl Bits {
    /// The pattern compiled, or `None` when it is outside the subset (then `regex_lite` runs it).
    pub fn new(pattern: &str) -> Option<Bits> {
        let start = pattern.starts_with('^');
        // Sized once: a pattern has about a position per character, repetitions aside.
        let positions = pattern.len().min(MAX_POSITIONS);
        let mut bits = Bits {
            classes: Vec::with_capacity(positions),
            ranges: Vec::with_capacity(pattern.len()),
            follow: Vec::with_capacity(positions),
            first: 0,
            last: 0,
            nullable: false,
            start,
            end: false,
        };
        let mut r = Reader { src: pattern, at: usize::from(start), bits: &mut bits, alternated: false, budget: 4096 };
        let whole = r.alternation(0)?;
        let (done, alternated) = (r.at == pattern.len(), r.alternated);
        // `^a|b` anchors only its first branch: left to regex_lite.
        if !done || ((bits.start || bits.end) && alternated) {
            return None;
        }
        (bits.first, bits.last, bits.nullable) = (whole.first, whole.last, whole.nullable);
        // Fewer positions than characters, as a rule (a class is one): give back the rest.
        bits.classes.shrink_to_fit();
        bits.ranges.shrink_to_fit();
        bits.follow.shrink_to_fit();
        Some(bits)
    }

    /// Whether the pattern matches anywhere in `text` (JSON Schema patterns are not anchored
    /// unless they say so).
    pub fn is_match(&self, text: &str) -> bool {
        if self.nullable && (!self.end || (!self.start || text.is_empty())) {
            return true;
        }
        let mut live = 0u64;
        for (i, c) in text.chars().enumerate() {
            let mut next = if i == 0 || !self.start { self.first } else { 0 };
            for p in positions(live) {
                next |= self.follow[p];
            }
            live = 0;
            for p in positions(next) {
                let class = self.classes[p];
                let ranges = &self.ranges[usize::from(class.from)..usize::from(class.to)];
                if ranges.iter().any(|(lo, hi)| *lo <= c && c <= *hi) != class.negated {
                    live |= 1 << p;
                }
            }
            if !self.end && live & self.last != 0 {
                return true;
            }
            if live == 0 && self.start {
                return false;
            }
        }
        self.end && live & self.last != 0
    }

    /// `a` followed by `b`.
    fn then(&mut self, a: Frag, b: Frag) -> Frag {
        for p in positions(a.last) {
            self.follow[p] |= b.first;
        }
        Frag {
            first: a.first | if a.nullable { b.first } else { 0 },
            last: b.last | if b.nullable { a.last } else { 0 },
            nullable: a.nullable && b.nullable,
        }
    }
}

/// The first and last positions of a part of the pattern, and whether it matches the empty text.
#[derive(Clone, Copy)]
struct Frag {
    first: u64,
    last: u64,
    nullable: bool,
}

/// What matches the empty text only.
const EMPTY: Frag = Frag { first: 0, last: 0, nullable: true };

/// The positions in a set, lowest first.
fn positions(mut set: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if set == 0 {
            return None;
        }
        let p = set.trailing_zeros() as usize;
        set &= set - 1;
        Some(p)
    })
}

/// A character or a named set of them, as an escape or a class item writes it.
enum Item {
    Char(char),
    Set(&'static [(char, char)], bool),
}

/// Reads the subset into positions as it goes; `None` for anything else. A repeated part is
/// read again for each copy (`a{2,4}` is `a a a? a?`, `a{2,}` is `a a a*`).
struct Reader<'a> {
    src: &'a str,
    at: usize,
    bits: &'a mut Bits,
    /// A `|` outside any group was read.
    alternated: bool,
    /// Parts left to read: repeating what has no positions adds none, and must not go on for
    /// long either (`((){9}){9}...`).
    budget: u32,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.at..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += c.len_utf8();
        Some(c)
    }

    fn alternation(&mut self, depth: usize) -> Option<Frag> {
        let mut whole = self.concatenation(depth)?;
        while self.peek() == Some('|') {
            self.at += 1;
            self.alternated |= depth == 0;
            let f = self.concatenation(depth)?;
            whole = Frag {
                first: whole.first | f.first,
                last: whole.last | f.last,
                nullable: whole.nullable || f.nullable,
            };
        }
        Some(whole)
    }

    fn concatenation(&mut self, depth: usize) -> Option<Frag> {
        let mut whole = EMPTY;
        loop {
            let start = self.at;
            match self.peek() {
                None | Some('|' | ')') => return Some(whole),
                Some('$') if depth == 0 && self.at + 1 == self.src.len() => {
                    self.at += 1;
                    self.bits.end = true;
                    return Some(whole);
                }
                _ => {}
            }
            let copy = self.atom(depth)?;
            let part = self.quantified(depth, start, copy)?;
            whole = self.bits.then(whole, part);
        }
    }

    /// One character, class or group.
    fn atom(&mut self, depth: usize) -> Option<Frag> {
        self.budget = self.budget.checked_sub(1)?;
        match self.next()? {
            '(' => {
                if self.peek() == Some('?') || depth == 32 {
                    return None;
                }
                let inner = self.alternation(depth + 1)?;
                (self.next()? == ')').then_some(inner)
            }
            '[' => self.class(),
            '.' => self.position(Item::Set(NEWLINE, true)),
            '\\' => {
                let item = self.escape(false)?;
                self.position(item)
            }
            // `^` and `$` elsewhere, quantifiers with nothing to repeat, stray brackets.
            '^' | '$' | '?' | '*' | '+' | '{' | '}' | ']' => None,
            c => self.position(Item::Char(c)),
        }
    }

    /// A new position consuming what `item` stands for.
    fn position(&mut self, item: Item) -> Option<Frag> {
        let from = self.bits.ranges.len();
        let negated = match item {
            Item::Char(c) => {
                self.bits.ranges.push((c, c));
                false
            }
            Item::Set(ranges, negated) => {
                self.bits.ranges.extend_from_slice(ranges);
                negated
            }
        };
        self.new_position(from, negated)
    }

    /// A new position consuming `ranges[from..]`, or everything but them.
    fn new_position(&mut self, from: usize, negated: bool) -> Option<Frag> {
        let p = self.bits.classes.len();
        if p == MAX_POSITIONS {
            return None;
        }
        let (from, to) = (u16::try_from(from).ok()?, u16::try_from(self.bits.ranges.len()).ok()?);
        self.bits.classes.push(Class { from, to, negated });
        self.bits.follow.push(0);
        Some(Frag { first: 1 << p, last: 1 << p, nullable: false })
    }

    /// The part read from `start` (its first copy `copy`) with the quantifier that follows it.
    fn quantified(&mut self, depth: usize, start: usize, copy: Frag) -> Option<Frag> {
        let (min, max) = match self.peek() {
            Some('?') => (0, Some(1)),
            Some('*') => (0, None),
            Some('+') => (1, None),
            Some('{') => {
                self.at += 1;
                let min = self.number()?;
                let max = match self.peek()? {
                    ',' if self.src[self.at + 1..].starts_with('}') => {
                        self.at += 1;
                        None
                    }
                    ',' => {
                        self.at += 1;
                        let max = self.number()?;
                        (max >= min).then_some(Some(max))?
                    }
                    _ => Some(min),
                };
                // Left on the closing brace, which the common step below passes.
                (self.peek() == Some('}')).then_some((min, max))?
            }
            _ => return Some(copy),
        };
        self.at += 1;
        // Lazy quantifiers and a quantifier on a quantifier: left to regex_lite.
        if matches!(self.peek(), Some('?' | '*' | '+' | '{')) {
            return None;
        }
        let after = self.at;
        let mut unused = Some(copy);
        let mut next_copy = |r: &mut Self| match unused.take() {
            Some(copy) => Some(copy),
            None => {
                r.at = start;
                r.atom(depth)
            }
        };
        let mut whole = EMPTY;
        for _ in 0..min {
            let copy = next_copy(self)?;
            whole = self.bits.then(whole, copy);
        }
        match max {
            Some(max) => {
                for _ in min..max {
                    let copy = next_copy(self)?;
                    whole = self.bits.then(whole, Frag { nullable: true, ..copy });
                }
            }
            None => {
                let copy = next_copy(self)?;
                for p in positions(copy.last) {
                    self.bits.follow[p] |= copy.first;
                }
                whole = self.bits.then(whole, Frag { nullable: true, ..copy });
            }
        }
        self.at = after;
        Some(whole)
    }

    fn number(&mut self) -> Option<u32> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        self.src[start..self.at].parse().ok().filter(|n| *n <= 64)
    }

    /// After a backslash: what it stands for. In a bracketed class only a single character or
    /// `\d`, `\s`, `\w`.
    fn escape(&mut self, in_class: bool) -> Option<Item> {
        let c = self.next()?;
        Some(match c {
            'd' => Item::Set(DIGIT, false),
            's' => Item::Set(SPACE, false),
            'w' => Item::Set(WORD, false),
            'D' if !in_class => Item::Set(DIGIT, true),
            'S' if !in_class => Item::Set(SPACE, true),
            'W' if !in_class => Item::Set(WORD, true),
            'x' => {
                let hex = self.src.get(self.at..self.at + 2).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))?;
                self.at += 2;
                Item::Char(char::from(u8::from_str_radix(hex, 16).ok()?))
            }
            'a' => Item::Char('\x07'),
            'f' => Item::Char('\x0C'),
            't' => Item::Char('\t'),
            'n' => Item::Char('\n'),
            'r' => Item::Char('\r'),
            'v' => Item::Char('\x0B'),
            c if c.is_ascii_punctuation() && c != '<' && c != '>' => Item::Char(c),
            _ => return None,
        })
    }

    /// A bracketed class (`[` read): ranges, single characters, `\d` `\s` `\w`, optionally
    /// negated; no nesting, set operations or POSIX names.
    fn class(&mut self) -> Option<Frag> {
        let negated = self.peek() == Some('^');
        self.at += usize::from(negated);
        let open = self.at;
        let from = self.bits.ranges.len();
        loop {
            let here = self.at;
            let c = self.next()?;
            match c {
                ']' if here > open => return self.new_position(from, negated),
                '[' | ']' => return None,
                // A dash is itself first and last; elsewhere it is read as part of a range.
                '-' if here == open || self.peek() == Some(']') => {
                    self.bits.ranges.push(('-', '-'));
                    continue;
                }
                '-' => return None,
                '&' | '~' if self.peek() == Some(c) => return None,
                _ => {}
            }
            let item = self.class_item(c)?;
            let range = self.peek() == Some('-') && !self.src[self.at + 1..].starts_with(']');
            match (item, range) {
                (Item::Char(c), false) => self.bits.ranges.push((c, c)),
                (Item::Set(ranges, _), false) => self.bits.ranges.extend_from_slice(ranges),
                (Item::Char(lo), true) => {
                    self.at += 1;
                    let to = self.next()?;
                    if matches!(to, '[' | ']' | '-') || matches!(to, '&' | '~') && self.peek() == Some(to) {
                        return None;
                    }
                    let Item::Char(hi) = self.class_item(to)? else { return None };
                    if hi < lo {
                        return None;
                    }
                    self.bits.ranges.push((lo, hi));
                }
                (Item::Set(..), true) => return None,
            }
        }
    }

    /// One character of a bracketed class (`c` read), or an escape there.
    fn class_item(&mut self, c: char) -> Option<Item> {
        match c {
            '\\' => self.escape(true),
            c => Some(Item::Char(c)),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use proptest::strategy::ValueTree;

    use super::*;

    fn agree(pattern: &str, text: &str) -> Result<(), String> {
        let Some(bits) = Bits::new(pattern) else { return Ok(()) };
        let re = regex_lite::Regex::new(pattern)
            .map_err(|e| format!("`{pattern}` read here, rejected by regex_lite: {e}"))?;
        match (bits.is_match(text), re.is_match(text)) {
            (a, b) if a == b => Ok(()),
            (a, b) => Err(format!("`{pattern}` on {text:?}: here {a}, regex_lite {b}")),
        }
    }

    /// Every pattern the shipped catalog's schemas hold, `patternProperties` keys included.
    fn catalog_patterns() -> Vec<String> {
        fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
            match v {
                serde_json::Value::Object(m) => {
                    if let Some(p) = m.get("pattern").and_then(|p| p.as_str()) {
                        out.push(p.to_owned());
                    }
                    if let Some(props) = m.get("patternProperties").and_then(|p| p.as_object()) {
                        out.extend(props.keys().cloned());
                    }
                    m.values().for_each(|v| collect(v, out));
                }
                serde_json::Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/kubezero")) {
            let path = entry.unwrap().into_path();
            if path.extension().is_some_and(|e| e == "json") {
                let json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                collect(&json, &mut out);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn every_pattern_of_the_catalog_is_read_here() {
        let patterns = catalog_patterns();
        assert!(patterns.len() >= 15, "{patterns:?}");
        for p in &patterns {
            assert!(Bits::new(p).is_some(), "`{p}` is left to regex_lite");
        }
    }

    #[test]
    fn the_catalogs_patterns_judge_values_as_regex_lite_does() {
        let values = [
            "",
            "a",
            "kube-system",
            "-a",
            "a-",
            "prod-eu.example.com",
            "*.example.com",
            "example.c",
            "arn:aws:iam::123456789012:role/prod-eu-CertManagerRole-1ABCDEF",
            "arn:aws-cn:iam::123456789012:role/x",
            "arn:aws:iam::12345678901:role/x",
            "10.0.0.0/16",
            "10.0.0/16",
            "1.16.12",
            "v1.16.12",
            "eu-central-1",
            "us-gov-west-1",
            "ops@example.com",
            "ops@@example.com",
            "10Gi",
            "10G",
            "fs-0123abcd",
            "a b",
            "tab\there",
            "new\nline",
            "ünïcode",
            "path/to/",
            "a/b/",
            "Name_1.x",
            "é",
            "fs-0123456789abcdef0",
            "a.b.c",
        ];
        for p in catalog_patterns() {
            for v in values {
                agree(&p, v).unwrap();
            }
        }
    }

    #[test]
    fn what_it_does_not_read_is_left_to_regex_lite() {
        for p in [
            "(?i)abc",
            "a{3,2}",
            "a{65}",
            "\\bword",
            "[[:alpha:]]",
            "a**",
            "a+?",
            "^a|b",
            "a|b$",
            "a^b",
            "a$b",
            "[]a]",
            "[a-\\d]",
            "[z-a]",
            "\\p{L}",
            "\\1",
            "\\e",
            "a{",
            "a{1",
            "a{,2}",
            "}",
            "]",
            "*a",
            "[a--b]",
            "[a&&b]",
            "[\\S]",
            "\\x4",
            "\\x{41}",
            "(?:a)",
            "\\ ",
            "\\<",
        ] {
            assert!(Bits::new(p).is_none(), "`{p}` is read here");
        }
        let long = "a".repeat(65);
        assert!(Bits::new(&long).is_none(), "more than 64 positions");
        let nested = (0..10).fold("()".to_owned(), |inner, _| format!("({inner}){{9}}"));
        assert!(Bits::new(&nested).is_none(), "construction is cut short, not 9^10 steps long");
    }

    #[test]
    fn anchors_and_emptiness_mean_what_they_mean_to_regex_lite() {
        for p in ["", "^", "$", "^$", "a*", "^a*$", "^a*", "a*$", "^(a|b)?c", "x?$", "()", "^()$", "a{0}", "^a{0}$"] {
            for t in ["", "a", "b", "ab", "c", "ac", "bc", "x", "\n"] {
                agree(p, t).unwrap();
            }
        }
    }

    /// Patterns over a small alphabet: the subset, with now and then something outside it.
    fn pattern() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(vec![
            "a",
            "b",
            "-",
            ".",
            "\\.",
            "[a-c]",
            "[^b]",
            "[-a]",
            "[a-]",
            "\\d",
            "\\s",
            "\\w",
            "\\D",
            "\\S",
            "\\W",
            "[\\s\\d]",
            "[^\\s\\x00-\\x1f]",
            "é",
            " ",
            "[0-9a-f]",
            "\\x41",
            "\\-",
            "\\n",
            "()",
            "[a\\-z]",
            "[\\x00-\\x1f]",
            "\\x7f",
            "[.-9]",
            "\\t",
            "\\r",
            "\\v",
            "\\f",
            "{",
            "(?i)",
            "]",
            "\\b",
            "[[:alpha:]]",
            "\\$",
            "\\^",
        ])
        .prop_map(str::to_owned);
        let tree = leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 1..4).prop_map(|v| v.concat()),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}|{b})")),
                inner.clone().prop_map(|a| format!("({a})")),
                (
                    inner,
                    prop::sample::select(vec!["?", "*", "+", "{2}", "{0,2}", "{1,}", "{2,3}", "+?", "**", "{3,1}"])
                )
                    .prop_map(|(a, q)| format!("({a}){q}")),
            ]
        });
        (any::<bool>(), tree, any::<bool>(), prop::option::of(prop::sample::select(vec!["|a", "|", "b|"]))).prop_map(
            |(start, body, end, alt)| {
                format!("{}{body}{}{}", if start { "^" } else { "" }, alt.unwrap_or(""), if end { "$" } else { "" })
            },
        )
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                'a', 'b', 'c', 'z', '-', '.', '/', '0', '7', '9', ' ', '\n', '\r', '\t', '\x0B', '\x0C', '\x01',
                '\x7f', 'é', 'ÿ', 'A', 'Z', '_',
            ]),
            0..10,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    #[test]
    fn most_generated_patterns_are_read_here() {
        // The agreement below means something only for patterns read here.
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let patterns: Vec<String> = (0..1000).map(|_| pattern().new_tree(&mut runner).unwrap().current()).collect();
        let read = patterns.iter().filter(|p| Bits::new(p).is_some()).count();
        assert!((300..1000).contains(&read), "{read} of 1000 generated patterns read here");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn agrees_with_regex_lite_on_generated_patterns(p in pattern(), texts in prop::collection::vec(text(), 1..6)) {
            for t in &texts {
                agree(&p, t).map_err(TestCaseError::fail)?;
            }
        }
    }
}
