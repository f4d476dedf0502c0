//! The preview of a project that another build backend builds (PEP 517):
//! the archive that backend writes, built now into a scratch directory and
//! listed from the file itself, so what the person sees is exactly what
//! `gradient build` will deliver. The studio runs this off the main thread
//! after each quiet burst of edits, one at a time, the latest request
//! winning; the build environment is cached (see [`crate::frontend::env`]),
//! so only the backend's hook runs again.

use super::Preview;
use crate::frontend::{self, BuildSystem};
use crate::plan::{Compression, Container, Entry, Format, Plan, Source};
use crate::progress::Progress;
use crate::repair::unpack;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Build `format` (sdist or wheel) of the tree at `request.root` with its
/// own backend and plan what the archive holds. `request.out_dir` and
/// `request.formats` are replaced: the archive is written into a scratch
/// directory the returned preview owns.
pub fn backend_preview(
    request: &frontend::Request,
    format: Format,
    progress: &dyn Progress,
) -> Result<Preview> {
    let system = BuildSystem::read(&request.root)?;
    let scratch = tempfile::Builder::new()
        .prefix("gradient-preview-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let request = frontend::Request {
        out_dir: scratch.path().join("out"),
        formats: vec![format],
        keep_failed: false,
        ..request.clone()
    };
    let report = frontend::build(&request, progress)?;
    let Some(artifact) = report.artifacts.iter().find(|a| a.format == format) else {
        return Err(Error::Backend(format!(
            "`{}` wrote no {} for the preview",
            system.backend,
            format.name()
        )));
    };
    let archive = &artifact.written.path;
    let reason = format!("written by {}", system.backend);
    let unpacked = scratch.path().join("unpacked");
    let plan = match format {
        Format::Wheel => wheel_plan(archive, &unpacked, &reason)?,
        _ => sdist_plan(archive, &unpacked, &reason)?,
    };
    Ok(Preview {
        plan,
        // The report's first note says who built it.
        summary: None,
        notes: report.notes,
        deb: None,
        built_by: Some(system.backend),
        scratch: Some(Arc::new(scratch)),
    })
}

/// The backend's wheel as a plan: each member verified against the wheel's
/// RECORD and copied as stored, RECORD derived again.
fn wheel_plan(wheel: &Path, scratch: &Path, reason: &str) -> Result<Plan> {
    std::fs::create_dir_all(scratch).map_err(|e| Error::io(scratch, e))?;
    let unpacked = unpack::unpack(wheel, scratch)?;
    let mut entries: Vec<Entry> = unpacked
        .members
        .iter()
        .map(|m| {
            let mut e = Entry::copied(&m.path, m.stored.clone(), m.size, reason);
            e.mode = if m.executable { 0o755 } else { 0o644 };
            e
        })
        .collect();
    let record = format!("{}/RECORD", unpacked.dist_info);
    let size = crate::record::record_size(&entries, &record);
    entries.push(Entry::derived(record, Source::Record, size, reason));
    Ok(archive_plan(
        Format::Wheel,
        wheel,
        entries,
        Container::zip(),
    ))
}

/// The backend's sdist as a plan: unpacked (members that would leave the
/// directory are skipped), then every file and link under its one top
/// directory, in path order.
fn sdist_plan(sdist: &Path, scratch: &Path, reason: &str) -> Result<Plan> {
    let file = std::fs::File::open(sdist).map_err(|e| Error::io(sdist, e))?;
    let top = frontend::unpack_tree(file, sdist, scratch)?;
    let mut entries = Vec::new();
    walk(&top, scratch, reason, &mut entries)?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let container = Container::Tar {
        compression: Compression::Gzip,
    };
    Ok(archive_plan(Format::Sdist, sdist, entries, container))
}

fn archive_plan(format: Format, archive: &Path, entries: Vec<Entry>, container: Container) -> Plan {
    Plan {
        format,
        file_name: archive
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        entries,
        excluded: Vec::new(),
        mtime: crate::epoch::source_date_epoch(),
        container,
    }
}

/// Every regular file and symbolic link below `dir`, named relative to
/// `base` with `/` separators.
fn walk(dir: &Path, base: &Path, reason: &str, out: &mut Vec<Entry>) -> Result<()> {
    let listing = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for item in listing {
        let item = item.map_err(|e| Error::io(dir, e))?;
        let path = item.path();
        let meta = std::fs::symlink_metadata(&path).map_err(|e| Error::io(&path, e))?;
        let name = archive_name(&path, base);
        if meta.is_dir() {
            walk(&path, base, reason, out)?;
        } else if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|e| Error::io(&path, e))?;
            out.push(Entry::symlink(name, target.to_string_lossy(), reason));
        } else if meta.is_file() {
            use std::os::unix::fs::PermissionsExt;
            let executable = meta.permissions().mode() & 0o111 != 0;
            out.push(Entry::file(name, path, meta.len(), executable, reason));
        }
    }
    Ok(())
}

fn archive_name(path: &Path, base: &Path) -> String {
    let rel: PathBuf = path.strip_prefix(base).unwrap_or(path).to_path_buf();
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
