//! `gradient inspect` and `gradient diff` on artifacts the tests make: our own
//! builds, deliberately broken and hostile ones (forged by
//! tests/oracle/forge.py), a wheel with a C extension compiled here, and real
//! binary wheels from PyPI whose verdict must agree with `auditwheel show`.

use crate::support::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `gradient inspect FILE --json`: (exit code, report).
fn inspect(file: &Path) -> (i32, Value) {
    let out = run(gradient().arg("inspect").arg(file).arg("--json"));
    let code = out.status.code().expect("exit code");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "inspect {} printed no JSON ({e}): {}",
            file.display(),
            stderr(&out)
        )
    });
    (code, report)
}

fn codes(report: &Value) -> BTreeSet<String> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().expect("code").to_string())
        .collect()
}

fn finding<'a>(report: &'a Value, code: &str, path: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == code && f["path"] == path)
        .unwrap_or_else(|| panic!("no {code} for {path} in {:#}", report["findings"]))
}

fn forge(args: &[&str]) -> String {
    let out = run(Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/forge.py"))
        .args(args));
    assert!(out.status.success(), "forge.py {args:?}: {}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn built_example(out: &Path) -> (PathBuf, PathBuf) {
    let (_tmp, project) = fixture("srclayout");
    let report = build_json(&project, out, &[]);
    (artifact(&report, "wheel"), artifact(&report, "sdist"))
}

#[test]
fn our_own_artifacts_verify_cleanly() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (wheel, sdist) = built_example(tmp.path());
    let (code, report) = inspect(&wheel);
    assert_eq!(code, 0, "{:#}", report["findings"]);
    assert_eq!(report["kind"], "wheel");
    assert_eq!(report["wheel"]["name"]["name"], "acme_widgets");
    assert_eq!(report["wheel"]["tags"], serde_json::json!(["py3-none-any"]));
    let record = &report["wheel"]["record"];
    assert_eq!(record["problems"], 0);
    assert_eq!(
        record["verified"].as_u64(),
        record["rows"].as_u64().map(|r| r - 1),
        "every row but RECORD's own"
    );
    assert_eq!(report["metadata"]["fields"]["Name"][0], "Acme.Widgets");
    assert!(report["entry_points"]["console_scripts"]["acme-widgets"].is_string());

    let (code, report) = inspect(&sdist);
    assert_eq!(code, 0, "{:#}", report["findings"]);
    assert_eq!(report["kind"], "sdist");
    assert_eq!(report["sdist"]["top"], "acme_widgets-1.2.0rc1");
    assert!(report["sdist"]["pyproject"]["name"].is_string());

    // The human form ends with the verdict line.
    assert_verifies_cleanly(&wheel);
}

#[test]
fn broken_and_hostile_wheels_show_every_finding() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (wheel, _) = built_example(tmp.path());
    let forged = tmp.path().join("forged");
    forge(&[
        "wheel",
        wheel.to_str().expect("utf-8"),
        forged.to_str().expect("utf-8"),
    ]);
    let name = wheel.file_name().expect("name");
    let module = "acme_widgets/__init__.py";
    let case = |kind: &str| {
        let (code, report) = inspect(&forged.join(kind).join(name));
        (code, report)
    };

    let (code, r) = case("tampered-record");
    assert_eq!(code, 1);
    assert!(finding(&r, "R004", module)["message"]
        .as_str()
        .expect("message")
        .contains("RECORD says"));
    assert!(finding(&r, "R005", module)["message"]
        .as_str()
        .expect("message")
        .contains("RECORD says 999"));

    let (code, r) = case("missing-file");
    assert_eq!(code, 1);
    finding(&r, "R003", module);

    let (code, r) = case("extra-file");
    assert_eq!(code, 1);
    finding(&r, "R002", "planted.py");

    let (code, r) = case("bad-metadata");
    assert_eq!(code, 1);
    let meta = "acme_widgets-1.2.0rc1.dist-info/METADATA";
    let messages: Vec<&str> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["path"] == meta)
        .map(|f| f["message"].as_str().expect("message"))
        .collect();
    for expected in [
        "Version `not.a.version`",
        "Requires-Dist `pkg >= = 1`",
        "unknown field `X-Old-Version`",
        "RECORD says",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expected)),
            "{expected} not in {messages:#?}"
        );
    }

    let (code, r) = case("traversal");
    assert_eq!(code, 1);
    finding(&r, "A001", "../../evil.py");
    finding(&r, "A001", "/etc/evil.py");

    let (code, r) = case("duplicate");
    assert_eq!(code, 1);
    finding(&r, "A002", module);

    let (code, r) = case("symlink");
    assert_eq!(code, 1);
    finding(&r, "A003", "link.py");

    // The bomb is recognised without inflating 256 MiB.
    let (code, r) = case("bomb");
    assert_eq!(code, 1);
    finding(&r, "A006", "zeros.bin");

    let (code, r) = case("truncated");
    assert_eq!(code, 1);
    assert!(codes(&r).contains("A007"), "{:#}", r["findings"]);

    let (_, r) = case("bytecode");
    let found = codes(&r);
    assert!(
        found.contains("W001") && found.contains("B001"),
        "{found:?}"
    );
    let versions: BTreeSet<&str> = r["bytecode"]
        .as_array()
        .expect("bytecode")
        .iter()
        .filter_map(|p| p["python"].as_str())
        .collect();
    assert!(versions.contains("3.12"), "{versions:?}");
}

#[test]
fn hostile_sdist_and_zipapp() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().to_str().expect("utf-8");
    let sdist = PathBuf::from(forge(&["sdist", out]));
    let (code, r) = inspect(&sdist);
    assert_eq!(code, 1);
    let found = codes(&r);
    for code in ["A001", "A003", "A014", "S001", "S002", "N002"] {
        assert!(found.contains(code), "{code} missing: {found:?}");
    }

    let pyz = PathBuf::from(forge(&["zipapp", out]));
    let (code, r) = inspect(&pyz);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    assert_eq!(r["kind"], "zipapp");
    assert_eq!(r["zipapp"]["shebang"], "/usr/bin/env python3");
    assert_eq!(r["zipapp"]["distributions"][0]["name"], "vendored-dep");
    assert_eq!(r["zipapp"]["distributions"][0]["version"], "2.3");
    assert_eq!(r["zipapp"]["native_code"], false);
}

/// `auditwheel show --json` on a wheel.
fn auditwheel(wheel: &Path) -> Value {
    let tool = oracle_python().with_file_name("auditwheel");
    let out = run(Command::new(tool).arg("show").arg("--json").arg(wheel));
    assert!(
        out.status.success(),
        "auditwheel show {}: {}",
        wheel.display(),
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).expect("auditwheel prints JSON")
}

/// Our verdict must be auditwheel's: the tag, the symbol tag, and every
/// versioned symbol requirement.
fn assert_agrees_with_auditwheel(wheel: &Path, ours: &Value) {
    let theirs = auditwheel(wheel);
    let verdict = &ours["verdict"];
    assert_eq!(verdict["tag"], theirs["overall_tag"], "{}", wheel.display());
    assert_eq!(
        verdict["symbol_tag"],
        theirs["sym_tag"],
        "{}",
        wheel.display()
    );
    assert_eq!(
        verdict["versioned_symbols"],
        theirs["versioned_symbols"],
        "{}",
        wheel.display()
    );
}

#[test]
fn c_extension_built_here_is_read_and_judged_like_auditwheel() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().to_str().expect("utf-8");
    let wheel = PathBuf::from(forge(&["cext", out]));
    let (code, r) = inspect(&wheel);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    let native = &r["native"][0];
    assert_eq!(native["machine"], "x86_64");
    assert_eq!(native["python_extension"], true);
    assert!(native["needed"]
        .as_array()
        .expect("needed")
        .iter()
        .any(|n| n == "libc.so.6"));
    assert_eq!(
        native["version_needs"]["libc.so.6"]["GLIBC_2.25"],
        serde_json::json!(["getentropy"])
    );
    assert_eq!(r["verdict"]["tag"], "manylinux_2_26_x86_64");
    let next = &r["verdict"]["next_better"];
    assert_eq!(next["tag"], "manylinux_2_24_x86_64");
    assert!(next["symbol_versions"]["GLIBC_2.25"][0]
        .as_str()
        .expect("use")
        .ends_with("getentropy"));
    assert_agrees_with_auditwheel(&wheel, &r);

    // The same code claiming manylinux_2_17 (and its legacy alias
    // manylinux2014) is one error naming the symbol.
    let sub = tmp.path().join("claim");
    std::fs::create_dir_all(&sub).expect("mkdir");
    let claiming = PathBuf::from(forge(&[
        "cext",
        sub.to_str().expect("utf-8"),
        "--tag",
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
    ]));
    let (code, r) = inspect(&claiming);
    assert_eq!(code, 1);
    let e002: Vec<&Value> = r["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == "E002")
        .collect();
    assert_eq!(
        e002.len(),
        1,
        "one finding for a tag and its alias: {e002:#?}"
    );
    let e002 = e002[0];
    assert!(
        e002["message"]
            .as_str()
            .expect("message")
            .contains("GLIBC_2.25"),
        "{e002}"
    );

    // And the wheel is real: pip installs it and the extension runs.
    let target = tmp.path().join("site");
    let pip = run(Command::new(oracle_python())
        .args(["-m", "pip", "install", "--quiet", "--no-deps", "--target"])
        .arg(&target)
        .arg(&wheel));
    assert!(pip.status.success(), "{}", stderr(&pip));
    let call = run(Command::new(oracle_python())
        .args(["-c", "import cext_demo; print(cext_demo.entropy())"])
        .env("PYTHONPATH", &target));
    assert_eq!(stdout(&call).trim(), "8", "{}", stderr(&call));
}

/// Pinned binary wheels from PyPI, downloaded once into the cache.
fn pypi_wheels() -> Vec<PathBuf> {
    const PINNED: &[&str] = &[
        "numpy==2.4.6",
        "cryptography==50.0.2",
        "pydantic-core==2.50.4",
    ];
    let dir = oracle_python()
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("cache dir")
        .join("pypi-wheels");
    let have = |dir: &Path| -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "whl"))
                    .collect()
            })
            .unwrap_or_default();
        found.sort();
        found
    };
    if have(&dir).len() < PINNED.len() {
        let out = run(Command::new(oracle_python())
            .args([
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
            ])
            .args([
                "--python-version",
                "3.11",
                "--platform",
                "manylinux_2_28_x86_64",
                "--platform",
                "manylinux2014_x86_64",
            ])
            .arg("--dest")
            .arg(&dir)
            .args(PINNED));
        assert!(out.status.success(), "pip download: {}", stderr(&out));
    }
    have(&dir)
}

#[test]
fn real_pypi_wheels_agree_with_auditwheel() {
    let wheels = pypi_wheels();
    assert_eq!(wheels.len(), 3, "{wheels:?}");
    for wheel in &wheels {
        let (code, r) = inspect(wheel);
        assert_eq!(code, 0, "{}: {:#}", wheel.display(), r["findings"]);
        assert!(!r["native"].as_array().expect("native").is_empty());
        assert_agrees_with_auditwheel(wheel, &r);
    }
}

#[test]
fn diff_shows_what_changed_between_releases() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_t, project) = fixture("flat");
    let first = build_json(&project, &tmp.path().join("a"), &["--format", "wheel"]);
    let pyproject = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).expect("pyproject");
    let changed = text
        .replacen("version = \"0.3\"", "version = \"9.9\"", 1)
        .replacen(
            "[\"requests>=2,<3\"]",
            "[\"requests>=2.31,<3\", \"click>=8\"]",
            1,
        );
    assert_ne!(changed, text);
    write(&pyproject, &changed);
    let module = std::fs::read_dir(&project)
        .expect("project")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.is_dir() && p.join("__init__.py").exists())
        .expect("a package");
    write(&module.join("added.py"), "X = 1\n");
    let second = build_json(&project, &tmp.path().join("b"), &["--format", "wheel"]);
    let (a, b) = (artifact(&first, "wheel"), artifact(&second, "wheel"));

    let out = run(gradient().arg("diff").arg(&a).arg(&b).arg("--json"));
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let version = d["metadata"]
        .as_array()
        .expect("metadata")
        .iter()
        .find(|c| c["key"] == "Version")
        .expect("Version changed");
    assert_eq!(version["after"], "9.9");
    let deps = d["dependencies"].as_array().expect("dependencies");
    assert_eq!(deps.len(), 2, "{deps:#?}");
    assert_eq!(deps[0]["key"], "click");
    assert_eq!(deps[0]["before"], Value::Null);
    assert_eq!(deps[1]["key"], "requests");
    assert_eq!(deps[1]["before"], "requests>=2,<3");
    assert_eq!(deps[1]["after"], "requests>=2.31,<3");
    let added: Vec<&str> = d["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter(|f| f["before"].is_null())
        .map(|f| f["path"].as_str().expect("path"))
        .collect();
    assert!(added.iter().any(|p| p.ends_with("/added.py")), "{added:?}");
    // METADATA changed; versioned paths line up as {dist-info}/...
    assert!(d["files"]
        .as_array()
        .expect("files")
        .iter()
        .any(|f| f["path"] == "{dist-info}/METADATA"));

    let human = run(gradient().arg("diff").arg(&a).arg(&b));
    let text = stdout(&human);
    assert!(
        text.contains("dependencies:\n  + click: click>=8"),
        "{text}"
    );

    let same = run(gradient().arg("diff").arg(&a).arg(&a));
    assert_eq!(same.status.code(), Some(0));
    assert!(stdout(&same).trim_end().ends_with("identical"));
}

#[test]
fn usage_errors_exit_2() {
    let out = run(gradient().arg("inspect").arg("/nonexistent/x.whl"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/x.whl"),
        "{}",
        stderr(&out)
    );
    let out = run(gradient().arg("diff").arg("only-one"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn shiv_and_pex_zipapps_list_what_they_vendor() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (wheel, _) = built_example(tmp.path());
    let wheels = wheel.parent().expect("dist dir");
    let bin = oracle_python().with_file_name("shiv");
    let shiv_out = tmp.path().join("app-shiv.pyz");
    let out = run(Command::new(bin)
        .args(["-q", "--no-index", "--find-links"])
        .arg(wheels)
        .arg("-o")
        .arg(&shiv_out)
        .args(["-c", "acme-widgets", "acme-widgets"]));
    assert!(out.status.success(), "shiv: {}", stderr(&out));
    let pex_out = tmp.path().join("app.pex");
    let out = run(Command::new(oracle_python().with_file_name("pex"))
        .args(["--no-pypi", "-f"])
        .arg(wheels)
        .args(["acme-widgets", "-c", "acme-widgets", "-o"])
        .arg(&pex_out));
    assert!(out.status.success(), "pex: {}", stderr(&out));
    for (file, tool) in [(&shiv_out, "shiv"), (&pex_out, "pex")] {
        let (code, r) = inspect(file);
        assert_eq!(code, 0, "{tool}: {:#}", r["findings"]);
        assert_eq!(r["kind"], "zipapp");
        assert_eq!(r["zipapp"]["tool"], tool);
        assert!(r["zipapp"]["shebang"]
            .as_str()
            .expect("shebang")
            .contains("python"));
        let dists = r["zipapp"]["distributions"]
            .as_array()
            .expect("distributions");
        assert!(
            dists
                .iter()
                .any(|d| d["name"] == "Acme.Widgets" && d["version"] == "1.2.0rc1"),
            "{tool}: {dists:#?}"
        );
    }
}
