//! Random-access bytes: a file on disk or a buffer in memory. Readers take a
//! `&dyn Blob` so members can be read in parallel at their own offsets, and so
//! fuzz targets can feed bytes without touching the disk.

use std::io::{self, Read};

pub trait Blob: Sync {
    fn len(&self) -> u64;
    /// Read up to `buf.len()` bytes at `offset`; 0 means end of data.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fill `buf` from `offset`, failing with `UnexpectedEof` when the data
    /// ends first (a truncated archive).
    fn read_exact_at(&self, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
        while !buf.is_empty() {
            match self.read_at(buf, offset)? {
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => {
                    buf = &mut buf[n..];
                    offset += n as u64;
                }
            }
        }
        Ok(())
    }
}

/// Bytes in memory.
pub struct Bytes<'a>(pub &'a [u8]);

impl Blob for Bytes<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let data = self.0;
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(data.len());
        let n = buf.len().min(data.len() - start);
        buf[..n].copy_from_slice(&data[start..start + n]);
        Ok(n)
    }
}

/// A file with its length taken once, at open.
pub struct FileBlob {
    file: std::fs::File,
    len: u64,
}

impl FileBlob {
    pub fn open(path: &std::path::Path) -> io::Result<Self> {
        let file = std::fs::File::open(path)?;
        let len = file.metadata()?.len();
        Ok(FileBlob { file, len })
    }

    /// Open a regular file only: a directory, FIFO, socket or device is an
    /// error, found before opening (opening a FIFO waits for a writer).
    pub fn open_regular(path: &std::path::Path) -> io::Result<Self> {
        let what = |meta: &std::fs::Metadata| {
            let kind = meta.file_type();
            if kind.is_dir() {
                Some("a directory")
            } else if kind.is_file() {
                None
            } else {
                Some("not a regular file (a FIFO, socket or device)")
            }
        };
        let not_regular =
            |what: &str| io::Error::new(io::ErrorKind::InvalidInput, what.to_string());
        if let Some(what) = what(&std::fs::metadata(path)?) {
            return Err(not_regular(what));
        }
        let blob = Self::open(path)?;
        // Checked again on the open file: the name may have been replaced.
        match what(&blob.file.metadata()?) {
            Some(what) => Err(not_regular(what)),
            None => Ok(blob),
        }
    }
}

impl Blob for FileBlob {
    fn len(&self) -> u64 {
        self.len
    }
    #[cfg(unix)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(&self.file, buf, offset)
    }
    #[cfg(windows)]
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        std::os::windows::fs::FileExt::seek_read(&self.file, buf, offset)
    }
}

/// A sequential reader over `[start, end)` of a blob.
pub struct Window<'a> {
    blob: &'a dyn Blob,
    pos: u64,
    end: u64,
}

impl<'a> Window<'a> {
    pub fn new(blob: &'a dyn Blob, start: u64, end: u64) -> Self {
        Window {
            blob,
            pos: start,
            end: end.min(blob.len()),
        }
    }
}

impl Read for Window<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.blob.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_read_at_offsets_and_windows_stop_at_their_end() {
        let data = &Bytes(b"hello world");
        let mut buf = [0u8; 5];
        data.read_exact_at(&mut buf, 6).expect("in range");
        assert_eq!(&buf, b"world");
        assert!(data.read_exact_at(&mut buf, 8).is_err());
        assert_eq!(data.read_at(&mut buf, 100).expect("past end"), 0);
        let mut text = String::new();
        Window::new(data, 2, 7)
            .read_to_string(&mut text)
            .expect("window");
        assert_eq!(text, "llo w");
    }
}
