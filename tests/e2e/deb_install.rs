//! Debian packages installed for real: `apt-get install ./greet.deb` as
//! root (Depends resolved by apt), the command run from /usr/bin, version 2
//! upgraded in place, the bundled layout run in a chroot holding the
//! installed package and the libraries it links but no other Python, a
//! service variant with its unit, user and enablement, and `apt-get purge`
//! leaving no path behind. One test function, so installs never overlap;
//! a guard purges whatever is left even when an assertion fails.

use crate::deb::{build_deb, built, project, MAINTAINER};
use crate::support::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const PACKAGE: &str = "greet";

fn apt(args: &[&str]) -> Output {
    run(Command::new("apt-get")
        .args([
            "-o",
            "DPkg::Lock::Timeout=900",
            "-y",
            "--no-install-recommends",
        ])
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn install(deb: &Path) {
    let out = apt(&["install", &deb.display().to_string()]);
    assert!(
        out.status.success(),
        "apt-get install {}: {}{}",
        deb.display(),
        stdout(&out),
        stderr(&out)
    );
}

fn purge() -> Output {
    apt(&["purge", PACKAGE])
}

/// Purges the package (and the service's user, which Debian keeps on
/// purge) when the test ends, however it ends.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = purge();
        let _ = run(Command::new("userdel").arg(PACKAGE));
    }
}

/// Every path under the directories packages write to (merged /usr: /lib
/// and /bin are links into /usr). /usr/local is the administrator's.
fn snapshot() -> BTreeSet<PathBuf> {
    fn walk(dir: &Path, out: &mut BTreeSet<PathBuf>) {
        let Ok(items) = std::fs::read_dir(dir) else {
            return;
        };
        for item in items.flatten() {
            let path = item.path();
            if path == Path::new("/usr/local") {
                continue;
            }
            let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
            out.insert(path.clone());
            if is_dir {
                walk(&path, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    for top in [
        "/usr",
        "/etc",
        "/opt",
        "/srv",
        "/var/lib/systemd",
        "/var/lib/dpkg/info",
    ] {
        walk(Path::new(top), &mut out);
    }
    out
}

/// Paths present now that were not before and that no installed package
/// owns (others may install packages on this machine meanwhile).
fn left_behind(before: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
    let new: Vec<PathBuf> = snapshot().difference(before).cloned().collect();
    if new.is_empty() {
        return new;
    }
    let owned = run(Command::new("dpkg").arg("-S").args(&new));
    let owned: BTreeSet<PathBuf> = stdout(&owned)
        .lines()
        .filter_map(|l| l.rsplit_once(": ").map(|(_, p)| PathBuf::from(p)))
        .collect();
    new.into_iter()
        .filter(|p| !owned.contains(p))
        .filter(|p| {
            // dpkg's state for packages others installed meanwhile.
            let other_info = p.starts_with("/var/lib/dpkg/info")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with(&format!("{PACKAGE}.")));
            !other_info
        })
        .collect()
}

fn dpkg_version() -> Option<String> {
    let out = run(Command::new("dpkg-query").args(["-W", "-f", "${Status} ${Version}", PACKAGE]));
    let text = stdout(&out);
    text.strip_prefix("install ok installed ")
        .map(str::to_string)
}

fn greet(args: &[&str]) -> Output {
    run(Command::new("/usr/bin/greet")
        .args(args)
        .env("PATH", "/usr/bin:/bin"))
}

/// A root holding the installed files of the package, the loader and the
/// libraries its ELF files link (as `ldd` resolves them), and nothing else.
/// A chroot with /proc mounted, as on any running system (the loader
/// resolves the interpreter's `$ORIGIN` RUNPATH through /proc/self/exe);
/// unmounted before the directory is removed.
struct Jail(tempfile::TempDir);

impl Jail {
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl Drop for Jail {
    fn drop(&mut self) {
        let _ = run(Command::new("umount").arg(self.0.path().join("proc")));
    }
}

fn chroot_with_package() -> Jail {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let list = run(Command::new("dpkg").args(["-L", PACKAGE]));
    let mut libs = BTreeSet::new();
    for line in stdout(&list).lines() {
        let from = Path::new(line);
        if !from.is_file() {
            continue;
        }
        let to = r.join(line.trim_start_matches('/'));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(from, &to).unwrap();
        let head = std::fs::read(from)
            .map(|b| b.starts_with(b"\x7fELF"))
            .unwrap_or(false);
        if head {
            let ldd = run(Command::new("ldd").arg(from));
            for l in stdout(&ldd).lines() {
                let path = l
                    .split("=>")
                    .last()
                    .unwrap_or(l)
                    .trim()
                    .split(' ')
                    .next()
                    .unwrap_or("");
                if path.starts_with('/') && !path.starts_with("/usr/lib/greet") {
                    libs.insert(PathBuf::from(path));
                }
            }
        }
    }
    for lib in libs {
        let real = lib.canonicalize().unwrap();
        let to = r.join(lib.strip_prefix("/").unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&real, &to).unwrap();
    }
    std::fs::create_dir_all(r.join("tmp")).unwrap();
    std::fs::create_dir_all(r.join("proc")).unwrap();
    let jail = Jail(root);
    let mounted = run(Command::new("mount")
        .args(["-t", "proc", "proc"])
        .arg(jail.path().join("proc")));
    assert!(mounted.status.success(), "{}", stderr(&mounted));
    jail
}

fn in_chroot(root: &Path, args: &[&str]) -> Output {
    // Named by its path: the child's PATH below is what a program looks
    // for, and it leaves /usr/sbin out.
    run(Command::new("/usr/sbin/chroot")
        .arg(root)
        .arg("/usr/bin/greet")
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin"))
}

#[test]
fn installed_upgraded_and_purged_by_apt_for_real() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "installing packages needs root (the test machine is a root box)"
    );
    let _ = purge();
    let _cleanup = Cleanup;
    let before = snapshot();

    // The bundled layout, version 1.
    install(built("bundled"));
    assert_eq!(dpkg_version().as_deref(), Some("1.2.0-1"));
    let hello = greet(&["Ada", "--html", "<b>"]);
    assert_eq!(
        stdout(&hello),
        "Hello, Ada!\nescaped: &lt;b&gt;\n",
        "{}",
        stderr(&hello)
    );
    let verify = run(Command::new("dpkg").args(["--verify", PACKAGE]));
    assert!(
        verify.status.success() && stdout(&verify).is_empty(),
        "{}",
        stdout(&verify)
    );
    let compiled = Path::new("/usr/lib/greet/python/lib")
        .read_dir()
        .unwrap()
        .flatten()
        .any(|d| d.path().join("site-packages/greet/__pycache__").is_dir());
    assert!(compiled, "postinst compiles bytecode");
    // Its own Python, untouched by the environment's.
    let isolated = run(Command::new("/usr/bin/greet")
        .arg("--where")
        .env("PYTHONHOME", "/nonexistent")
        .env("PYTHONPATH", "/nonexistent")
        .env("PATH", "/nonexistent"));
    assert!(
        stdout(&isolated).contains("speedups: /usr/lib/greet/python/lib/"),
        "{}{}",
        stdout(&isolated),
        stderr(&isolated)
    );

    // With no Python on the system at all.
    let root = chroot_with_package();
    assert!(!root.path().join("usr/bin/python3").exists());
    let jailed = in_chroot(root.path(), &["Bo", "--where"]);
    assert!(jailed.status.success(), "{}", stderr(&jailed));
    assert!(
        stdout(&jailed).starts_with("Hello, Bo!\nspeedups: /usr/lib/greet/"),
        "{}",
        stdout(&jailed)
    );

    // Version 2 upgrades in place.
    let (tmp, app) = project("1.3.0", MAINTAINER);
    let v2 = build_deb(&app, &tmp.path().join("out"), &[], &[]);
    install(&v2);
    assert_eq!(dpkg_version().as_deref(), Some("1.3.0-1"));
    assert_eq!(stdout(&greet(&["again"])), "Hello, again!\n");

    let purged = purge();
    assert!(purged.status.success(), "{}", stderr(&purged));
    assert_eq!(dpkg_version(), None);
    assert_eq!(
        left_behind(&before),
        Vec::<PathBuf>::new(),
        "purge of the bundled layout"
    );

    // The system layout: Debian's own python3.
    install(built("system"));
    let where_ = greet(&["--where"]);
    assert!(
        stdout(&where_).contains("speedups: /usr/lib/greet/markupsafe/"),
        "{}{}",
        stdout(&where_),
        stderr(&where_)
    );
    let py = run(Command::new("/usr/bin/python3").args([
        "-c",
        "import sys; print('python: %d.%d' % sys.version_info[:2])",
    ]));
    assert!(
        stdout(&where_).contains(stdout(&py).trim()),
        "runs on /usr/bin/python3"
    );
    assert!(Path::new("/usr/lib/greet/greet/__pycache__").is_dir());
    assert!(purge().status.success());
    assert_eq!(
        left_behind(&before),
        Vec::<PathBuf>::new(),
        "purge of the system layout"
    );

    service_variant(&before);
}

/// A service: the unit installed, its user created, enabled the way
/// deb-systemd-helper does without a running systemd; gone after purge.
fn service_variant(before: &BTreeSet<PathBuf>) {
    let extra = format!(
        "{MAINTAINER}[tool.gradient.deb.service]\ncommand = \"greet --wait\"\nenvironment = {{ GREETING = \"hello\" }}\n"
    );
    let (tmp, app) = project("1.2.0", &extra);
    let deb = build_deb(&app, &tmp.path().join("out"), &[], &[]);
    install(&deb);
    let unit = std::fs::read_to_string("/usr/lib/systemd/system/greet.service").unwrap();
    assert!(
        unit.contains("ExecStart=/usr/bin/greet --wait\nUser=greet\nGroup=greet\n"),
        "{unit}"
    );
    assert!(unit.contains("Environment=\"GREETING=hello\""), "{unit}");
    let user = run(Command::new("getent").args(["passwd", PACKAGE]));
    assert!(
        stdout(&user).contains(":/nonexistent:/usr/sbin/nologin"),
        "{}",
        stdout(&user)
    );
    let wants = Path::new("/etc/systemd/system/multi-user.target.wants/greet.service");
    assert!(wants.symlink_metadata().is_ok(), "enabled on install");
    assert!(purge().status.success());
    assert!(wants.symlink_metadata().is_err(), "forgotten on purge");
    assert_eq!(
        left_behind(before),
        Vec::<PathBuf>::new(),
        "purge of the service variant"
    );
}
