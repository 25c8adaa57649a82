//! Running a program with input on its stdin (git's `cat-file --batch`, `helm template
//! --values -`) and its output collected, bounded in bytes and, for helm, in time.
//!
//! Every child started here is registered while it runs, so that [`end_children`] can stop
//! them all when a signal ends kzrender: a helm left running would outlive the job that
//! started it.

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How much a child may print and how long it may run.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Bytes of stdout kept; more is an error.
    pub stdout: u64,
    /// Bytes of stderr kept; more is cut (a message needs no more).
    pub stderr: u64,
    /// How long the child may run; `None` for no limit.
    pub time: Option<Duration>,
}

/// What a bounded run gave.
#[derive(Debug)]
pub enum Ran {
    /// It ended on its own.
    Done {
        /// Its exit status.
        status: ExitStatus,
        /// All of its stdout.
        stdout: Vec<u8>,
        /// Its stderr, cut at the bound.
        stderr: Vec<u8>,
    },
    /// It printed more than [`Bounds::stdout`] and was stopped.
    TooMuchOutput,
    /// It ran longer than [`Bounds::time`] and was stopped.
    TimedOut,
}

type Running = Mutex<Vec<Arc<Mutex<Child>>>>;

fn running() -> &'static Running {
    static RUNNING: Running = Mutex::new(Vec::new());
    &RUNNING
}

/// Stops every child a bounded run is waiting for (when a signal ends kzrender).
pub fn end_children() {
    for child in running().lock().unwrap_or_else(PoisonError::into_inner).iter() {
        let _ = child.lock().unwrap_or_else(PoisonError::into_inner).kill();
    }
}

/// Runs `cmd` with `input` on its stdin within `bounds`. The input is written and the output
/// read from threads beside the wait, so no side blocks on a full pipe; a program that stops
/// reading early is not an error here (its exit status and message say why).
pub fn run(cmd: &mut Command, input: &[u8], bounds: Bounds) -> std::io::Result<Ran> {
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    let child = Arc::new(Mutex::new(child));
    running().lock().unwrap_or_else(PoisonError::into_inner).push(child.clone());
    let overflow = AtomicBool::new(false);
    let result = std::thread::scope(|s| {
        s.spawn(move || stdin.write_all(input));
        let out = s.spawn(|| {
            let read = read_at_most(stdout, bounds.stdout);
            let over = read.as_ref().is_ok_and(|b| b.len() as u64 > bounds.stdout);
            overflow.store(over, Ordering::Relaxed);
            read
        });
        let err = s.spawn(move || read_at_most(stderr, bounds.stderr));
        let (status, timed_out) = wait(&child, bounds.time, || overflow.load(Ordering::Relaxed))?;
        let (out, err) = (out.join().expect("reader"), err.join().expect("reader"));
        let (stdout, stderr) = (out?, err?);
        Ok(match (timed_out, stdout.len() as u64 > bounds.stdout) {
            (true, _) => Ran::TimedOut,
            (false, true) => Ran::TooMuchOutput,
            (false, false) => {
                let mut stderr = stderr;
                stderr.truncate(bounds.stderr as usize);
                Ran::Done { status, stdout, stderr }
            }
        })
    });
    running().lock().unwrap_or_else(PoisonError::into_inner).retain(|c| !Arc::ptr_eq(c, &child));
    result
}

/// Runs `cmd` to its end with `input` on its stdin, its output unbounded (git on the repository
/// being diffed, whose output is the size of what the user asked for).
pub fn output_with_input(cmd: &mut Command, input: &[u8]) -> std::io::Result<std::process::Output> {
    let unbounded = Bounds { stdout: u64::MAX - 1, stderr: u64::MAX - 1, time: None };
    match run(cmd, input, unbounded)? {
        Ran::Done { status, stdout, stderr } => Ok(std::process::Output { status, stdout, stderr }),
        Ran::TooMuchOutput | Ran::TimedOut => unreachable!("no bound to cross"),
    }
}

/// Waits for the child, stopping it when `time` runs out or `stop()` says so; the status, and
/// whether it ran out of time.
fn wait(child: &Mutex<Child>, time: Option<Duration>, stop: impl Fn() -> bool) -> std::io::Result<(ExitStatus, bool)> {
    let start = Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let mut c = child.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(status) = c.try_wait()? {
            return Ok((status, false));
        }
        let out_of_time = time.is_some_and(|t| start.elapsed() >= t);
        if out_of_time || stop() {
            let _ = c.kill();
            return Ok((c.wait()?, out_of_time));
        }
        drop(c);
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Reads `reader` to its end, but no more than `limit` bytes and one: a result longer than
/// `limit` means there was more. Bounds every read by what is read, never by a reported size
/// (`/proc` files report 0, a FIFO or a device nothing at all).
pub fn read_at_most(reader: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    reader.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn a_child_that_never_ends_is_stopped_at_its_time() {
        let bounds = Bounds { stdout: 1024, stderr: 1024, time: Some(Duration::from_millis(200)) };
        assert!(matches!(run(&mut sh("exec sleep 30"), b"", bounds).unwrap(), Ran::TimedOut));
    }

    #[test]
    fn a_child_that_prints_without_end_is_stopped_at_its_bound() {
        let bounds = Bounds { stdout: 1 << 20, stderr: 1024, time: None };
        assert!(matches!(run(&mut sh("exec yes"), b"", bounds).unwrap(), Ran::TooMuchOutput));
    }

    #[test]
    fn stdin_stdout_and_a_cut_stderr_come_back() {
        let bounds = Bounds { stdout: 1024, stderr: 3, time: Some(Duration::from_secs(30)) };
        match run(&mut sh("cat; echo oops >&2; exit 3"), b"in\n", bounds).unwrap() {
            Ran::Done { status, stdout, stderr } => {
                assert_eq!((status.code(), stdout.as_slice(), stderr.as_slice()), (Some(3), &b"in\n"[..], &b"oop"[..]))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_stop_one_byte_past_the_limit() {
        assert_eq!(read_at_most(std::io::repeat(7).take(1 << 30), 10).unwrap().len(), 11);
        assert_eq!(read_at_most(&b"abc"[..], 10).unwrap(), b"abc");
    }
}
