//! Replacing a small file atomically: readers see the old content or the
//! new, never a half-written file (pyproject.toml edits, the studio's lists).

use std::io::Write;
use std::path::Path;

/// Write `bytes` beside `file` and rename over it, keeping its permissions
/// when it exists.
pub fn replace_file(file: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(bytes)?;
    if let Ok(meta) = std::fs::metadata(file) {
        tmp.as_file().set_permissions(meta.permissions())?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(file).map_err(|e| e.error)?;
    Ok(())
}
