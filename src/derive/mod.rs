//! Deriving each enabled component's Helm values from the merged cluster values (the 2020
//! KubeZero deploy logic, written as catalog templates).
//!
//! Takes the catalog, the channel and the merged values; checks what the catalog says about the
//! enabled components (channel, platform, requirements, required settings); computes the sync
//! waves; renders each component's template and lays its `values` over the result. Hands on one
//! [`Derived`] per enabled component, in catalog order.

mod template;

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Channel, Component};
use crate::diag::{Diagnostic, Kind};
use crate::merge::merge_into;
use crate::value::{KeyPath, Node, Origin, Value};

use template::render_values;
pub use template::{to_jinja, Context};

/// An enabled component, ready to become an Application.
#[derive(Debug)]
pub struct Derived<'c> {
    /// The catalog entry.
    pub component: &'c Component,
    /// Its merged settings (`enabled`, `namespace`, ...).
    pub settings: Node,
    /// Its Helm values: the template's output with the operator's `values` laid over.
    pub helm_values: Node,
    /// Its sync wave: its depth in the bootstrap graph among enabled components.
    pub wave: u32,
}

impl Derived<'_> {
    /// A warning for every secret in the Helm values: they are part of the Application, which
    /// everyone allowed to read Applications in ArgoCD can read. Names the key, never the value.
    pub fn exposed_secrets(&self, values: &Node) -> Vec<Diagnostic> {
        let name = &self.component.name;
        // A secret value: a scalar under a secret-named key that is not a reference to a Secret.
        let secret = |path: &KeyPath, node: &Node| {
            let key = path.keys().last().unwrap_or_default();
            let scalar = !matches!(node.value, Value::Map(_) | Value::Seq(_));
            let under_reference = path.keys().any(crate::redact::is_reference_key);
            crate::redact::is_secret_key(key) && scalar && !under_reference
        };
        let secrets = self.helm_values.find(secret);
        secrets
            .into_iter()
            .map(|path| {
                // Name the operator's setting where it has the same name, else the Helm value.
                let setting = [KeyPath::of(&[name]), KeyPath::of(&[name.as_str(), "values"])]
                    .into_iter()
                    .map(|prefix| KeyPath(prefix.0.into_iter().chain(path.0.iter().cloned()).collect()))
                    .find(|p| values.at(p).is_some());
                let (key, at) = match setting {
                    Some(p) => (p.to_string(), values.at(&p).map(|n| n.origin.clone())),
                    None => (format!("{name}.values.{path}"), None),
                };
                let msg = format!(
                    "a secret in the helm.values of Application {name}, which everyone allowed to read Applications in ArgoCD can read; deliver it as a Kubernetes Secret instead"
                );
                Diagnostic::new(Kind::Exposed, at, key, msg)
            })
            .collect()
    }
}

/// Which catalog components are enabled in the merged values.
pub fn enabled_components(catalog: &Catalog, values: &Node) -> BTreeMap<String, bool> {
    catalog.components.keys().map(|name| (name.clone(), is_enabled(values, name))).collect()
}

/// Whether the merged `values` turn `component` on (`<component>.enabled: true`).
pub fn is_enabled(values: &Node, component: &str) -> bool {
    values.get_path(&[component, "enabled"]).and_then(Node::as_bool).unwrap_or(false)
}

/// Checks the enabled components against the catalog and derives their Helm values.
pub fn derive<'c>(
    catalog: &'c Catalog,
    channel: &Channel,
    ctx: &Context,
    values: &Node,
    empty_outputs: &BTreeMap<String, Origin>,
) -> Result<Vec<Derived<'c>>, Vec<Diagnostic>> {
    let enabled = ctx.enabled();
    let on: Vec<&Component> = catalog.components.values().filter(|c| enabled[&c.name]).collect();
    let mut errors: Vec<Diagnostic> =
        on.iter().flat_map(|c| check_component(catalog, channel, ctx, values, empty_outputs, c)).collect();
    if !errors.is_empty() {
        return Err(errors);
    }

    let waves = waves(&on);
    let mut out = Vec::new();
    for c in on {
        let settings = values.get_path(&[&c.name]).cloned().expect("an enabled component has settings");
        match render_values(catalog, ctx, c, values) {
            Ok(mut helm_values) => {
                if let Some(user) = settings.get_path(&["values"]) {
                    // Nulls stay: Helm deletes the chart's default for them.
                    merge_into(&mut helm_values, user.clone(), true);
                }
                out.push(Derived { component: c, settings, helm_values, wave: waves[&c.name] });
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// What the catalog says against an enabled component here: its channel, its platform, its
/// requirements, and the settings it needs (CloudBender's outputs on AWS).
fn check_component(
    catalog: &Catalog,
    channel: &Channel,
    ctx: &Context,
    values: &Node,
    empty_outputs: &BTreeMap<String, Origin>,
    c: &Component,
) -> Vec<Diagnostic> {
    let enabled = ctx.enabled();
    let platform = values.get_path(&["platform"]);
    let mut errors = Vec::new();
    let at = values.get_path(&[&c.name, "enabled"]).map(|n| n.origin.clone());
    let key = format!("{}.enabled", c.name);
    if !channel.components.contains_key(&c.name) {
        let offering = catalog.channels_offering(&c.name).join(", ");
        let msg = format!("{} is not offered on channel {}; channels that offer it: {offering}", c.name, channel.name);
        errors.push(Diagnostic::new(Kind::Unsupported, at.clone(), &key, msg));
        // What it would need on this channel is moot.
        return errors;
    }
    if let (false, Some(p)) = (c.spec.platforms.is_empty(), platform.and_then(Node::as_str)) {
        if !c.spec.platforms.iter().any(|x| x == p) {
            let msg = format!(
                "{} runs only on platform {}, this cluster's platform is {p}",
                c.name,
                c.spec.platforms.join(", ")
            );
            errors.push(Diagnostic::new(Kind::Unsupported, at.clone(), &key, msg));
        }
    }
    for dep in c.spec.requires.iter().filter(|d| !enabled.get(*d).copied().unwrap_or(false)) {
        let msg = format!("{} requires {dep}; enable {dep} or disable {}", c.name, c.name);
        errors.push(Diagnostic::new(Kind::Unsupported, at.clone(), &key, msg));
    }
    if let Some(req) = &c.spec.required {
        let applies = match &req.when {
            Some(expr) => ctx.holds(catalog, expr).unwrap_or_else(|e| {
                errors.push(Diagnostic::new(e.kind, Some(c.origin.clone()), "", e.message));
                false
            }),
            None => true,
        };
        for setting in req.settings.iter().filter(|_| applies) {
            let key = format!("{}.{setting}", c.name);
            if let Some(at) = empty_outputs.get(&key).filter(|_| values.get_path(&[&c.name, setting]).is_none()) {
                let msg = format!(
                    "is required when {} is enabled, but CloudBender wrote it empty (it does so when a stack update had no changes); refresh it with `cloudbender outputs <stack>` and copy the file again",
                    c.name
                );
                errors.push(Diagnostic::new(Kind::Unsupported, Some(at.clone()), key, msg));
            } else if let Some(problem) = missing(values, &c.name, setting) {
                let written = values.get_path(&[&c.name, setting]).or_else(|| values.get_path(&[&c.name]));
                // Enabled by the catalog, not the operator: say so, at the operator's file.
                let by_default =
                    written.is_none_or(|n| n.origin.file_name().is_some_and(|f| f.starts_with(&catalog.root)));
                let (at, problem) = match by_default {
                    true => (
                        Some(values.origin.clone()),
                        format!(
                            "{problem}: {} is enabled by default on channel {}; add CloudBender's export that sets it \
                             (cloudbender.yaml), or set `{}.enabled: false`",
                            c.name, channel.name, c.name
                        ),
                    ),
                    false => (
                        written.map(|n| n.origin.clone()),
                        format!("{problem}; CloudBender exports it (cloudbender.yaml, or outputs/: `kzrender outputs import`)"),
                    ),
                };
                errors.push(Diagnostic::new(Kind::Unsupported, at, key, problem));
            }
        }
    }
    errors
}

/// Why a required setting is unusable, if it is.
fn missing(values: &Node, component: &str, setting: &str) -> Option<String> {
    match values.get_path(&[component, setting]).map(|n| &n.value) {
        None | Some(Value::Null) => Some(format!("is required when {component} is enabled, but is not set")),
        Some(Value::Str(s)) if s.trim().is_empty() => {
            Some(format!("is required when {component} is enabled, but is empty"))
        }
        _ => None,
    }
}

/// Sync waves: 0 for components nothing enabled precedes, else one more than the latest predecessor.
fn waves(on: &[&Component]) -> BTreeMap<String, u32> {
    // Only enabled components are in `by_name`; the catalog refuses cycles, so this ends.
    let by_name: BTreeMap<&str, &Component> = on.iter().map(|c| (c.name.as_str(), *c)).collect();
    fn depth(c: &Component, by_name: &BTreeMap<&str, &Component>) -> u32 {
        let before = c.spec.requires.iter().chain(&c.spec.after).filter_map(|p| by_name.get(p.as_str()));
        before.map(|p| 1 + depth(p, by_name)).max().unwrap_or(0)
    }
    on.iter().map(|c| (c.name.clone(), depth(c, &by_name))).collect()
}
