use super::*;
use crate::plan::{Format, Plan};
use crate::progress::Silent;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

fn plan_with(dir: &Path, record: bool) -> Plan {
    let big: Vec<u8> = (0..3_000_000u32)
        .flat_map(|i| (i % 251).to_le_bytes())
        .collect();
    std::fs::write(dir.join("big.bin"), &big).expect("write");
    std::fs::write(dir.join("mod.py"), "print('hi')\n").expect("write");
    let mut entries = vec![
        Entry::file(
            "pkg/big.bin",
            dir.join("big.bin"),
            big.len() as u64,
            false,
            "module pkg",
        ),
        Entry::file("pkg/mod.py", dir.join("mod.py"), 12, true, "module pkg"),
        Entry::bytes("pkg/odd, name é.txt", b"x".to_vec(), "generated"),
    ];
    for i in 0..600 {
        entries.push(Entry::bytes(
            format!("pkg/many/m{i:04}.py"),
            format!("X = {i}\n").into_bytes(),
            "generated",
        ));
    }
    if record {
        let size = crate::record::record_size(&entries, "pkg-1.dist-info/RECORD");
        entries.push(Entry {
            path: "pkg-1.dist-info/RECORD".into(),
            source: Source::Record,
            mode: 0o644,
            size,
            reason: "RECORD".into(),
        });
    }
    Plan {
        format: Format::Wheel,
        file_name: "pkg-1-py3-none-any.whl".into(),
        entries,
        excluded: vec![],
        mtime: 1_700_000_000,
        preamble: Vec::new(),
        trailer_key: None,
    }
}

#[test]
fn zip_round_trip_with_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_with(dir.path(), true);
    let dest = dir.path().join("out/pkg.whl");
    let written = write_zip(&plan, &dest, &Silent).expect("write");
    let bytes = std::fs::read(&dest).expect("read");
    assert_eq!(written.size, bytes.len() as u64);
    assert_eq!(written.sha256, format!("{:x}", Sha256::digest(&bytes)));

    let mut zip = ::zip::ZipArchive::new(std::io::Cursor::new(&bytes)).expect("valid zip");
    assert_eq!(zip.len(), plan.entries.len());
    let mut record_text = String::new();
    let mut rows = Vec::new();
    for (i, entry) in plan.entries.iter().enumerate() {
        let mut f = zip.by_index(i).expect("entry");
        assert_eq!(f.name(), entry.path);
        assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(entry.mode));
        assert_eq!(f.size(), entry.size, "{}: planned size", entry.path);
        let t = f.last_modified().expect("time");
        assert_eq!(
            (
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
            (2023, 11, 14, 22, 13, 20)
        );
        let mut data = Vec::new();
        f.read_to_end(&mut data).expect("inflate (CRC checked)");
        if matches!(entry.source, Source::Record) {
            record_text = String::from_utf8(data).expect("utf8");
        } else {
            rows.push((
                entry.path.clone(),
                Sha256::digest(&data).into(),
                data.len() as u64,
            ));
        }
    }
    assert_eq!(
        record_text,
        crate::record::render(&rows, "pkg-1.dist-info/RECORD")
    );
    assert!(record_text.contains("\"pkg/odd, name é.txt\",sha256="));

    let again = dir.path().join("again.whl");
    write_zip(&plan, &again, &Silent).expect("write again");
    assert_eq!(std::fs::read(&again).expect("read"), bytes, "deterministic");
}

#[test]
fn tar_gz_is_deterministic_and_readable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = plan_with(dir.path(), false);
    plan.entries.push(Entry::bytes(
        format!("top-1/{}/file.txt", "d".repeat(120)),
        b"long".to_vec(),
        "generated",
    ));
    let dest = dir.path().join("a.tar.gz");
    write_tar_gz(&plan, &dest, &Silent).expect("write");
    let bytes = std::fs::read(&dest).expect("read");
    assert_eq!(&bytes[4..8], &[0, 0, 0, 0], "gzip mtime is zero");
    assert_eq!(bytes[3] & 0x08, 0, "no file name in the gzip header");
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
    let names: Vec<String> = archive
        .entries()
        .expect("tar")
        .map(|e| {
            let e = e.expect("entry");
            assert_eq!(e.header().mtime().expect("mtime"), 1_700_000_000);
            assert_eq!(e.header().uid().expect("uid"), 0);
            e.path().expect("path").to_string_lossy().into_owned()
        })
        .collect();
    let planned: Vec<&str> = plan.entries.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(names, planned);
    let again = dir.path().join("b.tar.gz");
    write_tar_gz(&plan, &again, &Silent).expect("write");
    assert_eq!(std::fs::read(&again).expect("read"), bytes);
}

struct CancelAfter(AtomicBool);
impl Progress for CancelAfter {
    fn advance(&self, _: u64) {
        self.0.store(true, Ordering::Relaxed);
    }
    fn cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

#[test]
fn cancelled_or_failed_writes_leave_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = plan_with(dir.path(), false);
    plan.entries.truncate(2);
    let dest = dir.path().join("out/x.tar.gz");
    let err =
        write_tar_gz(&plan, &dest, &CancelAfter(AtomicBool::new(false))).expect_err("cancelled");
    assert!(matches!(err, Error::Cancelled));
    assert!(!dest.exists());

    std::fs::remove_file(dir.path().join("mod.py")).expect("rm");
    let dest = dir.path().join("out/x.whl");
    let err = write_zip(&plan, &dest, &Silent).expect_err("missing source");
    assert!(err.to_string().contains("mod.py"), "{err}");
    assert!(!dest.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .expect("dir")
        .collect();
    assert!(leftovers.is_empty(), "temporary files must be removed");
}

#[test]
fn changed_file_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = plan_with(dir.path(), false);
    std::fs::write(dir.path().join("mod.py"), "print('changed')\n").expect("write");
    plan.entries.truncate(2);
    let err = write_zip(&plan, &dir.path().join("x.whl"), &Silent).expect_err("size changed");
    assert!(err.to_string().contains("changed while building"), "{err}");
}

#[test]
fn directory_sink_writes_files_and_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_with(dir.path(), true);
    let dest = dir.path().join("tree");
    let written = write_dir(&plan, &dest, &Silent).expect("write");
    assert_eq!(
        std::fs::read_to_string(dest.join("pkg/mod.py")).expect("file"),
        "print('hi')\n"
    );
    let record = std::fs::read_to_string(dest.join("pkg-1.dist-info/RECORD")).expect("record");
    assert_eq!(
        written.sha256,
        format!("{:x}", Sha256::digest(record.as_bytes()))
    );
    assert!(
        write_dir(&plan, &dest, &Silent).is_err(),
        "refuses an existing directory"
    );
}

#[test]
fn dos_time_conversion() {
    use super::zip_writer::dos_datetime;
    // 1980-01-01 00:00:00 and clamping below it.
    assert_eq!(dos_datetime(315_532_800), (0x21, 0));
    assert_eq!(dos_datetime(0), (0x21, 0));
    // 2023-11-14 22:13:20
    let (d, t) = dos_datetime(1_700_000_000);
    assert_eq!((d >> 9, (d >> 5) & 15, d & 31), (43, 11, 14));
    assert_eq!((t >> 11, (t >> 5) & 63, (t & 31) * 2), (22, 13, 20));
}
