//! The studio makes a Debian package: deb chosen among the formats, the
//! preview showing the installed tree with a reason per path and the control
//! file as it will be, the build, then the inspector reading the package it
//! made (md5sums verified, the Python application inside).

use super::fixture_app;
use crate::driver::Studio;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Wait up to `secs` until `css` shows `needle` (packaging a runtime takes
/// longer than the driver's usual wait in a debug build).
pub(crate) async fn wait_long(studio: &Studio, css: &str, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let texts = studio.cells(css).await;
        if let Some(t) = texts.iter().find(|t| t.contains(needle)) {
            return t.clone();
        }
        if Instant::now() > deadline {
            studio.screenshot("timeout").await;
            panic!("`{css}` never showed `{needle}` (saw {texts:?})");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn previews_builds_and_inspects_a_debian_package() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = fixture_app(
        work.path(),
        "\n[tool.gradient.deb]\nmaintainer = \"Studio Tests <studio@example.org>\"\n",
    );
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#artifact-name", "greet-1.2.0").await;
    studio.click("button[data-format='deb']").await;
    wait_long(&studio, "#artifact-name", "greet_1.2.0-1_amd64.deb", 120).await;

    // The installed tree, each path with why it is there.
    let reasons = studio.cells("#entries tbody td.reason").await;
    assert!(
        reasons.iter().any(|r| r == "runs greet.cli:main"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("copyright")),
        "{reasons:?}"
    );
    let dirs = studio.cells("#entries tbody td.dirname").await;
    assert!(dirs.iter().any(|d| d.contains("usr/bin")), "{dirs:?}");
    // The control file as it will be.
    let control = studio.wait_text("#deb-control", "Package: greet").await;
    assert!(control.contains("Version: 1.2.0-1"), "{control}");
    assert!(
        control.contains("Maintainer: Studio Tests <studio@example.org>"),
        "{control}"
    );
    assert!(control.contains("Depends: libc6 (>= 2."), "{control}");
    assert!(control.contains("DEBIAN/postinst"), "{control}");
    studio.wait_text("#cli-command", "--format deb").await;
    studio.screenshot("deb-preview").await;

    studio.click("#build").await;
    let path = wait_long(&studio, "#result-path", ".deb", 300).await;
    assert_eq!(
        PathBuf::from(&path),
        project.join("dist/greet_1.2.0-1_amd64.deb")
    );

    studio.click("#inspect-result").await;
    wait_long(&studio, "#report-verdict", "verifies", 60).await;
    let facts = studio.facts().await;
    let value = |label: &str| crate::driver::fact(&facts, label);
    assert_eq!(
        [value("Package"), value("Version"), value("Architecture")],
        ["greet", "1.2.0-1", "amd64"]
    );
    let md5sums = value("md5sums");
    let counts: Vec<&str> = md5sums.split(", ").collect();
    assert_eq!(counts.get(2), Some(&"0 problems"), "{md5sums}");
    assert_eq!(
        counts[0].replace(" listed", ""),
        counts[1].replace(" verified", ""),
        "{md5sums}"
    );
    assert!(
        value("python application (bundled layout)")
            .starts_with("runs on /usr/lib/greet/python/bin/python3."),
        "{facts:?}"
    );
    let files = studio.cells("#files tbody td.path").await;
    assert!(
        files.iter().any(|f| f.ends_with("usr/bin/greet")),
        "{files:?}"
    );
    studio.screenshot("deb-inspect").await;
    studio.close().await;
}
