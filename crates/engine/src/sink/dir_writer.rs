//! The directory sink: the plan as plain files, built in a temporary sibling
//! directory and renamed into place, so it appears complete or not at all.

use super::{check_cancel, load, record_position, Written};
use crate::plan::{Entry, Plan};
use crate::progress::Progress;
use crate::record;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::Path;

/// Write `plan` as plain files under the directory `dest` (which must not
/// exist yet). `Written::sha256` is the hash of the RECORD-style listing of
/// every file written, and `size` the sum of their sizes.
pub fn write_dir(plan: &Plan, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    if dest.exists() {
        return Err(Error::io(
            dest,
            std::io::Error::new(std::io::ErrorKind::AlreadyExists, "already exists"),
        ));
    }
    let record = record_position(plan)?;
    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".gradient-")
        .tempdir_in(parent)
        .map_err(|e| Error::io(parent, e))?;
    progress.start(plan.total_size());
    let mut rows = Vec::with_capacity(plan.entries.len());
    let files = &plan.entries[..plan.entries.len() - usize::from(record.is_some())];
    for entry in files {
        check_cancel(progress)?;
        let loaded = load(entry)?;
        put(tmp.path(), entry, &loaded.data)?;
        rows.push((entry.path.clone(), loaded.sha256, loaded.data.len() as u64));
        progress.advance(loaded.data.len() as u64);
    }
    let listing = record::render(&rows, record.map_or("RECORD", |r| r.path.as_str()));
    if let Some(entry) = record {
        put(tmp.path(), entry, listing.as_bytes())?;
    }
    let size = rows.iter().map(|r| r.2).sum();
    let kept = tmp.keep();
    std::fs::rename(&kept, dest).map_err(|e| {
        let _ = std::fs::remove_dir_all(&kept);
        Error::io(dest, e)
    })?;
    Ok(Written {
        path: dest.to_path_buf(),
        size,
        sha256: format!("{:x}", Sha256::digest(listing.as_bytes())),
    })
}

fn put(root: &Path, entry: &Entry, data: &[u8]) -> Result<()> {
    // Plans hold relative paths; never write outside the destination.
    if entry.path.starts_with('/') || entry.path.split(['/', '\\']).any(|c| c == "..") {
        return Err(Error::Plan(format!(
            "`{}`: unsafe path in plan",
            entry.path
        )));
    }
    let path = root.join(&entry.path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    std::fs::write(&path, data).map_err(|e| Error::io(&path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(entry.mode))
            .map_err(|e| Error::io(&path, e))?;
    }
    Ok(())
}
