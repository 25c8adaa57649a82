//! Any tree a pushed commit could hold, extracted as `diff` extracts the other side: a tree
//! `checkout_safe` accepts is written entirely inside the scratch directory, never through a
//! symlink, whatever its names and symlink targets; a tree it refuses is never written.
//!
//! Input: lines `<kind><path>\t<content>`; kind `l` is a symlink (content: its target), `s` a
//! submodule, anything else a file.
#![no_main]

use std::path::Path;

use kzrender::git::{checkout_safe, write_tree, Entry};
use libfuzzer_sys::fuzz_target;

/// Every path below `dir`, not following symlinks.
fn everything(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        out.push(e.path());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            everything(&e.path(), out);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut entries = Vec::new();
    for line in text.lines().take(64) {
        let (kind, rest) = line.split_at(line.char_indices().nth(1).map_or(line.len(), |(i, _)| i));
        let (path, content) = rest.split_once('\t').unwrap_or((rest, ""));
        if path.contains('\0') {
            return;
        }
        let entry = Entry { path: path.to_owned(), oid: "0".repeat(40), symlink: kind == "l", submodule: kind == "s" };
        entries.push((entry, content.as_bytes().to_vec()));
    }
    let listed: Vec<Entry> = entries.iter().map(|(e, _)| e.clone()).collect();
    if checkout_safe(&listed).is_err() {
        return;
    }
    let outer = tempfile::tempdir().expect("a scratch directory");
    let into = outer.path().join("scratch");
    std::fs::create_dir(&into).expect("the scratch directory");
    let files = entries.iter().filter(|(e, _)| !e.submodule).map(|(e, b)| (e, b.clone()));
    let _ = write_tree(files, &into);
    let mut found = Vec::new();
    everything(outer.path(), &mut found);
    for path in &found {
        assert!(path.starts_with(&into), "{} was written outside the scratch directory", path.display());
    }
    // Nothing written leads outside either: every symlink that resolves, resolves inside.
    let real = into.canonicalize().expect("the scratch directory resolves");
    for path in &found {
        if let Ok(resolved) = path.canonicalize() {
            assert!(resolved.starts_with(&real), "{} leads outside to {}", path.display(), resolved.display());
        }
    }
    // Nothing a symlink points at was created through it: every regular file found is one of
    // the tree's own paths.
    for path in found.iter().filter(|p| p.symlink_metadata().is_ok_and(|m| m.is_file())) {
        let rel = path.strip_prefix(&into).expect("inside").to_string_lossy().into_owned();
        assert!(listed.iter().any(|e| e.path == rel && !e.symlink), "{rel} is no file of the tree");
    }
});
