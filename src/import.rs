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
    let imported: Vec<Imported> = planned.iter().map(|p| outcome(catalog, &guard, cluster, p)).collect();
    let writes: Vec<(PathBuf, &[u8])> = planned
        .iter()
        .zip(&imported)
        .filter(|(_, i)| i.outcome != Outcome::Unchanged)
        .map(|(p, _)| (cluster.join(&p.target), p.bytes.as_slice()))
        .collect();
    commit(&writes).map_err(|e| vec![e])?;
    Ok(imported)
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
    errors.extend(schema.validate(catalog, &layer.node).into_iter().filter(|d| d.kind != Kind::Required));
    if !errors.is_empty() {
        return Err(errors);
    }
    let target = match format {
        Format::Export => EXPORT_FILE.to_owned(),
        Format::StoreOutputs { stack, .. } => {
            // It names a file below outputs/: no empty, hidden, `.` or `..` part, no control character.
            let bad_part = |seg: &str| seg.is_empty() || seg.starts_with('.');
            if stack.split('/').any(bad_part) || stack.chars().any(char::is_control) {
                let msg = format!(
                    "`{}` cannot name a file below outputs/ (no empty, hidden or .. parts, no control characters)",
                    crate::diag::one_line(&stack)
                );
                let at = Some(Origin::at(&Arc::from(name.as_str()), 1, 1));
                return Err(vec![Diagnostic::new(Kind::CloudBender, at, "StackName", msg)]);
            }
            format!("{OUTPUTS_DIR}/{stack}.yaml")
        }
    };
    Ok(Planned { target, bytes: src.text.into_bytes(), values: layer.node })
}

/// What importing `p` does to its target.
fn outcome(catalog: &Catalog, guard: &Guard, cluster: &Path, p: &Planned) -> Imported {
    let path = cluster.join(&p.target);
    let outcome = match std::fs::read(&path).ok() {
        None => Outcome::Created,
        Some(old) if old == p.bytes => Outcome::Unchanged,
        Some(_) => Outcome::Updated(changed_keys(catalog, guard, &path, &p.values)),
    };
    Imported { target: p.target.clone(), outcome }
}

/// Writes every target or none: each is staged in a temporary file beside it (private name,
/// removed when dropped), and only when all are staged are they renamed into place.
/// Directories made for staging are removed again when anything fails.
fn commit(writes: &[(PathBuf, &[u8])]) -> Result<(), Diagnostic> {
    use std::io::Write;
    let mut made: Vec<PathBuf> = Vec::new();
    let mut staged = Vec::new();
    let io = |path: &Path, what: &str, e: std::io::Error| {
        Diagnostic::new(Kind::Io, Some(Origin::file(&path.display().to_string())), "", format!("cannot {what}: {e}"))
    };
    let staging = writes.iter().try_for_each(|(path, bytes)| {
        let dir = path.parent().expect("a target has a directory");
        let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.exists()).collect();
        for d in missing.into_iter().rev() {
            std::fs::create_dir(d).map_err(|e| io(d, "create directory", e))?;
            made.push(d.to_path_buf());
        }
        let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644);
        let mut tmp = tempfile::Builder::new()
            .prefix(".kzrender-")
            .permissions(mode)
            .tempfile_in(dir)
            .map_err(|e| io(path, "write", e))?;
        tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(|e| io(path, "write", e))?;
        staged.push((tmp, path));
        Ok(())
    });
    if let Err(e) = staging {
        drop(staged);
        made.iter().rev().for_each(|d| drop(std::fs::remove_dir(d)));
        return Err(e);
    }
    for (tmp, path) in staged {
        tmp.persist(path).map_err(|e| io(path, "replace", e.error))?;
    }
    Ok(())
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
