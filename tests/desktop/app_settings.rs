//! The application settings form and the size picture: zipapp chosen, its
//! composition shown by origin, a bad entry point refused next to its
//! field, a good one saved into pyproject.toml (the rest of the file kept)
//! and the preview following it.

use super::fixture_app;
use crate::driver::Studio;
use crate::publish::fill;
use std::path::Path;
use std::time::Duration;

/// pyproject.toml once it differs from `before` (the save is asynchronous).
pub(crate) async fn changed_pyproject(project: &Path, before: &str) -> String {
    let file = project.join("pyproject.toml");
    for _ in 0..100 {
        let now = std::fs::read_to_string(&file).expect("read");
        if now != before {
            return now;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("pyproject.toml was not saved");
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_the_app_settings_and_shows_what_makes_a_zipapp_big() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = fixture_app(work.path(), "# built offline\n");
    let original = std::fs::read_to_string(project.join("pyproject.toml")).expect("read");
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#artifact-name", "greet-1.2.0").await;
    studio.click("button[data-format='zipapp']").await;
    studio.wait_text("#artifact-name", ".pyz").await;
    studio.wait_text("#plan-summary", "runs greet").await;

    // The size picture: each distribution of the closure, the project's
    // own code, and the bootstrap; a zipapp carries no runtime.
    let labels = studio
        .wait_any("#composition-bars .comp-label", "rich")
        .await;
    for group in ["click", "rich", "Application code"] {
        assert!(labels.iter().any(|l| l == group), "{group}: {labels:?}");
    }
    assert!(
        !labels.iter().any(|l| l.starts_with("Runtime")),
        "{labels:?}"
    );
    let sizes = studio.cells("#composition-bars .comp-size").await;
    assert_eq!(sizes.len(), labels.len());
    // The form shows what pyproject.toml says, the shebang too for a zipapp.
    assert!(studio.visible("#app-shebang").await);
    let wheelhouse = studio
        .client
        .find(fantoccini::Locator::Css("#app-wheelhouse"))
        .await;
    let wheelhouse = wheelhouse
        .expect("field")
        .prop("value")
        .await
        .expect("value");
    assert!(wheelhouse.is_some_and(|w| w.ends_with("/host")));
    // The picture in view for the screenshot.
    studio.scroll_to("composition").await;
    studio.screenshot("app-settings-size-picture").await;

    // A bad entry point is refused next to its field, the file untouched.
    fill(&studio, "#app-entry", "run me").await;
    studio.click("#save-app-settings").await;
    studio
        .wait_text("#app-error-entry", "console script name")
        .await;
    let unchanged = std::fs::read_to_string(project.join("pyproject.toml")).expect("read");
    assert_eq!(unchanged, original);

    // A good one is written into [tool.gradient.app]; nothing else moves,
    // and the preview runs it.
    fill(&studio, "#app-entry", "greet.cli:main").await;
    studio.click("#save-app-settings").await;
    let saved = changed_pyproject(&project, &original).await;
    let expected = original.replace(
        "]\n# built offline\n",
        "]\nentry = \"greet.cli:main\"\n# built offline\n",
    );
    assert_eq!(saved, expected);
    studio
        .wait_text("#plan-summary", "runs greet.cli:main")
        .await;
    assert!(!studio.visible("#app-error-entry").await);
    studio.screenshot("app-settings-saved").await;
    studio.close().await;
}
