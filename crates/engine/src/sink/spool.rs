//! Spooling: a nested artifact (a compressed tar for an `ar` member, an
//! image layer blob, a large compressed zip member) written to an anonymous
//! temporary file, hashed and counted, so the outer writer learns its size
//! and digest before copying it in, with bounded memory.

use super::HashingWriter;
use crate::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::{Path, PathBuf};

/// A writer into an anonymous temporary file, hashing (sha256) as it goes.
pub struct Spool(HashingWriter<BufWriter<File>>);

impl Spool {
    pub fn new() -> Result<Spool> {
        let file = tempfile::tempfile().map_err(|e| Error::io(std::env::temp_dir(), e))?;
        Ok(Spool(HashingWriter::new(BufWriter::with_capacity(
            1 << 20,
            file,
        ))))
    }

    /// The spooled bytes, their sha256 and size.
    pub fn finish(self) -> Result<Spooled> {
        let (buffered, digest, size) = self.0.finish();
        let file = buffered
            .into_inner()
            .map_err(|e| Error::io(std::env::temp_dir(), e.into_error()))?;
        Ok(Spooled {
            file,
            size,
            sha256: digest.into(),
        })
    }
}

impl Write for Spool {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// Run `fill` on a new [`Spool`]; it returns the writer it was given (sinks
/// return theirs) and a value passed through (a sink's digests).
pub fn spool<T, F>(fill: F) -> Result<(Spooled, T)>
where
    F: FnOnce(Spool) -> Result<(Spool, T)>,
{
    let (out, value) = fill(Spool::new()?)?;
    Ok((out.finish()?, value))
}

/// A finished spool: its bytes (in a temporary file), sha256 and size.
pub struct Spooled {
    file: File,
    pub size: u64,
    pub sha256: [u8; 32],
}

impl Spooled {
    /// Copy the spooled bytes into `out`.
    pub fn copy_to(&mut self, out: &mut impl Write) -> std::io::Result<u64> {
        self.file.rewind()?;
        std::io::copy(&mut self.file, out)
    }

    /// Lowercase hex sha256.
    pub fn sha256_hex(&self) -> String {
        crate::record::hex(&self.sha256)
    }

    /// Store as a content-addressed blob (OCI image layout § "Blobs"):
    /// `blobs/sha256/<hex>` under `layout`, atomically; an existing blob
    /// with that digest is already the same content and is kept.
    pub fn persist_blob(mut self, layout: &Path) -> Result<PathBuf> {
        let dest = layout.join("blobs/sha256").join(self.sha256_hex());
        if dest.is_file() {
            return Ok(dest);
        }
        let mut out = crate::atomic::AtomicFile::create(&dest).map_err(|e| Error::io(&dest, e))?;
        out.set_mode(0o644);
        self.copy_to(&mut out).map_err(|e| Error::io(&dest, e))?;
        out.commit().map_err(|e| Error::io(&dest, e))?;
        Ok(dest)
    }
}
