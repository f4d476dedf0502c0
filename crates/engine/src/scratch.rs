//! Scratch directories for trees that are written, read once and thrown
//! away: an application's staging tree, the smoke run's unpacked
//! executable. Creating thousands of files on a disk where as many were
//! just deleted costs the kernel more than writing them (ext4's inode
//! allocator walks past recently freed inodes: 1.3 s of a 1.6 s zipapp
//! build, measured with `perf`), so these trees go to memory (`/dev/shm`)
//! when it has room to spare and the person did not choose a temporary
//! directory (`TMPDIR`); else to the temporary directory.

use std::path::{Path, PathBuf};

/// The memory-backed file system scratch trees prefer.
const MEMORY: &str = "/dev/shm";

/// A new directory named `prefix…` for a tree of about `expected` bytes.
pub fn dir(prefix: &str, expected: u64) -> std::io::Result<tempfile::TempDir> {
    let chosen = std::env::var_os("TMPDIR").is_some_and(|t| !t.is_empty());
    let memory = Path::new(MEMORY);
    if !chosen && free_bytes(memory).is_some_and(|free| free / 2 > expected) {
        if let Ok(dir) = tempfile::Builder::new().prefix(prefix).tempdir_in(memory) {
            return Ok(dir);
        }
    }
    tempfile::Builder::new().prefix(prefix).tempdir()
}

/// Every directory [`dir`] may create in: where a killed run's trees are
/// looked for.
pub fn places() -> Vec<PathBuf> {
    let mut places = vec![std::env::temp_dir()];
    if Path::new(MEMORY) != places[0] {
        places.push(PathBuf::from(MEMORY));
    }
    places
}

/// Bytes an unprivileged user may still write on the file system of `dir`.
#[cfg(target_os = "linux")]
fn free_bytes(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is NUL-terminated and outlives the call; `st` is only
    // read after statvfs succeeded, which fills it.
    let st = unsafe {
        if libc::statvfs(path.as_ptr(), st.as_mut_ptr()) != 0 {
            return None;
        }
        st.assume_init()
    };
    Some((st.f_bavail as u64).saturating_mul(st.f_frsize as u64))
}

#[cfg(not(target_os = "linux"))]
fn free_bytes(_dir: &Path) -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_too_big_for_memory_goes_to_the_temporary_directory() {
        let dir = dir("gradient-scratch-test-", u64::MAX).unwrap();
        assert!(
            dir.path().starts_with(std::env::temp_dir()),
            "{:?}",
            dir.path()
        );
        assert!(places().contains(&std::env::temp_dir()));
    }
}
