//! Embeds the KubeZero catalog (`kubezero/`) into the binary: a list of every file with its
//! text, so `--kubezero DIR` and the built-in catalog are read by the same code, and a
//! fingerprint of them all, which tells whether `src/catalog/prepared/data.rs` was prepared from
//! these very files. For the static release build it also hands the linker the start-up
//! functions' order (`deploy/symbol-order.txt`, see `scripts/order-symbols.sh`).

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
    order_symbols();
}

/// The static release binary (README.md, Performance) lays out the functions a start-up command
/// runs side by side, so a render maps a few windows of code instead of most of the binary. Only
/// where the linker is known to be LLD, which reads the order file: rustc's own for
/// x86_64-unknown-linux-gnu since 1.90, unless a linker is configured. Anywhere else the order
/// is left to the linker; it never changes what the code does.
fn order_symbols() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let order = Path::new(&var("CARGO_MANIFEST_DIR")).join("deploy/symbol-order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let static_release = var("PROFILE") == "release"
        && var("TARGET") == "x86_64-unknown-linux-gnu"
        && var("CARGO_CFG_TARGET_FEATURE").split(',').any(|f| f == "crt-static");
    let own_linker = std::env::var_os("RUSTC_LINKER").is_some()
        || var("CARGO_ENCODED_RUSTFLAGS").split('\x1f').any(|f| f.contains("linker"));
    if static_release && !own_linker && rustc_minor() >= 90 && order.is_file() {
        println!("cargo:rustc-link-arg-bins=-Wl,--symbol-ordering-file={}", order.display());
        println!("cargo:rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}

/// The minor version of the compiler building the crate (`rustc 1.95.0 (...)` gives 95).
fn rustc_minor() -> u32 {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = std::process::Command::new(rustc).arg("--version").output().map(|o| o.stdout).unwrap_or_default();
    let text = String::from_utf8_lossy(&out);
    text.split(['.', ' ']).nth(2).and_then(|m| m.parse().ok()).unwrap_or(0)
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
