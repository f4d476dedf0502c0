//! Tauri build script. The app manifest lists the app's own commands so that
//! capabilities must grant each one explicitly; capabilities live in
//! src-tauri/capabilities/ (tauri.conf.json is at the repository root).

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[
            "open_project",
            "choose_project",
            "plan_preview",
            "formats",
            "watch_project",
            "save_settings",
            "save_app_settings",
            "save_deb_settings",
            "save_oci_settings",
            "recent_projects",
            "open_recent",
            "trust_project",
            "gradient_tree",
            "gradient_walk",
            "start_build",
            "cancel_build",
            "show_in_folder",
            "choose_artifact",
            "initial_artifact",
            "inspect_artifact",
            "diff_artifacts",
            "watch_artifact",
            "subscribe_drops",
            "open_dropped",
            "publish_token_status",
            "publish_check",
            "publish_upload",
        ]));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build failed: {error:#}");
    }
}
