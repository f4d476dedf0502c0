//! Real wheels from PyPI that the inspector once reported as failing to
//! verify though pip installs them: setuptools wheels with a License-File in
//! metadata 2.1 (requests, six), a maturin wheel with License-File in
//! metadata 2.3 (orjson), and Rust wheels whose only link to glibc 2.18 is a
//! weak `__cxa_thread_atexit_impl` (jiter, rpds-py). Each verifies; a
//! tampered copy of each still fails.

use crate::support::*;
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

const PINNED: &[&str] = &[
    "requests==2.32.3",
    "six==1.17.0",
    "orjson==3.10.12",
    "jiter==0.8.2",
    "rpds-py==0.22.3",
];

/// The pinned wheels, downloaded once into the cache with the oracle pip.
fn wheels() -> Vec<PathBuf> {
    let dir = oracle_python()
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("cache dir")
        .join("false-alarm-wheels");
    let have = |dir: &Path| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        found.retain(|p| p.extension().is_some_and(|x| x == "whl"));
        found.sort();
        found
    };
    if have(&dir).len() < PINNED.len() {
        let out = run(Command::new(oracle_python())
            .args(["-m", "pip", "download", "--quiet", "--no-deps"])
            .args(["--only-binary", ":all:", "--python-version", "3.11"])
            .args(["--platform", "manylinux_2_17_x86_64"])
            .args(["--platform", "manylinux2014_x86_64"])
            .arg("--dest")
            .arg(&dir)
            .args(PINNED));
        assert!(out.status.success(), "pip download: {}", stderr(&out));
    }
    have(&dir)
}

fn inspect(file: &Path) -> (i32, Value) {
    let out = run(gradient().arg("inspect").arg(file).arg("--json"));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", stderr(&out)));
    (out.status.code().expect("exit code"), report)
}

fn findings(report: &Value, code: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .cloned()
        .collect()
}

/// A copy of `wheel` with one byte of its first Python module changed.
fn tampered(wheel: &Path, out: &Path) -> (PathBuf, String) {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(wheel).expect("open")).expect("zip");
    let copy = out.join(wheel.file_name().expect("name"));
    let mut writer = zip::ZipWriter::new(std::fs::File::create(&copy).expect("create"));
    let mut changed = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("entry");
        let name = entry.name().to_string();
        let mut data = Vec::new();
        entry.read_to_end(&mut data).expect("read");
        if changed.is_none() && name.ends_with(".py") && !data.is_empty() {
            data[0] ^= 0x20;
            changed = Some(name.clone());
        }
        let options = zip::write::SimpleFileOptions::default();
        writer.start_file(name.as_str(), options).expect("start");
        writer.write_all(&data).expect("write");
    }
    writer.finish().expect("finish");
    (copy, changed.expect("a module to change"))
}

#[test]
fn real_wheels_that_were_false_alarms_verify_and_tampered_copies_fail() {
    let wheels = wheels();
    assert_eq!(wheels.len(), PINNED.len(), "{wheels:?}");
    let tmp = tempfile::tempdir().expect("tempdir");
    for wheel in &wheels {
        let (code, r) = inspect(wheel);
        assert_eq!(code, 0, "{}: {:#}", wheel.display(), r["findings"]);
        let name = wheel.file_name().and_then(|n| n.to_str()).expect("name");
        if r["metadata"]["fields"]["License-File"].is_array() && !name.starts_with("jiter") {
            // License-File before metadata 2.4 is information, found where
            // those tools put it.
            assert!(
                findings(&r, "M006").is_empty(),
                "{name}: {:#}",
                r["findings"]
            );
        }
        if !r["native"].as_array().expect("native").is_empty() {
            assert_eq!(r["verdict"]["tag"], "manylinux_2_17_x86_64", "{name}");
            assert_eq!(findings(&r, "E002").len(), 0, "{name}");
        }
        let (copy, module) = tampered(wheel, tmp.path());
        let (code, r) = inspect(&copy);
        assert_eq!(code, 1, "{}: tampered copy", copy.display());
        assert!(
            findings(&r, "R004")
                .iter()
                .any(|f| f["path"] == module.as_str()),
            "{name}: {:#}",
            r["findings"]
        );
    }
}

#[test]
fn setuptools_license_file_in_metadata_2_1_is_information() {
    let wheel = wheels()
        .into_iter()
        .find(|w| w.to_string_lossy().contains("requests-"))
        .expect("requests");
    let (code, r) = inspect(&wheel);
    assert_eq!(code, 0);
    let m005 = findings(&r, "M005");
    assert_eq!(m005.len(), 1, "{m005:#?}");
    assert_eq!(m005[0]["severity"], "info");
}

#[test]
fn weak_thread_atexit_does_not_decide_the_tag() {
    for name in ["jiter-", "rpds_py-"] {
        let wheel = wheels()
            .into_iter()
            .find(|w| w.to_string_lossy().contains(name))
            .expect(name);
        let (_, r) = inspect(&wheel);
        let undefined_weak = r["native"][0]["version_needs"]
            .to_string()
            .contains("__cxa_thread_atexit_impl");
        assert!(
            !undefined_weak,
            "{name}: a weak reference counted as a need"
        );
        let next = &r["verdict"]["next_better"];
        assert!(
            !next.to_string().contains("__cxa_thread_atexit_impl"),
            "{name}: {next:#}"
        );
    }
}

/// orjson's macOS (universal2) and Windows wheels, downloaded once.
fn foreign_wheels() -> (PathBuf, PathBuf) {
    let dir = oracle_python()
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("cache dir")
        .join("foreign-wheels");
    for platform in ["macosx_11_0_arm64", "win_amd64"] {
        let out = run(Command::new(oracle_python())
            .args(["-m", "pip", "download", "--quiet", "--no-deps"])
            .args(["--only-binary", ":all:", "--python-version", "3.11"])
            .args(["--platform", platform, "--dest"])
            .arg(&dir)
            .arg("orjson==3.10.12"));
        assert!(out.status.success(), "pip download: {}", stderr(&out));
    }
    let find = |part: &str| {
        std::fs::read_dir(&dir)
            .expect("cache")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().contains(part))
            .unwrap_or_else(|| panic!("no {part} wheel in {}", dir.display()))
    };
    (find("universal2"), find("win_amd64"))
}

#[test]
fn macos_and_windows_native_code_is_read_from_its_headers() {
    let (mac, win) = foreign_wheels();
    let (code, r) = inspect(&mac);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    let slices = &r["foreign"][0]["min_macos"];
    assert_eq!(slices["arm64"], "11.0", "{:#}", r["foreign"]);
    assert_eq!(slices["x86_64"], "10.15", "{:#}", r["foreign"]);
    assert!(findings(&r, "E007").iter().all(|f| f["severity"] == "info"));
    assert_eq!(findings(&r, "E007").len(), 1);

    // The same wheel claiming an older macOS than its code needs.
    let tmp = tempfile::tempdir().expect("tempdir");
    let older = tmp
        .path()
        .join("orjson-3.10.12-cp311-cp311-macosx_10_9_x86_64.whl");
    std::fs::copy(&mac, &older).expect("copy");
    let (code, r) = inspect(&older);
    assert_eq!(code, 1);
    assert!(
        findings(&r, "E002").iter().any(|f| f["message"]
            .as_str()
            .is_some_and(|m| m.contains("needs macOS 10.15"))),
        "{:#}",
        r["findings"]
    );

    let (code, r) = inspect(&win);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    let pe = &r["foreign"][0];
    assert_eq!(pe["format"], "PE");
    assert_eq!(pe["arches"][0], "amd64");
    let dlls: Vec<String> = pe["needed"]
        .as_array()
        .expect("needed")
        .iter()
        .map(|d| d.as_str().expect("name").to_ascii_lowercase())
        .collect();
    assert!(dlls.iter().any(|d| d == "kernel32.dll"), "{dlls:?}");
}
