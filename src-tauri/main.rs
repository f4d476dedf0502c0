//! Gradient Studio, the desktop app: a Tauri window whose web UI (ui/) calls
//! the engine through the thin commands in `commands`.
//!
//! Usage: `gradient-studio [PROJECT] [--inspect FILE]` — opens PROJECT, or the
//! bundled example project when none is given, and FILE in the inspector.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod state;
mod watch;

use commands::{build, drops, gradient, inspect, project, publish, recent, trust};
use tauri::Manager;

fn main() {
    let launch = state::Launch::from_args(std::env::args_os().skip(1));
    let result = tauri::Builder::default()
        .manage(state::AppState::new(launch))
        .manage(drops::DropTarget::default())
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                drops::dropped(window.app_handle(), paths);
            }
        })
        .invoke_handler(tauri::generate_handler![
            project::open_project,
            project::choose_project,
            project::plan_preview,
            project::formats,
            project::watch_project,
            project::save_settings,
            project::save_app_settings,
            project::save_deb_settings,
            project::save_oci_settings,
            recent::recent_projects,
            recent::open_recent,
            trust::trust_project,
            gradient::gradient_tree,
            gradient::gradient_walk,
            build::start_build,
            build::cancel_build,
            build::show_in_folder,
            inspect::choose_artifact,
            inspect::initial_artifact,
            inspect::inspect_artifact,
            inspect::diff_artifacts,
            inspect::watch_artifact,
            drops::subscribe_drops,
            drops::open_dropped,
            publish::publish_token_status,
            publish::publish_check,
            publish::publish_upload,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("gradient-studio: {error}");
        std::process::exit(1);
    }
}
