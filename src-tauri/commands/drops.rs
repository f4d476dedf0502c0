//! Files and folders dropped on the window: a folder opens as a project, a
//! file opens in the inspector. Dropping is the person's choice, so dropped
//! paths join the allowed set.

use crate::state::AppState;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{Manager, State};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Dropped {
    Project { path: String },
    Artifact { path: String },
}

/// Where drops are reported: the channel the UI subscribed with.
#[derive(Default)]
pub struct DropTarget(Mutex<Option<Channel<Dropped>>>);

#[tauri::command]
pub fn subscribe_drops(target: State<'_, DropTarget>, on_drop: Channel<Dropped>) {
    if let Ok(mut slot) = target.0.lock() {
        *slot = Some(on_drop);
    }
}

/// Called from the window's drag-and-drop event.
pub fn dropped(app: &tauri::AppHandle, paths: &[PathBuf]) {
    let state = app.state::<AppState>();
    let target = app.state::<DropTarget>();
    let Ok(slot) = target.0.lock() else { return };
    let Some(channel) = slot.as_ref() else { return };
    for path in paths {
        let shown = path.display().to_string();
        state.allow(path);
        let event = if path.is_dir() {
            Dropped::Project { path: shown }
        } else {
            Dropped::Artifact { path: shown }
        };
        let _ = channel.send(event);
    }
}

/// Open a dropped folder as the project (only folders that were dropped).
#[tauri::command]
pub fn open_dropped(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<super::project::ProjectView, super::UiError> {
    let path = PathBuf::from(path);
    if !state.is_allowed(&path) {
        return Err(super::UiError::message(format!(
            "{} was not dropped here",
            path.display()
        )));
    }
    super::project::load(&app, &state, &path)
}
