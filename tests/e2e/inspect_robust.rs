//! `gradient inspect` and `gradient diff` on huge and hostile inputs, made
//! cheaply in each test by tests/oracle/huge.py: Zip64 archives (70,000
//! entries from Python's zipfile; a sparse member over 4 GiB), a RECORD row
//! with a line break in a name, METADATA over the limit, truncated gzip
//! streams, files that are not regular files, and a small wheel whose ELF
//! members used to cost gigabytes of memory.

use crate::support::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn huge(args: &[&str], out: &Path) -> PathBuf {
    let result = run(Command::new(oracle_python())
        .arg(repo_root().join("tests/oracle/huge.py"))
        .arg(args[0])
        .arg(out)
        .args(&args[1..]));
    assert!(
        result.status.success(),
        "huge.py {args:?}: {}",
        stderr(&result)
    );
    PathBuf::from(stdout(&result).trim())
}

fn inspect(file: &Path) -> (i32, Value) {
    let out = run(gradient().arg("inspect").arg(file).arg("--json"));
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", stderr(&out)));
    (out.status.code().expect("exit code"), report)
}

fn has(report: &Value, code: &str, text: &str) -> bool {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["code"] == code && f["message"].as_str().is_some_and(|m| m.contains(text)))
}

#[test]
fn zip64_archives_from_python_zipfile_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wheel = huge(&["many", "70000"], tmp.path());
    let (code, r) = inspect(&wheel);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    assert_eq!(r["entries"].as_array().expect("entries").len(), 70_004);
    assert_eq!(r["wheel"]["record"]["verified"], 70_003);
}

#[test]
fn a_member_over_4_gib_declared_through_zip64_verifies() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wheel = huge(&["sparse", "4400000000"], tmp.path());
    let (code, r) = inspect(&wheel);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    let member = r["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|m| m["path"] == "sparse/zeros.bin")
        .expect("the big member");
    assert_eq!(member["size"], 4_400_000_000u64);
    assert_eq!(
        member["sha256"],
        "36f5a3b9e315883c2066011cbe3b9e95016f44d5769930b73dace48af444d404"
    );
}

#[test]
fn a_record_row_with_a_quoted_line_break_parses_as_pip_reads_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wheel = huge(&["newline"], tmp.path());
    let (code, r) = inspect(&wheel);
    assert_eq!(code, 0, "{:#}", r["findings"]);
    assert_eq!(r["wheel"]["record"]["problems"], 0);
    // pip agrees that the wheel is sound.
    let pip = run(Command::new(oracle_python())
        .args(["-m", "pip", "install", "--quiet", "--no-deps", "--target"])
        .arg(tmp.path().join("site"))
        .arg(&wheel));
    assert!(pip.status.success(), "{}", stderr(&pip));
    assert!(tmp.path().join("site/newline/odd\nname.txt").exists());
}

#[test]
fn metadata_over_the_limit_is_too_large_not_missing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wheel = huge(&["bigmeta", "34000000"], tmp.path());
    let (code, r) = inspect(&wheel);
    assert_eq!(code, 1);
    assert!(has(&r, "M001", "too large"), "{:#}", r["findings"]);
}

#[test]
fn a_tar_gz_missing_its_gzip_trailer_fails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (_t, project) = fixture("flat");
    let built = build_json(&project, tmp.path(), &["--format", "sdist"]);
    let sdist = artifact(&built, "sdist");
    let bytes = std::fs::read(&sdist).expect("sdist");
    assert_eq!(inspect(&sdist).0, 0);
    for cut in [1, 4, 8] {
        let short = tmp.path().join(format!("cut{cut}.tar.gz"));
        std::fs::write(&short, &bytes[..bytes.len() - cut]).expect("write");
        let (code, r) = inspect(&short);
        assert_eq!(code, 1, "{cut} bytes cut: {:#}", r["findings"]);
        assert!(
            has(&r, "A007", "truncated or corrupt"),
            "{:#}",
            r["findings"]
        );
    }
}

/// Run `gradient` with `args`, failing the test if it has not ended within
/// ten seconds (a FIFO must not block it).
fn gradient_within_seconds(args: &[&Path]) -> std::process::Output {
    let mut child = gradient()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("gradient starts");
    let start = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("gradient {args:?} blocked");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

#[test]
fn fifos_directories_and_devices_are_errors_without_blocking() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("pipe.whl");
    let made = run(Command::new("mkfifo").arg(&fifo));
    assert!(made.status.success(), "{}", stderr(&made));
    for (path, what) in [
        (fifo.as_path(), "not a regular file"),
        (tmp.path(), "a directory"),
        (Path::new("/dev/null"), "not a regular file"),
    ] {
        let out = gradient_within_seconds(&[Path::new("inspect"), path]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        assert!(stderr(&out).contains(what), "{}", stderr(&out));
        let out = gradient_within_seconds(&[Path::new("diff"), path, path]);
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
    }
}

#[test]
fn diff_of_unrecognised_or_damaged_inputs_is_an_error_never_identical() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let empty = tmp.path().join("empty.whl");
    std::fs::write(&empty, b"").expect("write");
    let noise = tmp.path().join("noise.whl");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let bytes: Vec<u8> = (0..1 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(&noise, bytes).expect("write");
    let (_t, project) = fixture("flat");
    let built = build_json(&project, tmp.path(), &["--format", "wheel"]);
    let wheel = std::fs::read(artifact(&built, "wheel")).expect("wheel");
    let (cut_a, cut_b) = (tmp.path().join("a.whl"), tmp.path().join("b.whl"));
    std::fs::write(&cut_a, &wheel[..wheel.len() / 2]).expect("write");
    std::fs::write(&cut_b, &wheel[..wheel.len() / 3]).expect("write");
    for (a, b) in [(&empty, &noise), (&cut_a, &cut_b), (&empty, &empty)] {
        let out = run(gradient().arg("diff").arg(a).arg(b));
        assert_eq!(
            out.status.code(),
            Some(2),
            "{} {}",
            a.display(),
            b.display()
        );
        assert!(stderr(&out).contains("cannot compare"), "{}", stderr(&out));
        assert!(!stdout(&out).contains("identical"));
    }
}

/// Peak resident memory (KiB) of `gradient ARGS`, from the kernel's own
/// accounting of that one child (`wait4`).
fn peak_rss_kib(args: &[&Path]) -> (i32, i64) {
    // Reaped by `wait4` below, which also reports its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = gradient()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gradient starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain FFI call with valid out-pointers; `child` is not waited
    // for elsewhere.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

/// 40 ELF members of 31 MiB (1.3 MB of wheel) once took over 1.2 GB: ELF
/// files were held whole. Now only their tables are read, two files at a
/// time, each within a 32 MiB bound: the peak is bounded by construction.
#[test]
fn a_small_wheel_of_huge_elf_members_stays_under_150_mb() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let wheel = huge(&["elfbomb", "40"], tmp.path());
    assert!(std::fs::metadata(&wheel).expect("wheel").len() < 2 << 20);
    let (code, peak) = peak_rss_kib(&[Path::new("inspect"), &wheel]);
    assert_eq!(code, 1, "the tags are wrong for the code; it is judged");
    assert!(peak < 150 * 1024, "peak RSS {peak} KiB");
    eprintln!("peak RSS inspecting {}: {peak} KiB", wheel.display());
}
