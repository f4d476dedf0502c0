//! A frozen executable's smoke test at build time: the finished file is run
//! with `GRADIENT_EXE_IMPORT_ONLY` set, so its boot script imports the entry
//! point and exits without calling it. An executable that cannot import its
//! own entry point (a distribution's patched `site.py`, a module missing
//! from the closure) is refused before it appears in the output directory.

use crate::{Error, Result};
use std::path::Path;
use std::process::{Command, Stdio};

/// The most of the executable's own error output an error quotes.
const QUOTED: usize = 4000;

/// Run `exe` (not yet in place) to import `entry` (`module:attr`), unpacking
/// its `unpacked` bytes into a cache of its own that is removed afterwards:
/// the build machine's cache is not filled with every build.
pub fn import_entry(exe: &Path, app: &str, entry: &str, unpacked: u64) -> Result<()> {
    let cache = scratch_cache(unpacked).map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let out = run_fresh(
        Command::new(exe)
            .env("GRADIENT_EXE_IMPORT_ONLY", "1")
            .env("GRADIENT_EXE_CACHE", cache.path().join("exe"))
            .stdin(Stdio::null()),
    )
    .map_err(|e| {
        let why = format!(
            "the frozen executable cannot be run here to import its entry point {entry}: {e}"
        );
        Error::io(app, std::io::Error::new(e.kind(), why))
    })?;
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail = match stderr.char_indices().rev().nth(QUOTED) {
        Some((at, _)) => &stderr[at..],
        None => &stderr,
    };
    Err(Error::invalid(
        app,
        format!(
            "the frozen executable cannot import its entry point {entry} ({}), so it was not written:\n{}",
            out.status,
            tail.trim_end()
        ),
    ))
}

/// Where the smoke run unpacks: in memory (`/dev/shm`) when it has room to
/// spare, since the tree is thrown away at once and unpacking thousands of
/// files onto a busy disk was most of an executable's build time; else the
/// temporary directory.
fn scratch_cache(unpacked: u64) -> std::io::Result<tempfile::TempDir> {
    let shm = Path::new("/dev/shm");
    if free_bytes(shm).is_some_and(|free| free / 2 > unpacked) {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("gradient-smoke-")
            .tempdir_in(shm)
        {
            return Ok(dir);
        }
    }
    tempfile::tempdir()
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

/// Run a file just written and closed. Another thread's fork may still hold
/// a copy of its write descriptor for the instant before its exec, which
/// makes the kernel refuse to run it (ETXTBSY): wait and retry briefly.
fn run_fresh(cmd: &mut Command) -> std::io::Result<std::process::Output> {
    const TEXT_FILE_BUSY: i32 = 26;
    let mut tries = 0;
    loop {
        match cmd.output() {
            Err(e) if e.raw_os_error() == Some(TEXT_FILE_BUSY) && tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            result => return result,
        }
    }
}
