//! Bad input, and suspicious input that still renders: each case is a directory under
//! `fixtures/errors/` or `fixtures/warnings/` with a `cmd` file, and its snapshot is exactly what a
//! user sees (exit code, stdout, stderr). Every case runs even when an earlier one fails.

use std::path::Path;

use crate::support::Case;

/// What every failure owes ArgoCD and the person reading its log.
fn contract_of_a_failure(case: &Path, command: &str, out: &crate::support::Outcome, broken: &mut Vec<String>) {
    let first = out.stderr.lines().next().unwrap_or_default();
    let mut check = |ok: bool, what: &str| {
        if !ok {
            broken.push(format!("{}: {what}\n{}", case.display(), out.stderr));
        }
    };
    check(out.code != 0, "a failure exits non-zero");
    // validate and diff print their report on stdout; every other command prints nothing.
    let reports = command.starts_with("kzrender validate") || command.starts_with("kzrender diff");
    check(reports || out.stdout.is_empty(), "a failure prints nothing on stdout");
    let named = first.starts_with("kzrender: ") || first.starts_with("error: ") || (reports && first.is_empty());
    check(named, "the first stderr line names kzrender");
    check(first.chars().count() < 400, "the first stderr line is short");
}

#[test]
fn every_error_case_fails_with_exactly_this_output() {
    let mut broken = Vec::new();
    insta::glob!("../fixtures/errors", "*/cmd", |path| {
        let case = Case::read(path);
        let out = case.run();
        contract_of_a_failure(path, &case.command, &out, &mut broken);
        insta::assert_snapshot!(out.transcript(&case.command));
    });
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
}

#[test]
fn every_warning_case_renders_with_exactly_these_warnings() {
    let mut broken = Vec::new();
    insta::glob!("../fixtures/warnings", "*/cmd", |path| {
        let case = Case::read(path);
        let out = case.run();
        if out.code != 0 {
            broken.push(format!("{}: exit {}\n{}", path.display(), out.code, out.stderr));
        }
        insta::assert_snapshot!(out.transcript(&case.command));
    });
    assert!(broken.is_empty(), "{}", broken.join("\n\n"));
}
