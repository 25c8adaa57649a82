//! The documents kzrender emits, against schemas nobody here wrote: the strict Kubernetes
//! schemas of PyPI's kubernetes-validate (installed by `scripts/fetch-tools.sh`).

use crate::support::{kubernetes, Test};

fn validate(args: &[&str]) -> crate::support::Outcome {
    Test::new()
        .args(["validate", "fixtures/fleet/clusters/onprem", "--schema-dir"])
        .arg_path(kubernetes())
        .args(args)
        .run()
}

#[test]
fn namespaces_pass_the_strict_kubernetes_schemas_and_applications_have_none_there() {
    let out = validate(&[]);
    let dir = kubernetes().display().to_string();
    assert_eq!(
        (out.code, out.stdout),
        (
            1,
            format!(
                "fixtures/fleet/clusters/onprem: invalid (1 error)\n  error: kind: Application calico, Application local-volume-provisioner, Application cert-manager: no schema for argoproj.io/v1alpha1 Application in --schema-dir {dir}; add one, or pass --ignore-missing-schemas\n1 cluster: 0 valid, 1 invalid\n"
            )
        )
    );
    assert_eq!(validate(&["--ignore-missing-schemas"]).stdout, "1 cluster: 1 valid, 0 invalid\n");
}

#[test]
fn applications_pass_the_repositorys_application_schema_given_as_a_schema_dir() {
    let out = validate(&["--schema-dir", "kubezero/schemas"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, "1 cluster: 1 valid, 0 invalid\n"), "{}", out.stderr);
}

#[test]
fn what_the_strict_schema_forbids_is_reported_where_it_was_written() {
    use kzrender::schema::official::SchemaSet;
    use kzrender::yaml::{parse_stream, Source};
    let set = SchemaSet::load(&[kubernetes()], &[], false).unwrap();
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: [x]\n  labelz: {a: b}\nspec: {finalizers: [1]}\n";
    let doc = parse_stream(&Source { name: "ns.yaml".into(), text: text.into() }, &mut Vec::new()).unwrap().remove(0);
    let mut found: Vec<String> = set.check(&doc).iter().map(ToString::to_string).collect();
    found.sort();
    assert_eq!(
        found,
        [
            "error: ns.yaml:4:3: metadata.name: expected null or string, got list",
            "error: ns.yaml:5:3: metadata.labelz: unknown key; did you mean `labels`?",
            "error: ns.yaml:6:21: spec.finalizers[0]: expected null or string, got integer 1",
        ]
    );
}
