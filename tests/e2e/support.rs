//! Shared helpers: the `gradient` binary, fixture copies, the oracle venv.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn gradient() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gradient"))
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh copy of `tests/fixtures/NAME` in a temporary directory, so builds
/// (which write PROJECT/dist) never touch the checkout.
pub fn fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dest = tmp.path().join(name);
    copy_tree(&repo_root().join("tests/fixtures").join(name), &dest);
    (tmp, dest)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read fixture") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

pub fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// Run a command, returning its output; panics only if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("command starts")
}

/// Run a command with `input` on its standard input; panics only if it
/// cannot start.
pub fn run_with_stdin(cmd: &mut Command, input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("wait")
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `gradient build PROJECT --json --out OUT [extra]`, asserting success;
/// returns the JSON report.
pub fn build_json(project: &Path, out_dir: &Path, extra: &[&str]) -> Value {
    build_json_env(project, out_dir, extra, &[])
}

/// [`build_json`] with extra environment variables.
pub fn build_json_env(
    project: &Path,
    out_dir: &Path,
    extra: &[&str],
    env: &[(&str, &Path)],
) -> Value {
    let out = run(gradient()
        .arg("build")
        .arg(project)
        .arg("--json")
        .arg("--out")
        .arg(out_dir)
        .args(extra)
        .envs(env.iter().copied()));
    assert!(out.status.success(), "build failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("build --json prints JSON")
}

/// The artifact path of `format` in a build report.
pub fn artifact(report: &Value, format: &str) -> PathBuf {
    let found = report["artifacts"]
        .as_array()
        .expect("artifacts array")
        .iter()
        .find(|a| a["format"] == format)
        .unwrap_or_else(|| panic!("no {format} in {report}"));
    PathBuf::from(found["path"].as_str().expect("path"))
}

/// The interpreter of the oracle venv (made by scripts/deps.sh).
pub fn oracle_python() -> PathBuf {
    let path = std::env::var_os("GRADIENT_ORACLE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let cache = std::env::var_os("GRADIENT_CACHE")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(std::env::var_os("HOME").expect("HOME"))
                        .join(".cache/gradient-studio")
                });
            cache.join("oracle-venv/bin/python")
        });
    assert!(
        path.exists(),
        "the oracle venv is missing ({}): run ./scripts/test, or scripts/deps.sh, to create it",
        path.display()
    );
    path
}

/// Judge an artifact with tests/oracle/judge.py; returns its JSON verdicts.
pub fn judge(kind: &str, artifact: &Path, extra: &[&str], stdin: &str) -> Value {
    let mut cmd = Command::new(oracle_python());
    cmd.arg(repo_root().join("tests/oracle/judge.py"))
        .arg(kind)
        .arg(artifact)
        .arg("--stdin")
        .arg(stdin)
        .args(extra);
    let out = run(&mut cmd);
    assert!(out.status.success(), "judge.py failed: {}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("judge prints JSON")
}

/// Assert that every named check of a verdict passed, showing its detail if not.
pub fn assert_checks(verdict: &Value, checks: &[&str]) {
    for check in checks {
        let v = &verdict[*check];
        assert_eq!(
            v["ok"],
            Value::Bool(true),
            "{check} failed: {}",
            v["detail"]
        );
    }
}

/// The fixture application's wheelhouses (made by scripts/deps.sh): `host`
/// for the python3 on PATH, `other` for another CPython version.
pub fn app_wheels(which: &str) -> PathBuf {
    let dir = std::env::var_os("GRADIENT_APP_WHEELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let out = run(Command::new("bash")
                .arg(repo_root().join("scripts/deps.sh"))
                .arg("--print-app-wheels"));
            PathBuf::from(stdout(&out).trim())
        });
    assert!(
        dir.join(".complete").exists(),
        "the test wheelhouses are missing ({}): run ./scripts/test, or scripts/deps.sh, to fetch them",
        dir.display()
    );
    dir.join(which)
}

/// Start every command at once (first runs racing for one cache), then
/// collect their outputs in order.
pub fn run_concurrently(commands: impl IntoIterator<Item = Command>) -> Vec<Output> {
    use std::process::Stdio;
    let children: Vec<_> = commands
        .into_iter()
        .map(|mut cmd| {
            cmd.stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("command starts")
        })
        .collect();
    children
        .into_iter()
        .map(|c| c.wait_with_output().expect("wait"))
        .collect()
}

/// The real interpreter behind `python3` (not a version manager's shim).
pub fn python() -> String {
    let out = run(Command::new("python3").args(["-c", "import sys; print(sys.executable)"]));
    stdout(&out).trim().to_string()
}

/// Downloads from PyPI, kept between runs.
pub fn download_cache() -> PathBuf {
    std::env::var_os("GRADIENT_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/gradient-studio")
        })
        .join("pypi-releases")
}

/// The sdist of `name==version` from PyPI (for projects with compiled
/// code, which publish no pure wheel), downloaded once.
pub fn pypi_sdist(name: &str, version: &str) -> PathBuf {
    let out = run(Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/pypi_fetch.py"))
        .arg(download_cache())
        .args([name, version, "--sdist-only"]));
    assert!(
        out.status.success(),
        "fetching {name} {version}: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    PathBuf::from(v["sdist"].as_str().expect("sdist path"))
}

/// `gradient inspect FILE` in its human form ends with a clean verdict.
pub fn assert_verifies_cleanly(file: &Path) {
    let out = run(gradient().arg("inspect").arg(file));
    assert!(
        stdout(&out)
            .trim_end()
            .ends_with("verifies: 0 errors, 0 warnings"),
        "{}",
        stdout(&out)
    );
}

/// Unpack an sdist; its one top directory.
pub fn unpack(sdist: &Path, into: &Path) -> PathBuf {
    let file = std::fs::File::open(sdist).unwrap();
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    // Fresh times, as an unpacked download has: the tar crate does not read
    // the fractional pax times Python's tarfile writes.
    archive.set_preserve_mtime(false);
    archive.unpack(into).unwrap();
    let mut tops: Vec<_> = std::fs::read_dir(into)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(tops.len(), 1, "{tops:?}");
    tops.remove(0)
}
