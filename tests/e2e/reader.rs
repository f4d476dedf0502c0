//! The native reader accepts what the specifications allow: a flit-style
//! project (its module named in `[tool.flit.module]`, PEP 794 import names,
//! a console script with extras) built with `--native`, installed by pip and
//! run; its unpacked sdist rebuilt with the version only PKG-INFO holds.

use crate::support::*;
use serde_json::Value;
use std::io::Read;
use std::path::Path;

const PYPROJECT: &str = r#"[build-system]
requires = ["flit_core >=3.11,<4"]
build-backend = "flit_core.buildapi"

[project]
name = "Fancy-Greeter"
dynamic = ["version"]
description = "Greets, in colour when asked"
readme = "README.md"
requires-python = ">=3.8"
import-names = ["fancy", "_fancy_styles ; private"]

[project.optional-dependencies]
color = []

[project.scripts]
fancy-greet = "fancy.cli:main [color]"

[project.entry-points."fancy.styles"]
plain = "_fancy_styles:plain"

[tool.flit.module]
name = "fancy"
"#;

fn flit_project(dir: &Path) {
    write(&dir.join("pyproject.toml"), PYPROJECT);
    write(&dir.join("README.md"), "# Fancy greeter\n\nSays hello.\n");
    write(
        &dir.join("fancy/__init__.py"),
        "\"\"\"Greets.\"\"\"\n__version__ = \"1.4.0\"\n",
    );
    write(
        &dir.join("fancy/cli.py"),
        "import sys\n\n\ndef main():\n    print(f\"Hello, {' '.join(sys.argv[1:]) or 'world'}!\")\n    return 0\n",
    );
}

/// A member of the wheel, as text.
fn member(wheel: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).expect("wheel")).expect("zip");
    let mut text = String::new();
    zip.by_name(name)
        .expect("member")
        .read_to_string(&mut text)
        .expect("utf-8");
    text
}

fn notes(report: &Value) -> String {
    report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn reader_builds_a_flit_style_project_natively_and_pip_runs_its_script() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("fancy-greeter");
    flit_project(&project);
    // The native preview shows the same warnings before anything is built.
    let preview = run(gradient()
        .arg("preview")
        .arg(&project)
        .args(["--format", "wheel", "--native"]));
    assert!(preview.status.success(), "{}", stderr(&preview));
    let shown = stderr(&preview);
    assert!(
        shown.contains("project.scripts.fancy-greet: extras on an entry point are deprecated"),
        "{shown}"
    );
    assert!(
        stdout(&preview).contains("fancy/cli.py"),
        "{}",
        stdout(&preview)
    );

    let report = build_json(&project, &tmp.path().join("dist"), &["--native"]);
    let notes = notes(&report);
    assert!(notes.contains("flit_core.buildapi"), "{notes}");
    assert!(
        notes.contains("project.scripts.fancy-greet: extras on an entry point are deprecated"),
        "the deprecated extras are a warning naming the field: {notes}"
    );
    assert!(
        notes.contains("`_fancy_styles` is listed but the wheel has no such module"),
        "import names are checked against the wheel: {notes}"
    );

    let wheel = artifact(&report, "wheel");
    assert_eq!(
        wheel.file_name().and_then(|n| n.to_str()),
        Some("fancy_greeter-1.4.0-py3-none-any.whl")
    );
    let verdict = judge(
        "wheel",
        &wheel,
        &[
            "--import",
            "fancy",
            "--script",
            "fancy-greet",
            "flit",
            "users",
        ],
        "",
    );
    assert_checks(
        &verdict,
        &[
            "zipfile",
            "metadata",
            "twine",
            "check_wheel_contents",
            "pip_install",
            "installer",
            "pip_import",
            "installer_import",
        ],
    );
    assert_eq!(
        verdict["pip_script"]["code"], 0,
        "{}",
        verdict["pip_script"]
    );
    assert_eq!(verdict["pip_script"]["stdout"], "Hello, flit users!\n");
    let detail = verdict["metadata"]["detail"].as_str().unwrap_or_default();
    assert!(detail.ends_with("metadata 2.5"), "{detail}");

    let info = "fancy_greeter-1.4.0.dist-info";
    let metadata = member(&wheel, &format!("{info}/METADATA"));
    assert!(
        metadata.contains("Import-Name: fancy\nImport-Name: _fancy_styles; private\n"),
        "{metadata}"
    );
    let entry_points = member(&wheel, &format!("{info}/entry_points.txt"));
    assert!(
        entry_points.contains("fancy-greet = fancy.cli:main [color]\n"),
        "written as given: {entry_points}"
    );

    // Gradient's own inspector reads metadata 2.5 and finds nothing wrong.
    assert_verifies_cleanly(&wheel);
    assert_verifies_cleanly(&artifact(&report, "sdist"));

    // The sdist, unpacked, rebuilt with the version only its PKG-INFO
    // holds (as a VCS-versioned project's sdist has it).
    let unpacked = unpack(&artifact(&report, "sdist"), &tmp.path().join("unpacked"));
    write(&unpacked.join("fancy/__init__.py"), "\"\"\"Greets.\"\"\"\n");
    let report = build_json(
        &unpacked,
        &tmp.path().join("again"),
        &["--native", "--format", "wheel"],
    );
    let again = artifact(&report, "wheel");
    assert_eq!(
        again.file_name().and_then(|n| n.to_str()),
        Some("fancy_greeter-1.4.0-py3-none-any.whl"),
        "the version comes from PKG-INFO"
    );
    let verdict = judge("wheel", &again, &["--import", "fancy"], "");
    assert_checks(
        &verdict,
        &["metadata", "twine", "pip_install", "pip_import"],
    );
}

/// Application formats run the script's object, extras left out: the
/// zipapp's bootstrap imports `fancy.cli:main`.
#[test]
fn reader_zipapp_runs_a_script_declared_with_extras() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("fancy-greeter");
    flit_project(&project);
    let empty = tempfile::tempdir().expect("tempdir");
    let python = python();
    let report = build_json(
        &project,
        &tmp.path().join("dist"),
        &[
            "--native",
            "--format",
            "zipapp",
            "--python",
            &python,
            "--wheelhouse",
            &empty.path().display().to_string(),
        ],
    );
    let pyz = artifact(&report, "zipapp");
    let ran = run(std::process::Command::new(&python)
        .arg(&pyz)
        .arg("zip")
        .env("GRADIENT_ZIPAPP_CACHE", tmp.path().join("cache")));
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert_eq!(stdout(&ran), "Hello, zip!\n");
}
