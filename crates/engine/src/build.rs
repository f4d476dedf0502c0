//! Building: plan, then write, for each requested format.
//!
//! API FIXED BY THE LEAD; the formats helper implements it.

use crate::plan::{Format, Plan};
use crate::progress::Progress;
use crate::project::Project;
use crate::sink::Written;
use crate::Result;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub formats: Vec<Format>,
    pub out_dir: PathBuf,
    /// Build natively even though `[build-system]` names another backend.
    pub native: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub format: Format,
    #[serde(flatten)]
    pub written: Written,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub artifacts: Vec<Artifact>,
    /// Things the person should know (e.g. "built natively although
    /// build-backend is hatchling.build").
    pub notes: Vec<String>,
}

/// The plan for one format of `project`: what the preview shows.
pub fn plan(project: &Project, format: Format) -> Result<Plan> {
    let _ = (project, format);
    unimplemented!()
}

/// Plan and write every requested format into `req.out_dir`.
pub fn build(project: &Project, req: &BuildRequest, progress: &dyn Progress) -> Result<BuildReport> {
    let _ = (project, req, progress);
    unimplemented!()
}
