//! `kzrender validate [PATH]...`: the clusters under the paths, checked by the library
//! ([`fleet::check`]), reported in the format asked for.

use kzrender::deep::Deep;
use kzrender::fleet::{self, Check};
use kzrender::request::{Overlay, Set, Stdin};
use kzrender::strvals::Flag;

use super::args::{Format, ValidateArgs};
use super::{catalog, helm, official_schemas, report, Failure, Success};

/// Validates the clusters under `args.paths`.
pub fn run(args: &ValidateArgs) -> Result<Success, Failure> {
    let catalog = catalog(&args.values.catalog)?;
    let official = official_schemas(&args.schemas)?;
    let helm = helm(&args.charts)?;
    if helm.is_some() {
        super::end_on_signal(None);
    }
    let files = args.values.files().map_err(Failure::trouble)?;
    let found = fleet::find_clusters(&args.paths);
    if let (true, Some(e)) = (found.dirs.is_empty(), found.errors.first()) {
        let at = e.origin.as_ref().map(ToString::to_string).unwrap_or_default();
        return Err(Failure::trouble(format!("{at}: {}", e.message)));
    }
    if found.dirs.is_empty() {
        let paths: Vec<String> = args.paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Failure::trouble(format!(
            "no cluster directory (a directory with kubezero.yaml) under {}",
            paths.join(" ")
        )));
    }
    let clusters = fleet::shard(found.dirs, args.shard);
    let mut base = args.values.request(Default::default(), &files, &Stdin::default());
    // The what-if wins over everything the cluster says, as the highest layer.
    if let Some(v) = &args.kube_version {
        let text = format!("KubernetesVersion={v}");
        base.overlays.push(Overlay::Set(Set { flag: Flag::String, text, source: "--kube-version".into() }));
    }
    let deep = match (&helm, &args.charts.charts) {
        (Some(helm), Some(charts)) => {
            let api_versions = &args.api_versions;
            Some(Deep { charts, helm, official: &official, unused: args.unused, api_versions })
        }
        _ => None,
    };
    let checked = fleet::check(&Check { catalog, official: &official, base: &base, deep: deep.as_ref() }, &clusters);
    let verdicts = &checked.verdicts;
    let text = match args.format {
        Format::Text => report::text(verdicts) + &report::charts(checked.charts),
        Format::Json => report::json(verdicts),
        Format::Github => report::github(verdicts),
        Format::Junit => report::junit(verdicts),
    };
    // What kept kzrender from doing all of its job (a path it could not read, a chart helm
    // could not render for want of its dependencies) is also named on stderr; the clusters it
    // could check are still reported, and the exit code says so.
    let errors = verdicts.iter().flat_map(|v| &v.renders).flat_map(|r| &r.errors);
    let trouble = errors.clone().filter(|d| d.kind.exit_code() > 1);
    let problems: String = found.errors.iter().chain(trouble).map(|e| format!("{e}\n")).collect();
    let kinds: Vec<_> = found.errors.iter().chain(errors).map(|d| d.kind).collect();
    if kinds.is_empty() {
        Ok(Success { stdout: text, warnings: Vec::new() })
    } else {
        Err(Failure::Found { report: text, problems, kinds })
    }
}
