//! Stripping debug information from ELF files (binutils' `strip`), which is
//! most of a runtime's native code and no use to an application.

use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `strip --strip-debug` (or Debian's arguments), when binutils' strip is on
/// this machine, into the user's cache keyed by content (else a scratch
/// directory); otherwise files are used as they are.
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
    /// Strip debug information (into `scratch/stripped` when there is no
    /// user cache).
    pub fn new(scratch: &Path) -> Result<Strip> {
        Strip::with(scratch, &["--strip-debug"])
    }

    /// Strip everything not needed for relocation, as Debian packages
    /// ship ELF files.
    pub fn unneeded(scratch: &Path) -> Result<Strip> {
        Strip::with(&scratch.join("unneeded"), UNNEEDED)
    }

    fn with(scratch: &Path, args: &'static [&'static str]) -> Result<Strip> {
        let dir = match user_cache() {
            Some(cache) if std::fs::create_dir_all(&cache).is_ok() => cache,
            _ => scratch.join("stripped"),
        };
        Strip::into_dir(dir, args)
    }

    /// Strip into `dir` (created).
    fn into_dir(dir: PathBuf, args: &'static [&'static str]) -> Result<Strip> {
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
        self.stripped(file).unwrap_or_else(|| file.to_path_buf())
    }

    /// Stripped copies are kept under the sha256 of the strip arguments and
    /// the file's content: a runtime's 66 ELF files took two seconds to
    /// strip on every build. A copy appears whole (renamed into place) or
    /// not at all; `None` when strip fails.
    fn stripped(&self, file: &Path) -> Option<PathBuf> {
        let mut key = Sha256::new();
        key.update(self.args.join(" "));
        key.update([0]);
        std::io::copy(&mut std::fs::File::open(file).ok()?, &mut key).ok()?;
        let name = file.file_name()?.to_string_lossy();
        let out = self.dir.join(format!(
            "{}-{name}",
            &crate::record::hex(&key.finalize())[..32]
        ));
        if out.is_file() {
            return Some(out);
        }
        let tmp = tempfile::Builder::new()
            .prefix(".strip-")
            .tempfile_in(&self.dir)
            .ok()?;
        let ok = Command::new("strip")
            .args(self.args)
            .arg("-o")
            .arg(tmp.path())
            .arg(file)
            .output()
            .is_ok_and(|o| o.status.success());
        (ok && tmp.persist(&out).is_ok()).then_some(out)
    }
}

/// `stripped/` in the user's own cache (`GRADIENT_CACHE_DIR`, else the
/// platform's cache directory), never a shared temporary directory, where
/// another user could plant a "stripped" file.
fn user_cache() -> Option<PathBuf> {
    std::env::var_os("GRADIENT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("gradient")))
        .map(|c| c.join("stripped"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stripped_copy_is_kept_by_content_and_arguments() {
        let tmp = tempfile::tempdir().unwrap();
        let debug = Strip::into_dir(tmp.path().join("s"), &["--strip-debug"]).unwrap();
        if !debug.available {
            return; // no binutils here: files are used as they are
        }
        let elf = Path::new("/bin/true");
        let first = debug.copy(elf);
        assert_ne!(first, elf);
        let modified = std::fs::metadata(&first).unwrap().modified().unwrap();
        assert_eq!(debug.copy(elf), first, "the same content is stripped once");
        assert_eq!(
            std::fs::metadata(&first).unwrap().modified().unwrap(),
            modified
        );
        let unneeded = Strip::into_dir(tmp.path().join("s"), UNNEEDED).unwrap();
        assert_ne!(unneeded.copy(elf), first, "other arguments, another copy");
        let text = tmp.path().join("not-elf");
        std::fs::write(&text, "text").unwrap();
        assert_eq!(debug.copy(&text), text);
        let leftovers: Vec<_> = std::fs::read_dir(tmp.path().join("s"))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().starts_with(".strip-"))
            .collect();
        assert!(leftovers.is_empty(), "no temporary file is left");
    }
}
