//! Frozen executables end to end: the fixture application `greet` built into
//! one file with the python3 of this machine, then run where no Python
//! exists at all (a chroot holding only the executable and the glibc
//! family), with arguments, exit codes, standard streams and signals passing
//! through; concurrent first runs; damaged caches; unusable homes.

use crate::support::*;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

/// `greet` frozen into `out`, built once per test process with the
/// launcher stub the `gradient` binary ships inside itself (nothing is
/// named or found beside it), which is static: the executable needs nothing
/// of the target but the kernel and, for Python, the glibc family.
pub(crate) fn built() -> &'static Path {
    static EXE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &EXE.get_or_init(|| {
        let (tmp, app) = fixture("app");
        let out = tmp.path().join("dist");
        let report = run(gradient()
            .arg("build")
            .arg(&app)
            .args([
                "--format",
                "exe",
                "--json",
                "--python",
                &python(),
                "--wheelhouse",
            ])
            .arg(app_wheels("host"))
            .arg("--out")
            .arg(&out)
            .env_remove("GRADIENT_LAUNCHER"));
        assert!(report.status.success(), "{}", stderr(&report));
        let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        let exe = artifact(&report, "exe");
        (tmp, exe)
    })
    .1
}

/// A root holding only the executable (as /greet), the dynamic loader and
/// the C library family, and an empty /tmp.
fn chroot_with(exe: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let libs = root.path().join("lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&libs).unwrap();
    std::fs::create_dir_all(root.path().join("lib64")).unwrap();
    for lib in [
        "libc.so.6",
        "libm.so.6",
        "libdl.so.2",
        "libpthread.so.0",
        "librt.so.1",
        "libutil.so.1",
        "libresolv.so.2",
    ] {
        let from = Path::new("/lib/x86_64-linux-gnu").join(lib);
        if from.exists() {
            std::fs::copy(&from, libs.join(lib)).unwrap();
        }
    }
    std::fs::copy(
        "/lib64/ld-linux-x86-64.so.2",
        root.path().join("lib64/ld-linux-x86-64.so.2"),
    )
    .unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    std::process::Command::new("chmod")
        .arg("1777")
        .arg(&tmp)
        .status()
        .unwrap();
    std::fs::copy(exe, root.path().join("greet")).unwrap();
    root
}

/// Run `/greet ARGS` inside `root`, with an empty environment but `env`.
fn in_chroot(root: &Path, args: &[&str], env: &[(&str, &str)], stdin: &str) -> Output {
    let chroot = ["/usr/sbin/chroot", "/sbin/chroot"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .unwrap_or("chroot");
    run_with_stdin(
        Command::new(chroot)
            .arg(root)
            .arg("/greet")
            .args(args)
            .env_clear()
            .envs(env.iter().copied()),
        stdin,
    )
}

#[test]
fn a_frozen_executable_runs_where_no_python_exists() {
    let exe = built();
    assert_eq!(exe.file_name().unwrap(), "greet");
    let root = chroot_with(exe);
    let r = root.path();
    assert!(
        !r.join("usr").exists(),
        "nothing but the executable and libc"
    );

    // No HOME: the cache falls back to a per-user directory in /tmp.
    let first = in_chroot(r, &["Ada", "--html", "<b>"], &[], "");
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(stdout(&first), "Hello, Ada!\nescaped: &lt;b&gt;\n");
    assert!(r.join("tmp/gradient-exe-0").is_dir());

    let code = in_chroot(r, &["--exit-code", "9"], &[], "");
    assert_eq!(code.status.code(), Some(9), "{}", stderr(&code));
    let echo = in_chroot(r, &["--echo-stdin"], &[], "one\ntwo\n");
    assert_eq!(stdout(&echo), "Hello, world!\none\ntwo\n");
    let usage = in_chroot(r, &["--bogus"], &[], "");
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        stderr(&usage).contains("No such option: --bogus"),
        "{}",
        stderr(&usage)
    );
    // argv[0] is the executable's, as the person typed it.
    let help = in_chroot(r, &["--help"], &[], "");
    assert!(
        stdout(&help).starts_with("Usage: greet [OPTIONS] [NAME]"),
        "{}",
        stdout(&help)
    );

    // The file is also a valid zip, verified by the stdlib.
    let t = run(Command::new("python3")
        .args(["-m", "zipfile", "-t"])
        .arg(exe));
    assert!(stdout(&t).contains("Done testing"), "{}", stderr(&t));

    // The standard library's bytecode and the application's were compiled
    // at build time: running writes nothing into the unpacked tree.
    let cache = r.join("tmp/gradient-exe-0");
    std::fs::remove_dir_all(&cache).unwrap();
    let unpacked = in_chroot(r, &[], &[("GRADIENT_EXE", "extract")], "");
    assert!(unpacked.status.success(), "{}", stderr(&unpacked));
    let before = files_under(&cache);
    assert!(
        before
            .iter()
            .any(|p| p.to_string_lossy().contains("/json/__pycache__/__init__.")),
        "the standard library's bytecode is in the payload"
    );
    let again = in_chroot(r, &["Ada", "--html", "<b>"], &[], "");
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(files_under(&cache), before, "a run compiled nothing");
}

/// Every file below `dir`, recursively.
fn files_under(dir: &Path) -> std::collections::BTreeSet<PathBuf> {
    let mut files = std::collections::BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            match path.is_dir() {
                true => todo.push(path),
                false => {
                    files.insert(path);
                }
            }
        }
    }
    files
}

#[test]
fn signals_and_exit_status_are_the_applications_own() {
    let cache = tempfile::tempdir().unwrap();
    // The bundled library path is the interpreter's alone: a child process
    // (here the bundled Python itself, which finds its libpython through
    // its rewritten RUNPATH) sees the caller's value, or none.
    for (given, seen) in [(None, "(unset)"), (Some("/opt/mine"), "/opt/mine")] {
        let mut cmd = Command::new(built());
        cmd.args(["--child-env", "LD_LIBRARY_PATH"])
            .env("GRADIENT_EXE_CACHE", cache.path())
            .env_remove("LD_LIBRARY_PATH");
        if let Some(value) = given {
            cmd.env("LD_LIBRARY_PATH", value);
        }
        let child = run(&mut cmd);
        assert_eq!(
            stdout(&child),
            format!("Hello, world!\n{seen}\n"),
            "{}",
            stderr(&child)
        );
    }
    let mut child = Command::new(built())
        .arg("--wait")
        .env("GRADIENT_EXE_CACHE", cache.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "Hello, world!");
    assert_eq!(lines.next().unwrap().unwrap(), "waiting");
    // The launcher exec'd the interpreter: the process we started is Python.
    let running = std::fs::read_link(format!("/proc/{}/exe", child.id())).unwrap();
    assert!(running.starts_with(cache.path()), "{}", running.display());
    assert!(
        running.to_string_lossy().contains("/python/bin/python3"),
        "{}",
        running.display()
    );
    assert!(
        run(Command::new("kill").args(["-TERM", &child.id().to_string()]))
            .status
            .success()
    );
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(15), "{status:?}");
}

#[test]
fn concurrent_first_runs_and_damaged_caches_recover() {
    let cache = tempfile::tempdir().unwrap();
    let outputs = run_concurrently((0..6).map(|i| {
        let mut cmd = Command::new(built());
        cmd.arg(format!("n{i}"))
            .env("GRADIENT_EXE_CACHE", cache.path());
        cmd
    }));
    for (i, out) in outputs.into_iter().enumerate() {
        assert!(out.status.success(), "run {i}: {}", stderr(&out));
        assert_eq!(stdout(&out), format!("Hello, n{i}!\n"));
    }
    let entries: Vec<PathBuf> = std::fs::read_dir(cache.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(entries.len(), 1, "one tree, no leftovers: {entries:?}");
    let tree = &entries[0];
    let action = |what: &str| {
        run(Command::new(built())
            .env("GRADIENT_EXE_CACHE", cache.path())
            .env("GRADIENT_EXE", what))
    };
    assert_eq!(
        stdout(&action("cache-dir")).trim(),
        tree.display().to_string()
    );

    // The interpreter is gone: the next run unpacks again.
    let program = tree.join(format!("python/bin/python3.{}", python_minor()));
    std::fs::remove_file(&program).unwrap();
    let again = run(Command::new(built())
        .arg("x")
        .env("GRADIENT_EXE_CACHE", cache.path()));
    assert_eq!(stdout(&again), "Hello, x!\n", "{}", stderr(&again));

    // A changed file is found by `verify`, which unpacks again.
    let module = tree.join(format!(
        "python/lib/python3.{}/site-packages/greet/cli.py",
        python_minor()
    ));
    std::fs::write(&module, "raise SystemExit('tampered')\n").unwrap();
    let verify = action("verify");
    assert!(verify.status.success(), "{}", stderr(&verify));
    let text = stdout(&verify);
    assert!(
        text.contains("greet/cli.py: content changed") && text.contains("unpacked again, verified"),
        "{text}"
    );
    let ok = run(Command::new(built())
        .arg("y")
        .env("GRADIENT_EXE_CACHE", cache.path()));
    assert_eq!(stdout(&ok), "Hello, y!\n", "{}", stderr(&ok));

    // An interrupted unpack (no completion marker) is redone.
    std::fs::remove_file(tree.join(".gradient/complete")).unwrap();
    let redone = run(Command::new(built())
        .arg("z")
        .env("GRADIENT_EXE_CACHE", cache.path()));
    assert_eq!(stdout(&redone), "Hello, z!\n", "{}", stderr(&redone));

    let unknown = action("explode");
    assert_eq!(unknown.status.code(), Some(70));
    assert!(stderr(&unknown).contains("unknown action; valid: cache-dir, verify, prune, extract"));
}

fn python_minor() -> String {
    let out = run(Command::new("python3").args(["-c", "import sys; print(sys.version_info[1])"]));
    stdout(&out).trim().to_string()
}

#[test]
fn an_unusable_home_falls_back_and_an_unusable_cache_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    // HOME on a read-only file system: the per-user temporary directory.
    let out = run(Command::new(built())
        .arg("ro")
        .env_remove("GRADIENT_EXE_CACHE")
        .env_remove("XDG_CACHE_HOME")
        .env("HOME", "/proc/self")
        .env("TMPDIR", tmp.path()));
    assert_eq!(stdout(&out), "Hello, ro!\n", "{}", stderr(&out));
    assert!(tmp.path().join(format!("gradient-exe-{}", uid())).is_dir());
    // An explicit cache that cannot be used is an error naming it.
    let out = run(Command::new(built())
        .arg("x")
        .env("GRADIENT_EXE_CACHE", "/proc/self/nope"));
    assert_eq!(out.status.code(), Some(70));
    assert!(
        stderr(&out).contains("GRADIENT_EXE_CACHE=/proc/self/nope: cannot use it"),
        "{}",
        stderr(&out)
    );
}

fn uid() -> String {
    stdout(&run(Command::new("id").arg("-u")))
        .trim()
        .to_string()
}

/// A python-build-standalone style `install_only` archive (python/bin,
/// python/lib) made from this machine's interpreter.
fn standalone_archive(dest: &Path) {
    let out = run(Command::new("python3").args([
        "-c",
        "import sys, sysconfig; v = sysconfig.get_config_var; print(sys.executable); print(sysconfig.get_path('stdlib')); print(v('LIBDIR')); print(v('INSTSONAME') if v('Py_ENABLE_SHARED') else '')",
    ]));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let (exe, stdlib, libdir, libpython) = (
        lines[0],
        lines[1],
        lines[2],
        lines.get(3).copied().unwrap_or(""),
    );
    let name = Path::new(stdlib)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let file = std::fs::File::create(dest).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        file,
        flate2::Compression::fast(),
    ));
    tar.follow_symlinks(true);
    tar.append_path_with_name(
        std::fs::canonicalize(exe).unwrap(),
        format!("python/bin/{name}"),
    )
    .unwrap();
    let mut link = tar::Header::new_gnu();
    link.set_entry_type(tar::EntryType::Symlink);
    link.set_size(0);
    link.set_mode(0o777);
    tar.append_link(&mut link, "python/bin/python3", &name)
        .unwrap();
    if !libpython.is_empty() {
        tar.append_path_with_name(
            Path::new(libdir).join(libpython),
            format!("python/lib/{libpython}"),
        )
        .unwrap();
    }
    for entry in std::fs::read_dir(stdlib).unwrap() {
        let entry = entry.unwrap();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if ["site-packages", "test", "idlelib", "tkinter", "__pycache__"]
            .contains(&file_name.as_str())
            || file_name.starts_with("config-")
        {
            continue;
        }
        let inside = format!("python/lib/{name}/{file_name}");
        if entry.file_type().unwrap().is_dir() {
            tar.append_dir_all(inside, entry.path()).unwrap();
        } else {
            tar.append_path_with_name(entry.path(), inside).unwrap();
        }
    }
    tar.into_inner().unwrap().finish().unwrap();
}

#[test]
fn a_standalone_runtime_archive_is_frozen_with_runtime() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("cpython-install_only.tar.gz");
    standalone_archive(&archive);
    let (_app_tmp, app) = fixture("app");
    let cache = tmp.path().join("cache");
    let out = run(gradient()
        .arg("build")
        .arg(&app)
        .args(["--format", "exe", "--runtime"])
        .arg(&archive)
        .arg("--wheelhouse")
        .arg(app_wheels("host"))
        .arg("--out")
        .arg(tmp.path().join("dist"))
        .env("GRADIENT_CACHE_DIR", &cache));
    assert!(out.status.success(), "{}", stderr(&out));
    let runtimes: Vec<_> = std::fs::read_dir(cache.join("runtimes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        runtimes.len(),
        1,
        "unpacked once, no leftovers: {runtimes:?}"
    );
    assert!(runtimes[0].join("python/bin/python3").exists());
    let root = chroot_with(&tmp.path().join("dist/greet"));
    let ran = in_chroot(root.path(), &["Standalone", "--where"], &[], "");
    assert!(ran.status.success(), "{}", stderr(&ran));
    let text = stdout(&ran);
    assert!(text.starts_with("Hello, Standalone!\n"), "{text}");
    assert!(
        text.contains(&format!("python: 3.{}", python_minor())),
        "{text}"
    );
    // A file that is not a runtime archive is refused by name.
    write(&tmp.path().join("bogus.tar.gz"), "not gzip");
    let bad = run(gradient()
        .arg("build")
        .arg(&app)
        .args(["--format", "exe", "--runtime"])
        .arg(tmp.path().join("bogus.tar.gz"))
        .arg("--out")
        .arg(tmp.path().join("none"))
        .env("GRADIENT_CACHE_DIR", &cache));
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("bogus.tar.gz: not a readable .tar.gz runtime"),
        "{}",
        stderr(&bad)
    );
}

/// Freeze the fixture application with `python` (and `edit` applied to its
/// pyproject.toml) into a fresh output directory.
fn freeze_with(python: &str, edit: impl Fn(String) -> String) -> (tempfile::TempDir, Output) {
    let (tmp, app) = fixture("app");
    let pyproject = app.join("pyproject.toml");
    std::fs::write(
        &pyproject,
        edit(std::fs::read_to_string(&pyproject).unwrap()),
    )
    .unwrap();
    let out = run(gradient()
        .arg("build")
        .arg(&app)
        .args(["--format", "exe", "--python", python, "--wheelhouse"])
        .arg(app_wheels("host"))
        .arg("--out")
        .arg(tmp.path().join("dist")));
    (tmp, out)
}

/// Debian's (and Ubuntu's) python3 has a `site.py` patched to look in
/// dist-packages: frozen from it, the application must still be found.
#[test]
fn an_executable_frozen_from_debians_python_finds_its_application() {
    let debian = "/usr/bin/python3";
    let patched =
        run(Command::new(debian).args(["-c", "import site; print(site.getsitepackages())"]));
    assert!(
        stdout(&patched).contains("dist-packages"),
        "{debian} is Debian's patched python3 (scripts/deps.sh installs it): {}",
        stdout(&patched)
    );
    let (tmp, out) = freeze_with(debian, |p| p);
    assert!(out.status.success(), "{}", stderr(&out));
    let cache = tmp.path().join("cache");
    let ran = run(Command::new(tmp.path().join("dist/greet"))
        .arg("Debian")
        .env("GRADIENT_EXE_CACHE", &cache));
    assert_eq!(stdout(&ran), "Hello, Debian!\n", "{}", stderr(&ran));
}

/// The build imports the entry point from the finished executable: one that
/// cannot (here a module the application does not have) is never written.
#[test]
fn an_executable_that_cannot_import_its_entry_point_is_not_written() {
    let (tmp, out) = freeze_with(&python(), |p| {
        p.replace(
            "greet = \"greet.cli:main\"",
            "greet = \"greet.missing:main\"",
        )
    });
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("cannot import its entry point greet.missing:main")
            && err.contains("ModuleNotFoundError: No module named 'greet.missing'"),
        "{err}"
    );
    let left: Vec<_> = std::fs::read_dir(tmp.path().join("dist"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing written: {left:?}");
}
