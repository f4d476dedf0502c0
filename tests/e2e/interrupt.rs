//! A build stopped by Ctrl-C, SIGTERM or SIGHUP unwinds: the artifact being
//! written and the staging directories are removed, the exit code says
//! which signal, and nothing is left in the output or temporary directory.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Stdio};
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

#[test]
fn a_signalled_build_stops_cleanly_and_leaves_nothing_behind() {
    for (signal, code) in [("TERM", 143), ("INT", 130), ("HUP", 129)] {
        let (tmp, project) = fixture("app");
        // A sparse 8 GiB file: cheap on disk, and long enough to deflate
        // that the signal lands while the archive is being written.
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
        let done = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&done.stderr);
        assert_eq!(done.status.code(), Some(code), "SIG{signal}: {err}");
        assert!(
            err.contains("interrupted: stopped cleanly"),
            "SIG{signal}: {err}"
        );
        assert_eq!(
            names(&out),
            Vec::<String>::new(),
            "SIG{signal}: output left"
        );
        assert_eq!(
            names(&scratch),
            Vec::<String>::new(),
            "SIG{signal}: staging left"
        );
    }
}
