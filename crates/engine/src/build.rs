//! Building: plan, then write, for each requested format. The preview calls
//! [`plan`]; `gradient build` and the studio call [`build`]; both run the same
//! planning code.

use crate::discovery;
use crate::plan::{Format, Plan};
use crate::progress::Progress;
use crate::project::Project;
use crate::sink::{self, Written};
use crate::{sdist, wheel, Error, Result};
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
    format
        .availability()
        .map_err(|why| Error::Plan(format!("{} cannot be built yet: {why}", format.name())))?;
    let files = discovery::scan(project)?;
    match format {
        Format::Sdist => sdist::plan(project, &files),
        _ => wheel::plan(project, &files),
    }
}

/// Plan and write every requested format into `req.out_dir`. Every plan is
/// computed (and the wheel checked against the sdist) before anything is
/// written.
pub fn build(
    project: &Project,
    req: &BuildRequest,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let mut notes = Vec::new();
    if project.build_system.is_foreign() {
        let backend = project.build_system.backend.as_deref().unwrap_or_default();
        if !req.native {
            return Err(Error::Plan(format!(
                "{}: [build-system] names `{backend}`; build with that backend, or pass --native to build with Gradient's native builder",
                project.pyproject_path.display()
            )));
        }
        notes.push(format!(
            "built natively although [build-system] names `{backend}` (--native)"
        ));
    }
    for format in &req.formats {
        format
            .availability()
            .map_err(|why| Error::Plan(format!("{} cannot be built yet: {why}", format.name())))?;
    }
    progress.step("scan");
    let files = discovery::scan(project)?;
    let sdist_plan = sdist::plan(project, &files)?;
    let wheel_plan = wheel::plan(project, &files)?;
    if req.formats.contains(&Format::Wheel) && project.settings.wheel_from_sdist {
        let from_sdist = wheel::plan(project, &sdist::contents(&sdist_plan, &files))?;
        let differences = wheel::compare(&wheel_plan, &from_sdist);
        if !differences.is_empty() {
            return Err(Error::Plan(format!(
                "the wheel built from the sdist would differ from the wheel built from the project:\n  {}\n(set tool.gradient.wheel-from-sdist = false to skip this check)",
                differences.join("\n  ")
            )));
        }
    }
    let mut artifacts = Vec::new();
    for format in &req.formats {
        progress.step(format.name());
        let written = match format {
            Format::Sdist => sink::write_tar_gz(
                &sdist_plan,
                &req.out_dir.join(&sdist_plan.file_name),
                progress,
            )?,
            _ => sink::write_zip(
                &wheel_plan,
                &req.out_dir.join(&wheel_plan.file_name),
                progress,
            )?,
        };
        artifacts.push(Artifact {
            format: *format,
            written,
        });
    }
    Ok(BuildReport { artifacts, notes })
}
