//! A project whose `[build-system]` names another backend is built by that
//! backend, as `python -m build` would: once the person trusts the project
//! (building runs its code), the studio builds the sdist and the wheel in
//! an isolated environment and the backend's own output streams into the
//! log as it prints it.

use super::Studio;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A flit project with an in-tree backend (PEP 517 `backend-path`) that
/// wraps flit_core and says which hook runs, on standard error.
fn project_with_its_own_backend(work: &Path) -> PathBuf {
    let project = work.join("hello-backend");
    let files = [
        (
            "pyproject.toml",
            "[build-system]\nrequires = [\"flit_core>=3.2,<4\"]\nbuild-backend = \"wrapped\"\nbackend-path = [\"_backend\"]\n\n[project]\nname = \"hello-backend\"\nversion = \"0.3.0\"\ndescription = \"Built by its own backend\"\n\n[tool.flit.module]\nname = \"hello_backend\"\n\n[tool.flit.sdist]\ninclude = [\"_backend/\"]\n",
        ),
        ("hello_backend/__init__.py", "GREETING = \"hello\"\n"),
        (
            "_backend/wrapped.py",
            "import sys\nfrom flit_core import buildapi\nfrom flit_core.buildapi import *  # noqa: F401,F403\n\n\ndef build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n    print(\"wrapped backend: building the wheel\", file=sys.stderr, flush=True)\n    # As setuptools-scm and hatch-vcs do: a version file written into the tree.\n    with open(\"hello_backend/_version.py\", \"w\") as f:\n        f.write(\"version = '0.3.0'\\n\")\n    with open(\"../builds.log\", \"a\") as log:\n        log.write(\"built\\n\")\n    return buildapi.build_wheel(wheel_directory, config_settings, metadata_directory)\n",
        ),
    ];
    for (path, text) in files {
        let path = project.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    project
}

#[tokio::test(flavor = "multi_thread")]
async fn builds_a_project_with_its_own_backend_streaming_the_backends_output() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = project_with_its_own_backend(work.path());
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#project-name", "hello-backend").await;
    let backend = studio.wait_text("#backend", "wrapped").await;
    assert_eq!(backend, "wrapped");
    assert!(
        studio.visible("#native-row").await,
        "building natively is offered"
    );

    // Building runs the project's backend: the banner names it, and a build
    // is refused until the person trusts the project.
    let banner = studio
        .wait_text("#trust-text", "wrapped ([build-system] build-backend)")
        .await;
    assert!(banner.contains("until you trust the project"), "{banner}");
    studio.click("#build").await;
    studio
        .wait_text("#error-text", "build backend `wrapped`")
        .await;
    // Untrusted, the preview is Gradient's reading of the project, saying
    // that the backend decides.
    studio
        .wait_text("#plan-summary", "runs the project's backend `wrapped`")
        .await;
    studio
        .wait_text("#plan-summary", "Trust the project to see the archive")
        .await;
    assert!(
        !studio.visible("#built-by").await,
        "not the backend's archive"
    );
    studio.click("#trust-project").await;
    // Trusted, the preview is the wheel the backend writes, marked as such
    // (flit tags a project that does not exclude Python 2 as universal).
    let wheel = "hello_backend-0.3.0-py2.py3-none-any.whl";
    studio
        .wait_text_within("#artifact-name", wheel, Duration::from_secs(240))
        .await;
    assert!(!studio.visible("#trust").await, "the banner is gone");
    let marked = studio.wait_text("#built-by", "built by wrapped").await;
    assert_eq!(marked, "built by wrapped");
    studio.wait_text("#entries", "written by wrapped").await;
    // An edit is built again in the background and the preview follows.
    std::fs::write(project.join("hello_backend/extra.py"), "EXTRA = 1\n").expect("write");
    studio
        .wait_text_within(
            "#entries",
            "hello_backend/extra.py",
            Duration::from_secs(120),
        )
        .await;
    studio.screenshot("frontend-preview").await;
    // The backend writes into the tree while it builds the preview; that is
    // not an edit, so the preview does not start the next one.
    let builds = || {
        std::fs::read_to_string(work.path().join("builds.log"))
            .map(|t| t.lines().count())
            .unwrap_or(0)
    };
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = builds();
    assert!(
        settled >= 2,
        "the preview was built by the backend: {settled}"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(builds(), settled, "each preview started another");
    studio.click("#build").await;
    let built = Duration::from_secs(240);
    let path = studio.wait_text_within("#result-path", wheel, built).await;
    assert!(PathBuf::from(&path).is_file(), "{path}");
    studio.click("#log-box summary").await;
    let log = studio
        .wait_text("#log", "| wrapped backend: building the wheel")
        .await;
    assert!(log.contains("build wheel of hello-backend 0.3.0"), "{log}");
    studio.screenshot("frontend-build").await;
    studio.close().await;
}
