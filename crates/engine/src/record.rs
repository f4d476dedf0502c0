//! RECORD files: "Recording installed projects" § "The RECORD file"
//! (packaging.python.org/en/latest/specifications/recording-installed-packages/)
//! as used by the binary distribution format: CSV rows
//! `path,sha256=<urlsafe-base64-nopad>,size`, the RECORD's own row `path,,`.

use crate::plan::Entry;
use base64::Engine as _;

/// Length of an urlsafe-base64 (no padding) sha256 digest.
const B64_SHA256_LEN: usize = 43;

/// Lowercase hex of a digest (indexes, lock files, cache keys).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Lowercase hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

/// `urlsafe_b64encode(digest).rstrip(b"=")`.
pub fn hash_b64(digest: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// A CSV field as Python's `csv.writer` (default dialect) writes it: quoted
/// when it holds a comma, a quote, or a line break, with quotes doubled.
pub(crate) fn csv_field(path: &str) -> std::borrow::Cow<'_, str> {
    if path.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", path.replace('"', "\"\"")).into()
    } else {
        path.into()
    }
}

/// The RECORD text for `rows` (path, sha256, size), followed by its own row.
pub fn render(rows: &[(String, [u8; 32], u64)], record_path: &str) -> String {
    let mut out = String::new();
    for (path, digest, size) in rows {
        out.push_str(&csv_field(path));
        out.push_str(",sha256=");
        out.push_str(&hash_b64(digest));
        out.push(',');
        out.push_str(&size.to_string());
        out.push('\n');
    }
    out.push_str(&csv_field(record_path));
    out.push_str(",,\n");
    out
}

/// The exact size RECORD will have for `entries` (its regular files; the
/// RECORD itself is derived), known before any hash is computed because the hash field has a
/// fixed length.
pub fn record_size(entries: &[Entry], record_path: &str) -> u64 {
    let rows: usize = entries
        .iter()
        .filter(|e| e.is_content())
        .map(|e| {
            csv_field(&e.path).len()
                + ",sha256=".len()
                + B64_SHA256_LEN
                + 1
                + e.size.to_string().len()
                + 1
        })
        .sum();
    (rows + csv_field(record_path).len() + 3) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn rows_and_quoting() {
        let digest: [u8; 32] = Sha256::digest(b"hello").into();
        let rows = vec![
            ("a/b.py".to_string(), digest, 5),
            ("a/odd,\"name\".txt".to_string(), digest, 5),
        ];
        let text = render(&rows, "a-1.dist-info/RECORD");
        assert_eq!(
            text,
            "a/b.py,sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ,5\n\
             \"a/odd,\"\"name\"\".txt\",sha256=LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ,5\n\
             a-1.dist-info/RECORD,,\n"
        );
        let entries: Vec<Entry> = rows
            .iter()
            .map(|(p, _, _)| Entry::bytes(p.clone(), b"hello".to_vec(), "test"))
            .collect();
        assert_eq!(
            record_size(&entries, "a-1.dist-info/RECORD"),
            text.len() as u64
        );
    }
}
