//! Building: one staging step, then writing. [`stage`] plans every
//! requested format (the application formats over one shared closure and
//! installation) and runs the checks; [`build`] writes what was staged, so a
//! failing check leaves no artifact of any format. The preview
//! ([`preview`]) runs the same planning code.

mod app;
mod backend_preview;
mod options;
mod preview;
pub mod published;

use crate::discovery;
use crate::epoch;
use crate::plan::{Format, Plan};
use crate::progress::Progress;
use crate::project::Project;
use crate::sink::{self, Written};
use crate::{sdist, wheel, Error, Result};
use serde::Serialize;
use std::path::PathBuf;

pub use app::{is_app, AppStage, ClosureCache};
pub use backend_preview::backend_preview;
pub use options::{launcher_stub, AppOptions, TargetChoice, SHIPPED_LAUNCHER};
pub use preview::{preview, Preview};

#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub formats: Vec<Format>,
    pub out_dir: PathBuf,
    /// Build natively even though `[build-system]` names another backend.
    pub native: bool,
    /// Choices for application formats (zipapp and later).
    pub app: AppOptions,
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
    /// Container images built: digest, layers, outputs, push.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<crate::oci::Built>,
    /// Platform wheels repaired before delivery: the verdict before and
    /// after, what was grafted and what holds a better tag back.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<crate::repair::Repaired>,
}

/// Every requested format planned and checked, nothing written yet.
pub struct Staged {
    /// One plan per requested format, in the order requested.
    pub plans: Vec<Plan>,
    pub notes: Vec<String>,
    /// The application side (closure, trees), when an application format
    /// was requested; its staging directory holds files the plans name.
    pub app: Option<AppStage>,
    /// The application layers of the image, when oci was requested (its
    /// plan is what the preview lists; the base is loaded when writing).
    pub image: Option<crate::oci::AppLayers>,
    /// The timestamp every plan was made with.
    pub mtime: u64,
}

fn available(format: Format) -> Result<()> {
    format
        .availability()
        .map_err(|why| Error::Plan(format!("{} cannot be built yet: {why}", format.name())))
}

/// The plan for one package format (sdist, wheel) of `project`: what the
/// preview shows. Application formats need their closure: [`preview`].
pub fn plan(project: &Project, format: Format) -> Result<Plan> {
    available(format)?;
    let files = discovery::scan(project)?;
    let mtime = epoch::source_date_epoch();
    match format {
        Format::Sdist => sdist::plan(project, &files, mtime),
        Format::Wheel => wheel::plan(project, &files, mtime),
        other => Err(Error::Plan(format!(
            "the {} plan needs the dependency closure: use build::preview",
            other.name()
        ))),
    }
}

/// The build system check: a foreign `[build-system]` is built natively
/// only when asked (`--native`); the note says so. The native builder
/// writes pure Python only, so `--native` refuses a project that compiles
/// code rather than silently leave its extension modules out.
fn check_backend(project: &Project, native: bool) -> Result<Vec<String>> {
    if native {
        let system = crate::frontend::BuildSystem::read(&project.root)?;
        let compiled = crate::frontend::compiled_parts(&project.root, &system);
        if !compiled.is_empty() {
            return Err(Error::Plan(format!(
                "{}: --native cannot build a project that compiles code (the native builder writes pure Python wheels only); found:\n  {}\nbuild without --native to use the project's backend",
                project.root.display(),
                compiled.join("\n  ")
            )));
        }
    }
    if !project.build_system.is_foreign() {
        return Ok(Vec::new());
    }
    let backend = project.build_system.backend.as_deref().unwrap_or_default();
    if !native {
        return Err(Error::project(
            &project.pyproject_path,
            None,
            format!("[build-system] names `{backend}`; build with that backend, or pass --native to build with Gradient's native builder"),
        ));
    }
    Ok(vec![format!(
        "built natively although [build-system] names `{backend}` (--native)"
    )])
}

/// The sdist and wheel plans, and the wheel-from-sdist check.
fn stage_packages(
    project: &Project,
    formats: &[Format],
    mtime: u64,
    progress: &dyn Progress,
) -> Result<Vec<Plan>> {
    if !formats
        .iter()
        .any(|f| matches!(f, Format::Sdist | Format::Wheel))
    {
        return Ok(Vec::new());
    }
    progress.step("scan");
    let files = discovery::scan(project)?;
    let sdist_plan = sdist::plan(project, &files, mtime)?;
    let wheel_plan = wheel::plan(project, &files, mtime)?;
    if formats.contains(&Format::Wheel) && project.settings.wheel_from_sdist {
        let from_sdist = wheel::plan(project, &sdist::contents(&sdist_plan, &files), mtime)?;
        let differences = wheel::compare(&wheel_plan, &from_sdist);
        if !differences.is_empty() {
            return Err(Error::Plan(format!(
                "the wheel built from the sdist would differ from the wheel built from the project:\n  {}\n(set tool.gradient.wheel-from-sdist = false to skip this check)",
                differences.join("\n  ")
            )));
        }
    }
    Ok(formats
        .iter()
        .filter_map(|f| match f {
            Format::Sdist => Some(sdist_plan.clone()),
            Format::Wheel => Some(wheel_plan.clone()),
            _ => None,
        })
        .collect())
}

/// Plan every requested format and run every check, writing nothing: the
/// cheap package checks first, then the application formats over one
/// closure (resolved, fetched and installed once).
pub fn stage(
    project: &Project,
    req: &BuildRequest,
    cache: &ClosureCache,
    progress: &dyn Progress,
) -> Result<Staged> {
    let mut notes = check_backend(project, req.native)?;
    notes.extend(project.warnings.iter().cloned());
    for format in &req.formats {
        available(*format)?;
    }
    let mtime = epoch::source_date_epoch();
    let mut packages = stage_packages(project, &req.formats, mtime, progress)?.into_iter();
    let app_formats: Vec<Format> = req.formats.iter().copied().filter(|f| is_app(*f)).collect();
    let app = match app_formats.is_empty() {
        true => None,
        false => Some(app::stage(
            project,
            &app_formats,
            &req.app,
            cache,
            mtime,
            progress,
        )?),
    };
    let mut plans = Vec::with_capacity(req.formats.len());
    let mut image = None;
    for format in &req.formats {
        plans.push(match (&app, is_app(*format)) {
            (Some(app), true) if *format == Format::Oci => {
                let layers = app.image(project)?;
                let plan = crate::oci::preview_plan(project, &layers, mtime);
                image = Some(layers);
                plan
            }
            (Some(app), true) => app.plan(project, *format, &req.app, mtime)?,
            _ => packages
                .next()
                .ok_or_else(|| Error::Plan(format!("{} was not staged", format.name())))?,
        });
    }
    for plan in plans.iter().filter(|p| p.format == Format::Wheel) {
        notes.extend(wheel::import_name_warnings(project, plan));
    }
    if let Some(app) = &app {
        notes.extend(app.notes.iter().cloned());
    }
    Ok(Staged {
        plans,
        notes,
        app,
        image,
        mtime,
    })
}

/// Plan, check, then write every requested format into `req.out_dir`.
/// Nothing is written unless every format planned and every check passed.
pub fn build(
    project: &Project,
    req: &BuildRequest,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    build_with(project, req, &ClosureCache::default(), progress)
}

/// [`build`] over the closures in `cache`.
fn build_with(
    project: &Project,
    req: &BuildRequest,
    cache: &ClosureCache,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let staged = stage(project, req, cache, progress)?;
    let mut artifacts = Vec::with_capacity(staged.plans.len());
    let mut notes = staged.notes.clone();
    let mut images = Vec::new();
    for plan in &staged.plans {
        progress.step(plan.format.name());
        let dest = req.out_dir.join(&plan.file_name);
        let written = match (&staged.app, plan.format, &staged.image) {
            (_, Format::Oci, Some(layers)) => {
                let built = write_image(project, layers, req, staged.mtime, progress)?;
                notes.extend(built.pushed.as_ref().map(push_note));
                artifacts.extend(built.outputs.iter().map(|w| Artifact {
                    format: Format::Oci,
                    written: w.clone(),
                }));
                images.push(built);
                continue;
            }
            (_, Format::Deb, _) => crate::deb::write(plan, &dest, progress)?,
            (Some(app), Format::Exe, _) => {
                let entry = &app.entry.object;
                let unpacked = plan.entries.iter().map(|e| e.size).sum();
                sink::write_checked(plan, &dest, progress, &|exe| {
                    progress.step("importing the entry point from the executable");
                    crate::frozen::smoke::import_entry(exe, &plan.file_name, entry, unpacked)
                })?
            }
            _ => sink::write(plan, &dest, progress)?,
        };
        artifacts.push(Artifact {
            format: plan.format,
            written,
        });
    }
    Ok(BuildReport {
        artifacts,
        notes,
        images,
        repairs: Vec::new(),
    })
}

/// The image on its base, written as a layout and two archives (and
/// pushed when asked).
fn write_image(
    project: &Project,
    layers: &crate::oci::AppLayers,
    req: &BuildRequest,
    mtime: u64,
    progress: &dyn Progress,
) -> Result<crate::oci::Built> {
    crate::oci::build(project, layers, &req.app.oci, &req.out_dir, mtime, progress)
}

fn push_note(p: &crate::oci::registry::PushReport) -> String {
    format!(
        "pushed {}@{} ({} uploaded, {} already there, {} mounted)",
        p.reference,
        p.digest,
        p.uploaded.len(),
        p.skipped.len(),
        p.mounted.len()
    )
}

#[cfg(test)]
mod tests;
