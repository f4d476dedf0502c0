//! Good projects build into artifacts that the ecosystem's tools accept.

use crate::support::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::Path;

const WHEEL_CHECKS: &[&str] = &[
    "zipfile",
    "metadata",
    "twine",
    "check_wheel_contents",
    "pip_install",
    "installer",
];
const SDIST_CHECKS: &[&str] = &["tarfile", "metadata", "twine"];

fn names(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

#[test]
fn src_layout_project_builds_and_installs() {
    let (_tmp, project) = fixture("srclayout");
    // Files the walk must leave out: ignored by .gitignore, caches, VCS.
    write(&project.join("debug.log"), "noise\n");
    write(&project.join("scratch/notes.txt"), "private\n");
    write(
        &project.join("src/acme_widgets/__pycache__/cli.cpython-311.pyc"),
        "x",
    );
    write(&project.join(".git/config"), "[core]\n");
    // Not a file the sdist takes by any rule.
    write(&project.join("notes/todo.txt"), "later\n");
    let out_dir = project.join("out");
    let report = build_json(&project, &out_dir, &[]);

    // The JSON report carries the real size and sha256 of each artifact.
    for a in report["artifacts"].as_array().expect("artifacts") {
        let bytes = std::fs::read(a["path"].as_str().expect("path")).expect("artifact exists");
        assert_eq!(a["size"], bytes.len() as u64);
        assert_eq!(a["sha256"], format!("{:x}", Sha256::digest(&bytes)));
    }

    let wheel = artifact(&report, "wheel");
    assert_eq!(
        wheel.file_name().and_then(|n| n.to_str()),
        Some("acme_widgets-1.2.0rc1-py3-none-any.whl")
    );
    let verdict = judge(
        "wheel",
        &wheel,
        &[
            "--import",
            "acme_widgets",
            "--script",
            "acme-widgets",
            "knob",
            "lever",
        ],
        "",
    );
    assert_checks(&verdict, WHEEL_CHECKS);
    assert_checks(&verdict, &["pip_import", "installer_import"]);
    assert_eq!(
        verdict["pip_script"]["code"], 0,
        "{}",
        verdict["pip_script"]
    );
    assert_eq!(
        verdict["pip_script"]["stdout"],
        "Widget knob is ready.\nWidget lever is ready.\n"
    );
    let installed = names(&verdict["installer"]["files"]);
    for expected in [
        "purelib/acme_widgets/templates/describe.txt",
        "purelib/acme_widgets-1.2.0rc1.dist-info/licenses/LICENSE-MIT",
        "purelib/acme_widgets-1.2.0rc1.dist-info/entry_points.txt",
        "data/acme/palette.json",
        "scripts/acme-helper",
        "scripts/acme-widgets",
        "scripts/acme-widgets-gui",
    ] {
        assert!(
            installed.contains(expected),
            "installer did not install {expected}: {installed:?}"
        );
    }
    assert!(!installed
        .iter()
        .any(|p| p.contains("__pycache__") || p.contains("tests/")));

    let sdist = artifact(&report, "sdist");
    assert_eq!(
        sdist.file_name().and_then(|n| n.to_str()),
        Some("acme_widgets-1.2.0rc1.tar.gz")
    );
    let verdict = judge("sdist", &sdist, &[], "");
    assert_checks(&verdict, SDIST_CHECKS);
    let listed = names(&verdict["tarfile"]["names"]);
    let top = "acme_widgets-1.2.0rc1";
    for expected in [
        "PKG-INFO",
        "pyproject.toml",
        "README.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
        "NOTICE",
        "src/acme_widgets/__init__.py",
        "src/acme_widgets/templates/describe.txt",
        "tests/test_widget.py",
        "docs/index.md",
        "share/acme/palette.json",
        "bin/acme-helper",
    ] {
        assert!(
            listed.contains(&format!("{top}/{expected}")),
            "sdist lacks {expected}: {listed:?}"
        );
    }
    for left_out in [
        "debug.log",
        "scratch/notes.txt",
        ".git/config",
        "notes/todo.txt",
        "out",
    ] {
        assert!(
            !listed
                .iter()
                .any(|n| n.starts_with(&format!("{top}/{left_out}"))),
            "sdist must not contain {left_out}"
        );
    }
    assert!(!listed.iter().any(|n| n.contains("__pycache__")));
}

#[test]
fn flat_layout_with_rst_readme_and_license_file() {
    let (_tmp, project) = fixture("flat");
    let report = build_json(&project, &project.join("dist"), &[]);
    let verdict = judge(
        "wheel",
        &artifact(&report, "wheel"),
        &["--import", "flatpkg.core"],
        "",
    );
    assert_checks(&verdict, WHEEL_CHECKS);
    assert_checks(&verdict, &["pip_import", "installer_import"]);
    assert_checks(
        &judge("sdist", &artifact(&report, "sdist"), &[], ""),
        SDIST_CHECKS,
    );
}

#[test]
fn single_module_console_script_passes_stdin_stdout_and_exit_code() {
    let (_tmp, project) = fixture("single");
    let report = build_json(&project, &project.join("dist"), &[]);
    let wheel = artifact(&report, "wheel");
    let verdict = judge(
        "wheel",
        &wheel,
        &["--import", "tinymod", "--script", "tinymod"],
        "please fail\n",
    );
    assert_checks(&verdict, WHEEL_CHECKS);
    assert_eq!(verdict["pip_script"]["stdout"], "PLEASE FAIL\n");
    assert_eq!(verdict["pip_script"]["code"], 3);
    assert_checks(
        &judge("sdist", &artifact(&report, "sdist"), &[], ""),
        SDIST_CHECKS,
    );
}

#[test]
fn namespace_package_has_no_parent_init() {
    let (_tmp, project) = fixture("nspkg");
    let report = build_json(&project, &project.join("dist"), &[]);
    let wheel = artifact(&report, "wheel");
    let verdict = judge("wheel", &wheel, &["--import", "acme.tools"], "");
    assert_checks(&verdict, WHEEL_CHECKS);
    assert_checks(&verdict, &["pip_import", "installer_import"]);
    let installed = names(&verdict["installer"]["files"]);
    assert!(installed.contains("purelib/acme/tools/__init__.py"));
    assert!(!installed.contains("purelib/acme/__init__.py"));
}

fn build_bytes(project: &Path, out: &Path, epoch: Option<&str>) -> (Vec<u8>, Vec<u8>) {
    let mut cmd = gradient();
    cmd.arg("build")
        .arg(project)
        .arg("--json")
        .arg("--out")
        .arg(out);
    match epoch {
        Some(e) => cmd.env("SOURCE_DATE_EPOCH", e),
        None => cmd.env_remove("SOURCE_DATE_EPOCH"),
    };
    let output = run(&mut cmd);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("json");
    let read = |format| std::fs::read(artifact(&report, format)).expect("artifact");
    (read("sdist"), read("wheel"))
}

#[test]
fn builds_are_byte_identical_and_honour_source_date_epoch() {
    let (tmp, project) = fixture("srclayout");
    let a = build_bytes(&project, &tmp.path().join("a"), None);
    // Touch every source: mtimes on disk must not leak into the artifact.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
    for path in ["src/acme_widgets/cli.py", "README.md", "pyproject.toml"] {
        let file = std::fs::File::options()
            .write(true)
            .open(project.join(path))
            .expect("open");
        file.set_modified(later).expect("set mtime");
    }
    let b = build_bytes(&project, &tmp.path().join("b"), None);
    assert!(a == b, "two builds of the same input differ");

    let c = build_bytes(&project, &tmp.path().join("c"), Some("1700000000"));
    let d = build_bytes(&project, &tmp.path().join("d"), Some("1700000000"));
    assert!(c == d, "two builds with the same SOURCE_DATE_EPOCH differ");
    assert!(a.1 != c.1, "SOURCE_DATE_EPOCH did not reach the wheel");

    // The timestamp inside is SOURCE_DATE_EPOCH: 2023-11-14 22:13:20 UTC.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(c.1)).expect("wheel is a zip");
    let entry = zip.by_index(0).expect("first entry");
    let t = entry.last_modified().expect("timestamp");
    assert_eq!(
        (t.year(), t.month(), t.day(), t.hour(), t.minute()),
        (2023, 11, 14, 22, 13)
    );
    drop(entry);
    let gz = flate2::read::GzDecoder::new(std::io::Cursor::new(c.0));
    let mut tar = tar::Archive::new(gz);
    for entry in tar.entries().expect("sdist is a tar") {
        let entry = entry.expect("entry");
        assert_eq!(entry.header().mtime().expect("mtime"), 1_700_000_000);
        assert_eq!(entry.header().uid().expect("uid"), 0);
    }
}

#[test]
fn preview_lists_exactly_what_the_artifacts_contain() {
    let (_tmp, project) = fixture("srclayout");
    write(&project.join("notes/todo.txt"), "later\n");
    let report = build_json(&project, &project.join("dist"), &[]);
    for format in ["wheel", "sdist"] {
        let out = run(gradient()
            .args(["preview", "--json", "--format", format])
            .arg(&project));
        assert!(out.status.success(), "{}", stderr(&out));
        let plan: Value = serde_json::from_slice(&out.stdout).expect("plan JSON");
        let planned: Vec<(String, u64)> = plan["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                (
                    e["path"].as_str().expect("path").to_string(),
                    e["size"].as_u64().expect("size"),
                )
            })
            .collect();
        for e in plan["entries"].as_array().expect("entries") {
            assert!(
                !e["reason"].as_str().unwrap_or("").is_empty(),
                "entry without a reason: {e}"
            );
        }
        let path = artifact(&report, format);
        assert_eq!(
            plan["file_name"],
            path.file_name().and_then(|n| n.to_str()).expect("name")
        );
        let actual = archive_listing(&path);
        assert_eq!(planned, actual, "{format}: preview and artifact differ");
    }
    // The human form names the rule for each entry and the exclusions.
    let out = run(gradient()
        .args(["preview", "--format", "wheel"])
        .arg(&project));
    let text = stdout(&out);
    assert!(
        text.starts_with("acme_widgets-1.2.0rc1-py3-none-any.whl\n"),
        "{text}"
    );
    assert!(text.contains("acme_widgets/cli.py  "), "{text}");
    assert!(text.contains("module acme_widgets (src/)"), "{text}");
    let out = run(gradient()
        .args(["preview", "--format", "sdist", "--excluded"])
        .arg(&project));
    let text = stdout(&out);
    assert!(text.contains("\nexcluded ("), "{text}");
    assert!(
        text.contains("notes/todo.txt  (not part of the sdist"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("/docs/index.md") && l.trim_end().ends_with("downstream: docs")),
        "{text}"
    );
}

/// (path, size) of every file in a wheel or sdist, in archive order.
fn archive_listing(path: &Path) -> Vec<(String, u64)> {
    let bytes = std::fs::read(path).expect("artifact");
    if path.extension().is_some_and(|e| e == "whl") {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        (0..zip.len())
            .map(|i| {
                let f = zip.by_index(i).expect("entry");
                (f.name().to_string(), f.size())
            })
            .collect()
    } else {
        let gz = flate2::read::GzDecoder::new(std::io::Cursor::new(bytes));
        let mut tar = tar::Archive::new(gz);
        let entries = tar.entries().expect("tar");
        entries
            .map(|e| {
                let e = e.expect("entry");
                (
                    e.path().expect("path").to_string_lossy().into_owned(),
                    e.size(),
                )
            })
            .collect()
    }
}

#[test]
fn foreign_backend_builds_with_its_backend_or_natively_when_asked() {
    let (_tmp, project) = fixture("flat");
    let pyproject = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).expect("read");
    write(
        &pyproject,
        &format!("[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n{text}"),
    );
    // Without --native the project's own backend builds it (PEP 517).
    let out = run(gradient().arg("build").arg(&project).arg("--json"));
    assert!(out.status.success(), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(
        report["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("backend `hatchling.build`")),
        "{report}"
    );
    assert_eq!(report["artifacts"].as_array().map(Vec::len), Some(2));
    std::fs::remove_dir_all(project.join("dist")).expect("rm dist");

    let out = run(gradient().arg("build").arg(&project).arg("--native"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("hatchling.build"),
        "the note must say what was overridden"
    );
    let printed = stdout(&out);
    assert_eq!(
        printed.lines().count(),
        2,
        "one path per artifact: {printed}"
    );
}

#[test]
fn piped_build_prints_only_paths() {
    let (_tmp, project) = fixture("single");
    let out = run(gradient()
        .arg("build")
        .arg(&project)
        .args(["--format", "wheel"]));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "no progress bar when piped");
    let printed = stdout(&out);
    assert!(
        printed
            .trim_end()
            .ends_with("tinymod-2.0.1-py3-none-any.whl"),
        "{printed}"
    );
    assert_eq!(printed.lines().count(), 1);
}

#[test]
fn usage_errors_exit_2() {
    let out = run(gradient().args(["build", "--format", "egg"]));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("valid: sdist, wheel"),
        "{}",
        stderr(&out)
    );
    let out = run(gradient().args(["build", "--no-such-flag"]));
    assert_eq!(out.status.code(), Some(2));
}
