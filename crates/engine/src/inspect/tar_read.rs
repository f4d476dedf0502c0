//! A tar reader (POSIX ustar/pax and GNU forms, through the tar crate) for
//! archives under inspection, gzip-compressed (sdists) or plain. Tar is
//! sequential, so members are read in order; inflation is bounded as a whole,
//! and reading stops (with a finding) rather than run past the bound.

use super::archive::{self, Archive, Keep, KeepBudget, Limits, Member, MemberKind};
use super::blob::{Blob, Window};
use super::finding::Finding;
use crate::elf::ElfInfo;
use std::io::Read;

/// Read a tar stream (`gzip`: whether it is gzip-compressed).
pub fn read(blob: &dyn Blob, gzip: bool, limits: &Limits) -> Archive {
    let window = Window::new(blob, 0, blob.len());
    let budget = limits.max_total_bytes;
    let stream: Box<dyn Read + '_> = if gzip {
        Box::new(flate2::read::GzDecoder::new(window).take(budget))
    } else {
        Box::new(window.take(budget))
    };
    read_stream(stream, limits, false)
}

/// Read a tar stream already decompressed and bounded; `md5`: also compute
/// each file's md5 while it is read (a Debian package's md5sums).
pub fn read_stream(stream: impl Read, limits: &Limits, md5: bool) -> Archive {
    let mut tar = tar::Archive::new(stream);
    let mut reading = Reading {
        limits,
        md5,
        budget: KeepBudget::new(limits),
        out: Archive {
            max_kept: limits.max_kept_bytes,
            ..Archive::default()
        },
        findings: Vec::new(),
        total: 0,
    };
    let complete = match tar.entries() {
        Ok(entries) => reading.entries(entries),
        Err(e) => {
            reading.out.findings.push(Finding::error(
                "A007",
                None,
                format!("not a readable tar stream: {e}"),
            ));
            return reading.out;
        }
    };
    let Reading {
        mut out,
        mut findings,
        ..
    } = reading;
    if complete {
        check_end(tar.into_inner(), &mut findings);
    }
    archive::check_duplicates(&out.members, &mut findings);
    out.findings = findings;
    out
}

/// One tar stream being read: the members so far and their findings.
struct Reading<'a> {
    limits: &'a Limits,
    md5: bool,
    budget: KeepBudget,
    out: Archive,
    findings: Vec<Finding>,
    /// Declared bytes of the files read so far.
    total: u64,
}

/// Whether reading goes on after a member.
enum Next {
    Continue,
    Stop,
}

impl Reading<'_> {
    /// Read every member; whether the archive was read to its end.
    fn entries<R: Read>(&mut self, entries: tar::Entries<'_, R>) -> bool {
        for entry in entries {
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    self.findings.push(Finding::error(
                        "A007",
                        None,
                        format!(
                            "the archive is truncated or corrupt after {} members: {e}",
                            self.out.members.len()
                        ),
                    ));
                    return false;
                }
            };
            if self.out.members.len() >= self.limits.max_members {
                self.findings.push(Finding::error(
                    "A006",
                    None,
                    format!(
                        "more than {} members; the rest were not read",
                        self.limits.max_members
                    ),
                ));
                return false;
            }
            if let Next::Stop = self.entry(&mut entry) {
                return false;
            }
        }
        true
    }

    /// One member: its header's facts, then a file's content.
    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Next {
        let Some(mut member) = self.member(entry) else {
            return Next::Continue;
        };
        let mut kept = None;
        if member.kind == MemberKind::File {
            self.total = self.total.saturating_add(member.size);
            if self.total > self.limits.max_total_bytes {
                self.findings.push(Finding::error(
                    "A006",
                    Some(&member.path),
                    format!(
                        "the archive inflates to more than {} bytes; reading stopped here",
                        self.limits.max_total_bytes
                    ),
                ));
                self.out.members.push(member);
                self.out.kept.push(None);
                return Next::Stop;
            }
            kept = self.content(entry, &mut member);
        }
        self.out.members.push(member);
        self.out.kept.push(kept);
        Next::Continue
    }

    /// The member a header describes, with the findings its kind and path
    /// call for; `None` for the extension headers of the member after it.
    fn member<R: Read>(&mut self, entry: &tar::Entry<'_, R>) -> Option<Member> {
        let path = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let header = entry.header();
        let kind = match header.entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => MemberKind::File,
            tar::EntryType::Directory => MemberKind::Dir,
            tar::EntryType::Symlink => MemberKind::Symlink,
            tar::EntryType::Link => MemberKind::Hardlink,
            tar::EntryType::XGlobalHeader
            | tar::EntryType::XHeader
            | tar::EntryType::GNULongName
            | tar::EntryType::GNULongLink => return None,
            _ => MemberKind::Special,
        };
        let mut member = Member::new(path, kind, entry.size(), header.mode().ok());
        archive::check_path(&member.path, &mut self.findings);
        if matches!(kind, MemberKind::Symlink | MemberKind::Hardlink) {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned());
            let code = if kind == MemberKind::Symlink {
                "A003"
            } else {
                "A014"
            };
            self.findings.push(Finding::error(
                code,
                Some(&member.path),
                format!(
                    "{} to `{}`: extraction can follow it outside the tree or overwrite another file",
                    if kind == MemberKind::Symlink { "symbolic link" } else { "hard link" },
                    target.as_deref().unwrap_or("?")
                ),
            ));
            member.target = target;
        } else if kind == MemberKind::Special {
            self.findings.push(Finding::error(
                "A009",
                Some(&member.path),
                "special file (device, FIFO or socket)",
            ));
        }
        Some(member)
    }

    /// Stream a file member's content: hashed, checked against its declared
    /// size, analysed when it is ELF; what is kept of it.
    fn content(&mut self, entry: &mut impl Read, member: &mut Member) -> Option<Vec<u8>> {
        let declared = member.size;
        let wanted = archive::want_content(&member.path);
        let keep = if wanted { Keep::Content } else { Keep::ElfOnly };
        let mut hashing = Md5Reader {
            inner: entry,
            md5: self.md5.then(<md5::Md5 as md5::Digest>::new),
        };
        let mut read = archive::stream(
            &mut hashing,
            Some(declared),
            keep,
            self.limits,
            &self.budget,
        );
        if let Some(h) = hashing.md5 {
            member.md5 = Some(crate::record::hex(&md5::Digest::finalize(h)));
        }
        if read.head.starts_with(archive::ELF_MAGIC) {
            self.out.native.push((
                member.path.clone(),
                analyse_held(&member.path, &read, self.limits),
            ));
            if !wanted {
                read.kept = None;
            }
        }
        if read.stopped.is_none() && read.size != declared {
            self.findings.push(Finding::error(
                "A007",
                Some(&member.path),
                format!(
                    "content ends after {} of {declared} bytes (truncated archive)",
                    read.size
                ),
            ));
        }
        archive::record_read(member, &read, &mut self.findings);
        read.kept
    }
}

/// Analyse an ELF member held whole (tar has no random access, and the
/// members are analysed one at a time, so one is held at most).
fn analyse_held(path: &str, read: &archive::Streamed, limits: &Limits) -> Result<ElfInfo, String> {
    match (&read.stopped, &read.kept) {
        (Some(why), _) => Err(format!("not analysed: {why}")),
        (None, Some(bytes)) => super::elf_read::analyse(path, &mut bytes.as_slice()),
        (None, None) => Err(format!(
            "not analysed: {} bytes, over the inspector's bound of {} bytes for ELF files in tar archives",
            read.size, limits.max_elf_bytes
        )),
    }
}

/// Computes an md5 of what is read through it, when asked to.
struct Md5Reader<R> {
    inner: R,
    md5: Option<md5::Md5>,
}

impl<R: Read> Read for Md5Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(h) = self.md5.as_mut() {
            md5::Digest::update(h, &buf[..n]);
        }
        Ok(n)
    }
}

/// Bytes read after the end-of-archive blocks, at most (record padding is
/// under 10 KiB; more is junk not worth inflating).
const MAX_TAIL: u64 = 16 << 20;

/// Read the stream to its end after the end-of-archive blocks: only then
/// does the gzip decoder check the trailer (CRC-32 and length, RFC 1952
/// § 2.3.1), so a truncated or corrupted `.tar.gz` is caught as `gzip -t`
/// and GNU tar catch it.
fn check_end(stream: impl Read, findings: &mut Vec<Finding>) {
    match std::io::copy(&mut stream.take(MAX_TAIL + 1), &mut std::io::sink()) {
        Ok(n) if n > MAX_TAIL => findings.push(Finding::warning(
            "A007",
            None,
            format!("more than {MAX_TAIL} bytes after the end of the tar archive; not read"),
        )),
        Ok(_) => {}
        Err(e) => findings.push(Finding::error(
            "A007",
            None,
            format!("the compressed stream is truncated or corrupt after the last member: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::blob::Bytes;
    use std::io::Write;

    fn tar_gz() -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_ustar();
        header.set_size(5);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, "demo-1.0/PKG-INFO", &b"hello"[..])
            .expect("append");
        let tar = builder.into_inner().expect("tar");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).expect("gzip");
        gz.finish().expect("gzip")
    }

    #[test]
    fn a_gzip_stream_without_its_trailer_is_truncated() {
        let whole = tar_gz();
        let archive = read(&Bytes(&whole), true, &Limits::default());
        assert!(archive.findings.is_empty(), "{:?}", archive.findings);
        assert_eq!(archive.members.len(), 1);
        for cut in 1..=8 {
            let archive = read(
                &Bytes(&whole[..whole.len() - cut]),
                true,
                &Limits::default(),
            );
            assert!(
                archive.findings.iter().any(|f| f.code == "A007"),
                "{cut} bytes cut: {:?}",
                archive.findings
            );
        }
        let mut bad_crc = whole.clone();
        let at = bad_crc.len() - 8;
        bad_crc[at] ^= 1;
        let archive = read(&Bytes(&bad_crc), true, &Limits::default());
        assert!(archive.findings.iter().any(|f| f.code == "A007"));
    }
}
