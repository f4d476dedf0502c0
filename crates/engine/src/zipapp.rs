//! Zipapps: PEP 441 executable archives. A shebang line, then a zip holding
//! a generated `__main__.py` and the application's installed tree
//! (site-packages at the archive's root).
//!
//! Pure-Python trees run straight from the zip; their bytecode sits beside
//! each module as a legacy `.pyc` because zipimport reads no `__pycache__`.
//! Trees with extension modules are extracted once, on first run, into a
//! per-user cache keyed by the tree's content hash; their bytecode is in
//! `__pycache__`, ready for the extracted tree.

use crate::apptree::AppTree;
use crate::entry_points::EntryPoint;
use crate::plan::{Container, Entry, Excluded, Format, Plan};
use crate::runtime::Target;
use crate::{names, Error, Result};

const BOOTSTRAP: &str = include_str!("zipapp/bootstrap.py");

/// What the person chose for the archive.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The interpreter line, without `#!`; default `/usr/bin/env python3`.
    pub shebang: Option<String>,
    /// The console script to run (by name), or a `module:attr` object.
    pub entry: Option<String>,
}

pub const DEFAULT_SHEBANG: &str = "/usr/bin/env python3";

/// Plan the archive for `tree` (installed, with its bytecode compiled).
/// `key` identifies the tree's content (the extraction cache directory).
pub fn plan(
    name_version: (&str, &str),
    tree: &AppTree,
    target: &Target,
    entry: &EntryPoint,
    options: &Options,
    key: &str,
    mtime: u64,
) -> Result<Plan> {
    let (name, version) = name_version;
    let shebang = options.shebang.as_deref().unwrap_or(DEFAULT_SHEBANG);
    if shebang.contains('\n') || shebang.trim().is_empty() {
        return Err(Error::Plan(format!(
            "shebang `{shebang}` must be one non-empty line"
        )));
    }
    let prefix = match tree.layout.site_packages.as_str() {
        "" => String::new(),
        sp => format!("{sp}/"),
    };
    let mut entries = vec![Entry::bytes(
        "__main__.py",
        bootstrap(name_version, tree, target, entry, key)?.into_bytes(),
        format!("bootstrap: runs {} ({})", entry.name, entry.object),
    )];
    let mut excluded = Vec::new();
    let owners = tree.owners();
    for f in &tree.files {
        match f.path.strip_prefix(&prefix) {
            Some(inside) if inside != "__main__.py" => entries.push(
                Entry::file(
                    inside,
                    tree.root.join(&f.path),
                    f.size,
                    f.executable,
                    reason(inside, tree),
                )
                .from_origin(owners.origin(&f.path)),
            ),
            Some(_) => excluded.push(Excluded {
                path: f.path.clone(),
                rule: "a top-level __main__.py would replace the bootstrap".into(),
            }),
            None => excluded.push(Excluded {
                path: f.path.clone(),
                rule: "outside site-packages: scripts, headers and data are not importable".into(),
            }),
        }
    }
    check_entry_count(entries.len(), target.version)?;
    Ok(Plan {
        format: Format::Zipapp,
        file_name: format!("{}-{version}.pyz", names::wheel_escape(name)),
        entries,
        excluded,
        mtime,
        container: Container::Zip {
            preamble: format!("#!{shebang}\n").into_bytes().into(),
            comment: None,
        },
    })
}

/// The most entries a zip holds without Zip64.
const ZIP32_ENTRIES: usize = 0xffff;

/// Before Python 3.13, zipimport reads no Zip64 end of central directory,
/// so an archive of more than 65,535 entries builds but cannot start there:
/// refuse it, and say what works instead.
fn check_entry_count(count: usize, (major, minor): (u32, u32)) -> Result<()> {
    if count <= ZIP32_ENTRIES || (major, minor) >= (3, 13) {
        return Ok(());
    }
    Err(Error::Plan(format!(
        "the zipapp would hold {count} entries; Python {major}.{minor} cannot start a zip \
         of more than {ZIP32_ENTRIES} (its zipimport has no Zip64, added in 3.13): target \
         Python 3.13 or later, or build an executable (--format exe)"
    )))
}

/// Which distribution an archive path belongs to, for the preview.
fn reason(path: &str, tree: &AppTree) -> String {
    let top = path.split('/').next().unwrap_or(path);
    let base = top.trim_end_matches(".py").trim_end_matches(".pyc");
    let kind = if path.ends_with(".pyc") {
        "bytecode"
    } else if crate::apptree::is_native(path) {
        "extension module"
    } else {
        "installed"
    };
    let owner = tree.distributions.iter().find(|d| {
        let info = d.dist_info.rsplit('/').next().unwrap_or(&d.dist_info);
        top == info || names::normalize(base) == d.name || names::import_name(&d.name) == base
    });
    match owner {
        Some(d) => format!("{kind} from {} {}", d.name, d.version),
        None => kind.to_string(),
    }
}

fn bootstrap(
    (name, version): (&str, &str),
    tree: &AppTree,
    target: &Target,
    entry: &EntryPoint,
    key: &str,
) -> Result<String> {
    let reference = entry.reference()?;
    let has_pth = tree.files.iter().any(|f| {
        f.path.ends_with(".pth")
            && !f
                .path
                .trim_start_matches(&tree.layout.site_packages)
                .trim_start_matches('/')
                .contains('/')
    });
    let pth = if tree.native && has_pth {
        "import site\nsite.addsitedir(sys.path[0])\n"
    } else {
        ""
    };
    // The template puts values between double quotes: only ASCII without
    // quotes or backslashes reads back as the same Python string.
    let quote = |s: &str| -> Result<String> {
        if s.is_ascii() && !s.contains(['\\', '"']) {
            Ok(s.to_string())
        } else {
            Err(Error::Plan(format!(
                "`{s}` cannot be written into the bootstrap"
            )))
        }
    };
    let text = BOOTSTRAP
        .replace("@NAME@", &quote(name)?)
        .replace("@VERSION@", &quote(version)?)
        .replace("@ENTRY@", &quote(&entry.name)?)
        .replace("@IMPL@", &quote(&target.implementation)?)
        .replace("@MAJOR@", &target.version.0.to_string())
        .replace("@MINOR@", &target.version.1.to_string())
        .replace("@LABEL@", &quote(&target.label())?)
        .replace("@NATIVE@", if tree.native { "True" } else { "False" })
        .replace(
            "@SYS_PLATFORM@",
            &quote(
                target
                    .markers
                    .get("sys_platform")
                    .map(String::as_str)
                    .unwrap_or(""),
            )?,
        )
        .replace(
            "@MACHINE@",
            &quote(
                target
                    .markers
                    .get("platform_machine")
                    .map(String::as_str)
                    .unwrap_or(""),
            )?,
        )
        .replace("@KEY@", &quote(key)?)
        .replace("@PTH@\n", pth);
    Ok(reference.fill(&text))
}

#[cfg(test)]
mod tests {
    #[test]
    fn more_entries_than_zipimport_reads_are_refused_before_python_3_13() {
        use super::check_entry_count;
        assert!(check_entry_count(65_535, (3, 11)).is_ok());
        assert!(check_entry_count(70_000, (3, 13)).is_ok());
        let err = check_entry_count(65_536, (3, 12))
            .expect_err("refused")
            .to_string();
        assert!(
            err.contains("65536 entries") && err.contains("3.13"),
            "{err}"
        );
    }

    use super::*;
    use crate::apptree::{Installed, Layout, Script, TreeFile};
    use crate::entry_points::choose_entry;

    fn tree(native: bool) -> AppTree {
        let file = |p: &str| TreeFile {
            path: p.into(),
            size: 1,
            executable: false,
            sha256: [0; 32],
        };
        AppTree {
            root: "/t".into(),
            layout: Layout::standard("/usr/bin/python3"),
            files: vec![
                file("bin/hello"),
                file("site-packages/hello/__init__.py"),
                file("site-packages/hello/__init__.pyc"),
                file("site-packages/hello-1.0.dist-info/METADATA"),
                file("site-packages/click/core.py"),
            ],
            distributions: vec![
                Installed {
                    name: "click".into(),
                    version: "8.1.7".into(),
                    dist_info: "site-packages/click-8.1.7.dist-info".into(),
                    listed: Vec::new(),
                },
                Installed {
                    name: "hello".into(),
                    version: "1.0".into(),
                    dist_info: "site-packages/hello-1.0.dist-info".into(),
                    listed: Vec::new(),
                },
            ],
            scripts: vec![
                Script {
                    name: "hello".into(),
                    distribution: "hello".into(),
                    object: "hello.cli:main".into(),
                    gui: false,
                },
                Script {
                    name: "click-tool".into(),
                    distribution: "click".into(),
                    object: "click:x".into(),
                    gui: false,
                },
            ],
            native,
        }
    }

    #[test]
    fn plans_bootstrap_then_site_packages_at_the_root() {
        let t = tree(false);
        let target = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let entry = choose_entry("Hello", &t, None, false).unwrap();
        assert_eq!(entry.object, "hello.cli:main");
        let plan = plan(
            ("Hello", "1.0"),
            &t,
            &target,
            &entry,
            &Options::default(),
            "k3y",
            0,
        )
        .unwrap();
        assert_eq!(plan.file_name, "hello-1.0.pyz");
        assert_eq!(plan.preamble(), b"#!/usr/bin/env python3\n");
        let paths: Vec<&str> = plan.entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths[0], "__main__.py");
        assert!(paths.contains(&"hello/__init__.py") && paths.contains(&"click/core.py"));
        assert!(plan.excluded.iter().any(|e| e.path == "bin/hello"));
        let reasons: Vec<&str> = plan.entries.iter().map(|e| e.reason.as_str()).collect();
        assert!(reasons.contains(&"bytecode from hello 1.0"), "{reasons:?}");
        assert!(
            reasons.contains(&"installed from click 8.1.7"),
            "{reasons:?}"
        );
        let Source::Bytes { data } = &plan.entries[0].source else {
            panic!()
        };
        let main = std::str::from_utf8(data).unwrap();
        assert!(main.contains("_BUILT_FOR = (\"cpython\", 3, 12)"));
        assert!(main.contains("_NATIVE = False"));
        assert!(main.contains("from hello.cli import main\nsys.exit(main())"));
        assert!(!main.contains('@'), "every placeholder is filled:\n{main}");
    }

    #[test]
    fn entries_by_name_object_or_error() {
        let t = tree(true);
        assert_eq!(
            choose_entry("hello", &t, Some("click-tool"), false)
                .unwrap()
                .object,
            "click:x"
        );
        assert_eq!(
            choose_entry("hello", &t, Some("pkg.mod:run"), false)
                .unwrap()
                .object,
            "pkg.mod:run"
        );
        let e = choose_entry("hello", &t, Some("nope"), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("hello, click-tool") || e.contains("click-tool"),
            "{e}"
        );
        let e = choose_entry("other", &t, None, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("no [project.scripts]"), "{e}");
        let e = choose_entry("other", &t, None, true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("other has no console scripts"), "{e}");
        // Of several scripts, a published distribution runs the one of its
        // own name; a project says which there are.
        let mut t = tree(true);
        let mut server = t.scripts[0].clone();
        server.name = "hello-server".into();
        t.scripts.push(server);
        let e = choose_entry("hello", &t, None, false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("several console scripts (hello, hello-server)"),
            "{e}"
        );
        assert_eq!(choose_entry("Hello", &t, None, true).unwrap().name, "hello");
        t.scripts.remove(0);
        t.scripts.push(t.scripts[1].clone());
        let e = choose_entry("hello", &t, None, true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("several console scripts"), "{e}");
        assert!(choose_entry("hello", &t, Some("bad name:x"), false).is_err());
    }

    use crate::plan::Source;
}
