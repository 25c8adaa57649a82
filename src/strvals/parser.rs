//! The `key=value` grammar of Helm's strvals parser (`pkg/strvals` of Helm 4), rune by rune, so
//! every form users type from habit means here what it means to `helm template`: `.` nesting,
//! `[i]` indexes that grow lists with nulls, `{a,b}` lists, `\` escapes, and the literal form of
//! `--set-literal` (no escapes, the whole rest is one string).

use super::{go_quote, go_quote_runes, typed, Flag};
use crate::value::{Map, Node, Origin, Value};

/// Helm's `MaxIndex`.
const MAX_INDEX: i64 = 65536;
/// Helm's `MaxNestedNameLevel`.
const MAX_NESTING: usize = 30;
/// Most null items one flag may pad its lists with, all its indices together (Helm bounds only
/// each index, so 60 of them in one ArgoCD `set` map cost gigabytes).
pub const MAX_PADDING: usize = 2 * crate::yaml::parse::MAX_NODES;

/// How a parse step ends when it does not simply go on.
#[derive(Debug)]
pub enum Stop {
    /// The input ended: a clean end where a new key would start.
    Eof,
    /// Helm's error text.
    Error(String),
}

fn err<T>(msg: String) -> Result<T, Stop> {
    Err(Stop::Error(msg))
}

/// Reads a value's text for a flag (`--set-file` reads the file it names).
pub type Reader<'r> = &'r dyn Fn(&str) -> Result<String, crate::diag::Error>;

pub struct Parser<'a> {
    chars: Vec<char>,
    pos: usize,
    flag: Flag,
    read_file: Reader<'a>,
    origin: Origin,
    /// How many more null items lists may be padded with.
    padding: usize,
}

impl<'a> Parser<'a> {
    pub fn new(text: &str, flag: Flag, read_file: Reader<'a>, origin: Origin) -> Self {
        Parser { chars: text.chars().collect(), pos: 0, flag, read_file, origin, padding: MAX_PADDING }
    }

    /// Applies every assignment to `data`; the first error stops it.
    pub fn parse(&mut self, data: &mut Map) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => {}
                Err(Stop::Eof) => return Ok(()),
                Err(Stop::Error(e)) => return Err(e),
            }
        }
    }

    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.pos).copied();
        self.pos += usize::from(c.is_some());
        c
    }

    fn literal(&self) -> bool {
        self.flag == Flag::Literal
    }

    /// Reads up to (and consumes) a rune of `stop`, or to the end; `\` takes the next rune as it
    /// is (not in the literal form).
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut text = String::new();
        loop {
            match self.next() {
                None => return (text, None),
                Some(c) if stop.contains(&c) => return (text, Some(c)),
                Some('\\') if !self.literal() => match self.next() {
                    None => return (text, None),
                    Some(c) => text.push(c),
                },
                Some(c) => text.push(c),
            }
        }
    }

    fn node(&self, value: Value) -> Node {
        Node::new(value, self.origin.clone())
    }

    /// One assignment, entered at the start of a pair or after a `.`.
    fn key(&mut self, data: &mut Map, level: usize) -> Result<(), Stop> {
        let stops: &[char] = if self.literal() { &['=', '[', '.'] } else { &['=', '[', ',', '.'] };
        let (k, last) = self.until(stops);
        match last {
            None if k.is_empty() => Err(Stop::Eof),
            None => err(format!("key {} has no value", go_quote(&k))),
            Some('[') => {
                let i = self.index()?;
                let list = match data.get(&k) {
                    None => Vec::new(),
                    Some(n) => self.as_list(n)?,
                };
                let (list, result) = self.list_item(list, i, level);
                set(data, &k, self.node(Value::Seq(list)));
                result
            }
            Some('=') => self.assign(data, &k),
            Some(',') => {
                set(data, &k, self.node(Value::Str(String::new())));
                err(format!("key {} has no value (cannot end with ,)", go_quote(&k)))
            }
            Some(_) => {
                if level + 1 > MAX_NESTING {
                    return err(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTING}"
                    ));
                }
                let mut inner = match data.get(&k) {
                    None => Map::new(),
                    Some(n) => self.as_map(n)?,
                };
                let result = self.key(&mut inner, level + 1);
                if result.is_ok() && inner.is_empty() {
                    return err(format!("key map {} has no value", go_quote(&k)));
                }
                if !inner.is_empty() {
                    set(data, &k, self.node(Value::Map(inner)));
                }
                result
            }
        }
    }

    /// What follows `key=`.
    fn assign(&mut self, data: &mut Map, k: &str) -> Result<(), Stop> {
        match self.flag {
            Flag::Literal => {
                let rest: String = self.chars[self.pos..].iter().collect();
                self.pos = self.chars.len();
                set(data, k, self.node(Value::Str(rest)));
                Ok(())
            }
            Flag::Json => {
                let value = self.json_value()?;
                set(data, k, value);
                self.skip_empty();
                Ok(())
            }
            _ => match self.value_list() {
                Ok(Some(items)) => {
                    set(data, k, self.node(Value::Seq(items)));
                    Ok(())
                }
                Err(Stop::Eof) => {
                    set(data, k, self.node(Value::Str(String::new())));
                    Err(Stop::Eof)
                }
                Err(e) => Err(e),
                Ok(None) => {
                    let (text, _) = self.until(&[',']);
                    let value = self.read(&text)?;
                    set(data, k, value);
                    Ok(())
                }
            },
        }
    }

    /// What follows `[i]`.
    fn list_item(&mut self, mut list: Vec<Node>, i: i64, level: usize) -> (Vec<Node>, Result<(), Stop>) {
        if i < 0 {
            return (list, err(format!("negative {i} index not allowed")));
        }
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return (list, err(format!("unexpected data at end of array index: {}", go_quote_runes(&k))));
        }
        let result = match last {
            None => return (list, Err(Stop::Eof)),
            Some('=') => self.item_value().and_then(|v| set_index(&mut list, i, v, &mut self.padding)),
            Some('[') => self.nested_list(&mut list, i, level),
            Some(_) => {
                let idx = i as usize;
                let mut inner = match list.get(idx).map(|n| &n.value) {
                    Some(Value::Map(m)) => m.clone(),
                    _ => Map::new(),
                };
                match self.key(&mut inner, level) {
                    Ok(()) => {
                        let node = self.node(Value::Map(inner));
                        set_index(&mut list, i, node, &mut self.padding)
                    }
                    Err(e) => Err(e),
                }
            }
        };
        (list, result)
    }

    /// `a[i]=...`: the value stored at the index.
    fn item_value(&mut self) -> Result<Node, Stop> {
        match self.flag {
            Flag::Literal => {
                let rest: String = self.chars[self.pos..].iter().collect();
                self.pos = self.chars.len();
                Ok(self.node(Value::Str(rest)))
            }
            Flag::Json => {
                let value = self.json_value()?;
                self.skip_empty();
                Ok(value)
            }
            _ => match self.value_list() {
                Ok(Some(items)) => Ok(self.node(Value::Seq(items))),
                // `a[0]=` at the very end stores "" and ends without an error.
                Err(Stop::Eof) => Ok(self.node(Value::Str(String::new()))),
                Err(e) => Err(e),
                Ok(None) => {
                    let (text, _) = self.until(&[',']);
                    self.read(&text)
                }
            },
        }
    }

    /// `a[i][j]...`.
    fn nested_list(&mut self, list: &mut Vec<Node>, i: i64, level: usize) -> Result<(), Stop> {
        let next = self.index()?;
        let current = match list.get(i as usize) {
            Some(n) if n.value != Value::Null => self.as_list(n)?,
            _ => Vec::new(),
        };
        let (inner, result) = self.list_item(current, next, level);
        result?;
        let node = self.node(Value::Seq(inner));
        set_index(list, i, node, &mut self.padding)
    }

    /// The index inside `[...]` (Go's `strconv.Atoi`).
    fn index(&mut self) -> Result<i64, Stop> {
        let (text, last) = self.until(&[']']);
        if last.is_none() {
            // Helm 4 wraps this EOF and still recognises it: the input silently ends here.
            return Err(Stop::Eof);
        }
        atoi(&text).map_err(|e| Stop::Error(format!("error parsing index: {e}")))
    }

    /// `{a,b}` right after `=`: `Ok(None)` when the value is not a list.
    fn value_list(&mut self) -> Result<Option<Vec<Node>>, Stop> {
        match self.chars.get(self.pos) {
            None => return Err(Stop::Eof),
            Some('{') => self.pos += 1,
            Some(_) => return Ok(None),
        }
        let mut items = Vec::new();
        loop {
            let (text, last) = self.until(&[',', '}']);
            match last {
                None => return err("list must terminate with '}'".into()),
                Some(',') => items.push(self.read(&text)?),
                Some(_) => {
                    if self.chars.get(self.pos) == Some(&',') {
                        self.pos += 1;
                    }
                    items.push(self.read(&text)?);
                    return Ok(Some(items));
                }
            }
        }
    }

    /// A plain value, typed the flag's way.
    fn read(&self, text: &str) -> Result<Node, Stop> {
        let value = match self.flag {
            Flag::Typed => typed(text),
            Flag::File => Value::Str((self.read_file)(text).map_err(|e| Stop::Error(e.message))?),
            _ => Value::Str(text.to_owned()),
        };
        Ok(self.node(value))
    }

    /// `--set-json key=VALUE`: an empty value is null, else one JSON value.
    fn json_value(&mut self) -> Result<Node, Stop> {
        let start = self.pos;
        if self.skip_empty() {
            return Ok(self.node(Value::Null));
        }
        self.pos = start;
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
        let rest: String = self.chars[self.pos..].iter().collect();
        let end = super::json::value_end(&rest).ok_or_else(|| Stop::Error("invalid JSON value".into()))?;
        let json: serde_json::Value =
            serde_json::from_str(&rest[..end]).map_err(|e| Stop::Error(format!("invalid JSON value: {e}")))?;
        self.pos += rest[..end].chars().count();
        Ok(super::json::node(&json, &self.origin))
    }

    /// Skips blanks and one comma; whether the value there is empty.
    fn skip_empty(&mut self) -> bool {
        loop {
            match self.chars.get(self.pos) {
                None => return true,
                Some(',') => {
                    self.pos += 1;
                    return true;
                }
                Some(c) if c.is_whitespace() => self.pos += 1,
                Some(_) => return false,
            }
        }
    }

    fn as_list(&self, node: &Node) -> Result<Vec<Node>, Stop> {
        match &node.value {
            Value::Seq(items) => Ok(items.clone()),
            _ => err(conflict(node, "a list")),
        }
    }

    fn as_map(&self, node: &Node) -> Result<Map, Stop> {
        match &node.value {
            Value::Map(m) => Ok(m.clone()),
            _ => err(conflict(node, "a map")),
        }
    }
}

/// Helm's recovered panic on a path through a value of another type.
fn conflict(node: &Node, wanted: &str) -> String {
    format!("unable to parse key: the value there is {}, not {wanted}", node.a_type())
}

/// `data[k] = v`, except that an empty key sets nothing (Helm's rule).
fn set(data: &mut Map, k: &str, value: Node) {
    if !k.is_empty() {
        data.insert(k.to_owned(), value);
    }
}

/// `list[index] = value`, padding the list with nulls, within what is left of `padding`.
fn set_index(list: &mut Vec<Node>, index: i64, value: Node, padding: &mut usize) -> Result<(), Stop> {
    if index < 0 {
        return err(format!("negative {index} index not allowed"));
    }
    if index > MAX_INDEX {
        return err(format!("index of {index} is greater than maximum supported index of {MAX_INDEX}"));
    }
    let index = index as usize;
    let pad = (index + 1).saturating_sub(list.len());
    if pad > *padding {
        return err(format!(
            "the list indices of this flag add up to more than {MAX_PADDING} empty items; set fewer, or lower indices"
        ));
    }
    *padding -= pad;
    while list.len() <= index {
        list.push(Node::new(Value::Null, value.origin.clone()));
    }
    list[index] = value;
    Ok(())
}

/// Go's `strconv.Atoi`: an optional sign and ASCII digits, within 64 bits.
fn atoi(text: &str) -> Result<i64, String> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("strconv.Atoi: parsing {}: invalid syntax", go_quote(text)));
    }
    text.strip_prefix('+')
        .unwrap_or(text)
        .parse()
        .map_err(|_| format!("strconv.Atoi: parsing {}: value out of range", go_quote(text)))
}
