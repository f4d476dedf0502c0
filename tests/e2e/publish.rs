//! End-to-end tests of `gradient publish` against real index servers started
//! on 127.0.0.1 (pypiserver with an htpasswd file, devpi-server), judged by
//! pip installing from them and by the servers' own logs and storage. The
//! token must never appear in any output.

use super::support::{
    artifact, build_json, fixture, gradient, oracle_python, run, run_with_stdin, stderr, stdout,
    write,
};
use super::upload_servers::{Devpi, Faults, Proxy, Pypiserver, TOKEN, USER};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `gradient publish FILES --repository-url URL --json`, with TWINE_*
/// credentials and a HOME without .pypirc.
fn publish_cmd(files: &[PathBuf], url: &str, password: &str, home: &Path) -> Command {
    let mut cmd = gradient();
    cmd.arg("publish")
        .args(files)
        .args(["--repository-url", url, "--no-keyring", "--json"])
        .env("HOME", home)
        .env_remove("GRADIENT_PUBLISH_TOKEN")
        .env("TWINE_USERNAME", USER)
        .env("TWINE_PASSWORD", password);
    cmd
}

fn publish(files: &[PathBuf], url: &str, password: &str, home: &Path) -> (Output, Value) {
    let out = run(&mut publish_cmd(files, url, password, home));
    assert_secret_free(&out, password);
    let value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&out), stderr(&out)));
    (out, value)
}

fn assert_secret_free(out: &Output, password: &str) {
    for text in [stdout(out), stderr(out)] {
        assert!(
            !text.contains(TOKEN) && !text.contains(password),
            "a secret was printed:\n{text}"
        );
    }
}

fn statuses(value: &Value) -> Vec<String> {
    value["outcome"]["files"]
        .as_array()
        .unwrap_or_else(|| panic!("no outcome in {value:#}"))
        .iter()
        .map(|f| f["status"].as_str().unwrap_or("").to_string())
        .collect()
}

fn posts(server: &Pypiserver) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.starts_with("POST"))
        .count()
}

fn sha256(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).expect("read");
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The `single` fixture built: (its temp dir, project dir, sdist, wheel).
fn built(version: &str) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let (tmp, project) = fixture("single");
    let pyproject = project.join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject)
        .expect("read")
        .replace("2.0.1", version);
    write(&pyproject, &text);
    let report = build_json(&project, &project.join("dist"), &[]);
    let (sdist, wheel) = (artifact(&report, "sdist"), artifact(&report, "wheel"));
    (tmp, project, sdist, wheel)
}

#[test]
fn publish_to_pypiserver_then_pip_installs_it_and_a_second_run_skips() {
    let server = Pypiserver::start();
    let (tmp, project, sdist, wheel) = built("2.0.1");
    // --dry-run: the checks and the plan, nothing sent.
    let mut dry = publish_cmd(
        &[sdist.clone(), wheel.clone()],
        &server.url,
        TOKEN,
        tmp.path(),
    );
    let out = run(dry.arg("--dry-run").env_remove("TWINE_PASSWORD"));
    assert!(out.status.success(), "{}", stderr(&out));
    let value: Value = serde_json::from_slice(&out.stdout).expect("json");
    let actions: Vec<&str> = value["checked"]["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["upload", "upload"]);
    assert!(value.get("outcome").is_none());
    assert_eq!(posts(&server), 0);

    let (out, value) = publish(
        &[sdist.clone(), wheel.clone()],
        &server.url,
        TOKEN,
        tmp.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(statuses(&value), ["uploaded", "uploaded"]);
    for file in value["outcome"]["files"].as_array().expect("files") {
        let url = file["url"].as_str().expect("url of the uploaded file");
        assert!(
            url.starts_with(&server.url)
                && url.ends_with(file["file_name"].as_str().expect("name")),
            "{url}"
        );
    }
    let names: Vec<String> = [&sdist, &wheel]
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(server.files(), sorted);
    for (name, local) in names.iter().zip([&sdist, &wheel]) {
        assert_eq!(
            sha256(&server.packages.join(name)),
            sha256(local),
            "{name} arrived changed"
        );
    }

    // pip installs the project from the index and it runs.
    let bin = venv(&tmp.path().join("venv"));
    let pip = run(Command::new(bin.join("python"))
        .args([
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
        ])
        .arg(format!("{}simple/", server.url))
        .arg("tinymod==2.0.1"));
    assert!(pip.status.success(), "pip install: {}", stderr(&pip));
    let ran = run_with_stdin(&mut Command::new(bin.join("tinymod")), "published\n");
    assert_eq!(stdout(&ran), "PUBLISHED\n");

    // Again, from the project directory with no file named: skipped, no POST.
    let before = posts(&server);
    let mut again = publish_cmd(&[], &server.url, TOKEN, tmp.path());
    let out = run(again.current_dir(&project));
    assert_secret_free(&out, TOKEN);
    assert!(out.status.success(), "{}", stderr(&out));
    let value: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(statuses(&value), ["skipped", "skipped"]);
    assert_eq!(posts(&server), before, "a skipped file was uploaded");
}

#[test]
fn same_file_name_with_other_bytes_is_refused_before_upload() {
    let server = Pypiserver::start();
    let (tmp, project, sdist, _) = built("3.0");
    let old = sha256(&sdist);
    let (out, _) = publish(std::slice::from_ref(&sdist), &server.url, TOKEN, tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    // The same version rebuilt from changed source: same name, other bytes.
    write(&project.join("tinymod.py"), "def main():\n    return 1\n");
    let report = build_json(&project, &project.join("dist"), &["--format", "sdist"]);
    let rebuilt = artifact(&report, "sdist");
    let new = sha256(&rebuilt);
    assert_ne!(old, new);
    let before = posts(&server);
    let (out, value) = publish(&[rebuilt], &server.url, TOKEN, tmp.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let problems = value["checked"]["problems"].to_string();
    assert!(
        problems.contains("P006") && problems.contains(&old) && problems.contains(&new),
        "{problems}"
    );
    assert!(
        stderr(&out).contains(&format!("index sha256 {old}, this file sha256 {new}")),
        "{}",
        stderr(&out)
    );
    assert_eq!(posts(&server), before, "the conflicting file was sent");
}

#[test]
fn a_wrong_password_is_a_clear_error_that_never_shows_it() {
    let server = Pypiserver::start();
    let (tmp, _, _, wheel) = built("1.0");
    let wrong = "pypi-wrong-password-0123456789";
    let (out, value) = publish(&[wheel], &server.url, wrong, tmp.path());
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("environment (TWINE_PASSWORD)") && err.contains(&format!("user `{USER}`")),
        "{err}"
    );
    assert!(
        err.contains("HTTP 401") || err.contains("HTTP 403"),
        "{err}"
    );
    assert!(err.contains("What to do"), "{err}");
    assert_eq!(statuses(&value), ["failed"]);
    assert!(server.files().is_empty());
}

#[test]
fn files_the_checks_reject_are_never_sent_and_the_server_sees_no_request() {
    let server = Pypiserver::start();
    let (tmp, project) = fixture("single");
    // A README that does not render on PyPI, an invalid classifier.
    write(
        &project.join("README.rst"),
        "tinymod\n====\n\nUse :ref:`it`.\n",
    );
    let pyproject = std::fs::read_to_string(project.join("pyproject.toml"))
        .expect("read")
        .replace("readme = \"README.md\"", "readme = \"README.rst\"\nclassifiers = [\"Programming Language :: Python :: 3\", \"Topic :: Made Up\"]");
    write(&project.join("pyproject.toml"), &pyproject);
    let report = build_json(&project, &project.join("dist"), &[]);
    let (sdist, wheel) = (artifact(&report, "sdist"), artifact(&report, "wheel"));
    // And a wheel the inspector rejects: a module changed after RECORD was written.
    let (_keep, _, _, good) = built("1.0");
    let tampered = tmp.path().join("tinymod-1.0-py3-none-any.whl");
    tamper(&good, &tampered);

    let (out, value) = publish(
        &[sdist.clone(), wheel, tampered],
        &server.url,
        TOKEN,
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let codes: Vec<&str> = value["checked"]["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    for code in ["P003", "P004"] {
        assert!(codes.contains(&code), "{code} missing: {value:#}");
    }
    assert!(
        codes.iter().any(|c| c.starts_with('R')),
        "the RECORD mismatch is not reported: {codes:?}"
    );
    assert!(
        stderr(&out).contains("unknown interpreted text role `ref`"),
        "{}",
        stderr(&out)
    );
    assert!(value.get("outcome").is_none());
    // Only the set-up's readiness probe reached the server.
    let requests = server.requests();
    assert_eq!(
        requests,
        [format!("GET {}", server.url)],
        "the server saw more"
    );
    assert!(server.files().is_empty());
    // twine check (readme_renderer) agrees that the README does not render.
    let twine = run(Command::new(oracle_python())
        .args(["-m", "twine", "check", "--strict"])
        .arg(&sdist));
    assert!(
        !twine.status.success(),
        "twine check passed the README: {}",
        stdout(&twine)
    );
}

/// Copy a wheel, changing one module's bytes but not its RECORD line.
fn tamper(from: &Path, to: &Path) {
    use std::io::{Read, Write};
    let mut src = zip::ZipArchive::new(std::fs::File::open(from).expect("open")).expect("zip");
    let mut dst = zip::ZipWriter::new(std::fs::File::create(to).expect("create"));
    for i in 0..src.len() {
        let mut entry = src.by_index(i).expect("entry");
        let name = entry.name().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        if name == "tinymod.py" {
            bytes.extend_from_slice(b"\nprint('surprise')\n");
        }
        dst.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("start");
        dst.write_all(&bytes).expect("write");
    }
    dst.finish().expect("finish");
}

#[test]
fn a_500_is_retried_and_a_stored_first_try_counts_as_success() {
    let server = Pypiserver::start();
    let (tmp, _, sdist, wheel) = built("4.0");
    let proxy = Proxy::start(
        &server.url,
        Faults {
            fail_first_upload: true,
            ..Faults::default()
        },
    );
    let (out, value) = publish(std::slice::from_ref(&sdist), &proxy.url, TOKEN, tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(value["outcome"]["files"][0]["attempts"], 2, "{value:#}");
    let post_statuses: Vec<u16> = proxy
        .seen()
        .iter()
        .filter(|s| s.method == "POST")
        .map(|s| s.status)
        .collect();
    assert_eq!(post_statuses, [500, 200]);
    assert_eq!(
        posts(&server),
        1,
        "the failed try must not reach the server"
    );

    // The server stores the file but the answer is lost: the retry finds it.
    let lossy = Proxy::start(
        &server.url,
        Faults {
            lose_first_answer: true,
            ..Faults::default()
        },
    );
    let (out, value) = publish(&[wheel], &lossy.url, TOKEN, tmp.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let file = &value["outcome"]["files"][0];
    assert_eq!(file["status"], "uploaded");
    assert!(
        file["note"]
            .as_str()
            .unwrap_or("")
            .contains("earlier try reached the index"),
        "{file:#}"
    );
    assert_eq!(posts(&server), 2, "the stored file was sent a second time");
    assert_eq!(server.files().len(), 2);
}

/// Upload `wheel` to `url` directly, then again through a proxy that hides
/// the listing once (as an index whose page lags behind): the server's own
/// "exists" answer must be read, and the file reported skipped. Returns the
/// server's status for that second upload.
fn exists_answer(url: &str, wheel: &Path, home: &Path) -> u16 {
    let (out, value) = publish(&[wheel.to_path_buf()], url, TOKEN, home);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(statuses(&value), ["uploaded"]);
    let lagging = Proxy::start(
        url,
        Faults {
            hide_first_listing: true,
            ..Faults::default()
        },
    );
    let (out, value) = publish(&[wheel.to_path_buf()], &lagging.url, TOKEN, home);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(statuses(&value), ["skipped"], "{value:#}");
    let hidden = lagging
        .seen()
        .into_iter()
        .any(|s| s.status == 404 && s.path.ends_with("/tinymod/"));
    assert!(
        hidden,
        "the project page was not hidden: {:?}",
        lagging.seen()
    );
    let post = lagging
        .seen()
        .into_iter()
        .find(|s| s.method == "POST")
        .expect("the second upload was sent");
    post.status
}

#[test]
fn pypiserver_and_devpi_answer_exists_differently_and_both_are_understood() {
    let (tmp, _, _, wheel) = built("5.0");
    let pypiserver = Pypiserver::start();
    let devpi = Devpi::start();
    let from_pypiserver = exists_answer(&pypiserver.url, &wheel, tmp.path());
    let from_devpi = exists_answer(&devpi.url, &wheel, tmp.path());
    // pypiserver: 409 Conflict; devpi: 200 "Upload of identical file to
    // non volatile index." (it answers 409 only for other bytes).
    assert_eq!(from_pypiserver, 409);
    assert_eq!(from_devpi, 200);
}

/// A fresh venv (from the oracle python) that pip installs into.
fn venv(dir: &Path) -> PathBuf {
    let out = run(Command::new(oracle_python()).args(["-m", "venv"]).arg(dir));
    assert!(out.status.success(), "venv: {out:?}");
    dir.join("bin")
}
