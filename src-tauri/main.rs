//! Gradient Studio, the desktop app: a Tauri window whose web UI (ui/) calls
//! the engine through the thin commands in `commands`.
//!
//! Usage: `gradient-studio [PROJECT]` — opens PROJECT, or the bundled example
//! project when none is given.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod state;

use std::path::PathBuf;

fn main() {
    let project = std::env::args_os().nth(1).map(PathBuf::from);
    let result = tauri::Builder::default()
        .manage(state::AppState::new(project))
        .invoke_handler(tauri::generate_handler![
            commands::open_project,
            commands::choose_project,
            commands::plan_preview,
            commands::formats,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("gradient-studio: {error}");
        std::process::exit(1);
    }
}
