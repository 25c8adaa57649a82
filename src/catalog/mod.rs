//! The KubeZero catalog: channels, components, their value templates — data, not code.
//!
//! Takes the files of `kubezero/` (embedded at build time, or a directory given with
//! `--kubezero`) and hands on typed [`Channel`]s and [`Component`]s plus a template environment
//! that compiles each component's values template the first time it is used.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use minijinja::{Environment, Expression};
use serde::Deserialize;

use crate::diag::Diagnostic;
use crate::merge::merge_into;
use crate::schema::Schema;
use crate::value::{Node, Origin, Value};

mod env;
mod load;
mod schemas;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
}
pub use schemas::InputSchema;

pub use env::{Refused, FUEL};

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

/// A catalog's files by path relative to its root: borrowed from the binary for the built-in
/// catalog, read for a `--kubezero` directory.
type Files = BTreeMap<String, Cow<'static, str>>;

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
    files: Arc<Files>,
    /// The template environment. Leaked: a catalog lives as long as the process (the built-in
    /// one and a `--kubezero` fork are each built once), and the conditions compiled against it
    /// are kept with it.
    env: &'static Environment<'static>,
    /// Catalog conditions (`when:`) used so far, compiled from their second use on: once per
    /// process, not once per cluster.
    conditions: Mutex<BTreeMap<String, Option<Arc<Expression<'static, 'static>>>>>,
    /// The templates' output, read once per distinct text (see [`Catalog::read_output`]).
    outputs: crate::yaml::Memo,
    /// The templates rendered so far (see [`Catalog::render_template`]).
    rendered: Mutex<std::collections::BTreeSet<String>>,
    input_schema: OnceLock<Result<schemas::InputSchema, Vec<Diagnostic>>>,
    output_schemas: OnceLock<Result<BTreeMap<String, Schema>, Vec<Diagnostic>>>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("root", &self.root).finish_non_exhaustive()
    }
}

impl Catalog {
    /// The template environment (see `env`).
    pub fn env(&self) -> &Environment<'static> {
        self.env
    }

    /// Renders the template `name` (a catalog file, named under the catalog's root). A
    /// template is compiled for each of its first two uses and kept from the second on: one
    /// render uses each template once, and its compiled code (kilobytes each) is better freed
    /// for what comes next; a fleet keeps every template it uses twice.
    pub fn render_template(&self, name: &str, ctx: minijinja::Value) -> Result<String, minijinja::Error> {
        let again = {
            let mut rendered = self.rendered.lock().unwrap_or_else(PoisonError::into_inner);
            let again = rendered.contains(name);
            if !again {
                rendered.insert(name.to_owned());
            }
            again
        };
        let source = name.strip_prefix(&self.root).and_then(|n| n.strip_prefix('/')).and_then(|rel| self.file(rel));
        match (again, source) {
            (false, Some(source)) => self.env.render_named_str(name, source, ctx),
            _ => self.env.get_template(name)?.render(ctx),
        }
    }

    /// A template's output read as YAML: clusters of a fleet often render a template to the
    /// same text, which is then read once.
    pub fn read_output(&self, src: &crate::yaml::Source) -> Result<Vec<Node>, Diagnostic> {
        self.outputs.parse_stream(src)
    }

    /// Evaluates a catalog condition (such as `enabled.kiam`) in `ctx`. Kept compiled from
    /// its second use on, as templates are (see [`Catalog::render_template`]).
    pub fn condition(&self, expr: &str, ctx: minijinja::Value) -> Result<minijinja::Value, minijinja::Error> {
        let kept = {
            let mut conditions = self.conditions.lock().unwrap_or_else(PoisonError::into_inner);
            match conditions.get(expr) {
                Some(Some(kept)) => Some(Arc::clone(kept)),
                Some(None) => {
                    let kept = Arc::new(self.env.compile_expression_owned(expr.to_owned())?);
                    conditions.insert(expr.to_owned(), Some(Arc::clone(&kept)));
                    Some(kept)
                }
                None => {
                    conditions.insert(expr.to_owned(), None);
                    None
                }
            }
        };
        match kept {
            Some(kept) => kept.eval(ctx),
            None => self.env.compile_expression(expr)?.eval(ctx),
        }
    }

    /// A catalog file's text by path relative to the catalog root.
    pub fn file(&self, rel: &str) -> Option<&str> {
        self.files.get(rel).map(|t| &**t)
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

/// The values template of a component, relative to the catalog root.
pub fn template_name(component: &str) -> String {
    format!("components/{component}/values.yaml.j2")
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

    #[test]
    fn the_channels_read_without_building_the_catalog_are_the_catalogs() {
        let cat = Catalog::embedded().expect("the shipped catalog is valid");
        let (default, names) = Catalog::embedded_channels().expect("readable");
        assert_eq!((default, names), (cat.default_channel.clone(), cat.channels.keys().cloned().collect()));
    }

    #[test]
    fn a_condition_is_kept_from_its_second_use_and_a_bad_one_says_why_every_time() {
        let cat = Catalog::build_embedded().expect("the shipped catalog is valid");
        let expr = "enabled.kiam and values.platform == 'aws'";
        let ctx = |kiam: bool| {
            minijinja::context! { enabled => minijinja::context! { kiam }, values => minijinja::context! { platform => "aws" } }
        };
        let verdicts: Vec<(bool, bool)> = (0..3)
            .map(|_| {
                (cat.condition(expr, ctx(true)).unwrap().is_true(), cat.condition(expr, ctx(false)).unwrap().is_true())
            })
            .collect();
        assert_eq!(verdicts, [(true, false); 3]);
        assert!(matches!(cat.conditions.lock().unwrap().get(expr), Some(Some(_))), "kept after its second use");
        for _ in 0..3 {
            let Err(bad) = cat.condition("enabled.kiam and", ctx(true)) else {
                panic!("an incomplete expression is refused")
            };
            assert!(bad.to_string().contains("unexpected end of input"), "{bad}");
        }
    }

    #[test]
    fn a_template_renders_alike_whether_compiled_for_one_use_or_kept() {
        let cat = Catalog::build_embedded().expect("the shipped catalog is valid");
        let name = "kubezero/components/calico/values.yaml.j2";
        let ctx = || {
            minijinja::context! { self => minijinja::context! { network => "cross-subnet", mtu => 8941 }, enabled => minijinja::context! { metrics => true } }
        };
        let kept = cat.env().get_template(name).unwrap().render(ctx()).unwrap();
        assert!(kept.contains("mtu: 8941"), "{kept}");
        for _ in 0..3 {
            assert_eq!(cat.render_template(name, ctx()).unwrap(), kept);
        }
        // Undefined values fail alike too, named and located the same.
        let fresh = Catalog::build_embedded().expect("the shipped catalog is valid");
        let failures: Vec<String> =
            (0..3).map(|_| fresh.render_template(name, minijinja::context! {}).unwrap_err().to_string()).collect();
        assert!(failures[0].contains("undefined") && failures[0].contains("values.yaml.j2"), "{}", failures[0]);
        assert!(failures.iter().all(|f| *f == failures[0]), "{failures:?}");
    }

    #[test]
    fn every_shipped_component_schema_compiles() {
        // Compiled lazily in a run; here all at once, so no schema waits for a cluster to break.
        let cat = Catalog::embedded().expect("the shipped catalog is valid");
        for name in cat.components.keys() {
            cat.compile_component_schema(name).unwrap_or_else(|e| panic!("{name}: {}", e[0]));
        }
    }
}
