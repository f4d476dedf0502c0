//! The packaging gradient: the decision tree and a walk through it, with
//! answers pre-filled from the open project.

use super::UiError;
use crate::state::AppState;
use gradient_engine::gradient::{self, Outcome, Tree};
use gradient_engine::project::Project;
use std::collections::BTreeMap;
use tauri::State;

#[tauri::command]
pub fn gradient_tree() -> Result<&'static Tree, UiError> {
    Ok(gradient::tree()?)
}

/// The next question (with its pre-filled default and where that came from)
/// or the recommendation, for the answers given so far.
#[tauri::command]
pub fn gradient_walk(
    state: State<'_, AppState>,
    answers: BTreeMap<String, String>,
) -> Result<Outcome, UiError> {
    let tree = gradient::tree()?;
    let prefill = match state.current().map(|p| Project::load(&p)) {
        Some(Ok(project)) => gradient::prefill(&gradient::facts(&project)?),
        _ => BTreeMap::new(),
    };
    gradient::walk(tree, &answers, &prefill, false).map_err(|e| UiError::message(e.to_string()))
}
