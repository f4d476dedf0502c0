//! Replacing a small file atomically: readers see the old content or the
//! new, never a half-written file (pyproject.toml edits, the studio's lists).

use std::io::Write;
use std::path::Path;

/// Write `bytes` beside `file` and rename over it, keeping its permissions
/// when it exists (0644 for a new file rather than the temporary's 0600).
pub fn replace_file(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    match std::fs::metadata(file) {
        Ok(meta) => tmp.as_file().set_permissions(meta.permissions())?,
        #[cfg(unix)]
        Err(_) => {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(0o644))?;
        }
        #[cfg(not(unix))]
        Err(_) => {}
    }
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}
