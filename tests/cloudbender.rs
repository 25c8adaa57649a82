//! CloudBender outputs feed the render: both file formats, precedence, provenance, failure modes.

use crate::errors::stderr_of;
use crate::support::Test;

fn render(dir: &str) -> String {
    Test::new().args(["render", &format!("fixtures/cloudbender/{dir}")]).run().success().stdout
}

#[test]
fn store_outputs_and_export_files_render_the_same_applications() {
    let export = render("export");
    assert_eq!(render("store-outputs"), export);
    assert_eq!(render("both"), export);
    insta::assert_snapshot!("render_cloudbender_export", export);
}

#[test]
fn explain_names_the_store_outputs_file_with_its_stack_and_time() {
    let out = Test::new().args(["explain", "kiam.IamArn", "fixtures/cloudbender/store-outputs"]).run().success();
    assert_eq!(
        out.stdout,
        "kiam.IamArn = arn:aws:iam::123456789012:role/kube-KiamServerRole-4D5E6F\n  \
         wins       cloudbender fixtures/cloudbender/store-outputs/outputs/kube/kube-control-plane.yaml:5:22 \
         (stack kube/kube-control-plane at 22/06/20 14:17): arn:aws:iam::123456789012:role/kube-KiamServerRole-4D5E6F\n"
    );
}

#[test]
fn an_output_that_overrides_the_operator_warns_and_explain_shows_both() {
    let out = Test::new().args(["explain", "kiam.IamArn", "fixtures/cloudbender/overrides-operator"]).run().success();
    insta::assert_snapshot!(
        "explain_cloudbender_overrides_operator",
        format!("stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr)
    );
    let rendered = Test::new().args(["render", "fixtures/cloudbender/overrides-operator"]).run().success();
    assert!(rendered.stdout.contains("assumeRoleArn: arn:aws:iam::123456789012:role/kube-KiamServerRole-4D5E6F"));
    assert_eq!(rendered.stderr.lines().count(), 1, "one warning: {}", rendered.stderr);
}

#[test]
fn every_cloudbender_failure_names_file_line_and_key() {
    for case in [
        "outputs-bad-timestamp",
        "outputs-empty-after-no-update",
        "outputs-files-disagree",
        "outputs-not-a-map",
        "outputs-required-missing",
        "outputs-unknown-file",
    ] {
        insta::assert_snapshot!(format!("error_{case}"), stderr_of(case, &[]));
    }
}

#[test]
fn empty_outputs_never_delete_a_value_the_operator_wrote() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubezero.yaml"), "ClusterName: x\nregion: eu-west-1\nkiam: {enabled: true, IamArn: 'arn:aws:iam::123456789012:role/mine'}\ncert-manager: {IamArn: 'arn:aws:iam::123456789012:role/cm'}\n").unwrap();
    std::fs::write(dir.path().join("cloudbender.yaml"), "ClusterName: x\nkiam:\n  IamArn:\n").unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().success();
    assert!(out.stdout.contains("assumeRoleArn: arn:aws:iam::123456789012:role/mine"), "{}", out.stdout);
}
