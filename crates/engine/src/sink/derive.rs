//! Derived entries: files a sink generates from the digests of what it
//! already wrote ([`Hashed`]), so they describe the artifact's bytes exactly
//! and no input is read a second time.

use super::{Digests, Hashed};
use crate::plan::{Entry, Source};
use crate::{record, Error, Result};

/// The digests the derived entries of `entries` list: sha256 for a
/// RECORD, md5 for `md5sums`.
pub fn needs(entries: &[Entry]) -> Digests {
    Digests {
        sha256: entries.iter().any(|e| matches!(e.source, Source::Record)),
        md5: entries
            .iter()
            .any(|e| matches!(e.source, Source::Md5sums { .. })),
    }
}

/// The content of the derived `entry` from `written` (every regular file
/// written before it, in order, from any part).
pub fn render(entry: &Entry, written: &[Hashed]) -> Result<Vec<u8>> {
    match &entry.source {
        Source::Record => {
            let rows = record_rows(written.iter().filter(|h| h.part == entry.part), &entry.path)?;
            Ok(record::render(&rows, &entry.path).into_bytes())
        }
        Source::Md5sums { of } => {
            let mut out = String::new();
            for h in written.iter().filter(|h| &h.part == of) {
                let md5 = h.md5.ok_or_else(|| {
                    Error::entry(&entry.path, format!("no md5 was computed for {}", h.path))
                })?;
                out.push_str(&record::hex(&md5));
                out.push_str("  ");
                out.push_str(h.path.trim_start_matches("./"));
                out.push('\n');
            }
            Ok(out.into_bytes())
        }
        _ => Err(Error::entry(&entry.path, "not a derived entry")),
    }
}

/// The exact size `md5sums` will have for the regular files among
/// `entries` (32 hex digits, two spaces, the path without `./`, newline).
pub fn md5sums_size<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> u64 {
    entries
        .into_iter()
        .filter(|e| e.is_content())
        .map(|e| 32 + 2 + e.path.trim_start_matches("./").len() as u64 + 1)
        .sum()
}

/// The rows of the RECORD `listing`: each file's path, sha256 and size.
pub fn record_rows<'a>(
    written: impl Iterator<Item = &'a Hashed>,
    listing: &str,
) -> Result<Vec<(String, [u8; 32], u64)>> {
    written
        .map(|h| {
            let sha256 = h.sha256.ok_or_else(|| {
                Error::entry(listing, format!("no sha256 was computed for {}", h.path))
            })?;
            Ok((h.path.clone(), sha256, h.size))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Part;

    #[test]
    fn md5sums_lists_the_named_part_only() {
        let data = Part::named("data");
        let hashed = |path: &str, part: &Part| Hashed {
            path: path.into(),
            part: part.clone(),
            size: 3,
            sha256: None,
            md5: Some([0xab; 16]),
        };
        let written = vec![
            hashed("./usr/bin/app", &data),
            hashed("control", &Part::named("control")),
        ];
        let planned = [Entry::bytes("./usr/bin/app", b"abc".to_vec(), "").in_part(data.clone())];
        let entry = Entry::derived("md5sums", Source::Md5sums { of: data }, 0, "");
        let text = render(&entry, &written).expect("render");
        assert_eq!(
            String::from_utf8(text.clone()).expect("utf-8"),
            format!("{}  usr/bin/app\n", "ab".repeat(16))
        );
        assert_eq!(md5sums_size(&planned), text.len() as u64);
    }
}
