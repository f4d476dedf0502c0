//! The Debian package and image option forms: deb chosen, its section,
//! priority, layout and revision changed in the form and saved,
//! pyproject.toml changed on disk (the rest kept) and the control file
//! following; oci chosen, the base shown as saved, a bad tag refused next
//! to its field, a new base and tag saved and the image preview following.

use super::fixture_app;
use crate::app_settings::changed_pyproject;
use crate::deb::wait_long;
use crate::driver::Studio;
use crate::oci::oci_debs;
use crate::publish::{choose, fill};
use fantoccini::Locator;

/// The current value of the form control at `css`.
async fn value(studio: &Studio, css: &str) -> String {
    let control = studio.client.find(Locator::Css(css)).await.expect(css);
    control
        .prop("value")
        .await
        .expect("value")
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn edits_the_debian_package_and_image_options() {
    let work = tempfile::tempdir().expect("tempdir");
    let debs = oci_debs().display().to_string();
    let extra = format!(
        "\n[tool.gradient.deb]\nmaintainer = \"Studio Tests <studio@example.org>\"  # who answers bugs\n\n[tool.gradient.oci]\nbase = {debs:?}\n"
    );
    let project = fixture_app(work.path(), &extra);
    let pyproject = project.join("pyproject.toml");
    let original = std::fs::read_to_string(&pyproject).expect("read");
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#artifact-name", "greet-1.2.0").await;

    // Debian: the form shows the table, unset choices their default.
    studio.click("button[data-format='deb']").await;
    wait_long(&studio, "#deb-control", "Section: utils", 120).await;
    assert!(studio.visible("#deb-settings").await);
    assert!(!studio.visible("#oci-settings").await);
    assert_eq!(
        value(&studio, "#deb-maintainer").await,
        "Studio Tests <studio@example.org>"
    );
    studio
        .wait_text("#deb-compression option:checked", "default (xz)")
        .await;
    fill(&studio, "#deb-section", "net").await;
    choose(&studio, "#deb-priority", "standard").await;
    choose(&studio, "#deb-layout", "system").await;
    fill(&studio, "#deb-revision", "2").await;
    studio.click("#save-deb-settings").await;
    let saved = changed_pyproject(&project, &original).await;
    let expected = original.replace(
        "# who answers bugs\n",
        "# who answers bugs\nsection = \"net\"\npriority = \"standard\"\nlayout = \"system\"\nrevision = \"2\"\n",
    );
    assert_eq!(saved, expected);
    // The watcher re-reads the project: the preview follows the file.
    let control = wait_long(&studio, "#deb-control", "Section: net", 120).await;
    assert!(control.contains("Priority: standard"), "{control}");
    assert!(control.contains("Version: 1.2.0-2"), "{control}");
    // The system layout runs on Debian's python3, bundling none.
    assert!(control.contains("python3 (>= 3."), "{control}");
    studio
        .wait_text("#artifact-name", "greet_1.2.0-2_amd64.deb")
        .await;
    studio.screenshot("deb-options-saved").await;

    // The image: the base as saved; a bad tag refused next to its field.
    studio.click("button[data-format='oci']").await;
    studio
        .wait_text("#plan-summary", &format!("on base {debs}"))
        .await;
    assert!(!studio.visible("#deb-settings").await);
    assert_eq!(value(&studio, "#oci-base").await, debs);
    fill(&studio, "#oci-tag", "Greet:form").await;
    studio.click("#save-oci-settings").await;
    studio
        .wait_text("#oci-error-tag", "not a valid image reference")
        .await;
    assert_eq!(std::fs::read_to_string(&pyproject).expect("read"), expected);
    studio.screenshot("oci-options-refused").await;

    // Another base and a good tag: saved, and the preview describes the
    // image they make.
    let other = work.path().join("bookworm-debs");
    std::os::unix::fs::symlink(oci_debs(), &other).expect("symlink");
    let other = other.display().to_string();
    fill(&studio, "#oci-base", &other).await;
    fill(&studio, "#oci-tag", "greet:form").await;
    studio.click("#save-oci-settings").await;
    let saved = changed_pyproject(&project, &expected).await;
    assert!(
        saved.ends_with(&format!(
            "[tool.gradient.oci]\nbase = {other:?}\ntag = \"greet:form\"\n"
        )),
        "{saved}"
    );
    studio
        .wait_text("#plan-summary", &format!("greet:form on base {other}"))
        .await;
    assert!(!studio.visible("#oci-error-tag").await);
    studio.screenshot("oci-options-saved").await;
    studio.close().await;
}
