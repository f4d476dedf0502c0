//! The one way the engine puts a file or a directory in place: written
//! beside its destination under a temporary name, fsynced, then renamed, so
//! a reader (a person, pip, the studio's watcher) sees the old content or the
//! new, never a half-written artifact, lock, cache entry or pyproject.toml.
//!
//! A dropped [`AtomicFile`] or [`AtomicDir`] that was never committed removes
//! its temporary, so a failed or cancelled build leaves nothing behind.
//!
//! ```no_run
//! use std::io::Write;
//! # fn main() -> std::io::Result<()> {
//! let mut out = gradient_engine::atomic::AtomicFile::create("dist/pkg.deb".as_ref())?;
//! out.write_all(b"!<arch>\n")?;
//! out.commit()?; // dist/pkg.deb appears now, complete
//! # Ok(()) }
//! ```

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// The directory a destination's temporary sibling goes into (created).
fn parent_of(dest: &Path) -> std::io::Result<&Path> {
    let dir = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    Ok(dir)
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn chmod(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(())
}

/// A file being written atomically: a buffered temporary beside `dest`,
/// renamed over it by [`AtomicFile::commit`].
pub struct AtomicFile {
    dest: PathBuf,
    file: BufWriter<tempfile::NamedTempFile>,
    /// `None` keeps the permissions of the file being replaced (0644 when
    /// there is none) instead of the temporary's 0600.
    mode: Option<u32>,
}

impl AtomicFile {
    /// Start writing `dest` (its directory is created when missing).
    pub fn create(dest: &Path) -> std::io::Result<AtomicFile> {
        let tmp = tempfile::Builder::new()
            .prefix(".gradient-")
            .suffix(".part")
            .tempfile_in(parent_of(dest)?)?;
        // Locked while this process writes it: what a killed run leaves is
        // told apart from a file being written, and swept (by the artifact
        // sinks, `sink::write_with_check`).
        crate::leftovers::hold(tmp.as_file());
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            file: BufWriter::with_capacity(1 << 20, tmp),
            mode: None,
        })
    }

    /// Give the finished file these permission bits (artifacts are for
    /// sharing: 0644, or 0755 for one that runs by itself).
    pub fn set_mode(&mut self, mode: u32) {
        self.mode = Some(mode);
    }

    /// The destination this file will appear at.
    pub fn dest(&self) -> &Path {
        &self.dest
    }

    /// Flush, fsync and rename into place.
    pub fn commit(self) -> std::io::Result<()> {
        self.commit_checked(|_| Ok(()))
    }

    /// Flush, fsync, close, then rename into place only if `check` accepts
    /// the finished file (given at its temporary path, with its final mode
    /// and no writer open, so it can be run); otherwise it is removed and
    /// `check`'s error returned.
    pub fn commit_checked<E: From<std::io::Error>>(
        self,
        check: impl FnOnce(&Path) -> Result<(), E>,
    ) -> Result<(), E> {
        let tmp = self.file.into_inner().map_err(|e| e.into_error())?;
        let mode = match self.mode {
            Some(mode) => mode,
            None => existing_mode(&self.dest).unwrap_or(0o644),
        };
        chmod(tmp.path(), mode)?;
        tmp.as_file().sync_all()?;
        // Closed before the check: a file open for writing cannot be run.
        let path = tmp.into_temp_path();
        check(&path)?;
        path.persist(&self.dest).map_err(|e| e.error)?;
        Ok(())
    }
}

#[cfg(unix)]
fn existing_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn existing_mode(_: &Path) -> Option<u32> {
    None
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Replace a small file (pyproject.toml edits, lock files, cache entries,
/// the studio's lists) with `bytes`, keeping its permissions.
pub fn replace_file(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut out = AtomicFile::create(file)?;
    out.write_all(bytes)?;
    out.commit()
}

/// A directory being filled atomically: a temporary sibling of `dest`,
/// renamed to it by [`AtomicDir::commit`].
pub struct AtomicDir {
    dest: PathBuf,
    tmp: tempfile::TempDir,
}

impl AtomicDir {
    /// Start filling `dest` (its parent is created when missing).
    pub fn create(dest: &Path) -> std::io::Result<AtomicDir> {
        let tmp = tempfile::Builder::new()
            .prefix(".gradient-")
            .tempdir_in(parent_of(dest)?)?;
        Ok(AtomicDir {
            dest: dest.to_path_buf(),
            tmp,
        })
    }

    /// Where to write the content until it is committed.
    pub fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// Rename into place. Fails, removing the temporary, when `dest` exists
    /// (a concurrent writer that got there first, for a cache).
    pub fn commit(self) -> std::io::Result<()> {
        let kept = self.tmp.keep();
        std::fs::rename(&kept, &self.dest).inspect_err(|_| {
            let _ = std::fs::remove_dir_all(&kept);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appears_complete_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("sub/out.bin");
        let mut out = AtomicFile::create(&dest).expect("create");
        out.write_all(b"half").expect("write");
        assert!(!dest.exists(), "nothing before commit");
        drop(out);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .expect("dir")
            .collect();
        assert!(left.is_empty(), "a dropped file leaves no temporary");

        let mut out = AtomicFile::create(&dest).expect("create");
        out.set_mode(0o755);
        out.write_all(b"whole").expect("write");
        out.commit().expect("commit");
        assert_eq!(std::fs::read(&dest).expect("read"), b"whole");
        #[cfg(unix)]
        {
            replace_file(&dest, b"again").expect("replace");
            assert_eq!(existing_mode(&dest), Some(0o755), "mode kept");
        }
    }

    #[test]
    fn directory_is_renamed_into_place_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("tree");
        let a = AtomicDir::create(&dest).expect("create");
        std::fs::write(a.path().join("f"), "1").expect("write");
        assert!(!dest.exists());
        a.commit().expect("commit");
        assert_eq!(std::fs::read_to_string(dest.join("f")).expect("read"), "1");
        let b = AtomicDir::create(&dest).expect("create");
        std::fs::write(b.path().join("g"), "2").expect("write");
        let tmp = b.path().to_path_buf();
        assert!(b.commit().is_err(), "an existing directory is not replaced");
        assert!(!tmp.exists(), "the loser's temporary is removed");
    }
}
