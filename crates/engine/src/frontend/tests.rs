//! The frontend against an in-tree backend (no index needed): the hook
//! sequence, environment reuse, UnsupportedOperation, config settings,
//! non-UTF-8 output, failures that quote the backend and keep their files.

use super::*;
use std::sync::Mutex;

const BACKEND: &str = include_str!("testdata/fixture_backend.py");

/// Records every log line.
#[derive(Default)]
struct Lines(Mutex<Vec<String>>);
impl Progress for Lines {
    fn log(&self, line: &str) {
        self.0.lock().unwrap().push(line.to_string());
    }
}
impl Lines {
    fn text(&self) -> String {
        self.0.lock().unwrap().join("\n")
    }
}

/// A project built by the fixture backend from `backend/`.
fn project(pyproject_extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("backend")).unwrap();
    std::fs::write(dir.path().join("backend/fixture_backend.py"), BACKEND).unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        format!("[build-system]\nrequires = []\nbuild-backend = \"fixture_backend\"\nbackend-path = [\"backend\"]\n{pyproject_extra}"),
    )
    .unwrap();
    dir
}

fn request(root: &Path, cache: &Path, formats: &[Format]) -> Request {
    Request {
        root: root.to_path_buf(),
        out_dir: root.join("dist"),
        formats: formats.to_vec(),
        python: None,
        config: ConfigSettings::parse(&["k=1", "k=2", "other=x"]).unwrap(),
        sources: Sources {
            cache: Some(cache.to_path_buf()),
            ..Sources::default()
        },
        repair: Some(Default::default()),
        keep_failed: true,
    }
}

/// The error of a wheel build expected to fail.
fn fails(root: &Path, cache: &Path) -> String {
    build(&request(root, cache, &[Format::Wheel]), &Lines::default())
        .unwrap_err()
        .to_string()
}

fn wheel_says_from_sdist(report: &BuildReport) -> bool {
    let wheel = report
        .artifacts
        .iter()
        .find(|a| a.format == Format::Wheel)
        .unwrap();
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&wheel.written.path).unwrap()).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("fixture/__init__.py").unwrap(), &mut text)
        .unwrap();
    text.contains("True")
}

#[test]
fn sdist_then_wheel_from_it_and_the_environment_is_reused() {
    let dir = project("");
    let cache = tempfile::tempdir().unwrap();
    let lines = Lines::default();
    let req = request(dir.path(), cache.path(), &[Format::Sdist, Format::Wheel]);
    let report = build(&req, &lines).unwrap();
    let names: Vec<_> = report
        .artifacts
        .iter()
        .map(|a| a.written.path.file_name().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["fixture-1.0.tar.gz", "fixture-1.0-py3-none-any.whl"]
    );
    assert!(
        wheel_says_from_sdist(&report),
        "the wheel is built from the unpacked sdist"
    );
    assert!(
        report.notes.iter().any(|n| n.ends_with("(created)")),
        "{:?}",
        report.notes
    );
    let log = lines.text();
    assert!(
        log.contains("config_settings: [('k', ['1', '2']), ('other', 'x')]"),
        "{log}"
    );
    assert!(log.contains("latin-1 output: caf\u{fffd}"), "{log}");
    let again = build(&req, &Lines::default()).unwrap();
    assert!(
        again.notes.iter().all(|n| !n.ends_with("(created)")),
        "{:?}",
        again.notes
    );
    assert!(
        again.notes.iter().any(|n| n.ends_with("(reused)")),
        "{:?}",
        again.notes
    );
    // Only the wheel: from the tree, as `python -m build --wheel` does.
    let wheel_only = build(
        &request(dir.path(), cache.path(), &[Format::Wheel]),
        &Lines::default(),
    )
    .unwrap();
    assert!(!wheel_says_from_sdist(&wheel_only));
}

#[test]
fn unsupported_sdist_builds_the_wheel_from_the_tree() {
    let dir = project("");
    std::fs::write(dir.path().join("NO_SDIST"), "").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let lines = Lines::default();
    let report = build(
        &request(dir.path(), cache.path(), &[Format::Sdist, Format::Wheel]),
        &lines,
    )
    .unwrap();
    assert_eq!(report.artifacts.len(), 1);
    assert_eq!(report.artifacts[0].format, Format::Wheel);
    assert!(lines.text().contains("this tree cannot make an sdist"));
}

#[test]
fn a_crashing_hook_quotes_the_backend_and_keeps_its_files() {
    let dir = project("");
    std::fs::write(dir.path().join("CRASH"), "the compiler is on fire").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let e = fails(dir.path(), cache.path());
    assert!(e.contains("`build_wheel` of fixture_backend failed"), "{e}");
    assert!(e.contains("fixture backend: about to fail"), "{e}");
    assert!(e.contains("RuntimeError: the compiler is on fire"), "{e}");
    let kept = e
        .lines()
        .find_map(|l| l.strip_prefix("kept for inspection: sources and hook files in "))
        .unwrap();
    assert!(Path::new(kept).is_dir(), "{e}");
    let env = e
        .lines()
        .find_map(|l| l.strip_prefix("build environment "))
        .unwrap();
    assert!(Path::new(env).join("bin/python").exists(), "{e}");
    assert!(!dir.path().join("dist").exists(), "nothing written");
}

#[test]
fn a_missing_backend_and_a_cycle_are_clear_errors() {
    let dir = project("");
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[build-system]\nrequires = []\nbuild-backend = \"no_such_backend.api\"\n",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let e = fails(dir.path(), cache.path());
    assert!(
        e.contains("`no_such_backend.api` cannot be imported"),
        "{e}"
    );
    assert!(e.contains("ModuleNotFoundError"), "{e}");
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"Self_Made\"\n[build-system]\nrequires = [\"self-made>=1\"]\nbuild-backend = \"x\"\n",
    )
    .unwrap();
    let e = fails(dir.path(), cache.path());
    assert!(
        e.contains("build requirement cycle") && e.contains("self-made>=1"),
        "{e}"
    );
    // A project for another Python is refused before any environment is made.
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"later\"\nrequires-python = \">=99\"\n[build-system]\nrequires = []\nbuild-backend = \"fixture_backend\"\nbackend-path = [\"backend\"]\n",
    )
    .unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let e = fails(dir.path(), fresh.path());
    assert!(
        e.contains("requires-python = \">=99\"") && e.contains("--python"),
        "{e}"
    );
    assert!(!env::envs_dir(fresh.path()).exists(), "no environment made");
}

#[test]
fn a_damaged_environment_is_rebuilt() {
    let dir = project("");
    let cache = tempfile::tempdir().unwrap();
    let req = request(dir.path(), cache.path(), &[Format::Wheel]);
    build(&req, &Lines::default()).unwrap();
    let envs: Vec<_> = std::fs::read_dir(env::envs_dir(cache.path()))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(envs.len(), 1);
    std::fs::remove_file(envs[0].join("gradient-env.json")).unwrap();
    let lines = Lines::default();
    let report = build(&req, &lines).unwrap();
    assert!(
        report.notes.iter().any(|n| n.ends_with("(created)")),
        "{:?}",
        report.notes
    );
    assert!(lines
        .text()
        .contains("rebuilding damaged build environment"));
}

#[test]
fn metadata_only_comes_from_the_wheel_when_the_hook_is_missing() {
    let dir = project("");
    let cache = tempfile::tempdir().unwrap();
    let (_scratch, dist_info) =
        prepare_metadata(&request(dir.path(), cache.path(), &[]), &Lines::default()).unwrap();
    assert!(dist_info.ends_with("fixture-1.0.dist-info"));
    let metadata = std::fs::read_to_string(dist_info.join("METADATA")).unwrap();
    assert!(metadata.contains("Name: fixture"), "{metadata}");
}

#[test]
fn the_wheel_must_verify_and_sdist_findings_are_reported() {
    let dir = project("");
    std::fs::write(dir.path().join("DUP"), "").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let req = request(dir.path(), cache.path(), &[Format::Sdist, Format::Wheel]);
    let report = build(&req, &Lines::default()).unwrap();
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.starts_with("the backend's sdist: A002 fixture-1.0/PKG-INFO")),
        "{:?}",
        report.notes
    );
    std::fs::write(dir.path().join("BAD_RECORD"), "").unwrap();
    std::fs::remove_dir_all(dir.path().join("dist")).unwrap();
    let e = build(&req, &Lines::default()).unwrap_err().to_string();
    assert!(e.contains("the backend's wheel does not verify"), "{e}");
    assert!(e.contains("fixture/__init__.py"), "{e}");
    assert!(!dir.path().join("dist").exists(), "nothing written");
}

/// Cancels once the backend has said it is compiling.
#[derive(Default)]
struct CancelWhenCompiling(std::sync::atomic::AtomicBool);
impl Progress for CancelWhenCompiling {
    fn log(&self, line: &str) {
        if line.contains("compiling slowly") {
            self.0.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
    fn cancelled(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A cancelled build stops the hook and what it started (its process
/// group), instead of waiting for the backend to finish.
#[test]
fn cancelling_stops_the_backend_and_its_children() {
    let dir = project("");
    let pid_file = dir.path().join("child.pid");
    std::fs::write(
        dir.path().join("SLOW"),
        pid_file.to_string_lossy().as_bytes(),
    )
    .unwrap();
    std::fs::write(dir.path().join("NO_SDIST"), "").unwrap();
    let cache = tempfile::tempdir().unwrap();
    let result = build(
        &request(dir.path(), cache.path(), &[Format::Wheel]),
        &CancelWhenCompiling::default(),
    );
    assert!(matches!(result, Err(Error::Cancelled)), "{result:?}");
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    // The compiler is gone (or a zombie awaiting its new parent).
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
    let state = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .next();
    assert!(
        matches!(state, None | Some("Z")),
        "the child still runs: {stat}"
    );
}

/// Environments unused for longer than the limit are removed, those used
/// recently or in use (locked) are kept.
#[test]
fn stale_environments_are_pruned_unless_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(40 * 24 * 3600);
    for key in ["old", "fresh", "busy"] {
        std::fs::create_dir_all(dir.path().join(key).join("bin")).unwrap();
        let lock = std::fs::File::create(dir.path().join(format!("{key}.lock"))).unwrap();
        if key != "fresh" {
            lock.set_modified(old).unwrap();
        }
    }
    let busy = std::fs::File::open(dir.path().join("busy.lock")).unwrap();
    busy.lock_shared().unwrap();
    env::prune(dir.path(), std::time::Duration::from_secs(30 * 24 * 3600));
    assert!(!dir.path().join("old").exists() && !dir.path().join("old.lock").exists());
    assert!(dir.path().join("fresh/bin").exists());
    assert!(
        dir.path().join("busy/bin").exists(),
        "an environment in use stays"
    );
}
