//! CloudBender outputs feed the render: both file formats, precedence, provenance, failure modes.

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
fn empty_outputs_never_delete_a_value_the_operator_wrote() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("kubezero.yaml"), "ClusterName: x\nregion: eu-west-1\nkiam: {enabled: true, IamArn: 'arn:aws:iam::123456789012:role/mine'}\ncert-manager: {IamArn: 'arn:aws:iam::123456789012:role/cm'}\n").unwrap();
    std::fs::write(dir.path().join("cloudbender.yaml"), "ClusterName: x\nkiam:\n  IamArn:\n").unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().success();
    assert!(out.stdout.contains("assumeRoleArn: arn:aws:iam::123456789012:role/mine"), "{}", out.stdout);
}

#[test]
fn identical_lists_in_two_cloudbender_files_neither_conflict_nor_warn() {
    let dir = tempfile::tempdir().unwrap();
    let kz = "ClusterName: x\nregion: eu-west-1\ncert-manager: {IamArn: 'arn:aws:iam::123456789012:role/cm', dnsZones: [example.com], email: a@example.com}\n";
    std::fs::write(dir.path().join("kubezero.yaml"), kz).unwrap();
    std::fs::write(dir.path().join("cloudbender.yaml"), "ClusterName: x\ncert-manager: {dnsZones: [example.com]}\n")
        .unwrap();
    std::fs::create_dir_all(dir.path().join("outputs/kube")).unwrap();
    std::fs::write(
        dir.path().join("outputs/kube/kubezero.yaml"),
        "ClusterName: x\ncert-manager:\n  dnsZones:\n  - example.com\n",
    )
    .unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().success();
    assert_eq!(out.stderr, "", "no conflict and no override warning for the same list");
}

#[test]
fn secrets_from_cloudbender_files_are_redacted_in_conflicts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kubezero.yaml"),
        "ClusterName: x\nchannel: master\nplatform: nocloud\nlogging: {elastic_password: mine}\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("cloudbender.yaml"), "ClusterName: x\nlogging: {elastic_password: s3cr3tA}\n")
        .unwrap();
    std::fs::create_dir_all(dir.path().join("outputs")).unwrap();
    std::fs::write(dir.path().join("outputs/kubezero.yaml"), "ClusterName: x\nlogging: {elastic_password: s3cr3tB}\n")
        .unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    assert!(out.stderr.contains("CloudBender files disagree: <redacted> here, <redacted> in"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cr3t") && !out.stderr.contains("mine"), "{}", out.stderr);
}

mod import {
    use crate::support::{root, Test};

    pub(super) fn cluster() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("kubezero.yaml"), "ClusterName: cb-test\nchannel: master\nregion: eu-central-1\ncert-manager: {enabled: true}\nkiam: {enabled: true}\n").unwrap();
        dir
    }

    pub(super) fn import(sources: &[&str], cluster: &std::path::Path) -> crate::support::Outcome {
        Test::new().args(["outputs", "import"]).args(sources).args(["--cluster"]).arg_path(cluster).run()
    }

    const STORE: &str = "fixtures/cloudbender/store-outputs/outputs/kube/kube-control-plane.yaml";

    #[test]
    fn import_copies_a_store_outputs_file_where_render_reads_it_and_is_idempotent() {
        let dir = cluster();
        let first = import(&[STORE], dir.path()).success();
        let target = dir.path().join("outputs/kube/kube-control-plane.yaml");
        assert_eq!(first.stdout, format!("created {}\n", target.display()));
        assert_eq!(std::fs::read(&target).unwrap(), std::fs::read(root().join(STORE)).unwrap());
        let modified = std::fs::metadata(&target).unwrap().modified().unwrap();

        let second = import(&[STORE], dir.path()).success();
        assert_eq!(second.stdout, format!("unchanged {}\n", target.display()));
        assert_eq!(std::fs::metadata(&target).unwrap().modified().unwrap(), modified, "not rewritten");

        let rendered = Test::new().args(["render"]).arg_path(dir.path()).run().success();
        assert!(rendered.stdout.contains("assumeRoleArn: arn:aws:iam::123456789012:role/kube-KiamServerRole-4D5E6F"));
    }

    #[test]
    fn import_names_the_keys_an_update_changed() {
        let dir = cluster();
        import(&["fixtures/cloudbender/export/cloudbender.yaml"], dir.path()).success();
        let newer = dir.path().join("newer.yaml");
        let text = std::fs::read_to_string(root().join("fixtures/cloudbender/export/cloudbender.yaml")).unwrap();
        std::fs::write(&newer, text.replace("KiamServerRole-4D5E6F", "KiamServerRole-NEW123")).unwrap();
        let out = import(&[newer.to_str().unwrap()], dir.path()).success();
        assert_eq!(out.stdout, format!("updated {}: kiam.IamArn\n", dir.path().join("cloudbender.yaml").display()));
    }

    #[test]
    fn import_refuses_empty_outputs_and_leaves_the_target_untouched() {
        let dir = cluster();
        import(&["fixtures/cloudbender/export/cloudbender.yaml"], dir.path()).success();
        let before = std::fs::read(dir.path().join("cloudbender.yaml")).unwrap();
        let out = import(&["fixtures/errors/outputs-empty-after-no-update/cloudbender.yaml"], dir.path()).failure(1);
        assert_eq!(
            out.stderr.lines().nth(1).unwrap(),
            "error: fixtures/errors/outputs-empty-after-no-update/cloudbender.yaml:9:3: kiam.IamArn: is empty: CloudBender writes empty outputs when a stack update had no changes; refresh them with `cloudbender outputs <stack>` and import again"
        );
        assert!(out.stderr.lines().next().unwrap().contains("nothing written"));
        assert_eq!(std::fs::read(dir.path().join("cloudbender.yaml")).unwrap(), before);
    }

    #[test]
    fn import_refuses_a_file_that_would_disagree_with_the_clusters_other_outputs() {
        let dir = cluster();
        import(&[STORE], dir.path()).success();
        let stale = dir.path().join("stale.yaml");
        let text = std::fs::read_to_string(root().join("fixtures/cloudbender/export/cloudbender.yaml")).unwrap();
        std::fs::write(&stale, text.replace("KiamServerRole-4D5E6F", "KiamServerRole-OTHER1")).unwrap();
        let out = import(&[stale.to_str().unwrap()], dir.path()).failure(1);
        // It names the file it disagrees with, where.
        // The located lines (the headline is cut at a length the temporary path changes).
        let located: String = out.stderr.lines().skip(1).map(|l| format!("{l}\n")).collect();
        insta::assert_snapshot!("import_disagrees", located.replace(&dir.path().display().to_string(), "CLUSTER"));
        assert!(!dir.path().join("cloudbender.yaml").exists(), "nothing written");
    }

    #[test]
    fn import_checks_values_against_the_schema_and_all_sources_before_writing_any() {
        let dir = cluster();
        let out = import(&[STORE, "fixtures/fleet-mistakes/clusters/bad-arn/cloudbender.yaml"], dir.path()).failure(1);
        let located: String = out.stderr.lines().skip(1).map(|l| format!("{l}\n")).collect();
        insta::assert_snapshot!(
            "import_checks_the_schema",
            located.replace(&dir.path().display().to_string(), "CLUSTER")
        );
        assert!(!dir.path().join("outputs").exists(), "the valid source was not written either");
    }

    #[test]
    fn import_writes_all_targets_or_none_and_leaves_no_temporary_behind() {
        let dir = cluster();
        // `outputs` is a regular file: the StoreOutputs target cannot be written, so neither is
        // the export file, although it comes first.
        std::fs::write(dir.path().join("outputs"), "not a directory\n").unwrap();
        let out = import(&["fixtures/cloudbender/export/cloudbender.yaml", STORE], dir.path()).failure(2);
        let target = dir.path().join("outputs/kube");
        assert_eq!(
            out.stderr,
            format!(
                "kzrender: outputs for {d}: 1 error, nothing written; first: cannot create directory: Not a directory (os error 20)\n\
                 error: {t}: cannot create directory: Not a directory (os error 20)\n",
                d = dir.path().display(),
                t = target.display()
            )
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["kubezero.yaml", "outputs"], "no cloudbender.yaml, no temporary file");
    }

    #[test]
    fn import_refuses_a_stack_name_that_would_be_hidden_leave_outputs_or_hold_control_characters() {
        let dir = cluster();
        let text = std::fs::read_to_string(root().join(STORE)).unwrap();
        for (i, stack) in ["kube/.hidden", "../../escape", "kube/a\u{1b}[2Jb", "/abs"].iter().enumerate() {
            let source = dir.path().join(format!("source-{i}.yaml"));
            let escaped = stack.replace('\u{1b}', "\\e");
            std::fs::write(
                &source,
                text.replace("StackName: kube/kube-control-plane", &format!("StackName: \"{escaped}\"")),
            )
            .unwrap();
            let out = import(&[source.to_str().unwrap()], dir.path()).failure(1);
            let shown = kzrender::diag::one_line(stack);
            assert_eq!(
                out.stderr.lines().nth(1).unwrap(),
                format!(
                    "error: {}:1:1: StackName: `{shown}` cannot name a file below outputs/ (no empty, hidden or .. parts, no control characters)",
                    source.display()
                )
            );
        }
        assert!(!dir.path().join("outputs").exists());
    }
}

mod import_hardening {
    use super::import::{cluster, import};
    use crate::support::root;

    const EXPORT: &str = "fixtures/cloudbender/export/cloudbender.yaml";
    const STORE: &str = "fixtures/cloudbender/store-outputs/outputs/kube/kube-control-plane.yaml";

    #[test]
    fn a_target_that_is_a_directory_fails_before_any_file_is_replaced() {
        let dir = cluster();
        import(&[EXPORT], dir.path()).success();
        let before = std::fs::read(dir.path().join("cloudbender.yaml")).unwrap();
        let newer = dir.path().join("newer.yaml");
        let text = std::fs::read_to_string(root().join(EXPORT)).unwrap();
        std::fs::write(&newer, text.replace("Domain: cb.example.com", "Domain: new.example.com")).unwrap();
        let in_the_way = dir.path().join("outputs/kube/kube-control-plane.yaml");
        std::fs::create_dir_all(&in_the_way).unwrap();
        let out = import(&[newer.to_str().unwrap(), STORE], dir.path()).failure(2);
        assert_eq!(
            out.stderr,
            format!(
                "kzrender: outputs for {d}: 1 error, nothing written; first: is in the way: not a regular file, so it cannot be replaced; move it away and import again\n\
                 error: {t}: is in the way: not a regular file, so it cannot be replaced; move it away and import again\n",
                d = dir.path().display(),
                t = in_the_way.display()
            )
        );
        assert_eq!(std::fs::read(dir.path().join("cloudbender.yaml")).unwrap(), before, "cloudbender.yaml untouched");
    }

    #[test]
    fn an_import_waits_for_another_holding_the_cluster_directory() {
        let dir = cluster();
        // Another import holds the lock (the cluster directory's own, as kzrender takes it).
        let held = std::fs::File::open(dir.path()).unwrap();
        held.lock().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kzrender"))
            .args(["outputs", "import", EXPORT, "--cluster"])
            .arg(dir.path())
            .current_dir(root())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(child.try_wait().unwrap().is_none(), "the import waits for the lock");
        assert!(!dir.path().join("cloudbender.yaml").exists(), "and writes nothing meanwhile");
        held.unlock().unwrap();
        assert!(child.wait().unwrap().success());
        assert!(dir.path().join("cloudbender.yaml").exists());
    }

    #[test]
    fn a_changed_key_cannot_forge_a_line_or_a_terminal_escape() {
        let dir = cluster();
        import(&[EXPORT], dir.path()).success();
        let newer = dir.path().join("newer.yaml");
        let text = std::fs::read_to_string(root().join(EXPORT)).unwrap();
        let forged = "calico:\n  values:\n    \"x\\nunchanged /etc/passwd\\e[2J\": 1\n";
        std::fs::write(&newer, format!("{text}{forged}")).unwrap();
        let out = import(&[newer.to_str().unwrap()], dir.path()).success();
        assert_eq!(
            out.stdout,
            format!(
                "updated {}: calico.values.x\\nunchanged /etc/passwd\\u{{1b}}[2J\n",
                dir.path().join("cloudbender.yaml").display()
            )
        );
    }

    #[test]
    fn forty_thousand_changed_leaves_are_all_named() {
        let dir = cluster();
        let leaves = |v: u32| -> String { (0..40_000).map(|i| format!("    k{i}: {v}\n")).collect() };
        let text = std::fs::read_to_string(root().join(EXPORT)).unwrap();
        let first = dir.path().join("first.yaml");
        std::fs::write(&first, format!("{text}calico:\n  values:\n{}", leaves(1))).unwrap();
        import(&[first.to_str().unwrap()], dir.path()).success();
        let second = dir.path().join("second.yaml");
        std::fs::write(&second, format!("{text}calico:\n  values:\n{}    extra: 1\n", leaves(2))).unwrap();
        let out = import(&[second.to_str().unwrap()], dir.path()).success();
        let keys = out.stdout.split_once(": ").unwrap().1.trim_end().split(", ").count();
        assert_eq!(keys, 40_001);
    }
}

#[test]
fn outputs_import_never_writes_through_a_symlinked_directory() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = dir.path().join("cl");
    let victim = dir.path().join("victim");
    std::fs::create_dir_all(&cluster).unwrap();
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::copy(
        crate::support::root().join("fixtures/cloudbender/store-outputs/kubezero.yaml"),
        cluster.join("kubezero.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&victim, cluster.join("outputs")).unwrap();
    let out = crate::support::Test::new()
        .args([
            "outputs",
            "import",
            "fixtures/cloudbender/store-outputs/outputs/kube/kube-control-plane.yaml",
            "--cluster",
        ])
        .arg_path(&cluster)
        .run()
        .failure(2);
    assert_eq!(
        out.stderr.replace(&cluster.display().to_string(), "CLUSTER"),
        "kzrender: outputs for CLUSTER: 1 error, nothing written; first: is a symlink: kzrender writes CloudBender files \
         only inside the cluster directory; make it a directory\nerror: CLUSTER/outputs: is a symlink: kzrender writes \
         CloudBender files only inside the cluster directory; make it a directory\n"
    );
    assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0, "nothing written through the symlink");
}
