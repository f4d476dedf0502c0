//! The tar sink (sdists; a Debian package's control and data members; image
//! layers). "Source distribution format" requires a gzip compressed tar
//! archive with a single top-level directory; we write ustar headers (GNU
//! long-name entries for paths over 100 bytes, which Python's tarfile and
//! dpkg read) with uid/gid 0, empty owner names, `plan.mtime`, and a gzip
//! header with no timestamp and no file name, so builds are reproducible.
//!
//! Regular files stream from disk into the archive; directories and
//! symlinks are written as such; derived entries (md5sums) are generated
//! from the digests of the files written before them. Member names are
//! written without a leading `./` (tar-rs normalises it away; dpkg and
//! image tools read both spellings).

use super::compress::Compressor;
use super::entry_reader::{Digests, EntryReader, Hashed};
use super::{check_cancel, derive, write_with, Written};
use crate::plan::{Compression, Entry, Plan, Source};
use crate::progress::Progress;
use crate::{Error, Result};
use std::io::Write;
use std::path::Path;

/// How a tar (or one tar part of an artifact) is written.
#[derive(Debug, Clone, Copy)]
pub struct TarSpec {
    /// The timestamp of every entry.
    pub mtime: u64,
    pub compression: Compression,
    /// The digests taken of every regular file, for entries derived from
    /// them in this tar or a later one (a Debian package's md5sums).
    pub digests: Digests,
}

impl TarSpec {
    /// The spec for a whole plan: its mtime, the digests it derives from.
    pub fn of(plan: &Plan, compression: Compression) -> TarSpec {
        TarSpec {
            mtime: plan.mtime,
            compression,
            digests: derive::needs(&plan.entries),
        }
    }
}

/// Write `plan` as a gzip-compressed tar archive (sdists) to `dest`.
pub fn write_tar_gz(plan: &Plan, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    let spec = TarSpec::of(plan, Compression::Gzip);
    write_with(dest, 0o644, |out| {
        write_tar(&plan.entries, &[], spec, out, progress).map(|_| ())
    })
}

/// Write `entries` as a tar archive to `out` as `spec` says; returns `out`
/// and the digests of the regular files written. `earlier` holds the
/// digests of files written before (another part) that derived entries may
/// describe: a control part's md5sums lists the data part's files.
pub fn write_tar<W: Write>(
    entries: &[Entry],
    earlier: &[Hashed],
    spec: TarSpec,
    out: W,
    progress: &dyn Progress,
) -> Result<(W, Vec<Hashed>)> {
    progress.start(entries.iter().map(|e| e.size).sum());
    let io = |e: std::io::Error| Error::write("tar archive", e);
    let compressed = Compressor::new(spec.compression, out).map_err(io)?;
    let (compressed, hashed) = write_entries(entries, earlier, spec, compressed, progress)?;
    Ok((compressed.finish().map_err(io)?, hashed))
}

fn write_entries<W: Write>(
    entries: &[Entry],
    earlier: &[Hashed],
    TarSpec { mtime, digests, .. }: TarSpec,
    out: W,
    progress: &dyn Progress,
) -> Result<(W, Vec<Hashed>)> {
    let mut tar = tar::Builder::new(out);
    tar.mode(tar::HeaderMode::Deterministic);
    let mut written: Vec<Hashed> = earlier.to_vec();
    for entry in entries {
        check_cancel(progress)?;
        if let Some(hashed) = append(&mut tar, entry, (mtime, digests), &written, progress)? {
            written.push(hashed);
        }
        progress.advance(entry.size);
    }
    let out = tar
        .into_inner()
        .map_err(|e| Error::write("tar archive", e))?;
    Ok((out, written.split_off(earlier.len())))
}

/// Append one entry; the digests of a regular file.
fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    entry: &Entry,
    (mtime, digests): (u64, Digests),
    written: &[Hashed],
    progress: &dyn Progress,
) -> Result<Option<Hashed>> {
    let mut header = tar::Header::new_ustar();
    header.set_mode(entry.mode);
    header.set_mtime(mtime);
    header.set_uid(0);
    header.set_gid(0);
    let failed = |e: std::io::Error| Error::write(&entry.path, e);
    match &entry.source {
        Source::File { .. } | Source::Bytes { .. } | Source::Copied { .. } => {
            header.set_size(entry.size);
            header.set_entry_type(tar::EntryType::Regular);
            let mut reader = EntryReader::open(entry, digests)?.stop_on(progress);
            tar.append_data(&mut header, &entry.path, &mut reader)
                .map_err(failed)?;
            reader.finish().map(Some)
        }
        Source::Record | Source::Md5sums { .. } => {
            let data = derive::render(entry, written)?;
            header.set_size(data.len() as u64);
            header.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut header, &entry.path, data.as_slice())
                .map_err(failed)?;
            Ok(None)
        }
        Source::Directory => {
            header.set_size(0);
            header.set_entry_type(tar::EntryType::Directory);
            tar.append_data(&mut header, &entry.path, std::io::empty())
                .map_err(failed)?;
            Ok(None)
        }
        Source::Symlink { target } => {
            header.set_size(0);
            header.set_entry_type(tar::EntryType::Symlink);
            tar.append_link(&mut header, &entry.path, target)
                .map_err(failed)?;
            Ok(None)
        }
    }
}
