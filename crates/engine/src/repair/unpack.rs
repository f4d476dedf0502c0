//! Unpacking the wheel to repair: every member checked against the
//! wheel's RECORD while it is written out (a repaired wheel gets a new
//! RECORD, which must not launder a tampered member), names checked to stay
//! inside the scratch directory, sizes bounded by what the zip declares.

use crate::wheel::read::{self, record_hash};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// One regular file of the wheel, unpacked.
#[derive(Debug, Clone)]
pub struct Member {
    /// Path inside the wheel.
    pub path: String,
    pub disk: PathBuf,
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

/// Unpack `wheel` into `into` (an empty directory).
pub fn unpack(wheel: &Path, into: &Path) -> Result<Unpacked> {
    let bad = |m: String| Error::Repair(format!("{}: {m}", wheel.display()));
    let file = std::fs::File::open(wheel).map_err(|e| Error::io(wheel, e))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let dist_info = read::dist_info(names.iter().map(String::as_str), "WHEEL")
        .map_err(bad)?
        .to_string();
    let record_path = format!("{dist_info}/RECORD");
    let record = read::read_member(&mut zip, &record_path).map_err(bad)?;
    let hashes = record_hashes(&String::from_utf8_lossy(&record));
    let mut members = Vec::new();
    let mut seen = BTreeSet::new();
    for i in 0..zip.len() {
        let entry = zip
            .by_index(i)
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
        let executable = entry.unix_mode().is_some_and(|m| m & 0o111 != 0);
        let (disk, size, digest, elf) =
            write_member(entry, into, members.len()).map_err(|e| bad(format!("{name}: {e}")))?;
        if expected != &digest {
            return Err(bad(format!(
                "{name}: its sha256 does not match {record_path}; a tampered wheel is not repaired"
            )));
        }
        members.push(Member {
            path: name,
            disk,
            size,
            executable,
            elf,
        });
    }
    Ok(Unpacked { members, dist_info })
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

/// Stream one member to `<into>/<index>` (flat names: nothing a member
/// name says can reach outside `into`), hashing it and noting whether it
/// starts with the ELF magic number.
fn write_member(
    entry: zip::read::ZipFile<'_, impl Read>,
    into: &Path,
    index: usize,
) -> std::io::Result<(PathBuf, u64, String, bool)> {
    let declared = entry.size();
    let disk = into.join(index.to_string());
    let mut out = std::io::BufWriter::new(std::fs::File::create(&disk)?);
    let mut hasher = Sha256::new();
    let mut head = [0u8; 4];
    let mut head_len = 0;
    let mut total = 0u64;
    let mut limited = entry.take(declared.saturating_add(1));
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let n = limited.read(&mut buf)?;
        if n == 0 {
            break;
        }
        if head_len < 4 {
            let take = (4 - head_len).min(n);
            head[head_len..head_len + take].copy_from_slice(&buf[..take]);
            head_len += take;
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
        total += n as u64;
    }
    out.flush()?;
    if total != declared {
        return Err(std::io::Error::other(format!(
            "holds {total} bytes, not the {declared} its header says"
        )));
    }
    let digest = crate::record::hash_b64(&hasher.finalize());
    Ok((disk, total, digest, head_len == 4 && &head == b"\x7fELF"))
}
