//! Saving `[tool.gradient.app]` (the application formats' target, sources
//! and entry point) from the studio: each value is checked as the loader
//! would, and against the disk, before the table is edited in place.

use super::{edit_table, Setting};
use crate::project::{AppSettings, ProjectError};
use std::path::Path;

/// The table the settings live in.
const TABLE: &[&str] = &["tool", "gradient", "app"];

/// Write `app` as `[tool.gradient.app]` of `root/pyproject.toml`: set keys
/// are written, unset ones removed, everything else in the file kept byte
/// for byte. A bad value is refused before anything is written, its error
/// naming the field (`tool.gradient.app.wheelhouse[1]`).
pub fn save_app_settings(root: &Path, app: &AppSettings) -> Result<(), ProjectError> {
    check(root, app)?;
    let text = |v: &Option<String>| v.clone().map(Setting::Text);
    let list = |v: &Vec<String>| (!v.is_empty()).then(|| Setting::List(v.clone()));
    edit_table(
        root,
        TABLE,
        &[
            ("python", text(&app.python)),
            ("target", text(&app.target)),
            ("wheelhouse", list(&app.wheelhouse)),
            ("index", list(&app.index)),
            ("lock", text(&app.lock)),
            ("entry", text(&app.entry)),
            ("shebang", text(&app.shebang)),
        ],
    )
}

/// Every rule a saved value must meet, in the order of the form.
fn check(root: &Path, app: &AppSettings) -> Result<(), ProjectError> {
    let error = |key: &str, message: String| ProjectError {
        file: root.join("pyproject.toml"),
        line: None,
        field: Some(format!("{}.{key}", TABLE.join("."))),
        message,
    };
    for (key, value) in [
        ("python", &app.python),
        ("target", &app.target),
        ("lock", &app.lock),
        ("entry", &app.entry),
        ("shebang", &app.shebang),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            return Err(error(
                key,
                "must not be empty; leave it unset instead".into(),
            ));
        }
    }
    if app.python.is_some() && app.target.is_some() {
        return Err(error("target", "set `python` or `target`, not both".into()));
    }
    if let Some(target) = &app.target {
        crate::runtime::Target::parse(target).map_err(|e| error("target", e.to_string()))?;
    }
    check_sources(root, app, &error)?;
    if let Some(entry) = &app.entry {
        check_entry(entry).map_err(|m| error("entry", m))?;
    }
    if let Some(shebang) = &app.shebang {
        if shebang.contains(['\n', '\r']) {
            return Err(error("shebang", "must be one line".into()));
        }
    }
    Ok(())
}

/// Wheelhouses are existing directories, indexes http(s) URLs, the lock an
/// existing file, and a lock stands alone (it is installed exactly).
fn check_sources(
    root: &Path,
    app: &AppSettings,
    error: &dyn Fn(&str, String) -> ProjectError,
) -> Result<(), ProjectError> {
    for (i, dir) in app.wheelhouse.iter().enumerate() {
        if !root.join(dir).is_dir() {
            let message =
                format!("`{dir}` is not a directory (relative to the project, or absolute)");
            return Err(error(&format!("wheelhouse[{i}]"), message));
        }
    }
    for (i, url) in app.index.iter().enumerate() {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            let message = format!("`{url}` is not an http(s) URL of a simple-API index");
            return Err(error(&format!("index[{i}]"), message));
        }
    }
    if let Some(lock) = &app.lock {
        if !root.join(lock).is_file() {
            return Err(error("lock", format!("`{lock}` is not a file")));
        }
        if !(app.wheelhouse.is_empty() && app.index.is_empty()) {
            let message = "a lock is installed exactly: leave out wheelhouses and indexes";
            return Err(error("lock", message.into()));
        }
    }
    Ok(())
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
