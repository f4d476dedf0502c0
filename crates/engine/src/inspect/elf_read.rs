//! ELF members analysed where they lie, range by range ([`crate::elf::Ranges`]):
//! a stored member or a bare file straight from the blob, a deflated member
//! by inflating up to each range. Nothing holds a member whole, and a
//! semaphore keeps the number of analyses at once (and so their tables'
//! memory) bounded whatever the number of cores.

use super::blob::{Blob, Window};
use crate::elf::{self, ElfInfo, Ranges};
use std::io::{self, Read};
use std::sync::{Condvar, Mutex};

/// ELF analyses running at once, at most: each holds up to
/// [`elf::MAX_TABLE_BYTES`].
const PARALLEL: usize = 2;

static RUNNING: Mutex<usize> = Mutex::new(0);
static FREED: Condvar = Condvar::new();

struct Permit;

impl Permit {
    fn acquire() -> Permit {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        while *running >= PARALLEL {
            running = FREED.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        *running += 1;
        Permit
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        FREED.notify_one();
    }
}

/// Analyse the ELF file in `src` (member `path`) under a permit.
pub fn analyse(path: &str, src: &mut dyn Ranges) -> Result<ElfInfo, String> {
    let _permit = Permit::acquire();
    elf::analyse_ranges(path, src)
}

/// `len` bytes of a blob from `start`: a bare file or a stored member.
pub struct BlobRanges<'a> {
    pub blob: &'a dyn Blob,
    pub start: u64,
    pub len: u64,
}

impl Ranges for BlobRanges<'_> {
    fn size(&self) -> u64 {
        self.len
    }
    fn read_range(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        self.blob.read_exact_at(&mut buf, self.start + offset)?;
        Ok(buf)
    }
}

/// A deflated member (`compressed` bytes from `start`, `size` inflated):
/// inflated forward to each range, and from the start again only when a
/// range lies behind the last.
pub struct InflateRanges<'a> {
    blob: &'a dyn Blob,
    start: u64,
    compressed: u64,
    size: u64,
    decoder: Option<flate2::read::DeflateDecoder<Window<'a>>>,
    pos: u64,
}

impl<'a> InflateRanges<'a> {
    pub fn new(blob: &'a dyn Blob, start: u64, compressed: u64, size: u64) -> Self {
        InflateRanges {
            blob,
            start,
            compressed,
            size,
            decoder: None,
            pos: 0,
        }
    }
}

impl Ranges for InflateRanges<'_> {
    fn size(&self) -> u64 {
        self.size
    }
    fn read_range(&mut self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        if self.decoder.is_none() || offset < self.pos {
            let window = Window::new(self.blob, self.start, self.start + self.compressed);
            self.decoder = Some(flate2::read::DeflateDecoder::new(window));
            self.pos = 0;
        }
        let decoder = self.decoder.as_mut().ok_or(io::ErrorKind::Other)?;
        let skip = offset - self.pos;
        if io::copy(&mut decoder.by_ref().take(skip), &mut io::sink())? < skip {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let mut buf = vec![0u8; len];
        decoder.read_exact(&mut buf)?;
        self.pos = offset + len as u64;
        Ok(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::blob::Bytes;
    use std::io::Write;

    fn self_elf() -> Vec<u8> {
        std::fs::read(std::env::current_exe().expect("test binary")).expect("read")
    }

    #[test]
    fn stored_and_deflated_members_read_as_the_whole_file_does() {
        let bytes = self_elf();
        let whole = elf::analyse("self", &bytes).expect("ELF");
        let stored = analyse(
            "self",
            &mut BlobRanges {
                blob: &Bytes(&bytes),
                start: 0,
                len: bytes.len() as u64,
            },
        )
        .expect("stored");
        let mut deflate =
            flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        deflate.write_all(&bytes).expect("deflate");
        let packed = deflate.finish().expect("deflate");
        let inflated = analyse(
            "self",
            &mut InflateRanges::new(&Bytes(&packed), 0, packed.len() as u64, bytes.len() as u64),
        )
        .expect("deflated");
        for info in [&stored, &inflated] {
            assert_eq!(info.needed, whole.needed);
            assert_eq!(info.version_needs, whole.version_needs);
            assert_eq!(info.undefined, whole.undefined);
        }
        assert!(!whole.undefined.is_empty());
    }
}
