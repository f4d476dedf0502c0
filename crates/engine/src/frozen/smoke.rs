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
    let cache = crate::scratch::dir("gradient-smoke-", unpacked)
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
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
