//! The studio makes a container image: oci chosen among the formats, the
//! preview listing every file with the layer it is in, the build writing the
//! layout and both archives, then the inspector verifying every digest.

use super::{deps_dir, fixture_app};
use crate::driver::Studio;
use std::path::PathBuf;

/// The container base's .deb files (made by scripts/deps.sh --oci-debs).
pub(crate) fn oci_debs() -> PathBuf {
    deps_dir("GRADIENT_OCI_DEBS", "--print-oci-debs")
}

#[tokio::test(flavor = "multi_thread")]
async fn previews_the_layers_of_a_container_image_builds_and_inspects_it() {
    let work = tempfile::tempdir().expect("tempdir");
    let extra = format!(
        "\n[tool.gradient.oci]\nbase = {:?}\ntag = \"greet:studio\"\nports = [\"8000\"]\n",
        oci_debs().display().to_string()
    );
    let project = fixture_app(work.path(), &extra);
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#artifact-name", "greet-1.2.0").await;
    studio.click("button[data-format='oci']").await;
    // The image preview has replaced the first format's.
    let summary = studio.wait_text("#plan-summary", "project layer:").await;
    // The preview lists the image's files with the layer each is in.
    let paths = studio.wait_any("#entries tbody td.path", "cli.py").await;
    assert!(paths.iter().any(|p| p.contains("_speedups")), "{paths:?}");
    let reasons = studio.cells("#entries tbody td.reason").await;
    for layer in ["runtime layer", "dependencies layer", "project layer"] {
        assert!(reasons.iter().any(|r| r == layer), "{layer}: {reasons:?}");
    }
    assert!(summary.contains("greet:studio on base"), "{summary}");
    assert!(summary.contains("runtime layer:"), "{summary}");
    studio.screenshot("oci-preview").await;

    studio.click("#build").await;
    let path = studio.wait_text("#result-path", "-oci").await;
    assert_eq!(PathBuf::from(&path), project.join("dist/greet-1.2.0-oci"));
    assert!(project.join("dist/greet-1.2.0.oci.tar").is_file());
    assert!(project.join("dist/greet-1.2.0.docker.tar").is_file());

    // The inspector reads the image back: every digest verified, non-root.
    studio.click("#inspect-result").await;
    studio
        .wait_text("#report-verdict", "verifies: 0 errors")
        .await;
    let facts = studio.facts().await;
    let user: Vec<&str> = facts
        .iter()
        .filter(|(l, _)| l == "user")
        .map(|(_, v)| v.as_str())
        .collect();
    // A non-root user: no "RUNS AS ROOT" after it.
    assert_eq!(user, ["65532:65532"], "{facts:?}");
    assert_eq!(
        facts
            .iter()
            .filter(|(l, v)| l.starts_with("layer ") && v.contains("digest and diff_id verified"))
            .count(),
        4,
        "{facts:?}"
    );
    let files = studio.cells("#files tbody td.path").await;
    assert!(
        files.iter().any(|f| f.ends_with("greet/cli.py")),
        "{files:?}"
    );
    studio.screenshot("oci-inspect").await;
    studio.close().await;
}
