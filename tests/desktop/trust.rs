//! Workspace trust: opening a project whose settings name a program inside
//! it runs nothing; the zipapp preview says why and offers the choice; once
//! the person trusts the project the program runs, and the choice is
//! remembered for that folder.

use super::{app_wheels, copy_tree, Studio};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The fixture application whose `[tool.gradient.app] python` is a program
/// in the project that leaves `marker` behind, then runs python3.
fn project_naming_a_program(work: &Path, marker: &Path) -> PathBuf {
    let project = work.join("app");
    copy_tree(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/app"),
        &project,
    );
    let tool = project.join("tools/python");
    std::fs::create_dir_all(tool.parent().expect("parent")).expect("mkdir");
    std::fs::write(
        &tool,
        format!(
            "#!/bin/sh\necho ran >> {}\nexec python3 \"$@\"\n",
            marker.display()
        ),
    )
    .expect("write");
    std::fs::set_permissions(&tool, std::os::unix::fs::PermissionsExt::from_mode(0o755))
        .expect("chmod");
    let pyproject = std::fs::read_to_string(project.join("pyproject.toml")).expect("read");
    std::fs::write(
        project.join("pyproject.toml"),
        format!(
            "{pyproject}\n[tool.gradient.app]\npython = \"./tools/python\"\nwheelhouse = [{:?}]\n",
            app_wheels().display().to_string()
        ),
    )
    .expect("write");
    project
}

#[tokio::test(flavor = "multi_thread")]
async fn a_program_the_project_names_runs_only_once_the_project_is_trusted() {
    let work = tempfile::tempdir().expect("tempdir");
    let marker = work.path().join("program-ran");
    let project = project_naming_a_program(work.path(), &marker);
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#artifact-name", "greet-1.2.0").await;
    let banner = studio.wait_text("#trust-text", "./tools/python").await;
    assert!(banner.contains("[tool.gradient.app] python"), "{banner}");
    assert!(studio.visible("#trust-project").await);

    // The zipapp preview needs the interpreter: it says so and runs nothing.
    studio.click("button[data-format='zipapp']").await;
    let error = studio.wait_text("#error-text", "trust").await;
    assert!(error.contains("./tools/python"), "{error}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !marker.exists(),
        "the project's program ran before it was trusted"
    );
    studio.screenshot("trust-asked").await;

    // Trusted: the preview runs the program and shows the archive.
    studio.click("#trust-project").await;
    studio.wait_text("#artifact-name", "greet-1.2.0.pyz").await;
    assert!(marker.exists(), "the trusted project's program ran");
    assert!(!studio.visible("#trust").await, "the banner is gone");
    assert!(!studio.visible("#error").await, "the error is gone");
    studio.screenshot("trust-granted").await;

    // Remembered for this folder, in the app's config directory.
    let remembered = find(studio.config_dir(), "trusted.json").expect("trusted.json");
    let list: Vec<String> =
        serde_json::from_slice(&std::fs::read(remembered).expect("read")).expect("json");
    let canonical = project.canonicalize().expect("canonical");
    assert_eq!(list, vec![canonical.display().to_string()]);
    studio.close().await;
}

fn find(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == name) {
            return Some(path);
        }
        if path.is_dir() {
            if let Some(found) = find(&path, name) {
                return Some(found);
            }
        }
    }
    None
}
