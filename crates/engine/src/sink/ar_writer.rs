//! Unix `ar` archives in the common format dpkg reads (deb(5): "!<arch>\n",
//! then per member a 60-byte header — name, mtime, uid, gid, octal mode,
//! decimal size, "`\n" — the data, and a newline pad to an even offset).
//! Members are bytes or [`Spooled`] nested archives (a compressed tar).

use super::Spooled;
use crate::{Error, Result};
use std::io::Write;

/// Writes members one after another into `W`.
pub struct ArWriter<W: Write> {
    out: W,
    mtime: u64,
}

impl<W: Write> ArWriter<W> {
    /// Start the archive (writes the global header). `mtime` is written in
    /// every member header (a planning input, like a plan's).
    pub fn new(mut out: W, mtime: u64) -> Result<ArWriter<W>> {
        out.write_all(b"!<arch>\n").map_err(io)?;
        Ok(ArWriter { out, mtime })
    }

    fn header(&mut self, name: &str, size: u64) -> Result<()> {
        // Names up to 15 bytes with no `/` fit the common format (dpkg's
        // members do); GNU's `name/` terminator is not used by deb(5).
        if name.len() > 15 || name.contains('/') || name.contains(' ') {
            return Err(Error::entry(
                name,
                "ar member names are at most 15 bytes, without `/` or spaces",
            ));
        }
        let header = format!(
            "{name:<16}{mtime:<12}{uid:<6}{gid:<6}{mode:<8o}{size:<10}`\n",
            mtime = self.mtime,
            uid = 0,
            gid = 0,
            mode = 0o100644,
        );
        debug_assert_eq!(header.len(), 60);
        self.out.write_all(header.as_bytes()).map_err(io)
    }

    fn pad(&mut self, size: u64) -> Result<()> {
        if size % 2 == 1 {
            self.out.write_all(b"\n").map_err(io)?;
        }
        Ok(())
    }

    /// A member from bytes in memory (`debian-binary`).
    pub fn member_bytes(&mut self, name: &str, data: &[u8]) -> Result<()> {
        self.header(name, data.len() as u64)?;
        self.out.write_all(data).map_err(io)?;
        self.pad(data.len() as u64)
    }

    /// A member from a spooled nested archive (`data.tar.gz`).
    pub fn member_spooled(&mut self, name: &str, mut data: Spooled) -> Result<()> {
        self.header(name, data.size)?;
        data.copy_to(&mut self.out).map_err(io)?;
        self.pad(data.size)
    }

    /// The writer, after the last member.
    pub fn finish(self) -> Result<W> {
        Ok(self.out)
    }
}

fn io(e: std::io::Error) -> Error {
    Error::write("ar archive", e)
}
