//! One cluster, end to end: load → merge → derive → render (→ validate). The single code path
//! shared by `render`, `validate`, `diff`, `explain` and the ArgoCD plugin.

use std::collections::BTreeMap;

use crate::catalog::{Catalog, Channel};
use crate::cloudbender;
use crate::derive::{self, Context};
use crate::diag::{self, Diagnostic, Kind};
use crate::layer::{Layer, LayerKind};
use crate::load;
use crate::merge::merge_into;
use crate::render::{self, ChartSource};
use crate::request::Request;
use crate::schema::official::SchemaSet;
use crate::validate;
use crate::value::{Node, Origin, Value};
use crate::yaml::emit;

/// A cluster's inputs, merged.
#[derive(Debug)]
pub struct Cluster<'c> {
    /// The catalog it is rendered with.
    pub catalog: &'c Catalog,
    /// Its channel.
    pub channel: &'c Channel,
    /// The layers above the catalog's ([`Cluster::catalog_layer`]), lowest precedence first.
    pub layers: Vec<Layer>,
    /// The merged values.
    pub values: Node,
    /// Warnings found so far.
    pub warnings: Vec<Diagnostic>,
    /// CloudBender outputs that were present but empty (dotted key → where).
    pub empty_outputs: BTreeMap<String, Origin>,
    /// The Kubernetes version from the environment (ArgoCD's `KUBE_VERSION`), if any.
    pub kube_version: Option<String>,
}

impl Cluster<'_> {
    /// The lowest layer: the catalog's defaults for the channel. Built when asked (`explain`):
    /// a render reads only the merged values.
    pub fn catalog_layer(&self) -> Layer {
        Layer {
            kind: LayerKind::Catalog,
            name: format!("{} (channel {})", self.catalog.root, self.channel.name),
            note: None,
            node: self.catalog.layer(self.channel).clone(),
            set: None,
        }
    }
}

/// A rendered cluster.
#[derive(Debug)]
pub struct Rendered {
    /// The app-of-apps documents, in output order.
    pub docs: Vec<Node>,
    /// Warnings (the input renders, but deserves a look).
    pub warnings: Vec<Diagnostic>,
    /// The chart each Application renders, in document order.
    pub sources: Vec<ChartSource>,
    /// The merged values the documents came from, with provenance.
    pub values: Node,
    /// The cluster's Kubernetes version (`KubernetesVersion`, else ArgoCD's `KUBE_VERSION`, else
    /// the one its channel is tested with).
    pub kube_version: Option<String>,
}

impl Rendered {
    /// The documents as a YAML stream.
    pub fn yaml(&self) -> String {
        emit::stream(&self.docs)
    }

    /// The documents as concatenated JSON objects, one per line.
    pub fn json(&self) -> String {
        let mut out = String::new();
        for doc in &self.docs {
            out.push_str(&serde_json::to_string_pretty(&doc.to_json()).expect("JSON values serialize"));
            out.push('\n');
        }
        out
    }
}

/// Loads and merges a cluster's inputs. On failure, the diagnostics include the warnings.
pub fn resolve<'c>(catalog: &'c Catalog, req: &Request) -> Result<Cluster<'c>, Vec<Diagnostic>> {
    let loaded = load::load(catalog, req)?;
    let mut warnings = loaded.warnings;
    let user = loaded.user;

    let written = user.get_path(&["channel"]);
    if let Some(empty) = written.filter(|n| n.value == Value::Null) {
        // Helm's rule: an empty value means the default. Say so, the operator may have meant another.
        let msg = format!(
            "is empty, so the default channel {} is used; write `channel: {}` to say so",
            catalog.default_channel, catalog.default_channel
        );
        warnings.push(Diagnostic::new(Kind::Defaulted, Some(empty.origin.clone()), "channel", msg));
    }
    let channel = match written.filter(|n| n.value != Value::Null) {
        None => &catalog.channels[&catalog.default_channel],
        Some(node) => match node.as_str().and_then(|c| catalog.channels.get(c)) {
            Some(c) => c,
            None => {
                let names: Vec<&str> = catalog.channels.keys().map(String::as_str).collect();
                let msg = format!("unknown channel {}; choose one of: {}", describe(node), names.join(", "));
                warnings.push(Diagnostic::new(Kind::Invalid, Some(node.origin.clone()), "channel", msg));
                return Err(warnings);
            }
        },
    };
    for (key, why) in &catalog.ignored_keys {
        if let Some(node) = user.get_path(&[key]) {
            warnings.push(Diagnostic::new(Kind::Ignored, Some(node.origin.clone()), key, format!("ignored: {why}")));
        }
    }

    let mut values = catalog.layer(channel).clone();
    // `<component>.values` goes to Helm as it is: its nulls must survive, to delete what
    // kzrender derives and what the chart defaults to (Helm's own rule for -f files).
    let helm_overrides: Vec<(String, Node)> = catalog
        .components
        .keys()
        .filter_map(|c| user.get_path(&[c, "values"]).filter(|v| v.as_map().is_some()).map(|v| (c.clone(), v.clone())))
        .collect();
    merge_into(&mut values, user, false);
    for (component, overrides) in helm_overrides {
        if let Some(merged) = values.get_path_mut(&[component.as_str(), "values"]) {
            merge_into(merged, overrides, true);
        }
    }
    // Findings about the top level (a missing ClusterName) belong to the operator's file.
    if let Some(cluster_file) = loaded.layers.iter().find(|l| l.kind == LayerKind::Cluster) {
        values.origin = cluster_file.node.origin.clone();
    }
    warnings.extend(overridden_by_outputs(&loaded.layers));
    Ok(Cluster {
        catalog,
        channel,
        layers: loaded.layers,
        values,
        warnings,
        empty_outputs: loaded.empty_outputs,
        kube_version: req.kube_version.clone(),
    })
}

/// Renders a resolved cluster.
pub fn render(cluster: Cluster<'_>, official: &SchemaSet) -> Result<Rendered, Vec<Diagnostic>> {
    let Cluster { catalog, channel, values, mut warnings, empty_outputs, kube_version, .. } = cluster;
    let fail = |mut warnings: Vec<Diagnostic>, errors: Vec<Diagnostic>| {
        warnings.extend(errors);
        diag::tidy(&mut warnings);
        warnings
    };
    let invalid = validate::values(catalog, channel, &values, kube_version.as_deref());
    if diag::has_errors(&invalid) {
        return Err(fail(warnings, invalid));
    }
    let ctx = Context::new(catalog, &values, &channel.name);
    let derived = match derive::derive(catalog, channel, &ctx, &values, &empty_outputs) {
        Ok(d) => d,
        Err(e) => return Err(fail(warnings, e)),
    };
    if derived.is_empty() {
        let msg = "no component is enabled: ArgoCD would take the empty app-of-apps as \"no resources\" and prune every Application of the cluster; enable at least one component";
        return Err(fail(warnings, vec![Diagnostic::new(Kind::Unsupported, Some(values.origin.clone()), "", msg)]));
    }
    warnings.extend(derived.iter().flat_map(|d| d.exposed_secrets(&values)));
    let render::AppOfApps { docs, sources } = match render::documents(catalog, &ctx, &values, derived) {
        Ok(d) => d,
        Err(e) => return Err(fail(warnings, e)),
    };
    let written = values.get_path(&["KubernetesVersion"]).and_then(Node::as_str).map(str::to_owned);
    // Helm renders for the cluster's version, else the one its channel is tested with.
    let kube_version = written.or(kube_version).or_else(|| Some(channel.kubernetes.version.clone()));
    let invalid = validate::documents(catalog, official, &docs, kube_version.as_deref());
    if diag::has_errors(&invalid) {
        return Err(fail(warnings, invalid));
    }
    diag::tidy(&mut warnings);
    Ok(Rendered { docs, warnings, sources, values, kube_version })
}

/// Loads, merges and renders one cluster.
pub fn render_cluster(catalog: &Catalog, official: &SchemaSet, req: &Request) -> Result<Rendered, Vec<Diagnostic>> {
    render(resolve(catalog, req)?, official)
}

/// Where a CloudBender output replaces a different value the operator wrote, say so: the
/// operator may not know the file wins.
fn overridden_by_outputs(layers: &[Layer]) -> Vec<Diagnostic> {
    let operator: Vec<&Layer> = layers.iter().filter(|l| l.kind == LayerKind::Cluster).collect();
    let mut out = Vec::new();
    for cb in layers.iter().filter(|l| l.kind == LayerKind::CloudBender) {
        for (path, node) in cb.node.leaves() {
            for op in &operator {
                if let Some(mine) = op.node.at(&path).filter(|m| !m.same_data(node)) {
                    let msg = format!(
                        "CloudBender's {} overrides {} set at {}",
                        cloudbender::shown(&path, node),
                        cloudbender::shown(&path, mine),
                        mine.origin
                    );
                    out.push(Diagnostic::new(Kind::Overridden, Some(node.origin.clone()), path.to_string(), msg));
                }
            }
        }
    }
    out
}

fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str(s) => format!("`{s}`"),
        _ => format!("(a {})", node.type_name()),
    }
}
