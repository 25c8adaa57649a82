//! ArgoCD's config-management-plugin environment → the same [`Request`] the CLI builds
//! (the README's "Running kzrender in ArgoCD"), and the dynamic parameter announcement.
//!
//! Inputs, highest precedence first: `ARGOCD_APP_PARAMETERS` (`channel`, `values`, `set`), then
//! the Application's `plugin.env` (`ARGOCD_ENV_CHANNEL`, `ARGOCD_ENV_VALUES`), then the cluster's
//! own files; `KUBE_VERSION` is checked when `KubernetesVersion` is not set.
//!
//! The repository checkout is what ArgoCD sent: found from the real working directory and
//! `ARGOCD_APP_SOURCE_PATH` ([`repo_root`]), whether the whole repository was sent or, with
//! `manifest-generate-paths`, only part of it; every file read is checked against it.

mod info;
mod root;

use std::path::{Path, PathBuf};

use serde_json::Value as J;

use crate::request::{Confine, Overlay, Request, Set};
use crate::strvals::Flag;
pub use info::{carry_warnings, INFO_NAME};
use root::repo_root;

/// Why the plugin environment cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// `ARGOCD_APP_PARAMETERS` is not the JSON ArgoCD sends.
    #[error("ARGOCD_APP_PARAMETERS is not a JSON list of parameters: {0}")]
    Malformed(String),
    /// A parameter kzrender does not announce, or of the wrong shape.
    #[error("parameter `{name}`: {problem}")]
    Parameter {
        /// The parameter's name.
        name: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A `plugin.env` name kzrender does not read.
    #[error("plugin.env {names}: kzrender reads only CHANNEL and VALUES{hint}")]
    PluginEnv {
        /// The names as the Application wrote them: `` `channel` (ARGOCD_ENV_channel)``, ...
        names: String,
        /// `; did you mean ...?`, when one is close.
        hint: String,
    },
    /// `ARGOCD_APP_SOURCE_PATH` is absolute or leads above the repository.
    #[error("ARGOCD_APP_SOURCE_PATH `{0}` must be a path inside the repository, relative to its root")]
    SourcePathOutside(String),
}

impl EnvError {
    /// Whether the Application's own settings are wrong (exit 1) rather than ArgoCD's contract
    /// (exit 2).
    pub fn is_input(&self) -> bool {
        matches!(self, EnvError::Parameter { .. } | EnvError::PluginEnv { .. })
    }
}

/// Where the plugin runs: the checkout reads must stay inside, with the working directory.
pub fn checkout(cwd: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Confine, EnvError> {
    Ok(Confine { root: repo_root(cwd, env("ARGOCD_APP_SOURCE_PATH"))?, base: cwd.to_path_buf() })
}

/// Builds the request for `kzrender argocd generate` run in `cwd` (the working directory as
/// ArgoCD gave it) with environment `env`.
pub fn request(cwd: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Request, EnvError> {
    let mut req = Request { dir: PathBuf::from("."), confine: Some(checkout(cwd, env)?), ..Default::default() };
    req.kube_version = env("KUBE_VERSION").filter(|v| !v.is_empty());
    // plugin.env first (lower), then the parameters; within each, files below assignments.
    let channel = |value: String, source: &str| {
        Overlay::Set(Set { flag: Flag::Literal, text: format!("channel={value}"), source: source.into() })
    };
    req.overlays.extend(env_values(env).into_iter().map(|f| Overlay::File(f.into())));
    if let Some(c) = env("ARGOCD_ENV_CHANNEL").filter(|c| !c.is_empty()) {
        req.overlays.push(channel(c, "ARGOCD_ENV_CHANNEL"));
    }
    let (mut files, mut channels, mut sets) = (Vec::new(), Vec::new(), Vec::new());
    for param in parameters(env("ARGOCD_APP_PARAMETERS").as_deref())? {
        let bad = |problem: &str| EnvError::Parameter { name: param.name.clone(), problem: problem.into() };
        match param.name.as_str() {
            // An empty channel (the UI's untouched field) means the cluster's own, as for plugin.env.
            "channel" => match param.string.ok_or_else(|| bad("expected a string"))? {
                c if c.is_empty() => {}
                c => channels.push(channel(c, "parameter channel")),
            },
            "values" => files.extend(param.array.ok_or_else(|| bad("expected an array of file names"))?),
            "set" => {
                let map = param.map.ok_or_else(|| bad("expected a map of dotted key to value"))?;
                sets.extend(map.into_iter().map(|(key, value)| Set {
                    flag: Flag::Typed,
                    text: format!("{key}={}", escape_commas(&value)),
                    source: "parameter set".into(),
                }));
            }
            _ => return Err(bad("unknown parameter; kzrender takes channel, values and set")),
        }
    }
    req.overlays.extend(files.into_iter().map(|f| Overlay::File(f.into())));
    req.overlays.extend(channels);
    req.overlays.extend(sets.into_iter().map(Overlay::Set));
    Ok(req)
}

/// A `set` parameter's value as ArgoCD passes Helm parameters to `--set`: one value, its commas
/// escaped, unless it is a `{a,b}` list.
fn escape_commas(value: &str) -> String {
    if value.starts_with('{') && value.ends_with('}') {
        return value.to_owned();
    }
    let mut out = String::with_capacity(value.len());
    let mut previous = None;
    for c in value.chars() {
        if c == ',' && previous != Some('\\') {
            out.push('\\');
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// A parameter as an error quotes it: whole, unless its text names a secret anywhere (a `set`
/// map's key or value), then not at all.
fn shown(parameter: &J) -> String {
    let text = parameter.to_string();
    match crate::redact::names_secret(&text) {
        true => crate::redact::REDACTED.to_owned(),
        false => text,
    }
}

/// The `plugin.env` names kzrender reads (as `ARGOCD_ENV_<name>`).
const PLUGIN_ENV: [&str; 2] = ["CHANNEL", "VALUES"];

/// Refuses a `plugin.env` name kzrender does not read, as an unknown parameter is refused: a
/// misspelt `channel` would otherwise render the cluster on another channel without a word.
/// `names` are the environment's variable names.
pub fn check_plugin_env(names: impl IntoIterator<Item = String>) -> Result<(), EnvError> {
    let mut unknown: Vec<String> = names
        .into_iter()
        .filter_map(|n| n.strip_prefix("ARGOCD_ENV_").map(str::to_owned))
        .filter(|n| !PLUGIN_ENV.contains(&n.as_str()))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort();
    let names: Vec<String> = unknown.iter().map(|n| format!("`{n}` (ARGOCD_ENV_{n})")).collect();
    let hints: Vec<String> = unknown
        .iter()
        .filter_map(|n| {
            let close = PLUGIN_ENV.iter().find(|k| crate::schema::message::distance(&n.to_uppercase(), k) <= 2)?;
            Some(if unknown.len() == 1 { format!("`{close}`") } else { format!("`{close}` for `{n}`") })
        })
        .collect();
    let hint = match hints.is_empty() {
        true => String::new(),
        false => format!("; did you mean {}?", hints.join(", ")),
    };
    Err(EnvError::PluginEnv { names: names.join(", "), hint })
}

/// The values files of the Application's `plugin.env` (`VALUES=a.yaml,b.yaml`).
pub fn env_values(env: &dyn Fn(&str) -> Option<String>) -> Vec<String> {
    let values = env("ARGOCD_ENV_VALUES").unwrap_or_default();
    values.split(',').map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned).collect()
}

/// The dynamic parameter announcement: `channel` (with the cluster's current channel), `values`
/// and `set`, as ArgoCD's ParameterAnnouncement list.
pub fn announcements(current_channel: &str, channels: &[&str], values: &[String]) -> J {
    serde_json::json!([
        {
            "name": "channel",
            "title": "KubeZero channel",
            "tooltip": format!("One of {}; overrides kubezero.yaml", channels.join(", ")),
            "itemType": "string",
            "collectionType": "string",
            "string": current_channel,
        },
        {
            "name": "values",
            "title": "Extra values files",
            "tooltip": "Files relative to the cluster directory, later files win",
            "itemType": "string",
            "collectionType": "array",
            "array": values,
        },
        {
            "name": "set",
            "title": "Set values",
            "tooltip": "Dotted key = YAML scalar, like --set (a literal dot is \\.)",
            "itemType": "string",
            "collectionType": "map",
            "map": {},
        },
    ])
}

/// One entry of `ARGOCD_APP_PARAMETERS`.
#[derive(Debug)]
struct Parameter {
    name: String,
    string: Option<String>,
    array: Option<Vec<String>>,
    map: Option<Vec<(String, String)>>,
}

/// Parses `ARGOCD_APP_PARAMETERS`; absent, empty, `null` and `[]` all mean none.
fn parameters(raw: Option<&str>) -> Result<Vec<Parameter>, EnvError> {
    let raw = raw.map(str::trim).unwrap_or_default();
    if raw.is_empty() {
        return Ok(Vec::new());
    }
    let json: J = serde_json::from_str(raw).map_err(|e| EnvError::Malformed(e.to_string()))?;
    let items = match json {
        J::Null => return Ok(Vec::new()),
        J::Array(items) => items,
        other => return Err(EnvError::Malformed(format!("expected a list, got {}", shown(&other)))),
    };
    let strings =
        |v: &J| -> Option<Vec<String>> { v.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect() };
    items
        .iter()
        .map(|p| {
            let name = p
                .get("name")
                .and_then(J::as_str)
                .ok_or_else(|| EnvError::Malformed(format!("a parameter without a name: {}", shown(p))))?;
            let map = match p.get("map") {
                Some(J::Null) => Some(Vec::new()),
                Some(J::Object(m)) => Some(
                    m.iter()
                        .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
                        .collect::<Option<Vec<_>>>()
                        .ok_or_else(|| EnvError::Parameter {
                            name: name.into(),
                            problem: "map values must be strings".into(),
                        })?,
                ),
                _ => None,
            };
            Ok(Parameter {
                name: name.to_owned(),
                string: p.get("string").and_then(J::as_str).map(str::to_owned),
                // ArgoCD sends an empty list or map as null.
                array: match p.get("array") {
                    Some(J::Null) => Some(Vec::new()),
                    other => other.and_then(strings),
                },
                map,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn req(vars: &[(&str, &str)]) -> Result<Request, EnvError> {
        let env: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        request(Path::new("/tmp/repo/clusters/prod"), &|k| env.get(k).cloned())
    }

    #[test]
    fn no_parameters_in_all_their_spellings() {
        for raw in ["", "null", "[]", " null\n"] {
            let r = req(&[("ARGOCD_APP_PARAMETERS", raw), ("ARGOCD_APP_SOURCE_PATH", "clusters/prod")]).unwrap();
            assert!(r.overlays.is_empty(), "{raw:?}");
        }
    }

    #[test]
    fn parameters_outrank_plugin_env() {
        let r = req(&[
            ("ARGOCD_APP_SOURCE_PATH", "clusters/prod"),
            ("ARGOCD_ENV_CHANNEL", "stable"),
            ("ARGOCD_ENV_VALUES", "a.yaml, b.yaml"),
            ("ARGOCD_APP_PARAMETERS", r#"[{"name":"channel","string":"master"},{"name":"values","array":["c.yaml"]},{"name":"set","map":{"kiam.enabled":"false"}}]"#),
            ("KUBE_VERSION", "1.16.12"),
        ])
        .unwrap();
        // Every parameter outranks plugin.env, values files included (README.md, Precedence).
        let order: Vec<String> = r
            .overlays
            .iter()
            .map(|o| match o {
                Overlay::File(f) => format!("file {}", f.display()),
                Overlay::Set(s) => format!("{} {}", s.source, s.text),
            })
            .collect();
        assert_eq!(
            order,
            [
                "file a.yaml",
                "file b.yaml",
                "ARGOCD_ENV_CHANNEL channel=stable",
                "file c.yaml",
                "parameter channel channel=master",
                "parameter set kiam.enabled=false"
            ]
        );
        assert_eq!(r.confine.map(|c| c.root), Some(PathBuf::from("/tmp/repo")));
        assert_eq!(r.kube_version.as_deref(), Some("1.16.12"));
    }

    #[test]
    fn an_empty_channel_parameter_leaves_the_clusters_own() {
        let r = req(&[("ARGOCD_APP_PARAMETERS", r#"[{"name":"channel","string":""}]"#)]).unwrap();
        assert!(r.overlays.is_empty());
    }

    #[test]
    fn null_arrays_and_maps_are_empty_as_argocd_sends_them() {
        let r =
            req(&[("ARGOCD_APP_PARAMETERS", r#"[{"name":"values","array":null},{"name":"set","map":null}]"#)]).unwrap();
        assert!(r.overlays.is_empty());
    }

    #[test]
    fn unknown_or_misshapen_parameters_are_refused() {
        let e = req(&[("ARGOCD_APP_PARAMETERS", r#"[{"name":"chanel","string":"master"}]"#)]).unwrap_err();
        assert_eq!(e.to_string(), "parameter `chanel`: unknown parameter; kzrender takes channel, values and set");
        assert!(e.is_input());
        let e = req(&[("ARGOCD_APP_PARAMETERS", r#"[{"name":"values","string":"a.yaml"}]"#)]).unwrap_err();
        assert_eq!(e.to_string(), "parameter `values`: expected an array of file names");
        assert!(!req(&[("ARGOCD_APP_PARAMETERS", "{")]).unwrap_err().is_input());
    }

    #[test]
    fn a_plugin_env_name_kzrender_does_not_read_is_refused_with_a_suggestion() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_plugin_env(names(&["ARGOCD_ENV_CHANNEL", "ARGOCD_ENV_VALUES", "ARGOCD_APP_NAME"])).is_ok());
        let e = check_plugin_env(names(&["ARGOCD_ENV_channel"])).unwrap_err();
        assert_eq!(e.to_string(), "plugin.env `channel` (ARGOCD_ENV_channel): kzrender reads only CHANNEL and VALUES; did you mean `CHANNEL`?");
        assert!(e.is_input());
        let e = check_plugin_env(names(&["ARGOCD_ENV_REGION"])).unwrap_err();
        assert_eq!(e.to_string(), "plugin.env `REGION` (ARGOCD_ENV_REGION): kzrender reads only CHANNEL and VALUES");
        let e = check_plugin_env(names(&["ARGOCD_ENV_ZZZ", "ARGOCD_ENV_channel", "ARGOCD_ENV_value"])).unwrap_err();
        assert_eq!(
            e.to_string(),
            "plugin.env `ZZZ` (ARGOCD_ENV_ZZZ), `channel` (ARGOCD_ENV_channel), `value` (ARGOCD_ENV_value): kzrender reads only \
             CHANNEL and VALUES; did you mean `CHANNEL` for `channel`, `VALUES` for `value`?"
        );
    }
}
