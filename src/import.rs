//! `outputs import`: copying fresh CloudBender outputs into a cluster directory of the GitOps
//! repository, as a CloudBender `cmd` hook (`post_create` / `post_update`) can run it.
//!
//! Takes source files and a cluster directory; checks every source first (format, no empty
//! outputs — CloudBender's no-update pitfall must not reach git —, values against the schema);
//! then writes each atomically (temp file + rename) where `render` reads it: export files as
//! `cloudbender.yaml`, StoreOutputs files as `outputs/<StackName>.yaml`. Same bytes, no write.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::cloudbender::{self, Format, EXPORT_FILE, OUTPUTS_DIR};
use crate::diag::{Diagnostic, Kind};
use crate::layer::{Layer, LayerKind};
use crate::read::{display, Guard};
use crate::schema;
use crate::value::Origin;
use crate::yaml::parse_map;

/// What happened to one target file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The file did not exist.
    Created,
    /// The file changed; the dotted keys whose values changed.
    Updated(Vec<String>),
    /// Same bytes: not rewritten.
    Unchanged,
}

/// One imported file.
#[derive(Debug)]
pub struct Imported {
    /// Where it went, relative to the cluster directory.
    pub target: String,
    /// What happened.
    pub outcome: Outcome,
}

struct Planned {
    target: String,
    bytes: Vec<u8>,
    values: crate::value::Node,
}

/// Checks every source, then writes them into `cluster`. Nothing is written unless all are valid.
pub fn import(catalog: &Catalog, sources: &[PathBuf], cluster: &Path) -> Result<Vec<Imported>, Vec<Diagnostic>> {
    let guard = Guard::open();
    let mut errors = Vec::new();
    let mut planned: Vec<Planned> = Vec::new();
    for source in sources {
        match plan(catalog, &guard, source) {
            Ok(p) => {
                if let Some(other) = planned.iter().find(|o| o.target == p.target) {
                    let msg = format!("two sources would both become {}; import one at a time", other.target);
                    let at = Some(Origin::file(&source.display().to_string()));
                    errors.push(Diagnostic::new(Kind::CloudBender, at, "", msg));
                }
                planned.push(p);
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        errors = disagreements(catalog, &guard, cluster, &planned);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    planned.into_iter().map(|p| write(catalog, &guard, cluster, p).map_err(|e| vec![e])).collect()
}

/// What the cluster's CloudBender files would disagree on once the planned files are in place:
/// an import must not land a conflict that breaks the next render. (A cluster whose other
/// files cannot be read is left for `render` to report.)
fn disagreements(catalog: &Catalog, guard: &Guard, cluster: &Path, planned: &[Planned]) -> Vec<Diagnostic> {
    let Ok(existing) = cloudbender::read(catalog, guard, cluster, &mut Vec::new()) else { return Vec::new() };
    let replaced: Vec<String> = planned.iter().map(|p| display(cluster, &p.target)).collect();
    let mut layers: Vec<Layer> = existing.layers.into_iter().filter(|l| !replaced.contains(&l.name)).collect();
    layers.extend(planned.iter().map(|p| Layer {
        kind: LayerKind::CloudBender,
        name: display(cluster, &p.target),
        note: None,
        node: p.values.clone(),
        set: None,
    }));
    cloudbender::conflicts(&layers)
}

fn plan(catalog: &Catalog, guard: &Guard, source: &Path) -> Result<Planned, Vec<Diagnostic>> {
    let name = source.display().to_string();
    let src = guard.read(source, &name).map_err(|e| vec![e])?;
    let node = parse_map(&src, &mut Vec::new())?;
    let format = cloudbender::recognise(catalog, &node)?;
    let (layer, empty) = cloudbender::layer(catalog, &name, node, &src.text)?;
    let mut errors: Vec<Diagnostic> = empty
        .into_iter()
        .map(|(key, at)| {
            let msg = "is empty: CloudBender writes empty outputs when a stack update had no changes; refresh them with `cloudbender outputs <stack>` and import again";
            Diagnostic::new(Kind::Unsupported, Some(at), key, msg)
        })
        .collect();
    // The values must be right where they are set; what the file does not set is not its business.
    let schema = catalog.input_schema()?;
    let mut found = Vec::new();
    schema::validate(schema, &layer.node, &mut Vec::new(), &mut found);
    errors.extend(found.into_iter().filter(|d| d.kind != Kind::Required));
    if !errors.is_empty() {
        return Err(errors);
    }
    let target = match format {
        Format::Export => EXPORT_FILE.to_owned(),
        Format::StoreOutputs { stack, .. } => {
            if stack.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
                return Err(vec![Diagnostic::new(
                    Kind::CloudBender,
                    Some(Origin::at(&Arc::from(name.as_str()), 1, 1)),
                    "StackName",
                    format!("`{stack}` cannot name a file"),
                )]);
            }
            format!("{OUTPUTS_DIR}/{stack}.yaml")
        }
    };
    Ok(Planned { target, bytes: src.text.into_bytes(), values: layer.node })
}

fn write(catalog: &Catalog, guard: &Guard, cluster: &Path, p: Planned) -> Result<Imported, Diagnostic> {
    let path = cluster.join(&p.target);
    let at = || Some(Origin::file(&path.display().to_string()));
    let old = std::fs::read(&path).ok();
    if old.as_deref() == Some(p.bytes.as_slice()) {
        return Ok(Imported { target: p.target, outcome: Outcome::Unchanged });
    }
    let outcome = match old {
        None => Outcome::Created,
        Some(_) => Outcome::Updated(changed_keys(catalog, guard, &path, &p.values)),
    };
    let dir = path.parent().expect("a target has a directory");
    std::fs::create_dir_all(dir)
        .map_err(|e| Diagnostic::new(Kind::Io, at(), "", format!("cannot create directory: {e}")))?;
    let file_name = path.file_name().expect("a target has a name").to_string_lossy();
    let tmp = dir.join(format!(".{file_name}.kzrender-{}", std::process::id()));
    std::fs::write(&tmp, &p.bytes).map_err(|e| Diagnostic::new(Kind::Io, at(), "", format!("cannot write: {e}")))?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Diagnostic::new(Kind::Io, at(), "", format!("cannot replace: {e}"))
    })?;
    Ok(Imported { target: p.target, outcome })
}

/// Dotted keys whose values differ between the file on disk and the new values.
fn changed_keys(catalog: &Catalog, guard: &Guard, path: &Path, new: &crate::value::Node) -> Vec<String> {
    let old = guard.read(path, &path.display().to_string()).ok().and_then(|src| {
        let node = parse_map(&src, &mut Vec::new()).ok()?;
        cloudbender::layer(catalog, "old", node, &src.text).ok().map(|(l, _)| l.node)
    });
    let old_leaves = old.as_ref().map(|o| o.leaves()).unwrap_or_default();
    let new_leaves = new.leaves();
    let same = |a: &[(crate::value::KeyPath, &crate::value::Node)],
                k: &crate::value::KeyPath,
                v: &crate::value::Node| { a.iter().any(|(ak, av)| ak == k && av.same_data(v)) };
    let mut keys: Vec<String> = new_leaves
        .iter()
        .filter(|(k, v)| !same(&old_leaves, k, v))
        .map(|(k, _)| k.to_string())
        .chain(old_leaves.iter().filter(|(k, _)| !new_leaves.iter().any(|(nk, _)| nk == k)).map(|(k, _)| k.to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
