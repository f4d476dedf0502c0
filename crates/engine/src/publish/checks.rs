//! Everything that would make the index refuse a file, found before a byte
//! is sent: the inspector's errors, metadata the index refuses (a
//! Metadata-Version it does not know, a description that does not render, an
//! invalid classifier), sdists and wheels that disagree on name or version,
//! and file names already used on the index for other bytes.

use super::classifiers;
use super::form::Form;
use crate::closure::index::IndexFile;
use crate::inspect::readme;
use crate::inspect::{Kind, Report, Severity};
use serde::Serialize;
use std::collections::BTreeSet;

/// The newest Metadata-Version PyPI accepts.
const NEWEST_METADATA: (u32, u32) = (2, 4);

/// One reason not to upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file it is about.
    pub file: String,
    /// `P…` for publishing checks, else the inspector's finding code.
    pub code: String,
    pub message: String,
}

impl Problem {
    fn new(file: &str, code: &str, message: String) -> Problem {
        Problem {
            file: file.to_string(),
            code: code.to_string(),
            message,
        }
    }
}

/// A file inspected and ready to be judged.
pub struct Candidate<'a> {
    pub file_name: &'a str,
    pub report: &'a Report,
    pub form: Option<&'a Form>,
}

/// Problems with one file on its own.
pub fn file_problems(c: &Candidate) -> Vec<Problem> {
    let mut out = Vec::new();
    if !matches!(c.report.kind, Kind::Wheel | Kind::Sdist) {
        out.push(Problem::new(
            c.file_name,
            "P001",
            format!(
                "a {} cannot be uploaded to a package index: only sdists and wheels",
                c.report.kind.name()
            ),
        ));
        return out;
    }
    for f in c
        .report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
    {
        let at = f
            .path
            .as_ref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        out.push(Problem::new(
            c.file_name,
            f.code,
            format!("{at}{}", f.message),
        ));
    }
    let Some(form) = c.form else {
        return out;
    };
    if let Some(version) = form.get("metadata_version") {
        let numeric = version
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)));
        if numeric.is_none_or(|v| v > NEWEST_METADATA) {
            out.push(Problem::new(
                c.file_name,
                "P002",
                format!("Metadata-Version {version} is newer than PyPI accepts (2.4): build with a backend that writes 2.4"),
            ));
        }
    }
    let description = form.get("description").unwrap_or("");
    for why in readme::problems(form.get("description_content_type"), description) {
        out.push(Problem::new(
            c.file_name,
            "P003",
            format!("the description would not render on the index: {why}"),
        ));
    }
    for (_, classifier) in form.fields.iter().filter(|(k, _)| k == "classifiers") {
        if let Some(why) = classifiers::problem(classifier) {
            out.push(Problem::new(c.file_name, "P004", why));
        }
    }
    out
}

/// Sdists and wheels uploaded together must be of the same releases.
pub fn agreement(candidates: &[Candidate]) -> Vec<Problem> {
    let release = |kind: Kind| -> BTreeSet<(String, String, &str)> {
        candidates
            .iter()
            .filter(|c| c.report.kind == kind)
            .filter_map(|c| {
                let m = c.report.metadata.as_ref()?;
                let name = crate::names::normalize(m.get("Name")?);
                let version = m.get("Version")?.to_string();
                Some((name, version, c.file_name))
            })
            .collect()
    };
    let (sdists, wheels) = (release(Kind::Sdist), release(Kind::Wheel));
    if sdists.is_empty() || wheels.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (this, others, what) in [(&wheels, &sdists, "sdist"), (&sdists, &wheels, "wheel")] {
        for (name, version, file) in this {
            if !others
                .iter()
                .any(|(n, v, _)| n == name && same_version(v, version))
            {
                let there: Vec<String> = others
                    .iter()
                    .map(|(n, v, f)| format!("{f} ({n} {v})"))
                    .collect();
                out.push(Problem::new(
                    file,
                    "P005",
                    format!(
                        "{name} {version} has no {what} of the same name and version among the files: {}",
                        there.join(", ")
                    ),
                ));
            }
        }
    }
    out
}

/// PEP 440 equality: `1.0` and `1.0.0` are one version (the release is
/// compared zero-padded); unparseable versions compare as text.
fn same_version(a: &str, b: &str) -> bool {
    match (
        a.parse::<pep440_rs::Version>(),
        b.parse::<pep440_rs::Version>(),
    ) {
        (Ok(a), Ok(b)) => a.cmp(&b) == std::cmp::Ordering::Equal,
        _ => a == b,
    }
}

/// What the index already holds under this file's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnIndex {
    Absent,
    /// The same bytes: nothing to upload. The file's URL on the index.
    Same(String),
    Different(Problem),
}

/// Compare the index's listing with our file.
pub fn on_index(file_name: &str, sha256: &str, listing: &[IndexFile]) -> OnIndex {
    let Some(listed) = listing.iter().find(|f| f.file_name == file_name) else {
        return OnIndex::Absent;
    };
    match listed.hashes.get("sha256") {
        Some(theirs) if theirs.eq_ignore_ascii_case(sha256) => OnIndex::Same(listed.url.clone()),
        Some(theirs) => OnIndex::Different(Problem::new(
            file_name,
            "P006",
            format!(
                "the index already has {file_name} with other bytes (index sha256 {theirs}, this file sha256 {sha256}); a file name can never be reused: release a new version (or a build number for a wheel)"
            ),
        )),
        None => OnIndex::Different(Problem::new(
            file_name,
            "P006",
            format!(
                "the index already has {file_name} and gives no sha256 for it (this file sha256 {sha256}); a file name can never be reused: release a new version"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::core_metadata::CoreMetadata;

    fn report(kind: Kind, name: &str, version: &str) -> Report {
        let mut r = crate::inspect::inspect_blob(
            "x",
            &crate::inspect::blob::Bytes(b""),
            &Default::default(),
        );
        r.kind = kind;
        r.findings.clear();
        let mut m = CoreMetadata::default();
        m.fields.insert("Name".into(), vec![name.into()]);
        m.fields.insert("Version".into(), vec![version.into()]);
        r.metadata = Some(m);
        r
    }

    #[test]
    fn sdist_and_wheel_must_agree() {
        let s = report(Kind::Sdist, "My_Demo", "1.0");
        let w = report(Kind::Wheel, "my-demo", "1.0.0");
        let w2 = report(Kind::Wheel, "my-demo", "1.1");
        let cands = |w: &'static str, r| Candidate {
            file_name: w,
            report: r,
            form: None,
        };
        assert!(agreement(&[cands("a.tar.gz", &s), cands("a.whl", &w)]).is_empty());
        let p = agreement(&[cands("a.tar.gz", &s), cands("b.whl", &w2)]);
        assert_eq!(p.len(), 2, "{p:#?}");
        assert!(p[0].message.contains("my-demo 1.1 has no sdist"), "{p:#?}");
    }

    #[test]
    fn form_problems_cover_metadata_readme_and_classifiers() {
        let r = report(Kind::Wheel, "demo", "1.0");
        let form = Form {
            fields: vec![
                ("metadata_version".into(), "2.5".into()),
                (
                    "classifiers".into(),
                    "Programming Language :: Python :: 3".into(),
                ),
                ("classifiers".into(), "Topic :: Made Up".into()),
                ("description".into(), "A longer title\n====\n\nText".into()),
            ],
        };
        let p = file_problems(&Candidate {
            file_name: "d.whl",
            report: &r,
            form: Some(&form),
        });
        let codes: Vec<&str> = p.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["P002", "P003", "P004"], "{p:#?}");
    }

    #[test]
    fn index_listing_decides_skip_or_refuse() {
        let listed = IndexFile {
            file_name: "d-1.0.tar.gz".into(),
            url: "http://i/d-1.0.tar.gz".into(),
            hashes: [("sha256".to_string(), "aa".to_string())].into(),
            requires_python: None,
            yanked: false,
            metadata: None,
        };
        let l = [listed];
        assert_eq!(on_index("d-1.1.tar.gz", "aa", &l), OnIndex::Absent);
        assert_eq!(
            on_index("d-1.0.tar.gz", "AA", &l),
            OnIndex::Same("http://i/d-1.0.tar.gz".into())
        );
        let OnIndex::Different(p) = on_index("d-1.0.tar.gz", "bb", &l) else {
            panic!()
        };
        assert!(
            p.message.contains("index sha256 aa, this file sha256 bb"),
            "{}",
            p.message
        );
    }
}
