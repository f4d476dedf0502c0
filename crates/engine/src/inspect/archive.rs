//! The common entry model every reader produces (DESIGN.md, "Inspection"):
//! members with path, kind, size, mode and sha256, the bytes kept for the
//! format-specific checks, and findings about the archive itself.

use super::finding::{Finding, Severity};
use crate::elf::ElfInfo;
use crate::record::hex;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bounds that keep hostile archives from exhausting time or memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_members: usize,
    /// Bytes inflated for one member.
    pub max_member_bytes: u64,
    /// Bytes inflated for the whole archive.
    pub max_total_bytes: u64,
    /// Members whose content is kept for parsing (metadata, RECORD, ...).
    pub max_kept_bytes: u64,
    /// All kept content of one archive together.
    pub max_kept_total: u64,
    /// ELF members of tar archives, held whole for analysis (tar has no
    /// random access; zip members and bare files are read range by range).
    pub max_elf_bytes: u64,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        max_members: 500_000,
        // Members over 4 GiB exist (Zip64); pip installs them.
        max_member_bytes: 16 << 30,
        max_total_bytes: 32 << 30,
        max_kept_bytes: 32 << 20,
        max_kept_total: 48 << 20,
        max_elf_bytes: 32 << 20,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// Devices, FIFOs and other special files.
    Special,
}

/// One member of an archive.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub path: String,
    pub kind: MemberKind,
    /// Bytes of content actually read (the declared size when not read).
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// Hex sha256 of the content, when it was read completely.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Hex md5, computed for the data of Debian packages (md5sums).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<String>,
    #[serde(skip)]
    pub digest: Option<[u8; 32]>,
    /// The first bytes of the content: magic numbers, shebangs.
    #[serde(skip)]
    pub head: Vec<u8>,
}

impl Member {
    pub fn new(path: String, kind: MemberKind, size: u64, mode: Option<u32>) -> Self {
        Member {
            path,
            kind,
            size,
            mode,
            sha256: None,
            target: None,
            md5: None,
            digest: None,
            head: Vec::new(),
        }
    }

    pub fn is_file(&self) -> bool {
        self.kind == MemberKind::File
    }

    pub fn name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// An archive read into the entry model.
#[derive(Debug, Default)]
pub struct Archive {
    pub members: Vec<Member>,
    /// Content kept for members the checks parse, by member index.
    pub kept: Vec<Option<Vec<u8>>>,
    /// Bytes before the archive proper (a zipapp's shebang line).
    pub prefix: Vec<u8>,
    pub findings: Vec<Finding>,
    /// ELF members (path, analysis or why there is none), in archive order,
    /// analysed while they were read.
    pub native: Vec<(String, Result<ElfInfo, String>)>,
    /// Mach-O and PE members, likewise.
    pub foreign: Vec<(String, Result<super::foreign::ForeignInfo, String>)>,
    /// The per-member bound on kept content, for messages.
    pub max_kept: u64,
}

impl Archive {
    /// Why the first member at `path` has no kept content, in words that
    /// follow its name ("METADATA is missing").
    pub fn why_not_kept(&self, path: &str) -> String {
        match self.members.iter().find(|m| m.path == path) {
            None => "is missing".into(),
            Some(m) if m.size > self.max_kept => format!(
                "is too large: {} bytes, over the inspector's limit of {} bytes for metadata files",
                m.size, self.max_kept
            ),
            Some(m) if m.sha256.is_none() => "is unreadable".into(),
            Some(_) => {
                "was not read: the archive's metadata files together exceed the inspector's budget"
                    .into()
            }
        }
    }

    /// The kept content of the first member at `path`.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        let index = self.members.iter().position(|m| m.path == path)?;
        self.kept.get(index)?.as_deref()
    }

    pub fn has(&self, path: &str) -> bool {
        self.members.iter().any(|m| m.path == path)
    }

    /// Members with their kept content (files only).
    pub fn files(&self) -> impl Iterator<Item = (&Member, Option<&[u8]>)> {
        self.members
            .iter()
            .zip(&self.kept)
            .filter(|(m, _)| m.is_file())
            .map(|(m, k)| (m, k.as_deref()))
    }
}

/// Which members' content the format checks need in full.
pub fn want_content(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let depth = path.trim_end_matches('/').matches('/').count();
    let in_info = path
        .split('/')
        .any(|c| c.ends_with(".dist-info") || c.ends_with(".egg-info"));
    (in_info
        && matches!(
            name,
            "METADATA" | "WHEEL" | "RECORD" | "entry_points.txt" | "PKG-INFO"
        ))
        || (depth <= 1 && matches!(name, "PKG-INFO" | "pyproject.toml" | "PEX-INFO"))
        || (depth == 0 && matches!(name, "__main__.py" | "environment.json"))
        || (path.starts_with(".gradient/") && depth == 1)
}

/// What reading one member's content produced.
pub struct Streamed {
    pub size: u64,
    pub digest: Option<[u8; 32]>,
    pub crc: u32,
    pub head: Vec<u8>,
    pub kept: Option<Vec<u8>>,
    /// Set when reading stopped early: the reason.
    pub stopped: Option<String>,
}

const HEAD: usize = 64;
pub const ELF_MAGIC: &[u8] = b"\x7fELF";

/// What one archive may keep of its members' content, in all: members are
/// read in parallel, so each reserves its declared size before keeping.
pub struct KeepBudget(AtomicU64);

impl KeepBudget {
    pub fn new(limits: &Limits) -> Self {
        KeepBudget(AtomicU64::new(limits.max_kept_total))
    }

    fn take(&self, n: u64) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(n)
            })
            .is_ok()
    }

    fn give(&self, n: u64) {
        self.0.fetch_add(n, Ordering::SeqCst);
    }
}

/// What to keep of a member's content besides its hash.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    Nothing,
    /// The whole content, for the format checks (bounded per member and by
    /// the archive's [`KeepBudget`]).
    Content,
    /// The whole content if it is an ELF file within `max_elf_bytes`: for
    /// sequential readers, which analyse it at once and drop it.
    ElfOnly,
}

/// Stream a member's content once: hash, CRC, count, keep the head, and keep
/// the whole content as `keep` says. Reads at most `declared + 1` bytes when
/// `declared` is given, so a member that lies about its size is caught
/// without inflating a bomb.
pub fn stream(
    mut reader: impl Read,
    declared: Option<u64>,
    keep: Keep,
    limits: &Limits,
    budget: &KeepBudget,
) -> Streamed {
    let cap = declared
        .map(|d| d.saturating_add(1))
        .unwrap_or(u64::MAX)
        .min(limits.max_member_bytes.saturating_add(1));
    let mut taken = Taken {
        hasher: Sha256::new(),
        crc: crc32fast::Hasher::new(),
        head: Vec::new(),
        kept: None,
        bound: 0,
        reserved: 0,
        size: 0,
    };
    let mut buf = vec![0u8; 64 << 10];
    let mut stopped = None;
    loop {
        let want = (buf.len() as u64).min(cap - taken.size) as usize;
        if want == 0 {
            stopped = Some(match declared {
                Some(d) if taken.size > d => {
                    format!("content is longer than the declared {d} bytes")
                }
                _ => format!(
                    "content exceeds the {} byte limit for one member",
                    limits.max_member_bytes
                ),
            });
            break;
        }
        let n = match reader.read(&mut buf[..want]) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                stopped = Some(format!(
                    "content is unreadable after {} bytes: {e}",
                    taken.size
                ));
                break;
            }
        };
        if taken.size == 0 {
            taken.start(
                &buf[..n],
                declared.unwrap_or(u64::MAX),
                keep,
                limits,
                budget,
            );
        }
        taken.add(&buf[..n]);
    }
    taken.finish(stopped, budget)
}

/// What [`stream`] has taken from a member so far.
struct Taken {
    hasher: Sha256,
    crc: crc32fast::Hasher,
    head: Vec<u8>,
    kept: Option<Vec<u8>>,
    /// How many bytes may be kept, and how many of them the budget reserved.
    bound: u64,
    reserved: u64,
    size: u64,
}

impl Taken {
    /// Decide on the first chunk whether to keep the content, reserving
    /// its declared size from the budget.
    fn start(
        &mut self,
        first: &[u8],
        declared: u64,
        keep: Keep,
        limits: &Limits,
        budget: &KeepBudget,
    ) {
        match keep {
            Keep::Content if declared <= limits.max_kept_bytes && budget.take(declared) => {
                (self.bound, self.reserved) = (declared, declared);
            }
            Keep::ElfOnly if first.starts_with(ELF_MAGIC) && declared <= limits.max_elf_bytes => {
                self.bound = limits.max_elf_bytes;
            }
            _ => {}
        }
        if self.bound > 0 {
            self.kept = Some(Vec::with_capacity(self.bound.min(1 << 20) as usize));
        }
    }

    /// Hash, count and (within the bound) keep one chunk.
    fn add(&mut self, chunk: &[u8]) {
        if self.head.len() < HEAD {
            let take = (HEAD - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.crc.update(chunk);
        if let Some(k) = self.kept.as_mut() {
            if (k.len() + chunk.len()) as u64 <= self.bound {
                k.extend_from_slice(chunk);
            } else {
                self.kept = None;
            }
        }
        self.size += chunk.len() as u64;
    }

    /// The result; what was reserved and not kept goes back to the budget.
    fn finish(self, stopped: Option<String>, budget: &KeepBudget) -> Streamed {
        if stopped.is_some() || self.kept.is_none() {
            budget.give(self.reserved);
        }
        Streamed {
            size: self.size,
            digest: stopped.is_none().then(|| self.hasher.finalize().into()),
            crc: self.crc.finalize(),
            head: self.head,
            kept: if stopped.is_none() { self.kept } else { None },
            stopped,
        }
    }
}

/// Apply a [`stream`] result to a member; a stop becomes a finding.
pub fn record_read(member: &mut Member, read: &Streamed, findings: &mut Vec<Finding>) {
    member.head = read.head.clone();
    if let Some(reason) = &read.stopped {
        findings.push(Finding::new(
            "A004",
            Severity::Error,
            Some(&member.path),
            reason.clone(),
        ));
        return;
    }
    member.size = read.size;
    member.digest = read.digest;
    member.sha256 = read.digest.map(|d| hex(&d));
}

/// Findings about a member's name: paths that would escape the directory an
/// archive is extracted into (absolute, `..`, drive letters) and names that
/// extract differently on different systems.
pub fn check_path(path: &str, findings: &mut Vec<Finding>) {
    let escape = path.starts_with('/')
        || path.starts_with('\\')
        || path.as_bytes().get(1) == Some(&b':')
        || path.split(['/', '\\']).any(|c| c == "..");
    if escape {
        findings.push(Finding::new(
            "A001",
            Severity::Error,
            Some(path),
            "path escapes the archive root (absolute or `..`); it would be written outside the target directory".into(),
        ));
    }
    if path.contains('\\') || path.contains('\0') || path.contains('\u{fffd}') {
        findings.push(Finding::new(
            "A012",
            Severity::Error,
            Some(path),
            "name holds a backslash, a NUL or bytes that are not UTF-8".into(),
        ));
    }
}

/// A002 for every path that appears more than once.
pub fn check_duplicates<'m>(
    members: impl IntoIterator<Item = &'m Member>,
    findings: &mut Vec<Finding>,
) {
    let mut seen = std::collections::HashMap::new();
    for m in members {
        let count = seen.entry(m.path.trim_end_matches('/')).or_insert(0u32);
        *count += 1;
        if *count == 2 {
            findings.push(Finding::new(
                "A002",
                Severity::Error,
                Some(&m.path),
                "the archive holds this name more than once; which copy a tool extracts differs between tools".into(),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_hash_keep_and_stop_at_lies() {
        let limits = Limits::default();
        let budget = KeepBudget::new(&limits);
        let read = stream(&b"hello"[..], Some(5), Keep::Content, &limits, &budget);
        assert!(read.stopped.is_none());
        assert_eq!(read.kept.as_deref(), Some(&b"hello"[..]));
        assert_eq!(
            hex(&read.digest.expect("digest")),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        let lie = stream(
            &b"hello world"[..],
            Some(5),
            Keep::Content,
            &limits,
            &budget,
        );
        assert_eq!(
            lie.size, 6,
            "reads one byte past the declared size, no more"
        );
        assert!(lie.stopped.expect("stopped").contains("declared 5"));
        assert!(lie.digest.is_none());
    }

    #[test]
    fn kept_content_is_bounded_per_archive_and_elf_only_on_request() {
        let limits = Limits {
            max_kept_total: 10,
            ..Limits::default()
        };
        let budget = KeepBudget::new(&limits);
        let keep = |data: &'static [u8], keep| {
            stream(data, Some(data.len() as u64), keep, &limits, &budget)
        };
        assert!(keep(b"hello", Keep::Content).kept.is_some());
        assert!(keep(b"world", Keep::Content).kept.is_some());
        let over = keep(b"again", Keep::Content);
        assert!(over.kept.is_none(), "the budget is spent");
        assert!(over.digest.is_some(), "still hashed");
        assert!(keep(b"\x7fELF\x02\x01", Keep::ElfOnly).kept.is_some());
        assert!(keep(b"plain", Keep::ElfOnly).kept.is_none());
        assert!(keep(b"\x7fELF\x02\x01", Keep::Nothing).kept.is_none());
    }

    #[test]
    fn escaping_paths_are_findings() {
        for bad in ["../x", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\b"] {
            let mut f = Vec::new();
            check_path(bad, &mut f);
            assert!(f.iter().any(|f| f.code == "A001"), "{bad}");
        }
        let mut f = Vec::new();
        check_path("pkg/mod.py", &mut f);
        check_path("pkg/..hidden", &mut f);
        assert!(f.is_empty());
    }

    #[test]
    fn content_wanted_for_metadata_only() {
        assert!(want_content("a-1.dist-info/METADATA"));
        assert!(want_content("a-1/PKG-INFO"));
        assert!(want_content("__main__.py"));
        assert!(!want_content("pkg/__main__.py"));
        assert!(!want_content("pkg/METADATA"));
    }
}
