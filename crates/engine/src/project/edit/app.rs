//! Saving `[tool.gradient.app]` (the application formats' target, sources
//! and entry point) from the studio: each value is checked as the loader
//! would, and against the disk, before the table is edited in place.

use super::{Field, Form};
use crate::project::{AppSettings, ProjectError};
use std::path::Path;

/// Write `app` as `[tool.gradient.app]` of `root/pyproject.toml`: set keys
/// are written, unset ones removed, everything else in the file kept byte
/// for byte. A bad value is refused before anything is written, its error
/// naming the field (`tool.gradient.app.wheelhouse[1]`).
pub fn save_app_settings(root: &Path, app: &AppSettings) -> Result<(), ProjectError> {
    let form = Form {
        table: &["tool", "gradient", "app"],
        fields: vec![
            ("python", Field::Text(&app.python)),
            ("target", Field::Text(&app.target)),
            ("wheelhouse", Field::List(&app.wheelhouse)),
            ("index", Field::List(&app.index)),
            ("lock", Field::Text(&app.lock)),
            ("entry", Field::Text(&app.entry)),
            ("shebang", Field::Text(&app.shebang)),
        ],
    };
    form.check(root, &|key, value| check_value(root, key, value))?;
    if app.python.is_some() && app.target.is_some() {
        let message = "set `python` or `target`, not both".into();
        return Err(form.error(root, "target", message));
    }
    if app.lock.is_some() && !(app.wheelhouse.is_empty() && app.index.is_empty()) {
        let message = "a lock is installed exactly: leave out wheelhouses and indexes".into();
        return Err(form.error(root, "lock", message));
    }
    form.save(root)
}

/// The rule each value meets on its own: the target parses, wheelhouses
/// are existing directories, indexes http(s) URLs, the lock an existing
/// file, the entry a script name or object reference, the shebang one line.
fn check_value(root: &Path, key: &str, value: &str) -> Result<(), String> {
    match key {
        "target" => crate::runtime::Target::parse(value)
            .map(drop)
            .map_err(|e| e.to_string()),
        "wheelhouse" if !root.join(value).is_dir() => Err(format!(
            "`{value}` is not a directory (relative to the project, or absolute)"
        )),
        "index" if !(value.starts_with("https://") || value.starts_with("http://")) => Err(
            format!("`{value}` is not an http(s) URL of a simple-API index"),
        ),
        "lock" if !root.join(value).is_file() => Err(format!("`{value}` is not a file")),
        "entry" => check_entry(value),
        "shebang" if value.contains(['\n', '\r']) => Err("must be one line".into()),
        _ => Ok(()),
    }
}

/// A console script's name (the entry points specification's recommended
/// letters, digits, `_`, `.` and `-`) or a `module:attr` object reference.
fn check_entry(entry: &str) -> Result<(), String> {
    if entry.contains(':') {
        if crate::entry_points::valid_reference(entry) {
            return Ok(());
        }
        return Err(format!("`{entry}` is not a `module:attr` object reference"));
    }
    let name_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '.' | '-');
    if entry.chars().all(name_char) {
        return Ok(());
    }
    Err(format!(
        "`{entry}` is neither a console script name (letters, digits, `_`, `.`, `-`) \
         nor a `module:attr` object reference"
    ))
}

#[cfg(test)]
mod tests;
