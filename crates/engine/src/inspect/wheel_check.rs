//! Wheels: "Binary distribution format" (file name, `.dist-info` contents,
//! the WHEEL file, `.data` directories, RECORD) and the metadata inside.

use super::archive::Archive;
use super::finding::Finding;
use super::{core_metadata, entry_points, lint, record_check, Report};
use crate::tags::WheelName;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

/// The wheel-specific part of a report.
#[derive(Debug, Clone, Serialize)]
pub struct WheelFacts {
    /// The file name broken into its parts, when it parses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<WheelName>,
    /// The expanded tag set of the file name.
    pub tags: Vec<String>,
    pub dist_info: String,
    /// The WHEEL file's fields.
    pub wheel_file: BTreeMap<String, Vec<String>>,
    pub record: record_check::RecordSummary,
}

const DATA_CATEGORIES: &[&str] = &["purelib", "platlib", "headers", "scripts", "data"];

pub fn check(file_name: &str, archive: &Archive, report: &mut Report) {
    let findings = &mut report.findings;
    let parsed = parse_name(file_name, findings);
    let dist_info = find_dist_info(archive, parsed.as_ref(), findings);
    let data_dir = dist_info
        .strip_suffix(".dist-info")
        .map(|s| format!("{s}.data"))
        .unwrap_or_default();
    report.metadata = read_metadata(archive, &dist_info, parsed.as_ref(), findings);
    let wheel_file = read_wheel_file(archive, &dist_info, parsed.as_ref(), findings);
    let ep_path = format!("{dist_info}/entry_points.txt");
    if let Some(bytes) = archive.content(&ep_path) {
        report.entry_points = entry_points::parse(bytes, &ep_path, findings);
    }
    check_data_categories(archive, &data_dir, findings);
    let record = record_check::verify(archive, &dist_info, findings);
    lint::lint(&archive.members, &dist_info, &data_dir, findings);
    report.wheel = Some(WheelFacts {
        tags: parsed.as_ref().map(WheelName::tags).unwrap_or_default(),
        name: parsed,
        dist_info,
        wheel_file,
        record,
    });
}

/// The file name broken into its parts (binary distribution format, "File
/// name convention").
fn parse_name(file_name: &str, findings: &mut Vec<Finding>) -> Option<WheelName> {
    match WheelName::parse(file_name) {
        Ok(parsed) => Some(parsed),
        Err(e) => {
            findings.push(Finding::error(
                "N001",
                None,
                format!("the file name is not a valid wheel name: {e}"),
            ));
            None
        }
    }
}

/// The one `.dist-info` directory, which the file name names: when there
/// are several, the one the name expects (or the first).
fn find_dist_info(
    archive: &Archive,
    parsed: Option<&WheelName>,
    findings: &mut Vec<Finding>,
) -> String {
    let dist_infos: BTreeSet<&str> =
        crate::wheel::read::dist_info_dirs(archive.members.iter().map(|m| m.path.as_str()), None);
    let expected = parsed.map(|w| {
        format!(
            "{}-{}.dist-info",
            crate::names::wheel_escape(&w.name),
            w.version
        )
    });
    let first = || {
        dist_infos
            .iter()
            .next()
            .map(|s| s.to_string())
            .unwrap_or_default()
    };
    let dist_info = match dist_infos.len() {
        0 => {
            findings.push(Finding::error(
                "M001",
                None,
                "no .dist-info directory: this is not an installable wheel",
            ));
            expected.clone().unwrap_or_default()
        }
        1 => first(),
        _ => {
            findings.push(Finding::error(
                "F005",
                None,
                format!("more than one .dist-info directory: {}", join(&dist_infos)),
            ));
            match &expected {
                Some(e) if dist_infos.contains(e.as_str()) => e.clone(),
                _ => first(),
            }
        }
    };
    if let Some(expected) = &expected {
        if !dist_info.is_empty() && !same_dist_info(&dist_info, expected) {
            findings.push(Finding::error(
                "N003",
                Some(&dist_info),
                format!(
                    "the .dist-info directory does not match the file name (expected `{expected}`)"
                ),
            ));
        }
    }
    dist_info
}

/// METADATA, checked against the file name and for its license files.
fn read_metadata(
    archive: &Archive,
    dist_info: &str,
    parsed: Option<&WheelName>,
    findings: &mut Vec<Finding>,
) -> Option<core_metadata::CoreMetadata> {
    let metadata_path = format!("{dist_info}/METADATA");
    let Some(bytes) = archive.content(&metadata_path) else {
        findings.push(Finding::error(
            "M001",
            Some(&metadata_path),
            format!("METADATA {}", archive.why_not_kept(&metadata_path)),
        ));
        return None;
    };
    let meta = core_metadata::parse(bytes, &metadata_path, findings);
    if let Some(w) = parsed {
        compare_name_version(&meta, &w.name, &w.version, &metadata_path, findings);
    }
    let dirs = license_dirs(&meta, dist_info);
    check_license_files(&meta, archive, &dirs, &metadata_path, findings);
    Some(meta)
}

/// The WHEEL file's fields, checked.
fn read_wheel_file(
    archive: &Archive,
    dist_info: &str,
    parsed: Option<&WheelName>,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, Vec<String>> {
    let wheel_path = format!("{dist_info}/WHEEL");
    let mut wheel_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    match archive.content(&wheel_path) {
        Some(bytes) => {
            let text = String::from_utf8_lossy(bytes);
            let (headers, _) = core_metadata::headers(&text, &wheel_path, findings);
            for h in headers {
                wheel_file.entry(h.name).or_default().push(h.value);
            }
            check_wheel_file(&wheel_file, parsed, &wheel_path, findings);
        }
        None => findings.push(Finding::error(
            "F001",
            Some(&wheel_path),
            "the WHEEL file is missing or unreadable",
        )),
    }
    wheel_file
}

/// Every `.data` subdirectory must be one of the install scheme's categories.
fn check_data_categories(archive: &Archive, data_dir: &str, findings: &mut Vec<Finding>) {
    let data_prefix = format!("{data_dir}/");
    for m in &archive.members {
        if let Some(rest) = m.path.strip_prefix(&data_prefix) {
            let category = rest.split('/').next().unwrap_or("");
            if !category.is_empty() && !DATA_CATEGORIES.contains(&category) {
                findings.push(Finding::error(
                    "F007",
                    Some(&m.path),
                    format!(
                        "`{category}` is not a .data category ({})",
                        DATA_CATEGORIES.join(", ")
                    ),
                ));
            }
        }
    }
}

fn join(set: &BTreeSet<&str>) -> String {
    set.iter().copied().collect::<Vec<_>>().join(", ")
}

/// `.dist-info` names compare by normalised name and equal versions.
fn same_dist_info(actual: &str, expected: &str) -> bool {
    let split = |s: &str| {
        let stem = s.strip_suffix(".dist-info")?;
        let (name, version) = stem.rsplit_once('-')?;
        Some((
            crate::names::normalize(name),
            pep440_rs::Version::from_str(version).ok()?,
        ))
    };
    matches!((split(actual), split(expected)), (Some(a), Some(b)) if a == b)
}

/// Every License-File the metadata names must be in the archive under one
/// of `dirs` (core metadata 2.4, License-File).
pub fn check_license_files(
    meta: &core_metadata::CoreMetadata,
    archive: &Archive,
    dirs: &[String],
    path: &str,
    findings: &mut Vec<Finding>,
) {
    let defined = meta.version_at_least(2, 4);
    for license in meta.all("License-File") {
        if dirs.iter().any(|d| archive.has(&format!("{d}/{license}"))) {
            continue;
        }
        let at = format!("{}/{license}", dirs[0]);
        findings.push(if defined {
            Finding::error(
                "M006",
                Some(path),
                format!("License-File `{license}` is not in the archive at {at}"),
            )
        } else {
            Finding::warning(
                "M006",
                Some(path),
                format!("License-File `{license}` is in none of the places tools used before metadata 2.4 ({})", dirs.join(", ")),
            )
        });
    }
}

/// Where a wheel's license files may be: `licenses/` (metadata 2.4); before
/// 2.4, setuptools (56 to 68) wrote them at the top of `.dist-info` and
/// later in `license_files/`, maturin in `license_files/`.
fn license_dirs(meta: &core_metadata::CoreMetadata, dist_info: &str) -> Vec<String> {
    let mut dirs = vec![format!("{dist_info}/licenses")];
    if !meta.version_at_least(2, 4) {
        dirs.push(dist_info.to_string());
        dirs.push(format!("{dist_info}/license_files"));
    }
    dirs
}

/// METADATA's Name and Version must be those of the file name.
pub fn compare_name_version(
    meta: &core_metadata::CoreMetadata,
    name: &str,
    version: &str,
    path: &str,
    findings: &mut Vec<Finding>,
) {
    if let Some(meta_name) = meta.get("Name") {
        if crate::names::normalize(meta_name) != crate::names::normalize(name) {
            findings.push(Finding::error(
                "M004",
                Some(path),
                format!("Name `{meta_name}` is not the file name's `{name}`"),
            ));
        }
    }
    if let Some(meta_version) = meta.get("Version") {
        let same = match (
            pep440_rs::Version::from_str(meta_version),
            pep440_rs::Version::from_str(version),
        ) {
            (Ok(a), Ok(b)) => a == b,
            _ => meta_version == version,
        };
        if !same {
            findings.push(Finding::error(
                "M004",
                Some(path),
                format!("Version `{meta_version}` is not the file name's `{version}`"),
            ));
        }
    }
}

/// A compressed tag set (`py2.py3-none-any`) as the tags it stands for.
fn expand_tag(tag: &str) -> Vec<String> {
    let parts: Vec<&str> = tag.splitn(3, '-').collect();
    let [python, abi, platform] = parts.as_slice() else {
        return vec![tag.to_string()];
    };
    let mut out = Vec::new();
    for p in python.split('.') {
        for a in abi.split('.') {
            for pl in platform.split('.') {
                out.push(format!("{p}-{a}-{pl}"));
            }
        }
    }
    out
}

/// The WHEEL file's fields (binary distribution format, "The .dist-info
/// directory"): its version, Root-Is-Purelib, and tags agreeing with the
/// file name.
fn check_wheel_file(
    fields: &BTreeMap<String, Vec<String>>,
    name: Option<&WheelName>,
    path: &str,
    findings: &mut Vec<Finding>,
) {
    let first = |k: &str| fields.get(k).and_then(|v| v.first()).map(String::as_str);
    match first("Wheel-Version") {
        None => findings.push(Finding::error(
            "F002",
            Some(path),
            "Wheel-Version is missing",
        )),
        Some(v) if v.split('.').next() != Some("1") => findings.push(Finding::error(
            "F002",
            Some(path),
            format!("Wheel-Version {v}: installers support major version 1 only"),
        )),
        Some(_) => {}
    }
    let purelib = match first("Root-Is-Purelib") {
        Some("true") => Some(true),
        Some("false") => Some(false),
        other => {
            findings.push(Finding::error(
                "F003",
                Some(path),
                format!(
                    "Root-Is-Purelib is {}; it must be `true` or `false`",
                    other.map_or("missing".to_string(), |v| format!("`{v}`"))
                ),
            ));
            None
        }
    };
    if let (Some(true), Some(w)) = (purelib, name) {
        if !w.is_pure() {
            findings.push(Finding::warning(
                "F003",
                Some(path),
                "Root-Is-Purelib is true but the tags are platform-specific",
            ));
        }
    }
    if let Some(w) = name {
        check_tags(fields, w, path, findings);
        if let (Some(build), Some(declared)) = (&w.build, first("Build")) {
            if build != declared {
                findings.push(Finding::error(
                    "F004",
                    Some(path),
                    format!("Build `{declared}` differs from the file name's build tag `{build}`"),
                ));
            }
        }
    }
}

/// The Tag lines must be the file name's tags.
fn check_tags(
    fields: &BTreeMap<String, Vec<String>>,
    w: &WheelName,
    path: &str,
    findings: &mut Vec<Finding>,
) {
    // maturin writes compressed tag sets (`cp311-cp311-a.b`) on one
    // Tag line; installers accept them, so they are expanded first.
    let declared: BTreeSet<String> = fields
        .get("Tag")
        .map(|v| v.iter().flat_map(|t| expand_tag(t)).collect())
        .unwrap_or_default();
    let declared: BTreeSet<&str> = declared.iter().map(String::as_str).collect();
    let from_name = w.tags();
    let from_name: BTreeSet<&str> = from_name.iter().map(String::as_str).collect();
    if declared == from_name {
        return;
    }
    let listed = |tags: Vec<&str>| {
        if tags.is_empty() {
            "none".to_string()
        } else {
            tags.join(", ")
        }
    };
    let missing = listed(from_name.difference(&declared).copied().collect());
    let extra = listed(declared.difference(&from_name).copied().collect());
    findings.push(Finding::error(
        "F004",
        Some(path),
        format!("Tag lines differ from the file name's tags (missing: {missing}; not in the name: {extra})"),
    ));
}
