//! Inspection: open any artifact by its content, read it into the common
//! entry model (DESIGN.md, "Inspection"), verify it, and report everything
//! found at once. Nothing is extracted; hostile archives become findings.
//!
//! Readers: zip ([`zip_read`]: wheels, zipapps, legacy zip sdists) and tar
//! ([`tar_read`]: sdists). Checks per format: [`wheel_check`],
//! [`sdist_check`], [`zipapp_check`]; for every format, bytecode headers and
//! native code ([`native`]). [`diff`] compares two reports; [`facts`] lists
//! a report's facts for the front ends to show.

pub mod archive;
pub mod blob;
pub mod core_metadata;
pub mod deb_check;
pub mod diff;
pub mod elf_read;
pub mod exe_check;
pub mod facts;
pub mod finding;
pub mod foreign;
pub mod lint;
pub mod native;
pub mod pyc;
pub mod readme;
pub mod record_check;
pub mod sdist_check;
pub mod tar_read;
pub mod wheel_check;
pub mod zip_read;
pub mod zipapp_check;

use crate::elf::policy::Verdict;
use crate::elf::ElfInfo;
/// entry_points.txt is read by the installer too: one parser, kept at the
/// crate root.
pub use crate::entry_points;
use archive::{Archive, Limits, Member};
use blob::Blob;
use core_metadata::CoreMetadata;
pub use facts::{facts, Fact};
pub use finding::{Finding, Severity};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

/// What kind of artifact a file is, judged by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Wheel,
    Sdist,
    Zipapp,
    /// A zip archive that is none of the above.
    Zip,
    /// A tar archive that is not an sdist.
    Tar,
    /// A frozen executable made by Gradient (launcher, payload, trailer).
    Exe,
    /// A bare ELF file (shared library or executable).
    Elf,
    /// A container image: OCI layout directory, oci-archive, docker tar.
    Image,
    /// A Debian binary package.
    Deb,
    Unknown,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Wheel => "wheel",
            Kind::Sdist => "sdist",
            Kind::Zipapp => "zipapp",
            Kind::Zip => "zip archive",
            Kind::Tar => "tar archive",
            Kind::Exe => "frozen executable",
            Kind::Elf => "ELF file",
            Kind::Image => "container image",
            Kind::Deb => "Debian package",
            Kind::Unknown => "unknown",
        }
    }
}

/// Everything the inspector found in one artifact.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub path: String,
    pub kind: Kind,
    pub size: u64,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wheel: Option<wheel_check::WheelFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sdist: Option<sdist_check::SdistFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zipapp: Option<zipapp_check::ZipappFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exe: Option<exe_check::ExeFacts>,
    /// A container image's index, config, layers and their verification.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<crate::oci::inspect::ImageReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deb: Option<deb_check::DebFacts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<CoreMetadata>,
    /// group → name → object reference.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub entry_points: BTreeMap<String, BTreeMap<String, String>>,
    pub entries: Vec<Member>,
    pub bytecode: Vec<pyc::Pyc>,
    pub native: Vec<ElfInfo>,
    /// Native code for macOS and Windows (Mach-O, PE).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub foreign: Vec<foreign::ForeignInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    pub findings: Vec<Finding>,
}

impl Report {
    /// A report of `kind` with no facts, entries or findings yet.
    fn new(path: String, kind: Kind, size: u64) -> Report {
        Report {
            path,
            kind,
            size,
            sha256: String::new(),
            wheel: None,
            sdist: None,
            zipapp: None,
            exe: None,
            image: None,
            deb: None,
            metadata: None,
            entry_points: BTreeMap::new(),
            entries: Vec::new(),
            bytecode: Vec::new(),
            native: Vec::new(),
            foreign: Vec::new(),
            verdict: None,
            findings: Vec::new(),
        }
    }

    /// Whether the artifact verifies: no finding of error severity.
    pub fn verifies(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Inspect the file at `path` with the default limits; a container image
/// (a layout directory or an archive of one) is read as an image.
pub fn inspect(path: &Path) -> crate::Result<Report> {
    if crate::oci::inspect::is_image(path) {
        return image_report(path);
    }
    let blob = blob::FileBlob::open_regular(path).map_err(|e| crate::Error::io(path, e))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (mut report, digest) = rayon::join(
        || inspect_blob(&name, &blob, &Limits::default()),
        || file_digest(&blob),
    );
    report.path = path.display().to_string();
    report.sha256 = digest.map_err(|e| crate::Error::io(path, e))?;
    Ok(report)
}

/// An image in the common report: every layer's files as entries (`layer
/// N: path`), the image's findings, and the image report itself.
fn image_report(path: &Path) -> crate::Result<Report> {
    let image = crate::oci::inspect::inspect(path)?;
    let mut entries = Vec::new();
    for (i, l) in image.layers.iter().enumerate() {
        for f in &l.files {
            let kind = match f.kind {
                "dir" => archive::MemberKind::Dir,
                "symlink" => archive::MemberKind::Symlink,
                "hardlink" => archive::MemberKind::Hardlink,
                "file" => archive::MemberKind::File,
                _ => archive::MemberKind::Special,
            };
            let mut m = Member::new(format!("layer {i}/{}", f.path), kind, f.size, Some(f.mode));
            m.sha256 = (!f.sha256.is_empty()).then(|| f.sha256.clone());
            entries.push(m);
        }
    }
    let size = image.layers.iter().map(|l| l.size).sum();
    Ok(Report {
        sha256: image
            .manifest_digest
            .trim_start_matches("sha256:")
            .to_string(),
        entries,
        findings: image.findings.clone(),
        image: Some(image),
        ..Report::new(path.display().to_string(), Kind::Image, size)
    })
}

fn file_digest(blob: &dyn Blob) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut blob::Window::new(blob, 0, blob.len()), &mut hasher)?;
    Ok(crate::record::hex(&hasher.finalize()))
}

fn starts_with(blob: &dyn Blob, at: u64, magic: &[u8]) -> bool {
    let mut buf = vec![0u8; magic.len()];
    blob.read_exact_at(&mut buf, at).is_ok() && buf == magic
}

/// Inspect bytes already open as a blob; `name` is the file name (used for
/// the name checks, never to decide the kind). Never panics on any input.
pub fn inspect_blob(name: &str, blob: &dyn Blob, limits: &Limits) -> Report {
    let mut report = Report::new(name.to_string(), Kind::Unknown, blob.len());
    let exe = exe_trailer(blob);
    if exe.is_none() && starts_with(blob, 0, b"\x7fELF") {
        report.kind = Kind::Elf;
        inspect_elf(blob, &mut report);
        return report;
    }
    if starts_with(blob, 0, b"!<arch>\n") {
        report.kind = Kind::Deb;
        let archive = deb_check::check(blob, limits, &mut report);
        return finish(archive, report);
    }
    let Some((archive, is_zip)) = open_archive(blob, limits, &mut report) else {
        return report;
    };
    match &exe {
        Some(t) => {
            report.kind = Kind::Exe;
            exe_check::check(&archive, t, &mut report);
        }
        None => {
            report.kind = classify(name, &archive, is_zip);
            match report.kind {
                Kind::Wheel => wheel_check::check(name, &archive, &mut report),
                Kind::Sdist => sdist_check::check(name, &archive, is_zip, &mut report),
                Kind::Zipapp => zipapp_check::check(&archive, &mut report),
                _ => {}
            }
        }
    }
    finish(archive, report)
}

/// The blob read as a tar or zip archive, and whether it is a zip; `None`
/// when it is neither or its zip structure is unreadable (the report then
/// says so).
fn open_archive(blob: &dyn Blob, limits: &Limits, report: &mut Report) -> Option<(Archive, bool)> {
    let gzip = starts_with(blob, 0, &[0x1f, 0x8b]);
    if gzip || starts_with(blob, 257, b"ustar") {
        return Some((tar_read::read(blob, gzip, limits), false));
    }
    let (kind, message) = if zip_read::looks_like_zip(blob) {
        match zip_read::read(blob, limits) {
            Ok(archive) => return Some((archive, true)),
            Err(e) => (Kind::Zip, format!("the zip structure is unreadable: {e}")),
        }
    } else if starts_with(blob, 0, b"PK\x03\x04") {
        (
            Kind::Zip,
            "a zip archive without its end-of-central-directory record: truncated or damaged"
                .to_string(),
        )
    } else {
        report.findings.push(Finding::error(
            "A015",
            None,
            "not a wheel, sdist, zipapp, zip or tar archive, nor an ELF file",
        ));
        return None;
    };
    report.kind = kind;
    report.findings.push(Finding::error("A007", None, message));
    None
}

/// The checks every format shares (native code), then the findings sorted
/// and the members kept in the report.
fn finish(archive: Archive, mut report: Report) -> Report {
    native::check(&archive, &mut report);
    let Archive {
        members, findings, ..
    } = archive;
    let mut all = findings;
    all.append(&mut report.findings);
    all.sort_by(|a, b| (a.severity, a.code, &a.path).cmp(&(b.severity, b.code, &b.path)));
    report.findings = all;
    report.entries = members;
    report
}

/// A Gradient frozen executable's trailer at the end of the blob.
fn exe_trailer(blob: &dyn Blob) -> Option<gradient_launcher::Trailer> {
    let len = blob.len();
    let n = gradient_launcher::TRAILER_LEN as u64;
    if len < n {
        return None;
    }
    let mut tail = vec![0u8; n as usize];
    blob.read_exact_at(&mut tail, len - n).ok()?;
    exe_check::trailer(&tail, len)
}

fn classify(name: &str, archive: &Archive, is_zip: bool) -> Kind {
    let top_dirs: std::collections::BTreeSet<&str> = archive
        .members
        .iter()
        .filter_map(|m| m.path.split_once('/').map(|(top, _)| top))
        .collect();
    let has_pkg_info = top_dirs
        .iter()
        .any(|top| archive.has(&format!("{top}/PKG-INFO")));
    if is_zip {
        let wheel_info = archive.members.iter().any(|m| {
            m.path
                .split_once('/')
                .is_some_and(|(top, rest)| top.ends_with(".dist-info") && rest == "WHEEL")
        });
        if archive.has("__main__.py") || archive.prefix.starts_with(b"#!") {
            Kind::Zipapp
        } else if wheel_info || name.ends_with(".whl") {
            Kind::Wheel
        } else if has_pkg_info {
            Kind::Sdist
        } else {
            Kind::Zip
        }
    } else if has_pkg_info || name.ends_with(".tar.gz") {
        Kind::Sdist
    } else {
        Kind::Tar
    }
}

fn inspect_elf(blob: &dyn Blob, report: &mut Report) {
    let mut ranges = elf_read::BlobRanges {
        blob,
        start: 0,
        len: blob.len(),
    };
    match elf_read::analyse(&report.path.clone(), &mut ranges) {
        Ok(info) => {
            report.verdict = crate::elf::policy::verdict(std::slice::from_ref(&info), None);
            report.native.push(info);
        }
        Err(e) => report.findings.push(Finding::error("E004", None, e)),
    }
}
