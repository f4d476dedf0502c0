//! Reading built wheels ("Binary distribution format" § "The .dist-info
//! directory"): finding the `.dist-info` directory, reading its small
//! members with a bound, WHEEL headers and RECORD rows. The installer, the
//! resolver (a wheelhouse's METADATA) and the inspector read wheels through
//! here; entry_points.txt through [`crate::entry_points`].

use std::collections::BTreeSet;
use std::io::{Read, Seek};

/// Metadata members (WHEEL, RECORD, METADATA, ...) are small; a larger one
/// is hostile.
pub const MAX_METADATA: u64 = 16 << 20;

/// The top-level `.dist-info` directories among member `names`; with
/// `holding`, only those that contain that file (`WHEEL`, `METADATA`).
pub fn dist_info_dirs<'a>(
    names: impl IntoIterator<Item = &'a str>,
    holding: Option<&str>,
) -> BTreeSet<&'a str> {
    names
        .into_iter()
        .filter_map(|n| {
            let (top, rest) = n.split_once('/')?;
            let wanted = holding.is_none_or(|file| rest == file);
            (top.ends_with(".dist-info") && wanted).then_some(top)
        })
        .collect()
}

/// The one `.dist-info` directory holding `file`, or why there is none.
pub fn dist_info<'a>(
    names: impl IntoIterator<Item = &'a str>,
    file: &str,
) -> Result<&'a str, String> {
    let dirs = dist_info_dirs(names, Some(file));
    let mut iter = dirs.iter();
    match (iter.next(), iter.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(format!("no .dist-info/{file}")),
        _ => Err(format!(
            "several .dist-info directories: {}",
            dirs.iter().copied().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// A metadata member of a wheel, at most [`MAX_METADATA`] bytes.
pub fn read_member<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
) -> Result<Vec<u8>, String> {
    let file = zip.by_name(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    file.take(MAX_METADATA + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{path}: {e}"))?;
    if out.len() as u64 > MAX_METADATA {
        return Err(format!("{path}: larger than {MAX_METADATA} bytes"));
    }
    Ok(out)
}

/// A header's value in an email-header style file (WHEEL): the first
/// `Name: value` line, the name matched without regard to case.
pub fn header<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Split one CSV line as Python's `csv.reader` (default dialect) does.
pub fn csv_fields(line: &str) -> Vec<String> {
    csv_rows(line)
        .next()
        .map(|(_, fields)| fields)
        .unwrap_or_else(|| vec![String::new()])
}

/// Split CSV text into rows as Python's `csv.reader` (default dialect) does
/// (the reader pip and `installer` use for RECORD): a quoted field may hold
/// commas, doubled quotes and line breaks; `\n`, `\r` and `\r\n` end a row
/// outside quotes. Each row comes with the 1-based line it starts on; blank
/// lines are skipped. Rows are produced one at a time, so a large RECORD is
/// never held twice.
pub fn csv_rows(text: &str) -> CsvRows<'_> {
    CsvRows {
        chars: text.chars().peekable(),
        line: 1,
    }
}

pub struct CsvRows<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl Iterator for CsvRows<'_> {
    type Item = (usize, Vec<String>);

    fn next(&mut self) -> Option<Self::Item> {
        let mut fields = Vec::new();
        let mut field = String::new();
        let (mut quoted, mut started) = (false, false);
        let mut row_line = self.line;
        while let Some(c) = self.chars.next() {
            match (quoted, c) {
                (true, '"') if self.chars.peek() == Some(&'"') => {
                    field.push('"');
                    self.chars.next();
                }
                (true, '"') => quoted = false,
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => fields.push(std::mem::take(&mut field)),
                (false, '\r' | '\n') => {
                    if c == '\r' && self.chars.peek() == Some(&'\n') {
                        self.chars.next();
                    }
                    self.line += 1;
                    if started {
                        fields.push(field);
                        return Some((row_line, fields));
                    }
                    // A blank line: the next row starts on the next line.
                    row_line = self.line;
                    continue;
                }
                (true, '\n') => {
                    self.line += 1;
                    field.push(c);
                }
                (_, c) => field.push(c),
            }
            started = true;
        }
        started.then(|| {
            fields.push(field);
            (row_line, fields)
        })
    }
}

/// The rows of a RECORD file: (1-based line number, fields), rows whose
/// fields are all blank skipped.
pub fn record_rows(text: &str) -> impl Iterator<Item = (usize, Vec<String>)> + '_ {
    csv_rows(text).filter(|(_, fields)| !fields.iter().all(|f| f.trim().is_empty()))
}

/// A RECORD row's hash field `algorithm=digest`, when there is one.
pub fn record_hash(field: &str) -> Option<(&str, &str)> {
    field.split_once('=').filter(|_| !field.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_one_dist_info() {
        let names = [
            "a/__init__.py",
            "a-1.dist-info/WHEEL",
            "a-1.dist-info/METADATA",
            "b-2.dist-info/METADATA",
            "x/y.dist-info/WHEEL",
        ];
        assert_eq!(dist_info(names, "WHEEL"), Ok("a-1.dist-info"));
        assert!(dist_info(names, "METADATA")
            .unwrap_err()
            .contains("a-1.dist-info, b-2.dist-info"));
        assert_eq!(
            dist_info(names, "RECORD"),
            Err("no .dist-info/RECORD".into())
        );
        assert_eq!(dist_info_dirs(names, None).len(), 2);
    }

    #[test]
    fn headers_and_record_rows() {
        assert_eq!(
            header("wheel-version: 1.0\nTag: x", "Wheel-Version"),
            Some("1.0")
        );
        let rows: Vec<_> = record_rows("a.py,sha256=x,1\n\n\"b,c\",,\n").collect();
        assert_eq!(
            rows[0],
            (1, vec!["a.py".into(), "sha256=x".into(), "1".into()])
        );
        assert_eq!(rows[1].0, 3);
        assert_eq!(rows[1].1[0], "b,c");
        assert_eq!(record_hash("sha256=x"), Some(("sha256", "x")));
        assert_eq!(record_hash(""), None);
    }
}
