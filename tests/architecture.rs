//! The shape of the library, checked: its top-level modules import each other without a cycle
//! (each stage depends only on the ones below it), and so do the submodules of every module;
//! no comment cites a document the repository does not hold.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The library's top-level module of a file below `src/` (`None` for the binary and the roots).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.trim_end_matches(".rs").to_owned();
    (!matches!(first.as_str(), "main" | "lib" | "cli")).then_some(first)
}

/// The modules named after `crate::` in `text`, including inside `use crate::{a, b::c}`.
fn imports(text: &str) -> BTreeSet<String> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        match rest.strip_prefix('{') {
            Some(group) => {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                out.extend(group.split(',').map(|p| ident(p.trim())).filter(|m| !m.is_empty()));
            }
            None => {
                out.insert(ident(rest));
            }
        }
    }
    out
}

/// The library's module graph, tests left out (a test may use anything).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&src, &file) else { continue };
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let deps = graph.entry(module.clone()).or_default();
        deps.extend(imports(code).into_iter().filter(|m| *m != module));
    }
    graph
}

/// A cycle through `start`, if any: the path of modules back to it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        graph: &BTreeMap<String, BTreeSet<String>>,
        at: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|m| m == at) {
            let mut found = path[i..].to_vec();
            found.push(at.to_owned());
            return Some(found);
        }
        if !done.insert(at.to_owned()) {
            return None;
        }
        path.push(at.to_owned());
        let found = graph.get(at).into_iter().flatten().find_map(|next| visit(graph, next, path, done));
        path.pop();
        found
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(graph, m, &mut Vec::new(), &mut done))
}

#[test]
fn the_librarys_modules_import_each_other_without_a_cycle() {
    let graph = graph();
    assert!(graph.len() > 10 && graph["load"].contains("cloudbender"), "the scan sees the imports: {graph:?}");
    assert_eq!(cycle(&graph), None, "an import cycle between the library's modules");
}

/// A file's module path (`src/schema/official/index.rs` → `schema::official::index`, a
/// `mod.rs` its directory's), the crate roots left out.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut path: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if matches!(path.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        path.pop();
    }
    path
}

/// The module paths a file names: `crate::a::b`, `super::a`, `self::a`, and the members of a
/// `{...}` group after any of them, as written (resolved against `at`, the file's module).
fn named_paths(text: &str, at: &[String]) -> Vec<Vec<String>> {
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    let mut out = Vec::new();
    let parent = at[..at.len().saturating_sub(1)].to_vec();
    for (prefix, base) in [("crate::", Vec::new()), ("super::", parent), ("self::", at.to_vec())] {
        for (i, _) in text.match_indices(prefix) {
            if prefix != "crate::" && text[..i].ends_with(|c: char| c.is_alphanumeric() || c == ':') {
                continue;
            }
            let mut rest = &text[i + prefix.len()..];
            let mut path = base.clone();
            loop {
                if let Some(group) = rest.strip_prefix('{') {
                    let group = &group[..group.find('}').unwrap_or(group.len())];
                    for member in group.split(',').map(|m| ident(m.trim())).filter(|m| !m.is_empty()) {
                        out.push([path.clone(), vec![member]].concat());
                    }
                    break;
                }
                let name = ident(rest);
                if name.is_empty() {
                    break;
                }
                path.push(name.clone());
                rest = &rest[name.len()..];
                match rest.strip_prefix("::") {
                    Some(more) => rest = more,
                    None => break,
                }
            }
            out.push(path);
        }
    }
    out
}

/// For every module with submodules (the crate roots too): which of its submodules import which.
fn sibling_graphs(dir: &str) -> BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> {
    let src = root().join(dir);
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(&src, f)).collect();
    let mut graphs: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for file in files.iter().filter(|f| !f.ends_with("tests.rs")) {
        let at = module_path(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for named in named_paths(code, &at) {
            // The module the name leads into: its longest prefix that is a module.
            let Some(target) = (0..=named.len()).rev().map(|n| named[..n].to_vec()).find(|p| modules.contains(p))
            else {
                continue;
            };
            // The two meet below their common parent, each as one of its submodules.
            let common = at.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common < at.len() && common < target.len() {
                graphs
                    .entry(at[..common].to_vec())
                    .or_default()
                    .entry(at[common].clone())
                    .or_default()
                    .insert(target[common].clone());
            }
        }
    }
    graphs
}

#[test]
fn the_submodules_of_every_module_import_each_other_without_a_cycle() {
    let mut found = Vec::new();
    for dir in ["src"] {
        for (parent, graph) in sibling_graphs(dir) {
            if let Some(c) = cycle(&graph) {
                found.push(format!(
                    "{}: {}",
                    if parent.is_empty() { "crate".into() } else { parent.join("::") },
                    c.join(" → ")
                ));
            }
        }
    }
    let graphs = sibling_graphs("src");
    assert!(graphs[&vec!["deep".to_owned()]]["unused"].contains("helm"), "the scan sees submodules: {graphs:?}");
    assert!(graphs[&vec!["cli".to_owned()]]["validate"].contains("report"), "and the binary's: {graphs:?}");
    assert_eq!(found, Vec::<String>::new(), "import cycles between submodules");
}

#[test]
fn no_source_file_is_over_450_lines() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches", "fuzz/fuzz_targets"] {
        rust_files(&root().join(dir), &mut files);
    }
    let long: Vec<String> = files
        .iter()
        .map(|f| (f, std::fs::read_to_string(f).unwrap().lines().count()))
        .filter(|(_, n)| *n > 450)
        .map(|(f, n)| format!("{}: {n} lines", f.strip_prefix(root()).unwrap().display()))
        .collect();
    assert!(files.len() > 50, "the scan sees the sources");
    assert_eq!(long, Vec::<String>::new(), "split these files");
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [("a", "b"), ("b", "c"), ("c", "a")]
        .into_iter()
        .map(|(m, d)| (m.to_owned(), BTreeSet::from([d.to_owned()])))
        .collect();
    assert_eq!(cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(
        imports("use crate::{diag::Kind, value};\nlet x = crate::yaml::emit;"),
        BTreeSet::from(["diag".into(), "value".into(), "yaml".into()])
    );
}

#[test]
fn no_comment_cites_a_document_outside_the_repository() {
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    let offenders: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("tests/architecture.rs"))
        .flat_map(|f| {
            let text = std::fs::read_to_string(f).unwrap();
            let rel = f.strip_prefix(root()).unwrap().display().to_string();
            text.lines()
                .enumerate()
                .filter(|(_, l)| l.trim_start().starts_with("//"))
                .filter(|(_, l)| l.contains("SPEC") || l.contains("DOMAIN.md") || l.contains("../shared"))
                .map(|(i, _)| format!("{rel}:{}", i + 1))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(offenders, Vec::<String>::new(), "cite README.md or docs/ instead");
}
