//! Unpacking the wheel to repair: every member checked against the
//! wheel's RECORD (a repaired wheel gets a new RECORD, which must not
//! launder a tampered member), names checked to stay inside the scratch
//! directory, sizes bounded by what the zip declares.
//!
//! Only what repair reads or may change is written out: ELF files and
//! WHEEL. Every other member is verified by inflating it once and is then
//! copied into the repaired wheel still compressed ([`Stored`]): most of a
//! large wheel is neither inflated twice nor deflated again.

use crate::inspect::blob::{FileBlob, Window};
use crate::plan::Stored;
use crate::record;
use crate::wheel::read::{self, record_hash};
use crate::{Error, Result};
use flate2::read::DeflateDecoder;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One regular file of the wheel, verified.
#[derive(Debug, Clone)]
pub struct Member {
    /// Path inside the wheel.
    pub path: String,
    /// Its copy in the scratch directory, for ELF files and WHEEL.
    pub disk: Option<PathBuf>,
    /// Where its compressed bytes lie in the input, to be copied as they
    /// are when the member does not change.
    pub stored: Arc<Stored>,
    pub size: u64,
    pub executable: bool,
    pub elf: bool,
}

/// The unpacked wheel, members in archive order.
#[derive(Debug)]
pub struct Unpacked {
    pub members: Vec<Member>,
    /// `name-version.dist-info`.
    pub dist_info: String,
}

/// What the archive says of one member, before its data is read.
struct Listed {
    path: String,
    /// Its sha256 as RECORD lists it (urlsafe base64, unpadded).
    expected: String,
    executable: bool,
    size: u64,
    stored: Stored,
}

/// Unpack `wheel` into `into` (an empty directory): the archive is listed
/// first, then its members are verified in parallel.
pub fn unpack(wheel: &Path, into: &Path) -> Result<Unpacked> {
    let bad = |m: String| Error::Repair(format!("{}: {m}", wheel.display()));
    let (listed, dist_info) = list(wheel)?;
    let record_path = format!("{dist_info}/RECORD");
    let wheel_file = format!("{dist_info}/WHEEL");
    let blob = FileBlob::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let members = listed
        .into_par_iter()
        .enumerate()
        .map(|(i, l)| {
            let at = into.join(i.to_string());
            let keep = l.path == wheel_file;
            let (digest, elf) =
                verify(&blob, &l, &at, keep).map_err(|e| bad(format!("{}: {e}", l.path)))?;
            if l.expected != record::hash_b64(&digest) {
                return Err(bad(format!(
                    "{}: its sha256 does not match {record_path}; a tampered wheel is not repaired",
                    l.path
                )));
            }
            Ok(Member {
                disk: (keep || elf).then_some(at),
                stored: Arc::new(Stored {
                    sha256: digest,
                    ..l.stored
                }),
                size: l.size,
                executable: l.executable,
                elf,
                path: l.path,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Unpacked { members, dist_info })
}

/// The members to verify, in archive order, each checked to have a safe,
/// unique name listed in RECORD and a method a wheel may use.
fn list(wheel: &Path) -> Result<(Vec<Listed>, String)> {
    let bad = |m: String| Error::Repair(format!("{}: {m}", wheel.display()));
    let file = std::fs::File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let meta = file.metadata().map_err(|e| Error::io(wheel, e))?;
    let stamp = (meta.len(), meta.modified().ok());
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let dist_info = read::dist_info(names.iter().map(String::as_str), "WHEEL")
        .map_err(bad)?
        .to_string();
    let record_path = format!("{dist_info}/RECORD");
    let record = read::read_member(&mut zip, &record_path).map_err(bad)?;
    let hashes = record_hashes(&String::from_utf8_lossy(&record));
    let mut listed = Vec::new();
    let mut seen = BTreeSet::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| bad(format!("member {i}: {e}")))?;
        let name = entry.name().to_string();
        if entry.is_dir() || is_replaced(&name, &dist_info) {
            continue;
        }
        if !safe(&name) || !seen.insert(name.clone()) {
            return Err(bad(format!("{name}: unsafe or repeated member name")));
        }
        let Some(expected) = hashes.get(&name) else {
            return Err(bad(format!("{name}: not listed in {record_path}")));
        };
        let method = match entry.compression() {
            zip::CompressionMethod::Stored if !entry.encrypted() => 0,
            zip::CompressionMethod::Deflated if !entry.encrypted() => 8,
            other => {
                return Err(bad(format!(
                    "{name}: compressed with {other}{}: a wheel's members are stored or deflated",
                    if entry.encrypted() { ", encrypted" } else { "" }
                )))
            }
        };
        listed.push(Listed {
            path: name,
            expected: expected.clone(),
            executable: entry.unix_mode().is_some_and(|m| m & 0o111 != 0),
            size: entry.size(),
            stored: Stored {
                archive: wheel.to_path_buf(),
                data_start: entry.data_start(),
                compressed_size: entry.compressed_size(),
                method,
                crc32: entry.crc32(),
                sha256: [0; 32],
                stamp,
            },
        });
    }
    Ok((listed, dist_info))
}

/// RECORD and its signatures, which the repaired wheel replaces (the
/// signatures no longer hold for the new RECORD).
fn is_replaced(name: &str, dist_info: &str) -> bool {
    name.strip_prefix(dist_info)
        .and_then(|r| r.strip_prefix('/'))
        .is_some_and(|f| matches!(f, "RECORD" | "RECORD.jws" | "RECORD.p7s"))
}

/// A relative `/`-separated path with no `..`, `.` or empty component.
fn safe(name: &str) -> bool {
    !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// RECORD's sha256 of each path (urlsafe base64, unpadded), as written.
fn record_hashes(text: &str) -> BTreeMap<String, String> {
    read::record_rows(text)
        .filter_map(|(_, row)| {
            let (algo, digest) = record_hash(row.get(1)?)?;
            (algo == "sha256").then(|| (row[0].clone(), digest.trim_end_matches('=').to_string()))
        })
        .collect()
}

/// Inflate one member from the archive, at most the size it declares,
/// checking its CRC-32 and hashing it, and noting whether it starts with
/// the ELF magic number; write it to `at` (a flat name: nothing a member
/// name says can reach outside the scratch directory) when `keep` asks or
/// it is an ELF file (repair reads those).
fn verify(blob: &FileBlob, l: &Listed, at: &Path, keep: bool) -> std::io::Result<([u8; 32], bool)> {
    let s = &l.stored;
    let raw = Window::new(
        blob,
        s.data_start,
        s.data_start.saturating_add(s.compressed_size),
    );
    let data: Box<dyn Read> = match s.method {
        0 => Box::new(raw),
        _ => Box::new(DeflateDecoder::new(raw)),
    };
    let mut limited = data.take(l.size.saturating_add(1));
    let (mut sha, mut crc) = (Sha256::new(), crc32fast::Hasher::new());
    let mut buf = vec![0u8; 256 << 10];
    let mut n = read_full(&mut limited, &mut buf)?;
    let elf = buf[..n].starts_with(b"\x7fELF");
    let mut out = match keep || elf {
        true => Some(std::io::BufWriter::new(std::fs::File::create(at)?)),
        false => None,
    };
    let mut total = 0u64;
    while n > 0 {
        sha.update(&buf[..n]);
        crc.update(&buf[..n]);
        if let Some(out) = &mut out {
            out.write_all(&buf[..n])?;
        }
        total += n as u64;
        n = limited.read(&mut buf)?;
    }
    if let Some(mut out) = out {
        out.flush()?;
    }
    if total != l.size {
        return Err(std::io::Error::other(format!(
            "holds {total} bytes, not the {} its header says",
            l.size
        )));
    }
    if crc.finalize() != s.crc32 {
        return Err(std::io::Error::other(
            "its CRC-32 does not match the archive's",
        ));
    }
    Ok((sha.finalize().into(), elf))
}

/// Read until `buf` is full or the input ends (the first chunk decides
/// whether a member is an ELF file).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Container, Entry, Format, Plan, Source};

    /// A wheel written by the zip sink: a module, an "ELF file", WHEEL and
    /// a RECORD.
    fn wheel(dir: &Path) -> PathBuf {
        let mut entries = vec![
            Entry::bytes("pkg/mod.py", b"X = 1\n".repeat(100), "m"),
            Entry::bytes("pkg/_x.so", b"\x7fELF and the rest".to_vec(), "m"),
            Entry::bytes(
                "pkg-1.dist-info/WHEEL",
                b"Tag: py3-none-any\n".to_vec(),
                "m",
            ),
        ];
        let size = record::record_size(&entries, "pkg-1.dist-info/RECORD");
        entries.push(Entry::derived(
            "pkg-1.dist-info/RECORD",
            Source::Record,
            size,
            "r",
        ));
        let plan = Plan {
            format: Format::Wheel,
            file_name: "pkg-1-py3-none-any.whl".into(),
            entries,
            excluded: vec![],
            mtime: 1_700_000_000,
            container: Container::zip(),
        };
        let dest = dir.join(&plan.file_name);
        crate::sink::write(&plan, &dest, &crate::progress::Silent).expect("wheel");
        dest
    }

    /// Overwrite the central directory record of `member` at `field` (an
    /// offset into the record, APPNOTE § 4.3.12) with `value`.
    fn patch_central(wheel: &Path, member: &str, field: usize, value: &[u8]) {
        let mut bytes = std::fs::read(wheel).expect("read");
        let at = (0..bytes.len() - 46)
            .find(|&i| {
                bytes[i..].starts_with(b"PK\x01\x02")
                    && bytes[i + 46..].starts_with(member.as_bytes())
            })
            .expect("central record");
        bytes[at + field..at + field + value.len()].copy_from_slice(value);
        std::fs::write(wheel, bytes).expect("write");
    }

    #[test]
    fn only_what_repair_reads_is_written_out_and_the_rest_is_verified() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wheel = wheel(dir.path());
        let scratch = dir.path().join("scratch");
        std::fs::create_dir(&scratch).expect("scratch");
        let unpacked = unpack(&wheel, &scratch).expect("unpack");
        assert_eq!(unpacked.dist_info, "pkg-1.dist-info");
        let kept: Vec<(&str, bool, bool)> = unpacked
            .members
            .iter()
            .map(|m| (m.path.as_str(), m.elf, m.disk.is_some()))
            .collect();
        assert_eq!(
            kept,
            [
                ("pkg/mod.py", false, false),
                ("pkg/_x.so", true, true),
                ("pkg-1.dist-info/WHEEL", false, true)
            ]
        );
        let module = &unpacked.members[0];
        assert_eq!(module.size, 600);
        assert_eq!(
            module.stored.sha256,
            <[u8; 32]>::from(Sha256::digest(b"X = 1\n".repeat(100)))
        );
        assert_eq!(module.stored.method, 8);
    }

    #[test]
    fn a_wrong_crc_or_an_unusual_method_is_refused_naming_the_member() {
        let dir = tempfile::tempdir().expect("tempdir");
        let scratch = dir.path().join("scratch");
        std::fs::create_dir(&scratch).expect("scratch");
        let crc = wheel(dir.path());
        patch_central(&crc, "pkg/mod.py", 16, &[0, 0, 0, 0]);
        let err = unpack(&crc, &scratch).expect_err("bad CRC").to_string();
        assert!(
            err.contains("pkg/mod.py: its CRC-32 does not match"),
            "{err}"
        );

        let method = wheel(dir.path());
        patch_central(&method, "pkg/_x.so", 10, &12u16.to_le_bytes());
        let err = unpack(&method, &scratch).expect_err("bzip2").to_string();
        assert!(err.contains("pkg/_x.so: compressed with"), "{err}");
        assert!(err.contains("stored or deflated"), "{err}");
    }
}
