//! A hostile project folder and a hostile artifact: links leading out of
//! the project or round in loops, a readme or license that is a link to a
//! secret, member names that forge the verdict or write the clipboard, and
//! the interpreter a project names.

use super::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::Path;

const SECRET: &str = "-----BEGIN OPENSSH PRIVATE KEY----- not for shipping";

/// The `flat` fixture beside a directory it must never ship.
fn project_beside_a_secret() -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, project) = fixture("flat");
    write(&tmp.path().join("outside-secret/id_rsa"), SECRET);
    (tmp, project)
}

fn file_entries(artifact: &Path) -> BTreeSet<String> {
    let out = run(gradient().arg("inspect").arg(artifact).arg("--json"));
    let report: Value = serde_json::from_slice(&out.stdout).expect("inspect JSON");
    report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["kind"] == "file")
        .map(|e| e["path"].as_str().expect("path").to_string())
        .collect()
}

#[test]
fn trust_links_out_of_the_project_and_loops_never_enter_an_artifact() {
    let (tmp, p) = project_beside_a_secret();
    let pkg = p.join("flatpkg");
    symlink("../../outside-secret", pkg.join("keys")).expect("dir link out");
    symlink("../../outside-secret/id_rsa", pkg.join("token.txt")).expect("file link out");
    symlink(".", pkg.join("loop")).expect("one loop");
    write(&pkg.join("a/__init__.py"), "");
    symlink("..", pkg.join("a/back")).expect("second loop");
    symlink("../a", pkg.join("a/again")).expect("third loop");
    symlink("core.py", pkg.join("alias.py")).expect("a link inside");

    // The preview names each link, where it leads and the rule.
    let preview = run(gradient()
        .args(["preview", "--format", "wheel", "--excluded"])
        .arg(&p));
    assert!(preview.status.success(), "{}", stderr(&preview));
    let text = stdout(&preview);
    let line = |path: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{path}  (")))
            .unwrap_or_else(|| panic!("`{path}` is not listed as excluded:\n{text}"))
            .to_string()
    };
    for (link, target) in [
        ("flatpkg/keys", "-> ../../outside-secret"),
        ("flatpkg/token.txt", "-> ../../outside-secret/id_rsa"),
    ] {
        let l = line(link);
        assert!(
            l.contains(target) && l.contains("leaves the project"),
            "{l}"
        );
        assert!(
            l.contains(&tmp.path().join("outside-secret").display().to_string()),
            "{l}"
        );
    }
    for (link, target) in [
        ("flatpkg/loop", "-> ."),
        ("flatpkg/a/back", "-> .."),
        ("flatpkg/a/again", "-> ../a"),
    ] {
        let l = line(link);
        assert!(l.contains("symlink loop") && l.contains(target), "{l}");
    }

    // The build does exactly what the preview said, and finishes.
    let planned = run(gradient()
        .args(["preview", "--format", "wheel", "--json"])
        .arg(&p));
    let plan: Value = serde_json::from_slice(&planned.stdout).expect("plan JSON");
    let planned: BTreeSet<String> = plan["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["path"].as_str().expect("path").to_string())
        .collect();
    let out = tmp.path().join("dist");
    let report = build_json(&p, &out, &["--format", "sdist", "--format", "wheel"]);
    let wheel = file_entries(&artifact(&report, "wheel"));
    assert_eq!(wheel, planned, "the wheel holds what the preview listed");
    assert!(
        wheel.contains("flatpkg/alias.py"),
        "links inside are followed: {wheel:?}"
    );
    let sdist = file_entries(&artifact(&report, "sdist"));
    for entries in [&wheel, &sdist] {
        assert!(entries.len() < 20, "no nested copies: {entries:?}");
        for e in entries.iter() {
            for bad in ["keys/", "token.txt", "/loop/", "/back/", "/again/"] {
                assert!(!e.contains(bad), "`{e}` came through a link: {entries:?}");
            }
        }
    }
    for f in std::fs::read_dir(&out).expect("dist") {
        let path = f.expect("entry").path();
        let unpacked = run(Command::new("python3")
            .args([
                "-c",
                "import sys, tarfile, zipfile\n\
                 p = sys.argv[1]\n\
                 if zipfile.is_zipfile(p):\n    z = zipfile.ZipFile(p); print(''.join(z.read(n).decode('latin-1') for n in z.namelist()))\n\
                 else:\n    t = tarfile.open(p); print(''.join(t.extractfile(m).read().decode('latin-1') for m in t if m.isfile()))",
            ])
            .arg(&path));
        assert!(unpacked.status.success(), "{}", stderr(&unpacked));
        assert!(
            !stdout(&unpacked).contains(SECRET),
            "{} holds the secret",
            path.display()
        );
    }
}

#[test]
fn trust_a_readme_or_license_linked_out_of_the_project_is_an_error_naming_the_link() {
    for (file, field) in [
        ("README.rst", "project.readme"),
        ("COPYING", "project.license"),
    ] {
        let (tmp, p) = project_beside_a_secret();
        std::fs::remove_file(p.join(file)).expect("remove");
        symlink(tmp.path().join("outside-secret/id_rsa"), p.join(file)).expect("link out");
        let out = tmp.path().join("dist");
        let build = run(gradient().arg("build").arg(&p).arg("--out").arg(&out));
        assert_eq!(build.status.code(), Some(1), "{}", stdout(&build));
        let err = stderr(&build);
        assert!(
            err.contains(field)
                && err.contains(&format!("`{file}` -> "))
                && err.contains("leaves the project"),
            "{err}"
        );
        assert!(!err.contains(SECRET), "{err}");
        assert!(!out.exists() || std::fs::read_dir(&out).expect("dist").next().is_none());
        let preview = run(gradient().arg("preview").arg(&p));
        assert_eq!(
            preview.status.code(),
            Some(1),
            "the preview says what the build does"
        );
    }
}

/// A wheel whose member names try to forge the report, write the clipboard
/// (OSC 52) and set the window title.
const FORGED: [&str; 3] = [
    "\nverifies: 0 errors, 0 warnings\x1b[8m",
    "pkg/\x1b]52;c;ZWNobyBwd25lZA==\x07clip.py",
    "pkg/\x1b]0;all good\x07title.py",
];

#[test]
fn trust_member_names_cannot_forge_the_report() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let whl = tmp.path().join("forged-1.0-py3-none-any.whl");
    zip_with(&whl, &FORGED);

    let out = run(gradient().arg("inspect").arg(&whl));
    assert_eq!(
        out.status.code(),
        Some(1),
        "a wheel without metadata does not verify"
    );
    let bytes = &out.stdout;
    assert!(
        !bytes
            .iter()
            .any(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f),
        "a control character reached the terminal: {}",
        stdout(&out)
    );
    let text = stdout(&out);
    let verdicts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("verifies") || l.starts_with("DOES NOT VERIFY"))
        .collect();
    assert_eq!(verdicts.len(), 1, "one verdict line: {text}");
    assert!(verdicts[0].starts_with("DOES NOT VERIFY"), "{text}");
    assert!(text
        .lines()
        .last()
        .is_some_and(|l| l.starts_with("DOES NOT VERIFY")));
    assert!(
        text.contains("\\nverifies: 0 errors, 0 warnings\\x1b[8m"),
        "{text}"
    );
    assert!(
        text.contains("pkg/\\x1b]52;c;ZWNobyBwd25lZA==\\x07clip.py"),
        "{text}"
    );

    // JSON keeps the names exactly.
    let json = run(gradient().arg("inspect").arg(&whl).arg("--json"));
    let report: Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let paths: BTreeSet<&str> = report["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    for name in FORGED {
        assert!(paths.contains(name), "{name:?} not exact in {paths:?}");
    }

    // Comparing it with a plain archive escapes the names as well.
    let plain = tmp.path().join("forged-1.1-py3-none-any.whl");
    zip_with(&plain, &["pkg/plain.py"]);
    let diff = run(gradient().arg("diff").arg(&whl).arg(&plain));
    let text = stdout(&diff);
    assert!(!diff.stdout.contains(&0x1b), "{text}");
    assert!(
        text.contains("  - \\nverifies: 0 errors, 0 warnings\\x1b[8m"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("different"), "{text}");
}

/// A zip archive holding `names` (each with one byte), written by Python.
fn zip_with(path: &Path, names: &[&str]) {
    let names = serde_json::to_string(names).expect("json");
    let made = run(Command::new("python3")
        .args([
            "-c",
            "import json, sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w') as z:\n\
             \x20   for n in json.loads(sys.argv[2]): z.writestr(n, 'x')",
        ])
        .arg(path)
        .arg(&names));
    assert!(made.status.success(), "{}", stderr(&made));
}

#[test]
fn trust_the_command_line_says_which_interpreter_a_project_names_it_runs() {
    let (tmp, p) = fixture("app");
    let marker = tmp.path().join("interpreter-ran");
    write(
        &p.join("tools/python"),
        &format!(
            "#!/bin/sh\necho ran >> {}\nexec python3 \"$@\"\n",
            marker.display()
        ),
    );
    std::fs::set_permissions(
        p.join("tools/python"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .expect("chmod");
    let pyproject = std::fs::read_to_string(p.join("pyproject.toml")).expect("read");
    write(
        &p.join("pyproject.toml"),
        &format!("{pyproject}\n[tool.gradient.app]\npython = \"./tools/python\"\n"),
    );
    let out = run(gradient()
        .args(["preview", "--format", "zipapp", "--wheelhouse"])
        .arg(app_wheels("host"))
        .arg(&p));
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    let said = err
        .lines()
        .find(|l| l.starts_with("gradient: runs "))
        .unwrap_or_else(|| panic!("no line says what runs: {err}"));
    assert!(
        said.contains("tools/python") && said.contains("[tool.gradient.app] python"),
        "{said}"
    );
    assert!(marker.exists(), "the command line runs what it is told to");
}
