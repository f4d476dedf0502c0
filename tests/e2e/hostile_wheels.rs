//! A hostile wheel in the dependency closure: the application installer
//! refuses it before inflating anything, naming the wheel and the member,
//! and leaves neither an artifact nor a staging tree behind.

use crate::support::*;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// A wheel of `bad` 1.0 whose two modules carry one name in the archive
/// (`bad/a.py` twice), each listed in RECORD: installers disagree on which
/// copy wins.
fn duplicate_names_wheel(path: &Path) {
    let info = "bad-1.0.dist-info";
    let files: Vec<(String, Vec<u8>)> = vec![
        ("bad/__init__.py".into(), b"".to_vec()),
        ("bad/a.py".into(), b"print('first')\n".to_vec()),
        ("bad/b.py".into(), b"print('other')\n".to_vec()),
        (
            format!("{info}/WHEEL"),
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n".to_vec(),
        ),
        (
            format!("{info}/METADATA"),
            b"Metadata-Version: 2.1\nName: bad\nVersion: 1.0\n".to_vec(),
        ),
    ];
    let mut record = String::new();
    for (name, bytes) in &files {
        let digest = Sha256::digest(bytes);
        let b64 = base64_urlsafe(&digest);
        record.push_str(&format!("{name},sha256={b64},{}\n", bytes.len()));
    }
    record.push_str(&format!("{info}/RECORD,,\n"));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    for (name, bytes) in files
        .iter()
        .chain([&(format!("{info}/RECORD"), record.into_bytes())])
    {
        zip.start_file(name.as_str(), opts).expect("member");
        zip.write_all(bytes).expect("write");
    }
    let bytes = zip.finish().expect("zip").into_inner();
    // Rename `bad/b.py` to `bad/a.py` in its local and central headers (the
    // names are stored, the contents deflated).
    let (from, to) = (b"bad/b.py", b"bad/a.py");
    let mut out = bytes.clone();
    for i in 0..=bytes.len() - from.len() {
        if &bytes[i..i + from.len()] == from {
            out[i..i + to.len()].copy_from_slice(to);
        }
    }
    std::fs::write(path, out).expect("write wheel");
}

fn base64_urlsafe(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, b| n << 8 | *b as u32) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[test]
fn a_wheel_with_duplicate_names_is_refused_and_nothing_is_left() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("app");
    write(
        &project.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"1.0\"\ndependencies = [\"bad\"]\n\n[project.scripts]\napp = \"app:main\"\n",
    );
    write(
        &project.join("src/app/__init__.py"),
        "def main():\n    import bad.a\n",
    );
    let wheelhouse = tmp.path().join("wheelhouse");
    std::fs::create_dir(&wheelhouse).expect("wheelhouse");
    duplicate_names_wheel(&wheelhouse.join("bad-1.0-py3-none-any.whl"));
    let (out_dir, temp) = (tmp.path().join("out"), tmp.path().join("tmp"));
    std::fs::create_dir(&out_dir).expect("out");
    std::fs::create_dir(&temp).expect("tmp");
    let out = run(gradient()
        .arg("build")
        .arg(&project)
        .args(["--format", "zipapp", "--out"])
        .arg(&out_dir)
        .arg("--wheelhouse")
        .arg(&wheelhouse)
        .env("TMPDIR", &temp));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "refused: {err}");
    assert!(
        err.contains(
            "bad-1.0-py3-none-any.whl: bad/a.py: the archive holds this name more than once"
        ),
        "{err}"
    );
    assert!(
        err.contains("refused before anything was inflated"),
        "{err}"
    );
    let left = |dir: &Path| -> Vec<_> {
        std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name())
            .collect()
    };
    assert!(
        left(&out_dir).is_empty(),
        "no artifact: {:?}",
        left(&out_dir)
    );
    let staging: Vec<_> = left(&temp)
        .into_iter()
        .filter(|n| n.to_string_lossy().contains("gradient"))
        .collect();
    assert!(staging.is_empty(), "no staging tree: {staging:?}");
}
