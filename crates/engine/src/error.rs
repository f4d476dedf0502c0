//! The engine's error type. Every error names the file and, where there is one,
//! the line, the field or the archive entry it is about; [`Error::view`] gives
//! those parts separately (kind, file, line, field, entry, source) for front
//! ends that show them (the studio, `--json`).

use serde::Serialize;
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// pyproject.toml (or another project input) is invalid.
    #[error(transparent)]
    Project(#[from] crate::project::ProjectError),

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// One entry of a plan cannot be written as planned: its source changed
    /// since planning, its path is unsafe, the container cannot hold its
    /// kind, or the bytes could not be written.
    #[error("{entry}: {message}")]
    Entry {
        /// The entry's path in the artifact (or its file on disk).
        entry: String,
        message: String,
        #[source]
        source: Option<std::io::Error>,
    },

    /// An input file other than pyproject.toml (a lock file, an image
    /// layout or archive, a base's .deb, MANIFEST.in, a built executable)
    /// is not as it must be: the file, the field or member in it where
    /// there is one, and what is wrong.
    #[error("{}", invalid_text(.path, .field.as_deref(), .message))]
    Invalid {
        path: PathBuf,
        field: Option<String>,
        message: String,
    },

    /// What was asked cannot be planned or carried out, said in words only,
    /// as no input file or field is at fault: options that conflict, a
    /// limit of the target, a registry's answer, a plan a sink cannot
    /// write. (Errors about a file are [`Error::Project`],
    /// [`Error::Invalid`] or [`Error::Io`].)
    #[error("{0}")]
    Plan(String),

    /// The interpreter an application is packaged for cannot be described.
    #[error("{0}")]
    Target(String),

    /// The application's dependency closure cannot be resolved, fetched or
    /// installed: names the distribution and what was found instead.
    #[error("{0}")]
    Closure(String),

    /// A file cannot be published: names the file, the index and what to do.
    #[error("{0}")]
    Publish(String),

    /// A project's own build backend failed (PEP 517 frontend): quotes the
    /// backend's output and names the environment and sources kept.
    #[error("{0}")]
    Backend(String),

    /// A wheel cannot be repaired: names the wheel, the member and the
    /// library or symbols in the way.
    #[error("{0}")]
    Repair(String),

    /// The job was cancelled by the person who started it.
    #[error("cancelled")]
    Cancelled,
}

/// `path: field: message`, or `path: message` without a field.
fn invalid_text(path: &std::path::Path, field: Option<&str>, message: &str) -> String {
    match field {
        Some(field) => format!("{}: {field}: {message}", path.display()),
        None => format!("{}: {message}", path.display()),
    }
}

/// A read that stopped because the job was cancelled (see
/// `sink::entry_reader`), not one that failed.
fn stopped(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<crate::sink::entry_reader::Stopped>())
}

/// An error's parts, for display: what kind, where, and the cause.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ErrorView {
    /// `project`, `io`, `entry`, `invalid`, `plan`, `target`, `closure`,
    /// `publish`, `backend`, `repair` or `cancelled`.
    pub kind: &'static str,
    /// The whole message, as `Display` prints it.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The archive entry the error is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// The underlying cause (an operating-system error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        if stopped(&source) {
            return Error::Cancelled;
        }
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Entry `entry` could not be written: `source` says why.
    pub fn write(entry: impl Into<String>, source: std::io::Error) -> Self {
        if stopped(&source) {
            return Error::Cancelled;
        }
        Error::Entry {
            entry: entry.into(),
            message: source.to_string(),
            source: Some(source),
        }
    }

    /// Entry `entry` is not as the plan promised.
    pub fn entry(entry: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Entry {
            entry: entry.into(),
            message: message.into(),
            source: None,
        }
    }

    /// The project's file `file` (pyproject.toml) is invalid: `field`, where
    /// one is at fault, and what is wrong.
    pub fn project(
        file: impl Into<PathBuf>,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> Self {
        Error::Project(crate::project::ProjectError {
            file: file.into(),
            line: None,
            field: field.map(str::to_string),
            message: message.into(),
            more: Vec::new(),
        })
    }

    /// The input file `path` is not as it must be (no field named).
    pub fn invalid(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Invalid {
            path: path.into(),
            field: None,
            message: message.into(),
        }
    }

    /// `field` of the input file `path` is not as it must be.
    pub fn invalid_field(
        path: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            path: path.into(),
            field: Some(field.into()),
            message: message.into(),
        }
    }

    /// The error's parts.
    pub fn view(&self) -> ErrorView {
        let base = |kind| ErrorView {
            kind,
            message: self.to_string(),
            ..ErrorView::default()
        };
        match self {
            Error::Project(p) => ErrorView {
                file: Some(p.file.display().to_string()),
                line: p.line,
                field: p.field.clone(),
                ..base("project")
            },
            Error::Io { path, source } => ErrorView {
                file: Some(path.display().to_string()),
                source: Some(source.to_string()),
                ..base("io")
            },
            Error::Entry { entry, source, .. } => ErrorView {
                entry: Some(entry.clone()),
                source: source.as_ref().map(|s| s.to_string()),
                ..base("entry")
            },
            Error::Invalid { path, field, .. } => ErrorView {
                file: Some(path.display().to_string()),
                field: field.clone(),
                ..base("invalid")
            },
            Error::Plan(_) => base("plan"),
            Error::Target(_) => base("target"),
            Error::Closure(_) => base("closure"),
            Error::Publish(_) => base("publish"),
            Error::Backend(_) => base("backend"),
            Error::Repair(_) => base("repair"),
            Error::Cancelled => base("cancelled"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_name_the_parts() {
        let e = Error::write("pkg/a.py", std::io::Error::other("disk full"));
        let v = e.view();
        assert_eq!(
            (v.kind, v.entry.as_deref(), v.source.as_deref()),
            ("entry", Some("pkg/a.py"), Some("disk full"))
        );
        assert_eq!(v.message, "pkg/a.py: disk full");
        let v = Error::io("/x/y", std::io::Error::other("gone")).view();
        assert_eq!((v.kind, v.file.as_deref()), ("io", Some("/x/y")));
        let e = Error::invalid_field("/x/pylock.toml", "lock-version", "2.0 is not supported");
        let v = e.view();
        assert_eq!(
            (v.kind, v.file.as_deref(), v.field.as_deref()),
            ("invalid", Some("/x/pylock.toml"), Some("lock-version"))
        );
        assert_eq!(
            v.message,
            "/x/pylock.toml: lock-version: 2.0 is not supported"
        );
        let v = Error::invalid("/x/base.deb", "not an ar archive").view();
        assert_eq!(
            (v.field, v.message.as_str()),
            (None, "/x/base.deb: not an ar archive")
        );
        let v = Error::project("/x/pyproject.toml", Some("project.version"), "bad").view();
        assert_eq!(
            (v.kind, v.field.as_deref(), v.message.as_str()),
            (
                "project",
                Some("project.version"),
                "/x/pyproject.toml: project.version: bad"
            )
        );
    }
}
