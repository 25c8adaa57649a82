//! `kzrender docs [--channel C]`: the generated `kubezero.yaml` reference, as Markdown.

use super::args::DocsArgs;
use super::{catalog, Failure, Success};

/// Prints the reference for every channel, or one.
pub fn run(args: &DocsArgs) -> Result<Success, Failure> {
    let catalog = catalog(&args.catalog)?;
    let channel = match &args.channel {
        None => None,
        Some(name) => Some(catalog.channels.get(name).ok_or_else(|| {
            let known: Vec<&str> = catalog.channels.keys().map(String::as_str).collect();
            Failure::trouble(format!("unknown channel `{name}`; choose one of: {}", known.join(", ")))
        })?),
    };
    let stdout = kzrender::docs::markdown(catalog, channel).map_err(|diags| Failure::invalid("catalog", diags))?;
    Ok(Success { stdout, warnings: Vec::new() })
}
