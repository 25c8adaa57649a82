//! What the whole process promises, whatever it is given: a failed write is never a success,
//! an unreadable directory is named and does not hide the others, no input blows up.

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

use crate::support::{copy_tree, root, Test};

#[test]
fn a_read_only_stdout_is_exit_2_not_a_silent_success() {
    let out = Command::new(env!("CARGO_BIN_EXE_kzrender"))
        .args(["render", "fixtures/fleet/clusters/onprem"])
        .current_dir(root())
        .stdout(std::fs::File::open("/dev/null").unwrap())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "kzrender: cannot write output: Bad file descriptor (os error 9)\n"
    );
}

/// The user id this process runs as (`Uid:` in /proc/self/status).
fn uid() -> u32 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn validate_names_an_unreadable_directory_reports_the_other_clusters_and_exits_2() {
    let fleet = tempfile::tempdir().unwrap();
    std::fs::set_permissions(fleet.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    copy_tree(&root().join("fixtures/fleet/clusters/onprem"), &fleet.path().join("clusters/a-lab"));
    std::fs::create_dir_all(fleet.path().join("clusters/b-locked")).unwrap();
    std::fs::set_permissions(fleet.path().join("clusters/b-locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kzrender"));
    cmd.args(["validate", "clusters"]).current_dir(fleet.path());
    // Permissions do not stop root: run as nobody then.
    if uid() == 0 {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "1 cluster: 1 valid, 0 invalid\n");
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: clusters/b-locked: cannot read: Permission denied (os error 13)\n"
    );
}

#[test]
fn a_huge_flow_list_is_refused_at_the_value_limit() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("ClusterName: x\nplatform: nocloud\ncalico:\n  values:\n    l: [a");
    while text.len() < 8 * 1024 * 1024 - 16 {
        text.push_str(",a");
    }
    text.push_str("]\n");
    std::fs::write(dir.path().join("kubezero.yaml"), text).unwrap();
    let out = Test::new().args(["render"]).arg_path(dir.path()).run().failure(1);
    let name = dir.path().join("kubezero.yaml").display().to_string();
    let msg =
        "calico.values.l[99989]: the file holds more than 100000 values; split it, or keep big data out of values";
    assert_eq!(
        out.stderr,
        format!(
            "kzrender: {}: 1 error, nothing rendered; first: {msg}\nerror: {name}:5:199987: {msg}\n",
            dir.path().display()
        )
    );
}

#[test]
fn sigterm_ends_a_render_with_nothing_on_stdout() {
    use std::os::unix::process::ExitStatusExt;
    // The render waits for the values on stdin, which never come: it cannot finish before the
    // signal, so the signal is what ends it.
    let child = Command::new(env!("CARGO_BIN_EXE_kzrender"))
        .args(["render", "fixtures/fleet/clusters/prod-eu", "-f", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.signal(), Some(15), "ended by SIGTERM: {:?}", out.status);
    assert!(out.stdout.is_empty(), "nothing on stdout");
}

#[test]
fn values_files_come_as_lists_and_from_stdin_like_helms() {
    let render = |args: &[&str], stdin: &str| {
        Test::new().args(["render", "fixtures/fleet/clusters/onprem"]).args(args).stdin(stdin).run().success().stdout
    };
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
    std::fs::write(&a, "calico: {mtu: 1500}\n").unwrap();
    std::fs::write(&b, "calico: {mtu: 9000}\n").unwrap();
    let (a, b) = (a.display().to_string(), b.display().to_string());
    let separate = render(&["-f", &a, "-f", &b], "");
    assert_eq!(render(&["-f", &format!("{a},{b}")], ""), separate);
    assert_eq!(render(&["-f", &a, "-f", "-"], "calico: {mtu: 9000}\n"), separate);
    assert!(separate.contains("mtu: 9000\n"), "{separate}");
}
