//! The tar.gz sink (sdists): "Source distribution format" requires a gzip
//! compressed tar archive with a single top-level directory; we write ustar
//! headers (GNU long-name entries for paths over 100 bytes, which Python's
//! tarfile reads) with uid/gid 0, empty owner names, `plan.mtime`, and a gzip
//! header with no timestamp and no file name, so builds are reproducible.

use super::output::AtomicOutput;
use super::{check_cancel, load, record_position, Written};
use crate::plan::Plan;
use crate::progress::Progress;
use crate::{Error, Result};
use flate2::{Compression, GzBuilder};
use std::path::Path;

/// Write `plan` as a gzip-compressed tar archive (sdists) to `dest`.
pub fn write_tar_gz(plan: &Plan, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    if record_position(plan)?.is_some() {
        return Err(Error::Plan(format!(
            "{}: a tar archive has no RECORD",
            plan.file_name
        )));
    }
    progress.start(plan.total_size());
    let out = AtomicOutput::create(dest)?;
    // GzBuilder without mtime/filename: mtime 0, OS byte 255 ("unknown").
    let gz = GzBuilder::new().write(out, Compression::new(6));
    let mut tar = tar::Builder::new(gz);
    tar.mode(tar::HeaderMode::Deterministic);
    let io = |e| Error::io(dest, e);
    for entry in &plan.entries {
        check_cancel(progress)?;
        let loaded = load(entry)?;
        let mut header = tar::Header::new_ustar();
        header.set_size(loaded.data.len() as u64);
        header.set_mode(entry.mode);
        header.set_mtime(plan.mtime);
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, &entry.path, loaded.data.as_slice())
            .map_err(|e| {
                Error::Plan(format!(
                    "{}: cannot add `{}`: {e}",
                    plan.file_name, entry.path
                ))
            })?;
        progress.advance(loaded.data.len() as u64);
    }
    let gz = tar.into_inner().map_err(io)?;
    let out = gz.finish().map_err(io)?;
    out.finish()
}
