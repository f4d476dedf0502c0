//! Bytecode files: the 16-byte header CPython writes at the front of every
//! `.pyc` (PEP 552): a magic number (a little-endian u16 followed by
//! `\r\n`) that changes with each bytecode format, then flags and either the
//! source mtime and size or a hash of the source.

use serde::Serialize;

/// Ranges of magic numbers per Python version, as allotted in CPython's
/// `Lib/importlib/_bootstrap_external.py` (pre-releases take numbers inside
/// their version's range).
const RANGES: &[(u16, u16, &str)] = &[
    (62211, 62211, "2.7"),
    (3230, 3230, "3.3"),
    (3310, 3310, "3.4"),
    (3350, 3351, "3.5"),
    (3360, 3379, "3.6"),
    (3390, 3394, "3.7"),
    (3400, 3413, "3.8"),
    (3420, 3425, "3.9"),
    (3430, 3439, "3.10"),
    (3450, 3495, "3.11"),
    (3500, 3531, "3.12"),
    (3550, 3599, "3.13"),
    (3600, 3649, "3.14"),
    (3650, 3699, "3.15"),
];

/// What a `.pyc` header says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pyc {
    pub path: String,
    pub magic: u16,
    /// The Python version the magic number belongs to, when known.
    pub python: Option<String>,
}

/// Read the header of a `.pyc` from its first bytes; `None` when the bytes
/// are too short or lack the `\r\n` every magic number carries.
pub fn read_header(path: &str, head: &[u8]) -> Option<Pyc> {
    if head.len() < 4 || &head[2..4] != b"\r\n" {
        return None;
    }
    let magic = u16::from_le_bytes([head[0], head[1]]);
    let python = RANGES
        .iter()
        .find(|(lo, hi, _)| (*lo..=*hi).contains(&magic))
        .map(|(_, _, v)| v.to_string());
    Some(Pyc {
        path: path.to_string(),
        magic,
        python,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_numbers_name_their_python() {
        let header = |n: u16| {
            let mut h = n.to_le_bytes().to_vec();
            h.extend_from_slice(b"\r\n\0\0\0\0");
            h
        };
        let pyc = read_header("a.pyc", &header(3495)).expect("header");
        assert_eq!(pyc.python.as_deref(), Some("3.11"));
        assert_eq!(
            read_header("a.pyc", &header(3531))
                .and_then(|p| p.python)
                .as_deref(),
            Some("3.12")
        );
        assert_eq!(
            read_header("a.pyc", &header(1234)).and_then(|p| p.python),
            None
        );
        assert!(read_header("a.pyc", b"\x00\x00xx").is_none());
    }
}
