use super::*;
use crate::plan::{Container, Entry, Format, Plan, Source};
use crate::progress::Progress;
use crate::progress::Silent;
use crate::Error;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
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
        entries.push(Entry::derived(
            "pkg-1.dist-info/RECORD",
            Source::Record,
            size,
            "RECORD",
        ));
    }
    Plan {
        format: Format::Wheel,
        file_name: "pkg-1-py3-none-any.whl".into(),
        entries,
        excluded: vec![],
        mtime: 1_700_000_000,
        container: Container::zip(),
    }
}

#[test]
fn zip_round_trip_with_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = plan_with(dir.path(), true);
    let dest = dir.path().join("out/pkg.whl");
    let written = write_zip(&plan, &dest, &Silent, &|_| Ok(())).expect("write");
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
    write_zip(&plan, &again, &Silent, &|_| Ok(())).expect("write again");
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
    let err = write_zip(&plan, &dest, &Silent, &|_| Ok(())).expect_err("missing source");
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
    let err = write_zip(&plan, &dir.path().join("x.whl"), &Silent, &|_| Ok(()))
        .expect_err("size changed");
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

/// A Debian-shaped artifact: an `ar` holding a gzip tar of directories,
/// a symlink and files (the data part), then a tar whose md5sums is derived
/// from the data part; every layer nested without touching the disk twice.
#[test]
fn nested_tar_in_ar_with_kinds_and_derived_md5sums() {
    use crate::plan::{Compression, Part};
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("app"), "#!/bin/sh\necho hi\n").expect("write");
    let data = Part::named("data");
    let entries = vec![
        Entry::directory("./usr/", "dir").in_part(data.clone()),
        Entry::directory("./usr/bin/", "dir").in_part(data.clone()),
        Entry::file("./usr/lib/app/run", dir.path().join("app"), 18, true, "f")
            .in_part(data.clone()),
        Entry::symlink("./usr/bin/app", "../lib/app/run", "link").in_part(data.clone()),
    ];
    let plain = TarSpec {
        mtime: 1_700_000_000,
        compression: Compression::Gzip,
        digests: Digests::default(),
    };
    let (_, digests) = write_tar(&entries, &[], plain, std::io::sink(), &Silent).expect("tar");
    assert_eq!(digests.len(), 1, "one regular file");
    assert!(digests[0].md5.is_none(), "md5 only when asked for");
    let spec = TarSpec {
        digests: Digests {
            md5: true,
            ..Digests::default()
        },
        ..plain
    };
    let (spooled, digests) = spool(|w| write_tar(&entries, &[], spec, w, &Silent)).expect("data");
    let control = [
        Entry::bytes("./control", b"Package: app\n".to_vec(), "c"),
        Entry::derived(
            "./md5sums",
            Source::Md5sums { of: data },
            derive::md5sums_size(&entries),
            "md5",
        ),
    ];
    let (control_tar, _) =
        spool(|w| write_tar(&control, &digests, spec, w, &Silent)).expect("control");

    let dest = dir.path().join("out/app.deb");
    let written = write_with(&dest, 0o644, |out| {
        let mut ar = ar_writer::ArWriter::new(out, 0)?;
        ar.member_bytes("debian-binary", b"2.0\n")?;
        ar.member_spooled("control.tar.gz", control_tar)?;
        ar.member_spooled("data.tar.gz", spooled)?;
        ar.finish().map(|_| ())
    })
    .expect("deb");
    let bytes = std::fs::read(&dest).expect("read");
    assert_eq!(written.sha256, crate::record::sha256_hex(&bytes));
    assert!(bytes.starts_with(
        b"!<arch>\ndebian-binary   0           0     0     100644  4         `\n2.0\n"
    ));

    // Read the members back: the control tar's md5sums names the file with
    // the md5 of its bytes; the data tar has the kinds as planned.
    let members = ar_members(&bytes);
    assert_eq!(
        members.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(),
        ["debian-binary", "control.tar.gz", "data.tar.gz"]
    );
    // tar-rs writes paths without their leading `./` (dpkg reads both).
    let md5sums = tar_file(&members[1].1, "md5sums");
    let expected = format!(
        "{:x}  usr/lib/app/run\n",
        md5::Md5::digest(b"#!/bin/sh\necho hi\n")
    );
    assert_eq!(String::from_utf8(md5sums).expect("utf-8"), expected);
    let gz = flate2::read::GzDecoder::new(members[2].1.as_slice());
    let mut tar = tar::Archive::new(gz);
    let kinds: Vec<(String, tar::EntryType, Option<String>)> = tar
        .entries()
        .expect("entries")
        .map(|e| {
            let e = e.expect("entry");
            let link = e
                .link_name()
                .expect("link")
                .map(|l| l.to_string_lossy().into_owned());
            (
                e.path().expect("path").to_string_lossy().into_owned(),
                e.header().entry_type(),
                link,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("usr/".to_string(), tar::EntryType::Directory, None),
            ("usr/bin/".to_string(), tar::EntryType::Directory, None),
            ("usr/lib/app/run".to_string(), tar::EntryType::Regular, None),
            (
                "usr/bin/app".to_string(),
                tar::EntryType::Symlink,
                Some("../lib/app/run".to_string())
            ),
        ]
    );
}

fn ar_members(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut at = 8;
    let mut out = Vec::new();
    while at + 60 <= bytes.len() {
        let header = std::str::from_utf8(&bytes[at..at + 60]).expect("header");
        let name = header[..16].trim_end().to_string();
        let size: usize = header[48..58].trim_end().parse().expect("size");
        out.push((name, bytes[at + 60..at + 60 + size].to_vec()));
        at += 60 + size + size % 2;
    }
    out
}

fn tar_file(gz: &[u8], name: &str) -> Vec<u8> {
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(gz));
    for e in tar.entries().expect("entries") {
        let mut e = e.expect("entry");
        if e.path().expect("path").to_string_lossy() == name {
            let mut out = Vec::new();
            e.read_to_end(&mut out).expect("read");
            return out;
        }
    }
    panic!("{name} not in the tar")
}

/// A file larger than the in-memory limit streams through a spool: the zip
/// reads back with the right bytes and RECORD hash, in stored or deflated
/// form, and both kinds of large entry are deterministic.
#[test]
fn large_entries_stream_and_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let size = (zip_writer::STREAM_BYTES + 12_345) as usize;
    // Compressible and incompressible (an LCG's bytes) large inputs.
    let text: Vec<u8> = b"abcdefgh".iter().copied().cycle().take(size).collect();
    let mut x: u32 = 1;
    let noise: Vec<u8> = (0..size)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect();
    std::fs::write(dir.path().join("text"), &text).expect("write");
    std::fs::write(dir.path().join("noise"), &noise).expect("write");
    let mut entries = vec![
        Entry::file("big/text", dir.path().join("text"), size as u64, false, "t"),
        Entry::bytes("small.py", b"x = 1\n".to_vec(), "s"),
        Entry::file(
            "big/noise",
            dir.path().join("noise"),
            size as u64,
            false,
            "n",
        ),
    ];
    let record_size = crate::record::record_size(&entries, "x-1.dist-info/RECORD");
    entries.push(Entry::derived(
        "x-1.dist-info/RECORD",
        Source::Record,
        record_size,
        "RECORD",
    ));
    let plan = Plan {
        format: Format::Wheel,
        file_name: "x.whl".into(),
        entries,
        excluded: vec![],
        mtime: 0,
        container: Container::zip(),
    };
    let a = write_zip(&plan, &dir.path().join("a.whl"), &Silent, &|_| Ok(())).expect("zip");
    let b = write_zip(&plan, &dir.path().join("b.whl"), &Silent, &|_| Ok(())).expect("zip");
    assert_eq!(a.sha256, b.sha256, "deterministic");
    let file = std::fs::File::open(&a.path).expect("open");
    let mut zip = zip::ZipArchive::new(file).expect("zip");
    for (name, want, method) in [
        ("big/text", &text, zip::CompressionMethod::Deflated),
        ("big/noise", &noise, zip::CompressionMethod::Stored),
    ] {
        let mut member = zip.by_name(name).expect("member");
        assert_eq!(member.compression(), method, "{name}");
        let mut got = Vec::new();
        member.read_to_end(&mut got).expect("read");
        assert!(got == *want, "{name} reads back");
    }
    let mut record = String::new();
    zip.by_name("x-1.dist-info/RECORD")
        .expect("record")
        .read_to_string(&mut record)
        .expect("read");
    let noise_hash = crate::record::hash_b64(&Sha256::digest(&noise));
    assert!(
        record.contains(&format!("big/noise,sha256={noise_hash},{size}\n")),
        "{record}"
    );
    assert_eq!(record.len() as u64, record_size);
}

#[test]
fn blobs_are_content_addressed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (blob, ()) = spool(|mut w| {
        w.write_all(b"layer").map_err(|e| Error::io("blob", e))?;
        Ok((w, ()))
    })
    .expect("spool");
    let digest = blob.sha256_hex();
    let path = blob.persist_blob(dir.path()).expect("blob");
    assert_eq!(path, dir.path().join("blobs/sha256").join(&digest));
    assert_eq!(
        crate::record::sha256_hex(&std::fs::read(&path).expect("read")),
        digest
    );
}

#[test]
fn generic_write_follows_the_container() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut plan = plan_with(dir.path(), false);
    plan.entries.truncate(2);
    plan.container = Container::Tar {
        compression: crate::plan::Compression::Gzip,
    };
    let via_container = write(&plan, &dir.path().join("a.tar.gz"), &Silent).expect("tar");
    let direct = write_tar_gz(&plan, &dir.path().join("b.tar.gz"), &Silent).expect("tar");
    assert_eq!(via_container.sha256, direct.sha256);
    plan.container = Container::Ar {
        compression: crate::plan::Compression::Xz,
    };
    assert!(write(&plan, &dir.path().join("c"), &Silent).is_err());
}

/// A checked write that the check refuses leaves nothing: neither the
/// artifact nor its temporary; the check saw the whole file, closed.
#[test]
fn a_refused_check_leaves_nothing_behind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("app");
    let seen = std::cell::Cell::new(0u64);
    let err = write_with_check(
        &dest,
        0o755,
        |out| {
            out.write_all(b"#!/bin/sh\nexit 3\n")
                .map_err(|e| Error::io(&dest, e))
        },
        &|tmp| {
            seen.set(std::fs::metadata(tmp).expect("temporary exists").len());
            let status = std::process::Command::new("sh")
                .arg(tmp)
                .status()
                .expect("runs");
            Err(Error::Plan(format!("exited {status}")))
        },
    )
    .expect_err("refused");
    assert_eq!(seen.get(), 17);
    assert!(err.to_string().contains("exit status: 3"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 0);
}

/// The members of `zip_path` as `Source::Copied` entries, as wheel repair
/// plans them after verifying each.
fn copied_entries(zip_path: &Path) -> Vec<Entry> {
    let file = std::fs::File::open(zip_path).expect("open");
    let meta = file.metadata().expect("metadata");
    let mut zip = ::zip::ZipArchive::new(file).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("member");
            let (path, size) = (f.name().to_string(), f.size());
            let stored = crate::plan::Stored {
                archive: zip_path.to_path_buf(),
                data_start: f.data_start(),
                compressed_size: f.compressed_size(),
                method: match f.compression() {
                    ::zip::CompressionMethod::Stored => 0,
                    _ => 8,
                },
                crc32: f.crc32(),
                sha256: {
                    let mut data = Vec::new();
                    f.read_to_end(&mut data).expect("inflate");
                    Sha256::digest(&data).into()
                },
                stamp: (meta.len(), meta.modified().ok()),
            };
            Entry::copied(&path, std::sync::Arc::new(stored), size, "copied")
        })
        .collect()
}

#[test]
fn copied_members_keep_their_compressed_bytes_and_feed_the_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The source archive: deflated and stored members, one over the
    // streaming threshold.
    let source = dir.path().join("in.zip");
    let mut plan = plan_with(dir.path(), false);
    plan.entries.push(Entry::bytes(
        "pkg/random.bin",
        (0..=255u8).collect::<Vec<_>>(),
        "x",
    ));
    let huge = dir.path().join("huge.bin");
    let mut f = std::fs::File::create(&huge).expect("create");
    for i in 0..(zip_writer::STREAM_BYTES / 4096 + 2) {
        f.write_all(&[(i % 7) as u8; 4096]).expect("write");
    }
    let huge_size = std::fs::metadata(&huge).expect("stat").len();
    plan.entries.push(Entry::file(
        "pkg/huge.bin",
        huge.clone(),
        huge_size,
        false,
        "x",
    ));
    write_zip(&plan, &source, &Silent, &|_| Ok(())).expect("source zip");

    let mut entries = copied_entries(&source);
    let record = "pkg-1.dist-info/RECORD";
    let size = crate::record::record_size(&entries, record);
    entries.push(Entry::derived(record, Source::Record, size, "RECORD"));
    let copy = Plan {
        entries,
        ..plan.clone()
    };
    let dest = dir.path().join("out.whl");
    write_zip(&copy, &dest, &Silent, &|_| Ok(())).expect("copy");

    let mut a = ::zip::ZipArchive::new(std::fs::File::open(&source).expect("a")).expect("a");
    let mut b = ::zip::ZipArchive::new(std::fs::File::open(&dest).expect("b")).expect("b");
    assert_eq!(b.len(), a.len() + 1);
    let mut rows = String::new();
    b.by_name(record)
        .expect("RECORD")
        .read_to_string(&mut rows)
        .expect("RECORD text");
    for i in 0..a.len() {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        let (fa, fb) = (a.by_index(i).expect("a"), b.by_index(i).expect("b"));
        assert_eq!(
            (fa.compression(), fa.crc32()),
            (fb.compression(), fb.crc32())
        );
        assert_eq!(fa.compressed_size(), fb.compressed_size(), "{}", fa.name());
        let name = fa.name().to_string();
        { fa }.read_to_end(&mut x).expect("inflate a");
        { fb }.read_to_end(&mut y).expect("inflate b");
        assert_eq!(x, y, "{name}");
        let row = format!(
            "{},sha256={},{}",
            crate::record::csv_field(&name),
            crate::record::hash_b64(&Sha256::digest(&x)),
            x.len()
        );
        assert!(rows.contains(&row), "{row} not in RECORD:\n{rows}");
    }

    // Any other sink inflates a copied member.
    let tar = dir.path().join("out.tar.gz");
    let tar_plan = Plan {
        container: Container::Tar {
            compression: crate::plan::Compression::Gzip,
        },
        entries: copied_entries(&source),
        ..plan.clone()
    };
    write(&tar_plan, &tar, &Silent).expect("tar");
    assert_eq!(
        tar_file(&std::fs::read(&tar).expect("tar bytes"), "pkg/mod.py"),
        b"print('hi')\n"
    );

    // An archive that changed since it was verified is not copied from.
    let entries = copied_entries(&source);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&source)
        .and_then(|mut f| f.write_all(b"junk"))
        .expect("append");
    let err = write_zip(
        &Plan { entries, ..plan },
        &dir.path().join("stale.whl"),
        &Silent,
        &|_| Ok(()),
    )
    .expect_err("changed archive");
    assert!(
        err.to_string().contains("changed since it was verified"),
        "{err}"
    );
    assert!(!dir.path().join("stale.whl").exists());
}
