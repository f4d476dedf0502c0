//! Applications someone else published, built from a requirement instead
//! of a project directory (`gradient build 'pygments==2.21.0' --format
//! zipapp`): resolved from a local index or a wheelhouse, written into
//! `./dist` of the current directory, named after the script they run,
//! reproducible, and run.

use crate::index_server::{Flavour, Server};
use crate::support::*;
use std::path::Path;
use std::process::{Command, Output};

/// `gradient build ARGS…` run in `cwd`.
fn gradient_in(cwd: &Path, args: &[&str]) -> Output {
    run(gradient().arg("build").args(args).current_dir(cwd))
}

fn host_wheels() -> String {
    app_wheels("host").display().to_string()
}

/// The build fails with exit code 1, writes nothing, and its message names
/// the requirement; the message.
fn fails(args: &[&str], requirement: &str) -> String {
    let cwd = tempfile::tempdir().unwrap();
    let out = gradient_in(cwd.path(), args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(!cwd.path().join("dist").exists(), "nothing is written");
    let message = stderr(&out);
    assert!(
        message.contains(&format!("error: `{requirement}`: ")),
        "{message}"
    );
    message
}

#[test]
fn a_requirement_on_an_index_becomes_a_zipapp_that_runs_and_rebuilds_identically() {
    let server = Server::start(&app_wheels("host"), Flavour::Json, &[]);
    let cwd = tempfile::tempdir().unwrap();
    let build = |out: &str| {
        let out = run(gradient()
            .args(["build", "pygments==2.21.0", "--format", "zipapp"])
            .args(["--index", &server.url])
            .args(if out.is_empty() {
                vec![]
            } else {
                vec!["-o", out]
            })
            .current_dir(cwd.path())
            .env("SOURCE_DATE_EPOCH", "1700000000"));
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out).trim().to_string()
    };
    // Into ./dist by default, named after the script and the version.
    assert_eq!(build(""), "dist/pygmentize-2.21.0.pyz");
    let pyz = cwd.path().join("dist/pygmentize-2.21.0.pyz");
    let ran = run(Command::new(python()).arg(&pyz).arg("-V"));
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert!(
        stdout(&ran).starts_with("Pygments version 2.21.0,"),
        "{}",
        stdout(&ran)
    );
    // The program does its work: a lexer and a formatter from the closure.
    let highlighted = run_with_stdin(
        Command::new(python())
            .arg(&pyz)
            .args(["-l", "python", "-f", "html"]),
        "x = 1\n",
    );
    assert!(
        stdout(&highlighted).contains("<span class=\"n\">x</span>"),
        "{}",
        stdout(&highlighted)
    );
    assert_eq!(build("again"), "again/pygmentize-2.21.0.pyz");
    assert!(
        std::fs::read(&pyz).unwrap()
            == std::fs::read(cwd.path().join("again/pygmentize-2.21.0.pyz")).unwrap(),
        "the same requirement and SOURCE_DATE_EPOCH give the same bytes"
    );
}

#[test]
fn a_requirement_becomes_an_executable_with_its_dependencies() {
    let cwd = tempfile::tempdir().unwrap();
    let out = gradient_in(
        cwd.path(),
        &[
            "markdown-it-py>=4",
            "--format",
            "exe",
            "--wheelhouse",
            &host_wheels(),
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(artifact(&report, "exe"), Path::new("dist/markdown-it"));
    assert!(
        report["notes"].as_array().unwrap().contains(
            &"markdown-it-py 4.3.0: runs markdown-it (markdown_it.cli.parse:main)".into()
        ),
        "{report}"
    );
    let exe = cwd.path().join("dist/markdown-it");
    let version = run(Command::new(&exe)
        .arg("--version")
        .env("GRADIENT_EXE_CACHE", cwd.path().join("cache")));
    assert_eq!(stdout(&version).trim(), "markdown-it-py [version 4.3.0]");
    // mdurl, its dependency, is in the executable: rendering a link uses it.
    std::fs::write(
        cwd.path().join("a.md"),
        "# Hi\n\n<https://example.org/a b>\n",
    )
    .unwrap();
    let html = run(Command::new(&exe)
        .arg("a.md")
        .current_dir(cwd.path())
        .env("GRADIENT_EXE_CACHE", cwd.path().join("cache")));
    assert!(html.status.success(), "{}", stderr(&html));
    assert!(stdout(&html).contains("<h1>Hi</h1>"), "{}", stdout(&html));
}

/// A distribution with two console scripts, published into a wheelhouse.
fn two_scripts() -> tempfile::TempDir {
    let house = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    write(
        &project.path().join("pyproject.toml"),
        "[project]\nname = \"two-tools\"\nversion = \"1.5\"\n\n[project.scripts]\nhello = \"two_tools:hello\"\ngoodbye = \"two_tools:goodbye\"\n",
    );
    write(
        &project.path().join("two_tools/__init__.py"),
        "import sys\n\ndef hello():\n    print('hello', *sys.argv[1:])\n\ndef goodbye():\n    print('goodbye', *sys.argv[1:])\n    return 3\n",
    );
    build_json(project.path(), house.path(), &["--format", "wheel"]);
    house
}

#[test]
fn entry_chooses_among_several_console_scripts() {
    let house = two_scripts();
    let house_arg = house.path().display().to_string();
    let message = fails(
        &[
            "two-tools",
            "--format",
            "zipapp",
            "--wheelhouse",
            &house_arg,
        ],
        "two-tools",
    );
    assert!(
        message.contains("two-tools declares several console scripts (goodbye, hello); choose one with --entry NAME"),
        "{message}"
    );
    let cwd = tempfile::tempdir().unwrap();
    for (entry, file, expected, code) in [
        ("goodbye", "dist/goodbye-1.5.pyz", "goodbye world", 3),
        // An object reference names no script: the distribution names the file.
        (
            "two_tools:hello",
            "dist/two_tools-1.5.pyz",
            "hello world",
            0,
        ),
    ] {
        let built = gradient_in(
            cwd.path(),
            &[
                "two-tools==1.5",
                "--format",
                "zipapp",
                "--wheelhouse",
                &house_arg,
                "--entry",
                entry,
            ],
        );
        assert!(built.status.success(), "{}", stderr(&built));
        assert!(
            stderr(&built).contains(
                "gradient: no directory two-tools==1.5 here: building the published application `two-tools==1.5`"
            ),
            "{}",
            stderr(&built)
        );
        assert_eq!(stdout(&built).trim(), file);
        // The preview lists the archive the build wrote, under its name.
        let preview = run(gradient()
            .args(["preview", "two-tools==1.5", "--format", "zipapp"])
            .args(["--wheelhouse", &house_arg, "--entry", entry]));
        assert!(preview.status.success(), "{}", stderr(&preview));
        let listing = stdout(&preview);
        assert_eq!(
            listing.lines().next(),
            Path::new(file).file_name().and_then(|f| f.to_str())
        );
        assert!(listing.contains("two_tools/__init__.py"), "{listing}");
        let ran = run(Command::new(python())
            .arg(cwd.path().join(file))
            .arg("world"));
        assert_eq!(stdout(&ran).trim(), expected);
        assert_eq!(ran.status.code(), Some(code));
    }
}

#[test]
fn bad_requirements_are_named_in_clear_errors() {
    let wheels = host_wheels();
    let with = |requirement: &'static str, extra: &[&'static str]| {
        let mut args = vec![requirement, "--format", "zipapp", "--wheelhouse", &wheels];
        args.extend_from_slice(extra);
        fails(&args, requirement)
    };
    let m = with("no-such-app", &[]);
    assert!(m.contains("no-such-app: not found in wheelhouse"), "{m}");
    let m = with("pygments==9", &[]);
    assert!(m.contains("the requirement depends on pygments 9"), "{m}");
    let m = with("click", &[]);
    assert!(
        m.contains("click has no console scripts (its wheel's entry_points.txt names none)"),
        "{m}"
    );
    let m = with("pygments", &["--entry", "pygments-server"]);
    assert!(
        m.contains("--entry `pygments-server`: no such script; the tree has: pygmentize"),
        "{m}"
    );
    let m = fails(&["pygments", "--format", "wheel"], "pygments");
    assert!(
        m.contains("--format wheel: a requirement has no source to build; use a directory"),
        "{m}"
    );
    // Not found on an index either, and the index is named.
    let server = Server::start(&app_wheels("host"), Flavour::Html, &[]);
    let m = fails(
        &["no-such-app>=1", "--format", "exe", "--index", &server.url],
        "no-such-app>=1",
    );
    assert!(m.contains("no-such-app: not found"), "{m}");
    // What builds a project only is refused, naming the flag.
    let cwd = tempfile::tempdir().unwrap();
    let out = gradient_in(cwd.path(), &["pygments", "--format", "zipapp", "--native"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("--native builds a project directory"),
        "{}",
        stderr(&out)
    );
    // A path that does not exist is not taken for a requirement.
    let cwd = tempfile::tempdir().unwrap();
    let out = gradient_in(cwd.path(), &["./my-app", "--format", "zipapp"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("./my-app: no such directory, and not a requirement"),
        "{}",
        stderr(&out)
    );
}
