//! A zip reader for archives under inspection: PKWARE APPNOTE.TXT 6.3 § 4.3
//! (end of central directory, Zip64 locator and record, central directory
//! headers, local file headers).
//!
//! Written for hostile input rather than extraction: it keeps every central
//! directory entry (duplicate names included, which general-purpose readers
//! fold together), compares each local header with its central entry, finds
//! entries whose data overlap (the "non-recursive zip bomb"), never inflates
//! more than an entry declares, and reads entries in parallel at their own
//! offsets so each byte of the file is read once.

use super::archive::{self, Archive, Keep, KeepBudget, Limits, Member, MemberKind, Streamed};
use super::blob::{Blob, Window};
use super::elf_read::{self, BlobRanges, InflateRanges};
use super::finding::Finding;
use super::foreign::{self, ForeignInfo};
use crate::elf::ElfInfo;
use rayon::prelude::*;
use std::io::Read;

const EOCD_SIG: u32 = 0x0605_4b50;
const ZIP64_LOCATOR_SIG: u32 = 0x0706_4b50;
const ZIP64_EOCD_SIG: u32 = 0x0606_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: u64 = 22;
const MAX_COMMENT: u64 = 0xFFFF;
/// Real files above 64 MiB rarely compress better than 200:1, and deflate
/// cannot exceed about 1032:1; a large entry declaring more is treated as a
/// zip bomb (or a lie) and not inflated.
const MAX_RATIO: u64 = 200;
const RATIO_FLOOR: u64 = 64 << 20;

fn u16_at(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// Whether the blob ends with a zip end-of-central-directory record.
pub fn looks_like_zip(blob: &dyn Blob) -> bool {
    find_eocd(blob).is_some()
}

/// The offset of the end-of-central-directory record: searched backwards
/// over the largest possible comment; a record whose comment ends exactly at
/// the end of the file wins.
fn find_eocd(blob: &dyn Blob) -> Option<(u64, Vec<u8>)> {
    let len = blob.len();
    if len < EOCD_LEN {
        return None;
    }
    let start = len.saturating_sub(EOCD_LEN + MAX_COMMENT);
    let mut tail = vec![0u8; (len - start) as usize];
    blob.read_exact_at(&mut tail, start).ok()?;
    let mut fallback = None;
    for i in (0..=tail.len() - EOCD_LEN as usize).rev() {
        if u32_at(&tail, i) == EOCD_SIG {
            let comment = u16_at(&tail, i + 20) as usize;
            let record = tail[i..i + EOCD_LEN as usize].to_vec();
            if i + EOCD_LEN as usize + comment == tail.len() {
                return Some((start + i as u64, record));
            }
            fallback.get_or_insert((start + i as u64, record));
        }
    }
    fallback
}

/// The Zip64 end of central directory record (APPNOTE § 4.3.14) and its
/// position, when a Zip64 locator (§ 4.3.15) precedes the end record. The
/// record is looked for where writers put it, right before the locator (as
/// Python's zipfile does: that survives bytes prepended to the archive),
/// then at the offset the locator gives.
fn zip64_record(blob: &dyn Blob, eocd_at: u64) -> Result<Option<(u64, [u8; 56])>, String> {
    let Some(locator_at) = eocd_at.checked_sub(20) else {
        return Ok(None);
    };
    let mut loc = [0u8; 20];
    if blob.read_exact_at(&mut loc, locator_at).is_err() || u32_at(&loc, 0) != ZIP64_LOCATOR_SIG {
        return Ok(None);
    }
    let candidates = [locator_at.checked_sub(56), Some(u64_at(&loc, 8))];
    for at in candidates.into_iter().flatten() {
        let mut rec = [0u8; 56];
        if blob.read_exact_at(&mut rec, at).is_ok() && u32_at(&rec, 0) == ZIP64_EOCD_SIG {
            return Ok(Some((at, rec)));
        }
    }
    Err(format!(
        "no Zip64 end of central directory record before the locator at offset {locator_at}"
    ))
}

/// A central directory entry, with the numbers needed to read its data.
pub struct Central {
    pub member: Member,
    flags: u16,
    pub method: u16,
    pub crc: u32,
    pub compressed: u64,
    /// The uncompressed size the central directory declares.
    pub declared: u64,
    local_offset: u64,
    name_raw: Vec<u8>,
}

/// An archive's structure, read from its end records, central directory
/// and local headers without inflating anything: what an installer checks
/// before it writes a byte, and what [`read`] then inflates.
pub struct Structure {
    pub entries: Vec<Central>,
    /// Where each entry's data starts; `None` where it cannot be read
    /// safely (no local header, truncated, overlapping another entry).
    pub starts: Vec<Option<u64>>,
    /// Path escapes, duplicate names, links and special files, encrypted
    /// entries, local headers that disagree, overlapping or truncated data.
    pub findings: Vec<Finding>,
    cd_start: u64,
}

/// Read the archive's [`Structure`]. `Err` when there is no readable
/// central directory.
pub fn structure(blob: &dyn Blob, limits: &Limits) -> Result<Structure, String> {
    let (eocd_at, eocd) = find_eocd(blob).ok_or("no zip end-of-central-directory record")?;
    let mut findings = Vec::new();
    let mut count = u16_at(&eocd, 10) as u64;
    let mut cd_size = u32_at(&eocd, 12) as u64;
    let mut cd_offset = u32_at(&eocd, 16) as u64;
    let mut cd_end = eocd_at;
    if let Some((at, rec)) = zip64_record(blob, eocd_at)? {
        count = u64_at(&rec, 32);
        cd_size = u64_at(&rec, 40);
        cd_offset = u64_at(&rec, 48);
        // The central directory ends where the Zip64 end record begins,
        // not at the locator that follows the record.
        cd_end = at;
    }
    // Bytes before the zip (a zipapp's shebang) shift every offset.
    let cd_start = cd_end
        .checked_sub(cd_size)
        .ok_or("the central directory is larger than the file")?;
    let shift = cd_start
        .checked_sub(cd_offset)
        .ok_or("the central directory offset points past its own position")?;
    if count as usize > limits.max_members || cd_size > limits.max_kept_bytes.max(256 << 20) {
        return Err(format!(
            "the archive declares {count} entries in a {cd_size}-byte central directory, beyond the inspector's limits"
        ));
    }
    let mut cd = vec![0u8; cd_size as usize];
    blob.read_exact_at(&mut cd, cd_start)
        .map_err(|e| format!("the central directory is unreadable: {e}"))?;
    let entries = parse_central(&cd, shift, limits, &mut findings)?;
    if entries.len() as u64 != count {
        findings.push(Finding::warning(
            "A007",
            None,
            format!(
                "the end record declares {count} entries, the central directory holds {}",
                entries.len()
            ),
        ));
    }
    let starts = locate_data(blob, &entries, cd_start, &mut findings);
    archive::check_duplicates(entries.iter().map(|c| &c.member), &mut findings);
    Ok(Structure {
        entries,
        starts,
        findings,
        cd_start,
    })
}

/// Read the archive structure and every entry's content (hashed; kept where
/// the checks need it). `Err` when there is no readable central directory.
pub fn read(blob: &dyn Blob, limits: &Limits) -> Result<Archive, String> {
    let Structure {
        entries: centrals,
        starts: data_starts,
        mut findings,
        cd_start,
    } = structure(blob, limits)?;
    let prefix_len = centrals
        .iter()
        .map(|c| c.local_offset)
        .min()
        .unwrap_or(cd_start);
    let mut prefix = vec![0u8; prefix_len.min(4096) as usize];
    let _ = blob.read_exact_at(&mut prefix, 0);

    let readable = budget(&centrals, &data_starts, limits, &mut findings);
    let keep_budget = KeepBudget::new(limits);
    let reads: Vec<Option<Entry>> = centrals
        .par_iter()
        .zip(data_starts.par_iter())
        .zip(readable.par_iter())
        .map(|((c, start), ok)| match (start, ok) {
            (Some(start), true) => Some(read_entry(blob, c, *start, limits, &keep_budget)),
            _ => None,
        })
        .collect();

    let mut archive = Archive {
        prefix,
        max_kept: limits.max_kept_bytes,
        ..Archive::default()
    };
    for (c, read) in centrals.into_iter().zip(reads) {
        let mut member = c.member;
        let mut kept = None;
        if let Some((read, entry_findings, elf)) = read {
            findings.extend(entry_findings);
            match elf {
                Native::Elf(info) => archive.native.push((member.path.clone(), info)),
                Native::Foreign(info) => archive.foreign.push((member.path.clone(), info)),
                Native::None => {}
            }
            archive::record_read(&mut member, &read, &mut findings);
            if member.kind == MemberKind::Symlink {
                member.target = read
                    .kept
                    .as_deref()
                    .map(|t| String::from_utf8_lossy(t).into_owned());
            }
            kept = read.kept;
        }
        archive.members.push(member);
        archive.kept.push(kept);
    }
    archive.findings = findings;
    Ok(archive)
}

/// An entry's content, inflated as it is read, from its data at `data`:
/// `None` for a compression method other than stored (0) or deflate (8).
/// Nothing bounds it but the compressed data: callers stop at the declared
/// size ([`archive::stream`]).
pub fn content<'b>(blob: &'b dyn Blob, c: &Central, data: u64) -> Option<Box<dyn Read + 'b>> {
    let window = Window::new(blob, data, data.saturating_add(c.compressed));
    match c.method {
        0 => Some(Box::new(window)),
        8 => Some(Box::new(flate2::read::DeflateDecoder::new(window))),
        _ => None,
    }
}

/// The central directory's entries (APPNOTE § 4.3.12), with the findings
/// their names, kinds and flags call for.
fn parse_central(
    cd: &[u8],
    shift: u64,
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Result<Vec<Central>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at + 46 <= cd.len() && u32_at(cd, at) == CENTRAL_SIG {
        if out.len() >= limits.max_members {
            return Err(format!("more than {} entries", limits.max_members));
        }
        let (central, end) = central_entry(cd, at, shift, findings)
            .ok_or_else(|| format!("central directory entry {} is truncated", out.len() + 1))?;
        out.push(central);
        at = end;
    }
    Ok(out)
}

/// The central directory entry at `at`, and where the next begins; `None`
/// when its variable fields run past the directory.
fn central_entry(
    cd: &[u8],
    at: usize,
    shift: u64,
    findings: &mut Vec<Finding>,
) -> Option<(Central, usize)> {
    let made_by = u16_at(cd, at + 4);
    let flags = u16_at(cd, at + 8);
    let mut compressed = u32_at(cd, at + 20) as u64;
    let mut declared = u32_at(cd, at + 24) as u64;
    let name_len = u16_at(cd, at + 28) as usize;
    let extra_len = u16_at(cd, at + 30) as usize;
    let comment_len = u16_at(cd, at + 32) as usize;
    let external = u32_at(cd, at + 38);
    let mut local = u32_at(cd, at + 42) as u64;
    let name_at = at + 46;
    let end = name_at + name_len + extra_len + comment_len;
    if end > cd.len() {
        return None;
    }
    let name_raw = cd[name_at..name_at + name_len].to_vec();
    let extra = &cd[name_at + name_len..name_at + name_len + extra_len];
    zip64_extra(extra, &mut declared, &mut compressed, &mut local);
    let path = String::from_utf8_lossy(&name_raw).into_owned();
    archive::check_path(&path, findings);
    let unix_mode = (made_by >> 8 == 3)
        .then_some(external >> 16)
        .filter(|m| *m != 0);
    let kind = member_kind(unix_mode, &path, flags, findings);
    let central = Central {
        member: Member::new(path, kind, declared, unix_mode.map(|m| m & 0o7777)),
        flags,
        method: u16_at(cd, at + 10),
        crc: u32_at(cd, at + 16),
        compressed,
        declared,
        local_offset: local.saturating_add(shift),
        name_raw,
    };
    Some((central, end))
}

/// An entry's kind by its Unix mode (or its name), with the findings for
/// links, special files and encryption.
fn member_kind(
    unix_mode: Option<u32>,
    path: &str,
    flags: u16,
    findings: &mut Vec<Finding>,
) -> MemberKind {
    let kind = match unix_mode.map(|m| m & 0o170000) {
        Some(0o120000) => MemberKind::Symlink,
        Some(0o040000) => MemberKind::Dir,
        // FIFO, character device, block device, socket.
        Some(0o010000 | 0o020000 | 0o060000 | 0o140000) => MemberKind::Special,
        // Regular, or no type bits (many writers set permissions only).
        _ if path.ends_with('/') => MemberKind::Dir,
        _ => MemberKind::File,
    };
    match kind {
        MemberKind::Symlink => findings.push(Finding::error(
            "A003",
            Some(path),
            "symbolic link: installers write it as a file or follow it outside the tree",
        )),
        MemberKind::Special => findings.push(Finding::error(
            "A009",
            Some(path),
            "special file (device, FIFO or socket)",
        )),
        _ => {}
    }
    if flags & 1 != 0 {
        findings.push(Finding::error(
            "A011",
            Some(path),
            "encrypted entry: content cannot be verified",
        ));
    }
    kind
}

/// The Zip64 extended information extra field (APPNOTE § 4.5.3): 64-bit
/// values, present only for the fields whose 32-bit value is all ones.
fn zip64_extra(mut extra: &[u8], declared: &mut u64, compressed: &mut u64, local: &mut u64) {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0);
        let size = (u16_at(extra, 2) as usize).min(extra.len() - 4);
        let mut body = &extra[4..4 + size];
        if id == 0x0001 {
            for field in [declared, compressed, local] {
                if *field == 0xFFFF_FFFF && body.len() >= 8 {
                    *field = u64_at(body, 0);
                    body = &body[8..];
                }
            }
            return;
        }
        extra = &extra[4 + size..];
    }
}

/// Each entry's data offset, from its local header; findings for local
/// headers that are missing, disagree with the central directory, run past
/// it, or overlap another entry's data.
fn locate_data(
    blob: &dyn Blob,
    centrals: &[Central],
    cd_start: u64,
    findings: &mut Vec<Finding>,
) -> Vec<Option<u64>> {
    let mut starts = Vec::with_capacity(centrals.len());
    let mut ranges = Vec::new();
    for (i, c) in centrals.iter().enumerate() {
        let path = c.member.path.as_str();
        let mut header = [0u8; 30];
        if blob.read_exact_at(&mut header, c.local_offset).is_err()
            || u32_at(&header, 0) != LOCAL_SIG
        {
            findings.push(Finding::error(
                "A007",
                Some(path),
                "no local file header where the central directory points",
            ));
            starts.push(None);
            continue;
        }
        let name_len = u16_at(&header, 26) as u64;
        let extra_len = u16_at(&header, 28) as u64;
        let mut local_name = vec![0u8; name_len as usize];
        if blob
            .read_exact_at(&mut local_name, c.local_offset + 30)
            .is_err()
            || local_name != c.name_raw
        {
            findings.push(Finding::error(
                "A013",
                Some(path),
                format!(
                    "the local header names this entry `{}`: tools that read local headers see a different file",
                    String::from_utf8_lossy(&local_name)
                ),
            ));
        }
        let data = c.local_offset + 30 + name_len + extra_len;
        let end = data.saturating_add(c.compressed);
        if end > cd_start {
            findings.push(Finding::error(
                "A007",
                Some(path),
                "entry data runs past the start of the central directory (truncated archive?)",
            ));
            starts.push(None);
            continue;
        }
        ranges.push((c.local_offset, end, i));
        starts.push(Some(data));
    }
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        let ((_, end, a), (start, _, b)) = (pair[0], pair[1]);
        if end > start {
            for i in [a, b] {
                if starts[i].take().is_some() {
                    findings.push(Finding::error(
                        "A008",
                        Some(&centrals[i].member.path),
                        "entry data overlaps another entry's (a zip bomb construction); not inflated",
                    ));
                }
            }
        }
    }
    starts
}

/// Which entries fit the inflation budget: a declared ratio no deflate stream
/// can reach, or a total beyond the limit, is reported and not inflated.
fn budget(
    centrals: &[Central],
    starts: &[Option<u64>],
    limits: &Limits,
    findings: &mut Vec<Finding>,
) -> Vec<bool> {
    let mut total = 0u64;
    let mut over = false;
    centrals
        .iter()
        .zip(starts)
        .map(|(c, start)| {
            if start.is_none() || c.member.kind == MemberKind::Dir || c.flags & 1 != 0 {
                return false;
            }
            if c.declared > RATIO_FLOOR && c.declared / c.compressed.max(1) > MAX_RATIO {
                findings.push(Finding::error(
                    "A006",
                    Some(&c.member.path),
                    format!(
                        "declares {} bytes from {} compressed (ratio over {MAX_RATIO}:1): a zip bomb; not inflated",
                        c.declared, c.compressed
                    ),
                ));
                return false;
            }
            total = total.saturating_add(c.declared);
            if total > limits.max_total_bytes {
                if !over {
                    findings.push(Finding::error(
                        "A006",
                        Some(&c.member.path),
                        format!(
                            "the archive inflates to more than {} bytes; this entry and those after it were not inflated",
                            limits.max_total_bytes
                        ),
                    ));
                }
                over = true;
            }
            !over
        })
        .collect()
}

/// One entry read: its content's summary, findings about it, and for native
/// code its analysis (or why there is none).
type Entry = (Streamed, Vec<Finding>, Native);

/// The analysis of a member that holds native code.
enum Native {
    None,
    Elf(Result<ElfInfo, String>),
    Foreign(Result<ForeignInfo, String>),
}

fn read_entry(
    blob: &dyn Blob,
    c: &Central,
    data: u64,
    limits: &Limits,
    budget: &KeepBudget,
) -> Entry {
    let (read, findings) = stream_entry(blob, c, data, limits, budget);
    let path = c.member.path.as_str();
    let elf = read.head.starts_with(archive::ELF_MAGIC);
    let foreign = foreign::is_foreign(&read.head) && foreign::native_name(path);
    if !elf && !foreign {
        return (read, findings, Native::None);
    }
    if let Some(why) = &read.stopped {
        let why = format!("not analysed: {why}");
        let native = if elf {
            Native::Elf(Err(why))
        } else {
            Native::Foreign(Err(why))
        };
        return (read, findings, native);
    }
    let mut stored;
    let mut deflated;
    let src: &mut dyn crate::elf::Ranges = if c.method == 0 {
        stored = BlobRanges {
            blob,
            start: data,
            len: c.declared,
        };
        &mut stored
    } else {
        deflated = InflateRanges::new(blob, data, c.compressed, c.declared);
        &mut deflated
    };
    let native = if elf {
        Native::Elf(elf_read::analyse(path, src))
    } else {
        Native::Foreign(foreign::analyse(path, src))
    };
    (read, findings, native)
}

fn stream_entry(
    blob: &dyn Blob,
    c: &Central,
    data: u64,
    limits: &Limits,
    budget: &KeepBudget,
) -> (Streamed, Vec<Finding>) {
    let path = c.member.path.as_str();
    let keep = if archive::want_content(path) || c.member.kind == MemberKind::Symlink {
        Keep::Content
    } else {
        Keep::Nothing
    };
    let mut findings = Vec::new();
    let Some(reader) = content(blob, c, data) else {
        findings.push(Finding::warning(
            "A010",
            Some(path),
            format!(
                "compression method {} is not stored (0) or deflate (8): content not verified",
                c.method
            ),
        ));
        let mut read = archive::stream(std::io::empty(), Some(0), Keep::Nothing, limits, budget);
        read.digest = None;
        return (read, findings);
    };
    let read = archive::stream(reader, Some(c.declared), keep, limits, budget);
    if read.stopped.is_none() {
        if read.size != c.declared {
            findings.push(Finding::error(
                "A004",
                Some(path),
                format!(
                    "content is {} bytes, the central directory declares {}",
                    read.size, c.declared
                ),
            ));
        } else if read.crc != c.crc {
            findings.push(Finding::error(
                "A005",
                Some(path),
                format!(
                    "CRC-32 {:08x} does not match the declared {:08x}",
                    read.crc, c.crc
                ),
            ));
        }
    }
    (read, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::blob::Bytes;

    /// A stored entry: name, content, and the CRC and size its headers claim.
    struct Raw<'a> {
        name: &'a str,
        data: &'a [u8],
        crc: u32,
        size: u32,
    }

    fn raw(name: &'static str, data: &'static str) -> Raw<'static> {
        Raw {
            name,
            data: data.as_bytes(),
            crc: crc32fast::hash(data.as_bytes()),
            size: data.len() as u32,
        }
    }

    /// Write a zip of stored entries after `prefix`; `extra_central` adds
    /// central entries that point at the local header of entry `.0` under
    /// the name `.1`.
    fn build(prefix: &[u8], entries: &[Raw], extra_central: &[(usize, &str)]) -> Vec<u8> {
        let mut out = prefix.to_vec();
        let mut offsets = Vec::new();
        for e in entries {
            offsets.push((out.len() - prefix.len()) as u32);
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&e.size.to_le_bytes());
            out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(e.name.as_bytes());
            out.extend_from_slice(e.data);
        }
        let cd_start = out.len() - prefix.len();
        let central = |out: &mut Vec<u8>, e: &Raw, name: &str, offset: u32| {
            out.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&(e.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&e.size.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0; 8]);
            out.extend_from_slice(&((0o100644u32) << 16).to_le_bytes());
            out.extend_from_slice(&offset.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
        };
        for (e, offset) in entries.iter().zip(&offsets) {
            central(&mut out, e, e.name, *offset);
        }
        for (index, name) in extra_central {
            central(&mut out, &entries[*index], name, offsets[*index]);
        }
        let count = (entries.len() + extra_central.len()) as u16;
        let cd_size = (out.len() - prefix.len() - cd_start) as u32;
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&(cd_start as u32).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    /// The same archive with Zip64 end records (APPNOTE § 4.3.14, 4.3.15):
    /// the classic end record says "see Zip64" in every field.
    fn as_zip64(classic: &[u8], prefix_len: usize) -> Vec<u8> {
        let eocd = classic.len() - EOCD_LEN as usize;
        let count = u16_at(classic, eocd + 10) as u64;
        let cd_size = u32_at(classic, eocd + 12) as u64;
        let cd_offset = u32_at(classic, eocd + 16) as u64;
        let mut out = classic[..eocd].to_vec();
        let record_at = (out.len() - prefix_len) as u64;
        out.extend_from_slice(&ZIP64_EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&44u64.to_le_bytes());
        out.extend_from_slice(&[45, 3, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
        for v in [count, count, cd_size, cd_offset] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&ZIP64_LOCATOR_SIG.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&record_at.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        out.extend_from_slice(&[0xff; 8]);
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn the_zip64_end_record_locates_the_central_directory() {
        for prefix in [&b""[..], b"#!/usr/bin/python3\n"] {
            let classic = build(prefix, &[raw("a.txt", "hello"), raw("b.txt", "world")], &[]);
            let bytes = as_zip64(&classic, prefix.len());
            let archive = read(&Bytes(&bytes), &Limits::default()).expect("zip64");
            assert!(archive.findings.is_empty(), "{:?}", archive.findings);
            let names: Vec<&str> = archive.members.iter().map(|m| m.path.as_str()).collect();
            assert_eq!(names, ["a.txt", "b.txt"]);
            assert_eq!(
                archive.members[1].sha256.as_deref().map(|h| &h[..8]),
                Some("486ea462")
            );
        }
    }

    fn codes(archive: &Archive) -> Vec<(&'static str, String)> {
        archive
            .findings
            .iter()
            .map(|f| (f.code, f.path.clone().unwrap_or_default()))
            .collect()
    }

    #[test]
    fn reads_a_clean_archive_after_a_shebang() {
        let bytes = build(
            b"#!/usr/bin/env python3\n",
            &[raw("__main__.py", "print(1)\n")],
            &[],
        );
        let archive = read(&Bytes(&bytes), &Limits::default()).expect("zip");
        assert!(archive.findings.is_empty(), "{:?}", archive.findings);
        assert_eq!(archive.prefix, b"#!/usr/bin/env python3\n");
        assert_eq!(archive.content("__main__.py"), Some(&b"print(1)\n"[..]));
        assert!(archive.members[0].sha256.is_some());
    }

    #[test]
    fn lies_about_size_and_crc_are_caught() {
        let mut short = raw("a.txt", "hello world");
        short.size = 5;
        let mut bad_crc = raw("b.txt", "hello");
        bad_crc.crc ^= 1;
        let bytes = build(b"", &[short, bad_crc], &[]);
        let archive = read(&Bytes(&bytes), &Limits::default()).expect("zip");
        let found = codes(&archive);
        assert!(found.contains(&("A004", "a.txt".into())), "{found:?}");
        assert!(found.contains(&("A005", "b.txt".into())), "{found:?}");
    }

    #[test]
    fn overlapping_entries_are_a_bomb_and_not_inflated() {
        let bytes = build(b"", &[raw("a.txt", "hello")], &[(0, "b.txt")]);
        let archive = read(&Bytes(&bytes), &Limits::default()).expect("zip");
        let found = codes(&archive);
        assert!(found.contains(&("A008", "a.txt".into())), "{found:?}");
        assert!(found.contains(&("A008", "b.txt".into())), "{found:?}");
        assert!(
            found.contains(&("A013", "b.txt".into())),
            "local name differs: {found:?}"
        );
        assert!(archive.members.iter().all(|m| m.sha256.is_none()));
    }

    #[test]
    fn garbage_and_truncation_never_panic() {
        let good = build(b"", &[raw("a.txt", "hello"), raw("b.txt", "world")], &[]);
        for cut in 0..good.len() {
            let _ = read(&Bytes(&good[..cut]), &Limits::default());
            let mut flipped = good.clone();
            flipped[cut] ^= 0xff;
            let _ = read(&Bytes(&flipped), &Limits::default());
        }
    }
}
