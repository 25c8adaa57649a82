//! The KubeZero catalog: channels, components, their value templates — data, not code.
//!
//! Takes the files of `kubezero/` (embedded at build time, or a directory given with
//! `--kubezero`) and hands on typed [`Channel`]s and [`Component`]s plus a template environment
//! that compiles each component's values template the first time it is used.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use minijinja::{Environment, Error as TemplateError, ErrorKind, UndefinedBehavior};
use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::merge::merge_into;
use crate::schema::Schema;
use crate::value::{Node, Origin, Value};
use crate::yaml::{self, Source};

mod schemas;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}

/// A KubeZero channel: a branch of the distribution and the components it offers.
#[derive(Debug)]
pub struct Channel {
    /// `master`, `stable`, ...
    pub name: String,
    /// One line for docs.
    pub description: String,
    /// The Kubernetes version it is tested with and the range it accepts.
    pub kubernetes: Kubernetes,
    /// Values layered over the catalog defaults for clusters on this channel.
    pub defaults: Node,
    /// Offered components and their upstream versions.
    pub components: BTreeMap<String, String>,
    /// The whole lowest layer for this channel, built on first use (see [`Catalog::layer`]).
    layer: OnceLock<Node>,
}

/// Kubernetes versions of a channel.
#[derive(Debug, Deserialize)]
pub struct Kubernetes {
    /// The version the channel is tested with, e.g. `1.16.12`.
    pub version: String,
    /// The accepted range, Helm `kubeVersion` style, e.g. `>=1.16.0-0`.
    pub range: String,
}

/// A KubeZero component: one Helm chart, one ArgoCD Application.
#[derive(Debug)]
pub struct Component {
    /// The component key, the Application name and Helm release name.
    pub name: String,
    /// The parsed `component.yaml` (without `defaults` and `ignoreDifferences`).
    pub spec: ComponentSpec,
    /// Default settings (`enabled`, `namespace`, ...), with positions in the catalog.
    pub defaults: Node,
    /// Copied into the Application's `spec.ignoreDifferences`.
    pub ignore_differences: Option<Node>,
    /// Where `component.yaml` is, for messages.
    pub origin: Origin,
}

/// The typed part of `component.yaml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ComponentSpec {
    /// One line for docs.
    pub description: String,
    /// Platforms it runs on; empty means all.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Components that must be enabled too (they also sync first).
    #[serde(default)]
    pub requires: Vec<String>,
    /// Components that sync first when they are enabled.
    #[serde(default)]
    pub after: Vec<String>,
    /// Overrides the channel's Kubernetes range for this component.
    pub kube_version: Option<String>,
    /// CloudBender output key → setting of this component.
    #[serde(default)]
    pub outputs: BTreeMap<String, String>,
    /// Settings that must be present and non-empty.
    pub required: Option<Required>,
    /// Emit a Namespace for the component's namespace, with these annotations.
    pub create_namespace: Option<NamespaceSpec>,
}

/// Settings that must be set when a condition holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Required {
    /// Setting names of the component.
    pub settings: Vec<String>,
    /// A template expression over `values` and `enabled`; absent means always.
    pub when: Option<String>,
}

/// A Namespace the app-of-apps creates for a component.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamespaceSpec {
    /// Annotations, each optionally conditional.
    #[serde(default)]
    pub annotations: Vec<Annotation>,
}

/// One conditional annotation.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    /// Annotation key.
    pub name: String,
    /// Annotation value.
    pub value: String,
    /// A template expression; absent means always.
    pub when: Option<String>,
}

/// The whole catalog.
pub struct Catalog {
    /// How the catalog's files are named in messages (`kubezero` or the `--kubezero` path).
    pub root: String,
    /// Channel for clusters that name none.
    pub default_channel: String,
    /// Top-level keys accepted but ignored, with the reason shown in a warning.
    pub ignored_keys: BTreeMap<String, String>,
    /// Cluster-wide defaults.
    pub defaults: Node,
    /// Channels by name.
    pub channels: BTreeMap<String, Channel>,
    /// Components by name.
    pub components: BTreeMap<String, Component>,
    /// Every file's text by relative path (templates and schemas are read from here).
    files: Arc<BTreeMap<String, String>>,
    env: Environment<'static>,
    input_schema: OnceLock<Result<Schema, Vec<Diagnostic>>>,
    output_schemas: OnceLock<Result<BTreeMap<String, Schema>, Vec<Diagnostic>>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("root", &self.root).finish_non_exhaustive()
    }
}

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
    /// The catalog built into the binary, parsed once per process.
    pub fn embedded() -> Result<&'static Catalog, Vec<Diagnostic>> {
        static CATALOG: OnceLock<Result<Catalog, Vec<Diagnostic>>> = OnceLock::new();
        CATALOG
            .get_or_init(|| {
                let files = embedded::FILES.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
                let parsed = embedded::PARSED.iter().map(|(p, j)| (p.to_string(), *j)).collect();
                Catalog::from_files("kubezero", files, &parsed)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// A catalog read from a directory laid out like `kubezero/`.
    pub fn from_dir(dir: &Path) -> Result<Catalog, Vec<Diagnostic>> {
        let root = dir.display().to_string();
        let mut files = BTreeMap::new();
        read_tree(dir, dir, &mut files).map_err(|e| {
            vec![Diagnostic::error(Some(Origin::synthetic(&root)), "", format!("cannot read the catalog: {e}"))]
        })?;
        Catalog::from_files(&root, files, &BTreeMap::new())
    }

    /// Builds the catalog from its files; `parsed` holds YAML files the build already parsed
    /// (positioned JSON), which are read instead of parsed again.
    fn from_files(
        root: &str,
        files: BTreeMap<String, String>,
        parsed: &BTreeMap<String, &str>,
    ) -> Result<Catalog, Vec<Diagnostic>> {
        let files = Arc::new(files);
        let mut errors = Vec::new();
        let parse = |rel: &str, errors: &mut Vec<Diagnostic>| -> Option<Node> {
            let name: Arc<str> = Arc::from(format!("{root}/{rel}"));
            let json = parsed.get(rel).and_then(|j| serde_json::from_str(j).ok());
            if let Some(node) = json.and_then(|j| Node::from_positioned_json(&name, &j)) {
                return Some(node);
            }
            let Some(text) = files.get(rel) else {
                errors.push(Diagnostic::error(
                    Some(Origin::synthetic(&format!("{root}/{rel}"))),
                    "",
                    "catalog file is missing",
                ));
                return None;
            };
            let src = Source { name: Arc::from(format!("{root}/{rel}")), text: text.clone() };
            match yaml::parse_stream(&src, &mut Vec::new()) {
                Ok(mut docs) if docs.len() <= 1 => {
                    Some(docs.pop().unwrap_or_else(|| Node::empty_map(Origin::new(&src.name, 1, 1))))
                }
                Ok(_) => {
                    errors.push(Diagnostic::error(
                        Some(Origin::new(&src.name, 1, 1)),
                        "",
                        "expected one YAML document",
                    ));
                    None
                }
                Err(e) => {
                    errors.push(e);
                    None
                }
            }
        };

        let top = parse("catalog.yaml", &mut errors);
        let (spec, defaults) = match top {
            Some(mut node) => {
                let defaults = take(&mut node, "defaults");
                (typed::<CatalogSpec>(&node, &mut errors), defaults)
            }
            None => (None, None),
        };

        let mut components = BTreeMap::new();
        for rel in files.keys().filter(|p| p.starts_with("components/") && p.ends_with("/component.yaml")) {
            let name = rel["components/".len()..rel.len() - "/component.yaml".len()].to_owned();
            let Some(mut node) = parse(rel, &mut errors) else { continue };
            let origin = node.origin.clone();
            let defaults = take(&mut node, "defaults").unwrap_or_else(|| Node::empty_map(origin.clone()));
            let ignore_differences = take(&mut node, "ignoreDifferences");
            if !files.contains_key(&template_name(&name)) {
                errors.push(Diagnostic::error(
                    Some(origin.clone()),
                    "",
                    format!("{} is missing", template_name(&name)),
                ));
            }
            if let Some(spec) = typed::<ComponentSpec>(&node, &mut errors) {
                components.insert(name.clone(), Component { name, spec, defaults, ignore_differences, origin });
            }
        }

        let mut channels = BTreeMap::new();
        for rel in files.keys().filter(|p| p.starts_with("channels/") && p.ends_with(".yaml")) {
            let name = rel["channels/".len()..rel.len() - ".yaml".len()].to_owned();
            let Some(mut node) = parse(rel, &mut errors) else { continue };
            let origin = node.origin.clone();
            let defaults = take(&mut node, "defaults").unwrap_or_else(|| Node::empty_map(origin.clone()));
            let Some(spec) = typed::<ChannelSpec>(&node, &mut errors) else { continue };
            for c in spec.components.keys().filter(|c| !components.contains_key(*c)) {
                errors.push(Diagnostic::error(
                    Some(origin.clone()),
                    format!("components.{c}"),
                    "no such component in components/",
                ));
            }
            let components = spec.components.into_iter().map(|(k, v)| (k, v.version)).collect();
            channels.insert(
                name.clone(),
                Channel {
                    name,
                    description: spec.description,
                    kubernetes: spec.kubernetes,
                    defaults,
                    components,
                    layer: OnceLock::new(),
                },
            );
        }

        for c in components.values() {
            for dep in c.spec.requires.iter().chain(&c.spec.after).filter(|d| !components.contains_key(*d)) {
                errors.push(Diagnostic::error(Some(c.origin.clone()), "", format!("`{dep}` is not a component")));
            }
        }
        if let Some(cycle) = bootstrap_cycle(&components) {
            let at = Some(components[&cycle[0]].origin.clone());
            errors.push(Diagnostic::error(at, "", format!("the bootstrap order has a cycle: {}", cycle.join(" → "))));
        }
        let Some(spec) = spec else { return Err(errors) };
        if !channels.contains_key(&spec.default_channel) {
            errors.push(Diagnostic::error(
                None,
                "defaultChannel",
                format!("`{}` is not a channel in channels/", spec.default_channel),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let defaults = defaults.unwrap_or_else(|| Node::empty_map(Origin::synthetic(root)));
        Ok(Catalog {
            root: root.to_owned(),
            default_channel: spec.default_channel,
            ignored_keys: spec.ignored_keys,
            defaults,
            channels,
            components,
            env: environment(root, Arc::clone(&files)),
            files,
            input_schema: OnceLock::new(),
            output_schemas: OnceLock::new(),
        })
    }

    /// The template environment: strict, no autoescape, every printed value must be `| tojson`.
    pub fn env(&self) -> &Environment<'static> {
        &self.env
    }

    /// A catalog file's text by path relative to the catalog root.
    pub fn file(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(String::as_str)
    }

    /// The lowest layer of a cluster on `channel`: the catalog defaults, each offered component's
    /// defaults, the channel's name, then the channel's own defaults. Built once per channel per
    /// process (a fleet of a thousand clusters shares it).
    pub fn layer<'c>(&self, channel: &'c Channel) -> &'c Node {
        channel.layer.get_or_init(|| {
            let under = |key: &str, node: Node, origin: &Origin| {
                let mut m = crate::value::Map::new();
                m.insert(key.to_owned(), node);
                Node::new(Value::Map(m), origin.clone())
            };
            let mut layer = self.defaults.clone();
            for name in channel.components.keys() {
                let c = &self.components[name];
                merge_into(&mut layer, under(name, c.defaults.clone(), &c.origin), false);
            }
            let origin = &channel.defaults.origin;
            merge_into(
                &mut layer,
                under("channel", Node::new(Value::Str(channel.name.clone()), origin.clone()), origin),
                false,
            );
            merge_into(&mut layer, channel.defaults.clone(), false);
            layer
        })
    }

    /// The channels that offer a component, for messages.
    pub fn channels_offering(&self, component: &str) -> Vec<&str> {
        self.channels.values().filter(|c| c.components.contains_key(component)).map(|c| c.name.as_str()).collect()
    }
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

/// The values template of a component, relative to the catalog root.
pub fn template_name(component: &str) -> String {
    format!("components/{component}/values.yaml.j2")
}

fn environment(root: &str, files: Arc<BTreeMap<String, String>>) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build();
    env.set_syntax(syntax.expect("the default delimiters are valid"));
    env.set_debug(true);
    let prefix = format!("{root}/");
    env.set_loader(move |name| Ok(name.strip_prefix(&prefix).and_then(|rel| files.get(rel)).cloned()));
    // Values are data: a string printed without `| tojson` could smuggle YAML structure (or a
    // document separator) into the output, so the formatter refuses it outright.
    env.set_formatter(|out, _state, value| {
        if value.is_safe()
            || matches!(value.kind(), minijinja::value::ValueKind::Number | minijinja::value::ValueKind::Bool)
        {
            out.write_str(&value.to_string()).map_err(|_| TemplateError::new(ErrorKind::WriteFailure, "write failed"))
        } else {
            Err(TemplateError::new(
                ErrorKind::InvalidOperation,
                format!("prints `{value}` without `| tojson`; values must be printed as JSON"),
            ))
        }
    });
    env.add_function("fail", |key: String, message: String| -> Result<String, TemplateError> {
        Err(TemplateError::new(ErrorKind::InvalidOperation, format!("{key}\u{0}{message}")))
    });
    env
}

/// Removes and returns a key of a map node.
fn take(node: &mut Node, key: &str) -> Option<Node> {
    match &mut node.value {
        Value::Map(m) => m.remove(key),
        _ => None,
    }
}

fn typed<T: serde::de::DeserializeOwned>(node: &Node, errors: &mut Vec<Diagnostic>) -> Option<T> {
    serde_json::from_value(node.to_json())
        .map_err(|e| {
            errors.push(Diagnostic::error(Some(node.origin.clone()), "", format!("invalid catalog file: {e}")))
        })
        .ok()
}

fn read_tree(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            read_tree(root, &path, files)?;
        } else if entry.file_type()?.is_file() {
            let rel = path.strip_prefix(root).expect("below root").to_string_lossy().replace('\\', "/");
            files.insert(rel, std::fs::read_to_string(&path)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_loads_with_both_channels() {
        let cat = Catalog::embedded().expect("the shipped catalog is valid");
        assert_eq!(cat.channels.keys().collect::<Vec<_>>(), ["master", "stable"]);
        assert_eq!(cat.default_channel, "stable");
        assert_eq!(cat.channels_offering("logging"), ["master"]);
        assert!(cat.components["calico"].defaults.get_path(&["retain"]).and_then(Node::as_bool).unwrap());
    }
}
