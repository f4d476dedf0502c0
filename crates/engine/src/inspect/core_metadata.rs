//! Reading core metadata (METADATA in wheels, PKG-INFO in sdists): the
//! "Core metadata specifications" up to version 2.5
//! (packaging.python.org/en/latest/specifications/core-metadata/), whose
//! file format is RFC 822 style headers followed by an optional body that
//! holds the description.
//!
//! Every problem is listed, not only the first.

use super::finding::Finding;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// Fields in their canonical spelling, and whether they may repeat.
const FIELDS: &[(&str, bool)] = &[
    ("Metadata-Version", false),
    ("Name", false),
    ("Version", false),
    ("Dynamic", true),
    ("Platform", true),
    ("Supported-Platform", true),
    ("Summary", false),
    ("Description", false),
    ("Description-Content-Type", false),
    ("Keywords", false),
    ("Home-page", false),
    ("Download-URL", false),
    ("Author", false),
    ("Author-email", false),
    ("Maintainer", false),
    ("Maintainer-email", false),
    ("License", false),
    ("License-Expression", false),
    ("License-File", true),
    ("Classifier", true),
    ("Requires-Dist", true),
    ("Requires-Python", false),
    ("Requires-External", true),
    ("Project-URL", true),
    ("Provides-Extra", true),
    ("Provides-Dist", true),
    ("Obsoletes-Dist", true),
    // Metadata 2.5 (PEP 794).
    ("Import-Name", true),
    ("Import-Namespace", true),
    // Metadata 1.1, superseded but still read by tools.
    ("Requires", true),
    ("Provides", true),
    ("Obsoletes", true),
];

const VERSIONS: &[&str] = &["1.0", "1.1", "1.2", "2.1", "2.2", "2.3", "2.4", "2.5"];

/// Parsed core metadata: every field by canonical name, in file order.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CoreMetadata {
    pub fields: BTreeMap<String, Vec<String>>,
    /// Length in bytes of the description (header field or body).
    pub description_bytes: usize,
}

impl CoreMetadata {
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field)?.first().map(String::as_str)
    }

    pub fn all(&self, field: &str) -> &[String] {
        self.fields.get(field).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Metadata-Version as (major, minor), when it is a number.
    pub fn version(&self) -> Option<(u32, u32)> {
        let (major, minor) = self.get("Metadata-Version")?.split_once('.')?;
        Some((major.trim().parse().ok()?, minor.trim().parse().ok()?))
    }

    pub fn version_at_least(&self, major: u32, minor: u32) -> bool {
        self.version().is_some_and(|v| v >= (major, minor))
    }
}

/// Whether a field may appear more than once (unknown fields may).
pub fn repeatable(name: &str) -> bool {
    canonical(name).is_none_or(|(_, many)| many)
}

fn canonical(name: &str) -> Option<(&'static str, bool)> {
    FIELDS
        .iter()
        .find(|(f, _)| f.eq_ignore_ascii_case(name))
        .copied()
}

/// One `Field: value` header with its 1-based line number.
pub struct Header {
    pub name: String,
    pub value: String,
    pub line: usize,
}

/// Split RFC 822 style text into headers (continuation lines folded in) and
/// the body after the first blank line; malformed lines become findings.
pub fn headers(text: &str, path: &str, findings: &mut Vec<Finding>) -> (Vec<Header>, String) {
    let mut out: Vec<Header> = Vec::new();
    let mut lines = text.split('\n').enumerate();
    for (number, raw) in lines.by_ref() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some(last) => {
                    last.value.push('\n');
                    last.value
                        .push_str(line.trim_start_matches([' ', '\t']).trim_start_matches('|'));
                }
                None => findings.push(Finding::error(
                    "M003",
                    Some(path),
                    format!("line {}: a continuation line before any field", number + 1),
                )),
            }
            continue;
        }
        match line.split_once(':') {
            Some((name, value)) => out.push(Header {
                name: name.trim().to_string(),
                value: value.trim().to_string(),
                line: number + 1,
            }),
            None => findings.push(Finding::error(
                "M003",
                Some(path),
                format!(
                    "line {}: `{line}` is not a `Field: value` header",
                    number + 1
                ),
            )),
        }
    }
    let body: Vec<&str> = lines.map(|(_, l)| l).collect();
    (out, body.join("\n"))
}

/// Parse `bytes` (from archive member `path`); the findings list malformed
/// lines and every invalid or missing field.
pub fn parse(bytes: &[u8], path: &str, findings: &mut Vec<Finding>) -> CoreMetadata {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            findings.push(Finding::error(
                "M003",
                Some(path),
                format!("not UTF-8: {e}"),
            ));
            return CoreMetadata::default();
        }
    };
    let mut meta = CoreMetadata::default();
    let (fields, body) = headers(text, path, findings);
    for header in fields {
        let name = match canonical(&header.name) {
            Some((canonical, _)) => canonical.to_string(),
            None => {
                findings.push(Finding::warning(
                    "M007",
                    Some(path),
                    format!("line {}: unknown field `{}`", header.line, header.name),
                ));
                header.name
            }
        };
        meta.fields.entry(name).or_default().push(header.value);
    }
    meta.description_bytes = meta
        .get("Description")
        .map_or(0, str::len)
        .max(body.trim().len());
    validate(&meta, path, findings);
    rendering(&meta, &body, path, findings);
    meta
}

/// `twine check`: a long description that does not render for its content
/// type. A warning, not an error: the artifact is valid and installs, but
/// the index refuses the upload (`gradient publish` refuses it first, P003).
fn rendering(meta: &CoreMetadata, body: &str, path: &str, findings: &mut Vec<Finding>) {
    let body = body.trim_end_matches(['\n', '\r']);
    let text = match body.trim().is_empty() {
        true => meta.get("Description").unwrap_or(""),
        false => body,
    };
    if text.trim().is_empty() {
        return;
    }
    // Other content types are judged by `description` (M009).
    let mime = meta.get("Description-Content-Type").map(|k| {
        let mime = k.split(';').next().unwrap_or("");
        mime.trim().to_ascii_lowercase()
    });
    if mime.as_deref().is_some_and(|m| m != "text/x-rst") {
        return;
    }
    for why in super::readme::problems(Some("text/x-rst"), text) {
        findings.push(Finding::warning(
            "M010",
            Some(path),
            format!("the description does not render on PyPI (twine check fails): {why}"),
        ));
    }
}

/// Core metadata's rules (core metadata specification, "Fields"): fields
/// that may appear once, the required ones, each value's syntax, then the
/// Metadata-Version the fields need and the description.
fn validate(meta: &CoreMetadata, path: &str, findings: &mut Vec<Finding>) {
    for (name, values) in &meta.fields {
        if let Some((_, false)) = canonical(name) {
            if values.len() > 1 {
                findings.push(Finding::error(
                    "M003",
                    Some(path),
                    format!(
                        "`{name}` appears {} times; it may appear once",
                        values.len()
                    ),
                ));
            }
        }
    }
    for required in ["Metadata-Version", "Name", "Version"] {
        if meta.get(required).is_none() {
            findings.push(Finding::error(
                "M002",
                Some(path),
                format!("required field `{required}` is missing"),
            ));
        }
    }
    for (field, every, check) in VALUE_CHECKS {
        let values = match (every, meta.all(field)) {
            (true, all) => all,
            (false, all) => &all[..all.len().min(1)],
        };
        for value in values {
            if let Some(message) = check(meta, value) {
                findings.push(Finding::error("M003", Some(path), message));
            }
        }
    }
    content_type(meta, path, findings);
    import_names(meta, path, findings);
    if let Some(v) = meta.get("Metadata-Version") {
        check_version(meta, v, path, findings);
    }
    description(meta, path, findings);
}

/// One field's value checked: why it is invalid (an M003 error), if it is.
type ValueCheck = fn(&CoreMetadata, &str) -> Option<String>;

/// The fields whose values have a syntax, in the order they are checked:
/// the field, whether every value is checked (or the first only), the check.
const VALUE_CHECKS: &[(&str, bool, ValueCheck)] = &[
    ("Name", false, |_, name| {
        (!crate::names::is_valid_name(name)).then(|| format!("Name `{name}` is not a valid project name (letters, digits, `.`, `_`, `-`, starting and ending with a letter or digit)"))
    }),
    ("Version", false, |_, version| {
        let e = pep440_rs::Version::from_str(version).err()?;
        Some(format!("Version `{version}` is not a PEP 440 version: {e}"))
    }),
    ("Requires-Python", false, |_, spec| {
        let e = pep440_rs::VersionSpecifiers::from_str(spec).err()?;
        Some(format!(
            "Requires-Python `{spec}` is not a version specifier: {e}"
        ))
    }),
    ("Requires-Dist", true, |_, req| {
        let e = crate::names::parse_requirement(req).err()?;
        Some(format!(
            "Requires-Dist `{req}` is not a PEP 508 requirement: {e}"
        ))
    }),
    ("Provides-Extra", true, provides_extra),
    ("License-Expression", false, |_, expr| {
        let e = spdx::Expression::parse(expr).err()?;
        Some(format!(
            "License-Expression `{expr}` is not a valid SPDX expression: {e}"
        ))
    }),
    ("Dynamic", true, |_, dynamic| {
        ["name", "version", "metadata-version"]
            .contains(&dynamic.to_ascii_lowercase().as_str())
            .then(|| format!("Dynamic must not list `{dynamic}`"))
    }),
];

/// An extra's name: valid, and normalised from metadata 2.3 (PEP 685).
fn provides_extra(meta: &CoreMetadata, extra: &str) -> Option<String> {
    if !crate::names::is_valid_name(extra) {
        Some(format!(
            "Provides-Extra `{extra}` is not a valid extra name"
        ))
    } else if meta.version_at_least(2, 3) && crate::names::normalize(extra) != extra {
        Some(format!(
            "Provides-Extra `{extra}` must be normalised (`{}`) in metadata 2.3 and later",
            crate::names::normalize(extra)
        ))
    } else {
        None
    }
}

/// Description-Content-Type names one of the three types PyPI renders.
fn content_type(meta: &CoreMetadata, path: &str, findings: &mut Vec<Finding>) {
    let Some(kind) = meta.get("Description-Content-Type") else {
        return;
    };
    let mime = kind
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !["text/plain", "text/x-rst", "text/markdown"].contains(&mime.as_str()) {
        findings.push(Finding::warning(
            "M003",
            Some(path),
            format!(
                "Description-Content-Type `{kind}` is not text/plain, text/x-rst or text/markdown"
            ),
        ));
    }
}

/// PEP 794: each `Import-Name` / `Import-Namespace` a dotted import name,
/// optionally `; private` (an `Import-Name` may be empty: no import names),
/// and no name in both.
fn import_names(meta: &CoreMetadata, path: &str, findings: &mut Vec<Finding>) {
    let bare = |value: &str| value.split(';').next().unwrap_or(value).trim().to_string();
    for field in ["Import-Name", "Import-Namespace"] {
        for value in meta.all(field) {
            let (name, marker) = match value.split_once(';') {
                Some((name, marker)) => (name.trim(), Some(marker.trim())),
                None => (value.trim(), None),
            };
            let empty_allowed = field == "Import-Name" && value.trim().is_empty();
            let valid = name.split('.').all(crate::names::is_identifier)
                && marker.is_none_or(|m| m == "private");
            if !valid && !empty_allowed {
                findings.push(Finding::error(
                    "M003",
                    Some(path),
                    format!("{field} `{value}` is not an import name (`pkg.sub`, optionally `; private`)"),
                ));
            }
        }
    }
    let names: Vec<String> = meta.all("Import-Name").iter().map(|v| bare(v)).collect();
    if let Some(both) = meta
        .all("Import-Namespace")
        .iter()
        .map(|v| bare(v))
        .find(|n| names.contains(n))
    {
        findings.push(Finding::error(
            "M003",
            Some(path),
            format!("`{both}` is both an Import-Name and an Import-Namespace (PEP 794)"),
        ));
    }
}

/// Metadata-Version itself, and fields used before the version that defines
/// them.
fn check_version(meta: &CoreMetadata, v: &str, path: &str, findings: &mut Vec<Finding>) {
    let numeric = meta.version();
    if !VERSIONS.contains(&v) {
        let known_newest = (2, 5);
        let (severity_error, why) = match numeric {
            Some((2, minor)) if minor > known_newest.1 => (false, "newer than this inspector knows"),
            // 2.0 was never a published version; tools of the time wrote it.
            Some((2, 0)) => (false, "an old, unofficial version (wheel and setuptools wrote it before 2.1); tools read it as 2.1"),
            _ => (true, "not a known version"),
        };
        let message = format!(
            "Metadata-Version `{v}` is not one of {}: {why}",
            VERSIONS.join(", ")
        );
        findings.push(if severity_error {
            Finding::error("M005", Some(path), message)
        } else {
            Finding::warning("M005", Some(path), message)
        });
    }
    for (field, needs) in [
        ("License-Expression", (2, 4)),
        ("License-File", (2, 4)),
        ("Dynamic", (2, 2)),
        ("Import-Name", (2, 5)),
        ("Import-Namespace", (2, 5)),
    ] {
        if !meta.fields.contains_key(field) || meta.version_at_least(needs.0, needs.1) {
            continue;
        }
        let message = format!(
            "`{field}` needs Metadata-Version {}.{} or later, the file says {v}",
            needs.0, needs.1
        );
        // setuptools 56 and later and maturin wrote License-File before 2.4
        // defined it; every installer reads it. Worth knowing, not an error.
        findings.push(if field == "License-File" {
            Finding::info(
                "M005",
                Some(path),
                format!("{message} (written by tools that used it before 2.4 defined it)"),
            )
        } else {
            Finding::error("M005", Some(path), message)
        });
    }
}

/// The long description, as `twine check` judges it: a missing
/// Description-Content-Type is a warning (PyPI then renders it as
/// reStructuredText), and a description that does not render for its type
/// is an error PyPI rejects.
fn description(meta: &CoreMetadata, path: &str, findings: &mut Vec<Finding>) {
    if meta.description_bytes == 0 {
        return;
    }
    let Some(kind) = meta.get("Description-Content-Type") else {
        findings.push(Finding::warning(
            "M009",
            Some(path),
            "Description-Content-Type is missing: PyPI renders the description as reStructuredText (twine check warns too)",
        ));
        return;
    };
    let mut parts = kind.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let variant = parts
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("variant"))
        .map(|(_, v)| v.trim().trim_matches('"'));
    if let (true, Some(variant)) = (mime == "text/markdown", variant) {
        if !["GFM", "CommonMark"].contains(&variant) {
            findings.push(Finding::error(
                "M009",
                Some(path),
                format!("the description does not render: Markdown variant `{variant}` is neither GFM nor CommonMark (PyPI refuses the upload)"),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nSummary: A demo\nLicense-Expression: MIT\nLicense-File: LICENSE\nRequires-Dist: click>=8; extra == \"cli\"\nProvides-Extra: cli\nClassifier: A\nClassifier: B\nDescription-Content-Type: text/markdown\n\n# Demo\n\nBody.\n";

    #[test]
    fn parses_fields_in_order_with_the_body() {
        let mut findings = Vec::new();
        let meta = parse(GOOD.as_bytes(), "METADATA", &mut findings);
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(meta.get("Name"), Some("demo"));
        assert_eq!(meta.all("Classifier"), ["A", "B"]);
        assert_eq!(meta.description_bytes, "# Demo\n\nBody.".len());
    }

    /// reStructuredText PyPI would not render is a warning (the wheel is
    /// valid); Markdown is not judged as RST; a good RST description passes.
    #[test]
    fn descriptions_that_do_not_render_are_warned() {
        let head = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n";
        let codes = |text: &str| {
            let mut findings = Vec::new();
            parse(text.as_bytes(), "METADATA", &mut findings);
            findings
                .iter()
                .filter(|f| f.code == "M010")
                .map(|f| (f.severity, f.message.clone()))
                .collect::<Vec<_>>()
        };
        let bad = format!("{head}Description-Content-Type: text/x-rst\n\nDemo\n==\n\nUse :func:`demo.run`.\n\n.. automodule:: demo\n");
        let found = codes(&bad);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found
                .iter()
                .all(|(s, _)| *s == crate::inspect::Severity::Warning),
            "{found:?}"
        );
        assert!(found[0].1.contains("`func`"), "{found:?}");
        // Without a content type PyPI renders RST too.
        let untyped = format!("{head}\nUse :class:`Demo`.\n");
        assert_eq!(codes(&untyped).len(), 1);
        let markdown = format!("{head}Description-Content-Type: text/markdown\n\nUse :func:`x`.\n");
        assert!(codes(&markdown).is_empty());
        let good = format!("{head}Description-Content-Type: text/x-rst\n\nDemo\n====\n\nA *good* ``description``.\n");
        assert!(codes(&good).is_empty());
    }

    /// PEP 794 fields: known in 2.5, checked, an error before it.
    #[test]
    fn import_names_of_metadata_2_5() {
        let head = "Metadata-Version: 2.5\nName: demo\nVersion: 1.0\n";
        let mut findings = Vec::new();
        let text = format!(
            "{head}Import-Name: demo\nImport-Name: _demo ;private\nImport-Namespace: acme\n"
        );
        parse(text.as_bytes(), "METADATA", &mut findings);
        assert!(findings.is_empty(), "{findings:?}");
        parse(
            format!("{head}Import-Name:\n").as_bytes(),
            "METADATA",
            &mut findings,
        );
        assert!(
            findings.is_empty(),
            "an empty Import-Name declares none: {findings:?}"
        );
        let text =
            format!("{head}Import-Name: demo-x\nImport-Name: acme\nImport-Namespace: acme\n");
        parse(text.as_bytes(), "METADATA", &mut findings);
        let messages: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages[0].contains("`demo-x` is not an import name"));
        assert!(messages[1].contains("both an Import-Name and an Import-Namespace"));
        let mut findings = Vec::new();
        let old = GOOD.replace("Summary", "Import-Name: demo\nSummary");
        parse(old.as_bytes(), "METADATA", &mut findings);
        assert!(
            findings[0]
                .message
                .contains("`Import-Name` needs Metadata-Version 2.5"),
            "{findings:?}"
        );
    }

    #[test]
    fn every_problem_is_listed() {
        let text = "Metadata-Version: 2.1\nName: -bad-\nVersion: one\nVersion: two\nRequires-Dist: ???\nRequires-Python: >>3\nLicense-Expression: MIT\nProvides-Extra: Has_Caps\nX-Thing: 1\ngarbage\n";
        let mut findings = Vec::new();
        parse(text.as_bytes(), "METADATA", &mut findings);
        let messages: Vec<String> = findings
            .iter()
            .map(|f| format!("{} {}", f.code, f.message))
            .collect();
        let expect = [
            "`Version` appears 2 times",
            "Name `-bad-`",
            "Version `one`",
            "Requires-Dist `???`",
            "Requires-Python `>>3`",
            "`License-Expression` needs Metadata-Version 2.4",
            "M007 line 9: unknown field `X-Thing`",
            "line 10: `garbage`",
        ];
        for e in expect {
            assert!(
                messages.iter().any(|m| m.contains(e)),
                "missing {e:?} in {messages:#?}"
            );
        }
        let mut missing = Vec::new();
        parse(b"Summary: x\n", "PKG-INFO", &mut missing);
        assert_eq!(missing.iter().filter(|f| f.code == "M002").count(), 3);
    }
}
