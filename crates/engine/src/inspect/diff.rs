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
    pub metadata: Vec<Change<Vec<String>>>,
    pub dependencies: Vec<Change<String>>,
    pub tags: Vec<Change<String>>,
    pub entry_points: Vec<Change<String>>,
    pub files: Vec<FileChange>,
    pub unchanged_files: usize,
    pub bytecode: Vec<Change<String>>,
    pub native: Vec<Change<String>>,
}

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

fn metadata(report: &Report) -> BTreeMap<String, Vec<String>> {
    report
        .metadata
        .as_ref()
        .map(|m| {
            m.fields
                .iter()
                .filter(|(k, _)| *k != "Requires-Dist")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Requirements keyed by normalised name and marker, so a changed version
/// bound shows as a change and a new marker as an addition.
fn dependencies(report: &Report) -> BTreeMap<String, String> {
    let Some(meta) = &report.metadata else {
        return BTreeMap::new();
    };
    meta.all("Requires-Dist")
        .iter()
        .map(|req| {
            let key = match crate::names::parse_requirement(req) {
                Ok(r) => match r.marker.contents() {
                    Some(marker) => {
                        format!("{} ; {marker}", crate::names::normalize(r.name.as_ref()))
                    }
                    None => crate::names::normalize(r.name.as_ref()),
                },
                Err(_) => req.clone(),
            };
            (key, req.clone())
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

fn native(report: &Report) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for e in &report.native {
        let path = stable_path(report, &e.path);
        out.insert(format!("{path} machine"), e.machine.clone());
        for lib in &e.needed {
            out.insert(format!("{path} needs {lib}"), "needed".into());
        }
        for (lib, versions) in &e.version_needs {
            for version in versions.keys() {
                out.insert(
                    format!("{path} needs {version} from {lib}"),
                    "needed".into(),
                );
            }
        }
    }
    if let Some(v) = &report.verdict {
        out.insert("platform verdict".into(), v.tag.clone());
    }
    out
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
        dependencies: changes(&dependencies(a), &dependencies(b)),
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
