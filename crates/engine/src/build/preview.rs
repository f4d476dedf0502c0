//! The preview: what one format's artifact will hold, planned by the same
//! code as the build. Both front ends (`gradient preview`, the studio's
//! preview tab) render this and nothing else.

use super::app::{self, is_app, ClosureCache};
use super::options::AppOptions;
use crate::epoch;
use crate::plan::{Format, Plan};
use crate::progress::Progress;
use crate::project::Project;
use crate::Result;
use serde::Serialize;
use std::sync::Arc;

/// One format's preview.
#[derive(Debug, Clone, Serialize)]
pub struct Preview {
    pub plan: Plan,
    /// For applications: the target, how many distributions from which
    /// sources, and the entry point the archive runs.
    pub summary: Option<String>,
    /// Things the person should know (no bytecode, a lock written, ...).
    pub notes: Vec<String>,
    /// A Debian package's control part as it will be (format deb).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deb: Option<crate::deb::Package>,
    /// The build backend that wrote the archive shown, when the preview is
    /// another backend's archive rather than Gradient's own plan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub built_by: Option<String>,
    /// The scratch directory holding that archive: the plan's entries are
    /// read from it, so it lives as long as the preview.
    #[serde(skip)]
    pub scratch: Option<Arc<tempfile::TempDir>>,
}

/// Plan `format` of `project` for the preview. Application formats stage
/// their closure through `cache`, so a preview after an edit that leaves
/// the dependencies alone does not resolve or fetch again.
pub fn preview(
    project: &Project,
    format: Format,
    options: &AppOptions,
    cache: &ClosureCache,
    progress: &dyn Progress,
) -> Result<Preview> {
    if !is_app(format) {
        let plan = super::plan(project, format)?;
        let imports = match format {
            Format::Wheel => crate::wheel::import_name_warnings(project, &plan),
            _ => Vec::new(),
        };
        return Ok(Preview {
            plan,
            summary: None,
            notes: backend_note(project)
                .into_iter()
                .chain(project.warnings.iter().cloned())
                .chain(imports)
                .collect(),
            deb: None,
            built_by: None,
            scratch: None,
        });
    }
    let mtime = epoch::source_date_epoch();
    let stage = app::stage(project, &[format], options, cache, mtime, progress)?;
    let distributions = stage.tree(format).map_or(0, |t| t.distributions.len());
    let mut summary = format!(
        "for {} · {distributions} distributions from {} · runs {}",
        stage.target.label(),
        stage.sources.describe(),
        stage.entry.name,
    );
    let (mut plan, deb) = match format {
        Format::Deb => {
            let (plan, package) = stage.deb(project, options, mtime)?;
            (plan, Some(package))
        }
        Format::Oci => {
            let layers = stage.image(project)?;
            summary.push_str(&crate::oci::describe(
                project,
                &layers,
                &options.oci.settings,
            ));
            (crate::oci::preview_plan(project, &layers, mtime), None)
        }
        _ => (stage.plan(project, format, options, mtime)?, None),
    };
    for e in &mut plan.entries {
        e.origin = std::mem::take(&mut e.origin).own(&project.metadata.name);
    }
    Ok(Preview {
        summary: Some(summary),
        notes: project
            .warnings
            .iter()
            .chain(&stage.notes)
            .cloned()
            .collect(),
        plan,
        deb,
        built_by: None,
        scratch: None,
    })
}

/// A project that names another build backend is built by it (PEP 517), so
/// the sdist and wheel previews, which are Gradient's own reading of the
/// project, may differ from what the backend writes: say so.
fn backend_note(project: &Project) -> Option<String> {
    let system = crate::frontend::BuildSystem::read(&project.root).ok()?;
    system.needs_backend(&project.root).then(|| {
        format!(
            "`gradient build` runs the project's backend `{}` ([build-system]); this preview is Gradient's own reading of the project, which --native builds, and the backend decides the archive's name and contents",
            system.backend
        )
    })
}
