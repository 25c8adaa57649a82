//! Reading the catalog: its files (embedded in the binary, or a `--kubezero` directory) into a
//! checked [`Catalog`]. Every problem of every file is collected before giving up.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;

use super::{embedded, env, template_name, Catalog, Channel, Component, ComponentSpec, Files, Kubernetes};
use crate::diag::{Diagnostic, Kind};
use crate::files;
use crate::value::{Node, Origin, Value};
use crate::yaml::{self, Source};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CatalogSpec {
    default_channel: String,
    #[serde(default)]
    ignored_keys: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelSpec {
    description: String,
    kubernetes: Kubernetes,
    components: BTreeMap<String, ChannelComponent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChannelComponent {
    version: String,
}

impl Catalog {
    /// The catalog built into the binary, read once per process.
    pub fn embedded() -> Result<&'static Catalog, Vec<Diagnostic>> {
        static CATALOG: OnceLock<Result<Catalog, Vec<Diagnostic>>> = OnceLock::new();
        CATALOG.get_or_init(Catalog::build_embedded).as_ref().map_err(Clone::clone)
    }

    /// The built-in catalog's default channel and channel names, without building the catalog:
    /// all `argocd parameters` announces, at the cost of reading one small file.
    pub fn embedded_channels() -> Result<(String, Vec<String>), Vec<Diagnostic>> {
        let channels = embedded::FILES
            .iter()
            .filter_map(|(p, _)| p.strip_prefix("channels/")?.strip_suffix(".yaml"))
            .map(str::to_owned)
            .collect();
        let files = embedded::FILES.iter().filter(|(p, _)| *p == "catalog.yaml");
        let files = files.map(|(p, t)| (p.to_string(), Cow::Borrowed(*t))).collect();
        let spec = Reader { root: "kubezero", files: &files }
            .parse("catalog.yaml", &mut Vec::new())
            .and_then(|node| node.get_path(&["defaultChannel"]).and_then(Node::as_str).map(str::to_owned));
        match spec {
            Some(default) => Ok((default, channels)),
            // Never for a catalog the tests have seen; then the whole build says what is wrong.
            None => Catalog::embedded().map(|c| (c.default_channel.clone(), c.channels.keys().cloned().collect())),
        }
    }

    /// Builds the built-in catalog afresh (what the first [`Catalog::embedded`] costs).
    pub fn build_embedded() -> Result<Catalog, Vec<Diagnostic>> {
        Catalog::from_files("kubezero", embedded_files())
    }

    /// A catalog read from a directory laid out like `kubezero/`.
    pub fn from_dir(dir: &Path) -> Result<Catalog, Vec<Diagnostic>> {
        let root = dir.display().to_string();
        let not_a_dir = match std::fs::metadata(dir) {
            Ok(m) if m.is_dir() => None,
            Ok(_) => Some("not a directory".to_owned()),
            Err(e) => Some(e.to_string()),
        };
        if let Some(why) = not_a_dir {
            let msg = format!("cannot read the catalog: {why}");
            return Err(vec![Diagnostic::new(Kind::Io, Some(Origin::file(&root)), "", msg)]);
        }
        let found = files::walk(dir, |_| true);
        let mut errors = found.errors;
        let mut files = BTreeMap::new();
        for path in found.files {
            let rel = path.strip_prefix(dir).expect("below the root").to_string_lossy().replace('\\', "/");
            let name = path.display().to_string();
            match crate::read::read_source(&path, &name) {
                Ok(src) => {
                    files.insert(rel, Cow::Owned(src.text));
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Catalog::from_files(&root, files)
    }

    /// Builds the catalog from its files (the built-in ones, or a `--kubezero` fork's).
    fn from_files(root: &str, files: Files) -> Result<Catalog, Vec<Diagnostic>> {
        let files = Arc::new(files);
        let mut errors = Vec::new();
        let reader = Reader { root, files: &files };
        let (spec, defaults) = match reader.parse("catalog.yaml", &mut errors) {
            Some(mut node) => {
                let defaults = take(&mut node, "defaults");
                (typed::<CatalogSpec>(&node, &mut errors), defaults)
            }
            None => (None, None),
        };
        let components = reader.components(&mut errors);
        let channels = reader.channels(&components, &mut errors);
        errors.extend(check_graph(&components));
        let Some(spec) = spec else { return Err(errors) };
        if !channels.contains_key(&spec.default_channel) {
            let msg = format!("`{}` is not a channel in channels/", spec.default_channel);
            errors.push(Diagnostic::new(Kind::Catalog, None, "defaultChannel", msg));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Catalog {
            root: root.to_owned(),
            default_channel: spec.default_channel,
            ignored_keys: spec.ignored_keys,
            defaults: defaults.unwrap_or_else(|| Node::empty_map(Origin::file(root))),
            channels,
            components,
            env: Box::leak(Box::new(env::environment(root, Arc::clone(&files)))),
            conditions: Mutex::default(),
            outputs: yaml::Memo::default(),
            rendered: Mutex::default(),
            files,
            input_schema: OnceLock::new(),
            output_schemas: OnceLock::new(),
        })
    }
}

/// The built-in catalog's files, borrowed from the binary.
pub(super) fn embedded_files() -> Files {
    embedded::FILES.iter().map(|(p, t)| (p.to_string(), Cow::Borrowed(*t))).collect()
}

/// Reads the catalog's YAML files, naming them under the catalog's root.
pub(super) struct Reader<'a> {
    pub(super) root: &'a str,
    pub(super) files: &'a Files,
}

impl Reader<'_> {
    pub(super) fn parse(&self, rel: &str, errors: &mut Vec<Diagnostic>) -> Option<Node> {
        let name = format!("{}/{rel}", self.root);
        let Some(text) = self.files.get(rel) else {
            errors.push(Diagnostic::new(Kind::Catalog, Some(Origin::file(&name)), "", "catalog file is missing"));
            return None;
        };
        let src = Source { name: Arc::from(name), text: text.to_string() };
        match yaml::parse_stream(&src, &mut Vec::new()) {
            Ok(mut docs) if docs.len() <= 1 => {
                Some(docs.pop().unwrap_or_else(|| Node::empty_map(Origin::at(&src.name, 1, 1))))
            }
            Ok(_) => {
                let at = Some(Origin::at(&src.name, 1, 1));
                errors.push(Diagnostic::new(Kind::Catalog, at, "", "expected one YAML document"));
                None
            }
            Err(e) => {
                errors.push(e);
                None
            }
        }
    }

    fn components(&self, errors: &mut Vec<Diagnostic>) -> BTreeMap<String, Component> {
        let mut components = BTreeMap::new();
        for rel in self.files.keys().filter(|p| p.starts_with("components/") && p.ends_with("/component.yaml")) {
            let name = rel["components/".len()..rel.len() - "/component.yaml".len()].to_owned();
            let Some(mut node) = self.parse(rel, errors) else { continue };
            let origin = node.origin.clone();
            let defaults = take(&mut node, "defaults").unwrap_or_else(|| Node::empty_map(origin.clone()));
            let ignore_differences = take(&mut node, "ignoreDifferences");
            if !self.files.contains_key(&template_name(&name)) {
                let msg = format!("{} is missing", template_name(&name));
                errors.push(Diagnostic::new(Kind::Catalog, Some(origin.clone()), "", msg));
            }
            if let Some(spec) = typed::<ComponentSpec>(&node, errors) {
                components.insert(name.clone(), Component { name, spec, defaults, ignore_differences, origin });
            }
        }
        components
    }

    fn channels(
        &self,
        components: &BTreeMap<String, Component>,
        errors: &mut Vec<Diagnostic>,
    ) -> BTreeMap<String, Channel> {
        let mut channels = BTreeMap::new();
        for rel in self.files.keys().filter(|p| p.starts_with("channels/") && p.ends_with(".yaml")) {
            let name = rel["channels/".len()..rel.len() - ".yaml".len()].to_owned();
            let Some(mut node) = self.parse(rel, errors) else { continue };
            let origin = node.origin.clone();
            let defaults = take(&mut node, "defaults").unwrap_or_else(|| Node::empty_map(origin.clone()));
            let Some(spec) = typed::<ChannelSpec>(&node, errors) else { continue };
            for c in spec.components.keys().filter(|c| !components.contains_key(*c)) {
                let key = format!("components.{c}");
                errors.push(Diagnostic::new(
                    Kind::Catalog,
                    Some(origin.clone()),
                    key,
                    "no such component in components/",
                ));
            }
            let offered = spec.components.into_iter().map(|(k, v)| (k, v.version)).collect();
            let channel = Channel {
                name: name.clone(),
                description: spec.description,
                kubernetes: spec.kubernetes,
                defaults,
                components: offered,
                layer: OnceLock::new(),
            };
            channels.insert(name, channel);
        }
        channels
    }
}

/// Every `requires`/`after` names a component, and the bootstrap order has no cycle.
fn check_graph(components: &BTreeMap<String, Component>) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    for c in components.values() {
        for dep in c.spec.requires.iter().chain(&c.spec.after).filter(|d| !components.contains_key(*d)) {
            errors.push(Diagnostic::new(
                Kind::Catalog,
                Some(c.origin.clone()),
                "",
                format!("`{dep}` is not a component"),
            ));
        }
    }
    if let Some(cycle) = bootstrap_cycle(components) {
        let at = Some(components[&cycle[0]].origin.clone());
        let msg = format!("the bootstrap order has a cycle: {}", cycle.join(" → "));
        errors.push(Diagnostic::new(Kind::Catalog, at, "", msg));
    }
    errors
}

/// A cycle in `requires`/`after`, if there is one (sync waves need an order).
fn bootstrap_cycle(components: &BTreeMap<String, Component>) -> Option<Vec<String>> {
    fn visit(
        name: &str,
        components: &BTreeMap<String, Component>,
        stack: &mut Vec<String>,
        done: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == name) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(name.to_owned());
            return Some(cycle);
        }
        if done.iter().any(|d| d == name) {
            return None;
        }
        stack.push(name.to_owned());
        let c = components.get(name)?;
        for dep in c.spec.requires.iter().chain(&c.spec.after) {
            if let Some(cycle) = visit(dep, components, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.push(name.to_owned());
        None
    }
    let mut done = Vec::new();
    components.keys().find_map(|name| visit(name, components, &mut Vec::new(), &mut done))
}

/// Removes and returns a key of a map node.
fn take(node: &mut Node, key: &str) -> Option<Node> {
    match &mut node.value {
        Value::Map(m) => m.remove(key),
        _ => None,
    }
}

fn typed<T: serde::de::DeserializeOwned>(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<T> {
    crate::value::from_node(node)
        .map_err(|e| {
            let msg = format!("invalid catalog file: {e}");
            errors.push(Diagnostic::new(Kind::Catalog, Some(node.origin.clone()), "", msg))
        })
        .ok()
}
