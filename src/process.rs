//! Running a program with input on its stdin (git's `cat-file --batch`, `helm template
//! --values -`) and its output collected.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `cmd` with `input` on its stdin and collects stdout and stderr. The input is written
/// from a thread beside the read, so neither side blocks on a full pipe; a program that stops
/// reading early is not an error here (its exit status and message say why).
pub fn output_with_input(cmd: &mut Command, input: &[u8]) -> std::io::Result<Output> {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    std::thread::scope(|s| {
        s.spawn(move || stdin.write_all(input));
        child.wait_with_output()
    })
}
