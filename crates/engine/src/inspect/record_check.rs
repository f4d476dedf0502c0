//! RECORD verification: "Recording installed projects" § "The RECORD file"
//! and the binary distribution format's rules for wheels. Every missing
//! file, extra file, hash mismatch and size mismatch is listed.

use super::archive::{Archive, Member};
use super::finding::Finding;
use crate::record::hash_b64;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// What verification found, in numbers.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RecordSummary {
    pub rows: usize,
    /// Rows whose file exists with the recorded sha256 and size.
    pub verified: usize,
    pub problems: usize,
}

pub use crate::wheel::read::{csv_fields, csv_rows};

/// Files a RECORD may leave out: itself and its signatures.
fn unrecorded_ok(path: &str, record: &str) -> bool {
    path == record || path == format!("{record}.jws") || path == format!("{record}.p7s")
}

/// Verify `{dist_info}/RECORD` against the archive.
pub fn verify(archive: &Archive, dist_info: &str, findings: &mut Vec<Finding>) -> RecordSummary {
    let record_path = format!("{dist_info}/RECORD");
    let mut summary = RecordSummary::default();
    let before = findings.len();
    let Some(bytes) = archive.content(&record_path) else {
        let why = if archive.has(&record_path) {
            "is unreadable or too large"
        } else {
            "is missing"
        };
        findings.push(Finding::error(
            "R001",
            Some(&record_path),
            format!("RECORD {why}: nothing in the wheel can be verified"),
        ));
        summary.problems = 1;
        return summary;
    };
    let text = String::from_utf8_lossy(bytes);
    let mut rows = Rows {
        record_path: &record_path,
        files: archive
            .members
            .iter()
            .filter(|m| m.is_file())
            .map(|m| (m.path.as_str(), m))
            .collect(),
        listed: HashSet::new(),
        findings: &mut *findings,
    };
    for (number, fields) in crate::wheel::read::record_rows(&text) {
        summary.rows += 1;
        if rows.check(number, &fields) {
            summary.verified += 1;
        }
    }
    let Rows { listed, .. } = rows;
    for m in archive.members.iter().filter(|m| m.is_file()) {
        if !listed.contains(&m.path) && !unrecorded_ok(&m.path, &record_path) {
            findings.push(Finding::error(
                "R002",
                Some(&m.path),
                "in the wheel but not listed in RECORD",
            ));
        }
    }
    summary.problems = findings[before..]
        .iter()
        .filter(|f| f.severity == super::finding::Severity::Error)
        .count();
    summary
}

/// RECORD's rows checked one by one against the archive's files.
struct Rows<'a> {
    record_path: &'a str,
    files: HashMap<&'a str, &'a Member>,
    /// The paths of the rows so far.
    listed: HashSet<String>,
    findings: &'a mut Vec<Finding>,
}

impl Rows<'_> {
    /// Check row `number`; whether its file verifies.
    fn check(&mut self, number: usize, fields: &[String]) -> bool {
        let at = |what: String| format!("RECORD line {number}: {what}");
        let [path, hash, size] = fields else {
            self.findings.push(Finding::error(
                "R006",
                Some(self.record_path),
                at(format!(
                    "{} fields; a row is `path,hash,size`",
                    fields.len()
                )),
            ));
            return false;
        };
        if !self.listed.insert(path.clone()) {
            self.findings.push(Finding::error(
                "R008",
                Some(path),
                at("the file is listed more than once".into()),
            ));
            return false;
        }
        let Some(member) = self.files.get(path.as_str()).copied() else {
            self.findings.push(Finding::error(
                "R003",
                Some(path),
                at("listed in RECORD but not in the wheel".into()),
            ));
            return false;
        };
        if hash.is_empty() {
            if !unrecorded_ok(path, self.record_path) {
                self.findings.push(Finding::error(
                    "R006",
                    Some(path),
                    at("no hash recorded".into()),
                ));
            }
            return false;
        }
        let Some((algorithm, expected)) = hash.split_once('=') else {
            self.findings.push(Finding::error(
                "R006",
                Some(path),
                at(format!("hash `{hash}` is not `algorithm=digest`")),
            ));
            return false;
        };
        let hash_ok = self.check_hash(member, algorithm, expected, &at);
        let size_ok = self.check_size(member, size, &at);
        hash_ok && size_ok
    }

    /// The recorded hash against the member's digest.
    fn check_hash(
        &mut self,
        member: &Member,
        algorithm: &str,
        expected: &str,
        at: &dyn Fn(String) -> String,
    ) -> bool {
        let path = Some(member.path.as_str());
        match (algorithm, member.digest) {
            ("sha256", Some(digest)) => {
                let actual = hash_b64(&digest);
                if actual == expected.trim_end_matches('=') {
                    return true;
                }
                self.findings.push(Finding::error(
                    "R004",
                    path,
                    format!("sha256 is {actual}, RECORD says {expected}"),
                ));
            }
            ("sha256", None) => {}
            ("md5" | "sha1" | "sha224", _) => self.findings.push(Finding::error(
                "R007",
                path,
                at(format!(
                    "{algorithm} is too weak; the format requires sha256 or stronger"
                )),
            )),
            (other, _) => self.findings.push(Finding::info(
                "R007",
                path,
                at(format!("{other} hashes are not verified by this inspector")),
            )),
        }
        false
    }

    /// The recorded size against the member's.
    fn check_size(&mut self, member: &Member, size: &str, at: &dyn Fn(String) -> String) -> bool {
        let path = Some(member.path.as_str());
        match size.parse::<u64>() {
            Ok(size) if size != member.size => self.findings.push(Finding::error(
                "R005",
                path,
                format!("size is {} bytes, RECORD says {size}", member.size),
            )),
            Ok(_) => return true,
            Err(_) => self.findings.push(Finding::error(
                "R006",
                path,
                at(format!("size `{size}` is not a number")),
            )),
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_fields, csv_rows};

    #[test]
    fn quoted_line_breaks_stay_in_the_field() {
        let text = "a.py,sha256=x,1\r\n\"odd\nname.txt\",sha256=y,2\n\n\"r\"\"q\",,\n";
        let rows: Vec<_> = csv_rows(text).collect();
        assert_eq!(
            rows,
            [
                (1, vec!["a.py".to_string(), "sha256=x".into(), "1".into()]),
                (
                    2,
                    vec!["odd\nname.txt".into(), "sha256=y".into(), "2".into()]
                ),
                (5, vec!["r\"q".into(), "".into(), "".into()]),
            ]
        );
    }

    #[test]
    fn csv_rows_with_quotes() {
        assert_eq!(csv_fields("a/b.py,sha256=x,5"), ["a/b.py", "sha256=x", "5"]);
        assert_eq!(
            csv_fields("\"a,\"\"b\"\"\",sha256=x,5"),
            ["a,\"b\"", "sha256=x", "5"]
        );
        assert_eq!(csv_fields("r,,"), ["r", "", ""]);
    }
}
