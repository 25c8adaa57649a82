//! The command line as a shell user meets it: completions, help, suggestions.

use crate::support::Test;

#[test]
fn completions_cover_every_subcommand_and_flag_in_each_shell() {
    for shell in ["bash", "zsh", "fish"] {
        let out = Test::new().args(["completions", shell]).run().success();
        for word in ["validate", "explain", "outputs", "set-literal", "schema-dir", "shard"] {
            assert!(out.stdout.contains(word), "{shell} completions lack {word}");
        }
    }
}

#[test]
fn help_lists_the_exit_codes() {
    let out = Test::new().args(["--help"]).run().success();
    assert!(
        out.stdout.ends_with(
            "Exit codes: 0 success (diff: no differences); 1 the input is wrong, diff found differences or validate an invalid cluster; 2 kzrender could not do its job (usage, unreadable path, I/O, git, helm).\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn the_committed_man_page_is_what_kzrender_man_prints() {
    let out = Test::new().args(["man"]).run().success();
    let committed = std::fs::read_to_string(crate::support::root().join("docs/kzrender.1")).unwrap();
    assert!(out.stdout == committed, "docs/kzrender.1 is stale: run `kzrender man > docs/kzrender.1`");
    assert!(out.stdout.contains(".SH SUBCOMMANDS") && out.stdout.contains("kzrender\\-validate(1)"), "{}", out.stdout);
}

#[test]
fn every_subcommand_the_man_page_refers_to_has_its_committed_page() {
    let main = Test::new().args(["man"]).run().success().stdout;
    let named: Vec<&str> = main
        .split("kzrender\\-")
        .skip(1)
        .filter_map(|r| r.split("(1)").next())
        .filter(|n| n.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    assert!(named.len() >= 8, "{named:?}");
    for name in named {
        let out = Test::new().args(["man", name]).run().success();
        let file = format!("docs/kzrender-{name}.1");
        let committed = std::fs::read_to_string(crate::support::root().join(&file)).unwrap_or_default();
        assert!(out.stdout == committed, "{file} is stale or missing: run `kzrender man {name} > {file}`");
        assert!(out.stdout.contains(&format!(".SH NAME\nkzrender\\-{name} ")), "{}", out.stdout);
        assert!(out.stdout.contains(".SH OPTIONS") || ["man", "help"].contains(&name), "{name}: its options");
    }
}

#[test]
fn the_stated_rust_version_is_at_least_every_dependencys() {
    // Cargo.toml's rust-version is what a user needs: no dependency may need a newer Rust.
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--locked", "--offline", "--format-version", "1"])
        .current_dir(crate::support::root())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = |v: &str| -> Vec<u32> { v.split('.').map(|p| p.parse().unwrap()).collect() };
    let packages = meta["packages"].as_array().unwrap();
    let ours = packages.iter().find(|p| p["name"] == "kzrender").unwrap()["rust_version"].as_str().unwrap();
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| Some((p["name"].as_str()?, p["rust_version"].as_str()?)))
        .filter(|(_, v)| version(v) > version(ours))
        .map(|(name, v)| format!("{name} needs Rust {v}"))
        .collect();
    assert_eq!(newer, Vec::<String>::new(), "Cargo.toml says rust-version = {ours}");
}
