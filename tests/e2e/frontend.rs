//! `gradient build` of projects whose `[build-system]` names another
//! backend: real releases from PyPI built from their sdists with no flags,
//! compared with the wheels those projects publish and judged by the oracle
//! tools; the cached build environment reused and shared safely; clear
//! errors for a backend that cannot be resolved or crashes, a
//! `backend-path` outside the tree and a build-requirement cycle.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The same checks native wheels pass (no console script in these).
const WHEEL_CHECKS: &[&str] = &[
    "zipfile",
    "metadata",
    "twine",
    "check_wheel_contents",
    "pip_install",
    "pip_import",
];

/// METADATA fields a build must reproduce (the ones installers and indexes
/// act on); fields a newer backend writes differently (Metadata-Version,
/// License-File, the long description) are left out.
const FIELDS: &[&str] = &[
    "Name",
    "Version",
    "Summary",
    "Requires-Python",
    "Requires-Dist",
    "Provides-Extra",
];

/// The sdist and the published pure wheel of `name==version`.
fn release(name: &str, version: &str) -> (PathBuf, PathBuf) {
    let out = run(Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/pypi_fetch.py"))
        .arg(download_cache())
        .args([name, version]));
    assert!(
        out.status.success(),
        "fetching {name} {version}: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    (
        PathBuf::from(v["sdist"].as_str().unwrap()),
        PathBuf::from(v["wheel"].as_str().unwrap()),
    )
}

/// Files a `.dist-info` directory holds by specification; any other file
/// there is a license file.
const DIST_INFO_FILES: &[&str] = &[
    "METADATA",
    "RECORD",
    "WHEEL",
    "entry_points.txt",
    "top_level.txt",
];

/// A wheel member's path, with license files named alike wherever the
/// backend put them: PEP 639 (setuptools ≥ 77 and the others since) moved
/// them from `.dist-info/` to `.dist-info/licenses/`; which one a build gets
/// depends on the backend version resolved today, not on the frontend.
fn member(name: &str) -> String {
    let Some((dist_info, rest)) = name.split_once(".dist-info/") else {
        return name.to_string();
    };
    if DIST_INFO_FILES.contains(&rest) {
        return name.to_string();
    }
    let rest = rest.strip_prefix("licenses/").unwrap_or(rest);
    format!("{dist_info}.dist-info/license:{rest}")
}

/// File list and the chosen METADATA fields.
fn contents(wheel: &Path) -> (BTreeSet<String>, Vec<(String, String)>) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).unwrap()).unwrap();
    let names: Vec<String> = zip
        .file_names()
        .filter(|n| !n.ends_with('/'))
        .map(String::from)
        .collect();
    let meta_name = names
        .iter()
        .find(|n| n.ends_with(".dist-info/METADATA"))
        .unwrap()
        .clone();
    let files: BTreeSet<String> = names.iter().map(|n| member(n)).collect();
    let mut text = String::new();
    zip.by_name(&meta_name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    let headers = text.split("\n\n").next().unwrap_or_default();
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in headers.lines() {
        if let Some((k, v)) = line.split_once(": ") {
            if FIELDS.contains(&k) {
                // Spacing and marker quotes vary with the backend's version
                // (PEP 508 allows either quote).
                fields.push((k.to_string(), v.replace(' ', "").replace('\'', "\"")));
            }
        }
    }
    fields.sort();
    (files, fields)
}

/// `gradient build` of the unpacked sdist with no flags, into `out`.
fn build_release(name: &str, version: &str, cache: &Path) -> (Value, PathBuf, tempfile::TempDir) {
    let (sdist, published) = release(name, version);
    let tmp = tempfile::tempdir().unwrap();
    let tree = unpack(&sdist, &tmp.path().join("src"));
    let out = tmp.path().join("out");
    let report = build_json_env(&tree, &out, &[], &[("GRADIENT_CACHE_DIR", cache)]);
    (report, published, tmp)
}

/// Builds `name==version`, then compares with PyPI's wheel and judges it.
fn matches_pypi(name: &str, version: &str, import: &str) {
    let cache = shared_cache();
    let (report, published, _tmp) = build_release(name, version, &cache);
    let wheel = artifact(&report, "wheel");
    let sdist = artifact(&report, "sdist");
    let (ours, theirs) = (contents(&wheel), contents(&published));
    assert_eq!(
        ours.0, theirs.0,
        "{name}: file list differs from PyPI's wheel"
    );
    assert_eq!(
        ours.1, theirs.1,
        "{name}: METADATA differs from PyPI's wheel"
    );
    // Every check PyPI's own wheel passes, ours passes too (six's metadata
    // makes `twine check --strict` warn for both; unearth imports only with
    // its dependencies, which the oracle installs without); pip installs.
    let verdict = judge("wheel", &wheel, &["--import", import], "");
    let published = judge("wheel", &published, &["--import", import], "");
    let passed: Vec<&str> = WHEEL_CHECKS
        .iter()
        .copied()
        .filter(|c| published[*c]["ok"] == Value::Bool(true))
        .collect();
    assert!(passed.contains(&"pip_install"), "{published}");
    assert_checks(&verdict, &passed);
    let sdist_verdict = judge("sdist", &sdist, &[], "");
    assert_checks(&sdist_verdict, &["tarfile", "metadata"]);
    if passed.contains(&"twine") {
        assert_checks(&sdist_verdict, &["twine"]);
    }
}

/// One build-environment cache for the real-project tests, kept between runs.
fn shared_cache() -> PathBuf {
    download_cache().with_file_name("frontend-cache")
}

#[test]
fn frontend_setuptools_scm_pluggy() {
    matches_pypi("pluggy", "1.5.0", "pluggy");
}

#[test]
fn frontend_hatch_vcs_iniconfig() {
    matches_pypi("iniconfig", "2.0.0", "iniconfig");
}

#[test]
fn frontend_flit_core_tomli() {
    matches_pypi("tomli", "2.0.1", "tomli");
}

#[test]
fn frontend_poetry_core_tomlkit() {
    matches_pypi("tomlkit", "0.13.2", "tomlkit");
}

#[test]
fn frontend_pdm_backend_unearth() {
    matches_pypi("unearth", "0.17.2", "unearth");
}

#[test]
fn frontend_setup_py_only_six() {
    matches_pypi("six", "1.16.0", "six");
}

/// Two cold builds at once share one fresh cache: one creates the
/// environment, the other waits and reuses it; both wheels are whole and
/// identical; a third build reuses the environment too.
#[test]
fn frontend_environment_is_reused_and_safe_under_concurrency() {
    let cache = tempfile::tempdir().unwrap();
    let (sdist, _) = release("tomli", "2.0.1");
    let tmp = tempfile::tempdir().unwrap();
    let tree = unpack(&sdist, &tmp.path().join("src"));
    let commands = (0..2).map(|i| {
        let mut cmd = gradient();
        cmd.arg("build")
            .arg(&tree)
            .args(["--json", "--format", "wheel", "--out"])
            .arg(tmp.path().join(format!("out{i}")))
            .env("GRADIENT_CACHE_DIR", cache.path());
        cmd
    });
    let outputs = run_concurrently(commands);
    let mut created = 0;
    let mut wheels = Vec::new();
    for out in &outputs {
        assert!(out.status.success(), "{}", stderr(out));
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        created += env_notes(&report)
            .iter()
            .filter(|n| n.ends_with("(created)"))
            .count();
        wheels.push(std::fs::read(artifact(&report, "wheel")).unwrap());
    }
    assert_eq!(created, 1, "exactly one build creates the environment");
    assert_eq!(wheels[0], wheels[1]);
    let again = build_json_env(
        &tree,
        &tmp.path().join("out2"),
        &["--format", "wheel"],
        &[("GRADIENT_CACHE_DIR", cache.path())],
    );
    let notes = env_notes(&again);
    assert!(
        !notes.is_empty() && notes.iter().all(|n| n.ends_with("(reused)")),
        "{notes:?}"
    );
    let envs: Vec<_> = std::fs::read_dir(cache.path().join("build-envs"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .collect();
    assert_eq!(envs.len(), 1, "one environment for one requirement set");
}

fn env_notes(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .filter(|n| n.starts_with("build environment "))
        .map(String::from)
        .collect()
}

/// A project built by an in-tree backend (`backend-path`) whose hook code is `body`.
fn in_tree_project(requires: &str, body: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("pyproject.toml"),
        &format!("[build-system]\nrequires = {requires}\nbuild-backend = \"be\"\nbackend-path = [\"_be\"]\n"),
    );
    write(&dir.path().join("_be/be.py"), body);
    dir
}

fn build_fails(project: &Path, cache: &Path) -> String {
    let out = run(gradient()
        .arg("build")
        .arg(project)
        .env("GRADIENT_CACHE_DIR", cache));
    assert!(!out.status.success(), "the build should fail");
    assert!(!project.join("dist").exists(), "nothing written");
    stderr(&out)
}

#[test]
fn frontend_backend_failure_shows_its_text_and_keeps_the_environment() {
    let cache = tempfile::tempdir().unwrap();
    let project = in_tree_project(
        "[\"flit_core>=3.2,<4\"]",
        "import sys\nimport flit_core\ndef build_sdist(d, config_settings=None):\n    print('backend: checking sources', flush=True)\n    sys.stderr.write('error: MANIFEST lists missing.txt, which does not exist\\n')\n    raise SystemExit(2)\n",
    );
    let err = build_fails(project.path(), cache.path());
    assert!(
        err.contains("  | backend: checking sources"),
        "streamed live: {err}"
    );
    assert!(
        err.contains("`build_sdist` of be failed (exit status: 2, no answer); the backend said:"),
        "{err}"
    );
    assert!(
        err.contains("MANIFEST lists missing.txt, which does not exist"),
        "{err}"
    );
    let env = err
        .lines()
        .find_map(|l| {
            l.strip_prefix("error: build environment ")
                .or_else(|| l.strip_prefix("build environment "))
        })
        .expect("env named");
    assert!(Path::new(env.trim()).join("bin/python").exists(), "{err}");
    let kept = err
        .lines()
        .find_map(|l| l.split_once("sources and hook files in ").map(|(_, p)| p))
        .expect("scratch named");
    assert!(Path::new(kept.trim()).is_dir(), "{err}");
}

#[test]
fn frontend_bad_input_is_a_clear_error() {
    let cache = tempfile::tempdir().unwrap();
    let unresolvable = in_tree_project("[\"gradient-no-such-backend-9f2c\"]", "");
    let err = build_fails(unresolvable.path(), cache.path());
    assert!(
        err.contains("build requirements") && err.contains("gradient-no-such-backend-9f2c"),
        "{err}"
    );

    let crashing = in_tree_project(
        "[]",
        "def build_sdist(d, config_settings=None):\n    return 1 / 0\n",
    );
    let err = build_fails(crashing.path(), cache.path());
    assert!(err.contains("ZeroDivisionError: division by zero"), "{err}");

    let outside = tempfile::tempdir().unwrap();
    let escaping = in_tree_project("[]", "");
    write(
        &escaping.path().join("pyproject.toml"),
        &format!(
            "[build-system]\nrequires = []\nbuild-backend = \"be\"\nbackend-path = [\"{}\"]\n",
            outside.path().display()
        ),
    );
    let err = build_fails(escaping.path(), cache.path());
    assert!(
        err.contains("backend-path") && err.contains("must be relative"),
        "{err}"
    );
    std::os::unix::fs::symlink(outside.path(), escaping.path().join("linked")).unwrap();
    write(
        &escaping.path().join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"be\"\nbackend-path = [\"linked\"]\n",
    );
    let err = build_fails(escaping.path(), cache.path());
    assert!(err.contains("outside the project"), "{err}");

    let cyclic = in_tree_project("[\"ouroboros-pkg>=1\"]", "");
    write(
        &cyclic.path().join("pyproject.toml"),
        "[project]\nname = \"Ouroboros.Pkg\"\nversion = \"1\"\n[build-system]\nrequires = [\"ouroboros-pkg>=1\"]\nbuild-backend = \"be\"\nbackend-path = [\"_be\"]\n",
    );
    let err = build_fails(cyclic.path(), cache.path());
    assert!(err.contains("build requirement cycle"), "{err}");
}

#[test]
fn frontend_native_refuses_compiled_code_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("pyproject.toml"),
        "[project]\nname = \"speedy\"\nversion = \"1.0\"\n[build-system]\nrequires = [\"setuptools\", \"cython\"]\nbuild-backend = \"setuptools.build_meta\"\n",
    );
    write(&dir.path().join("setup.py"), "from setuptools import setup, Extension\nsetup(ext_modules=[Extension('speedy._c', ['speedy/_c.c'])])\n");
    write(&dir.path().join("speedy/__init__.py"), "");
    let out = run(gradient().arg("build").arg(dir.path()).arg("--native"));
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("--native cannot build a project that compiles code"),
        "{err}"
    );
    assert!(
        err.contains("requires `cython`") && err.contains("setup.py uses `ext_modules`"),
        "{err}"
    );
}

/// `--compare` builds the wheel both ways and shows how the native one
/// differs from the backend's (flit's tomli: the same files, metadata
/// written differently); a project the native builder builds anyway has
/// nothing to compare with.
#[test]
fn frontend_compare_shows_how_the_native_wheel_differs() {
    let (sdist, _) = release("tomli", "2.0.1");
    let tmp = tempfile::tempdir().unwrap();
    let tree = unpack(&sdist, tmp.path());
    let out = run(gradient().arg("build").arg(&tree).arg("--compare"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("files: 0 added, 0 removed"), "{text}");
    assert!(text.contains("{dist-info}/METADATA"), "{text}");
    assert!(
        !tree.join("dist").exists(),
        "nothing is written to the project"
    );
    let json = run(gradient()
        .arg("build")
        .arg(&tree)
        .args(["--compare", "--json"]));
    let diff: Value = serde_json::from_slice(&json.stdout).expect("a JSON diff");
    assert!(diff.is_object(), "{diff}");

    let (_fx, flat) = fixture("flat");
    let native = run(gradient().arg("build").arg(&flat).arg("--compare"));
    assert!(!native.status.success());
    assert!(stderr(&native).contains("no other backend to compare with"));
}

/// The paths a `gradient preview --json` plan lists.
fn planned(project: &Path, args: &[&str], env: &[(&str, &Path)]) -> (String, BTreeSet<String>) {
    let mut cmd = gradient();
    cmd.arg("preview").arg(project).args(args).arg("--json");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", stderr(&out));
    let plan: Value = serde_json::from_slice(&out.stdout).expect("a JSON plan");
    let paths = plan["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    (plan["file_name"].as_str().unwrap().to_string(), paths)
}

#[test]
fn frontend_preview_is_the_backends_archive() {
    let cache = shared_cache();
    let (sdist, _) = release("tomli", "2.0.1");
    let tmp = tempfile::tempdir().unwrap();
    let tree = unpack(&sdist, &tmp.path().join("src"));
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir_all(&scratch).unwrap();
    let env = [
        ("GRADIENT_CACHE_DIR", cache.as_path()),
        ("TMPDIR", scratch.as_path()),
    ];
    let (wheel_name, wheel_paths) = planned(&tree, &["--format", "wheel"], &env);
    let (sdist_name, sdist_paths) = planned(&tree, &["--format", "sdist"], &env);
    // What the preview lists is what the build delivers.
    let out = tmp.path().join("out");
    let report = build_json_env(&tree, &out, &[], &[("GRADIENT_CACHE_DIR", &cache)]);
    let wheel = artifact(&report, "wheel");
    assert_eq!(
        wheel.file_name().unwrap().to_str(),
        Some(wheel_name.as_str())
    );
    let built = zip::ZipArchive::new(std::fs::File::open(&wheel).unwrap()).unwrap();
    let members: BTreeSet<String> = built.file_names().map(String::from).collect();
    assert_eq!(wheel_paths, members);
    let built_sdist = artifact(&report, "sdist");
    assert_eq!(
        built_sdist.file_name().unwrap().to_str(),
        Some(sdist_name.as_str())
    );
    let mut members = BTreeSet::new();
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(&built_sdist).unwrap());
    for entry in tar::Archive::new(gz).entries().unwrap() {
        let entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            members.insert(entry.path().unwrap().to_string_lossy().into_owned());
        }
    }
    assert_eq!(sdist_paths, members);
    // Each entry says who wrote it, and the text preview says so first.
    let text = run(gradient()
        .arg("preview")
        .arg(&tree)
        .env("GRADIENT_CACHE_DIR", &cache)
        .env("TMPDIR", &scratch));
    assert!(
        stdout(&text).contains("written by flit_core.buildapi"),
        "{}",
        stdout(&text)
    );
    assert!(
        stderr(&text).contains("note: built by the project's backend `flit_core.buildapi`"),
        "{}",
        stderr(&text)
    );
    // --native shows Gradient's own reading, named as such.
    let (native_name, _) = planned(&tree, &["--format", "wheel", "--native"], &env);
    assert_eq!(native_name, "tomli-2.0.1-py3-none-any.whl");
    // Nothing is left behind, not even by a backend that fails.
    let failing = in_tree_project("[]", "def build_wheel(d, config_settings=None, metadata_directory=None):\n    raise SystemExit(3)\n");
    let out = run(gradient()
        .arg("preview")
        .arg(failing.path())
        .env("GRADIENT_CACHE_DIR", &cache)
        .env("TMPDIR", &scratch));
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("`build_wheel` of be failed"),
        "{}",
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("kept for inspection"),
        "{}",
        stderr(&out)
    );
    let left: Vec<_> = std::fs::read_dir(&scratch)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "previews leave nothing behind: {left:?}");
}
