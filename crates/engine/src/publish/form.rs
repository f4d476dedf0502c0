//! The legacy upload API's request (PEP 694 "Status Quo"; what twine's
//! `package.py` sends): a `multipart/form-data` POST (RFC 7578) with
//! `:action=file_upload`, `protocol_version=1`, the file's kind, its Python
//! version, its digest, every core metadata field as a lowercase,
//! underscore-joined form field (repeated fields repeated), and the file in
//! the `content` part.

use crate::inspect::{Kind, Report};
use crate::{Error, Result};
use std::io::Read;
use std::path::Path;

/// Core metadata fields whose form name is not the field name lowercased
/// with `-` turned into `_`.
const RENAMED: &[(&str, &str)] = &[
    ("Classifier", "classifiers"),
    ("Project-URL", "project_urls"),
    ("Home-page", "home_page"),
    ("Metadata-Version", "metadata_version"),
];

/// Fields sent separately (`description` is the body or the header field).
const SKIPPED: &[&str] = &["Description"];

/// The form fields for one file, in order.
#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<(String, String)>,
}

impl Form {
    /// The form for the inspected file at `path`: metadata re-read from the
    /// archive (the one member, not the whole file) so the description body
    /// is sent exactly as written.
    pub fn for_file(path: &Path, report: &Report) -> Result<Form> {
        let text = raw_metadata(path, report)?;
        let mut fields = vec![
            (":action".to_string(), "file_upload".to_string()),
            ("protocol_version".to_string(), "1".to_string()),
        ];
        let (filetype, pyversion) = match report.kind {
            Kind::Wheel => (
                "bdist_wheel",
                report
                    .wheel
                    .as_ref()
                    .and_then(|w| w.name.as_ref())
                    .map(|n| n.python.join("."))
                    .unwrap_or_default(),
            ),
            _ => ("sdist", "source".to_string()),
        };
        fields.push(("filetype".into(), filetype.into()));
        fields.push(("pyversion".into(), pyversion));
        fields.extend(metadata_fields(&text));
        fields.push(("sha256_digest".into(), report.sha256.clone()));
        Ok(Form { fields })
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The multipart body around the file's bytes: everything before them
    /// and everything after. The boundary is derived from the file's digest
    /// and checked against the text parts (the file itself is binary-safe:
    /// a boundary is only recognised after CRLF `--`, and the digest-derived
    /// string cannot be predicted by the file's author).
    pub fn multipart(&self, file_name: &str) -> Multipart {
        let digest = self.get("sha256_digest").unwrap_or("0");
        let mut boundary = format!("gradient-{}", &digest[..digest.len().min(32)]);
        while self
            .fields
            .iter()
            .any(|(k, v)| k.contains(&boundary) || v.contains(&boundary))
        {
            boundary.push('x');
        }
        let mut head = Vec::new();
        for (name, value) in &self.fields {
            head.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{value}\r\n",
                    quote(name)
                )
                .as_bytes(),
            );
        }
        head.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n",
                quote(file_name)
            )
            .as_bytes(),
        );
        let tail = format!("\r\n--{boundary}--\r\n").into_bytes();
        Multipart {
            content_type: format!("multipart/form-data; boundary={boundary}"),
            head,
            tail,
        }
    }
}

/// A multipart body: `head`, then the file, then `tail`.
pub struct Multipart {
    pub content_type: String,
    pub head: Vec<u8>,
    pub tail: Vec<u8>,
}

/// RFC 7578 §4.2: names in quoted strings; `"` and line breaks escaped as
/// browsers do.
fn quote(s: &str) -> String {
    s.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Map core metadata text to form fields: each header once per value, then
/// `description` (the body, or the `Description` header of metadata 1.x).
pub fn metadata_fields(text: &str) -> Vec<(String, String)> {
    let mut ignored = Vec::new();
    let (headers, body) = crate::inspect::core_metadata::headers(text, "METADATA", &mut ignored);
    let mut out = Vec::new();
    let mut description = None;
    for header in headers {
        if SKIPPED.iter().any(|s| s.eq_ignore_ascii_case(&header.name)) {
            description.get_or_insert(header.value);
            continue;
        }
        let name = RENAMED
            .iter()
            .find(|(f, _)| f.eq_ignore_ascii_case(&header.name))
            .map(|(_, form)| form.to_string())
            .unwrap_or_else(|| header.name.to_ascii_lowercase().replace('-', "_"));
        out.push((name, header.value));
    }
    let body = body.trim_end_matches(['\n', '\r']).to_string();
    if !body.trim().is_empty() {
        description = Some(body);
    }
    if let Some(description) = description {
        out.push(("description".into(), description));
    }
    out
}

/// The core metadata member of a wheel (`{dist-info}/METADATA`) or sdist
/// (`{top}/PKG-INFO`), read on its own.
fn raw_metadata(path: &Path, report: &Report) -> Result<String> {
    let (member, is_zip) = match (report.kind, &report.wheel, &report.sdist) {
        (Kind::Wheel, Some(w), _) => (format!("{}/METADATA", w.dist_info), true),
        (Kind::Sdist, _, Some(s)) => (format!("{}/PKG-INFO", s.top), s.legacy_zip),
        _ => {
            return Err(Error::Publish(format!(
                "{}: only wheels and sdists can be uploaded; this is a {}",
                path.display(),
                report.kind.name()
            )))
        }
    };
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let bytes = if is_zip {
        read_zip_member(file, &member)
    } else {
        read_tar_member(file, &member)
    }
    .map_err(|why| Error::Publish(format!("{}: {member}: {why}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| Error::Publish(format!("{}: {member} is not UTF-8", path.display())))
}

/// Metadata larger than this is refused (the inspector keeps up to 32 MiB).
const MAX_METADATA: u64 = 32 << 20;

fn read_zip_member(file: std::fs::File, member: &str) -> std::result::Result<Vec<u8>, String> {
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| e.to_string())?;
    let entry = zip.by_name(member).map_err(|e| e.to_string())?;
    read_bounded(entry)
}

fn read_tar_member(file: std::fs::File, member: &str) -> std::result::Result<Vec<u8>, String> {
    let gz = flate2::read::GzDecoder::new(std::io::BufReader::new(file));
    let mut tar = tar::Archive::new(gz);
    for entry in tar.entries().map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        let path = entry.path().map_err(|e| e.to_string())?;
        let path = path.to_string_lossy();
        if path.trim_start_matches("./") == member {
            return read_bounded(entry);
        }
    }
    Err("not found".into())
}

fn read_bounded(reader: impl Read) -> std::result::Result<Vec<u8>, String> {
    let mut out = Vec::new();
    reader
        .take(MAX_METADATA + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() as u64 > MAX_METADATA {
        return Err(format!("larger than {MAX_METADATA} bytes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_becomes_form_fields() {
        let text = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\nHome-page: https://x\nClassifier: A :: B\nClassifier: C\nProject-URL: Source, https://s\nRequires-Dist: click>=8\nLicense-Expression: MIT\nDescription-Content-Type: text/markdown\n\n# Demo\n\nBody.\n\n";
        let fields = metadata_fields(text);
        let get = |k: &str| -> Vec<&str> {
            fields
                .iter()
                .filter(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .collect()
        };
        assert_eq!(get("metadata_version"), ["2.4"]);
        assert_eq!(get("home_page"), ["https://x"]);
        assert_eq!(get("classifiers"), ["A :: B", "C"]);
        assert_eq!(get("project_urls"), ["Source, https://s"]);
        assert_eq!(get("requires_dist"), ["click>=8"]);
        assert_eq!(get("license_expression"), ["MIT"]);
        assert_eq!(get("description_content_type"), ["text/markdown"]);
        assert_eq!(get("description"), ["# Demo\n\nBody."]);
        let old = metadata_fields("Metadata-Version: 1.1\nName: d\nDescription: old style\n");
        assert!(old.contains(&("description".into(), "old style".into())));
    }

    #[test]
    fn multipart_frames_fields_and_file() {
        let form = Form {
            fields: vec![
                ("name".into(), "demo".into()),
                ("sha256_digest".into(), "ab".repeat(32)),
            ],
        };
        let body = form.multipart("demo-1.0.tar.gz");
        let boundary = body.content_type.split("boundary=").nth(1).unwrap();
        let head = String::from_utf8(body.head).unwrap();
        assert!(head.starts_with(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\ndemo\r\n"
        )));
        assert!(head.ends_with(
            "filename=\"demo-1.0.tar.gz\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        ));
        assert_eq!(body.tail, format!("\r\n--{boundary}--\r\n").into_bytes());
    }
}
