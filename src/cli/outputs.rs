//! `kzrender outputs import SOURCE... --cluster DIR`: the command a CloudBender hook runs.

use std::fmt::Write;

use kzrender::import::{self, Outcome};

use super::args::{OutputsArgs, OutputsCommand};
use super::{catalog, require_cluster_dir, Failure, Success};

/// Imports CloudBender output files into a cluster directory and says what changed.
pub fn run(args: &OutputsArgs) -> Result<Success, Failure> {
    let OutputsCommand::Import(a) = &args.command;
    require_cluster_dir(&a.cluster)?;
    let catalog = catalog(&a.catalog)?;
    let imported = import::import(catalog, &a.sources, &a.cluster).map_err(|diags| Failure::Invalid {
        subject: format!("outputs for {}", a.cluster.display()),
        diags,
        nothing: "written",
    })?;
    let mut out = String::new();
    for i in imported {
        let target = kzrender::diag::one_line(&a.cluster.join(&i.target).display().to_string());
        match i.outcome {
            Outcome::Created => writeln!(out, "created {target}"),
            Outcome::Unchanged => writeln!(out, "unchanged {target}"),
            Outcome::Updated(keys) if keys.is_empty() => writeln!(out, "updated {target} (no value changed)"),
            Outcome::Updated(keys) => {
                let keys: Vec<String> = keys.iter().map(|k| kzrender::diag::one_line(k)).collect();
                writeln!(out, "updated {target}: {}", keys.join(", "))
            }
        }
        .expect("writing to a String");
    }
    Ok(Success { stdout: out, warnings: Vec::new() })
}
