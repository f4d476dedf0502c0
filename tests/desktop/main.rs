//! The desktop studio driven as a person uses it: the real window under Xvfb,
//! through WebDriver (WebKitWebDriver, the WebKitGTK driver Tauri's webview
//! speaks), with screenshots of what was seen.

mod driver;

use driver::Studio;
use fantoccini::Locator;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread")]
async fn opens_the_example_project_and_previews_the_wheel() {
    let studio = Studio::launch(&[]).await;
    let client = &studio.client;

    let name = studio.wait_text("#project-name", "gradient-example").await;
    assert_eq!(name, "gradient-example");
    let version = client
        .find(Locator::Css("#project-version"))
        .await
        .expect("version")
        .text()
        .await
        .expect("text");
    assert_eq!(version, "0.1.0");

    // The default format is the wheel; its preview lists the package files
    // with the rule that included each.
    let artifact = studio
        .wait_text("#artifact-name", "gradient_example-0.1.0-py3-none-any.whl")
        .await;
    assert_eq!(artifact, "gradient_example-0.1.0-py3-none-any.whl");
    let rows = studio.cells("#entries tbody td.path").await;
    assert!(
        rows.contains(&"gradient_example/cli.py".to_string()),
        "{rows:?}"
    );
    assert!(
        rows.last()
            .is_some_and(|r| r.ends_with(".dist-info/RECORD")),
        "{rows:?}"
    );

    // Formats the engine cannot build yet are shown, disabled, with a reason.
    let deb = client
        .find(Locator::Css("button[data-format='deb']"))
        .await
        .expect("deb button");
    assert_eq!(
        deb.prop("disabled").await.expect("prop").as_deref(),
        Some("true")
    );
    studio.screenshot("wheel-preview").await;

    // Switching to the sdist shows its single top directory.
    client
        .find(Locator::Css("button[data-format='sdist']"))
        .await
        .expect("sdist")
        .click()
        .await
        .expect("click");
    studio
        .wait_text("#artifact-name", "gradient_example-0.1.0.tar.gz")
        .await;
    let rows = studio.cells("#entries tbody td.path").await;
    assert!(
        rows.iter()
            .all(|r| r.starts_with("gradient_example-0.1.0/")),
        "{rows:?}"
    );
    assert!(rows.contains(&"gradient_example-0.1.0/PKG-INFO".to_string()));
    studio.screenshot("sdist-preview").await;
    studio.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn shows_a_broken_project_error_with_file_line_and_field() {
    let dir = std::env::temp_dir().join(format!("gradient-desktop-broken-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\nname = \"broken\"\nversion = \"not a version\"\n",
    )
    .expect("write");
    let studio = Studio::launch(&[dir.to_str().expect("utf-8 path")]).await;
    let text = studio.wait_text("#error", "project.version").await;
    assert!(
        text.contains(
            "pyproject.toml:3: project.version: `not a version` is not a valid PEP 440 version"
        ),
        "{text}"
    );
    studio.screenshot("project-error").await;
    studio.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    let _ = Duration::ZERO;
}
