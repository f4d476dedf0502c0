//! The wheel plan: "Binary distribution format"
//! (packaging.python.org/en/latest/specifications/binary-distribution-format/)
//! for pure `py3-none-any` wheels: the modules at the root, `.data/` for the
//! configured data directories, and `.dist-info/` (METADATA, WHEEL,
//! entry_points.txt, licenses/ per PEP 639, RECORD last) at the end.

pub mod read;

use crate::discovery::{self, FileSet, Globs};
use crate::metadata;
use crate::names;
use crate::plan::{Container, Entry, Format, Plan, Source};
use crate::project::Project;
use crate::record;
use crate::{Error, Result};
use std::collections::BTreeMap;

pub const TAG: &str = "py3-none-any";

/// `{escaped name}-{version}`: the stem of the file, `.dist-info` and `.data`.
fn stem(project: &Project) -> String {
    format!(
        "{}-{}",
        names::wheel_escape(&project.metadata.name),
        project.metadata.version
    )
}

/// The WHEEL file (binary distribution format § "The .dist-info directory").
fn wheel_file() -> String {
    format!(
        "Wheel-Version: 1.0\nGenerator: gradient {}\nRoot-Is-Purelib: true\nTag: {TAG}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Plan the wheel of `project` from its discovered `files`; every entry
/// gets `mtime` (an input: [`crate::epoch`]).
pub fn plan(project: &Project, files: &FileSet, mtime: u64) -> Result<Plan> {
    let stem = stem(project);
    let (root, mut excluded) = payload(project, files, &stem)?;
    let dist_info = format!("{stem}.dist-info");
    let mut entries: Vec<Entry> = root.into_values().collect();
    entries.extend(dist_info_entries(project, files, &dist_info)?);
    let record_path = format!("{dist_info}/RECORD");
    let size = record::record_size(&entries, &record_path);
    entries.push(Entry::derived(
        record_path,
        Source::Record,
        size,
        "RECORD (hashes taken while writing)",
    ));
    excluded.extend(files.excluded.iter().cloned());
    excluded.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan {
        format: Format::Wheel,
        file_name: format!("{stem}-{TAG}.whl"),
        entries,
        excluded,
        mtime,
        container: Container::zip(),
    })
}

/// The modules (less `wheel-exclude`) and the `.data/` directories, by
/// archive path; and what was excluded.
fn payload(
    project: &Project,
    files: &FileSet,
    stem: &str,
) -> Result<(BTreeMap<String, Entry>, Vec<crate::plan::Excluded>)> {
    let wheel_exclude = Globs::new(
        &project.settings.wheel_exclude,
        "tool.gradient.wheel-exclude",
    )?;
    let mut excluded = Vec::new();
    let mut root: BTreeMap<String, Entry> = BTreeMap::new();
    let put = |map: &mut BTreeMap<String, Entry>, entry: Entry| -> Result<()> {
        if let Some(previous) = map.get(&entry.path) {
            return Err(Error::project(
                &project.pyproject_path,
                None,
                format!(
                    "two files would be `{}` in the wheel ({} and {})",
                    entry.path,
                    describe(previous),
                    describe(&entry)
                ),
            ));
        }
        map.insert(entry.path.clone(), entry);
        Ok(())
    };
    for m in discovery::modules(project, files)? {
        if let Some(g) = wheel_exclude
            .matching(&m.archive_path)
            .or_else(|| wheel_exclude.matching(&m.file.rel))
        {
            excluded.push(crate::plan::Excluded {
                path: m.file.rel,
                rule: format!("tool.gradient.wheel-exclude: {g}"),
            });
            continue;
        }
        let entry = Entry::file(
            m.archive_path,
            m.file.abs,
            m.file.size,
            m.file.executable,
            m.reason,
        );
        put(&mut root, entry)?;
    }
    for (scheme, dir) in &project.settings.data {
        for f in files.under(&format!("{dir}/")) {
            let inner = &f.rel[dir.len() + 1..];
            let executable = f.executable || scheme == "scripts";
            let entry = Entry::file(
                format!("{stem}.data/{scheme}/{inner}"),
                f.abs.clone(),
                f.size,
                executable,
                format!("data: {scheme} ({dir}/)"),
            );
            put(&mut root, entry)?;
        }
    }
    Ok((root, excluded))
}

/// METADATA, WHEEL, entry_points.txt and licenses/, sorted (RECORD is
/// added last by [`plan`]).
fn dist_info_entries(project: &Project, files: &FileSet, dist_info: &str) -> Result<Vec<Entry>> {
    let mut info = vec![
        Entry::bytes(
            format!("{dist_info}/METADATA"),
            metadata::render(&project.metadata).into_bytes(),
            "core metadata",
        ),
        Entry::bytes(
            format!("{dist_info}/WHEEL"),
            wheel_file().into_bytes(),
            "wheel metadata",
        ),
    ];
    if let Some(text) = metadata::entry_points_txt(&project.metadata) {
        info.push(Entry::bytes(
            format!("{dist_info}/entry_points.txt"),
            text.into_bytes(),
            "entry points",
        ));
    }
    for license in &project.metadata.license_files {
        let f = files.get(license).ok_or_else(|| {
            Error::project(
                &project.pyproject_path,
                None,
                format!("license file `{license}` is not among the files to package"),
            )
        })?;
        info.push(Entry::file(
            format!("{dist_info}/licenses/{license}"),
            f.abs.clone(),
            f.size,
            false,
            "license-files",
        ));
    }
    info.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(info)
}

fn describe(entry: &Entry) -> String {
    match &entry.source {
        Source::File { path } => path.display().to_string(),
        _ => entry.reason.clone(),
    }
}

/// Differences between the wheel built from the tree and the wheel built from
/// the sdist, one readable line each; empty when they agree.
pub fn compare(from_tree: &Plan, from_sdist: &Plan) -> Vec<String> {
    let index = |p: &Plan| -> BTreeMap<String, u64> {
        p.entries
            .iter()
            .filter(|e| !matches!(e.source, Source::Record))
            .map(|e| (e.path.clone(), e.size))
            .collect()
    };
    let (tree, sdist) = (index(from_tree), index(from_sdist));
    let mut out = Vec::new();
    for (path, size) in &tree {
        match sdist.get(path) {
            None => out.push(format!("`{path}` is in the wheel built from the project but not in the one built from the sdist: the sdist lacks its source (see tool.gradient.include / sdist-exclude)")),
            Some(s) if s != size => out.push(format!("`{path}` differs: {size} bytes from the project, {s} from the sdist")),
            Some(_) => {}
        }
    }
    for path in sdist.keys().filter(|p| !tree.contains_key(*p)) {
        out.push(format!(
            "`{path}` is only in the wheel built from the sdist"
        ));
    }
    out
}

/// PEP 794 against what the wheel ships, for a project that lists import
/// names: a listed name with no module or package in the wheel ("MUST be
/// importable"), and a top-level module the lists leave out ("SHOULD list
/// all import names"). Warnings, not errors: an import hook can provide a
/// name no file shows.
pub fn import_name_warnings(project: &Project, plan: &Plan) -> Vec<String> {
    let meta = &project.metadata;
    if meta.import_names.is_none() && meta.import_namespaces.is_none() {
        return Vec::new();
    }
    let listed: Vec<&str> = meta
        .import_names
        .iter()
        .chain(&meta.import_namespaces)
        .flatten()
        .map(|n| n.split(';').next().unwrap_or(n).trim())
        .collect();
    let at = project.pyproject_path.display();
    let ships = |path: &str| {
        plan.entries
            .iter()
            .any(|e| e.path == format!("{path}.py") || e.path.starts_with(&format!("{path}/")))
    };
    let mut out: Vec<String> = listed
        .iter()
        .filter(|name| !ships(&name.replace('.', "/")))
        .map(|name| format!("{at}: project.import-names: `{name}` is listed but the wheel has no such module or package (PEP 794: every name listed must be importable)"))
        .collect();
    let top: std::collections::BTreeSet<&str> = plan
        .entries
        .iter()
        .filter_map(|e| match e.path.split_once('/') {
            Some((dir, _)) if !dir.ends_with(".dist-info") && !dir.ends_with(".data") => Some(dir),
            None => e.path.strip_suffix(".py"),
            _ => None,
        })
        .collect();
    out.extend(top.into_iter().filter(|t| !listed.contains(t)).map(|t| {
        format!("{at}: project.import-names: the wheel ships `{t}`, which neither import-names nor import-namespaces lists (PEP 794: list every import name, private ones with `; private`)")
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::epoch::DEFAULT_EPOCH;
    use crate::project::{License, Metadata, Settings};

    fn project(dir: &std::path::Path, settings: Settings) -> Project {
        Project {
            root: dir.to_path_buf(),
            pyproject_path: dir.join("pyproject.toml"),
            metadata: Metadata {
                name: "Foo.Bar-baz".into(),
                normalized_name: "foo-bar-baz".into(),
                version: "1.0.0rc1".into(),
                license: Some(License::Spdx("MIT".into())),
                license_files: vec!["LICENSE".into()],
                scripts: BTreeMap::from([("foo".to_string(), "foo_bar_baz:main".to_string())]),
                ..Metadata::default()
            },
            settings,
            build_system: Default::default(),
            warnings: Vec::new(),
        }
    }

    fn files(dir: &std::path::Path, list: &[&str]) {
        for f in list {
            let p = dir.join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, f).expect("write");
        }
    }

    /// Listed import names are checked against the modules the wheel ships.
    #[test]
    fn import_names_are_checked_against_the_wheel() {
        let dir = tempfile::tempdir().expect("tempdir");
        files(
            dir.path(),
            &[
                "pyproject.toml",
                "LICENSE",
                "foo_bar_baz/__init__.py",
                "_speed.py",
            ],
        );
        let settings = Settings {
            module_names: vec!["foo_bar_baz".into(), "_speed".into()],
            ..Settings::default()
        };
        let mut p = project(dir.path(), settings);
        let w = plan(&p, &discovery::scan(&p).expect("scan"), DEFAULT_EPOCH).expect("wheel");
        assert!(import_name_warnings(&p, &w).is_empty(), "nothing listed");
        p.metadata.import_names = Some(vec!["foo_bar_baz".into(), "_speed; private".into()]);
        assert!(import_name_warnings(&p, &w).is_empty());
        p.metadata.import_names = Some(vec!["foo_bar_baz.gone".into()]);
        p.metadata.import_namespaces = Some(vec!["foo_bar_baz".into()]);
        let warnings = import_name_warnings(&p, &w);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("`foo_bar_baz.gone` is listed but the wheel has no such"));
        assert!(warnings[1].contains("ships `_speed`"), "{warnings:?}");
    }

    #[test]
    fn wheel_and_sdist_layouts() {
        let dir = tempfile::tempdir().expect("tempdir");
        files(
            dir.path(),
            &[
                "pyproject.toml",
                "LICENSE",
                "src/foo_bar_baz/__init__.py",
                "src/foo_bar_baz/x.json",
                "bin/tool",
                "tests/t.py",
                "notes/todo.txt",
            ],
        );
        let settings = Settings {
            module_names: vec!["foo_bar_baz".into()],
            data: BTreeMap::from([("scripts".to_string(), "bin".to_string())]),
            ..Settings::default()
        };
        let p = project(dir.path(), settings);
        let set = discovery::scan(&p).expect("scan");
        let w = plan(&p, &set, DEFAULT_EPOCH).expect("wheel");
        assert_eq!(w.file_name, "foo_bar_baz-1.0.0rc1-py3-none-any.whl");
        let paths: Vec<&str> = w.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "foo_bar_baz-1.0.0rc1.data/scripts/tool",
                "foo_bar_baz/__init__.py",
                "foo_bar_baz/x.json",
                "foo_bar_baz-1.0.0rc1.dist-info/METADATA",
                "foo_bar_baz-1.0.0rc1.dist-info/WHEEL",
                "foo_bar_baz-1.0.0rc1.dist-info/entry_points.txt",
                "foo_bar_baz-1.0.0rc1.dist-info/licenses/LICENSE",
                "foo_bar_baz-1.0.0rc1.dist-info/RECORD",
            ]
        );
        assert_eq!(w.entries[0].mode, 0o755, "scripts are executable");

        let s = crate::sdist::plan(&p, &set, DEFAULT_EPOCH).expect("sdist");
        assert_eq!(s.file_name, "foo_bar_baz-1.0.0rc1.tar.gz");
        let paths: Vec<&str> = s.entries.iter().map(|e| e.path.as_str()).collect();
        assert!(paths.contains(&"foo_bar_baz-1.0.0rc1/PKG-INFO"));
        assert!(paths.contains(&"foo_bar_baz-1.0.0rc1/bin/tool"));
        let tests = s.entries.iter().find(|e| e.path.ends_with("/tests/t.py"));
        assert_eq!(
            tests.map(|e| e.reason.as_str()),
            Some("downstream: tests"),
            "tests are in the sdist by default"
        );
        assert!(s
            .excluded
            .iter()
            .any(|e| e.path == "notes/todo.txt" && e.rule.contains("tool.gradient.include")));

        let from_sdist =
            plan(&p, &crate::sdist::contents(&s, &set), DEFAULT_EPOCH).expect("wheel from sdist");
        assert!(compare(&w, &from_sdist).is_empty());
    }

    #[test]
    fn sdist_exclude_that_loses_wheel_files_is_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        files(
            dir.path(),
            &[
                "pyproject.toml",
                "LICENSE",
                "foo_bar_baz/__init__.py",
                "foo_bar_baz/big/data.bin",
            ],
        );
        let settings = Settings {
            module_names: vec!["foo_bar_baz".into()],
            sdist_exclude: vec!["foo_bar_baz/big/**".into()],
            ..Settings::default()
        };
        let p = project(dir.path(), settings);
        let set = discovery::scan(&p).expect("scan");
        let s = crate::sdist::plan(&p, &set, DEFAULT_EPOCH).expect("sdist");
        let diff = compare(
            &plan(&p, &set, DEFAULT_EPOCH).expect("wheel"),
            &plan(&p, &crate::sdist::contents(&s, &set), DEFAULT_EPOCH).expect("from sdist"),
        );
        assert_eq!(diff.len(), 1, "{diff:?}");
        assert!(diff[0].contains("foo_bar_baz/big/data.bin"));
    }

    #[test]
    fn duplicate_archive_paths_are_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        files(
            dir.path(),
            &[
                "LICENSE",
                "foo_bar_baz/__init__.py",
                "lib/foo_bar_baz/__init__.py",
            ],
        );
        let settings = Settings {
            module_names: vec!["foo_bar_baz".into()],
            data: BTreeMap::from([("purelib".to_string(), "lib".to_string())]),
            ..Settings::default()
        };
        let p = project(dir.path(), settings);
        // purelib data goes under .data/, so no clash; two modules with one name do clash.
        let mut p2 = p.clone();
        p2.settings.module_names = vec!["foo_bar_baz".into(), "foo_bar_baz".into()];
        let set = discovery::scan(&p2).expect("scan");
        let err = plan(&p2, &set, DEFAULT_EPOCH).expect_err("duplicate");
        assert!(
            err.to_string()
                .contains("two files would be `foo_bar_baz/__init__.py`"),
            "{err}"
        );
        assert!(plan(&p, &discovery::scan(&p).expect("scan"), DEFAULT_EPOCH).is_ok());
    }
}
