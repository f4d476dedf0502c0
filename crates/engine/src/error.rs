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

    /// The plan cannot be built: e.g. two rules put different files at the
    /// same archive path, or the wheel built from the sdist would differ.
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

/// A read that stopped because the job was cancelled (see
/// `sink::entry_reader`), not one that failed.
fn stopped(e: &std::io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<crate::sink::entry_reader::Stopped>())
}

/// An error's parts, for display: what kind, where, and the cause.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ErrorView {
    /// `project`, `io`, `entry`, `plan`, `target`, `closure`, `publish`,
    /// `backend`, `repair` or `cancelled`.
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
    }
}
