//! A tar reader (POSIX ustar/pax and GNU forms, through the tar crate) for
//! archives under inspection, gzip-compressed (sdists) or plain. Tar is
//! sequential, so members are read in order; inflation is bounded as a whole,
//! and reading stops (with a finding) rather than run past the bound.

use super::archive::{self, Archive, Limits, Member, MemberKind};
use super::blob::{Blob, Window};
use super::finding::Finding;
use std::io::Read;

/// Read a tar stream (`gzip`: whether it is gzip-compressed).
pub fn read(blob: &dyn Blob, gzip: bool, limits: &Limits) -> Archive {
    let window = Window::new(blob, 0, blob.len());
    let stream: Box<dyn Read + '_> = if gzip {
        Box::new(flate2::read::GzDecoder::new(window))
    } else {
        Box::new(window)
    };
    read_stream(stream, limits, false)
}

/// Read a tar stream already decompressed; `md5`: also compute each file's
/// md5 while it is read (a Debian package's md5sums).
pub fn read_stream(stream: impl Read, limits: &Limits, md5: bool) -> Archive {
    let mut tar = tar::Archive::new(stream.take(limits.max_total_bytes));
    let mut out = Archive::default();
    let mut findings = Vec::new();
    let entries = match tar.entries() {
        Ok(entries) => entries,
        Err(e) => {
            out.findings.push(Finding::error(
                "A007",
                None,
                format!("not a readable tar stream: {e}"),
            ));
            return out;
        }
    };
    let mut total = 0u64;
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                findings.push(Finding::error(
                    "A007",
                    None,
                    format!(
                        "the archive is truncated or corrupt after {} members: {e}",
                        out.members.len()
                    ),
                ));
                break;
            }
        };
        if out.members.len() >= limits.max_members {
            findings.push(Finding::error(
                "A006",
                None,
                format!(
                    "more than {} members; the rest were not read",
                    limits.max_members
                ),
            ));
            break;
        }
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
            | tar::EntryType::GNULongLink => continue,
            _ => MemberKind::Special,
        };
        let declared = entry.size();
        let mode = header.mode().ok();
        let mut member = Member::new(path, kind, declared, mode);
        archive::check_path(&member.path, &mut findings);
        if matches!(kind, MemberKind::Symlink | MemberKind::Hardlink) {
            let target = entry
                .link_name_bytes()
                .map(|t| String::from_utf8_lossy(&t).into_owned());
            let code = if kind == MemberKind::Symlink {
                "A003"
            } else {
                "A014"
            };
            findings.push(Finding::error(
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
            findings.push(Finding::error(
                "A009",
                Some(&member.path),
                "special file (device, FIFO or socket)",
            ));
        }
        let mut kept = None;
        if kind == MemberKind::File {
            total = total.saturating_add(declared);
            if total > limits.max_total_bytes {
                findings.push(Finding::error(
                    "A006",
                    Some(&member.path),
                    format!(
                        "the archive inflates to more than {} bytes; reading stopped here",
                        limits.max_total_bytes
                    ),
                ));
                out.members.push(member);
                out.kept.push(None);
                break;
            }
            let mut hashing = Md5Reader {
                inner: &mut entry,
                md5: md5.then(<md5::Md5 as md5::Digest>::new),
            };
            let read = archive::stream(
                &mut hashing,
                Some(declared),
                archive::want_content(&member.path),
                limits,
            );
            if let Some(h) = hashing.md5 {
                use md5::Digest;
                member.md5 = Some(crate::record::hex(&h.finalize()));
            }
            if read.stopped.is_none() && read.size != declared {
                findings.push(Finding::error(
                    "A007",
                    Some(&member.path),
                    format!(
                        "content ends after {} of {declared} bytes (truncated archive)",
                        read.size
                    ),
                ));
            }
            archive::record_read(&mut member, &read, &mut findings);
            kept = read.kept;
        }
        out.members.push(member);
        out.kept.push(kept);
    }
    archive::check_duplicates(&out.members, &mut findings);
    out.findings = findings;
    out
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
            use md5::Digest;
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}
