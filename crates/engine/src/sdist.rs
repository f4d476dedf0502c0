//! The sdist plan: "Source distribution format"
//! (packaging.python.org/en/latest/specifications/source-distribution-format/):
//! `{name}-{version}.tar.gz` with the escaped name (PEP 625), one top-level
//! directory of the same stem holding PKG-INFO (core metadata), pyproject.toml
//! and the sources.

mod downstream;
pub mod manifest_in;

use crate::discovery::{self, FileSet, Globs, SourceFile};
use crate::metadata;
use crate::names;
use crate::plan::{Compression, Container, Entry, Excluded, Format, Plan};
use crate::project::Project;
use crate::Result;
use manifest_in::Selection;
use std::collections::BTreeMap;

/// Chosen archive paths (relative to the top directory) → reason.
type Chosen = BTreeMap<String, String>;

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

/// Files the project's own backend reads when it builds from the sdist
/// (setuptools: "Controlling files in the distribution"); MANIFEST.in is
/// then applied to the selection ([`manifest_in`]).
const BACKEND_FILES: &[&str] = &["setup.py", "setup.cfg", manifest_in::FILE];

/// Plan the sdist of `project` from its discovered `files`; every entry
/// gets `mtime` (an input: [`crate::epoch`]).
pub fn plan(project: &Project, files: &FileSet, mtime: u64) -> Result<Plan> {
    let top = stem(project);
    let selection = select(project, files)?;
    let excluded = excluded(files, &selection);
    let mut entries = vec![Entry::bytes(
        format!("{top}/PKG-INFO"),
        metadata::render(&project.metadata).into_bytes(),
        "core metadata",
    )];
    for (rel, reason) in selection.chosen {
        if let Some(f) = files.get(&rel) {
            entries.push(Entry::file(
                format!("{top}/{rel}"),
                f.abs.clone(),
                f.size,
                f.executable,
                reason,
            ));
        }
    }
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

/// Which project files the sdist holds, and why. In order: what the native
/// builder needs, the backend's files and its include settings, what
/// downstream packagers expect; then MANIFEST.in's commands and the
/// backend's exclude settings, which never drop what the native builder
/// needs (its wheel, checked against the sdist, is unchanged by them);
/// last `tool.gradient.sdist-exclude`, which may.
fn select(project: &Project, files: &FileSet) -> Result<Selection> {
    let mut needed = Chosen::new();
    own(project, files, &mut needed)?;
    let mut selection = Selection {
        chosen: needed.clone(),
        ..Selection::default()
    };
    extras(project, files, &mut selection.chosen)?;
    if let Some(f) = files.get(manifest_in::FILE) {
        let text = std::fs::read_to_string(&f.abs).map_err(|e| crate::Error::io(&f.abs, e))?;
        manifest_in::parse(&text)?
            .apply(files.files.iter().map(|f| f.rel.as_str()), &mut selection);
    }
    for g in project.settings.backend_sdist.iter().filter(|g| !g.include) {
        drop_matching(
            &mut selection,
            &Globs::new(&g.patterns, &g.field)?,
            &g.field,
        );
    }
    for (rel, reason) in needed {
        if let Some(rule) = selection.dropped.remove(&rel) {
            let kept = format!("{reason} (kept for the wheel despite {rule})");
            selection.chosen.insert(rel, kept);
        }
    }
    let field = "tool.gradient.sdist-exclude";
    let sdist_exclude = Globs::new(&project.settings.sdist_exclude, field)?;
    drop_matching(&mut selection, &sdist_exclude, field);
    // An unpacked sdist's own PKG-INFO is replaced by the one the plan writes.
    selection.chosen.remove("PKG-INFO");
    // The format requires pyproject.toml, whatever a rule says.
    if selection.dropped.remove("pyproject.toml").is_some() {
        selection
            .chosen
            .insert("pyproject.toml".into(), "pyproject.toml".into());
    }
    Ok(selection)
}

/// What the native builder itself needs: pyproject.toml, the modules, the
/// readme, license files, `data` directories and `tool.gradient.include`.
fn own(project: &Project, files: &FileSet, chosen: &mut Chosen) -> Result<()> {
    let mut add = |f: &SourceFile, reason: String| {
        chosen.entry(f.rel.clone()).or_insert(reason);
    };
    if let Some(f) = files.get("pyproject.toml") {
        add(f, "pyproject.toml".into());
    }
    for m in discovery::modules(project, files)? {
        add(&m.file, m.reason);
    }
    let meta = &project.metadata;
    if let Some(readme) = meta.readme.as_ref().and_then(|r| r.file.as_ref()) {
        if let Some(f) = files.get(readme) {
            add(f, "readme".into());
        }
    }
    for license in &meta.license_files {
        if let Some(f) = files.get(license) {
            add(f, "license-files".into());
        }
    }
    for (scheme, dir) in &project.settings.data {
        for f in files.under(&format!("{dir}/")) {
            add(f, format!("data: {scheme} ({dir}/)"));
        }
    }
    let include = Globs::new(&project.settings.include, "tool.gradient.include")?;
    for f in &files.files {
        if let Some(g) = include.matching(&f.rel) {
            add(f, format!("include: {g}"));
        }
    }
    Ok(())
}

/// What the declared backend needs to build from the sdist (its files, its
/// own include settings) and what downstream packagers expect.
fn extras(project: &Project, files: &FileSet, chosen: &mut Chosen) -> Result<()> {
    for name in BACKEND_FILES {
        if files.get(name).is_some() {
            chosen
                .entry(name.to_string())
                .or_insert_with(|| format!("backend file: {name}"));
        }
    }
    for g in project.settings.backend_sdist.iter().filter(|g| g.include) {
        let globs = Globs::new(&g.patterns, &g.field)?;
        for f in &files.files {
            if let Some(p) = globs.matching(&f.rel) {
                chosen
                    .entry(f.rel.clone())
                    .or_insert_with(|| format!("{}: {p}", g.field));
            }
        }
    }
    for f in &files.files {
        if let Some(reason) = downstream::reason(&f.rel) {
            chosen.entry(f.rel.clone()).or_insert(reason);
        }
    }
    Ok(())
}

/// Move what `globs` match from the selection to the dropped, naming `field`.
fn drop_matching(selection: &mut Selection, globs: &Globs, field: &str) {
    let gone: Vec<(String, String)> = selection
        .chosen
        .keys()
        .filter_map(|rel| Some((rel.clone(), format!("{field}: {}", globs.matching(rel)?))))
        .collect();
    for (rel, rule) in gone {
        selection.chosen.remove(&rel);
        selection.dropped.insert(rel, rule);
    }
}

/// Every project file left out, with the rule: discovery's, the rule that
/// dropped it from the selection, or none that took it.
fn excluded(files: &FileSet, selection: &Selection) -> Vec<Excluded> {
    let mut excluded = files.excluded.clone();
    for f in &files.files {
        if selection.chosen.contains_key(&f.rel) {
            continue;
        }
        let rule =
            selection.dropped.get(&f.rel).cloned().unwrap_or_else(|| {
                "not part of the sdist (add it with tool.gradient.include)".into()
            });
        excluded.push(Excluded {
            path: f.rel.clone(),
            rule,
        });
    }
    excluded.sort_by(|a, b| a.path.cmp(&b.path));
    excluded
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoch::DEFAULT_EPOCH;

    /// The sdist plan of a project holding `files` (each written with its
    /// own path as content) and this pyproject.toml: archive path → reason,
    /// and excluded path → rule.
    fn sdist_of(pyproject: &str, files: &[&str]) -> (Chosen, Chosen) {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, f).expect("write");
        }
        let manifest = files.iter().find(|f| **f == manifest_in::FILE);
        if manifest.is_some() {
            std::fs::write(dir.path().join("MANIFEST.in"), MANIFEST).expect("write");
        }
        std::fs::write(dir.path().join("pyproject.toml"), pyproject).expect("write");
        let project = Project::load(dir.path()).expect("project");
        let set = discovery::scan(&project).expect("scan");
        let plan = plan(&project, &set, DEFAULT_EPOCH).expect("plan");
        let chosen = plan
            .entries
            .iter()
            .map(|e| {
                (
                    e.path.trim_start_matches("pkg-1.0/").into(),
                    e.reason.clone(),
                )
            })
            .collect();
        let excluded = plan
            .excluded
            .into_iter()
            .map(|e| (e.path, e.rule))
            .collect();
        (chosen, excluded)
    }

    const HEAD: &str = "[project]\nname = \"pkg\"\nversion = \"1.0\"\n";
    const MANIFEST: &str =
        "include pkg/*.json\ngraft docs\nprune docs/_build\nglobal-exclude *.orig\n";

    #[test]
    fn setuptools_files_manifest_in_and_downstream_defaults() {
        let (chosen, excluded) = sdist_of(
            &format!("{HEAD}[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n"),
            &[
                "setup.py",
                "setup.cfg",
                "MANIFEST.in",
                "pkg/__init__.py",
                "pkg/data.json",
                "docs/index.rst",
                "docs/_build/index.html",
                "tests/test_pkg.py",
                "tests/test_pkg.py.orig",
                "CHANGES.rst",
                "scratch.txt",
            ],
        );
        assert_eq!(chosen["setup.py"], "backend file: setup.py");
        assert_eq!(chosen["setup.cfg"], "backend file: setup.cfg");
        assert_eq!(chosen["MANIFEST.in"], "backend file: MANIFEST.in");
        assert_eq!(chosen["tests/test_pkg.py"], "downstream: tests");
        assert_eq!(chosen["CHANGES.rst"], "downstream: changelog");
        assert_eq!(chosen["docs/index.rst"], "downstream: docs");
        assert!(chosen.contains_key("pkg/data.json"), "{chosen:?}");
        assert_eq!(
            excluded["docs/_build/index.html"],
            "MANIFEST.in line 3: prune docs/_build"
        );
        assert_eq!(
            excluded["tests/test_pkg.py.orig"],
            "MANIFEST.in line 4: global-exclude *.orig"
        );
        assert!(excluded["scratch.txt"].starts_with("not part of the sdist"));
    }

    #[test]
    fn backend_include_and_exclude_settings_name_their_field() {
        let (chosen, excluded) = sdist_of(
            &format!(
                "{HEAD}[tool.hatch.build.targets.sdist]\ninclude = [\"/scripts\", \"requirements/*\"]\n\
                 exclude = [\"tests/fixtures\", \"*.json\"]\n[tool.flit.sdist]\ninclude = [\"Makefile\"]\n"
            ),
            &[
                "pkg/__init__.py",
                "pkg/data.json",
                "requirements/lock.json",
                "scripts/gen.sh",
                "requirements/dev.txt",
                "tests/test_pkg.py",
                "tests/fixtures/big.bin",
                "Makefile",
            ],
        );
        assert_eq!(
            chosen["scripts/gen.sh"],
            "tool.hatch.build.targets.sdist.include: scripts"
        );
        assert_eq!(
            chosen["requirements/dev.txt"],
            "tool.hatch.build.targets.sdist.include: requirements/*"
        );
        assert_eq!(chosen["Makefile"], "tool.flit.sdist.include: Makefile");
        assert_eq!(chosen["pyproject.toml"], "pyproject.toml");
        // An exclusion never takes what the native wheel needs from the sdist.
        assert_eq!(
            chosen["pkg/data.json"],
            "module pkg (project root) (kept for the wheel despite \
             tool.hatch.build.targets.sdist.exclude: *.json)"
        );
        assert_eq!(
            excluded["requirements/lock.json"],
            "tool.hatch.build.targets.sdist.exclude: *.json"
        );
        assert_eq!(
            excluded["tests/fixtures/big.bin"],
            "tool.hatch.build.targets.sdist.exclude: tests/fixtures"
        );
    }

    /// A one-package project with this MANIFEST.in, loaded, and its plan.
    fn with_manifest(template: &str) -> (Project, Result<Plan>) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("pyproject.toml"), HEAD).expect("write");
        std::fs::create_dir(dir.path().join("pkg")).expect("mkdir");
        std::fs::write(dir.path().join("pkg/__init__.py"), "").expect("write");
        std::fs::write(dir.path().join("MANIFEST.in"), template).expect("write");
        let project = Project::load(dir.path()).expect("project");
        let set = discovery::scan(&project).expect("scan");
        let planned = plan(&project, &set, DEFAULT_EPOCH);
        (project, planned)
    }

    #[test]
    fn a_malformed_manifest_in_line_is_an_error_naming_it() {
        let (_, planned) = with_manifest("include *.txt\nrecursive-include pkg\n");
        let err = planned.expect_err("malformed").to_string();
        assert!(
            err.starts_with("MANIFEST.in line 2: `recursive-include` expects <dir>"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_manifest_in_command_is_a_project_warning() {
        let (project, planned) = with_manifest("include-all *\n");
        assert!(
            project
                .warnings
                .iter()
                .any(|w| w.starts_with("MANIFEST.in line 1: unknown command `include-all`")),
            "{:?}",
            project.warnings
        );
        planned.expect("the line is skipped");
    }
}
