//! A signal that ends `kzrender diff` (a cancelled CI job, a closed terminal) removes its
//! private scratch directory and stops the programs it runs.

use std::process::Command;

use crate::diff::Repo;

#[test]
fn sigterm_removes_the_private_scratch_directory() {
    a_signal_removes_the_private_scratch_directory("-TERM", 15);
}

#[test]
fn sighup_removes_the_private_scratch_directory() {
    a_signal_removes_the_private_scratch_directory("-HUP", 1);
}

fn a_signal_removes_the_private_scratch_directory(signal: &str, number: i32) {
    use std::os::unix::fs::PermissionsExt;
    let repo = Repo::fleet();
    repo.edit("clusters/prod-eu/kubezero.yaml", "mtu: 8941", "mtu: 9001");
    let work = tempfile::tempdir().unwrap();
    let (tools, tmp) = (work.path().join("tools"), work.path().join("tmp"));
    std::fs::create_dir_all(&tools).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let (ready, block) = (work.path().join("ready"), work.path().join("block"));
    for fifo in [&ready, &block] {
        assert!(Command::new("mkfifo").arg(fifo).status().unwrap().success());
    }
    // A git that says when `cat-file` starts (diff extracts the old side's files with it, into
    // its scratch directory: the fleet has no symlinks to read before) and blocks until the
    // test lets it go.
    let real = String::from_utf8(Command::new("sh").args(["-c", "command -v git"]).output().unwrap().stdout).unwrap();
    let wrapper = format!(
        "#!/bin/sh\nif [ \"$3\" = cat-file ]; then echo go > {}; cat {} > /dev/null; exit 1; fi\nexec {} \"$@\"\n",
        ready.display(),
        block.display(),
        real.trim()
    );
    std::fs::write(tools.join("git"), wrapper).unwrap();
    std::fs::set_permissions(tools.join("git"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:{}", tools.display(), std::env::var("PATH").unwrap());
    let child = Command::new(env!("CARGO_BIN_EXE_kzrender"))
        .args(["diff", "--stat"])
        .current_dir(repo.path(""))
        .env("PATH", path)
        .env("TMPDIR", &tmp)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Whatever happens below, the child and the blocked git end with the test.
    struct Cleanup(u32, std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ =
                Command::new("kill").arg("-KILL").arg(self.0.to_string()).stderr(std::process::Stdio::null()).status();
            // Lets a blocked git go; without blocking when it is gone already (kzrender stops
            // the programs it runs when a signal ends it). 0o4000 is Linux's O_NONBLOCK.
            use std::os::unix::fs::OpenOptionsExt;
            let _ = std::fs::OpenOptions::new().write(true).custom_flags(0o4000).open(&self.1);
        }
    }
    let _cleanup = Cleanup(child.id(), block.clone());
    std::fs::read_to_string(&ready).unwrap();
    let scratch: Vec<_> = std::fs::read_dir(&tmp).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(scratch.len(), 1, "{scratch:?}");
    assert_eq!(std::fs::metadata(&scratch[0]).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(scratch[0].file_name().unwrap().to_string_lossy().starts_with("kzrender-diff-"));
    Command::new("kill").arg(signal).arg(child.id().to_string()).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(128 + number));
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0, "the scratch directory is gone");
}
