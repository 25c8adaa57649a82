//! What a schema finding says, whichever engine found it: one [`Violation`] per problem, turned
//! into a located diagnostic with the value shown (secrets redacted) and, for an unknown key,
//! the closest known key.

use serde_json::Value as J;

use crate::diag::{Diagnostic, Kind};
use crate::redact;
use crate::value::{KeyPath, Node, Seg};

/// One problem a schema finds with one value.
#[derive(Debug, Clone, PartialEq)]
pub enum Violation {
    /// The value's type is not one of these (JSON Schema names).
    Type(Vec<String>),
    /// Not one of the allowed values.
    Enum(Vec<J>),
    /// Not the one allowed value.
    Const(J),
    /// A string not matching a pattern, with the schema's own message (`x-message`).
    Pattern {
        /// The regex.
        pattern: String,
        /// The schema's message (`x-message`), if any.
        message: Option<String>,
    },
    /// A string shorter than this.
    MinLength(u64),
    /// A string longer than this.
    MaxLength(u64),
    /// A number below this (or not above it, when exclusive).
    Minimum {
        /// The bound.
        limit: J,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// A number above this (or not below it, when exclusive).
    Maximum {
        /// The bound.
        limit: J,
        /// Whether the bound itself is excluded.
        exclusive: bool,
    },
    /// A number that is not a multiple of this.
    MultipleOf(f64),
    /// A list with fewer items.
    MinItems(u64),
    /// A list with more items.
    MaxItems(u64),
    /// A list with two equal items.
    UniqueItems,
    /// A list with no item of the required form.
    Contains,
    /// A map with fewer keys.
    MinProperties(u64),
    /// A map with more keys.
    MaxProperties(u64),
    /// A required key is missing (the key is the path's last step).
    Required,
    /// A key the schema does not allow, with the keys it knows.
    Unknown {
        /// The keys the schema knows there.
        known: Vec<String>,
    },
    /// A key name the schema does not allow (`propertyNames`).
    KeyName(String),
    /// None of the allowed forms fits.
    NoneOf,
    /// More than one of the exclusive forms fits.
    SeveralOf,
    /// A form it must not have fits.
    Not,
    /// Nothing is allowed here (a `false` schema).
    Forbidden,
    /// A string in the wrong format.
    Format(String),
    /// The schema refers to itself without end.
    Loop,
    /// The schema cannot be applied (a bad pattern), in the engine's words.
    Broken(String),
}

/// A violation at a place in a value tree, as a diagnostic located where the value was written.
pub fn diagnostic(v: &Violation, root: &Node, path: &KeyPath) -> Diagnostic {
    // A missing key is reported at the map that lacks it.
    let at_path = match v {
        Violation::Required => KeyPath(path.segs()[..path.segs().len().saturating_sub(1)].to_vec()),
        _ => path.clone(),
    };
    let node = root.at(&at_path);
    let origin = node.or_else(|| nearest(root, &at_path)).map(|n| n.origin.clone());
    let kind = match v {
        Violation::Required => Kind::Required,
        Violation::Unknown { .. } => Kind::UnknownKey,
        _ => Kind::Invalid,
    };
    let shown = |n: Option<&Node>| match n {
        None => "nothing".to_owned(),
        Some(n) if redact::in_secret_object(root, path) => format!("{} {}", n.type_name(), redact::REDACTED),
        Some(n) => shown(path, n),
    };
    let message = match v {
        Violation::Type(types) => {
            let names: Vec<&str> = types.iter().map(|t| type_name(t)).collect();
            format!("expected {}, got {}", names.join(" or "), shown(node))
        }
        Violation::Enum(allowed) => format!("must be one of {}, got {}", list(allowed), shown(node)),
        Violation::Const(value) => format!("must be {}, got {}", plain(value), shown(node)),
        Violation::Pattern { message: Some(m), .. } => format!("{m}, got {}", shown(node)),
        Violation::Pattern { pattern, .. } => format!("{} does not match `{pattern}`", shown(node)),
        Violation::MinLength(0 | 1) => "must not be empty".into(),
        Violation::MinLength(n) => format!("must be at least {n} characters long"),
        Violation::MaxLength(n) => format!("must be at most {n} characters long"),
        Violation::Minimum { limit, exclusive: false } => format!("must be at least {limit}, got {}", shown(node)),
        Violation::Minimum { limit, exclusive: true } => format!("must be greater than {limit}, got {}", shown(node)),
        Violation::Maximum { limit, exclusive: false } => format!("must be at most {limit}, got {}", shown(node)),
        Violation::Maximum { limit, exclusive: true } => format!("must be less than {limit}, got {}", shown(node)),
        Violation::MultipleOf(m) => format!("must be a multiple of {m}, got {}", shown(node)),
        Violation::MinItems(n) => format!("needs at least {n} item{}", if *n == 1 { "" } else { "s" }),
        Violation::MaxItems(n) => format!("takes at most {n} items"),
        Violation::UniqueItems => "items must be unique".into(),
        Violation::Contains => "has no item of the required form".into(),
        Violation::MinProperties(n) => format!("needs at least {n} key{}", if *n == 1 { "" } else { "s" }),
        Violation::MaxProperties(n) => format!("takes at most {n} keys"),
        Violation::Required => "is required but not set".into(),
        Violation::Unknown { known } => unknown_key(path.keys().last().unwrap_or_default(), known),
        Violation::KeyName(key) => format!("`{}` is not an allowed key name", crate::diag::one_line(key)),
        Violation::NoneOf => format!("{} matches none of the allowed forms", shown(node)),
        Violation::SeveralOf => format!("{} matches more than one of the allowed forms", shown(node)),
        Violation::Not => format!("{} has a form that is not allowed", shown(node)),
        Violation::Forbidden => "is not allowed here".into(),
        Violation::Format(f) => format!("{} is not a valid {f}", shown(node)),
        Violation::Loop => "the schema refers to itself without end".into(),
        Violation::Broken(e) => format!("the schema is broken: {e}"),
    };
    Diagnostic::new(kind, origin, path.to_string(), message)
}

/// The closest existing ancestor of a path (where a missing value would have been written).
fn nearest<'n>(root: &'n Node, path: &KeyPath) -> Option<&'n Node> {
    (0..path.segs().len()).rev().find_map(|n| root.at(&KeyPath(path.segs()[..n].to_vec())))
}

fn type_name(t: &str) -> &str {
    match t {
        "array" => "list",
        "object" => "map",
        other => other,
    }
}

fn plain(v: &J) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

fn list(values: &[J]) -> String {
    values.iter().map(plain).collect::<Vec<_>>().join(", ")
}

/// A value as shown in a message: its type and a short rendering, secrets redacted.
pub fn shown(path: &KeyPath, node: &Node) -> String {
    use crate::value::Value;
    match &node.value {
        Value::Map(_) | Value::Seq(_) | Value::Null => node.type_name().to_owned(),
        _ if redact::hides(path, node) => format!("{} {}", node.type_name(), redact::REDACTED),
        _ => {
            let text = node.to_json().to_string();
            let text = match text.char_indices().nth(60) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text,
            };
            format!("{} {text}", node.type_name())
        }
    }
}

/// "unknown key" with the closest known key, if one is close.
pub fn unknown_key(key: &str, known: &[String]) -> String {
    let best = known.iter().map(|k| (distance(&key.to_lowercase(), &k.to_lowercase()), k)).min();
    match best {
        Some((d, k)) if d <= 2.max(key.len() / 4) => format!("unknown key; did you mean `{k}`?"),
        _ if known.is_empty() => "unknown key".into(),
        _ => format!("unknown key; known keys: {}", known.join(", ")),
    }
}

/// Levenshtein distance, for "did you mean".
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A key path from a JSON pointer's segments (list indices as numbers where the value is a list).
pub fn path_in(root: &Node, segments: impl IntoIterator<Item = String>) -> KeyPath {
    let mut path = KeyPath::root();
    for seg in segments {
        let is_list = matches!(root.at(&path).map(|n| &n.value), Some(crate::value::Value::Seq(_)));
        match seg.parse::<usize>() {
            Ok(i) if is_list => path.push(Seg::Index(i)),
            _ => path.push(Seg::Key(seg)),
        }
    }
    path
}
