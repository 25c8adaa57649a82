//! Text → [`Node`] trees with positions, duplicate-key detection and the input limits README.md
//! states (8 MiB per file, 64 levels of nesting, bounded alias expansion).

use std::collections::HashMap;
use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

mod entries;
mod scalar;
mod syntax;

use entries::Entries;

use super::resolve;
use crate::diag::{Diagnostic, Kind};
use crate::value::{KeyPath, Node, Origin, Seg, Value};

/// Deepest nesting of maps and lists accepted.
pub const MAX_DEPTH: usize = 64;
/// Most values (keys, scalars, lists and maps, aliases counted as what they expand to) one file
/// may hold. Ten times the largest values files seen in practice, and small enough that no input
/// costs more than 256 MiB by the time it has been merged, templated and validated.
pub const MAX_NODES: usize = 100_000;

/// A file's text with the name it is shown under.
#[derive(Clone, Debug)]
pub struct Source {
    /// Name used in messages (relative to where the user pointed kzrender).
    pub name: Arc<str>,
    /// The UTF-8 text.
    pub text: String,
}

/// Parses a YAML stream into documents, each a [`Node`]. Warnings (YAML 1.1 ambiguity) are
/// appended to `warnings`; any error aborts with every error found up to it.
pub fn parse_stream(src: &Source, warnings: &mut Vec<Diagnostic>) -> Result<Vec<Node>, Diagnostic> {
    parse(src, warnings, false)
}

/// Parses a chart's rendered manifests as ArgoCD reads them (sigs.k8s.io/yaml on go-yaml v2, not
/// strict): plain scalars by YAML 1.1, and a key given twice in one map keeps its last value,
/// with a [`Kind::Repeated`] warning naming both values. The input limits hold as for any file.
pub fn parse_manifests(src: &Source, warnings: &mut Vec<Diagnostic>) -> Result<Vec<Node>, Diagnostic> {
    parse(src, warnings, true)
}

fn parse(src: &Source, warnings: &mut Vec<Diagnostic>, manifest: bool) -> Result<Vec<Node>, Diagnostic> {
    let mut b = Builder::new(src, warnings);
    b.manifest = manifest;
    for event in Parser::new_from_str(&src.text) {
        let (event, span) = event.map_err(|e| syntax::error(&b, &e))?;
        b.event(event, span)?;
    }
    Ok(b.docs)
}

/// Parses text that must hold one YAML map (or nothing).
pub fn parse_map(src: &Source, warnings: &mut Vec<Diagnostic>) -> Result<Node, Vec<Diagnostic>> {
    let mut docs = parse_stream(src, warnings).map_err(|e| vec![e])?;
    docs.retain(|d| d.value != Value::Null);
    let shape = |at: &Node, msg: String| vec![Diagnostic::new(Kind::Shape, Some(at.origin.clone()), "", msg)];
    match docs.len() {
        0 => Ok(Node::empty_map(Origin::at(&src.name, 1, 1))),
        1 if docs[0].as_map().is_some() => Ok(docs.remove(0)),
        1 => Err(shape(&docs[0], format!("expected a map of values, found {}", docs[0].a_type()))),
        _ => Err(shape(&docs[1], "expected one YAML document, found several; split them into separate files".into())),
    }
}

/// Parses a YAML stream and returns its documents as plain JSON values, for callers that need no
/// positions (tests, tools). Empty documents are skipped.
pub fn parse_documents(text: &str, name: &str) -> Result<Vec<serde_json::Value>, Diagnostic> {
    let src = Source { name: Arc::from(name), text: text.to_owned() };
    let docs = parse_stream(&src, &mut Vec::new())?;
    Ok(docs.iter().filter(|d| d.value != Value::Null).map(Node::to_json).collect())
}

// At most MAX_DEPTH frames live at once: their size is no cost worth a box per map.
#[allow(clippy::large_enum_variant)]
enum Frame {
    Seq {
        items: Vec<Node>,
        origin: Origin,
        anchor: usize,
    },
    Map {
        map: Entries,
        merge: Option<(Origin, Vec<Node>)>,
        key: Option<(String, Origin, bool)>,
        /// What each plain key that is not a string reads as, to either YAML reader: `31` and
        /// `0x1F` are one key twice (`integer 31`), though written differently.
        read_as: HashMap<String, (String, Origin)>,
        origin: Origin,
        anchor: usize,
    },
}

struct Builder<'a> {
    src: &'a Source,
    warnings: &'a mut Vec<Diagnostic>,
    docs: Vec<Node>,
    stack: Vec<Frame>,
    path: KeyPath,
    /// Anchored nodes with their size.
    anchors: HashMap<usize, (Node, Size)>,
    root: Option<Node>,
    /// What aliases have added (nodes and string bytes); bounded by a small multiple of the file.
    expanded: usize,
    budget: usize,
    /// Values read so far, aliases counted as what they expand to.
    nodes: usize,
    /// Read as ArgoCD reads a chart's output ([`parse_manifests`]), not as the operator's file.
    manifest: bool,
}

/// What a node costs: roughly its bytes (a value counted like 32 bytes of text), its values,
/// and how many maps and lists deep it goes.
#[derive(Clone, Copy)]
struct Size {
    weight: usize,
    nodes: usize,
    depth: usize,
    /// Whether the anchored value sits under a secret's key.
    secret: bool,
}

impl Size {
    fn of(node: &Node) -> Size {
        const NODE: usize = 32;
        let mut size = Size { weight: 0, nodes: 0, depth: 0, secret: false };
        node.walk(&mut |path, n| {
            let key = path.segs().last().and_then(|s| s.key()).map_or(0, str::len);
            size.nodes += 1;
            size.weight += NODE + key + n.as_str().map_or(0, str::len);
            if matches!(n.value, Value::Map(_) | Value::Seq(_)) {
                size.depth = size.depth.max(path.segs().len() + 1);
            }
            true
        });
        size
    }
}

impl<'a> Builder<'a> {
    fn new(src: &'a Source, warnings: &'a mut Vec<Diagnostic>) -> Self {
        let budget = src.text.len().saturating_mul(2).saturating_add(64 * 1024);
        Builder {
            src,
            warnings,
            docs: Vec::new(),
            stack: Vec::new(),
            path: KeyPath::root(),
            anchors: HashMap::new(),
            root: None,
            expanded: 0,
            budget,
            nodes: 0,
            manifest: false,
        }
    }

    pub(super) fn origin_at(&self, line: usize, col0: usize) -> Origin {
        Origin::at(&self.src.name, line as u32, col0 as u32 + 1)
    }

    fn origin(&self, span: Span) -> Origin {
        self.origin_at(span.start.line(), span.start.col())
    }

    fn err(&self, kind: Kind, origin: Origin, msg: impl Into<String>) -> Diagnostic {
        Diagnostic::new(kind, Some(origin), crate::redact::shown_path(&self.path), msg)
    }

    /// Counts values read against [`MAX_NODES`].
    fn count(&mut self, nodes: usize, origin: &Origin) -> Result<(), Diagnostic> {
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > MAX_NODES {
            let msg = format!("the file holds more than {MAX_NODES} values; split it, or keep big data out of values");
            return Err(self.err(Kind::Limit, origin.clone(), msg));
        }
        Ok(())
    }

    fn warn(&mut self, origin: Origin, msg: String) {
        self.warnings.push(Diagnostic::new(Kind::Ambiguous, Some(origin), crate::redact::shown_path(&self.path), msg));
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), Diagnostic> {
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let origin = self.origin(span);
                self.count(1, &origin)?;
                if let Some(Frame::Map { key: key @ None, .. }) = self.stack.last_mut() {
                    // A key keeps its raw text, not its typed value; in a chart's manifest, the text
                    // of its YAML 1.1 value (`on` is the key `true` once ArgoCD has it as JSON).
                    let plain = style == ScalarStyle::Plain;
                    let text = match self.manifest && plain && text != "<<" {
                        true => std::borrow::Cow::Owned(resolve::key11(&text)),
                        false => text,
                    };
                    *key = Some((text.to_string(), origin.clone(), plain));
                    let ambiguous = resolve::yaml11_disagrees(&text, &resolve::plain(&text)).is_some();
                    if plain && text != "<<" && ambiguous && !self.manifest {
                        let shown = if self.in_secret() { crate::redact::REDACTED } else { &text };
                        let msg = format!(
                            "key `{shown}` is read as a boolean or number by YAML 1.1 readers (Helm, ArgoCD); quote it"
                        );
                        self.warn(origin, msg);
                    }
                    self.path.push(Seg::Key(text.into_owned()));
                    return Ok(());
                }
                let value = self.scalar(&text, style, tag.as_deref(), &origin)?;
                let node = Node::new(value, origin);
                if anchor > 0 {
                    self.anchor(anchor, &node);
                }
                self.push(node)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                let origin = self.origin(span);
                self.count(1, &origin)?;
                if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
                    return Err(self.err(
                        Kind::Shape,
                        origin,
                        "a map or list as a map key is not supported; use a string key",
                    ));
                }
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.err(Kind::Limit, origin, format!("nesting deeper than {MAX_DEPTH} levels")));
                }
                let frame = match event {
                    Event::SequenceStart(..) => Frame::Seq { items: Vec::new(), origin, anchor },
                    _ => Frame::Map {
                        map: Entries::default(),
                        merge: None,
                        key: None,
                        read_as: HashMap::new(),
                        origin,
                        anchor,
                    },
                };
                if matches!(frame, Frame::Seq { .. }) {
                    self.path.push(Seg::Index(0));
                }
                self.stack.push(frame);
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop().expect("parser balances start and end events") {
                    Frame::Seq { items, origin, anchor } => {
                        self.path.pop();
                        (Node::new(Value::Seq(items), origin), anchor)
                    }
                    Frame::Map { mut map, merge, origin, anchor, .. } => {
                        // `<<` merge keys (YAML 1.1, which Helm honours): explicit keys win.
                        for src in merge.map(|(_, sources)| sources).unwrap_or_default() {
                            if let Value::Map(m) = src.value {
                                for (k, v) in m {
                                    if map.get(&k).is_none() {
                                        map.push(k, v);
                                    }
                                }
                            }
                        }
                        (Node::new(Value::Map(map.list.into_iter().collect()), origin), anchor)
                    }
                };
                if anchor > 0 {
                    self.anchor(anchor, &node);
                }
                self.push(node)
            }
            Event::Alias(id) => {
                let origin = self.origin(span);
                if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
                    return Err(self.err(Kind::Shape, origin, "an alias as a map key is not supported"));
                }
                let Some((node, size)) = self.anchors.get(&id).cloned() else {
                    let msg = "alias to an unknown anchor, or to one that encloses it (a recursive alias)";
                    return Err(self.err(Kind::Syntax, origin, msg));
                };
                if self.stack.len() + size.depth > MAX_DEPTH {
                    return Err(self.err(
                        Kind::Limit,
                        origin,
                        format!("the alias nests deeper than {MAX_DEPTH} levels"),
                    ));
                }
                // A secret's value is redacted by the key it sits under: aliased under another
                // key it would be printed.
                if size.secret && !self.in_secret() && !self.manifest {
                    let msg = "an alias of a secret's value under a key not named as a secret would show the secret; \
                               write the value again, or name the key as a secret";
                    return Err(self.err(Kind::Shape, origin, msg));
                }
                self.charge(size.weight, &origin)?;
                self.count(size.nodes, &origin)?;
                self.push(node)
            }
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.root = None;
                Ok(())
            }
            Event::DocumentEnd => {
                // An empty document (`---` and nothing) reads as null.
                let root = self.root.take().unwrap_or_else(|| Node::new(Value::Null, self.origin(span)));
                self.docs.push(root);
                Ok(())
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
        }
    }

    /// Places a finished node into its parent (or as the document root).
    fn push(&mut self, mut node: Node) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                if let Some(last) = self.path.last_mut() {
                    *last = Seg::Index(items.len());
                }
            }
            Some(Frame::Map { map, merge, key, read_as, .. }) => {
                let (k, key_origin, plain) = key.take().expect("a value in a map follows its key");
                self.path.pop();
                if plain && k == "<<" {
                    // Two merge keys in one map: Helm silently takes the last, so it is a duplicate.
                    if let Some((first, _)) = merge {
                        let line = first.position().map_or(0, |(line, _)| line);
                        let key = self.path.join(Seg::Key(k)).to_string();
                        let msg =
                            format!("duplicate key (first set at line {line}); merge a list instead: `<<: [*a, *b]`");
                        return Err(Diagnostic::new(Kind::DuplicateKey, Some(key_origin), key, msg));
                    }
                    let sources = match node.value {
                        Value::Map(_) => vec![node],
                        Value::Seq(items) => items,
                        _ => return Err(self.err(Kind::Shape, key_origin, "`<<` merges a map or a list of maps")),
                    };
                    *merge = Some((key_origin, sources));
                    return Ok(());
                }
                // Containers and empty values are reported at their key, where the user looks.
                if matches!(node.value, Value::Map(_) | Value::Seq(_) | Value::Null) {
                    node.origin = key_origin.clone();
                }
                let in_secret = crate::redact::is_secret_path(&self.path);
                let named =
                    |k: &str| if in_secret { crate::redact::REDACTED.to_owned() } else { crate::diag::one_line(k) };
                if let Some(at) = map.position(&k) {
                    let key = crate::redact::shown_path(&self.path.join(Seg::Key(k.clone())));
                    let first = &map.list[at].1;
                    let line = first.origin.position().map_or(0, |(line, _)| line);
                    if !self.manifest {
                        let msg = format!("duplicate key (first set at line {line}); keep one");
                        return Err(Diagnostic::new(Kind::DuplicateKey, Some(key_origin), key, msg));
                    }
                    // The key itself may name the secret (`password` twice in a ConfigMap's data).
                    let hidden = in_secret || crate::redact::is_secret_path(&self.path.join(Seg::Key(k.clone())));
                    let msg = match hidden {
                        true => format!(
                            "set twice in one map (first at line {line} of the rendered document); ArgoCD keeps the last value"
                        ),
                        false => format!(
                            "set twice in one map: {} (line {line} of the rendered document), then {}; ArgoCD keeps the last",
                            shown(first),
                            shown(&node)
                        ),
                    };
                    self.warnings.push(Diagnostic::new(Kind::Repeated, Some(key_origin), key, msg));
                    map.list[at].1 = node;
                    return Ok(());
                }
                for reading in (plain && !self.manifest).then(|| resolve::key_readings(&k)).into_iter().flatten() {
                    if let Some((other, first)) = read_as.get(&reading) {
                        let key = crate::redact::shown_path(&self.path.join(Seg::Key(k.clone())));
                        let line = first.position().map_or(0, |(line, _)| line);
                        let msg = format!(
                            "duplicate key: YAML readers read `{}` and `{}` (line {line}) both as {reading}; keep one",
                            named(&k),
                            named(other)
                        );
                        return Err(Diagnostic::new(Kind::DuplicateKey, Some(key_origin), key, msg));
                    }
                    read_as.insert(reading, (k.clone(), key_origin.clone()));
                }
                map.push(k, node);
            }
        }
        Ok(())
    }

    /// Remembers an anchored value for its aliases, with whether it is a secret's.
    fn anchor(&mut self, anchor: usize, node: &Node) {
        let size = Size { secret: self.in_secret(), ..Size::of(node) };
        self.anchors.insert(anchor, (node.clone(), size));
    }

    /// Whether the value being read sits under a secret's key (its text must not be shown).
    fn in_secret(&self) -> bool {
        crate::redact::is_secret_path(&self.path)
    }

    /// Counts what an alias adds: text read once may not expand into far more data.
    fn charge(&mut self, weight: usize, origin: &Origin) -> Result<(), Diagnostic> {
        self.expanded = self.expanded.saturating_add(weight);
        if self.expanded > self.budget {
            let msg = "aliases expand to far more data than the file holds; refusing (YAML alias bomb?)";
            return Err(self.err(Kind::Limit, origin.clone(), msg));
        }
        Ok(())
    }
}

/// A value as a duplicate-key warning shows it: a scalar's text, a container by its kind.
fn shown(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("\"{}\"", crate::diag::one_line(s)),
        Value::Map(_) => "a map".to_owned(),
        Value::Seq(_) => "a list".to_owned(),
        _ => node.to_json().to_string(),
    }
}
