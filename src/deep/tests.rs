use super::chart::identify;
use super::leaves::read;
use super::*;
use std::path::Path;

#[test]
fn helm_output_is_cut_at_document_markers_only() {
    let text = "---\n# Source: a.yaml\nkind: A\ndata:\n  x: |\n    ----\n    --- not a marker\n--- \nkind: B\n---\n";
    let docs = read(text, "r").unwrap().docs;
    assert!(docs[0].doc.get_path(&["data", "x"]).and_then(Node::as_str).unwrap().contains("--- not a marker"));
    let kinds: Vec<&str> = docs.iter().map(|d| d.doc.get_path(&["kind"]).and_then(Node::as_str).unwrap()).collect();
    assert_eq!(kinds, ["A", "B"], "empty documents are dropped");
}

#[test]
fn a_chart_path_may_not_leave_the_checkout() {
    for path in ["../elsewhere", "/etc", "charts/../../x"] {
        let e = chart_dir(Path::new("co"), path).unwrap_err();
        assert_eq!(e.kind, Kind::Outside, "{path}");
    }
    assert_eq!(chart_dir(Path::new("co"), "charts/kubezero-x").unwrap(), Path::new("co/charts/kubezero-x"));
}

#[test]
fn a_charts_identity_reads_only_regular_files_and_never_blocks() {
    let chart = tempfile::tempdir().unwrap();
    let dir = chart.path();
    std::fs::write(dir.join("Chart.yaml"), "apiVersion: v2\nname: c\nversion: 1.0.0\n").unwrap();
    let mut contents = HashMap::new();
    let plain = identify(dir, &mut contents).unwrap().0;
    // A FIFO would block the read, /dev/zero never end: both are skipped, the identity unchanged.
    assert!(std::process::Command::new("mkfifo").arg(dir.join("pipe")).status().unwrap().success());
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero.yaml")).unwrap();
    assert_eq!(identify(dir, &mut contents).unwrap().0, plain, "the same regular files are the same chart");
    std::fs::write(
        dir.join("values.yaml"),
        "a: 1
",
    )
    .unwrap();
    assert_ne!(identify(dir, &mut contents).unwrap().0, plain, "a regular file counts");
}

#[test]
fn a_chart_larger_than_the_limit_is_refused() {
    let chart = tempfile::tempdir().unwrap();
    std::fs::write(chart.path().join("Chart.yaml"), "apiVersion: v2\nname: c\nversion: 1.0.0\n").unwrap();
    let big = std::fs::File::create(chart.path().join("big.tgz")).unwrap();
    big.set_len(MAX_CHART_BYTES + 1).unwrap();
    let e = identify(chart.path(), &mut HashMap::new()).unwrap_err();
    assert_eq!(e.message, format!("the chart at {} holds more than 64 MiB", chart.path().display()));
}
