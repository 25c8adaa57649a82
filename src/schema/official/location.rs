//! `--schema-location TEMPLATE`: kubeconform's schema location templates (its
//! `pkg/registry`), local paths only. A location not ending in `json` is a directory to which
//! kubeconform's file pattern is appended. The version variables choose a directory per
//! cluster; the kind variables choose a file in it.

use std::path::{Path, PathBuf};

use super::Gvk;

/// What kubeconform appends to a location that does not name a file.
const PATTERN: &str =
    "{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json";

/// The variables that depend on the Kubernetes version; the others depend on the kind.
const VERSION_VARS: [&str; 2] = ["NormalizedKubernetesVersion", "StrictSuffix"];
const KIND_VARS: [&str; 4] = ["ResourceKind", "KindSuffix", "Group", "ResourceAPIVersion"];

/// A parsed location template.
#[derive(Clone, Debug)]
pub struct Template {
    text: String,
    /// Whether kubeconform's file pattern was appended (the location did not end in `json`).
    pub appended: bool,
}

/// One directory a template gives for a Kubernetes version, with the file pattern in it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Resolved {
    /// The directory.
    pub dir: PathBuf,
    /// The file below it, kind variables unfilled.
    pub pattern: String,
}

impl Template {
    /// A template as given, or why kzrender cannot use it.
    pub fn parse(text: &str) -> Result<Template, String> {
        if text.starts_with("http://") || text.starts_with("https://") {
            return Err(format!("{text}: kzrender reads schemas from local paths only; download them first"));
        }
        if text.matches("{{").count() != text.matches("}}").count() {
            return Err(format!("{text}: a `{{{{` without its `}}}}` (or the other way round)"));
        }
        let mut text = text.to_owned();
        let appended = !text.ends_with("json");
        if appended {
            text = format!("{}/{PATTERN}", text.trim_end_matches('/'));
        }
        for var in variables(&text) {
            if !VERSION_VARS.contains(&var.as_str()) && !KIND_VARS.contains(&var.as_str()) {
                let known = [&VERSION_VARS[..], &KIND_VARS[..]].concat().join(", ");
                return Err(format!("{text}: unknown template variable `{var}`; kzrender knows {known}"));
            }
        }
        let first_kind = KIND_VARS.iter().filter_map(|v| find(&text, v)).min().unwrap_or(text.len());
        if VERSION_VARS.iter().filter_map(|v| find(&text, v)).any(|at| at > first_kind) {
            return Err(format!("{text}: the Kubernetes version must be chosen before the kind (in the directory)"));
        }
        Ok(Template { text, appended })
    }

    /// The directory and file pattern for Kubernetes `version` (`1.16.12`): the patch's own
    /// directory when there is one, else `MAJOR.MINOR.0`'s.
    pub fn resolve(&self, version: &str) -> Resolved {
        let version = version.trim_start_matches('v');
        let exact = self.for_version(version);
        let minor: Vec<&str> = version.splitn(3, '.').take(2).collect();
        match (exact.dir.is_dir(), minor.len()) {
            (false, 2) => self.for_version(&format!("{}.0", minor.join("."))),
            _ => exact,
        }
    }

    fn for_version(&self, version: &str) -> Resolved {
        let normalized = if version == "master" { version.to_owned() } else { format!("v{version}") };
        // kzrender checks strictly: an unknown field is an error, as with kubeconform's -strict.
        let filled = fill(&self.text, &|var| match var {
            "NormalizedKubernetesVersion" => Some(normalized.clone()),
            "StrictSuffix" => Some("-strict".to_owned()),
            _ => None,
        });
        let first_kind = KIND_VARS.iter().filter_map(|v| find(&filled, v)).min().unwrap_or(filled.len());
        let cut = filled[..first_kind].rfind('/').map_or(0, |i| i + 1);
        let dir = if cut == 0 { PathBuf::from(".") } else { PathBuf::from(&filled[..cut - 1]) };
        Resolved { dir, pattern: filled[cut..].to_owned() }
    }
}

impl Resolved {
    /// The file a kind's schema would be in, relative to [`Resolved::dir`].
    pub fn file(&self, (api_version, kind): &Gvk) -> PathBuf {
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let first = group.split('.').next().unwrap_or_default().to_lowercase();
        let suffix = match group.is_empty() {
            true => format!("-{}", version.to_lowercase()),
            false => format!("-{first}-{}", version.to_lowercase()),
        };
        let filled = fill(&self.pattern, &|var| match var {
            "ResourceKind" => Some(kind.to_lowercase()),
            "KindSuffix" => Some(suffix.clone()),
            // kubeconform's quirk: the core group is named by its version.
            "Group" => Some(if group.is_empty() { version.to_owned() } else { group.to_owned() }),
            "ResourceAPIVersion" => Some(version.to_owned()),
            _ => None,
        });
        Path::new(&filled).to_path_buf()
    }
}

/// A template's text cut into literal text and `{{ .Variable }}`s (an unclosed `{{` stays text;
/// [`Template::parse`] refuses one first).
fn parts(text: &str) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else { break };
        let var = rest[start + 2..start + len].trim().trim_start_matches('.');
        out.push((&rest[..start], None));
        out.push((&rest[start..start + len + 2], Some(var)));
        rest = &rest[start + len + 2..];
    }
    out.push((rest, None));
    out
}

/// The variable names a template uses, in order.
fn variables(text: &str) -> Vec<String> {
    parts(text).into_iter().filter_map(|(_, v)| v.map(str::to_owned)).collect()
}

/// Where variable `var` first appears.
fn find(text: &str, var: &str) -> Option<usize> {
    let mut at = 0;
    for (piece, v) in parts(text) {
        if v == Some(var) {
            return Some(at);
        }
        at += piece.len();
    }
    None
}

/// `text` with each variable `value` knows replaced; the others kept as written.
fn fill(text: &str, value: &dyn Fn(&str) -> Option<String>) -> String {
    parts(text).into_iter().map(|(piece, v)| v.and_then(value).unwrap_or_else(|| piece.to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gvk(a: &str, k: &str) -> Gvk {
        (a.to_owned(), k.to_owned())
    }

    #[test]
    fn fills_kubeconforms_variables_as_kubeconform_does() {
        let t = Template::parse(
            "/s/{{ .NormalizedKubernetesVersion }}-local{{.StrictSuffix}}/{{ .ResourceKind }}{{ .KindSuffix }}.json",
        )
        .unwrap();
        let r = t.resolve("1.16.12");
        // No directory for the patch here: MAJOR.MINOR.0's.
        assert_eq!(r.dir, PathBuf::from("/s/v1.16.0-local-strict"));
        assert_eq!(r.file(&gvk("apps/v1", "Deployment")), PathBuf::from("deployment-apps-v1.json"));
        assert_eq!(r.file(&gvk("v1", "Service")), PathBuf::from("service-v1.json"));
        assert_eq!(
            r.file(&gvk("cert-manager.io/v1alpha2", "Certificate")),
            PathBuf::from("certificate-cert-manager-v1alpha2.json")
        );
        let catalog = Template::parse("/c/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json").unwrap();
        let r = catalog.resolve("1.16.12");
        assert_eq!(r.dir, PathBuf::from("/c"));
        assert_eq!(
            r.file(&gvk("monitoring.coreos.com/v1", "Prometheus")),
            PathBuf::from("monitoring.coreos.com/prometheus_v1.json")
        );
    }

    #[test]
    fn a_directory_gets_kubeconforms_pattern_and_urls_and_unknown_variables_are_refused() {
        let r = Template::parse("/k8s/").unwrap().resolve("master");
        assert_eq!(
            (r.dir, r.pattern.as_str()),
            (PathBuf::from("/k8s/master-standalone-strict"), "{{ .ResourceKind }}{{ .KindSuffix }}.json")
        );
        assert!(Template::parse("https://example.com/{{ .ResourceKind }}.json")
            .unwrap_err()
            .contains("local paths only"));
        assert!(Template::parse("/s/{{ .Kind }}.json").unwrap_err().contains("unknown template variable `Kind`"));
        assert!(Template::parse("/s/{{ .ResourceKind }}/{{ .NormalizedKubernetesVersion }}.json").is_err());
        assert!(Template::parse("/s/{{ .NormalizedKubernetesVersion /x.json").unwrap_err().contains("without its"));
    }
}
