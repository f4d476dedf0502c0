//! Core metadata rendering: PKG-INFO (sdist) and METADATA (wheel); and
//! reading METADATA back into the project model ([`read`]).
//!
//! Implements "Core metadata specifications", version 2.4, and 2.5 when
//! the project declares PEP 794 import names (`Import-Name`,
//! `Import-Namespace`), which only 2.5 defines
//! (packaging.python.org/en/latest/specifications/core-metadata/), with the
//! field mapping of "pyproject.toml specification" § "Declaring project
//! metadata" for authors, maintainers, urls and extras, and the
//! "Entry points specification" file format for entry_points.txt.

use crate::project::{License, Metadata, Person, Readme};
use std::fmt::Write as _;

mod read;
pub use read::read;

/// The text of PKG-INFO / METADATA for `meta`: the fields in the order the
/// specification lists them, then the readme as the body.
pub fn render(meta: &Metadata) -> String {
    let mut h = Headers(String::new());
    let declares_imports = meta.import_names.is_some() || meta.import_namespaces.is_some();
    h.field(
        "Metadata-Version",
        if declares_imports { "2.5" } else { "2.4" },
    );
    h.field("Name", &meta.name);
    h.field("Version", &meta.version);
    if let Some(summary) = &meta.description {
        h.field("Summary", summary);
    }
    if !meta.keywords.is_empty() {
        h.field("Keywords", &meta.keywords.join(","));
    }
    h.people("Author", &meta.authors);
    h.people("Maintainer", &meta.maintainers);
    h.license(meta);
    for classifier in &meta.classifiers {
        h.field("Classifier", classifier);
    }
    h.requirements(meta);
    for (label, url) in &meta.urls {
        h.field("Project-URL", &format!("{label}, {url}"));
    }
    for extra in meta.optional_dependencies.keys() {
        h.field("Provides-Extra", extra);
    }
    h.imports(meta);
    if let Some(readme) = &meta.readme {
        h.readme(readme);
    }
    h.0
}

/// Header fields being written, one per line.
struct Headers(String);

impl Headers {
    fn field(&mut self, name: &str, value: &str) {
        let _ = match value {
            "" => writeln!(self.0, "{name}:"),
            _ => writeln!(self.0, "{name}: {}", fold(value)),
        };
    }

    /// `Author`/`Maintainer` and their `-email` fields ([`people`]).
    fn people(&mut self, label: &str, list: &[Person]) {
        let (names, emails) = people(list);
        if let Some(v) = names {
            self.field(label, &v);
        }
        if let Some(v) = emails {
            self.field(&format!("{label}-email"), &v);
        }
    }

    /// `License-Expression` or the legacy `License`, then `License-File`s.
    fn license(&mut self, meta: &Metadata) {
        match &meta.license {
            Some(License::Spdx(expr)) => self.field("License-Expression", expr),
            Some(License::Text(text)) | Some(License::File { text, .. }) => {
                self.field("License", text.trim_end())
            }
            None => {}
        }
        for file in &meta.license_files {
            self.field("License-File", file);
        }
    }

    /// `Requires-Dist` (dependencies, then each extra's) and
    /// `Requires-Python`.
    fn requirements(&mut self, meta: &Metadata) {
        for req in &meta.dependencies {
            self.field("Requires-Dist", &requirement(req, None));
        }
        for (extra, reqs) in &meta.optional_dependencies {
            for req in reqs {
                self.field("Requires-Dist", &requirement(req, Some(extra)));
            }
        }
        if let Some(rp) = &meta.requires_python {
            self.field("Requires-Python", rp);
        }
    }

    /// PEP 794 `Import-Name` and `Import-Namespace`.
    fn imports(&mut self, meta: &Metadata) {
        // `import-names = []` declares that there are none: one empty field.
        match meta.import_names.as_deref() {
            Some([]) => self.field("Import-Name", ""),
            Some(names) => names.iter().for_each(|n| self.field("Import-Name", n)),
            None => {}
        }
        for name in meta.import_namespaces.iter().flatten() {
            self.field("Import-Namespace", name);
        }
    }

    /// `Description-Content-Type`, then the readme as the message body.
    fn readme(&mut self, readme: &Readme) {
        self.field("Description-Content-Type", &readme.content_type);
        self.0.push('\n');
        self.0.push_str(&readme.text);
        if !readme.text.ends_with('\n') {
            self.0.push('\n');
        }
    }
}

/// Header values are single lines; a multi-line value (a legacy license
/// text) is folded RFC 822 style with an 8-space continuation indent, which
/// `email.parser` (and so `packaging.metadata`) unfolds.
fn fold(value: &str) -> String {
    value.replace("\r\n", "\n").replace('\n', "\n        ")
}

/// pyproject.toml → core metadata mapping for people: names without email go
/// to Author/Maintainer; emails (with names) to Author-email/Maintainer-email
/// as RFC 5322 addresses, comma-separated.
fn people(list: &[Person]) -> (Option<String>, Option<String>) {
    let names: Vec<&str> = list
        .iter()
        .filter(|p| p.email.is_none())
        .filter_map(|p| p.name.as_deref())
        .collect();
    let emails: Vec<String> = list
        .iter()
        .filter_map(|p| {
            let email = p.email.as_deref()?;
            Some(match &p.name {
                Some(name) => format!("{} <{email}>", display_name(name)),
                None => email.to_string(),
            })
        })
        .collect();
    let join = |v: Vec<String>| (!v.is_empty()).then(|| v.join(", "));
    (
        join(names.into_iter().map(str::to_string).collect()),
        join(emails),
    )
}

/// A display name quoted the way `email.headerregistry.Address` does when it
/// holds RFC 5322 specials.
fn display_name(name: &str) -> String {
    if name.contains([
        '(', ')', '<', '>', '@', ',', ':', ';', '.', '"', '[', ']', '\\',
    ]) {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    } else {
        name.to_string()
    }
}

/// A Requires-Dist value: the requirement, with `extra == "x"` joined to its
/// marker for optional dependencies (dependency specifiers § "Environment
/// markers"). The requirement was validated when the project was loaded.
fn requirement(req: &str, extra: Option<&str>) -> String {
    let Some(extra) = extra else {
        return req.trim().to_string();
    };
    let parsed = crate::names::parse_requirement(req);
    let (base, marker) = match parsed {
        Ok(mut r) => {
            let marker = r.marker.try_to_string();
            r.marker = pep508_rs::MarkerTree::TRUE;
            (r.to_string(), marker)
        }
        // Unreachable after validation; keep the text rather than lose it.
        Err(_) => (req.trim().to_string(), None),
    };
    match marker {
        Some(m) if m.contains(" or ") => format!("{base}; ({m}) and extra == \"{extra}\""),
        Some(m) => format!("{base}; {m} and extra == \"{extra}\""),
        None => format!("{base}; extra == \"{extra}\""),
    }
}

/// entry_points.txt: `[console_scripts]`, `[gui_scripts]`, then the other
/// groups, each `name = object.reference`; `None` when there are none.
pub fn entry_points_txt(meta: &Metadata) -> Option<String> {
    let mut out = String::new();
    let mut group = |name: &str, entries: &std::collections::BTreeMap<String, String>| {
        if entries.is_empty() {
            return;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "[{name}]");
        for (key, value) in entries {
            let _ = writeln!(out, "{key} = {value}");
        }
    };
    group("console_scripts", &meta.scripts);
    group("gui_scripts", &meta.gui_scripts);
    for (name, entries) in &meta.entry_points {
        group(name, entries);
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::Readme;
    use std::collections::BTreeMap;

    pub(super) fn rich() -> Metadata {
        Metadata {
            name: "Acme.Widgets".into(),
            normalized_name: "acme-widgets".into(),
            version: "1.0rc1".into(),
            description: Some("Widgets".into()),
            readme: Some(Readme {
                file: Some("README.md".into()),
                text: "# Widgets\n\nHello.".into(),
                content_type: "text/markdown".into(),
            }),
            requires_python: Some(">=3.9".into()),
            license: Some(License::Spdx("MIT".into())),
            license_files: vec!["LICENSE".into()],
            authors: vec![
                Person {
                    name: Some("Ada Lovelace".into()),
                    email: Some("ada@example.org".into()),
                },
                Person {
                    name: Some("Grace".into()),
                    email: None,
                },
                Person {
                    name: Some("Dr. X".into()),
                    email: Some("x@example.org".into()),
                },
            ],
            maintainers: vec![Person {
                name: None,
                email: Some("m@example.org".into()),
            }],
            keywords: vec!["a".into(), "b".into()],
            classifiers: vec!["Programming Language :: Python :: 3".into()],
            urls: vec![("Homepage".into(), "https://example.org".into())],
            dependencies: vec!["requests >= 2".into()],
            optional_dependencies: BTreeMap::from([(
                "fancy".to_string(),
                vec![
                    "colorama>=0.4; sys_platform == 'win32' or os_name == 'nt'".to_string(),
                    "tomli".to_string(),
                ],
            )]),
            scripts: BTreeMap::from([("acme".to_string(), "acme.cli:main".to_string())]),
            ..Metadata::default()
        }
    }

    #[test]
    fn renders_core_metadata_2_4() {
        let text = render(&rich());
        let expected = "\
Metadata-Version: 2.4
Name: Acme.Widgets
Version: 1.0rc1
Summary: Widgets
Keywords: a,b
Author: Grace
Author-email: Ada Lovelace <ada@example.org>, \"Dr. X\" <x@example.org>
Maintainer-email: m@example.org
License-Expression: MIT
License-File: LICENSE
Classifier: Programming Language :: Python :: 3
Requires-Dist: requests >= 2
Requires-Dist: colorama>=0.4; (sys_platform == 'win32' or os_name == 'nt') and extra == \"fancy\"
Requires-Dist: tomli; extra == \"fancy\"
Requires-Python: >=3.9
Project-URL: Homepage, https://example.org
Provides-Extra: fancy
Description-Content-Type: text/markdown

# Widgets

Hello.
";
        assert_eq!(text, expected);
    }

    /// PEP 794: the fields after Provides-Extra, in metadata 2.5 only.
    #[test]
    fn import_names_need_metadata_2_5() {
        let mut meta = rich();
        meta.import_names = Some(vec!["acme".into(), "_acme_native; private".into()]);
        meta.import_namespaces = Some(vec!["acme_plugins".into()]);
        let text = render(&meta);
        assert!(text.starts_with("Metadata-Version: 2.5\n"), "{text}");
        assert!(text.contains("Provides-Extra: fancy\nImport-Name: acme\nImport-Name: _acme_native; private\nImport-Namespace: acme_plugins\nDescription-Content-Type"), "{text}");
        meta.import_names = Some(Vec::new());
        meta.import_namespaces = None;
        let text = render(&meta);
        assert!(
            text.contains("Provides-Extra: fancy\nImport-Name:\nDescription"),
            "{text}"
        );
        assert!(render(&rich()).starts_with("Metadata-Version: 2.4\n"));
    }

    #[test]
    fn legacy_license_text_is_folded() {
        let meta = Metadata {
            name: "a".into(),
            version: "1".into(),
            license: Some(License::Text("line one\nline two\n".into())),
            ..Metadata::default()
        };
        assert!(render(&meta).contains("License: line one\n        line two\n"));
    }

    #[test]
    fn entry_points_file() {
        let mut meta = rich();
        meta.entry_points = BTreeMap::from([(
            "acme.plugins".to_string(),
            BTreeMap::from([("basic".to_string(), "acme.plugins:basic".to_string())]),
        )]);
        assert_eq!(
            entry_points_txt(&meta).as_deref(),
            Some("[console_scripts]\nacme = acme.cli:main\n\n[acme.plugins]\nbasic = acme.plugins:basic\n")
        );
        assert_eq!(entry_points_txt(&Metadata::default()), None);
    }
}
