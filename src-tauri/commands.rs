//! The commands the UI may call (and only these: see capabilities/). Each is
//! a thin wrapper over the engine; inputs are validated here, and paths are
//! accepted only when the person chose them (see `state`).

pub mod build;
pub mod drops;
pub mod gradient;
pub mod inspect;
pub mod project;
pub mod publish;
pub mod recent;
pub mod trust;

use gradient_engine::project::ProjectError;
use serde::Serialize;

/// An error as the UI shows it: what, where (file, line, field).
#[derive(Debug, Clone, Serialize)]
pub struct UiError {
    message: String,
    file: Option<String>,
    line: Option<usize>,
    field: Option<String>,
    /// The project must be trusted first (the UI offers to).
    needs_trust: bool,
}

impl From<ProjectError> for UiError {
    fn from(e: ProjectError) -> Self {
        // The first problem is placed (file, line, field); the others
        // follow it whole, one a line.
        let message = std::iter::once(e.message)
            .chain(e.more.iter().map(ToString::to_string))
            .collect::<Vec<_>>()
            .join("\n");
        UiError {
            message,
            file: Some(e.file.display().to_string()),
            line: e.line,
            field: e.field,
            needs_trust: false,
        }
    }
}

impl From<gradient_engine::Error> for UiError {
    fn from(e: gradient_engine::Error) -> Self {
        match e {
            gradient_engine::Error::Project(p) => p.into(),
            other => {
                let view = other.view();
                UiError {
                    message: view.message,
                    file: view.file,
                    line: view.line,
                    field: view.field.or(view.entry),
                    needs_trust: false,
                }
            }
        }
    }
}

impl UiError {
    pub fn message(message: impl Into<String>) -> Self {
        UiError {
            message: message.into(),
            file: None,
            line: None,
            field: None,
            needs_trust: false,
        }
    }

    pub fn needs_trust(message: impl Into<String>) -> Self {
        UiError {
            needs_trust: true,
            ..UiError::message(message)
        }
    }
}
