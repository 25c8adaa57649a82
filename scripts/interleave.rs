//! Whole-process timing of commands run in turn: A, B, A, B, ... so every command meets the same
//! load of a shared machine, minute by minute. `scripts/bench.sh` compiles it with `rustc -O`
//! (no dependencies) for its paired rows.
//!
//!     interleave RUNS -- A ARGS... -- B ARGS...
//!
//! Prints each command's median wall time in milliseconds, one per line, in the order given.
//! Output goes to /dev/null; a command that fails still counts (as hyperfine's
//! `--ignore-failure`).

use std::process::{Command, Stdio};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs: usize = args.first().and_then(|r| r.parse().ok()).expect("usage: interleave RUNS -- CMD... -- CMD...");
    let commands: Vec<&[String]> = args[1..].split(|a| a == "--").filter(|c| !c.is_empty()).collect();
    let mut times = vec![Vec::with_capacity(runs); commands.len()];
    for _ in 0..runs {
        for (command, times) in commands.iter().zip(&mut times) {
            let start = Instant::now();
            let _ = Command::new(&command[0])
                .args(&command[1..])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("the command starts");
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for mut times in times {
        times.sort_by(f64::total_cmp);
        println!("{:.3}", times[times.len() / 2]);
    }
}
