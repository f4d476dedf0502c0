//! Wheel lints with the codes and meanings people know from
//! check-wheel-contents (W001–W010): problems that install fine but are
//! almost always packaging mistakes.

use super::archive::Member;
use super::finding::Finding;
use std::collections::{BTreeMap, BTreeSet};

/// Top-level names that are almost never meant to be installed: the list
/// check-wheel-contents 0.6 uses (`COMMON_NAMES`), matched exactly as it
/// matches them (`test/` is flagged, a module `test.py` is not).
const COMMON_TOPLEVEL: &[&str] = &[
    ".eggs", ".nox", ".tox", ".venv", "app", "build", "cli", "data", "dist", "doc", "docs",
    "example", "examples", "lib", "scripts", "src", "test", "tests", "venv",
];

/// Contents check-wheel-contents deliberately allows to repeat (W002):
/// empty files, a lone line break, a coding line.
const ALLOWED_DUPLICATES: &[&[u8]] = &[
    b"",
    b"\n",
    b"\r\n",
    b"# -*- coding: utf-8 -*-",
    b"# -*- coding: utf-8 -*-\n",
    b"# -*- coding: utf-8 -*-\n\r",
];

/// Python's keywords: not importable as module or package names.
const KEYWORDS: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while",
    "with", "yield",
];

fn importable(component: &str) -> bool {
    crate::names::is_identifier(component) && !KEYWORDS.contains(&component)
}

fn is_module(name: &str) -> bool {
    module_stem(name).is_some()
}

/// The module name of a file name with a module extension, as
/// check-wheel-contents reads it: `.py`, `.pyd`, `.so`, or a tagged
/// extension module (`x.cpython-312-x86_64-linux-gnu.so`, `x.abi3.so`,
/// `x.cp312-win_amd64.pyd`).
fn module_stem(name: &str) -> Option<&str> {
    let stem = name
        .strip_suffix(".py")
        .or_else(|| name.strip_suffix(".pyd"))
        .or_else(|| name.strip_suffix(".so"))?;
    let is_tag = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    };
    let stem = match stem.rsplit_once('.') {
        Some((base, tag)) if !name.ends_with(".py") && is_tag(tag) && !base.is_empty() => base,
        _ => stem,
    };
    (!stem.is_empty()).then_some(stem)
}

/// Run the lints over a wheel's members (`dist_info` and `data` are the
/// names of its `.dist-info` and `.data` directories).
pub fn lint(members: &[Member], dist_info: &str, data: &str, findings: &mut Vec<Finding>) {
    let library: Vec<&Member> = members
        .iter()
        .filter(|m| m.is_file())
        .filter(|m| {
            let top = m.path.split('/').next().unwrap_or("");
            top != dist_info && top != data
        })
        .collect();
    let files: Vec<&Member> = members.iter().filter(|m| m.is_file()).collect();
    shipped_bytecode(&files, findings);
    duplicates(&files, findings);
    let toplevel = toplevel(&library, findings);
    common_names(&toplevel, findings);
    if library.is_empty() {
        let (code, what) = if files
            .iter()
            .all(|m| m.path.starts_with(&format!("{dist_info}/")))
        {
            ("W008", "the wheel is empty apart from its .dist-info")
        } else {
            (
                "W007",
                "the wheel has no library files (only .data and .dist-info)",
            )
        };
        findings.push(Finding::warning(code, None, what));
    }
    top_level_entries(&library, &toplevel, findings);
}

/// W001: `.pyc` and `.pyo` files.
fn shipped_bytecode(files: &[&Member], findings: &mut Vec<Finding>) {
    for m in files {
        if m.path.ends_with(".pyc") || m.path.ends_with(".pyo") {
            findings.push(Finding::warning(
                "W001",
                Some(&m.path),
                "bytecode is shipped; installers compile their own",
            ));
        }
    }
}

/// W002: the same content at several paths.
fn duplicates(files: &[&Member], findings: &mut Vec<Finding>) {
    let allowed: BTreeSet<String> = ALLOWED_DUPLICATES
        .iter()
        .map(|c| crate::record::hex(&<sha2::Sha256 as sha2::Digest>::digest(c)))
        .collect();
    let mut by_hash: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for m in files {
        if let Some(hash) = m.sha256.as_deref().filter(|h| !allowed.contains(*h)) {
            by_hash.entry(hash).or_default().push(&m.path);
        }
    }
    for paths in by_hash.values().filter(|p| p.len() > 1) {
        findings.push(Finding::warning(
            "W002",
            Some(paths[0]),
            format!("identical content at {}", paths.join(", ")),
        ));
    }
}

/// The library's top-level entries, with each file's findings about its
/// place (W003, W006) and its name (W004).
fn toplevel<'a>(library: &[&'a Member], findings: &mut Vec<Finding>) -> BTreeSet<&'a str> {
    let mut toplevel: BTreeSet<&str> = BTreeSet::new();
    for m in library {
        let mut parts = m.path.split('/');
        let top = parts.next().unwrap_or("");
        let nested = parts.next().is_some();
        if nested {
            toplevel.insert(top);
        } else if is_module(top) {
            toplevel.insert(top);
            if top == "__init__.py" {
                findings.push(Finding::warning(
                    "W006",
                    Some(&m.path),
                    "`__init__.py` at the top level of the library",
                ));
            }
        } else if !top.ends_with(".pth") {
            findings.push(Finding::warning(
                "W003",
                Some(&m.path),
                "a file that is not a module at the top level of the library",
            ));
        }
        // auditwheel's `<pkg>.libs/` holds bundled libraries, not modules.
        let bundled = top.ends_with(".libs") && nested;
        if let (Some(stem), false) = (module_stem(m.name()), bundled) {
            let dirs = m.path.rsplit_once('/').map(|(d, _)| d);
            let parts = dirs.into_iter().flat_map(|d| d.split('/'));
            if let Some(bad) = parts.chain([stem]).find(|c| !importable(c)) {
                findings.push(Finding::warning(
                    "W004",
                    Some(&m.path),
                    format!("`{bad}` is not an importable name"),
                ));
            }
        }
    }
    toplevel
}

/// W005: top-level names too common to be meant.
fn common_names(toplevel: &BTreeSet<&str>, findings: &mut Vec<Finding>) {
    for top in toplevel {
        let name = *top;
        if COMMON_TOPLEVEL.contains(&name) {
            findings.push(Finding::warning("W005", Some(top), format!("`{name}` at the top level: a name this common is almost never meant to be installed")));
        }
    }
}

/// W009: more than one top-level package; W010: a top-level directory
/// without modules.
fn top_level_entries(library: &[&Member], toplevel: &BTreeSet<&str>, findings: &mut Vec<Finding>) {
    // `<dist>.libs/` holding only shared libraries is what wheel repair
    // (auditwheel's and Gradient's) grafts: by design, not a packaging
    // mistake, though check-wheel-contents counts it for W009 and W010.
    let grafted = |top: &str| {
        let prefix = format!("{top}/");
        top.ends_with(".libs")
            && library
                .iter()
                .filter(|m| m.path.starts_with(&prefix))
                .all(|m| m.name().contains(".so"))
    };
    let packages: Vec<&&str> = toplevel
        .iter()
        .filter(|t| !t.ends_with(".pth") && !t.starts_with('_') && !grafted(t))
        .collect();
    if packages.len() > 1 {
        let names: Vec<&str> = packages.iter().map(|s| **s).collect();
        findings.push(Finding::warning(
            "W009",
            None,
            format!(
                "more than one top-level library entry: {}",
                names.join(", ")
            ),
        ));
    }
    for top in toplevel.iter().filter(|t| !is_module(t) && !grafted(t)) {
        let prefix = format!("{top}/");
        if !library
            .iter()
            .any(|m| m.path.starts_with(&prefix) && is_module(m.name()))
        {
            findings.push(Finding::warning(
                "W010",
                Some(top),
                "a top-level library directory with no Python modules",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::archive::MemberKind;

    fn file(path: &str, hash: &str) -> Member {
        let mut m = Member::new(path.into(), MemberKind::File, 3, None);
        m.sha256 = Some(hash.into());
        m
    }

    fn codes(members: &[Member]) -> Vec<&'static str> {
        let mut findings = Vec::new();
        lint(members, "a-1.dist-info", "a-1.data", &mut findings);
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn a_clean_package_has_no_findings() {
        assert!(codes(&[
            file("a/__init__.py", "1"),
            file("a/m.py", "2"),
            file("a-1.dist-info/METADATA", "3")
        ])
        .is_empty());
    }

    #[test]
    fn each_lint_fires_on_its_mistake() {
        let members = [
            file("a/__init__.py", "1"),
            file("a/__pycache__/m.cpython-311.pyc", "2"),
            file("a/copy.py", "1"),
            file("tests/test_a.py", "4"),
            file("__init__.py", "5"),
            file("README.md", "6"),
            file("a/bad-name.py", "7"),
            file("a/pass/x.py", "9"),
            file("assets/logo.png", "8"),
        ];
        let found = codes(&members);
        for code in [
            "W001", "W002", "W003", "W004", "W005", "W006", "W009", "W010",
        ] {
            assert!(found.contains(&code), "{code} missing from {found:?}");
        }
        assert_eq!(codes(&[file("a-1.dist-info/METADATA", "1")]), ["W008"]);
        assert_eq!(
            codes(&[
                file("a/__init__.py", "1"),
                file("a/bad-name.cpython-312-x86_64-linux-gnu.so", "2")
            ]),
            ["W004"]
        );
        assert_eq!(
            codes(&[file("a/__init__.py", "1"), file("a/class.abi3.so", "2")]),
            ["W004"]
        );
        for common in [
            "app/__init__.py",
            "cli/__init__.py",
            "lib/__init__.py",
            "scripts/__init__.py",
        ] {
            assert!(codes(&[file(common, "1")]).contains(&"W005"), "{common}");
        }
    }

    #[test]
    fn what_check_wheel_contents_allows_is_allowed() {
        let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let newline = "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b";
        assert!(codes(&[
            file("a/__init__.py", empty),
            file("a/b/__init__.py", empty),
            file("a/c/__init__.py", newline),
            file("a/d/__init__.py", newline),
            file("a/_x.cpython-312-x86_64-linux-gnu.so", "2"),
            file("a.libs/libz-1a2b3c.so", "3"),
            file("test.py", "4"),
        ])
        .iter()
        .all(|c| *c == "W009"));
        assert_eq!(codes(&[file("a-1.data/scripts/x", "1")]), ["W007"]);
        // What wheel repair grafts is not a second library.
        let repaired = [
            file("a/__init__.py", newline),
            file("a/_x.cpython-312-x86_64-linux-gnu.so", "2"),
            file("a.libs/libz-1a2b3c4d.so.1", "3"),
        ];
        assert!(codes(&repaired).is_empty(), "{:?}", codes(&repaired));
        let not_grafted = [
            file("a/__init__.py", newline),
            file("a.libs/helper.py", "3"),
        ];
        assert_eq!(codes(&not_grafted), ["W009"]);
    }
}
