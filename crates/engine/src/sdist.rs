//! The sdist plan: "Source distribution format"
//! (packaging.python.org/en/latest/specifications/source-distribution-format/):
//! `{name}-{version}.tar.gz` with the escaped name (PEP 625), one top-level
//! directory of the same stem holding PKG-INFO (core metadata), pyproject.toml
//! and the sources.

use crate::discovery::{self, FileSet, Globs, SourceFile};
use crate::metadata;
use crate::names;
use crate::plan::{Compression, Container, Entry, Excluded, Format, Plan};
use crate::project::Project;
use crate::Result;
use std::collections::BTreeMap;

/// `{escaped name}-{version}`: the file stem and the top directory.
pub fn stem(project: &Project) -> String {
    format!(
        "{}-{}",
        names::wheel_escape(&project.metadata.name),
        project.metadata.version
    )
}

/// An sdist is a gzip-compressed tar.
const CONTAINER: Container = Container::Tar {
    compression: Compression::Gzip,
};

/// Plan the sdist of `project` from its discovered `files`; every entry
/// gets `mtime` (an input: [`crate::epoch`]).
pub fn plan(project: &Project, files: &FileSet, mtime: u64) -> Result<Plan> {
    let top = stem(project);
    let settings = &project.settings;
    // archive path (relative to the top directory) → (file, reason)
    let mut chosen: BTreeMap<String, (SourceFile, String)> = BTreeMap::new();
    let mut add = |f: &SourceFile, reason: String| {
        chosen
            .entry(f.rel.clone())
            .or_insert_with(|| (f.clone(), reason));
    };
    if let Some(f) = files.get("pyproject.toml") {
        add(f, "pyproject.toml".into());
    }
    for m in discovery::modules(project, files)? {
        add(&m.file, m.reason);
    }
    if let Some(readme) = project
        .metadata
        .readme
        .as_ref()
        .and_then(|r| r.file.as_ref())
    {
        if let Some(f) = files.get(readme) {
            add(f, "readme".into());
        }
    }
    for license in &project.metadata.license_files {
        if let Some(f) = files.get(license) {
            add(f, "license-files".into());
        }
    }
    for (scheme, dir) in &settings.data {
        for f in files.under(&format!("{dir}/")) {
            add(f, format!("data: {scheme} ({dir}/)"));
        }
    }
    let include = Globs::new(&settings.include, "tool.gradient.include")?;
    for f in &files.files {
        if let Some(g) = include.matching(&f.rel) {
            add(f, format!("include: {g}"));
        }
    }
    // An unpacked sdist's own PKG-INFO is replaced by the one written below.
    chosen.remove("PKG-INFO");
    let sdist_exclude = Globs::new(&settings.sdist_exclude, "tool.gradient.sdist-exclude")?;
    let mut excluded = files.excluded.clone();
    chosen.retain(|rel, _| match sdist_exclude.matching(rel) {
        Some(g) if rel != "pyproject.toml" => {
            excluded.push(Excluded {
                path: rel.clone(),
                rule: format!("tool.gradient.sdist-exclude: {g}"),
            });
            false
        }
        _ => true,
    });
    for f in &files.files {
        if !chosen.contains_key(&f.rel) && !excluded.iter().any(|e| e.path == f.rel) {
            excluded.push(Excluded {
                path: f.rel.clone(),
                rule: "not part of the sdist (add it with tool.gradient.include)".into(),
            });
        }
    }
    excluded.sort_by(|a, b| a.path.cmp(&b.path));

    let mut entries = vec![Entry::bytes(
        format!("{top}/PKG-INFO"),
        metadata::render(&project.metadata).into_bytes(),
        "core metadata",
    )];
    entries.extend(chosen.into_iter().map(|(rel, (f, reason))| {
        Entry::file(format!("{top}/{rel}"), f.abs, f.size, f.executable, reason)
    }));
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan {
        format: Format::Sdist,
        file_name: format!("{top}.tar.gz"),
        entries,
        excluded,
        mtime,
        container: CONTAINER,
    })
}

/// The project files an sdist plan contains, as a file set: what a build
/// from the unpacked sdist would see.
pub fn contents(plan: &Plan, files: &FileSet) -> FileSet {
    let top = plan.file_name.trim_end_matches(".tar.gz");
    let mut out = FileSet::default();
    for entry in &plan.entries {
        let rel = entry
            .path
            .strip_prefix(top)
            .and_then(|p| p.strip_prefix('/'))
            .unwrap_or(&entry.path);
        if let Some(f) = files.get(rel) {
            out.files.push(f.clone());
        }
    }
    out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}
