//! The engine's error type. Every error names the file and, where there is one,
//! the line, the field or the archive entry it is about.

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

    /// The job was cancelled by the person who started it.
    #[error("cancelled")]
    Cancelled,
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
