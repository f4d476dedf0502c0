//! Inspecting and comparing artifacts: files the person chose in a dialog,
//! dropped on the window, named on the command line, or that the app built.

use super::UiError;
use crate::state::AppState;
use gradient_engine::inspect::{self, diff, Fact, Report};
use serde::Serialize;
use std::path::PathBuf;
use tauri::ipc::Channel;
use tauri::State;

fn allowed(state: &AppState, path: &str) -> Result<PathBuf, UiError> {
    let path = PathBuf::from(path);
    if state.is_allowed(&path) {
        Ok(path)
    } else {
        Err(UiError::message(format!(
            "{} was not chosen here: open it with “Open artifact…” or drop it on the window",
            path.display()
        )))
    }
}

/// Ask the person for an artifact; `None` when they cancel.
#[tauri::command]
pub async fn choose_artifact(state: State<'_, AppState>) -> Result<Option<String>, UiError> {
    let Some(file) = rfd::AsyncFileDialog::new()
        .set_title("Open an artifact to inspect")
        .add_filter(
            "Python artifacts",
            &["whl", "gz", "zip", "pyz", "pex", "so"],
        )
        .add_filter("All files", &["*"])
        .pick_file()
        .await
    else {
        return Ok(None);
    };
    let path = file.path().to_path_buf();
    state.allow(&path);
    Ok(Some(path.display().to_string()))
}

/// The artifact named on the command line (`--inspect FILE`), if any.
#[tauri::command]
pub fn initial_artifact(state: State<'_, AppState>) -> Option<String> {
    state
        .launch
        .inspect
        .as_ref()
        .map(|p| p.display().to_string())
}

/// A report with its facts, the ones `gradient inspect` prints.
#[derive(Debug, Clone, Serialize)]
pub struct Inspected {
    #[serde(flatten)]
    report: Report,
    facts: Vec<Fact>,
}

#[tauri::command]
pub async fn inspect_artifact(
    state: State<'_, AppState>,
    path: String,
) -> Result<Inspected, UiError> {
    let path = allowed(&state, &path)?;
    // Large artifacts take a moment: off the UI thread.
    let report = tauri::async_runtime::spawn_blocking(move || inspect::inspect(&path))
        .await
        .map_err(|e| UiError::message(e.to_string()))??;
    Ok(Inspected {
        facts: inspect::facts(&report),
        report,
    })
}

#[tauri::command]
pub async fn diff_artifacts(
    state: State<'_, AppState>,
    before: String,
    after: String,
) -> Result<diff::Diff, UiError> {
    let (a, b) = (allowed(&state, &before)?, allowed(&state, &after)?);
    tauri::async_runtime::spawn_blocking(move || -> Result<diff::Diff, UiError> {
        Ok(diff::diff(&inspect::inspect(&a)?, &inspect::inspect(&b)?))
    })
    .await
    .map_err(|e| UiError::message(e.to_string()))?
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactChanged {
    path: String,
}

/// Watch the inspected artifact; send on `on_change` when it changes so the
/// report refreshes. Replaces any earlier artifact watch.
#[tauri::command]
pub fn watch_artifact(
    state: State<'_, AppState>,
    path: String,
    on_change: Channel<ArtifactChanged>,
) -> Result<(), UiError> {
    let path = allowed(&state, &path)?;
    // Watch the folder: replacing a file (as builds do, atomically) ends a
    // watch on the file itself.
    let folder = path
        .parent()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let target = path.clone();
    let watch = crate::watch::watch(
        &folder,
        false,
        |_| false,
        move |paths| {
            if paths.iter().any(|p| p == &target) {
                let _ = on_change.send(ArtifactChanged {
                    path: target.display().to_string(),
                });
            }
        },
    )
    .map_err(|e| UiError::message(format!("cannot watch {}: {e}", path.display())))?;
    if let Ok(mut slot) = state.artifact_watch.lock() {
        *slot = Some(watch);
    }
    Ok(())
}
