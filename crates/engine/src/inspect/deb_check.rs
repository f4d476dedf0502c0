//! Debian binary packages (deb(5)): the `ar` members in their required
//! order, the control file's fields (deb-control(5)), md5sums checked
//! against the data (deb-md5sums(5)), conffiles, the maintainer scripts, the
//! data tree, and the Python application inside: its interpreter (bundled
//! or the system's), its distributions and commands. ELF needs are read by
//! the common native check.
//!
//! Everything is bounded: the control part must be small, the data is read
//! once as a stream within the archive limits.

use super::archive::{Archive, Limits, MemberKind};
use super::blob::{Blob, Window};
use super::finding::{Finding, Severity};
use super::{tar_read, Report};
use crate::deb::Compression;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{BufReader, Read};

/// The control part is a few files; more is hostile.
const MAX_CONTROL_BYTES: u64 = 16 << 20;
const MAX_CONTROL_MEMBERS: usize = 64;

#[derive(Debug, Clone, Default, Serialize)]
pub struct DebFacts {
    /// control fields in file order.
    pub control: Vec<(String, String)>,
    pub compression: Option<Compression>,
    pub md5sums: Md5Summary,
    pub conffiles: Vec<String>,
    /// Maintainer scripts (name, text).
    pub scripts: Vec<(String, String)>,
    /// The Python application inside, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub python: Option<PythonApp>,
}

impl DebFacts {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.control
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Md5Summary {
    pub listed: usize,
    pub verified: usize,
    pub problems: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct PythonApp {
    /// `bundled` (its own interpreter) or `system` (/usr/bin/python3).
    pub layout: String,
    /// The interpreter the commands run.
    pub interpreter: String,
    /// Installed distributions, `name version`.
    pub distributions: Vec<String>,
    /// Commands in /usr/bin.
    pub commands: Vec<String>,
}

/// Read the package; the data tree comes back as an archive for the common
/// checks.
pub fn check(blob: &dyn Blob, limits: &Limits, report: &mut Report) -> Archive {
    let mut facts = DebFacts::default();
    let mut findings = Vec::new();
    let mut parts = Parts::default();
    let read = read_members(blob, limits, &mut parts, &mut facts, &mut findings);
    if read < 3 {
        findings.push(Finding::error(
            "D001",
            None,
            "incomplete: deb(5) needs debian-binary, control.tar and data.tar",
        ));
    }
    let Parts {
        control_files,
        mut data,
    } = parts;
    normalize_paths(&mut data);
    control(&control_files, &mut facts, &mut findings);
    md5sums(&control_files, &data, &mut facts, &mut findings);
    facts.python = python_app(&data);
    report.deb = Some(facts);
    report.findings.append(&mut findings);
    data
}

/// The control part's files by name, and the data tree.
#[derive(Default)]
struct Parts {
    control_files: BTreeMap<String, Vec<u8>>,
    data: Archive,
}

/// Read the `ar` members in deb(5)'s order; how many of the three
/// required ones were there (or were out of place).
fn read_members(
    blob: &dyn Blob,
    limits: &Limits,
    parts: &mut Parts,
    facts: &mut DebFacts,
    findings: &mut Vec<Finding>,
) -> usize {
    let mut ar = ar::Archive::new(Window::new(blob, 0, blob.len()));
    let mut index = 0;
    while let Some(entry) = ar.next_entry() {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                findings.push(Finding::error(
                    "D001",
                    None,
                    format!("the ar archive is unreadable: {e}"),
                ));
                break;
            }
        };
        let name = String::from_utf8_lossy(entry.header().identifier()).into_owned();
        if name.starts_with('_') {
            // deb(5): members starting with `_` may follow; they are ignored.
            continue;
        }
        let expected = ["debian-binary", "control.tar", "data.tar"]
            .get(index)
            .copied();
        index += 1;
        if !expected.is_some_and(|e| name.starts_with(e)) {
            findings.push(Finding::error(
                "D001",
                Some(&name),
                format!(
                    "unexpected member; deb(5) wants debian-binary, control.tar.*, data.tar.* in this order (here: {})",
                    expected.unwrap_or("nothing more")
                ),
            ));
            continue;
        }
        read_member(&name, &mut entry, limits, parts, facts, findings);
    }
    index
}

/// One of the three members, in its place.
fn read_member(
    name: &str,
    entry: &mut impl Read,
    limits: &Limits,
    parts: &mut Parts,
    facts: &mut DebFacts,
    findings: &mut Vec<Finding>,
) {
    let compression = match name.rsplit_once('.').map(|(_, s)| s) {
        Some("zst") => Some(Compression::Zstd),
        Some("xz") => Some(Compression::Xz),
        Some("gz") => Some(Compression::Gzip),
        _ => None,
    };
    if name == "debian-binary" {
        let mut text = Vec::new();
        let _ = entry.by_ref().take(64).read_to_end(&mut text);
        if !text.starts_with(b"2.") {
            findings.push(Finding::error("D001", Some(name), "not format 2.x"));
        }
    } else if name.starts_with("control.tar") {
        parts.control_files = read_control(entry, compression, findings);
    } else if let Some(c) = compression.filter(|_| name.starts_with("data.tar.")) {
        facts.compression = Some(c);
        match crate::sink::compress::decompressor(c, BufReader::new(entry)) {
            Ok(stream) => parts.data = tar_read::read_stream(stream, limits, true),
            Err(e) => findings.push(Finding::error(
                "D002",
                Some(name),
                format!("cannot decompress: {e}"),
            )),
        }
    } else {
        parts.data = tar_read::read_stream(entry, limits, true);
    }
}

/// Member names as the installed paths read (`./usr/bin/x` → `usr/bin/x`);
/// links inside a package are dpkg's business, not an extraction hazard.
fn normalize_paths(data: &mut Archive) {
    for m in &mut data.members {
        if let Some(rest) = m.path.strip_prefix("./") {
            m.path = rest.to_string();
        }
    }
    data.members.retain(|m| !m.path.is_empty());
    for f in &mut data.findings {
        if let Some(p) = f
            .path
            .as_mut()
            .and_then(|p| p.strip_prefix("./").map(str::to_string))
        {
            f.path = Some(p);
        }
        if f.code == "A003" {
            f.severity = Severity::Info;
        }
    }
}

fn read_control(
    entry: &mut impl Read,
    compression: Option<Compression>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let limited = entry.take(MAX_CONTROL_BYTES);
    let stream: Box<dyn Read + '_> = match compression {
        Some(c) => match crate::sink::compress::decompressor(c, BufReader::new(limited)) {
            Ok(s) => Box::new(s.take(MAX_CONTROL_BYTES)),
            Err(e) => {
                findings.push(Finding::error(
                    "D002",
                    Some("control.tar"),
                    format!("cannot decompress: {e}"),
                ));
                return files;
            }
        },
        None => Box::new(limited),
    };
    let mut tar = tar::Archive::new(stream);
    let Ok(entries) = tar.entries() else {
        findings.push(Finding::error(
            "D002",
            Some("control.tar"),
            "not a tar archive",
        ));
        return files;
    };
    for entry in entries.take(MAX_CONTROL_MEMBERS) {
        let Ok(mut entry) = entry else {
            findings.push(Finding::error(
                "D002",
                Some("control.tar"),
                "truncated or corrupt",
            ));
            break;
        };
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let name = String::from_utf8_lossy(&entry.path_bytes())
            .trim_start_matches("./")
            .to_string();
        let mut bytes = Vec::new();
        if entry.read_to_end(&mut bytes).is_ok() {
            files.insert(name, bytes);
        }
    }
    files
}

/// Fields of a control file: `Name: value`, continuation lines start with
/// a space or tab.
pub fn parse_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push('\n');
                v.push_str(line);
            }
        } else if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    fields
}

fn control(files: &BTreeMap<String, Vec<u8>>, facts: &mut DebFacts, findings: &mut Vec<Finding>) {
    let Some(text) = files.get("control") else {
        findings.push(Finding::error(
            "D003",
            Some("control"),
            "missing: the package has no control file",
        ));
        return;
    };
    facts.control = parse_fields(&String::from_utf8_lossy(text));
    for required in [
        "Package",
        "Version",
        "Architecture",
        "Maintainer",
        "Description",
    ] {
        if facts.field(required).is_none_or(str::is_empty) {
            findings.push(Finding::error(
                "D003",
                Some("control"),
                format!("no {required} field (Policy 5.3)"),
            ));
        }
    }
    if let Some(c) = files.get("conffiles") {
        facts.conffiles = String::from_utf8_lossy(c)
            .lines()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
    }
    for name in ["preinst", "postinst", "prerm", "postrm", "config"] {
        if let Some(bytes) = files.get(name) {
            let text = String::from_utf8_lossy(bytes).into_owned();
            if !text.starts_with("#!") {
                findings.push(Finding::warning(
                    "D005",
                    Some(name),
                    "a maintainer script without a #! line",
                ));
            }
            facts.scripts.push((name.to_string(), text));
        }
    }
}

fn md5sums(
    files: &BTreeMap<String, Vec<u8>>,
    data: &Archive,
    facts: &mut DebFacts,
    findings: &mut Vec<Finding>,
) {
    let Some(text) = files.get("md5sums") else {
        findings.push(Finding::warning(
            "D004",
            Some("md5sums"),
            "missing: debsums and dpkg --verify cannot check the files",
        ));
        return;
    };
    let by_path: BTreeMap<&str, Option<&str>> = data
        .members
        .iter()
        .filter(|m| m.kind == MemberKind::File)
        .map(|m| (m.path.as_str(), m.md5.as_deref()))
        .collect();
    let mut listed = std::collections::BTreeSet::new();
    let summary = &mut facts.md5sums;
    for line in String::from_utf8_lossy(text)
        .lines()
        .filter(|l| !l.trim().is_empty())
    {
        summary.listed += 1;
        let Some((sum, path)) = line.split_once("  ") else {
            summary.problems += 1;
            findings.push(Finding::error(
                "D004",
                Some("md5sums"),
                format!("`{line}` is not `<md5>  <path>`"),
            ));
            continue;
        };
        let path = path.trim_start_matches("./").trim_start_matches('/');
        listed.insert(path.to_string());
        match by_path.get(path) {
            Some(Some(actual)) if actual.eq_ignore_ascii_case(sum) => summary.verified += 1,
            Some(_) => {
                summary.problems += 1;
                findings.push(Finding::error(
                    "D004",
                    Some(path),
                    format!("md5 does not match md5sums ({sum})"),
                ));
            }
            None => {
                summary.problems += 1;
                findings.push(Finding::error(
                    "D004",
                    Some(path),
                    "listed in md5sums but not in the data",
                ));
            }
        }
    }
    let conffiles: Vec<&str> = facts
        .conffiles
        .iter()
        .map(|c| c.trim_start_matches('/'))
        .collect();
    for path in by_path
        .keys()
        .filter(|p| !listed.contains(**p) && !conffiles.contains(p))
    {
        findings.push(Finding::warning(
            "D004",
            Some(path),
            "not listed in md5sums",
        ));
    }
}

/// The Python application: a bundled interpreter under /usr/lib, or
/// commands run by /usr/bin/python3; distributions from `.dist-info`.
fn python_app(data: &Archive) -> Option<PythonApp> {
    let files: Vec<&str> = data
        .members
        .iter()
        .filter(|m| m.is_file())
        .map(|m| m.path.as_str())
        .collect();
    let mut distributions: Vec<String> = files
        .iter()
        .filter_map(|p| p.strip_suffix("/METADATA"))
        .filter_map(|d| d.rsplit('/').next()?.strip_suffix(".dist-info"))
        .map(|stem| stem.replacen('-', " ", 1))
        .collect();
    distributions.sort();
    distributions.dedup();
    if distributions.is_empty() {
        return None;
    }
    let bundled = files.iter().find(|p| {
        p.starts_with("usr/lib/")
            && p.split('/').rev().nth(1) == Some("bin")
            && p.rsplit('/').next().is_some_and(|n| {
                n.starts_with("python3.") && n[8..].chars().all(|c| c.is_ascii_digit())
            })
    });
    let commands: Vec<String> = data
        .members
        .iter()
        .filter(|m| m.is_file() && m.path.starts_with("usr/bin/"))
        .map(|m| format!("/{}", m.path))
        .collect();
    Some(PythonApp {
        layout: if bundled.is_some() {
            "bundled"
        } else {
            "system"
        }
        .into(),
        interpreter: bundled.map_or_else(
            || crate::deb::SYSTEM_PYTHON.to_string(),
            |p| format!("/{p}"),
        ),
        distributions,
        commands,
    })
}
