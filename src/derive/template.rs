//! The catalog's templates at work: the context a template or a condition sees, a component's
//! `values.yaml.j2` rendered into its Helm values, and a template's failure located in the
//! template (file, line, column, the line itself) or, for `fail()`, at the user's value.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::{ErrorKind, Value as Jv};

use super::enabled_components;
use crate::catalog::{template_name, Catalog, Component, Refused};
use crate::diag::{Diagnostic, Kind};
use crate::value::{KeyPath, Node, Origin, Value};
use crate::yaml::Source;

/// Template context shared by all components of one cluster, built once per render.
pub struct Context {
    values: Jv,
    enabled: Jv,
    enabled_map: BTreeMap<String, bool>,
    channel: String,
}

impl Context {
    /// The context a template or a catalog expression sees: `values`, `enabled`, `channel`.
    pub fn new(catalog: &Catalog, values: &Node, channel: &str) -> Self {
        let enabled_map = enabled_components(catalog, values);
        Context {
            values: to_jinja(values),
            enabled: Jv::from(enabled_map.clone()),
            enabled_map,
            channel: channel.to_owned(),
        }
    }

    /// Which catalog components are enabled.
    pub fn enabled(&self) -> &BTreeMap<String, bool> {
        &self.enabled_map
    }

    pub(super) fn for_component(&self, name: &str) -> Jv {
        let own = self.values.get_attr(name).unwrap_or(Jv::UNDEFINED);
        minijinja::context! { values => &self.values, enabled => &self.enabled, channel => self.channel.as_str(), name => name, self => own }
    }

    /// Evaluates a catalog condition such as `enabled.kiam`.
    pub fn holds(&self, catalog: &Catalog, expr: &str) -> Result<bool, crate::diag::Error> {
        let ctx =
            minijinja::context! { values => &self.values, enabled => &self.enabled, channel => self.channel.as_str() };
        catalog.condition(expr, ctx).map(|v| v.is_true()).map_err(|e| {
            let message = match e.kind() {
                ErrorKind::SyntaxError => format!("invalid catalog condition `{expr}`: {e}"),
                _ => format!("catalog condition `{expr}`: {e}"),
            };
            crate::diag::Error::new(Kind::Catalog, message)
        })
    }
}

/// Renders a component's values template into its Helm values (a map).
pub fn render_values(catalog: &Catalog, ctx: &Context, c: &Component, values: &Node) -> Result<Node, Diagnostic> {
    let rel = template_name(&c.name);
    let name = format!("{}/{rel}", catalog.root);
    let file: Arc<str> = Arc::from(name.as_str());
    let text = catalog
        .render_template(&name, ctx.for_component(&c.name))
        .map_err(|e| template_error(catalog, &rel, &file, &c.name, values, &e))?;
    let src = Source { name: Arc::clone(&file), text };
    let mut docs = catalog.read_output(&src).map_err(|e| {
        // The YAML error is in the output, which no one can open: name the template and show
        // the output line.
        let line = e.origin.as_ref().and_then(Origin::position).map_or(0, |(l, _)| l);
        let shown = src.text.lines().nth(line.saturating_sub(1) as usize).unwrap_or_default().to_owned();
        let msg = format!("renders invalid YAML (line {line} of its output): {}", e.message);
        Diagnostic::new(Kind::Template, Some(Origin::file(&name)), &c.name, msg).with_excerpt(shown)
    })?;
    match docs.pop() {
        None | Some(Node { value: Value::Null, .. }) => Ok(Node::empty_map(Origin::at(&file, 1, 1))),
        Some(n @ Node { value: Value::Map(_), .. }) => Ok(n),
        Some(n) => {
            let msg = format!("template must produce a map, produced {}", n.a_type());
            Err(Diagnostic::new(Kind::Template, Some(Origin::file(&name)), &c.name, msg))
        }
    }
}

/// Maps a template error to a diagnostic; `fail(key, message)` errors point at the user's value.
fn template_error(
    catalog: &Catalog,
    rel: &str,
    file: &Arc<str>,
    component: &str,
    values: &Node,
    e: &minijinja::Error,
) -> Diagnostic {
    use std::error::Error;
    if let Some(refused) = e.source().and_then(|s| s.downcast_ref::<Refused>()) {
        let path = KeyPath::parse(&refused.key);
        // The value, else where it belongs: its nearest parent that is set (a top-level key
        // the operator's file), not the last layer that touched the component.
        let parents = (0..path.segs().len()).rev().map(|n| KeyPath(path.segs()[..n].to_vec()));
        let at = values.at(&path).or_else(|| parents.into_iter().find_map(|p| values.at(&p))).map(|n| n.origin.clone());
        return Diagnostic::new(Kind::Invalid, at, &refused.key, &refused.message);
    }
    let source = catalog.file(rel).unwrap_or_default();
    let range = e
        .range()
        .filter(|r| r.end <= source.len() && source.is_char_boundary(r.start) && source.is_char_boundary(r.end));
    let message = match (e.kind(), &range) {
        (ErrorKind::UndefinedError, Some(r)) => format!("undefined value `{}`", &source[r.clone()]),
        (ErrorKind::OutOfFuel, _) => format!(
            "template error: the template took more than {} steps and was stopped; does a loop never end?",
            crate::catalog::FUEL
        ),
        _ => format!("template error: {}", e.detail().unwrap_or("failed")),
    };
    let Some(range) = range else {
        let at = Origin::at(file, e.line().unwrap_or(0) as u32, 0);
        return Diagnostic::new(Kind::Template, Some(at), component, message);
    };
    let line_start = source[..range.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = source[range.start..].find('\n').map_or(source.len(), |i| range.start + i);
    let line = source[..range.start].matches('\n').count() + 1;
    let col = source[line_start..range.start].chars().count() + 1;
    let width = source[range.start..range.end.min(line_end)].chars().count().max(1);
    let excerpt = format!("{}\n{}{}", &source[line_start..line_end], " ".repeat(col - 1), "^".repeat(width));
    Diagnostic::new(Kind::Template, Some(Origin::at(file, line as u32, col as u32)), component, message)
        .with_excerpt(excerpt)
}

/// Converts a value tree to the template engine's values.
pub fn to_jinja(node: &Node) -> Jv {
    match &node.value {
        Value::Null => Jv::from(()),
        Value::Bool(b) => Jv::from(*b),
        Value::Int(i) => Jv::from(*i),
        Value::Float(f) => Jv::from(*f),
        Value::Str(s) => Jv::from(s.as_str()),
        Value::Seq(items) => Jv::from(items.iter().map(to_jinja).collect::<Vec<_>>()),
        Value::Map(m) => Jv::from(m.iter().map(|(k, v)| (k.clone(), to_jinja(v))).collect::<BTreeMap<_, _>>()),
    }
}
