use super::*;

#[test]
fn helm_output_is_cut_at_document_markers_only() {
    let text = "---\n# Source: a.yaml\nkind: A\ndata:\n  x: |\n    ----\n    --- not a marker\n--- \nkind: B\n---\n";
    let parts = split_documents(text);
    assert_eq!(parts.len(), 3, "{parts:?}");
    assert!(parts[0].contains("--- not a marker"));
    let docs = manifests(text, "r").unwrap();
    let kinds: Vec<&str> = docs.iter().map(|d| d.get_path(&["kind"]).and_then(Node::as_str).unwrap()).collect();
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
