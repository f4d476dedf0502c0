//! Debian packages end to end: the fixture application `greet` packaged in
//! both layouts, judged by Debian's own tools — lintian, dpkg-deb, and apt
//! installing, upgrading and purging it on this machine (the test machine is
//! a disposable root box). The bundled layout also runs in a chroot without
//! any Python but its own; two builds from copies at different paths are
//! byte-identical; bad input is refused with errors that say where.

use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub const MAINTAINER: &str =
    "[tool.gradient.deb]\nmaintainer = \"Gradient Studio Tests <greet@example.org>\"\n";

/// A copy of the fixture with `extra` appended to its pyproject.toml and
/// its version set to `version`.
pub fn project(version: &str, extra: &str) -> (tempfile::TempDir, PathBuf) {
    let (tmp, app) = fixture("app");
    let path = app.join("pyproject.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("version = \"1.2.0\"", &format!("version = \"{version}\""));
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    (tmp, app)
}

/// `gradient build --format deb`, asserting success; the .deb's path.
pub fn build_deb(app: &Path, out: &Path, extra: &[&str], env: &[(&str, &str)]) -> PathBuf {
    let result = run(gradient()
        .arg("build")
        .arg(app)
        .args([
            "--format",
            "deb",
            "--json",
            "--python",
            &python(),
            "--wheelhouse",
        ])
        .arg(app_wheels("host"))
        .arg("--out")
        .arg(out)
        .args(extra)
        .envs(env.iter().copied()));
    assert!(result.status.success(), "{}", stderr(&result));
    let report: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    artifact(&report, "deb")
}

/// The fixture packaged in `layout` (version 1.2.0), built once per test
/// process.
pub fn built(layout: &str) -> &'static Path {
    static BUNDLED: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    static SYSTEM: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let cell = if layout == "bundled" {
        &BUNDLED
    } else {
        &SYSTEM
    };
    &cell
        .get_or_init(|| {
            let (tmp, app) = project("1.2.0", MAINTAINER);
            let deb = build_deb(
                &app,
                &tmp.path().join("out"),
                &["--deb-layout", layout],
                &[],
            );
            (tmp, deb)
        })
        .1
}

/// lintian's tags at warning level and above, as `W: tag` / `E: tag`.
/// lintian exits 0 only when it read the package and found no error.
fn lintian(deb: &Path) -> Vec<String> {
    let out = run(Command::new("lintian")
        .args(["--no-cfg", "--display-level", ">=warning"])
        .arg(deb));
    assert!(
        matches!(out.status.code(), Some(0 | 2)),
        "lintian did not run: {}{}",
        stdout(&out),
        stderr(&out)
    );
    let text = stdout(&out);
    assert!(
        out.status.success() || text.contains("E: "),
        "lintian failed without an error tag: {text}{}",
        stderr(&out)
    );
    text.lines()
        .filter_map(|l| {
            let (sev, rest) = l.split_once(": ")?;
            let tag = rest.split_once(": ")?.1.split_whitespace().next()?;
            matches!(sev, "E" | "W").then(|| format!("{sev}: {tag}"))
        })
        .collect()
}

/// Warnings lintian gives these packages on purpose, each with the reason.
/// The package also ships overrides for the bundled CPython
/// (`/usr/share/lintian/overrides/greet`: embedded-library expat,
/// library-not-linked-against-libc and shared-library-lacks-prerequisites
/// for lib-dynload), the same tags Debian's own libpython3.X packages
/// override for the same files.
const ACCEPTED_WARNINGS: &[&str] = &[
    // The changelog is the package's own, not an upload to Debian's
    // archive: there is no ITP bug to close.
    "initial-upload-closes-no-bugs",
    // The fixture declares no authors, years or license file: the DEP-5
    // file says "the greet authors" rather than invent a notice.
    "copyright-without-copyright-notice",
    // The bundled interpreter is Debian's own /usr/bin/python3.X, which
    // Debian builds without PIE for speed; it is shipped as built.
    "hardening-no-pie",
];

#[test]
fn lintian_and_dpkg_deb_accept_both_layouts() {
    for layout in ["bundled", "system"] {
        let deb = built(layout);
        let tags: Vec<String> = lintian(deb)
            .into_iter()
            .filter(|t| !ACCEPTED_WARNINGS.iter().any(|a| t == &format!("W: {a}")))
            .collect();
        assert!(tags.is_empty(), "{layout}: lintian says {tags:#?}");

        let info = run(Command::new("dpkg-deb").arg("--info").arg(deb));
        assert!(info.status.success(), "{}", stderr(&info));
        let info = stdout(&info);
        for field in [
            " Package: greet\n",
            " Version: 1.2.0-1\n",
            " Architecture: amd64\n",
            " Maintainer: Gradient Studio Tests <greet@example.org>\n",
            " Section: utils\n",
        ] {
            assert!(info.contains(field), "{layout}: {field:?} in {info}");
        }
        assert!(info.contains(" Depends: libc6 (>= 2."), "{info}");
        let contents = run(Command::new("dpkg-deb").arg("--contents").arg(deb));
        let contents = stdout(&contents);
        assert!(
            contents
                .lines()
                .any(|l| l.starts_with("-rwxr-xr-x 0/0") && l.ends_with(" usr/bin/greet")),
            "{contents}"
        );
        assert!(contents.contains(" usr/share/doc/greet/copyright\n"));
        assert!(!contents.contains(".pyc"), "bytecode is made on the target");
        match layout {
            "bundled" => {
                assert!(contents.contains(" usr/lib/greet/python/bin/python3."));
                assert!(!info.contains("python3 ("), "no system Python: {info}");
            }
            _ => {
                assert!(
                    info.contains("python3 (>= 3.") && info.contains("python3 (<< 3."),
                    "{info}"
                );
                assert!(
                    contents.contains(" usr/lib/greet/greet/cli.py\n"),
                    "{contents}"
                );
            }
        }

        // The inspector reads it back and verifies every md5sum.
        let report = run(gradient().arg("inspect").arg("--json").arg(deb));
        assert!(report.status.success(), "{}", stdout(&report));
        let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
        assert_eq!(report["kind"], "deb");
        let md5 = &report["deb"]["md5sums"];
        assert_eq!(md5["problems"], 0);
        assert_eq!(md5["listed"], md5["verified"]);
        assert!(md5["verified"].as_u64().unwrap() > 10);
        let app = &report["deb"]["python"];
        assert_eq!(app["layout"], layout, "{app}");
        assert!(
            app["distributions"].to_string().contains("click 8.1.8"),
            "{app}"
        );
    }
}

#[test]
fn builds_are_byte_identical_from_different_paths_and_times() {
    for (layout, compression) in [("bundled", "zstd"), ("system", "xz"), ("system", "gzip")] {
        let mut built = Vec::new();
        for _ in 0..2 {
            let (tmp, app) = project("1.2.0", MAINTAINER);
            let out = tmp.path().join("elsewhere/out");
            let deb = build_deb(
                &app,
                &out,
                &["--deb-layout", layout, "--deb-compression", compression],
                &[("SOURCE_DATE_EPOCH", "1700000000")],
            );
            built.push((tmp, std::fs::read(deb).unwrap()));
            std::thread::sleep(std::time::Duration::from_millis(1100));
        }
        assert!(
            built[0].1 == built[1].1,
            "{layout}/{compression}: the two builds differ"
        );
    }
}

/// Build `extra` appended to the fixture and expect a refusal mentioning
/// every one of `expected`; nothing may be written.
fn refused(version: &str, extra: &str, expected: &[&str]) {
    let (tmp, app) = project(version, extra);
    let out = tmp.path().join("out");
    let result = run(gradient()
        .arg("build")
        .arg(&app)
        .args(["--format", "deb", "--python", &python(), "--wheelhouse"])
        .arg(app_wheels("host"))
        .arg("--out")
        .arg(&out));
    assert_eq!(result.status.code(), Some(1), "{}", stderr(&result));
    for e in expected {
        assert!(stderr(&result).contains(e), "{e:?} in {}", stderr(&result));
    }
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
}

#[test]
fn bad_input_is_refused_with_where_to_fix_it() {
    refused(
        "1.2.0",
        "",
        &["project.maintainers", "tool.gradient.deb.maintainer"],
    );
    refused(
        "1.2.0",
        "[tool.gradient.deb]\nmaintainer = \"Ada <ada@example.org>\"\npackage = \"Greet_App\"\n",
        &[
            "pyproject.toml:",
            "tool.gradient.deb.package",
            "not a Debian package name",
        ],
    );
    refused(
        "1.2.0+local.7",
        MAINTAINER,
        &["project.version", "local version label"],
    );
    refused(
        "1.2.0",
        &format!(
            "{MAINTAINER}conffiles = {{ \"/usr/share/greet/greet.toml\" = \"pyproject.toml\" }}\n"
        ),
        &["tool.gradient.deb.conffiles", "not a file under /etc"],
    );
    let (tmp, app) = fixture("app");
    let text = std::fs::read_to_string(app.join("pyproject.toml")).unwrap();
    std::fs::write(
        app.join("pyproject.toml"),
        format!(
            "{}\n{MAINTAINER}",
            text.replace("name = \"greet\"", "name = \"g\"")
        ),
    )
    .unwrap();
    let result = run(gradient()
        .arg("build")
        .arg(&app)
        .args(["--format", "deb", "--target", "3.11-manylinux_2_17_x86_64"])
        .arg("--out")
        .arg(tmp.path().join("out")));
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("does not make a Debian package name"),
        "{}",
        stderr(&result)
    );
}
