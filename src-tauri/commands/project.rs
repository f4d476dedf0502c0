//! Opening projects (command line, dialog, recent list, drop), the live
//! preview of the chosen format, and watching the project for changes.

use super::UiError;
use crate::state::AppState;
use gradient_engine::plan::Format;
use gradient_engine::progress::Silent;
use gradient_engine::project::{edit, Project};
use gradient_engine::{build, discovery};
use serde::Serialize;
use std::path::{Path, PathBuf};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};

#[derive(Debug, Serialize)]
pub struct ProjectView {
    path: String,
    name: String,
    version: String,
    summary: Option<String>,
    /// `[tool.gradient] wheel-from-sdist` as saved.
    wheel_from_sdist: bool,
    /// `[tool.gradient.app]` as saved, for the application settings form.
    app: gradient_engine::project::AppSettings,
    /// `[tool.gradient.deb]` as saved, for the Debian package form.
    deb: gradient_engine::project::DebSettings,
    /// `[tool.gradient.oci]` as saved, for the image form.
    oci: gradient_engine::project::OciSettings,
    /// The `[build-system]` backend when it is not Gradient's own.
    backend: Option<String>,
    /// Programs the project names, which previews of applications would run.
    runs: Vec<gradient_engine::trust::NamedProgram>,
    /// Whether the person trusts the project to run them.
    trusted: bool,
}

/// Load the project at `path` (a directory the person chose) and make it the
/// current one; it joins the recent list even when invalid, so that the
/// person can come back to it after fixing it.
pub fn load(app: &AppHandle, state: &AppState, path: &Path) -> Result<ProjectView, UiError> {
    if !path.is_dir() {
        return Err(UiError::message(format!(
            "{} is not a directory",
            path.display()
        )));
    }
    state.set_current(path);
    super::recent::remember(app, path);
    view(app, path)
}

/// What the header shows of the project at `path`.
pub fn view(app: &AppHandle, path: &Path) -> Result<ProjectView, UiError> {
    let project = Project::load(path)?;
    let runs = super::trust::programs_to_run(&project);
    let trusted = super::trust::is_trusted(app, path);
    let backend = if project.build_system.is_foreign() {
        project.build_system.backend.clone()
    } else {
        None
    };
    let wheel_from_sdist = project.settings.wheel_from_sdist;
    let settings = project.settings;
    let m = project.metadata;
    Ok(ProjectView {
        path: path.display().to_string(),
        name: m.name,
        version: m.version,
        summary: m.description,
        wheel_from_sdist,
        app: settings.app,
        deb: settings.deb,
        oci: settings.oci,
        backend,
        runs,
        trusted,
    })
}

/// Open the project given on the command line (or the example); with
/// `reload`, re-read the current one after a change on disk (it is already
/// current and in the recent list).
#[tauri::command]
pub fn open_project(
    app: AppHandle,
    state: State<'_, AppState>,
    reload: Option<bool>,
) -> Result<ProjectView, UiError> {
    match (reload.unwrap_or(false), state.current()) {
        (true, Some(current)) => view(&app, &current),
        _ => load(&app, &state, &state.initial_project()),
    }
}

/// Ask the person for a project folder; `None` when they cancel.
#[tauri::command]
pub async fn choose_project(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<ProjectView>, UiError> {
    let Some(folder) = rfd::AsyncFileDialog::new()
        .set_title("Open a Python project")
        .pick_folder()
        .await
    else {
        return Ok(None);
    };
    let path: PathBuf = folder.path().to_path_buf();
    load(&app, &state, &path).map(Some)
}

#[derive(Debug, Serialize)]
pub struct EntryView {
    path: String,
    size: u64,
    reason: String,
    /// Where an application's file comes from (runtime, standard library,
    /// a distribution...), for the size picture.
    origin: gradient_engine::plan::Origin,
}

#[derive(Debug, Serialize)]
pub struct PlanView {
    file_name: String,
    entries: Vec<EntryView>,
    excluded: Vec<gradient_engine::plan::Excluded>,
    total_size: u64,
    /// For applications: the target, the sources and what was installed.
    summary: Option<String>,
    notes: Vec<String>,
    /// For Debian packages: the control file and the maintainer scripts,
    /// as they will be in the package.
    deb: Option<DebView>,
    /// The build backend that wrote the archive shown, when it is another
    /// backend's archive rather than Gradient's plan.
    built_by: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DebView {
    control: String,
    conffiles: Vec<String>,
    scripts: Vec<(String, String)>,
}

/// The plan of `format` for the current project: what the archive will hold.
/// Applications resolve and install their closure first (from
/// `[tool.gradient.app]`), so this runs off the main thread; an interpreter
/// the project names runs only once the person trusts the project. The
/// sdist and wheel of a trusted project that another backend builds are
/// that backend's archives, built now (the UI asks again after each quiet
/// burst of edits, one request at a time); untrusted, Gradient's reading.
#[tauri::command(async)]
pub fn plan_preview(
    app: AppHandle,
    state: State<'_, AppState>,
    format: String,
) -> Result<PlanView, UiError> {
    let format: Format = format.parse().map_err(UiError::message)?;
    let path = current_root(&state)?;
    let backend = matches!(format, Format::Sdist | Format::Wheel)
        .then(|| super::trust::backend_to_run(&path))
        .flatten();
    let trusted = super::trust::is_trusted(&app, &path);
    if backend.is_some() && trusted {
        let request = super::build::backend_request(&path);
        let preview = state
            .backend_writes
            .run(|| build::backend_preview(&request, format, &Silent));
        return Ok(plan_view(preview?));
    }
    let project = Project::load(&path)?;
    super::trust::check(&app, &project, format)?;
    let options = build::AppOptions::from_project(&project);
    let mut preview = build::preview(&project, format, &options, &state.closures, &Silent)?;
    if let Some(system) = backend {
        preview.notes.push(format!(
            "Trust the project to see the archive `{}` writes instead",
            system.backend
        ));
    }
    Ok(plan_view(preview))
}

/// What the preview tab shows of a preview.
fn plan_view(preview: build::Preview) -> PlanView {
    let (plan, summary, notes) = (preview.plan, preview.summary, preview.notes);
    let deb = preview.deb.map(|d| DebView {
        control: d.control,
        conffiles: d.conffiles,
        scripts: d.scripts,
    });
    PlanView {
        summary,
        notes,
        deb,
        built_by: preview.built_by,
        file_name: plan.file_name.clone(),
        total_size: plan.total_size(),
        // The file tree: directories show as the paths' folders, and a
        // package's control part is shown whole in `deb`.
        entries: plan
            .entries
            .into_iter()
            .filter(|e| {
                e.kind() != gradient_engine::plan::Kind::Directory
                    && e.part != gradient_engine::deb::CONTROL
            })
            .map(|e| EntryView {
                path: e.path,
                size: e.size,
                reason: e.reason,
                origin: e.origin,
            })
            .collect(),
        excluded: plan.excluded,
    }
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

/// What changed on disk in the open project.
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    paths: Vec<String>,
}

/// Watch the current project and send on `on_change` after each burst of
/// changes, so the UI refreshes the preview. Replaces any earlier watch.
#[tauri::command]
pub fn watch_project(
    state: State<'_, AppState>,
    on_change: Channel<Changed>,
) -> Result<(), UiError> {
    let root = current_root(&state)?;
    let base = root.clone();
    let backend_writes = state.backend_writes.clone();
    // Changes where no artifact looks (VCS data, caches, build output) are
    // not worth a new preview, nor are a preview's own backend's writes.
    let watch = crate::watch::watch(
        &root,
        true,
        move |p| discovery::never_packaged(p.strip_prefix(&base).unwrap_or(p)),
        move |paths| {
            let paths: Vec<String> = paths
                .iter()
                .filter(|p| !backend_writes.wrote(p))
                .map(|p| p.display().to_string())
                .collect();
            if !paths.is_empty() {
                let _ = on_change.send(Changed { paths });
            }
        },
    )
    .map_err(|e| UiError::message(format!("cannot watch {}: {e}", root.display())))?;
    if let Ok(mut slot) = state.project_watch.lock() {
        *slot = Some(watch);
    }
    Ok(())
}

/// Save the build options to the open project's `[tool.gradient]` table,
/// keeping the file's formatting and comments.
#[tauri::command]
pub fn save_settings(state: State<'_, AppState>, wheel_from_sdist: bool) -> Result<(), UiError> {
    let root = current_root(&state)?;
    edit::set_tool_gradient(
        &root,
        "wheel-from-sdist",
        &edit::Setting::Bool(wheel_from_sdist),
    )?;
    Ok(())
}

/// Save the application settings form to the open project's
/// `[tool.gradient.app]` table (and nowhere else), keeping the file's
/// formatting and comments; a bad value is refused naming its field.
#[tauri::command]
pub fn save_app_settings(
    state: State<'_, AppState>,
    app: gradient_engine::project::AppSettings,
) -> Result<(), UiError> {
    Ok(edit::save_app_settings(&current_root(&state)?, &app)?)
}

/// Save the Debian package form to `[tool.gradient.deb]` (its conffiles
/// and service tables kept as written), as `save_app_settings` does.
#[tauri::command]
pub fn save_deb_settings(
    state: State<'_, AppState>,
    deb: gradient_engine::project::DebSettings,
) -> Result<(), UiError> {
    Ok(edit::save_deb_settings(&current_root(&state)?, &deb)?)
}

/// Save the image form to `[tool.gradient.oci]` (its labels and env kept
/// as written). A push target is only recorded: pushing is a build step.
#[tauri::command]
pub fn save_oci_settings(
    state: State<'_, AppState>,
    oci: gradient_engine::project::OciSettings,
) -> Result<(), UiError> {
    Ok(edit::save_oci_settings(&current_root(&state)?, &oci)?)
}

/// The open project's directory.
fn current_root(state: &AppState) -> Result<PathBuf, UiError> {
    state
        .current()
        .ok_or_else(|| UiError::message("no project is open"))
}

/// The app's own state directory (recent projects live there).
pub fn config_dir(app: &AppHandle) -> Option<PathBuf> {
    app.path().app_config_dir().ok()
}
