//! Stripping debug information from ELF files (binutils' `strip`), which is
//! most of a runtime's native code and no use to an application.

use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `strip --strip-debug` into a scratch directory, when binutils' strip is
/// on this machine; otherwise files are used as they are.
pub struct Strip {
    dir: PathBuf,
    available: bool,
}

impl Strip {
    /// Strip into `scratch/stripped` (created).
    pub fn new(scratch: &Path) -> Result<Strip> {
        let dir = scratch.join("stripped");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let available = Command::new("strip")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        Ok(Strip { dir, available })
    }

    /// The stripped copy of `file`, or `file` itself.
    pub fn copy(&self, file: &Path) -> PathBuf {
        if !self.available || !super::resolve::is_elf(file) {
            return file.to_path_buf();
        }
        let name = file
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let out = self.dir.join(name);
        let ok = Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&out)
            .arg(file)
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            out
        } else {
            file.to_path_buf()
        }
    }
}
