//! Any bytes as a cluster's kubezero.yaml: the whole pipeline must not panic or hang, and a
//! successful render must be a non-empty stream that reads back as YAML.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use kzrender::catalog::Catalog;
use kzrender::request::Request;
use kzrender::pipeline;
use kzrender::schema::official::SchemaSet;
use libfuzzer_sys::fuzz_target;

fn cluster_dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kzrender-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let dir = cluster_dir();
    std::fs::write(dir.join("kubezero.yaml"), data).expect("the scratch file is writable");
    let catalog = Catalog::embedded().expect("the shipped catalog is valid");
    let req = Request { dir: dir.clone(), ..Default::default() };
    if let Ok(rendered) = pipeline::render_cluster(catalog, &SchemaSet::default(), &req) {
        let yaml = rendered.yaml();
        assert!(!yaml.is_empty(), "a successful render is never empty");
        kzrender::yaml::parse_documents(&yaml, "rendered").expect("rendered output reads back");
    }
});
