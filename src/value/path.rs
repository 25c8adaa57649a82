//! Key paths into a value tree, and their one written form: dotted keys as users type them in
//! `--set` and `explain` (`a.b\.c.d`, list items as `[i]`).

use std::fmt;

/// One step into a tree: a map key or a list index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Seg {
    /// A map key.
    Key(String),
    /// A list index.
    Index(usize),
}

impl Seg {
    /// The key, if this step is one.
    pub fn key(&self) -> Option<&str> {
        match self {
            Seg::Key(k) => Some(k),
            Seg::Index(_) => None,
        }
    }
}

/// A path from the root of a tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyPath(pub Vec<Seg>);

/// Key buffers for a walk down a tree: [`KeyPath::push_key`] takes one, [`KeyPath::pop_key`]
/// gives it back, so a walk allocates a key per level of depth instead of one per key.
#[derive(Debug, Default)]
pub struct KeyBuffers(Vec<String>);

impl KeyPath {
    /// Appends a map key, written into a buffer from `spare`.
    pub fn push_key(&mut self, key: &str, spare: &mut KeyBuffers) {
        let mut buffer = spare.0.pop().unwrap_or_default();
        buffer.clear();
        buffer.push_str(key);
        self.0.push(Seg::Key(buffer));
    }

    /// Removes the last step, keeping a key's buffer in `spare`.
    pub fn pop_key(&mut self, spare: &mut KeyBuffers) {
        if let Some(Seg::Key(buffer)) = self.0.pop() {
            spare.0.push(buffer);
        }
    }

    /// The empty path (the root).
    pub fn root() -> Self {
        KeyPath(Vec::new())
    }

    /// A path of map keys.
    pub fn of<S: AsRef<str>>(keys: &[S]) -> Self {
        KeyPath(keys.iter().map(|k| Seg::Key(k.as_ref().to_owned())).collect())
    }

    /// Reads a dotted key: `.` separates keys, `\.` is a literal dot, a segment `[i]` (or a
    /// key followed by `[i]`) is a list index. `a.b\.c[0].d` is `a`, `b.c`, `[0]`, `d`.
    pub fn parse(dotted: &str) -> Self {
        let mut segs = Vec::new();
        let mut key = String::new();
        let mut chars = dotted.chars().peekable();
        let mut after_index = false;
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&'.') => {
                    key.push('.');
                    chars.next();
                }
                '.' => {
                    if !after_index || !key.is_empty() {
                        segs.push(Seg::Key(std::mem::take(&mut key)));
                    }
                    after_index = false;
                    continue;
                }
                '[' => {
                    let digits: String = chars.clone().take_while(char::is_ascii_digit).collect();
                    let closes = chars.clone().nth(digits.len()) == Some(']');
                    match digits.parse::<usize>() {
                        Ok(i) if closes => {
                            if !key.is_empty() {
                                segs.push(Seg::Key(std::mem::take(&mut key)));
                            }
                            segs.push(Seg::Index(i));
                            chars.nth(digits.len());
                            after_index = true;
                            continue;
                        }
                        _ => key.push('['),
                    }
                }
                c => key.push(c),
            }
            after_index = false;
        }
        if !after_index || !key.is_empty() {
            segs.push(Seg::Key(key));
        }
        KeyPath(segs)
    }

    /// The steps.
    pub fn segs(&self) -> &[Seg] {
        &self.0
    }

    /// Whether this is the root.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds a step.
    pub fn push(&mut self, seg: Seg) {
        self.0.push(seg);
    }

    /// The last step, to change it.
    pub fn last_mut(&mut self) -> Option<&mut Seg> {
        self.0.last_mut()
    }

    /// Removes the last step.
    pub fn pop(&mut self) -> Option<Seg> {
        self.0.pop()
    }

    /// A longer path.
    pub fn join(&self, seg: Seg) -> KeyPath {
        let mut p = self.clone();
        p.push(seg);
        p
    }

    /// The map keys along the path (list indices left out).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(Seg::key)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(&k.replace('.', "\\."))?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_keys_escape_literal_dots_both_ways() {
        let path = KeyPath::parse(r"cert-manager.podAnnotations.iam\.amazonaws\.com/role");
        assert_eq!(path, KeyPath::of(&["cert-manager", "podAnnotations", "iam.amazonaws.com/role"]));
        assert_eq!(path.to_string(), r"cert-manager.podAnnotations.iam\.amazonaws\.com/role");
    }

    #[test]
    fn list_indices_join_without_a_dot_and_read_back() {
        let path =
            KeyPath(vec![Seg::Key("es".into()), Seg::Key("nodeSets".into()), Seg::Index(0), Seg::Key("name".into())]);
        assert_eq!(path.to_string(), "es.nodeSets[0].name");
        assert_eq!(KeyPath::parse("es.nodeSets[0].name"), path);
        assert_eq!(KeyPath::parse("a[1][2]").to_string(), "a[1][2]");
        assert_eq!(KeyPath::parse("a[x]").segs(), [Seg::Key("a[x]".into())]);
    }

    #[test]
    fn empty_parts_stay_visible() {
        assert_eq!(KeyPath::parse("a..b").segs().len(), 3);
        assert_eq!(KeyPath::parse("").segs(), [Seg::Key(String::new())]);
    }
}
