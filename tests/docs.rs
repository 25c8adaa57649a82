//! The docs cannot lie: `docs/values.md` is what `kzrender docs` prints, it lists every key of
//! every schema, every `$ kzrender ...` example in README.md and docs/ prints what it shows, and
//! every message in the README's troubleshooting table is one kzrender really prints.

use serde_json::Value;

use crate::support::{root, Test};

#[test]
fn committed_reference_is_what_kzrender_docs_prints() {
    let generated = Test::new().args(["docs"]).run().success().stdout;
    let committed = std::fs::read_to_string(root().join("docs/values.md")).unwrap();
    assert!(generated == committed, "docs/values.md is stale: run `cargo run -- docs > docs/values.md`");
}

#[test]
fn reference_lists_every_key_of_every_schema() {
    let committed = std::fs::read_to_string(root().join("docs/values.md")).unwrap();
    let mut keys = Vec::new();
    let read = |rel: &str| {
        kzrender::yaml::parse_documents(&std::fs::read_to_string(root().join(rel)).unwrap(), rel).unwrap().remove(0)
    };
    collect(&read("kubezero/schemas/cluster.json"), "", &mut keys);
    let common = read("kubezero/schemas/component.json");
    for entry in std::fs::read_dir(root().join("kubezero/components")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        collect(&read(&format!("kubezero/components/{name}/schema.json")), &name, &mut keys);
        collect(&common, &name, &mut keys);
    }
    assert!(keys.len() > 60, "the walk found the schemas' keys: {}", keys.len());
    let missing: Vec<&String> = keys.iter().filter(|k| !committed.contains(&format!("| `{k}` |"))).collect();
    assert!(missing.is_empty(), "docs/values.md lacks {missing:?}");
}

fn collect(schema: &Value, prefix: &str, keys: &mut Vec<String>) {
    for (k, s) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
        collect(s, &key, keys);
        keys.push(key);
    }
}

#[test]
fn docs_for_one_channel_leave_out_what_it_does_not_offer() {
    let stable = Test::new().args(["docs", "--channel", "stable"]).run().success().stdout;
    assert!(!stable.contains("### logging") && stable.contains("### kiam"));
    let out = Test::new().args(["docs", "--channel", "beta"]).run().failure(2);
    assert_eq!(out.stderr, "kzrender: unknown channel `beta`; choose one of: master, stable\n");
}

/// `$ kzrender ...` lines of ```console blocks and the output shown under each.
fn examples(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```console" {
            continue;
        }
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        for (i, l) in block.iter().enumerate() {
            if let Some(cmd) = l.strip_prefix("$ ") {
                let shown: Vec<&str> = block[i + 1..].iter().take_while(|l| !l.starts_with("$ ")).copied().collect();
                out.push((cmd.to_owned(), shown.iter().map(|l| format!("{l}\n")).collect()));
            }
        }
    }
    out
}

#[test]
fn every_console_example_prints_what_it_shows() {
    let mut ran = 0;
    for doc in ["README.md", "docs/values.md"] {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        for (cmd, shown) in examples(&text) {
            let words: Vec<&str> = cmd.split_whitespace().collect();
            assert_eq!(words[0], "kzrender", "{doc}: examples run kzrender: {cmd}");
            let out = Test::new().args(&words[1..]).run();
            assert_eq!(format!("{}{}", out.stdout, out.stderr), shown, "{doc}: `{cmd}` prints something else");
            ran += 1;
        }
    }
    assert!(ran >= 4, "the README's examples were found: {ran}");
}

#[test]
fn every_troubleshooting_message_is_one_kzrender_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let table = readme.split("## Troubleshooting").nth(1).unwrap().split("\n## ").next().unwrap();
    let messages: Vec<&str> =
        table.lines().filter_map(|l| l.strip_prefix("| `")).filter_map(|l| l.split('`').next()).collect();
    assert!(messages.len() >= 10, "{messages:?}");
    let mut seen = String::new();
    for args in [vec!["validate", "fixtures"], vec!["render", "fixtures/fleet"]] {
        let out = Test::new().args(args).run();
        seen.push_str(&out.stdout);
        seen.push_str(&out.stderr);
    }
    // Two messages no fixture tree shows on its own: an escape from an ArgoCD checkout, and a
    // YAML 1.1 warning.
    let escape = Test::new()
        .current_dir(root().join("fixtures/fleet/clusters/onprem"))
        .env("ARGOCD_APP_SOURCE_PATH", "fixtures/fleet/clusters/onprem")
        .env("ARGOCD_APP_PARAMETERS", r#"[{"name":"values","array":["../../../../../etc/passwd"]}]"#)
        .args(["argocd", "generate"])
        .run();
    seen.push_str(&escape.stderr);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kubezero.yaml"),
        "ClusterName: x\nplatform: nocloud\ncalico: {values: {ipv6: on}}\n",
    )
    .unwrap();
    seen.push_str(&Test::new().args(["render"]).arg_path(dir.path()).run().stderr);
    for m in messages {
        let fragment = m.replace("...", "");
        let fragment = fragment.trim_end_matches('?').trim();
        assert!(seen.contains(fragment), "the README promises a message kzrender never printed: {m}");
    }
}
