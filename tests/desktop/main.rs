//! The desktop studio driven as a person uses it: the real window under Xvfb,
//! through WebDriver (WebKitWebDriver, the WebKitGTK driver Tauri's webview
//! speaks), with screenshots of what was seen.

mod app_settings;
mod deb;
mod driver;
mod format_options;
mod frontend;
mod measure;
mod oci;
mod publish;
mod repair;
mod trust;

use driver::Studio;
use fantoccini::Locator;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
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
        rows.iter().any(|r| r.ends_with(".dist-info/RECORD")),
        "{rows:?}"
    );
    // Each directory of the archive heads its files, with their total.
    let dirs = studio.cells("#entries tbody tr.dir td.dirname").await;
    assert!(dirs.contains(&"gradient_example/".to_string()), "{dirs:?}");

    // Every format of the gradient is offered, none disabled.
    for format in ["sdist", "wheel", "zipapp", "exe", "deb", "oci"] {
        let button = client
            .find(Locator::Css(&format!("button[data-format='{format}']")))
            .await
            .expect("format button");
        assert_eq!(
            button.prop("disabled").await.expect("prop").as_deref(),
            Some("false"),
            "{format}"
        );
    }
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
}

#[tokio::test(flavor = "multi_thread")]
async fn walks_the_gradient_to_a_recommendation() {
    let studio = Studio::launch(&[]).await;
    studio.wait_text("#project-name", "gradient-example").await;
    studio.click("#tab-wizard").await;
    let first = studio.wait_text("#question-text", "").await;
    assert!(!first.is_empty());
    studio.screenshot("wizard-question").await;

    let prefilled = answer_until_recommendation(&studio).await;
    assert!(
        prefilled.iter().any(|p| p.contains("pyproject.toml")),
        "{prefilled:?}"
    );
    let title = studio.wait_text("#rec-title", "").await;
    assert!(!title.is_empty());
    let steps = studio.cells("#steps li").await;
    assert!(steps.len() >= 2, "{steps:?}");
    let bundled = studio.cells("#ladder li.bundled").await;
    let assumed = studio.cells("#ladder li.assumed").await;
    assert!(
        !bundled.is_empty() && !assumed.is_empty(),
        "{bundled:?} {assumed:?}"
    );
    assert!(!studio.cells("#runners-up li").await.is_empty());
    studio.screenshot("wizard-recommendation").await;

    // Change the first answer: a pure library ends on the sdist (and the
    // wheel beside it), which one click takes to building.
    studio.click("#steps li:first-child button").await;
    studio.wait_text("#question-text", &first).await;
    studio.click("#options input[value='library']").await;
    answer_until_recommendation(&studio).await;
    studio.wait_text("#rec-build", "Build the sdist").await;
    studio.click("#rec-build").await;
    assert!(studio.visible("#panel-build").await);
    studio
        .wait_text("#artifact-name", "gradient_example-0.1.0.tar.gz")
        .await;
    let pressed = studio.cells("#formats button[aria-pressed='true']").await;
    assert_eq!(pressed, ["sdist"]);
    studio.close().await;
}

/// Accept each answer as offered until the recommendation shows; returns the
/// pre-fill notes seen on the way (the answers the project settles).
async fn answer_until_recommendation(studio: &Studio) -> Vec<String> {
    let mut prefilled = Vec::new();
    for _ in 0..12 {
        if studio.visible("#recommendation").await {
            return prefilled;
        }
        if studio.visible("#question-default").await {
            prefilled.push(studio.wait_text("#question-default", "Pre-filled").await);
        }
        let question = studio.wait_text("#question-text", "").await;
        // Questions the project cannot settle wait for a choice: take the first.
        if !studio.visible("#options input:checked").await {
            studio.click("#options input").await;
        }
        studio.click("#answer").await;
        for _ in 0..50 {
            if studio.visible("#recommendation").await
                || studio.wait_text("#question-text", "").await != question
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    assert!(
        studio.visible("#recommendation").await,
        "the walk never ended"
    );
    prefilled
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let name = entry.file_name();
        if name == "dist" || name == "__pycache__" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/example")
}

#[tokio::test(flavor = "multi_thread")]
async fn builds_a_wheel_follows_edits_and_inspects_it() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = work.path().join("example");
    copy_tree(&example(), &project);
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio
        .wait_text("#artifact-name", "gradient_example-0.1.0-py3-none-any.whl")
        .await;
    let command = studio.wait_text("#cli-command", "gradient build").await;
    assert_eq!(
        command,
        format!(
            "gradient build {} --format wheel --out {}/dist",
            project.display(),
            project.display()
        )
    );

    // Options change the command; saving writes them to [tool.gradient],
    // after which CI needs no flag for them.
    let original = std::fs::read_to_string(project.join("pyproject.toml")).expect("read");
    studio.click("#opt-wheel-from-sdist").await;
    studio
        .wait_text("#cli-command", "--wheel-from-sdist false")
        .await;
    studio.click("#save-settings").await;
    let mut saved = original.clone();
    for _ in 0..100 {
        saved = std::fs::read_to_string(project.join("pyproject.toml")).expect("read");
        if saved != original {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Appended to the existing table; everything else is as it was.
    assert_eq!(saved, format!("{original}wheel-from-sdist = false\n"));
    let mut command = String::new();
    for _ in 0..100 {
        command = studio.wait_text("#cli-command", "gradient build").await;
        if !command.contains("--wheel-from-sdist") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!command.contains("--wheel-from-sdist"), "{command}");

    // Build in the background; the result names the file and its sha256.
    studio.click("#build").await;
    let path = studio.wait_text("#result-path", ".whl").await;
    let wheel = PathBuf::from(&path);
    assert_eq!(
        wheel,
        project.join("dist/gradient_example-0.1.0-py3-none-any.whl")
    );
    let bytes = std::fs::read(&wheel).expect("the wheel exists");
    let sha = studio.wait_text("#result-sha", "").await;
    assert_eq!(sha, format!("{:x}", Sha256::digest(&bytes)));
    let log = studio.client.find(Locator::Css("#log")).await.expect("log");
    let log = log
        .prop("textContent")
        .await
        .expect("prop")
        .unwrap_or_default();
    assert!(log.contains("wrote "), "{log}");
    studio.screenshot("build-result").await;

    // Edit the project on disk: the preview follows and marks what changed.
    let cli = project.join("src/gradient_example/cli.py");
    let mut text = std::fs::read_to_string(&cli).expect("read");
    text.push_str("\n# a change made while the studio watches\n");
    std::fs::write(&cli, text).expect("write");
    std::fs::write(project.join("src/gradient_example/extra.py"), "X = 1\n").expect("write");
    let changed = studio
        .wait_any(
            "#entries tbody tr.changed td.path",
            "gradient_example/cli.py",
        )
        .await;
    // RECORD grows with the new file; untouched modules stay unmarked.
    assert!(
        !changed.iter().any(|c| c.ends_with("__init__.py")),
        "{changed:?}"
    );
    let added = studio
        .wait_any(
            "#entries tbody tr.added td.path",
            "gradient_example/extra.py",
        )
        .await;
    assert_eq!(added, ["gradient_example/extra.py"]);
    studio.screenshot("preview-changed").await;

    // Inspect the wheel just built: it verifies, with its RECORD checked.
    studio.click("#inspect-result").await;
    studio
        .wait_text("#report-verdict", "verifies: 0 errors")
        .await;
    let facts = studio.facts().await;
    let fact = |label: &str, value: &str| (label.to_string(), value.to_string());
    assert!(facts.contains(&fact("tags", "py3-none-any")), "{facts:?}");
    assert!(
        facts.contains(&fact("RECORD", "9 rows, 8 verified, 0 problems")),
        "{facts:?}"
    );
    let files = studio.cells("#files tbody td.path").await;
    assert!(
        files.contains(&"gradient_example/cli.py".to_string()),
        "{files:?}"
    );
    studio.screenshot("inspect-wheel").await;

    // Forge a wheel whose RECORD lies: the inspector lists the finding.
    let forged = work.path().join("forged");
    let status = std::process::Command::new("python3")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/forge.py"))
        .args(["wheel", &path, forged.to_str().expect("utf-8")])
        .status()
        .expect("python3 runs");
    assert!(status.success());
    studio.close().await;
    let broken = forged.join("tampered-record/gradient_example-0.1.0-py3-none-any.whl");
    let studio = Studio::launch(&[
        project.to_str().expect("utf-8"),
        "--inspect",
        broken.to_str().expect("utf-8"),
    ])
    .await;
    studio.wait_text("#report-verdict", "does not verify").await;
    let codes = studio.cells("#findings tbody td.code").await;
    assert!(codes.contains(&"R004".to_string()), "{codes:?}");
    let flagged = studio.cells("#files tbody tr.flag-error td.path").await;
    assert_eq!(flagged, ["gradient_example/__init__.py"]);
    studio.screenshot("inspect-findings").await;
    studio.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn dark_theme_at_1024_by_700() {
    let studio = Studio::launch_with(&[], &[("GTK_THEME", "Adwaita:dark")]).await;
    studio
        .wait_text("#artifact-name", "gradient_example-0.1.0-py3-none-any.whl")
        .await;
    studio
        .client
        .set_window_size(1024, 700)
        .await
        .expect("resize");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let probe = studio
        .client
        .execute(
            "return [getComputedStyle(document.body).backgroundColor, document.documentElement.scrollWidth <= innerWidth, innerWidth];",
            vec![],
        )
        .await
        .expect("script");
    // The dark palette is in use, and nothing needs sideways scrolling.
    assert_eq!(probe[0], "rgb(22, 26, 33)", "{probe}");
    assert_eq!(probe[1], true, "{probe}");
    studio.screenshot("dark-1024x700").await;
    studio.click("#tab-wizard").await;
    studio.wait_text("#question-text", "?").await;
    studio.screenshot("dark-wizard").await;
    studio.close().await;
}

/// The fixture application's wheelhouse for this machine's python3 (made by
/// scripts/deps.sh, like the end-to-end tests').
fn app_wheels() -> PathBuf {
    deps_dir("GRADIENT_APP_WHEELS", "--print-app-wheels").join("host")
}

/// A directory scripts/deps.sh fills: `$VAR`, else what `deps.sh FLAG` prints.
fn deps_dir(var: &str, flag: &str) -> PathBuf {
    let dir = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        let out = std::process::Command::new("bash")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/deps.sh"))
            .arg(flag)
            .output()
            .expect("deps.sh runs");
        PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
    });
    assert!(dir.join(".complete").exists(), "run scripts/deps.sh first");
    dir
}

/// A copy of the fixture application under `work`, its closure from the
/// prepared wheelhouse, with `extra` appended to its pyproject.toml.
fn fixture_app(work: &Path, extra: &str) -> PathBuf {
    let project = work.join("app");
    copy_tree(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/app"),
        &project,
    );
    let pyproject = std::fs::read_to_string(project.join("pyproject.toml")).expect("read");
    std::fs::write(
        project.join("pyproject.toml"),
        format!(
            "{pyproject}\n[tool.gradient.app]\nwheelhouse = [{:?}]\n{extra}",
            app_wheels().display().to_string()
        ),
    )
    .expect("write");
    project
}

#[tokio::test(flavor = "multi_thread")]
async fn previews_and_builds_a_zipapp_and_an_executable_from_the_projects_app_settings() {
    let work = tempfile::tempdir().expect("tempdir");
    let project = fixture_app(work.path(), "");
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    studio.wait_text("#artifact-name", "greet-1.2.0").await;
    studio.click("button[data-format='zipapp']").await;
    studio.wait_text("#artifact-name", "greet-1.2.0.pyz").await;
    // The preview is the archive: the bootstrap, the closure, the extension.
    let paths = studio
        .wait_any("#entries tbody td.path", "__main__.py")
        .await;
    assert!(paths.iter().any(|p| p.contains("_speedups")), "{paths:?}");
    let summary = studio.wait_text("#plan-summary", "7 distributions").await;
    assert!(summary.contains("runs greet"), "{summary}");
    assert!(summary.contains("wheelhouse"), "{summary}");
    let command = studio.wait_text("#cli-command", "--format zipapp").await;
    assert!(command.starts_with("gradient build"), "{command}");
    studio.screenshot("zipapp-preview").await;

    studio.click("#build").await;
    let path = studio.wait_text("#result-path", ".pyz").await;
    let pyz = PathBuf::from(&path);
    assert_eq!(pyz, project.join("dist/greet-1.2.0.pyz"));
    let cache = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new("python3")
        .arg(&pyz)
        .args(["Studio", "--html", "<i>"])
        .env("GRADIENT_ZIPAPP_CACHE", cache.path())
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello, Studio!\nescaped: &lt;i&gt;\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same settings freeze an executable with the launcher the studio
    // ships inside itself: nothing else to build or name.
    studio.click("button[data-format='exe']").await;
    assert!(
        !studio.visible("#result").await,
        "the zipapp's result is not shown as the executable's"
    );
    let paths = studio
        .wait_any("#entries tbody td.path", ".gradient/boot.py")
        .await;
    assert!(paths.iter().any(|p| p.contains("_speedups")), "{paths:?}");
    studio.screenshot("exe-preview").await;
    studio.click("#build").await;
    let exe = PathBuf::from(studio.wait_text("#result-path", "dist/greet").await);
    let out = std::process::Command::new(&exe)
        .arg("Desk")
        .env("XDG_CACHE_HOME", cache.path())
        .output()
        .expect("the executable runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Hello, Desk!\n",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The inspector shows what `gradient inspect` says of an executable:
    // its launcher and payload, what runs, what it bundles.
    studio.click("#inspect-result").await;
    deb::wait_long(&studio, "#report-verdict", "verifies", 120).await;
    let facts = studio.facts().await;
    let value = |label: &str| crate::driver::fact(&facts, label);
    assert_eq!(value("kind"), "frozen executable");
    let launcher = value("launcher");
    assert!(launcher.ends_with(" B") && launcher != "0 B", "{launcher}");
    assert!(value("payload").ends_with(" B"), "{facts:?}");
    assert_eq!(value("entry"), "greet.cli:main");
    let runs = value("runs");
    assert!(
        runs.starts_with("python3.") && runs.contains("(python/bin/python3."),
        "{runs}"
    );
    assert!(value("bundled libraries").contains("libz.so"), "{facts:?}");
    assert!(value("RECORD").ends_with(" verified"), "{facts:?}");
    studio.screenshot("exe-inspect").await;
    studio.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn publishes_a_built_wheel_to_a_loopback_index() {
    use publish::upload_servers::{Pypiserver, TOKEN};
    let server = Pypiserver::start_for("__token__");
    let work = tempfile::tempdir().expect("tempdir");
    let project = work.path().join("example");
    copy_tree(&example(), &project);
    let studio = Studio::launch(&[project.to_str().expect("utf-8")]).await;
    let wheel = "gradient_example-0.1.0-py3-none-any.whl";
    studio.wait_text("#artifact-name", wheel).await;
    studio.click("#build").await;
    studio.wait_text("#build-status", "Built.").await;

    // The Publish step: another index by URL, a token typed in, the checks.
    studio.click("#publish-open").await;
    publish::choose(&studio, "#pub-repo", "url").await;
    publish::fill(&studio, "#pub-url", &server.url).await;
    publish::fill(&studio, "#pub-token", TOKEN).await;
    let command = studio.wait_text("#pub-command", "--repository-url").await;
    assert!(
        command.ends_with(&format!("--repository-url {}", server.url)),
        "{command}"
    );
    studio.click("#pub-check").await;
    studio.wait_text("#pub-status", "Checks passed.").await;
    let checks = studio.cells("#pub-checks li").await;
    assert_eq!(checks.len(), 1, "{checks:?}");
    assert!(checks[0].contains("will be uploaded"), "{checks:?}");
    studio.screenshot("publish-checked").await;

    studio.click("#pub-go").await;
    let status = studio.wait_text("#pub-status", "Published.").await;
    assert!(status.contains(&format!("{wheel}: uploaded")), "{status}");
    let links = studio.cells("#pub-links li").await;
    assert!(
        links
            .iter()
            .any(|l| l.contains(&format!("{}packages/{wheel}", server.url))),
        "{links:?}"
    );
    assert_eq!(server.files(), [wheel]);
    let uploaded = std::fs::read(server.packages.join(wheel)).expect("stored wheel");
    let built = std::fs::read(project.join("dist").join(wheel)).expect("built wheel");
    assert_eq!(uploaded, built);
    // The token never comes back to the page.
    let page = studio.client.source().await.expect("page source");
    assert!(!page.contains(TOKEN));
    studio.screenshot("publish-done").await;
    studio.close().await;
}
