//! Source distributions: "Source distribution format" (a `.tar.gz` named per
//! PEP 625 with one top-level `{name}-{version}` directory holding PKG-INFO
//! and pyproject.toml), plus the legacy `.zip` form.

use super::archive::Archive;
use super::finding::Finding;
use super::{core_metadata, wheel_check, Report};
use serde::Serialize;
use std::collections::BTreeSet;

/// A summary of the sdist's pyproject.toml.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Pyproject {
    pub build_backend: Option<String>,
    pub build_requires: Vec<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    pub dynamic: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SdistFacts {
    /// The top-level directory.
    pub top: String,
    pub legacy_zip: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pyproject: Option<Pyproject>,
}

pub fn check(file_name: &str, archive: &Archive, is_zip: bool, report: &mut Report) {
    let findings = &mut report.findings;
    let stem = file_name
        .strip_suffix(".tar.gz")
        .or_else(|| file_name.strip_suffix(".zip"));
    let top = top_directory(archive, findings);
    if is_zip {
        findings.push(Finding::warning(
            "S005",
            None,
            "a legacy .zip sdist: current tools and PyPI expect .tar.gz (PEP 625)",
        ));
    } else if let Err(e) = crate::tags::check_sdist_name(file_name) {
        findings.push(Finding::warning("N002", None, e));
    }
    if let Some(stem) = stem {
        if !top.is_empty() && stem != top {
            findings.push(Finding::error(
                "S002",
                Some(&top),
                format!("the top-level directory should be `{stem}`, as the file name"),
            ));
        }
    }
    report.metadata = read_pkg_info(archive, &top, stem, findings);
    let pyproject_path = format!("{top}/pyproject.toml");
    let pyproject = match archive.content(&pyproject_path) {
        Some(bytes) => summarize(bytes, &pyproject_path, findings),
        None => {
            findings.push(Finding::warning(
                "S004",
                Some(&pyproject_path),
                "no pyproject.toml: installers fall back to setup.py",
            ));
            None
        }
    };
    report.sdist = Some(SdistFacts {
        top,
        legacy_zip: is_zip,
        pyproject,
    });
}

/// The one top-level directory (the first, with an S002 error, when there
/// are several or none).
fn top_directory(archive: &Archive, findings: &mut Vec<Finding>) -> String {
    let tops: BTreeSet<&str> = archive
        .members
        .iter()
        .map(|m| m.path.split('/').next().unwrap_or(""))
        .filter(|t| !t.is_empty() && *t != ".")
        .collect();
    if tops.len() != 1 {
        findings.push(Finding::error(
            "S002",
            None,
            format!(
                "an sdist has one top-level directory; this one has {}",
                tops.len()
            ),
        ));
    }
    tops.iter()
        .next()
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// PKG-INFO, checked against the file name's `{name}-{version}` stem and
/// for its license files.
fn read_pkg_info(
    archive: &Archive,
    top: &str,
    stem: Option<&str>,
    findings: &mut Vec<Finding>,
) -> Option<core_metadata::CoreMetadata> {
    let pkg_info = format!("{top}/PKG-INFO");
    let Some(bytes) = archive.content(&pkg_info) else {
        findings.push(Finding::error(
            "S001",
            Some(&pkg_info),
            "PKG-INFO is missing: the sdist carries no metadata",
        ));
        return None;
    };
    let meta = core_metadata::parse(bytes, &pkg_info, findings);
    if let Some((name, version)) = stem.and_then(|s| s.rsplit_once('-')) {
        wheel_check::compare_name_version(&meta, name, version, &pkg_info, findings);
    }
    let top = top.to_string();
    wheel_check::check_license_files(
        &meta,
        archive,
        std::slice::from_ref(&top),
        &pkg_info,
        findings,
    );
    Some(meta)
}

fn summarize(bytes: &[u8], path: &str, findings: &mut Vec<Finding>) -> Option<Pyproject> {
    let text = String::from_utf8_lossy(bytes);
    let doc: toml::Table = match toml::from_str(&text) {
        Ok(doc) => doc,
        Err(e) => {
            findings.push(Finding::error(
                "S004",
                Some(path),
                format!("pyproject.toml is not valid TOML: {}", e.message()),
            ));
            return None;
        }
    };
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let build = doc.get("build-system").and_then(toml::Value::as_table);
    let project = doc.get("project").and_then(toml::Value::as_table);
    let text_of = |t: Option<&toml::Table>, k: &str| {
        t.and_then(|t| t.get(k))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    Some(Pyproject {
        build_backend: text_of(build, "build-backend"),
        build_requires: strings(build.and_then(|b| b.get("requires"))),
        name: text_of(project, "name"),
        version: text_of(project, "version"),
        dynamic: strings(project.and_then(|p| p.get("dynamic"))),
    })
}
