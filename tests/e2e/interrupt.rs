//! A build stopped by Ctrl-C, SIGTERM or SIGHUP unwinds: the artifact being
//! written and the staging directories are removed, the exit code says
//! which signal, and nothing is left in the output or temporary directory.
//! What SIGKILL leaves (no unwinding) the next build removes.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Names in `dir` (none when it does not exist).
fn names(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// A build of the fixture application with a sparse 8 GiB file in its
/// package (cheap on disk, long enough to deflate that the signal lands
/// while the archive is written), signalled once its artifact has started.
fn signalled_build(signal: &str) -> (tempfile::TempDir, Output) {
    let (tmp, project) = fixture("app");
    let big = std::fs::File::create(project.join("greet/data.bin")).unwrap();
    big.set_len(8 << 30).unwrap();
    let out = tmp.path().join("dist");
    let scratch = tmp.path().join("tmp");
    std::fs::create_dir(&scratch).unwrap();
    let mut child = gradient()
        .arg("build")
        .arg(&project)
        .args(["--format", "sdist", "--out"])
        .arg(&out)
        .env("TMPDIR", &scratch)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !names(&out).iter().any(|n| n.ends_with(".part")) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before the signal"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no artifact started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let killed = run(Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string()));
    assert!(killed.status.success());
    (tmp, child.wait_with_output().unwrap())
}

#[test]
fn a_signalled_build_stops_cleanly_and_leaves_nothing_behind() {
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let (tmp, done) = signalled_build(signal);
        let err = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(code), "SIG{signal}: {err}");
        assert!(
            err.contains("interrupted: stopped cleanly"),
            "SIG{signal}: {err}"
        );
        let left = |dir: &str| names(&tmp.path().join(dir));
        assert_eq!(left("dist"), Vec::<String>::new(), "SIG{signal}: output");
        assert_eq!(left("tmp"), Vec::<String>::new(), "SIG{signal}: staging");
    }
}

#[test]
fn a_killed_builds_temporary_is_removed_by_the_next_build() {
    let (tmp, done) = signalled_build("KILL");
    assert_eq!(done.status.code(), None, "killed");
    let out = tmp.path().join("dist");
    let part: Vec<String> = names(&out)
        .into_iter()
        .filter(|n| n.ends_with(".part"))
        .collect();
    assert_eq!(part.len(), 1, "SIGKILL leaves the temporary: {part:?}");
    // Made old, as a crash on an earlier day would leave it.
    let touched = run(Command::new("touch")
        .args(["-d", "1 hour ago"])
        .arg(out.join(&part[0])));
    assert!(touched.status.success());
    std::fs::remove_file(tmp.path().join("app/greet/data.bin")).unwrap();
    let again = run(gradient()
        .arg("build")
        .arg(tmp.path().join("app"))
        .args(["--format", "sdist", "--out"])
        .arg(&out));
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(names(&out), ["greet-1.2.0.tar.gz"]);
}
