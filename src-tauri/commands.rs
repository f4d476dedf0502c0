//! The commands the UI may call (and only these: see capabilities/). Each is
//! a thin wrapper over the engine; inputs are validated here.

use crate::state::AppState;
use gradient_engine::build;
use gradient_engine::plan::Format;
use gradient_engine::project::{Project, ProjectError};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tauri::State;

/// An error as the UI shows it: what, where (file, line, field).
#[derive(Debug, Serialize)]
pub struct UiError {
    message: String,
    file: Option<String>,
    line: Option<usize>,
    field: Option<String>,
}

impl From<ProjectError> for UiError {
    fn from(e: ProjectError) -> Self {
        UiError {
            message: e.message,
            file: Some(e.file.display().to_string()),
            line: e.line,
            field: e.field,
        }
    }
}

impl From<gradient_engine::Error> for UiError {
    fn from(e: gradient_engine::Error) -> Self {
        match e {
            gradient_engine::Error::Project(p) => p.into(),
            other => UiError::message(other.to_string()),
        }
    }
}

impl UiError {
    fn message(message: impl Into<String>) -> Self {
        UiError {
            message: message.into(),
            file: None,
            line: None,
            field: None,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ProjectView {
    path: String,
    name: String,
    version: String,
    summary: Option<String>,
    requires_python: Option<String>,
    license: Option<String>,
    scripts: Vec<String>,
}

fn load(state: &AppState, path: &Path) -> Result<ProjectView, UiError> {
    if !path.is_dir() {
        return Err(UiError::message(format!(
            "{} is not a directory",
            path.display()
        )));
    }
    let project = Project::load(path)?;
    state.set_current(path);
    let m = project.metadata;
    Ok(ProjectView {
        path: path.display().to_string(),
        name: m.name,
        version: m.version,
        summary: m.description,
        requires_python: m.requires_python,
        license: m.license.map(|l| match l {
            gradient_engine::project::License::Spdx(s) => s,
            gradient_engine::project::License::Text(_) => "(license text)".into(),
            gradient_engine::project::License::File { path, .. } => path,
        }),
        scripts: m.scripts.into_keys().collect(),
    })
}

/// Open the project given on the command line (or the example) when `path`
/// is absent; re-open the current project when `reload` is set.
#[tauri::command]
pub fn open_project(
    state: State<'_, AppState>,
    reload: Option<bool>,
) -> Result<ProjectView, UiError> {
    let path = match (reload.unwrap_or(false), state.current()) {
        (true, Some(current)) => current,
        _ => state.initial_project(),
    };
    load(&state, &path)
}

/// Ask the person for a project folder; `None` when they cancel.
#[tauri::command]
pub async fn choose_project(state: State<'_, AppState>) -> Result<Option<ProjectView>, UiError> {
    let Some(folder) = rfd::AsyncFileDialog::new()
        .set_title("Open a Python project")
        .pick_folder()
        .await
    else {
        return Ok(None);
    };
    let path: PathBuf = folder.path().to_path_buf();
    load(&state, &path).map(Some)
}

#[derive(Debug, Serialize)]
pub struct EntryView {
    path: String,
    size: u64,
    reason: String,
}

#[derive(Debug, Serialize)]
pub struct PlanView {
    file_name: String,
    entries: Vec<EntryView>,
    excluded: Vec<gradient_engine::plan::Excluded>,
    total_size: u64,
}

/// The plan of `format` for the current project: what the archive will hold.
#[tauri::command]
pub fn plan_preview(state: State<'_, AppState>, format: String) -> Result<PlanView, UiError> {
    let format: Format = format.parse().map_err(UiError::message)?;
    let path = state
        .current()
        .ok_or_else(|| UiError::message("no project is open"))?;
    let project = Project::load(&path)?;
    let plan = build::plan(&project, format)?;
    Ok(PlanView {
        file_name: plan.file_name.clone(),
        total_size: plan.total_size(),
        entries: plan
            .entries
            .into_iter()
            .map(|e| EntryView {
                path: e.path,
                size: e.size,
                reason: e.reason,
            })
            .collect(),
        excluded: plan.excluded,
    })
}

#[derive(Debug, Serialize)]
pub struct FormatView {
    name: &'static str,
    available: bool,
    why: Option<&'static str>,
}

/// Every format along the gradient, and whether it can be built yet.
#[tauri::command]
pub fn formats() -> Vec<FormatView> {
    Format::ALL
        .iter()
        .map(|f| FormatView {
            name: f.name(),
            available: f.availability().is_ok(),
            why: f.availability().err(),
        })
        .collect()
}
