//! Core metadata read back into the project model: the inverse of
//! [`super::render`], for an application someone else published
//! (`gradient build REQUIREMENT`), whose Debian package and image are
//! described by its wheel's METADATA as a project's are by pyproject.toml.
//!
//! Fields as "Core metadata specifications" defines them: Name, Version,
//! Summary, the description (body or `Description`) with
//! Description-Content-Type, Requires-Python, License-Expression or
//! License, Author/Author-email and Maintainer/Maintainer-email (RFC 5322
//! address lists), Keywords, Classifier, Home-page and Project-URL.

use crate::inspect::core_metadata;
use crate::project::{License, Metadata, Person, Readme};
use crate::{names, Error, Result};

/// The project metadata in `text` (a METADATA file, named `file` in errors).
pub fn read(text: &str, file: &str) -> Result<Metadata> {
    let (headers, body) = core_metadata::headers(text, file, &mut Vec::new());
    let one = |name: &str| {
        headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let all = |name: &str| -> Vec<String> {
        headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.trim().to_string())
            .collect()
    };
    let required = |name: &str| {
        one(name).ok_or_else(|| Error::Closure(format!("{file}: the `{name}` field is missing")))
    };
    let name = required("Name")?;
    let description = one("Description").unwrap_or(body);
    let mut urls: Vec<(String, String)> = one("Home-page")
        .map(|url| ("Homepage".to_string(), url))
        .into_iter()
        .collect();
    urls.extend(all("Project-URL").iter().filter_map(|v| {
        let (label, url) = v.split_once(',')?;
        Some((label.trim().to_string(), url.trim().to_string()))
    }));
    Ok(Metadata {
        normalized_name: names::normalize(&name),
        name,
        version: required("Version")?,
        description: one("Summary"),
        readme: (!description.trim().is_empty()).then(|| Readme {
            file: None,
            content_type: one("Description-Content-Type").unwrap_or("text/plain".into()),
            text: description,
        }),
        requires_python: one("Requires-Python"),
        license: match (one("License-Expression"), one("License")) {
            (Some(expression), _) => Some(License::Spdx(expression)),
            (None, Some(text)) => Some(License::Text(text)),
            (None, None) => None,
        },
        authors: people(one("Author"), one("Author-email")),
        maintainers: people(one("Maintainer"), one("Maintainer-email")),
        keywords: one("Keywords").map(|k| keywords(&k)).unwrap_or_default(),
        classifiers: all("Classifier"),
        urls,
        ..Metadata::default()
    })
}

/// Keywords are comma-separated (metadata 1.x wrote them space-separated).
fn keywords(value: &str) -> Vec<String> {
    let separator = if value.contains(',') { ',' } else { ' ' };
    value
        .split(separator)
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// The people of `Author` (names) and `Author-email` (an RFC 5322 address
/// list: `Name <a@b>, "Dr. X" <x@y>, c@d`).
fn people(names: Option<String>, addresses: Option<String>) -> Vec<Person> {
    let mut out: Vec<Person> = addresses
        .as_deref()
        .map(address_list)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, email)| Person {
            name,
            email: Some(email),
        })
        .collect();
    if let Some(names) = names {
        // A name already given with an address is not a second person.
        if !out
            .iter()
            .any(|p| p.name.as_deref() == Some(names.as_str()))
        {
            out.push(Person {
                name: Some(names),
                email: None,
            });
        }
    }
    out
}

/// An address list, split at commas outside quotes and angle brackets;
/// quoted display names unquoted.
fn address_list(value: &str) -> Vec<(Option<String>, String)> {
    let mut parts = Vec::new();
    let (mut current, mut quoted, mut angled) = (String::new(), false, false);
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' if quoted => {
                current.extend(chars.next());
                continue;
            }
            // The quotes go; what they held stays, commas included.
            '"' => {
                quoted = !quoted;
                continue;
            }
            '<' if !quoted => angled = true,
            '>' if !quoted => angled = false,
            ',' if !quoted && !angled => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .map(|p| match p.rsplit_once('<') {
            Some((name, email)) => {
                let name = name.trim();
                let email = email.trim_end_matches('>').trim().to_string();
                ((!name.is_empty()).then(|| name.to_string()), email)
            }
            None => (None, p.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendered_metadata_reads_back() {
        let meta = super::super::tests::rich();
        let back = read(&super::super::render(&meta), "METADATA").unwrap();
        assert_eq!(back.name, "Acme.Widgets");
        assert_eq!(back.normalized_name, "acme-widgets");
        assert_eq!(back.version, meta.version);
        assert_eq!(back.description, meta.description);
        let readme = |m: &Metadata| {
            m.readme
                .as_ref()
                .map(|r| (r.text.trim_end().to_string(), r.content_type.clone()))
        };
        assert_eq!(readme(&back), readme(&meta));
        assert_eq!(back.requires_python, meta.requires_python);
        assert_eq!(back.license, meta.license);
        let by_name = |people: &[Person]| {
            let mut people = people.to_vec();
            people.sort_by_key(|p| p.name.clone());
            people
        };
        assert_eq!(by_name(&back.authors), by_name(&meta.authors));
        assert_eq!(back.maintainers, meta.maintainers);
        assert_eq!(back.keywords, meta.keywords);
        assert_eq!(back.classifiers, meta.classifiers);
        assert_eq!(back.urls, meta.urls);
    }

    #[test]
    fn addresses_with_quoted_commas() {
        assert_eq!(
            address_list(r#""Doe, Jr \"JD\"" <jd@example.org>, plain@example.org"#),
            [
                (
                    Some(r#"Doe, Jr "JD""#.to_string()),
                    "jd@example.org".to_string()
                ),
                (None, "plain@example.org".to_string()),
            ]
        );
    }

    #[test]
    fn legacy_fields_and_missing_ones() {
        let text = "Metadata-Version: 2.1\nName: old\nVersion: 0.1\nHome-page: https://old.example\nLicense: BSD\nKeywords: x y\nAuthor: Someone\nAuthor-email: someone@example.org\n";
        let meta = read(text, "old.whl").unwrap();
        assert_eq!(meta.license, Some(License::Text("BSD".into())));
        assert_eq!(meta.keywords, ["x", "y"]);
        assert_eq!(
            meta.urls,
            [("Homepage".into(), "https://old.example".into())]
        );
        assert_eq!(meta.authors.len(), 2, "{:?}", meta.authors);
        assert_eq!(meta.readme, None);
        let e = read("Name: x\n", "x.whl").unwrap_err().to_string();
        assert_eq!(e, "x.whl: the `Version` field is missing");
    }
}
