//! Recent projects: the folders the person opened, newest first, kept in the
//! app's config directory (`recent.json`). Opening from this list is allowed
//! because each entry was the person's own choice.

use super::project::{config_dir, load, ProjectView};
use super::UiError;
use crate::state::AppState;
use std::path::{Path, PathBuf};
use tauri::{AppHandle, State};

const KEEP: usize = 10;

fn file(app: &AppHandle) -> Option<PathBuf> {
    config_dir(app).map(|d| d.join("recent.json"))
}

fn read(app: &AppHandle) -> Vec<String> {
    file(app)
        .and_then(|f| std::fs::read(f).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Put `path` first in the list; failures to save are not worth an error.
pub fn remember(app: &AppHandle, path: &Path) {
    let Some(file) = file(app) else { return };
    let path = path
        .canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let mut list = read(app);
    list.retain(|p| *p != path);
    list.insert(0, path);
    list.truncate(KEEP);
    if let (Some(dir), Ok(text)) = (file.parent(), serde_json::to_vec_pretty(&list)) {
        let _ = std::fs::create_dir_all(dir);
        let _ = gradient_engine::atomic::replace_file(&file, &text);
    }
}

#[tauri::command]
pub fn recent_projects(app: AppHandle) -> Vec<String> {
    read(&app)
}

/// Open a project from the recent list (and only from it).
#[tauri::command]
pub fn open_recent(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<ProjectView, UiError> {
    if !read(&app).contains(&path) {
        return Err(UiError::message(format!(
            "{path} is not in the recent projects list"
        )));
    }
    load(&app, &state, Path::new(&path))
}
