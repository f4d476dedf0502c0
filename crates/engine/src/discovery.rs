//! Finding the project's files: a walk of the project directory that honours
//! `.gitignore` and leaves out caches, VCS directories and bytecode, then
//! module discovery (src layout, flat layout, single module, namespace
//! packages).
//!
//! TYPES FIXED BY THE LEAD; the formats helper implements the functions.

use crate::plan::Excluded;
use serde::Serialize;
use std::path::PathBuf;

/// A file of the project, found by the walk.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the project root, `/`-separated.
    pub rel: String,
    /// Absolute path on disk.
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
}

/// Every file under the project root that survived the default rules and
/// `.gitignore`, sorted by `rel`, plus what was left out and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSet {
    pub files: Vec<SourceFile>,
    pub excluded: Vec<Excluded>,
}
