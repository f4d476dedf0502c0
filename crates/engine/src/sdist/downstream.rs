//! What downstream packagers expect in a source release besides the code:
//! Debian, Fedora and conda-forge build from the sdist and run its tests
//! (Debian's `dh_auto_test`, Fedora's `%pytest`), build its docs, install
//! its examples (`dh_installexamples`) and changelog (`dh_installchangelogs`
//! looks for CHANGES/CHANGELOG/NEWS/HISTORY). Hatchling and setuptools-scm
//! sdists carry all of these by default; a hand-configured backend
//! (flit's `[tool.flit.sdist] include`) lists them.

/// Top-level directories taken whole, and the reason they give.
const DIRS: &[(&str, &str)] = &[
    ("tests", "tests"),
    ("test", "tests"),
    ("testing", "tests"),
    ("docs", "docs"),
    ("doc", "docs"),
    // Examples are source the person reads and downstream installs as
    // documentation; they run from the sdist like the tests do.
    ("examples", "examples"),
    ("example", "examples"),
];

/// Top-level files by exact name.
const FILES: &[(&str, &str)] = &[
    ("conftest.py", "tests"),
    ("pytest.ini", "tests"),
    ("tox.ini", "tests"),
    ("noxfile.py", "tests"),
];

/// Top-level files by the start of their name, any case, followed by the
/// end of the name or `.`, `-`, `_` (`CHANGES.rst`, `Changelog-2.x.md`).
const STEMS: &[(&str, &str)] = &[
    ("CHANGELOG", "changelog"),
    ("CHANGES", "changelog"),
    ("HISTORY", "changelog"),
    ("NEWS", "changelog"),
    ("AUTHORS", "authors"),
    ("CONTRIBUTING", "contributing"),
];

/// Why a downstream packager wants the project file `rel` (relative,
/// `/`-separated), if it does: `downstream: tests`.
pub fn reason(rel: &str) -> Option<String> {
    let why = match rel.split_once('/') {
        Some((dir, _)) => DIRS.iter().find(|(d, _)| *d == dir).map(|(_, w)| *w),
        None => FILES
            .iter()
            .find(|(f, _)| *f == rel)
            .or_else(|| STEMS.iter().find(|(stem, _)| has_stem(rel, stem)))
            .map(|(_, w)| *w),
    }?;
    Some(format!("downstream: {why}"))
}

fn has_stem(name: &str, stem: &str) -> bool {
    name.get(..stem.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(stem))
        && matches!(
            name.as_bytes().get(stem.len()),
            None | Some(b'.' | b'-' | b'_')
        )
}

#[cfg(test)]
mod tests {
    use super::reason;

    #[test]
    fn tests_docs_examples_and_top_level_notes() {
        for (rel, why) in [
            ("tests/test_a.py", "tests"),
            ("test/data/x.bin", "tests"),
            ("conftest.py", "tests"),
            ("tox.ini", "tests"),
            ("noxfile.py", "tests"),
            ("docs/conf.py", "docs"),
            ("doc/index.rst", "docs"),
            ("examples/hello.py", "examples"),
            ("CHANGES.rst", "changelog"),
            ("Changelog-2.x.md", "changelog"),
            ("HISTORY", "changelog"),
            ("news.txt", "changelog"),
            ("AUTHORS", "authors"),
            ("CONTRIBUTING.md", "contributing"),
        ] {
            assert_eq!(reason(rel), Some(format!("downstream: {why}")), "{rel}");
        }
    }

    #[test]
    fn nested_or_lookalike_names_are_not_taken() {
        for rel in [
            "src/pkg/tests/test_a.py",
            "pkg/CHANGES.rst",
            "NEWSLETTER.md",
            "testsuite/x.py",
            "src/conftest.py",
            "tests",
        ] {
            assert_eq!(reason(rel), None, "{rel}");
        }
    }
}
