//! Embeds the KubeZero catalog (`kubezero/`) into the binary: a list of every file with its
//! text, so `--kubezero DIR` and the built-in catalog are read by the same code, and a
//! fingerprint of them all, which tells whether `src/catalog/prepared/data.rs` was prepared from
//! these very files.

use std::fmt::Write;
use std::path::Path;

fn main() {
    // Read when the script runs, not when it compiles: cargo may reuse a compiled build script
    // for a checkout of the same sources elsewhere (a git worktree).
    let root =
        Path::new(&std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("kubezero");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// The embedded catalog: (path relative to `kubezero/`, file text).\npub static FILES: &[(&str, &str)] = &[\n",
    );
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_str!({abs:?})),").expect("writing to a String");
    }
    out.push_str("];\n");
    let hash = files.iter().fold(FNV_OFFSET, |h, (rel, abs)| {
        let text = std::fs::read(abs).expect("kubezero/ is readable");
        [rel.as_bytes(), &[0xff], &text, &[0xff]]
            .concat()
            .iter()
            .fold(h, |h, b| (h ^ u64::from(*b)).wrapping_mul(FNV_PRIME))
    });
    writeln!(out, "/// FNV-1a of every path and text above.\npub const FILES_HASH: u64 = {hash:#018x};")
        .expect("writing to a String");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("catalog_files.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0100_0000_01b3;

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("kubezero/ is readable") {
        let path = entry.expect("kubezero/ is readable").path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let rel = path.strip_prefix(root).expect("below root").to_string_lossy().replace('\\', "/");
            files.push((rel, path.to_string_lossy().into_owned()));
        }
    }
}
