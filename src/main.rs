//! The `kzrender` command: parses arguments, runs one mode, maps the outcome to an exit code.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
