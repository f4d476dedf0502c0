//! Differences between two inspected artifacts of any kinds: metadata
//! fields, dependencies with their markers, tags, entry points, files (by
//! size and sha256), bytecode versions, and native code needs.
//!
//! Paths under the versioned `.dist-info` / `.data` directory of a wheel and
//! the top directory of an sdist are compared without the version, so two
//! releases line up file by file.

use super::{Kind, Report};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A value before and after; `None` when absent on that side.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change<T> {
    pub key: String,
    pub before: Option<T>,
    pub after: Option<T>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub before: Option<FileState>,
    pub after: Option<FileState>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileState {
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Diff {
    pub before: String,
    pub after: String,
    pub kinds: [Kind; 2],
    /// Single fields as before and after; repeatable fields (classifiers,
    /// URLs, extras) item by item, each added or removed.
    pub metadata: Vec<Change<String>>,
    pub dependencies: Vec<Change<String>>,
    pub tags: Vec<Change<String>>,
    pub entry_points: Vec<Change<String>>,
    pub files: Vec<FileChange>,
    pub unchanged_files: usize,
    pub bytecode: Vec<Change<String>>,
    /// One line per ELF file (machine, libraries, the newest version needed
    /// from each versioned library), and the platform verdict.
    pub native: Vec<Change<String>>,
}

/// The key of the platform verdict among the native changes.
pub const PLATFORM: &str = "platform verdict";

impl Diff {
    pub fn identical(&self) -> bool {
        self.kinds[0] == self.kinds[1]
            && self.metadata.is_empty()
            && self.dependencies.is_empty()
            && self.tags.is_empty()
            && self.entry_points.is_empty()
            && self.files.is_empty()
            && self.bytecode.is_empty()
            && self.native.is_empty()
    }
}

/// Whether a report can be compared at all: an artifact that is not
/// recognised, or whose archive structure could not be read (no end record,
/// a truncated or corrupt stream), has nothing trustworthy to compare, so
/// two of them must not come out "identical". `Err` names the reason.
pub fn comparable(report: &Report) -> Result<(), String> {
    let fatal = report.findings.iter().find(|f| {
        f.severity == super::Severity::Error
            && (f.code == "A015" || (f.code == "A007" && f.path.is_none()))
    });
    match (report.kind, fatal) {
        (_, Some(f)) => Err(format!("{}: {}", report.path, f.message)),
        (Kind::Unknown, None) => Err(format!("{}: not a recognised artifact", report.path)),
        _ => Ok(()),
    }
}

/// Compare two keyed maps, keeping only keys whose values differ.
fn changes<T: Clone + PartialEq>(
    a: &BTreeMap<String, T>,
    b: &BTreeMap<String, T>,
) -> Vec<Change<T>> {
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| Change {
            key: k.clone(),
            before: a.get(k).cloned(),
            after: b.get(k).cloned(),
        })
        .collect()
}

/// A member path with the release-specific directory replaced.
fn stable_path(report: &Report, path: &str) -> String {
    if let Some(w) = &report.wheel {
        let data = w
            .dist_info
            .strip_suffix(".dist-info")
            .map(|s| format!("{s}.data"));
        if let Some(rest) = path.strip_prefix(&format!("{}/", w.dist_info)) {
            return format!("{{dist-info}}/{rest}");
        }
        if let Some(rest) =
            data.and_then(|d| path.strip_prefix(&format!("{d}/")).map(str::to_string))
        {
            return format!("{{data}}/{rest}");
        }
    }
    if let Some(s) = &report.sdist {
        if let Some(rest) = path.strip_prefix(&format!("{}/", s.top)) {
            return format!("{{top}}/{rest}");
        }
    }
    path.to_string()
}

/// Metadata fields keyed for comparison: a field that may appear once by
/// its name, each value of a repeatable field by name and value (so a new
/// classifier is one addition, not a changed list).
fn metadata(report: &Report) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(meta) = &report.metadata else {
        return out;
    };
    for (field, values) in meta.fields.iter().filter(|(k, _)| *k != "Requires-Dist") {
        if values.len() == 1 && !super::core_metadata::repeatable(field) {
            out.insert(field.clone(), values[0].clone());
        } else {
            for v in values {
                out.insert(format!("{field}: {v}"), v.clone());
            }
        }
    }
    out
}

/// Requirements keyed by normalised name and marker, so a changed version
/// bound shows as a change and a new marker as an addition; compared as
/// parsed (extras and specifiers in order, spacing gone), so a requirement
/// written differently but meaning the same is no change.
fn dependencies(report: &Report) -> BTreeMap<String, (String, String)> {
    let Some(meta) = &report.metadata else {
        return BTreeMap::new();
    };
    meta.all("Requires-Dist")
        .iter()
        .map(|req| match crate::names::parse_requirement(req) {
            Ok(r) => {
                let name = crate::names::normalize(r.name.as_ref());
                let marker = r.marker.contents().map(|m| m.to_string());
                let key = match &marker {
                    Some(marker) => format!("{name} ; {marker}"),
                    None => name.clone(),
                };
                let mut extras: Vec<String> = r.extras.iter().map(|e| e.to_string()).collect();
                extras.sort();
                let what = match &r.version_or_url {
                    Some(pep508_rs::VersionOrUrl::VersionSpecifier(specs)) => {
                        let mut specs: Vec<String> = specs.iter().map(|s| s.to_string()).collect();
                        specs.sort();
                        specs.join(",")
                    }
                    Some(pep508_rs::VersionOrUrl::Url(url)) => format!("@ {url}"),
                    None => String::new(),
                };
                let extras = if extras.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", extras.join(","))
                };
                let marker = marker.map(|m| format!("; {m}")).unwrap_or_default();
                (key, (format!("{name}{extras}{what}{marker}"), req.clone()))
            }
            Err(_) => (req.clone(), (req.clone(), req.clone())),
        })
        .collect()
}

/// Requirement changes judged on the parsed form, shown as written.
fn dependency_changes(a: &Report, b: &Report) -> Vec<Change<String>> {
    let (a, b) = (dependencies(a), dependencies(b));
    let canonical = |m: &BTreeMap<String, (String, String)>| -> BTreeMap<String, String> {
        m.iter().map(|(k, (c, _))| (k.clone(), c.clone())).collect()
    };
    let text = |m: &BTreeMap<String, (String, String)>, k: &str| m.get(k).map(|(_, t)| t.clone());
    changes(&canonical(&a), &canonical(&b))
        .into_iter()
        .map(|c| Change {
            before: text(&a, &c.key),
            after: text(&b, &c.key),
            key: c.key,
        })
        .collect()
}

fn files(report: &Report) -> BTreeMap<String, FileState> {
    report
        .entries
        .iter()
        .filter(|m| m.is_file())
        .filter(|m| !m.path.ends_with("/RECORD") || report.wheel.is_none())
        .map(|m| {
            (
                stable_path(report, &m.path),
                FileState {
                    size: m.size,
                    sha256: m.sha256.clone(),
                },
            )
        })
        .collect()
}

/// One summary line per ELF file, so a rebuild that renames symbols shows
/// as nothing and a new library or a newer glibc as one changed line.
fn native(report: &Report) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in &report.native {
        let mut newest: BTreeMap<&str, &str> = BTreeMap::new();
        for version in e.version_needs.values().flat_map(|v| v.keys()) {
            let (prefix, number) = version.split_once('_').unwrap_or((version, ""));
            let slot = newest.entry(prefix).or_insert(number);
            if version_key(number) > version_key(slot) {
                *slot = number;
            }
        }
        let versions: Vec<String> = newest
            .iter()
            .map(|(prefix, number)| format!("{prefix} {number}"))
            .collect();
        let mut line = format!("{}; needs {}", e.machine, e.needed.join(", "));
        if !versions.is_empty() {
            line.push_str(&format!("; newest versions {}", versions.join(", ")));
        }
        out.insert(stable_path(report, &e.path), line);
    }
    if let Some(v) = &report.verdict {
        out.insert(PLATFORM.into(), v.tag.clone());
    }
    out
}

/// `2.17` as numbers, so 2.9 sorts before 2.17.
fn version_key(v: &str) -> Vec<u64> {
    v.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

pub fn diff(a: &Report, b: &Report) -> Diff {
    let set = |r: &Report| -> BTreeMap<String, String> {
        r.wheel
            .as_ref()
            .map(|w| {
                w.tags
                    .iter()
                    .map(|t| (t.clone(), "tag".to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let entry_points = |r: &Report| -> BTreeMap<String, String> {
        r.entry_points
            .iter()
            .flat_map(|(g, names)| {
                names
                    .iter()
                    .map(move |(n, v)| (format!("{g}:{n}"), v.clone()))
            })
            .collect()
    };
    let bytecode = |r: &Report| -> BTreeMap<String, String> {
        r.bytecode
            .iter()
            .map(|p| {
                (
                    stable_path(r, &p.path),
                    format!(
                        "{} (Python {})",
                        p.magic,
                        p.python.as_deref().unwrap_or("?")
                    ),
                )
            })
            .collect()
    };
    let (fa, fb) = (files(a), files(b));
    let file_changes = changes(&fa, &fb);
    let unchanged = fa.iter().filter(|(k, v)| fb.get(*k) == Some(v)).count();
    Diff {
        before: a.path.clone(),
        after: b.path.clone(),
        kinds: [a.kind, b.kind],
        metadata: changes(&metadata(a), &metadata(b)),
        dependencies: dependency_changes(a, b),
        tags: changes(&set(a), &set(b)),
        entry_points: changes(&entry_points(a), &entry_points(b)),
        files: file_changes
            .into_iter()
            .map(|c| FileChange {
                path: c.key,
                before: c.before,
                after: c.after,
            })
            .collect(),
        unchanged_files: unchanged,
        bytecode: changes(&bytecode(a), &bytecode(b)),
        native: changes(&native(a), &native(b)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::{archive::Limits, blob::Bytes, core_metadata::CoreMetadata, inspect_blob};

    fn report(fields: &[(&str, &str)]) -> Report {
        let mut r = inspect_blob("x", &Bytes(b""), &Limits::default());
        let mut meta = CoreMetadata::default();
        for (k, v) in fields {
            meta.fields
                .entry(k.to_string())
                .or_default()
                .push(v.to_string());
        }
        r.metadata = Some(meta);
        r
    }

    #[test]
    fn requirements_compare_parsed_and_lists_item_by_item() {
        let a = report(&[
            ("Version", "1"),
            ("Requires-Dist", "requests>=2,<3"),
            ("Requires-Dist", "click[a,b]>=8; python_version >= '3.9'"),
            ("Classifier", "A"),
            ("Classifier", "B"),
        ]);
        let b = report(&[
            ("Version", "2"),
            ("Requires-Dist", "requests <3 , >=2"),
            (
                "Requires-Dist",
                "Click[b,a] >= 8 ; python_version >= \"3.9\"",
            ),
            ("Classifier", "B"),
            ("Classifier", "C"),
        ]);
        let d = diff(&a, &b);
        assert!(d.dependencies.is_empty(), "{:#?}", d.dependencies);
        let keys: Vec<(&str, bool, bool)> = d
            .metadata
            .iter()
            .map(|c| (c.key.as_str(), c.before.is_some(), c.after.is_some()))
            .collect();
        assert_eq!(
            keys,
            [
                ("Classifier: A", true, false),
                ("Classifier: C", false, true),
                ("Version", true, true)
            ]
        );
    }

    #[test]
    fn unrecognised_inputs_cannot_be_compared() {
        let empty = inspect_blob("x", &Bytes(b""), &Limits::default());
        assert!(comparable(&empty).is_err());
        let noise = inspect_blob("x", &Bytes(&[7u8; 4096]), &Limits::default());
        assert!(comparable(&noise).is_err());
        let truncated = inspect_blob("x.whl", &Bytes(b"PK\x03\x04rest"), &Limits::default());
        assert!(comparable(&truncated).is_err());
    }
}
