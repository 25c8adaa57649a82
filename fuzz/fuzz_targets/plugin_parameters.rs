//! Any `ARGOCD_APP_PARAMETERS` (and `plugin.env` values) ArgoCD could pass the sidecar: the
//! request and the whole render must not panic, hang or grow without bound; a successful render
//! is a non-empty stream that reads back as YAML, and every file it read stayed in the checkout.
//!
//! Input: the parameters JSON, then optionally `\0` and ARGOCD_ENV_VALUES.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kzrender::catalog::Catalog;
use kzrender::pipeline;
use kzrender::schema::official::SchemaSet;
use libfuzzer_sys::fuzz_target;

/// A repository with one cluster `clusters/dev` and a values file beside it.
fn cluster_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("kzrender-fuzz-plugin-{}", std::process::id()));
        let dir = root.join("clusters/dev");
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        let cluster = "ClusterName: dev\nplatform: nocloud\ncalico: {enabled: true}\ncert-manager: {enabled: false}\n";
        std::fs::write(dir.join("kubezero.yaml"), cluster).expect("writable");
        std::fs::write(dir.join("values-a.yaml"), "calico: {mtu: 1500}\n").expect("writable");
        std::fs::write(root.join("outside.yaml"), "calico: {mtu: 1}\n").expect("writable");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (parameters, values) = text.split_once('\0').unwrap_or((text, ""));
    let dir = cluster_dir();
    let env = |name: &str| match name {
        "ARGOCD_APP_SOURCE_PATH" => Some("clusters/dev".to_owned()),
        "ARGOCD_APP_NAME" => Some("dev".to_owned()),
        "ARGOCD_APP_PARAMETERS" => Some(parameters.to_owned()),
        "ARGOCD_ENV_VALUES" => Some(values.to_owned()),
        _ => None,
    };
    let Ok(mut req) = kzrender::argocd::request(dir, &env) else { return };
    req.dir = dir.clone();
    let catalog = Catalog::embedded().expect("the shipped catalog is valid");
    if let Ok(rendered) = pipeline::render_cluster(catalog, &SchemaSet::default(), &req) {
        let yaml = rendered.yaml();
        assert!(!yaml.is_empty(), "a successful render is never empty");
        assert!(!yaml.contains("mtu: 1\n"), "outside.yaml lies outside the checkout and is never read");
        kzrender::yaml::parse_documents(&yaml, "rendered").expect("rendered output reads back");
    }
});
