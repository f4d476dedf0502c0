//! Trust end to end: another local user racing the first-run caches of
//! frozen executables and zipapps, links leading out of a project, strings
//! from artifacts that try to forge the report, and the interpreter a
//! project names (the command line says what it runs).

mod caches;
mod project;

use crate::support::*;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

/// The second local user of these tests: created once (as root, which the
/// tests run as), never logged in.
pub const ATTACKER: &str = "gradient-attacker";

pub fn attacker() -> &'static str {
    static MADE: OnceLock<()> = OnceLock::new();
    MADE.get_or_init(|| {
        if run(Command::new("id").args(["-u", ATTACKER]))
            .status
            .success()
        {
            return;
        }
        let out = run(Command::new("useradd").args([
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            ATTACKER,
        ]));
        // Another test process may have made it meanwhile.
        assert!(
            out.status.success()
                || run(Command::new("id").args(["-u", ATTACKER]))
                    .status
                    .success(),
            "useradd (these tests run as root): {}",
            stderr(&out)
        );
    });
    ATTACKER
}

/// `python3 -c SCRIPT ARGS…` run as the attacker.
pub fn as_attacker(script: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new("runuser");
    cmd.args(["-u", attacker(), "--", "python3", "-c", script])
        .args(args)
        .env_remove("HOME");
    cmd
}

/// A directory like /tmp: everyone may create entries, only owners may
/// rename or remove them (sticky).
pub fn shared_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o1777),
    )
    .expect("chmod 1777");
    dir
}

/// Run `cmd` (the attacker's) to completion; it must succeed.
pub fn attacker_does(cmd: &mut Command) {
    let out = run(cmd);
    assert!(out.status.success(), "attacker set-up: {}", stderr(&out));
}

/// The attacker keeps swapping the symbolic link `link` between `a` and `b`
/// (atomically, by renaming a fresh link over it) until `stop` exists.
pub const FLIPPER: &str = r#"
import os, sys
link, a, b, stop = sys.argv[1:5]
tmp = link + ".flip"
n = 0
while not os.path.exists(stop):
    for target in (a, b):
        try:
            os.symlink(target, tmp)
        except FileExistsError:
            os.unlink(tmp)
            os.symlink(target, tmp)
        os.replace(tmp, link)
    n += 1
print(n)
"#;

/// Start the flipper; returns, once the link exists, the child to wait for
/// after creating `stop`.
pub fn flip(link: &Path, a: &Path, b: &Path, stop: &Path) -> std::process::Child {
    let child = as_attacker(
        FLIPPER,
        &[
            link.to_str().expect("utf-8"),
            a.to_str().expect("utf-8"),
            b.to_str().expect("utf-8"),
            stop.to_str().expect("utf-8"),
        ],
    )
    .stdout(std::process::Stdio::piped())
    .spawn()
    .expect("runuser starts");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !std::fs::symlink_metadata(link).is_ok_and(|m| m.file_type().is_symlink()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the flipper never made its link"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}

/// Stop the flipper; returns how many rounds it made.
pub fn stop_flipping(child: std::process::Child, stop: &Path) -> u64 {
    std::fs::write(stop, "").expect("stop");
    let out = child.wait_with_output().expect("flipper ends");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}
