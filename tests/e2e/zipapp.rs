//! Zipapps end to end: the fixture application `greet` (click, rich and
//! markupsafe, whose speedups are an extension module) resolved from
//! wheelhouses, a local index (JSON and HTML) and a lock file, built into a
//! .pyz, and run by the target interpreter from another directory.

use crate::index_server::{Flavour, Server};
use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `gradient build APP --format zipapp --out OUT EXTRA…`; the .pyz path.
fn build_zipapp(project: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    let mut args = vec!["--format", "zipapp"];
    args.extend_from_slice(extra);
    artifact(&build_json(project, out, &args), "zipapp")
}

fn build_fails(project: &Path, extra: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = run(gradient()
        .arg("build")
        .arg(project)
        .args(["--format", "zipapp", "--out"])
        .arg(tmp.path())
        .args(extra));
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected a build error: {}",
        stdout(&out)
    );
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        0,
        "nothing written"
    );
    stderr(&out)
}

/// Run the archive with `python` from `cwd`, with its own extraction cache.
fn run_pyz(
    python: &str,
    pyz: &Path,
    cwd: &Path,
    cache: &Path,
    args: &[&str],
    stdin: &str,
) -> Output {
    run_with_stdin(
        Command::new(python)
            .arg(pyz)
            .args(args)
            .current_dir(cwd)
            .env("GRADIENT_ZIPAPP_CACHE", cache)
            .env_remove("PYTHONDONTWRITEBYTECODE"),
        stdin,
    )
}

fn wheelhouse_arg(which: &str) -> String {
    app_wheels(which).display().to_string()
}

#[test]
fn zipapp_runs_from_another_directory_with_arguments_exit_codes_and_stdio() {
    let (_tmp, app) = fixture("app");
    let out = tempfile::tempdir().unwrap();
    let wh = wheelhouse_arg("host");
    let pyz = build_zipapp(&app, out.path(), &["--wheelhouse", &wh]);
    assert_eq!(pyz.file_name().unwrap(), "greet-1.2.0.pyz");

    // Copied elsewhere, run from yet another directory.
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("greet.pyz");
    std::fs::copy(&pyz, &moved).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();

    let help = run_pyz("python3", &moved, cwd.path(), cache.path(), &["--help"], "");
    assert!(help.status.success(), "{}", stderr(&help));
    assert!(stdout(&help).contains("Greet NAME."), "{}", stdout(&help));

    let shout = run_pyz(
        "python3",
        &moved,
        cwd.path(),
        cache.path(),
        &["Ada", "--shout", "--html", "<b>&"],
        "",
    );
    assert!(shout.status.success(), "{}", stderr(&shout));
    assert_eq!(stdout(&shout), "HELLO, ADA!\nescaped: &lt;b&gt;&amp;\n");

    let code = run_pyz(
        "python3",
        &moved,
        cwd.path(),
        cache.path(),
        &["--exit-code", "7"],
        "",
    );
    assert_eq!(code.status.code(), Some(7));

    let echo = run_pyz(
        "python3",
        &moved,
        cwd.path(),
        cache.path(),
        &["--echo-stdin"],
        "line one\nline two\n",
    );
    assert_eq!(stdout(&echo), "Hello, world!\nline one\nline two\n");

    let bad = run_pyz(
        "python3",
        &moved,
        cwd.path(),
        cache.path(),
        &["--no-such-option"],
        "",
    );
    assert_eq!(
        bad.status.code(),
        Some(2),
        "click's usage error passes through"
    );
    assert!(stderr(&bad).contains("No such option"), "{}", stderr(&bad));

    // The extension module ran from the per-user cache, keyed by content.
    let where_ = run_pyz(
        "python3",
        &moved,
        cwd.path(),
        cache.path(),
        &["--where"],
        "",
    );
    let text = stdout(&where_);
    let speedups = text
        .lines()
        .find_map(|l| l.strip_prefix("speedups: "))
        .expect("speedups line");
    assert!(Path::new(speedups).starts_with(cache.path()), "{text}");
    assert!(speedups.ends_with(".so"), "{text}");
    let trees: Vec<_> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        trees.len(),
        1,
        "one extracted tree, no leftovers: {trees:?}"
    );
    // Bytecode shipped for the extracted tree, compiled by the target.
    let tree = cache.path().join(&trees[0]);
    assert!(tree.join("rich/__pycache__").read_dir().unwrap().count() > 10);

    // The shebang line runs it directly.
    let direct = run(Command::new(&moved)
        .arg("Bo")
        .env("GRADIENT_ZIPAPP_CACHE", cache.path()));
    assert_eq!(stdout(&direct), "Hello, Bo!\n", "{}", stderr(&direct));

    // The stdlib's zipfile test passes; our own inspector verifies it.
    let t = run(Command::new("python3")
        .args(["-m", "zipfile", "-t"])
        .arg(&moved));
    assert!(
        t.status.success() && stdout(&t).contains("Done testing"),
        "{}",
        stderr(&t)
    );
    let report = run(gradient().arg("inspect").arg(&moved).arg("--json"));
    assert!(report.status.success(), "{}", stdout(&report));
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["zipapp"]["tool"], "gradient");

    // Same inputs, same bytes.
    let again = tempfile::tempdir().unwrap();
    let second = build_zipapp(&app, again.path(), &["--wheelhouse", &wh]);
    assert_eq!(
        std::fs::read(&pyz).unwrap(),
        std::fs::read(&second).unwrap()
    );
}

#[test]
fn concurrent_first_runs_all_succeed() {
    let (_tmp, app) = fixture("app");
    let out = tempfile::tempdir().unwrap();
    let pyz = build_zipapp(&app, out.path(), &["--wheelhouse", &wheelhouse_arg("host")]);
    let cache = tempfile::tempdir().unwrap();
    // What first runs killed earlier left: removed once their process is
    // gone, kept while it lives.
    let dead_pid = {
        let mut child = Command::new("true").spawn().unwrap();
        child.wait().unwrap();
        child.id()
    };
    let dead = cache
        .path()
        .join(format!(".tmp-0123456789ab-{dead_pid}-0badf00d"));
    let alive = format!(".tmp-0123456789ab-{}-00c0ffee", std::process::id());
    for planted in [dead.clone(), cache.path().join(&alive)] {
        std::fs::create_dir_all(planted.join("pkg")).unwrap();
        std::fs::write(planted.join("pkg/mod.py"), "").unwrap();
    }
    let outputs = run_concurrently((0..6).map(|i| {
        let mut cmd = Command::new("python3");
        cmd.arg(&pyz)
            .arg(format!("n{i}"))
            .arg("--where")
            .env("GRADIENT_ZIPAPP_CACHE", cache.path());
        cmd
    }));
    for (i, out) in outputs.into_iter().enumerate() {
        assert!(out.status.success(), "run {i}: {}", stderr(&out));
        assert!(stdout(&out).starts_with(&format!(
            "Hello, n{i}!\nspeedups: {}",
            cache.path().display()
        )));
    }
    let entries: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| *name != alive)
        .collect();
    assert_eq!(
        entries.len(),
        1,
        "the losers' and the dead run's temporary trees are gone: {entries:?}"
    );
    assert!(
        cache.path().join(&alive).exists(),
        "a live run's tree is kept"
    );
}

#[test]
fn a_mismatched_interpreter_gets_a_clear_message() {
    let (_tmp, app) = fixture("app");
    let other_dir = app_wheels("other");
    let other = std::fs::read_to_string(other_dir.join("VERSION"))
        .unwrap()
        .trim()
        .to_string();
    let out = tempfile::tempdir().unwrap();
    let target = format!("{other}-manylinux_2_17_x86_64");
    let pyz = build_zipapp(
        &app,
        out.path(),
        &[
            "--target",
            &target,
            "--wheelhouse",
            &other_dir.display().to_string(),
        ],
    );
    let cache = tempfile::tempdir().unwrap();
    let run = run_pyz("python3", &pyz, out.path(), cache.path(), &["x"], "");
    assert_eq!(run.status.code(), Some(70), "{}", stdout(&run));
    let err = stderr(&run);
    assert!(
        err.contains(&format!(
            "built for CPython {other} (manylinux_2_17_x86_64)"
        )),
        "{err}"
    );
    assert!(err.contains("but is running on cpython 3."), "{err}");
    assert!(err.contains(&format!("python{other}")), "{err}");
    assert_eq!(
        std::fs::read_dir(cache.path()).unwrap().count(),
        0,
        "nothing extracted"
    );
}

#[test]
fn missing_wheels_sdists_and_conflicts_are_explained() {
    let (tmp, app) = fixture("app");
    let host = app_wheels("host");
    let partial = tmp.path().join("partial");
    std::fs::create_dir(&partial).unwrap();
    for entry in std::fs::read_dir(&host).unwrap() {
        let entry = entry.unwrap();
        if !entry.file_name().to_string_lossy().starts_with("rich-") {
            std::fs::copy(entry.path(), partial.join(entry.file_name())).unwrap();
        }
    }
    let partial_arg = partial.display().to_string();
    let err = build_fails(&app, &["--wheelhouse", &partial_arg]);
    assert!(
        err.contains("cannot resolve the dependencies of greet for CPython 3."),
        "{err}"
    );
    assert!(err.contains("greet 1.2.0 depends on rich >=13"), "{err}");
    assert!(
        err.contains(&format!("rich: not found in wheelhouse {partial_arg}")),
        "{err}"
    );

    write(&partial.join("rich-13.9.4.tar.gz"), "an sdist");
    let err = build_fails(&app, &["--wheelhouse", &partial_arg]);
    assert!(err.contains("rich: no wheel for CPython 3."), "{err}");
    assert!(
        err.contains("building one from its only sdist (rich-13.9.4.tar.gz) failed"),
        "{err}"
    );

    // A dependency that needs an older click than the application allows.
    let old = tmp.path().join("old");
    write(
        &old.join("pyproject.toml"),
        "[project]\nname = \"old-helper\"\nversion = \"1.0\"\ndependencies = [\"click<8\"]\n",
    );
    write(&old.join("old_helper/__init__.py"), "");
    let conflict = tmp.path().join("conflict");
    std::fs::create_dir(&conflict).unwrap();
    build_json(&old, &conflict, &["--format", "wheel"]);
    let pyproject = std::fs::read_to_string(app.join("pyproject.toml")).unwrap();
    write(
        &app.join("pyproject.toml"),
        &pyproject.replace("\"click>=8.1\",", "\"click>=8.1\", \"old-helper\","),
    );
    let err = build_fails(
        &app,
        &[
            "--wheelhouse",
            &host.display().to_string(),
            "--wheelhouse",
            &conflict.display().to_string(),
        ],
    );
    assert!(err.contains("old-helper depends on click <8"), "{err}");
    assert!(err.contains("greet 1.2.0 depends on click >=8.1"), "{err}");
}

#[test]
fn indexes_in_json_and_html_give_the_same_archive_and_bad_hashes_are_refused() {
    let (_tmp, app) = fixture("app");
    let host = app_wheels("host");
    let reference = tempfile::tempdir().unwrap();
    let expected = std::fs::read(build_zipapp(
        &app,
        reference.path(),
        &["--wheelhouse", &host.display().to_string()],
    ))
    .unwrap();
    for flavour in [Flavour::Json, Flavour::Html] {
        let server = Server::start(&host, flavour, &[]);
        let cache = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let report = build_json_env(
            &app,
            out.path(),
            &["--format", "zipapp", "--index", &server.url],
            &[("GRADIENT_CACHE_DIR", cache.path())],
        );
        let pyz = artifact(&report, "zipapp");
        assert_eq!(
            std::fs::read(&pyz).unwrap(),
            expected,
            "same closure, same bytes"
        );
        let cached = walk(cache.path());
        assert!(
            cached
                .iter()
                .any(|p| p.ends_with("rich-13.9.4-py3-none-any.whl")),
            "{cached:?}"
        );
        if flavour == Flavour::Json {
            assert!(
                cached
                    .iter()
                    .any(|p| p.to_string_lossy().ends_with(".metadata")),
                "PEP 658 metadata used: {cached:?}"
            );
        }
    }
    let server = Server::start(&host, Flavour::Json, &["rich-13.9.4-py3-none-any.whl"]);
    let cache = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = run(gradient()
        .arg("build")
        .arg(&app)
        .args(["--format", "zipapp", "--index", &server.url, "--out"])
        .arg(tmp.path())
        .env("GRADIENT_CACHE_DIR", cache.path()));
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(
            "rich-13.9.4-py3-none-any.whl: downloaded file does not match its sha256 hash"
        ),
        "{err}"
    );
    assert!(
        !walk(cache.path())
            .iter()
            .any(|p| p.ends_with("rich-13.9.4-py3-none-any.whl")),
        "nothing unverified cached"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_written_lock_rebuilds_exactly_and_a_tampered_lock_is_refused() {
    let (tmp, app) = fixture("app");
    let host = app_wheels("host").display().to_string();
    let lock = tmp.path().join("locks/pylock.toml");
    let lock_arg = lock.display().to_string();
    let first = tempfile::tempdir().unwrap();
    let pyz = build_zipapp(
        &app,
        first.path(),
        &["--wheelhouse", &host, "--write-lock", &lock_arg],
    );
    let text = std::fs::read_to_string(&lock).unwrap();
    assert!(text.contains("lock-version = \"1.0\""));
    assert!(text.contains("name = \"markupsafe\""));
    // The lock parses as TOML with what PEP 751 requires of each package.
    let parsed: toml::Value = toml::from_str(&text).unwrap();
    let packages = parsed["packages"].as_array().unwrap();
    assert_eq!(packages.len(), 6);
    assert!(packages
        .iter()
        .all(|p| p["wheels"][0]["hashes"]["sha256"].as_str().unwrap().len() == 64));

    let second = tempfile::tempdir().unwrap();
    let again = build_zipapp(&app, second.path(), &["--lock", &lock_arg]);
    assert_eq!(std::fs::read(&pyz).unwrap(), std::fs::read(&again).unwrap());

    let click_hash = packages
        .iter()
        .find(|p| p["name"].as_str() == Some("click"))
        .unwrap()["wheels"][0]["hashes"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(&lock, text.replace(&click_hash, &"0".repeat(64))).unwrap();
    let err = build_fails(&app, &["--lock", &lock_arg]);
    assert!(
        err.contains("click-8.1.8-py3-none-any.whl: does not match its sha256 hash"),
        "{err}"
    );

    // A lock that no longer satisfies the project is stale, not silently used.
    std::fs::write(&lock, &text).unwrap();
    let pyproject = std::fs::read_to_string(app.join("pyproject.toml")).unwrap();
    write(
        &app.join("pyproject.toml"),
        &pyproject.replace("\"click>=8.1\"", "\"click>=9\""),
    );
    let err = build_fails(&app, &["--lock", &lock_arg]);
    assert!(
        err.contains("requires `click>=9` but the lock pins click 8.1.8; lock again"),
        "{err}"
    );
}

#[test]
fn the_archive_holds_what_pip_installs_for_the_same_wheels() {
    let (tmp, app) = fixture("app");
    let host = app_wheels("host");
    let out = tempfile::tempdir().unwrap();
    let pyz = build_zipapp(
        &app,
        out.path(),
        &["--wheelhouse", &host.display().to_string()],
    );
    let own_wheel = artifact(
        &build_json(&app, out.path(), &["--format", "wheel"]),
        "wheel",
    );
    let target = tmp.path().join("pip-target");
    let pip = run(Command::new(oracle_python())
        .args([
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-compile",
            "--disable-pip-version-check",
            "--target",
        ])
        .arg(&target)
        .arg(&own_wheel)
        .args(
            std::fs::read_dir(&host)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "whl")),
        ));
    assert!(pip.status.success(), "{}", stderr(&pip));
    let cmp = run(Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/compare_tree.py"))
        .arg(&pyz)
        .arg(&target));
    assert!(cmp.status.success(), "{}", stderr(&cmp));
    let verdict: Value = serde_json::from_slice(&cmp.stdout).unwrap();
    for key in ["only_in_archive", "only_in_pip", "different"] {
        assert_eq!(verdict[key], Value::Array(vec![]), "{key}: {verdict}");
    }
    assert!(verdict["compared"].as_u64().unwrap() > 200, "{verdict}");
}

#[test]
fn a_pure_application_runs_from_the_zip_with_its_bytecode() {
    let (_tmp, single) = fixture("single");
    let out = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    // The interpreter named by path, as `--python` does it.
    let python = python();
    let pyz = build_zipapp(
        &single,
        out.path(),
        &[
            "--python",
            &python,
            "--shebang",
            &python,
            "--wheelhouse",
            &empty.path().display().to_string(),
        ],
    );
    let head = std::fs::read(&pyz).unwrap();
    assert!(head.starts_with(format!("#!{python}\n").as_bytes()));
    let listing = run(Command::new("python3")
        .args(["-m", "zipfile", "-l"])
        .arg(&pyz));
    let listing = stdout(&listing);
    assert!(
        listing.contains("tinymod.pyc"),
        "legacy bytecode beside the module: {listing}"
    );
    assert!(!listing.contains("__pycache__"), "{listing}");
    let cache = tempfile::tempdir().unwrap();
    let ran = run_pyz("python3", &pyz, out.path(), cache.path(), &[], "");
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert_eq!(
        std::fs::read_dir(cache.path()).unwrap().count(),
        0,
        "nothing extracted"
    );
}

#[test]
fn preview_lists_the_archive_as_it_will_be() {
    let (_tmp, app) = fixture("app");
    let host = app_wheels("host").display().to_string();
    // The sources come from [tool.gradient.app], as the studio reads them.
    let pyproject = std::fs::read_to_string(app.join("pyproject.toml")).unwrap();
    write(
        &app.join("pyproject.toml"),
        &format!("{pyproject}\n[tool.gradient.app]\nwheelhouse = [{host:?}]\nentry = \"greet\"\n"),
    );
    let out = run(gradient()
        .arg("preview")
        .arg(&app)
        .args(["--format", "zipapp", "--excluded"]));
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("greet-1.2.0.pyz\n#!/usr/bin/env python3\n"),
        "{text}"
    );
    let row = |path: &str, reason: &str| {
        text.lines()
            .any(|l| l.contains(&format!(" {path} ")) && l.trim_end().ends_with(reason))
    };
    assert!(
        row("__main__.py", "bootstrap: runs greet (greet.cli:main)"),
        "{text}"
    );
    assert!(
        row("rich/console.py", "installed from rich 13.9.4"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("markupsafe/_speedups.cpython-")
                && l.ends_with("extension module from markupsafe 3.0.2")),
        "{text}"
    );
    assert!(text.contains("bin/greet  (outside site-packages"), "{text}");
    let json = run(gradient().arg("preview").arg(&app).args([
        "--format",
        "zipapp",
        "--json",
        "--wheelhouse",
        &host,
    ]));
    let plan: Value = serde_json::from_slice(&json.stdout).unwrap();
    let built = tempfile::tempdir().unwrap();
    let pyz = build_zipapp(&app, built.path(), &["--wheelhouse", &host]);
    let listing = run(Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(&pyz));
    let in_archive: Vec<&str> = std::str::from_utf8(&listing.stdout)
        .unwrap()
        .lines()
        .collect();
    let planned: Vec<&str> = plan["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(planned, in_archive, "the preview is the archive");
}

/// `--name` chooses the file usage lines print; `--write-lock` takes only
/// the names PEP 751 allows, refused before any work.
#[test]
fn the_file_name_can_be_chosen_and_lock_names_follow_pep_751() {
    let (_tmp, app) = fixture("app");
    let host = app_wheels("host").display().to_string();
    let out = tempfile::tempdir().unwrap();
    let pyz = build_zipapp(
        &app,
        out.path(),
        &["--wheelhouse", &host, "--name", "greet"],
    );
    assert_eq!(pyz, out.path().join("greet.pyz"));
    let cache = tempfile::tempdir().unwrap();
    let help = run(Command::new("python3")
        .arg(&pyz)
        .arg("--help")
        .env("GRADIENT_ZIPAPP_CACHE", cache.path()));
    assert!(
        stdout(&help).contains("Usage: greet.pyz"),
        "{}{}",
        stdout(&help),
        stderr(&help)
    );

    for bad in ["lock.toml", "pylock.a.b.toml"] {
        let err = build_fails(&app, &["--wheelhouse", &host, "--write-lock", bad]);
        assert!(err.contains("pylock.<name>.toml"), "{err}");
    }
    let err = build_fails(&app, &["--wheelhouse", &host, "--name", "../greet"]);
    assert!(
        err.contains("give a file name, without a directory"),
        "{err}"
    );
}

/// A dependency that publishes only an sdist (docopt 0.6.2, a setup.py
/// project) is built into a wheel by its own backend from PyPI, and the
/// zipapp runs with it.
#[test]
fn a_dependency_with_only_an_sdist_is_built_and_the_zipapp_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let app = tmp.path().join("app");
    write(
        &app.join("pyproject.toml"),
        "[project]\nname = \"sdapp\"\nversion = \"1.0\"\ndependencies = [\"docopt==0.6.2\"]\n[project.scripts]\nsdapp = \"sdapp:main\"\n",
    );
    write(
        &app.join("sdapp/__init__.py"),
        "def main():\n    import docopt\n    print('docopt', docopt.__version__)\n",
    );
    let report = build_json(&app, &tmp.path().join("out"), &["--format", "zipapp"]);
    let pyz = artifact(&report, "zipapp");
    let out = run(Command::new(python()).arg(&pyz));
    assert_eq!(stdout(&out).trim(), "docopt 0.6.2", "{}", stderr(&out));
}
