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
/// Two imports into one cluster at once take turns: each holds a lock on the cluster directory
/// from its first read of the cluster's files to its last write.
pub fn import(catalog: &Catalog, sources: &[PathBuf], cluster: &Path) -> Result<Vec<Imported>, Vec<Diagnostic>> {
    let guard = Guard::open();
    let _lock = lock(cluster).map_err(|e| vec![e])?;
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
    let mut writes = Vec::new();
    let mut imported = Vec::new();
    for p in &planned {
        let path = cluster.join(&p.target);
        no_symlink_below(cluster, &path).map_err(|e| vec![e])?;
        let old = existing(&path).map_err(|e| vec![e])?;
        let outcome = match &old {
            None => Outcome::Created,
            Some(old) if *old == p.bytes => Outcome::Unchanged,
            Some(_) => Outcome::Updated(changed_keys(catalog, &guard, &path, &p.values)),
        };
        if outcome != Outcome::Unchanged {
            writes.push(Write { path, bytes: &p.bytes, old });
        }
        imported.push(Imported { target: p.target.clone(), outcome });
    }
    commit(&writes).map_err(|e| vec![e])?;
    Ok(imported)
}

/// The exclusive lock on a cluster directory, held while the value lives (the directory's own
/// lock: no lock file is left in the repository).
fn lock(cluster: &Path) -> Result<std::fs::File, Diagnostic> {
    let cannot = |e: std::io::Error| {
        let at = Some(Origin::file(&cluster.display().to_string()));
        Diagnostic::new(Kind::Io, at, "", format!("cannot lock the cluster directory: {e}"))
    };
    let dir = std::fs::File::open(cluster).map_err(cannot)?;
    dir.lock().map_err(cannot)?;
    Ok(dir)
}

/// The bytes of a target that is there: `None` when it is not; an error when it is something a
/// file cannot replace (a directory) or is not a regular file.
fn existing(path: &Path) -> Result<Option<Vec<u8>>, Diagnostic> {
    let at = || Some(Origin::file(&path.display().to_string()));
    match std::fs::symlink_metadata(path) {
        // A file where a directory of the path should be is met when the directories are made.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => Ok(None),
        Err(e) => Err(Diagnostic::new(Kind::Io, at(), "", format!("cannot read: {e}"))),
        Ok(meta) if !meta.is_file() => {
            let msg = "is in the way: not a regular file, so it cannot be replaced; move it away and import again";
            Err(Diagnostic::new(Kind::Io, at(), "", msg))
        }
        Ok(_) => crate::read::read_regular(path, crate::read::MAX_FILE_BYTES)
            .map(Some)
            .map_err(|e| Diagnostic::new(Kind::Io, at(), "", format!("cannot read: {e}"))),
    }
}

/// Refuses a target whose directory below the cluster directory is a symlink: a repository that
/// holds `outputs -> elsewhere` must not turn a CloudBender hook into a write outside it.
fn no_symlink_below(cluster: &Path, target: &Path) -> Result<(), Diagnostic> {
    for dir in target.ancestors().skip(1).take_while(|d| *d != cluster) {
        if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            let msg = "is a symlink: kzrender writes CloudBender files only inside the cluster directory; make it a directory";
            return Err(Diagnostic::new(Kind::Io, Some(Origin::file(&dir.display().to_string())), "", msg));
        }
    }
    Ok(())
}

/// One file to write, with what it replaces.
struct Write<'a> {
    path: PathBuf,
    bytes: &'a [u8],
    /// The bytes it replaces; `None` for a new file.
    old: Option<Vec<u8>>,
}

/// What the cluster's CloudBender files would disagree on once the planned files are in place:
/// an import must not land a conflict that breaks the next render. (A cluster whose other
/// files cannot be read is left for `render` to report.)
fn disagreements(catalog: &Catalog, guard: &Guard, cluster: &Path, planned: &[Planned]) -> Vec<Diagnostic> {
    let Ok(existing) = cloudbender::read(catalog, guard, cluster, &mut Default::default(), &mut Vec::new()) else {
        return Vec::new();
    };
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

/// Writes every target or none: each is staged in a temporary file beside it (private name,
/// removed when dropped), and only when all are staged are they renamed into place. A rename
/// that fails puts back what the earlier ones replaced; directories made for staging are
/// removed again when anything fails.
fn commit(writes: &[Write<'_>]) -> Result<(), Diagnostic> {
    let mut made: Vec<PathBuf> = Vec::new();
    let mut staged = Vec::new();
    let staging = writes.iter().try_for_each(|w| {
        let dir = w.path.parent().expect("a target has a directory");
        let missing: Vec<&Path> = dir.ancestors().take_while(|d| !d.exists()).collect();
        for d in missing.into_iter().rev() {
            std::fs::create_dir(d).map_err(|e| io(d, "create directory", e))?;
            made.push(d.to_path_buf());
        }
        staged.push((stage(&w.path, w.bytes)?, w));
        Ok(())
    });
    let undo_dirs = |made: &[PathBuf]| made.iter().rev().for_each(|d| drop(std::fs::remove_dir(d)));
    if let Err(e) = staging {
        drop(staged);
        undo_dirs(&made);
        return Err(e);
    }
    let mut done: Vec<&Write<'_>> = Vec::new();
    for (tmp, w) in staged {
        if let Err(e) = tmp.persist(&w.path) {
            for earlier in done.into_iter().rev() {
                let _ = match &earlier.old {
                    Some(old) => stage(&earlier.path, old).and_then(|t| {
                        t.persist(&earlier.path).map(drop).map_err(|e| io(&earlier.path, "restore", e.error))
                    }),
                    None => std::fs::remove_file(&earlier.path).map_err(|e| io(&earlier.path, "remove", e)),
                };
            }
            undo_dirs(&made);
            return Err(io(&w.path, "replace", e.error));
        }
        done.push(w);
    }
    Ok(())
}

/// `bytes` in a private temporary file beside `path`, synced, mode 0644: persisted over `path`,
/// it replaces the old file whole or not at all.
pub fn stage(path: &Path, bytes: &[u8]) -> Result<tempfile::NamedTempFile, Diagnostic> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mode = <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o644);
    let mut tmp = tempfile::Builder::new()
        .prefix(".kzrender-")
        .permissions(mode)
        .tempfile_in(dir)
        .map_err(|e| io(path, "write", e))?;
    tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all()).map_err(|e| io(path, "write", e))?;
    Ok(tmp)
}

fn io(path: &Path, what: &str, e: std::io::Error) -> Diagnostic {
    Diagnostic::new(Kind::Io, Some(Origin::file(&path.display().to_string())), "", format!("cannot {what}: {e}"))
}

/// Dotted keys whose values differ between the file on disk and the new values.
fn changed_keys(catalog: &Catalog, guard: &Guard, path: &Path, new: &crate::value::Node) -> Vec<String> {
    let old = guard.read(path, &path.display().to_string()).ok().and_then(|src| {
        let node = parse_map(&src, &mut Vec::new()).ok()?;
        cloudbender::layer(catalog, "old", node, &src.text).ok().map(|(l, _)| l.node)
    });
    let old_leaves: std::collections::HashMap<String, &crate::value::Node> =
        old.as_ref().map(|o| o.leaves()).unwrap_or_default().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let new_leaves: std::collections::HashMap<String, &crate::value::Node> =
        new.leaves().into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    let mut keys: Vec<String> = new_leaves
        .iter()
        .filter(|(k, v)| !old_leaves.get(*k).is_some_and(|o| o.same_data(v)))
        .map(|(k, _)| k.clone())
        .chain(old_leaves.keys().filter(|k| !new_leaves.contains_key(*k)).cloned())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}
