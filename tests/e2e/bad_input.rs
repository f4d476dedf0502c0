//! Bad project inputs: each gets a precise error (file, line, field) and no
//! artifact is written.

use crate::support::*;

/// A minimal valid project with `body` as its pyproject.toml.
fn project_with(body: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, project) = fixture("single");
    write(&project.join("pyproject.toml"), body);
    (tmp, project)
}

const GOOD_HEAD: &str = "[project]\nname = \"tinymod\"\nversion = \"2.0.1\"\n";

/// Build, expect exit 1 with every `needles` in stderr, and no dist/.
fn assert_rejected(body: &str, needles: &[&str]) {
    let (_tmp, project) = project_with(body);
    let out = run(gradient().arg("build").arg(&project));
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected a build error for:\n{body}\nstderr: {err}"
    );
    for needle in needles {
        assert!(
            err.contains(needle),
            "stderr lacks `{needle}` for:\n{body}\nstderr: {err}"
        );
    }
    assert!(
        !project.join("dist").exists(),
        "no artifact may be written:\n{body}"
    );
}

#[test]
fn malformed_toml() {
    assert_rejected(
        "[project]\nname = \"tinymod\"\nversion = 2.0.1\"\n",
        &["pyproject.toml:3"],
    );
}

#[test]
fn invalid_name() {
    assert_rejected(
        "[project]\nname = \"-tiny mod\"\nversion = \"1.0\"\n",
        &["pyproject.toml:2", "project.name"],
    );
}

#[test]
fn invalid_version() {
    assert_rejected(
        "[project]\nname = \"tinymod\"\nversion = \"1.0-beta-x\"\n",
        &["pyproject.toml:3", "project.version", "PEP 440"],
    );
}

#[test]
fn bad_requirement() {
    assert_rejected(
        &format!("{GOOD_HEAD}dependencies = [\n  \"click>=8\",\n  \"requests >>= 2\",\n]\n"),
        &["pyproject.toml:6", "project.dependencies[1]"],
    );
}

#[test]
fn missing_readme() {
    assert_rejected(
        &format!("{GOOD_HEAD}readme = \"MISSING.md\"\n"),
        &["pyproject.toml:4", "project.readme", "MISSING.md"],
    );
}

#[test]
fn missing_license_file() {
    assert_rejected(
        &format!("{GOOD_HEAD}license = \"MIT\"\nlicense-files = [\"LICENSE.txt\"]\n"),
        &["pyproject.toml:5", "project.license-files", "LICENSE.txt"],
    );
    assert_rejected(
        &format!("{GOOD_HEAD}license = {{ file = \"COPYING\" }}\n"),
        &["pyproject.toml:4", "project.license", "COPYING"],
    );
}

#[test]
fn unknown_dynamic_field() {
    assert_rejected(
        "[project]\nname = \"tinymod\"\nversion = \"1.0\"\ndynamic = [\"dependencies\"]\n",
        &["pyproject.toml:4", "project.dynamic", "dependencies"],
    );
}

#[test]
fn unsafe_include_glob() {
    assert_rejected(
        &format!("{GOOD_HEAD}\n[tool.gradient]\ninclude = [\"../secrets/*\"]\n"),
        &["pyproject.toml:6", "tool.gradient.include[0]", ".."],
    );
}

#[test]
fn invalid_license_expression() {
    assert_rejected(
        &format!("{GOOD_HEAD}license = \"MIT OR OR GPL\"\n"),
        &["pyproject.toml:4", "project.license"],
    );
}

#[test]
fn missing_module() {
    let (_tmp, project) = project_with(GOOD_HEAD);
    std::fs::remove_file(project.join("tinymod.py")).expect("rm");
    let out = run(gradient().arg("build").arg(&project));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("tinymod") && err.contains("module-name"),
        "{err}"
    );
    assert!(!project.join("dist").exists());
}

#[test]
fn json_errors_are_structured() {
    let (_tmp, project) = project_with("[project]\nname = \"tinymod\"\nversion = \"x.y\"\n");
    let out = run(gradient().arg("build").arg(&project).arg("--json"));
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON error");
    assert_eq!(value["error"]["line"], 3);
    assert_eq!(value["error"]["field"], "project.version");
    assert!(value["error"]["file"]
        .as_str()
        .expect("file")
        .ends_with("pyproject.toml"));
}
