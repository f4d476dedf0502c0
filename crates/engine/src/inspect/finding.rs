//! Findings: what the inspector has to say about an artifact, each with a
//! stable code so tools and people can refer to it.
//!
//! Code families: `A` archive structure (hostile input), `R` RECORD, `M` core
//! metadata, `F` the WHEEL file, `N` file names, `W` the lints people know from
//! check-wheel-contents (same numbers, same meaning), `B` bytecode, `E` native
//! code, `S` sdists, `Z` zipapps.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The artifact is broken or unsafe: `gradient inspect` exits 1.
    Error,
    /// Probably a mistake; the artifact still installs.
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub severity: Severity,
    /// The archive member the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn new(
        code: &'static str,
        severity: Severity,
        path: Option<&str>,
        message: String,
    ) -> Self {
        Finding {
            code,
            severity,
            path: path.map(str::to_string),
            message,
        }
    }

    pub fn error(code: &'static str, path: Option<&str>, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Error, path, message.into())
    }

    pub fn warning(code: &'static str, path: Option<&str>, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Warning, path, message.into())
    }

    pub fn info(code: &'static str, path: Option<&str>, message: impl Into<String>) -> Self {
        Finding::new(code, Severity::Info, path, message.into())
    }
}
