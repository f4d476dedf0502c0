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
    args: &'static [&'static str],
}

/// What dh_strip does for a Debian package (Debian Policy 10.1 "Binaries":
/// shared libraries `--strip-unneeded`, no `.comment` or `.note`): the
/// symbol table goes too, which lintian checks.
const UNNEEDED: &[&str] = &[
    "--strip-unneeded",
    "--remove-section=.comment",
    "--remove-section=.note",
];

impl Strip {
    /// Strip debug information into `scratch/stripped` (created).
    pub fn new(scratch: &Path) -> Result<Strip> {
        Strip::with(scratch, &["--strip-debug"])
    }

    /// Strip everything not needed for relocation, as Debian packages
    /// ship ELF files, into `scratch/stripped-unneeded`.
    pub fn unneeded(scratch: &Path) -> Result<Strip> {
        Strip::with(&scratch.join("unneeded"), UNNEEDED)
    }

    fn with(scratch: &Path, args: &'static [&'static str]) -> Result<Strip> {
        let dir = scratch.join("stripped");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let available = Command::new("strip")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        Ok(Strip {
            dir,
            available,
            args,
        })
    }

    /// The stripped copy of `file`, or `file` itself.
    pub fn copy(&self, file: &Path) -> PathBuf {
        if !self.available || !super::resolve::is_elf(file) {
            return file.to_path_buf();
        }
        // Files of one name in different directories stay apart.
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let at = crate::record::sha256_hex(file.to_string_lossy().as_bytes());
        let out = self.dir.join(format!("{}-{name}", &at[..12]));
        let ok = Command::new("strip")
            .args(self.args)
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
