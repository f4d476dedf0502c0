//! The package writer judged by dpkg-deb and the inspector: every
//! compression, conffiles outside md5sums, long names, determinism, and a
//! forged package caught by md5sums.

use super::*;
use crate::plan::Entry;
use std::process::Command;

const CONTROL_TEXT: &str =
    "Package: demo\nVersion: 1.0-1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: demo\n";

fn plan(long: &str, compression: Compression) -> Plan {
    let mut tool = Entry::bytes("usr/bin/demo", b"#!/bin/sh\necho hi\n".to_vec(), "command");
    tool.mode = 0o755;
    let conffiles = vec!["/etc/demo/demo.conf".to_string()];
    let scripts = vec![("postinst".to_string(), "#!/bin/sh\nset -e\n".to_string())];
    let data = vec![
        Entry::bytes("etc/demo/demo.conf", b"x = 1\n".to_vec(), "conffile"),
        Entry::bytes(long, b"deep\n".to_vec(), "long name"),
        tool,
    ];
    let members = Members {
        control: CONTROL_TEXT,
        conffiles: &conffiles,
        scripts: &scripts,
    };
    assemble(
        "demo_1.0-1_all.deb".into(),
        data,
        members,
        compression,
        1_700_000_000,
    )
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn dpkg_deb_reads_every_compression_and_the_inspector_verifies_md5sums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let long = format!("usr/share/demo/{}/file.txt", "d".repeat(120));
    for c in [Compression::Zstd, Compression::Xz, Compression::Gzip] {
        let dest = dir.path().join(format!("demo-{c:?}.deb"));
        let written = write(&plan(&long, c), &dest, &Silent).expect("write");
        assert_eq!(written.size, std::fs::metadata(&dest).expect("meta").len());
        let again = dir.path().join("again.deb");
        write(&plan(&long, c), &again, &Silent).expect("write");
        let bytes = |p: &Path| std::fs::read(p).expect("read");
        assert_eq!(bytes(&dest), bytes(&again), "{c:?}: deterministic");

        let listing = run(Command::new("dpkg-deb").arg("--contents").arg(&dest));
        // Root-owned, modes as planned, every directory recorded.
        let line = |path: &str| listing.lines().find(|l| l.ends_with(&format!(" {path}")));
        assert!(
            line("usr/bin/demo").is_some_and(|l| l.starts_with("-rwxr-xr-x 0/0")),
            "{listing}"
        );
        assert!(line(&long).is_some(), "{listing}");
        assert!(
            line("usr/share/demo").is_some_and(|l| l.starts_with("drwxr-xr-x 0/0")),
            "{listing}"
        );
        let field = run(Command::new("dpkg-deb")
            .arg("--field")
            .arg(&dest)
            .arg("Package"));
        assert_eq!(field, "demo\n");
        let out = dir.path().join(format!("x-{c:?}"));
        run(Command::new("dpkg-deb").arg("-R").arg(&dest).arg(&out));
        let md5sums = std::fs::read_to_string(out.join("DEBIAN/md5sums")).expect("md5sums");
        assert_eq!(md5sums.lines().count(), 2, "no conffiles: {md5sums}");
        assert!(md5sums.contains("  usr/bin/demo\n"), "{md5sums}");
        let conffiles = std::fs::read_to_string(out.join("DEBIAN/conffiles")).expect("conffiles");
        assert_eq!(conffiles, "/etc/demo/demo.conf\n");

        let report = crate::inspect::inspect(&dest).expect("inspect");
        assert!(report.verifies(), "{:?}", report.findings);
        let facts = report.deb.expect("deb facts");
        assert_eq!((facts.md5sums.listed, facts.md5sums.verified), (2, 2));
        assert_eq!(facts.field("Package"), Some("demo"));
        assert!(report.entries.iter().any(|m| m.path == long));
    }
}

#[test]
fn a_tampered_file_fails_md5sums() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("demo.deb");
    write(&plan("usr/share/demo/a", Compression::Gzip), &dest, &Silent).expect("write");
    // Rebuild with different content but the first package's md5sums.
    let out = dir.path().join("x");
    run(Command::new("dpkg-deb").arg("-R").arg(&dest).arg(&out));
    std::fs::write(out.join("usr/share/demo/a"), "tampered\n").expect("write");
    let forged = dir.path().join("forged.deb");
    run(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-Zgzip", "--build"])
        .arg(&out)
        .arg(&forged));
    let report = crate::inspect::inspect(&forged).expect("inspect");
    assert!(!report.verifies());
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.code == "D004" && f.path.as_deref() == Some("usr/share/demo/a")),
        "{:?}",
        report.findings
    );
}

#[test]
fn a_plan_of_another_container_is_refused() {
    let mut p = plan("usr/share/demo/a", Compression::Xz);
    p.container = Container::zip();
    let dir = tempfile::tempdir().expect("tempdir");
    assert!(write(&p, &dir.path().join("x.deb"), &Silent).is_err());
    assert!(!dir.path().join("x.deb").exists());
}
