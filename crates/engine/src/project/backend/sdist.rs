//! What other build backends' own settings add to or leave out of the sdist,
//! so a Gradient-built sdist carries what the project's backend would:
//!
//! - hatchling ("Build configuration", hatch.pypa.io/latest/config/build/):
//!   `[tool.hatch.build.targets.sdist] include / only-include / exclude`,
//!   falling back to `[tool.hatch.build] include / exclude` (a target's
//!   option overrides the global one); gitignore-style patterns, a leading
//!   `/` anchoring at the root.
//! - flit-core ("The pyproject.toml config file", flit.pypa.io):
//!   `[tool.flit.sdist] include / exclude`.
//! - poetry-core ("The pyproject.toml file", python-poetry.org/docs/pyproject/):
//!   `[tool.poetry] include` (strings, or `{ path, format }` tables; no
//!   format means sdist only) and `exclude`.
//! - pdm-backend ("Build configuration", backend.pdm-project.org):
//!   `[tool.pdm.build] includes / source-includes / excludes`.
//! - maturin ("Configuration", maturin.rs/config): `[tool.maturin] include /
//!   exclude` (strings for every format, or `{ path, format }` tables).
//!
//! Globs are relative to the project root. A value of the wrong shape or a
//! path leaving the project is a warning and skipped: the backend's own
//! validation is its business, the native sdist simply does not follow it.

use super::super::fields::{get, Doc, Value};
use super::table_at;
use crate::project::{BackendGlobs, ProjectError};
use toml::de::{DeTable, DeValue};

/// Every backend table's sdist globs, in the order above.
pub fn globs(doc: &Doc, top: &DeTable) -> Result<Vec<BackendGlobs>, ProjectError> {
    let Some(tool) = get(top, "tool") else {
        return Ok(Vec::new());
    };
    let tool = doc.table(tool, "tool")?;
    let mut out = Vec::new();
    hatch(doc, tool, &mut out);
    let simple: [(&[&str], &str, bool); 7] = [
        (&["flit", "sdist"], "include", true),
        (&["flit", "sdist"], "exclude", false),
        (&["poetry"], "exclude", false),
        (&["pdm", "build"], "includes", true),
        (&["pdm", "build"], "source-includes", true),
        (&["pdm", "build"], "excludes", false),
        (&["maturin"], "exclude", false),
    ];
    for (path, key, include) in simple {
        if let Some(value) = table_at(tool, path).and_then(|t| get(t, key)) {
            let field = format!("tool.{}.{key}", path.join("."));
            push(doc, value, field, include, &mut out);
        }
    }
    for table in ["poetry", "maturin"] {
        if let Some(value) = table_at(tool, &[table]).and_then(|t| get(t, "include")) {
            let field = format!("tool.{table}.include");
            push(doc, value, field, true, &mut out);
        }
    }
    Ok(out)
}

/// hatchling: the sdist target's options, else the global ones.
fn hatch(doc: &Doc, tool: &DeTable, out: &mut Vec<BackendGlobs>) {
    let target = table_at(tool, &["hatch", "build", "targets", "sdist"]);
    let global = table_at(tool, &["hatch", "build"]);
    for (key, include) in [
        ("include", true),
        ("only-include", true),
        ("exclude", false),
    ] {
        let found = match target.and_then(|t| get(t, key)) {
            Some(v) => Some((v, "tool.hatch.build.targets.sdist")),
            None if key != "only-include" => global
                .and_then(|t| get(t, key))
                .map(|v| (v, "tool.hatch.build")),
            None => None,
        };
        if let Some((value, table)) = found {
            push(doc, value, format!("{table}.{key}"), include, out);
        }
    }
}

/// The globs of one setting (`value` an array) that apply to the sdist:
/// strings, and `{ path, format }` tables whose format is absent or names
/// the sdist (poetry: no format means sdist only; maturin: every format).
fn push(doc: &Doc, value: &Value, field: String, include: bool, out: &mut Vec<BackendGlobs>) {
    let DeValue::Array(items) = value.get_ref() else {
        doc.warn(
            &value.span(),
            &field,
            "expected an array; not followed for the sdist",
        );
        return;
    };
    let mut patterns = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("{field}[{i}]");
        match entry(item) {
            Ok(Some(path)) => match checked(&path) {
                Ok(p) => patterns.push(p),
                Err(why) => doc.warn(&item.span(), &at, format!("`{path}` {why}; not followed")),
            },
            Ok(None) => {}
            Err(why) => doc.warn(&item.span(), &at, format!("{why}; not followed")),
        }
    }
    if !patterns.is_empty() {
        out.push(BackendGlobs {
            field,
            include,
            patterns,
        });
    }
}

/// One entry: `Some(glob)` when it applies to the sdist.
fn entry(item: &Value) -> Result<Option<String>, &'static str> {
    match item.get_ref() {
        DeValue::String(s) => Ok(Some(s.to_string())),
        DeValue::Table(t) => {
            let path = get(t, "path")
                .and_then(|p| p.get_ref().as_str())
                .ok_or("a table without a `path` string")?;
            let sdist = match get(t, "format").map(Value::get_ref) {
                None => true,
                Some(DeValue::String(f)) => f == "sdist",
                Some(DeValue::Array(fs)) => {
                    fs.iter().any(|f| f.get_ref().as_str() == Some("sdist"))
                }
                Some(_) => return Err("`format` is neither a string nor an array"),
            };
            Ok(sdist.then(|| path.to_string()))
        }
        _ => Err("expected a string or a `{ path, format }` table"),
    }
}

/// A glob relative to the root: a leading `/` (root-anchored in hatch's
/// gitignore-style patterns) and `./` dropped; no `..`, a valid glob.
fn checked(path: &str) -> Result<String, &'static str> {
    let p = path.trim_start_matches('/');
    let p = p.strip_prefix("./").unwrap_or(p);
    if p.is_empty() || p.split('/').any(|c| c == "..") {
        return Err("is not a path inside the project");
    }
    globset::Glob::new(p).map_err(|_| "is not a valid glob")?;
    Ok(p.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every group of globs, and the warnings.
    fn read(toml_text: &str) -> (Vec<BackendGlobs>, Vec<String>) {
        let top: DeTable = DeTable::parse(toml_text).expect("toml").into_inner();
        let doc = Doc {
            file: Path::new("pyproject.toml"),
            text: toml_text,
            warnings: Default::default(),
            errors: Default::default(),
        };
        let found = globs(&doc, &top).expect("read");
        (found, doc.warnings.into_inner())
    }

    fn group(field: &str, include: bool, patterns: &[&str]) -> BackendGlobs {
        BackendGlobs {
            field: field.into(),
            include,
            patterns: patterns.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn hatch_target_settings_override_the_global_ones() {
        let (groups, warnings) = read(
            "[tool.hatch.build]\ninclude = [\"src\"]\nexclude = [\"*.log\"]\n\
             [tool.hatch.build.targets.sdist]\ninclude = [\"/tests\", \"docs/**\"]\nonly-include = [\"CHANGES.md\"]\n",
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            groups,
            [
                group(
                    "tool.hatch.build.targets.sdist.include",
                    true,
                    &["tests", "docs/**"]
                ),
                group(
                    "tool.hatch.build.targets.sdist.only-include",
                    true,
                    &["CHANGES.md"]
                ),
                group("tool.hatch.build.exclude", false, &["*.log"]),
            ]
        );
    }

    #[test]
    fn flit_sdist_include_and_exclude() {
        let (groups, _) = read(
            "[tool.flit.sdist]\ninclude = [\"docs/\", \"tests/\", \"CHANGES.rst\"]\nexclude = [\"docs/_build/\"]\n",
        );
        assert_eq!(
            groups,
            [
                group(
                    "tool.flit.sdist.include",
                    true,
                    &["docs/", "tests/", "CHANGES.rst"]
                ),
                group("tool.flit.sdist.exclude", false, &["docs/_build/"]),
            ]
        );
    }

    #[test]
    fn poetry_includes_strings_and_tables_whose_format_names_the_sdist() {
        let (groups, warnings) = read(
            "[tool.poetry]\ninclude = [\"CHANGELOG.md\", { path = \"tests\", format = \"sdist\" },\n\
             { path = \"lib/*.so\", format = \"wheel\" }, { path = \"extra\", format = [\"sdist\", \"wheel\"] },\n\
             { path = \"nofmt\" }, 3]\nexclude = [\"tests/fixtures/big\"]\n",
        );
        assert_eq!(
            groups,
            [
                group("tool.poetry.exclude", false, &["tests/fixtures/big"]),
                group(
                    "tool.poetry.include",
                    true,
                    &["CHANGELOG.md", "tests", "extra", "nofmt"]
                ),
            ]
        );
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("pyproject.toml:4: tool.poetry.include[5]: expected a string or"),
            "{warnings:?}"
        );
    }

    #[test]
    fn pdm_includes_source_includes_and_excludes() {
        let (groups, _) = read(
            "[tool.pdm.build]\nincludes = [\"src/pkg\"]\nsource-includes = [\"tests/\", \"CHANGELOG.md\"]\nexcludes = [\"**/*.tmp\"]\n",
        );
        assert_eq!(
            groups,
            [
                group("tool.pdm.build.includes", true, &["src/pkg"]),
                group(
                    "tool.pdm.build.source-includes",
                    true,
                    &["tests/", "CHANGELOG.md"]
                ),
                group("tool.pdm.build.excludes", false, &["**/*.tmp"]),
            ]
        );
    }

    #[test]
    fn maturin_strings_apply_to_both_formats_tables_by_format() {
        let (groups, _) = read(
            "[tool.maturin]\ninclude = [\"LICENSE-3RD\", { path = \"tests/**/*\", format = \"sdist\" }, { path = \"x.so\", format = \"wheel\" }]\nexclude = [\"bench/**\"]\n",
        );
        assert_eq!(
            groups,
            [
                group("tool.maturin.exclude", false, &["bench/**"]),
                group("tool.maturin.include", true, &["LICENSE-3RD", "tests/**/*"]),
            ]
        );
    }

    #[test]
    fn paths_leaving_the_project_and_bad_shapes_are_warnings() {
        let (groups, warnings) =
            read("[tool.flit.sdist]\ninclude = [\"../secrets\", \"ok.txt\"]\nexclude = \"docs\"\n");
        assert_eq!(
            groups,
            [group("tool.flit.sdist.include", true, &["ok.txt"])]
        );
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0]
            .contains("tool.flit.sdist.include[0]: `../secrets` is not a path inside the project"));
        assert!(warnings[1].contains("tool.flit.sdist.exclude: expected an array"));
    }
}
