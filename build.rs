//! Embeds the KubeZero catalog (`kubezero/`) into the binary: every file's text, and its YAML
//! files already parsed (with the same loader the binary uses) into positioned JSON, so that a
//! run reads the catalog with serde_json instead of parsing YAML — provenance included.

use std::fmt::Write;
use std::path::Path;
use std::sync::Arc;

#[allow(dead_code, unused_imports, missing_docs)]
#[path = "src/value.rs"]
mod value;

#[allow(dead_code, unused_imports, missing_docs)]
#[path = "src/diag.rs"]
mod diag;

#[allow(dead_code, unused_imports, missing_docs)]
#[path = "src/redact.rs"]
mod redact;

#[allow(dead_code, unused_imports, missing_docs)]
#[path = "src/yaml/mod.rs"]
mod yaml;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("kubezero");
    println!("cargo:rerun-if-changed={}", root.display());
    for src in ["src/value.rs", "src/diag.rs", "src/redact.rs", "src/yaml"] {
        println!("cargo:rerun-if-changed={src}");
    }
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("/// The embedded catalog: (path relative to `kubezero/`, file text).\npub static FILES: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),").unwrap();
    }
    out.push_str("];\n\n/// Its YAML files, parsed: (path, positioned JSON). A file that does not parse is left out\n/// (the run parses it and reports the error).\npub static PARSED: &[(&str, &str)] = &[\n");
    for (rel, abs) in files.iter().filter(|(rel, _)| rel.ends_with(".yaml")) {
        let text = std::fs::read_to_string(abs).unwrap();
        let src = yaml::Source { name: Arc::from(format!("kubezero/{rel}")), text };
        if let Ok(docs) = yaml::parse_stream(&src, &mut Vec::new()) {
            if let [doc] = docs.as_slice() {
                writeln!(out, "    ({rel:?}, {:?}),", doc.to_positioned_json().to_string()).unwrap();
            }
        }
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("catalog_files.rs");
    std::fs::write(dest, out).unwrap();
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            files.push((rel, path.to_string_lossy().into_owned()));
        }
    }
}
