//! `kzrender render`: one cluster to stdout.

use kzrender::pipeline;
use kzrender::request::Stdin;

use super::args::{Output, RenderArgs};
use super::{catalog, Failure, Success};

/// Renders the cluster in `args.dir`.
pub fn run(args: &RenderArgs) -> Result<Success, Failure> {
    super::require_cluster_dir(&args.dir)?;
    let catalog = catalog(&args.values.catalog)?;
    let files = args.values.files().map_err(Failure::trouble)?;
    let req = args.values.request(args.dir.clone(), &files, &Stdin::default());
    let official = super::official_schemas(&args.schemas)?;
    let rendered = pipeline::render_cluster(catalog, &official, &req)
        .map_err(|diags| Failure::invalid(args.dir.display().to_string(), diags))?;
    let stdout = match args.output {
        Output::Yaml => rendered.yaml(),
        Output::Json => rendered.json(),
    };
    Ok(Success { stdout, warnings: rendered.warnings })
}
