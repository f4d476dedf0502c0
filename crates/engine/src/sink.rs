//! Sinks: serialise a [`Plan`] into an artifact.
//!
//! - Every regular file is streamed: read once, in chunks, hashed (sha256,
//!   and md5 when the plan derives `md5sums`) as it passes into the archive
//!   ([`EntryReader`]). Derived entries (RECORD, md5sums) are generated from
//!   those digests ([`derive`]).
//! - Writers are generic over [`std::io::Write`] and return their writer, so
//!   they nest: a gzip-compressed tar can be an `ar` member
//!   ([`ar_writer::ArWriter`]) or a content-addressed blob ([`Spool`]).
//! - [`HashingWriter`] gives any format the digest (sha256, md5, ...) and
//!   size of whatever passes through it.
//! - Output to a path is atomic ([`crate::atomic`]): the artifact appears
//!   complete or not at all; its own sha256 and size are computed while it
//!   is written.
//! - Output is deterministic: entries in plan order, `plan.mtime`
//!   everywhere, uid/gid 0, modes as planned.
//!
//! A new format plans entries (kinds and parts in [`crate::plan`]) and
//! either names a container the generic [`write`] handles (zip, tar,
//! directory), or composes the writers here for one it assembles itself:
//!
//! ```no_run
//! # use gradient_engine::{plan::{Plan, Part, Compression}, progress::Silent, sink};
//! # fn deb(plan: &Plan) -> gradient_engine::Result<()> {
//! use std::io::Write;
//! let dest = std::path::Path::new("dist/app_1.0_amd64.deb");
//! let data_part = Part::named("data");
//! sink::write_with(dest, 0o644, |out| {
//!     let mut ar = sink::ar_writer::ArWriter::new(out, plan.mtime)?;
//!     ar.member_bytes("debian-binary", b"2.0\n")?;
//!     // data.tar.gz first (md5sums is derived from it), spooled to disk.
//!     let digests = sink::Digests { md5: true, sha256: false };
//!     let spec = sink::TarSpec { mtime: plan.mtime, compression: Compression::Gzip, digests };
//!     let data: Vec<_> = plan.part(&data_part).cloned().collect();
//!     let (data_tar, digests) = sink::spool(|w| sink::write_tar(&data, &[], spec, w, &Silent))?;
//!     // control.tar.gz: its `Source::Md5sums { of: data_part }` entry is
//!     // generated from `digests`.
//!     let control: Vec<_> = plan.part(&Part::named("control")).cloned().collect();
//!     let (control_tar, _) =
//!         sink::spool(|w| sink::write_tar(&control, &digests, spec, w, &Silent))?;
//!     ar.member_spooled("control.tar.gz", control_tar)?;
//!     ar.member_spooled("data.tar.gz", data_tar)?;
//!     ar.finish()?;
//!     Ok(())
//! })?;
//! # Ok(()) }
//! ```

pub mod ar_writer;
pub mod compress;
pub mod derive;
mod dir_writer;
pub(crate) mod entry_reader;
mod hash;
mod parallel_deflate;
mod spool;
mod tar_writer;
mod zip_writer;

use crate::atomic::AtomicFile;
use crate::plan::{Container, Plan};
use crate::progress::Progress;
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub use dir_writer::write_dir;
pub use entry_reader::{Digests, EntryReader, Hashed};
pub use hash::HashingWriter;
pub use spool::{spool, Spool, Spooled};
pub use tar_writer::{write_tar, write_tar_gz, TarSpec};
pub use zip_writer::{write_zip, write_zip_to};

/// A finished artifact.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub size: u64,
    /// Lowercase hex sha256 of the whole artifact.
    pub sha256: String,
}

/// Write `plan` to `dest` in its container (zip, tar or directory). Formats
/// with an `ar` or OCI container assemble their parts themselves.
pub fn write(plan: &Plan, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    write_checked(plan, dest, progress, &|_| Ok(()))
}

/// [`write`], with `check` run on the finished file before it appears at
/// `dest` (a frozen executable's smoke test); a refusal leaves nothing.
pub fn write_checked(
    plan: &Plan,
    dest: &Path,
    progress: &dyn Progress,
    check: &dyn Fn(&Path) -> Result<()>,
) -> Result<Written> {
    match &plan.container {
        Container::Zip { .. } => write_zip(plan, dest, progress, check),
        Container::Tar { compression } => {
            let spec = TarSpec::of(plan, *compression);
            write_with(dest, 0o644, |out| {
                write_tar(&plan.entries, &[], spec, out, progress).map(|_| ())
            })
        }
        Container::Directory => write_dir(plan, dest, progress),
        Container::Ar { .. } | Container::OciBlobs => Err(Error::Plan(format!(
            "{}: this container is assembled by its format, not by sink::write",
            plan.file_name
        ))),
    }
}

/// Write a file atomically through `fill`, computing its sha256 and size on
/// the way: the building block of every path-level sink.
pub fn write_with<F>(dest: &Path, mode: u32, fill: F) -> Result<Written>
where
    F: FnOnce(&mut HashingWriter<AtomicFile>) -> Result<()>,
{
    write_with_check(dest, mode, fill, &|_| Ok(()))
}

/// [`write_with`], with `check` run on the finished file before it is
/// renamed into place.
pub fn write_with_check<F>(
    dest: &Path,
    mode: u32,
    fill: F,
    check: &dyn Fn(&Path) -> Result<()>,
) -> Result<Written>
where
    F: FnOnce(&mut HashingWriter<AtomicFile>) -> Result<()>,
{
    // Artifacts only: output directories are small, while cache stores
    // (thousands of .pyc files) would pay a directory read per file.
    if let Some(dir) = dest.parent() {
        crate::leftovers::sweep_parts(dir);
    }
    let mut file = AtomicFile::create(dest).map_err(|e| Error::io(dest, e))?;
    file.set_mode(mode);
    let mut out = HashingWriter::new(file);
    fill(&mut out)?;
    let (file, digest, size) = out.finish();
    file.commit_checked(|tmp| check(tmp).map_err(Commit::Check))
        .map_err(|e| match e {
            Commit::Io(e) => Error::io(dest, e),
            Commit::Check(e) => e,
        })?;
    Ok(Written {
        path: dest.to_path_buf(),
        size,
        sha256: crate::record::hex(&digest),
    })
}

/// Why a checked commit failed: writing, or the check's own refusal.
enum Commit {
    Io(std::io::Error),
    Check(Error),
}

impl From<std::io::Error> for Commit {
    fn from(e: std::io::Error) -> Commit {
        Commit::Io(e)
    }
}

pub(crate) fn check_cancel(progress: &dyn Progress) -> Result<()> {
    if progress.cancelled() {
        Err(Error::Cancelled)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
