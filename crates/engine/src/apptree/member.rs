//! One wheel member streamed into its staged file: inflated straight from
//! the wheel on disk, hashed with RECORD's algorithm while it is written
//! (binary distribution format, "Installing a wheel": "Check that installed
//! files match RECORD"), and stopped one byte past the size the central
//! directory declares, so a member that lies about its size costs neither
//! memory nor more disk than it declared.
//!
//! The content goes to a temporary file inside the tree's root, renamed
//! into place only once it is complete and verified; a failure drops the
//! temporary file, so nothing half-written stays behind.

use crate::inspect::archive::{self, KeepBudget, Limits, Streamed};
use crate::inspect::blob::Blob;
use crate::inspect::zip_read::{self, Central};
use crate::record::hash_b64;
use sha2::digest::DynDigest;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::io::{BufRead, Read, Write};

/// A member's content, verified: its size, sha256, CRC-32 agreement with
/// the central directory, and the hash RECORD asked for.
pub(super) struct Verified {
    pub size: u64,
    pub sha256: [u8; 32],
    /// Its first bytes (up to 64), to recognise `#!python`.
    pub head: Vec<u8>,
}

/// Reads through to `out`, hashing what passes with RECORD's algorithm; a
/// write error is kept to be reported as such, not as a read error.
struct Tee<'o, R> {
    inner: R,
    out: &'o mut dyn Write,
    hash: Option<Box<dyn DynDigest>>,
    write_error: Option<std::io::Error>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Err(e) = self.out.write_all(&buf[..n]) {
            let stop = std::io::Error::other("the staged file could not be written");
            self.write_error = Some(e);
            return Err(stop);
        }
        if let Some(h) = self.hash.as_mut() {
            h.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// The hasher for a RECORD algorithm; sha256 needs none, the stream
/// computes it anyway.
fn hasher(alg: &str) -> Result<Option<Box<dyn DynDigest>>, String> {
    match alg {
        "sha256" => Ok(None),
        "sha384" => Ok(Some(Box::new(Sha384::new()))),
        "sha512" => Ok(Some(Box::new(Sha512::new()))),
        other => Err(format!("RECORD uses the unsupported hash `{other}`")),
    }
}

/// Stream entry `c` (data at `data`) into `out`, checking its size and CRC
/// against the central directory and its content against RECORD's
/// `alg=expected` when given. `Err` says why, for the caller to name the
/// wheel and member; `out` then holds a partial copy the caller discards.
pub(super) fn verified_copy(
    blob: &dyn Blob,
    (c, data): (&Central, u64),
    limits: &Limits,
    out: &mut dyn Write,
) -> Result<Verified, String> {
    copy(blob, (c, data), None, limits, out)
}

/// [`verified_copy`], checked against RECORD's `alg=expected` too.
pub(super) fn recorded_copy(
    blob: &dyn Blob,
    (c, data): (&Central, u64),
    (alg, expected): (&str, &str),
    limits: &Limits,
    out: &mut dyn Write,
) -> Result<Verified, String> {
    copy(blob, (c, data), Some((alg, expected)), limits, out)
}

fn copy(
    blob: &dyn Blob,
    (c, data): (&Central, u64),
    record: Option<(&str, &str)>,
    limits: &Limits,
    out: &mut dyn Write,
) -> Result<Verified, String> {
    let alg = record.map_or("sha256", |(alg, _)| alg);
    let mut tee = Tee {
        inner: zip_read::content(blob, c, data).ok_or_else(|| {
            format!(
                "compressed with method {}: a wheel's members are stored (0) or deflated (8)",
                c.method
            )
        })?,
        out,
        hash: hasher(alg)?,
        write_error: None,
    };
    let budget = KeepBudget::new(limits);
    let read = archive::stream(
        &mut tee,
        Some(c.declared),
        archive::Keep::Nothing,
        limits,
        &budget,
    );
    if let Some(e) = tee.write_error.take() {
        return Err(format!("writing it failed: {e}"));
    }
    let sha256 = checked(&read, c)?;
    if let Some((alg, expected)) = record {
        let actual = match tee.hash.take() {
            Some(h) => hash_b64(&h.finalize()),
            None => hash_b64(&sha256),
        };
        if actual != expected.trim_end_matches('=') {
            return Err(format!(
                "content does not match RECORD ({alg}={expected}, got {alg}={actual})"
            ));
        }
    }
    Ok(Verified {
        size: read.size,
        sha256,
        head: read.head,
    })
}

/// The stream's sha256, once it read exactly what the central directory
/// declares, with its CRC-32.
fn checked(read: &Streamed, c: &Central) -> Result<[u8; 32], String> {
    if let Some(why) = &read.stopped {
        return Err(why.clone());
    }
    if read.size != c.declared {
        return Err(format!(
            "content is {} bytes, the central directory declares {}",
            read.size, c.declared
        ));
    }
    if read.crc != c.crc {
        return Err(format!(
            "CRC-32 {:08x} does not match the declared {:08x}",
            read.crc, c.crc
        ));
    }
    read.digest
        .ok_or_else(|| "content was not hashed".to_string())
}

/// Copy `from` to `to` with its first line replaced by `#!shebang`, as
/// "Installing a wheel" asks of `#!python` scripts; the new sha256 and
/// size. The old first line is skipped, never held.
pub(super) fn reshebang(
    from: &mut dyn Read,
    to: &mut dyn Write,
    shebang: &str,
) -> std::io::Result<([u8; 32], u64)> {
    let mut sha = Sha256::new();
    let first = format!("#!{shebang}");
    to.write_all(first.as_bytes())?;
    Digest::update(&mut sha, first.as_bytes());
    let mut size = first.len() as u64;
    let mut from = std::io::BufReader::new(from);
    let mut in_first_line = true;
    loop {
        let buf = from.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let mut chunk = buf;
        if in_first_line {
            match chunk.iter().position(|&b| b == b'\n') {
                Some(at) => {
                    chunk = &chunk[at..];
                    in_first_line = false;
                }
                None => chunk = &[],
            }
        }
        to.write_all(chunk)?;
        Digest::update(&mut sha, chunk);
        size += chunk.len() as u64;
        let n = buf.len();
        from.consume(n);
    }
    Ok((sha.finalize().into(), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reshebang_replaces_only_the_first_line() {
        let mut out = Vec::new();
        let script = b"#!python -u\nimport sys\n#!python\n";
        let (sha, size) = reshebang(&mut &script[..], &mut out, "/opt/py/bin/python").unwrap();
        assert_eq!(out, b"#!/opt/py/bin/python\nimport sys\n#!python\n");
        assert_eq!(size, out.len() as u64);
        assert_eq!(sha, <[u8; 32]>::from(Sha256::digest(&out)));
        let mut out = Vec::new();
        reshebang(&mut &b"#!python"[..], &mut out, "py").unwrap();
        assert_eq!(out, b"#!py");
    }
}
