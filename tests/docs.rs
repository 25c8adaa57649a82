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

/// The text of the first ```yaml block after `marker` in the README.
fn yaml_after(readme: &str, marker: &str) -> String {
    let from = readme.find(marker).unwrap_or_else(|| panic!("README has {marker}"));
    let start = readme[from..].find("```yaml\n").unwrap() + from + 8;
    let end = readme[start..].find("```").unwrap() + start;
    readme[start..end].to_owned()
}

#[test]
fn the_readmes_first_kubezero_yaml_renders_as_written_with_its_cloudbender_file() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubezero.yaml"), yaml_after(&readme, "A `kubezero.yaml` keeps the shape")).unwrap();
    std::fs::write(dir.path().join("cloudbender.yaml"), yaml_after(&readme, "Beside it, `cloudbender.yaml`")).unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().success();
    let apps: Vec<String> = crate::support::documents(&out.stdout)
        .iter()
        .filter(|d| d["kind"] == "Application")
        .map(|d| d["metadata"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(apps, ["calico", "metrics", "cert-manager", "kiam"], "in sync-wave order");
    assert_eq!(out.stderr, "");
}

#[test]
fn the_quick_start_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let block = readme.split("## Quick start").nth(1).unwrap();
    let start = block.find("```sh\n").unwrap() + 6;
    let lines: Vec<&str> = block[start..].split("```").next().unwrap().lines().collect();
    assert_eq!(lines.len(), 5, "five commands");
    assert!(lines[0].starts_with("cargo install --locked --path . "), "{}", lines[0]);
    // A copy of the clone's fleet in a git repository, the built kzrender first on PATH.
    let work = tempfile::tempdir().unwrap();
    crate::support::copy_tree(&root().join("fixtures/fleet"), &work.path().join("fixtures/fleet"));
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git").args(args).current_dir(work.path()).output().unwrap();
        assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "fleet"]);
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_kzrender")).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let codes: Vec<Option<i32>> = lines[1..]
        .iter()
        .map(|line| {
            let out = std::process::Command::new("bash")
                .args(["-c", line])
                .current_dir(work.path())
                .env("PATH", &path)
                .output()
                .unwrap();
            out.status.code()
        })
        .collect();
    // render, validate succeed; diff finds the change (exit 1, as git diff --exit-code); explain succeeds.
    assert_eq!(codes, [Some(0), Some(0), Some(1), Some(0)]);
}
