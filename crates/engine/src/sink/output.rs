//! Atomic, hashed output: bytes go to a temporary file beside the
//! destination while sha256 and the size are computed; `finish` fsyncs and
//! renames, so the artifact appears complete or not at all.

use super::Written;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

pub struct AtomicOutput {
    dest: PathBuf,
    file: BufWriter<tempfile::NamedTempFile>,
    hasher: Sha256,
    size: u64,
    mode: u32,
}

impl AtomicOutput {
    pub fn create(dest: &Path) -> Result<Self> {
        let dir = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let tmp = tempfile::Builder::new()
            .prefix(".gradient-")
            .suffix(".part")
            .tempfile_in(dir)
            .map_err(|e| Error::io(dir, e))?;
        Ok(AtomicOutput {
            dest: dest.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, tmp),
            hasher: Sha256::new(),
            size: 0,
            mode: 0o644,
        })
    }

    /// The artifact runs by itself (a zipapp, a frozen executable): 0755.
    pub fn set_executable(&mut self) {
        self.mode = 0o755;
    }

    /// Bytes written so far (the offset of the next byte).
    pub fn position(&self) -> u64 {
        self.size
    }

    pub fn finish(self) -> Result<Written> {
        let dest = self.dest;
        let tmp = self
            .file
            .into_inner()
            .map_err(|e| Error::io(&dest, e.into_error()))?;
        // Artifacts are for sharing: 0644 (0755 when executable) rather than
        // the temporary file's 0600.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(self.mode))
                .map_err(|e| Error::io(tmp.path(), e))?;
        }
        tmp.as_file().sync_all().map_err(|e| Error::io(&dest, e))?;
        tmp.persist(&dest).map_err(|e| Error::io(&dest, e.error))?;
        Ok(Written {
            path: dest,
            size: self.size,
            sha256: format!("{:x}", self.hasher.finalize()),
        })
    }
}

impl Write for AtomicOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
