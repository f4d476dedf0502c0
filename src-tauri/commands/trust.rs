//! Project trust, as an editor's workspace trust: opening a project never
//! runs a program it names (see `gradient_engine::trust`); previews and
//! builds that would are refused, saying so, until the person trusts the
//! project. The decision is remembered per project folder in the app's
//! config directory (`trusted.json`, replaced atomically).

use super::project::{config_dir, ProjectView};
use super::UiError;
use crate::state::AppState;
use gradient_engine::frontend::BuildSystem;
use gradient_engine::plan::Format;
use gradient_engine::project::Project;
use gradient_engine::trust::{named_programs, NamedProgram};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, State};

fn file(app: &AppHandle) -> Option<PathBuf> {
    config_dir(app).map(|d| d.join("trusted.json"))
}

fn read(app: &AppHandle) -> Vec<String> {
    file(app)
        .and_then(|f| std::fs::read(f).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The folder as remembered: its canonical path.
fn key(path: &Path) -> String {
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Whether the person trusted the project at `path`.
pub fn is_trusted(app: &AppHandle, path: &Path) -> bool {
    read(app).contains(&key(path))
}

fn remember(app: &AppHandle, path: &Path, trusted: bool) -> Result<(), UiError> {
    let file =
        file(app).ok_or_else(|| UiError::message("no config directory to remember trust in"))?;
    let key = key(path);
    let mut list = read(app);
    list.retain(|p| *p != key);
    if trusted {
        list.push(key);
    }
    let text = serde_json::to_vec_pretty(&list).map_err(|e| UiError::message(e.to_string()))?;
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| UiError::message(format!("{}: {e}", dir.display())))?;
    }
    gradient_engine::atomic::replace_file(&file, &text)
        .map_err(|e| UiError::message(format!("{}: {e}", file.display())))?;
    Ok(())
}

/// The build backend (PEP 517) that building the project at `root` runs,
/// when it is not Gradient's own.
pub fn backend_to_run(root: &Path) -> Option<BuildSystem> {
    BuildSystem::read(root)
        .ok()
        .filter(|s| s.needs_backend(root))
}

/// What the trust banner names: the programs previews of applications run,
/// and the build backend builds run.
pub fn programs_to_run(project: &Project) -> Vec<NamedProgram> {
    let mut runs = named_programs(project);
    if let Some(system) = backend_to_run(&project.root) {
        runs.push(NamedProgram {
            program: system.backend,
            setting: "[build-system] build-backend".into(),
        });
    }
    runs
}

/// Refuse to preview or build `format` of `project` when that would run a
/// program the project names and the person has not trusted it.
pub fn check(app: &AppHandle, project: &Project, format: Format) -> Result<(), UiError> {
    if matches!(format, Format::Sdist | Format::Wheel) || is_trusted(app, &project.root) {
        return Ok(());
    }
    let named = named_programs(project);
    if named.is_empty() {
        return Ok(());
    }
    Err(UiError::needs_trust(format!(
        "The {} preview would run {}. Gradient runs nothing a project names until you trust the project.",
        format.name(),
        describe(&named)
    )))
}

/// `./tools/python ([tool.gradient.app] python)`, for each program.
pub fn describe(named: &[NamedProgram]) -> String {
    named
        .iter()
        .map(|n| format!("{} ({})", n.program, n.setting))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Trust (or stop trusting) the open project; returns its view again.
#[tauri::command]
pub fn trust_project(
    app: AppHandle,
    state: State<'_, AppState>,
    trusted: bool,
) -> Result<ProjectView, UiError> {
    let root = state
        .current()
        .ok_or_else(|| UiError::message("no project is open"))?;
    remember(&app, &root, trusted)?;
    super::project::view(&app, &root)
}
