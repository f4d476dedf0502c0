//! The directory sink: the plan as plain files, built in a temporary sibling
//! directory and renamed into place ([`crate::atomic::AtomicDir`]), so it
//! appears complete or not at all.

use super::entry_reader::{Digests, EntryReader, Hashed};
use super::{check_cancel, derive, Written};
use crate::atomic::AtomicDir;
use crate::plan::{Entry, Plan, Source};
use crate::progress::Progress;
use crate::record;
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
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
    let out = AtomicDir::create(dest).map_err(|e| Error::io(dest, e))?;
    progress.start(plan.total_size());
    // The RECORD of the tree is written from these, whatever the plan says.
    let digests = Digests {
        sha256: true,
        ..derive::needs(&plan.entries)
    };
    let mut written: Vec<Hashed> = Vec::with_capacity(plan.entries.len());
    let mut record_path = None;
    for entry in &plan.entries {
        check_cancel(progress)?;
        if matches!(entry.source, Source::Record) {
            record_path = Some(entry.path.as_str());
        }
        if let Some(hashed) = put(out.path(), entry, digests, &written, progress)? {
            written.push(hashed);
        }
        progress.advance(entry.size);
    }
    let record_path = record_path.unwrap_or("RECORD");
    let rows = derive::record_rows(written.iter(), record_path)?;
    let listing = record::render(&rows, record_path);
    out.commit().map_err(|e| Error::io(dest, e))?;
    Ok(Written {
        path: dest.to_path_buf(),
        size: rows.iter().map(|r| r.2).sum(),
        sha256: record::sha256_hex(listing.as_bytes()),
    })
}

/// Create one entry under `root`; the digests of a regular file.
fn put(
    root: &Path,
    entry: &Entry,
    digests: Digests,
    written: &[Hashed],
    progress: &dyn Progress,
) -> Result<Option<Hashed>> {
    // Plans hold relative paths; never write outside the destination.
    if entry.path.starts_with('/') || entry.path.split(['/', '\\']).any(|c| c == "..") {
        return Err(Error::entry(&entry.path, "unsafe path in plan"));
    }
    let path = root.join(&entry.path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let hashed = match &entry.source {
        Source::Directory => {
            std::fs::create_dir_all(&path).map_err(|e| Error::io(&path, e))?;
            None
        }
        Source::Symlink { target } => {
            symlink(target, &path)?;
            return Ok(None);
        }
        Source::Record | Source::Md5sums { .. } => {
            let data = derive::render(entry, written)?;
            std::fs::write(&path, data).map_err(|e| Error::io(&path, e))?;
            None
        }
        Source::File { .. } | Source::Bytes { .. } | Source::Copied { .. } => {
            let mut reader = EntryReader::open(entry, digests)?.stop_on(progress);
            let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
            let mut out = BufWriter::new(file);
            std::io::copy(&mut reader, &mut out)
                .and_then(|_| out.flush())
                .map_err(|e| Error::io(&path, e))?;
            Some(reader.finish()?)
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(entry.mode))
            .map_err(|e| Error::io(&path, e))?;
    }
    Ok(hashed)
}

#[cfg(unix)]
fn symlink(target: &str, path: &Path) -> Result<()> {
    std::os::unix::fs::symlink(target, path).map_err(|e| Error::io(path, e))
}

#[cfg(not(unix))]
fn symlink(_: &str, path: &Path) -> Result<()> {
    Err(Error::entry(
        path.display().to_string(),
        "symbolic links need a Unix system",
    ))
}
