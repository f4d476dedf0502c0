//! Frozen executables made by Gradient: the launcher, then a zip payload
//! whose comment is the trailer (`gradient_launcher`'s format). Reports the
//! trailer, the runtime, what runs, the bundled libraries, and verifies the
//! payload's RECORD.

use super::archive::Archive;
use super::finding::Finding;
use super::{record_check, Report};
use gradient_launcher::{Manifest, Trailer, MANIFEST};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ExeFacts {
    pub format_version: u32,
    /// Bytes of the launcher before the payload.
    pub launcher_size: u64,
    pub payload_size: u64,
    /// Names the unpacked tree in the user's cache.
    pub key: String,
    /// The interpreter the launcher execs, relative to the unpacked tree.
    pub program: String,
    /// `python3.12`, from the interpreter's name.
    pub runtime: String,
    /// The entry point the bootstrap runs (`module:attr`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// Shared libraries bundled beside the runtime.
    pub libraries: Vec<String>,
    pub record: record_check::RecordSummary,
}

/// The trailer, when the blob's last bytes are one.
pub fn trailer(tail: &[u8], len: u64) -> Option<Trailer> {
    Trailer::decode(tail, len).ok()
}

pub fn check(archive: &Archive, trailer: &Trailer, report: &mut Report) {
    let findings = &mut report.findings;
    let manifest = match archive.content(MANIFEST).map(String::from_utf8_lossy) {
        Some(text) => match Manifest::parse(&text) {
            Ok(m) => Some(m),
            Err(e) => {
                findings.push(Finding::error("X002", Some(MANIFEST), e));
                None
            }
        },
        None => {
            findings.push(Finding::error(
                "X001",
                Some(MANIFEST),
                "missing: the launcher would not know what to run",
            ));
            None
        }
    };
    let program = manifest
        .as_ref()
        .map(|m| m.program.clone())
        .unwrap_or_default();
    if !program.is_empty() && !archive.has(&program) {
        findings.push(Finding::error(
            "X003",
            Some(&program),
            "the manifest's program is not in the payload",
        ));
    }
    let entry = archive
        .content(".gradient/boot.py")
        .map(String::from_utf8_lossy)
        .and_then(|boot| {
            let line = boot
                .lines()
                .rev()
                .find(|l| l.starts_with("from "))?
                .to_string();
            let (module, _) = line.strip_prefix("from ")?.split_once(" import ")?;
            let call = boot.lines().rev().find(|l| l.starts_with("sys.exit("))?;
            let attr = call.strip_prefix("sys.exit(")?.strip_suffix("())")?;
            Some(format!("{module}:{attr}"))
        });
    let record = record_check::verify(archive, ".gradient", findings);
    let libraries = archive
        .members
        .iter()
        .filter_map(|m| m.path.strip_prefix("lib/"))
        .filter(|p| !p.contains('/'))
        .map(str::to_string)
        .collect();
    report.exe = Some(ExeFacts {
        format_version: trailer.version,
        launcher_size: trailer.payload_offset,
        payload_size: trailer.payload_size,
        key: trailer.key_hex(),
        runtime: program.rsplit('/').next().unwrap_or_default().to_string(),
        program,
        entry,
        libraries,
        record,
    });
}
