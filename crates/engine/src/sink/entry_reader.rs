//! Reading one planned entry: a file is opened and streamed once, hashed as
//! the sink consumes it, and checked against the size the plan promised.

use crate::plan::{Entry, Part, Source};
use crate::progress::Progress;
use crate::{Error, Result};
use md5::Md5;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::Read;

/// What a sink learned about one regular file while writing it: the input
/// of derived entries (RECORD, md5sums) and of a format's own indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hashed {
    pub path: String,
    pub part: Part,
    pub size: u64,
    /// Computed only when the plan derives a RECORD (or the sink writes one).
    pub sha256: Option<[u8; 32]>,
    /// Computed only when the plan derives `md5sums`.
    pub md5: Option<[u8; 16]>,
}

/// Which digests a sink takes of every regular file while writing it: only
/// those a derived entry will list (hashing what nothing reads is a fifth
/// of the time of writing a zstd .deb).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Digests {
    /// For a RECORD (wheels, installed trees).
    pub sha256: bool,
    /// For a Debian `md5sums`.
    pub md5: bool,
}

enum Inner<'a> {
    File(std::io::Take<File>),
    Bytes(&'a [u8]),
    /// A member of another zip, inflated (sinks other than zip).
    Copied(Box<dyn Read + 'a>),
}

/// A regular entry's bytes as a [`Read`], hashed as they are read.
pub struct EntryReader<'a> {
    entry: &'a Entry,
    inner: Inner<'a>,
    sha256: Option<Sha256>,
    md5: Option<Md5>,
    read: u64,
    stop: Option<&'a dyn Progress>,
}

/// The payload of the read error a stopped [`EntryReader`] returns;
/// [`Error::io`] and [`Error::write`] turn it into [`Error::Cancelled`].
#[derive(Debug)]
pub(crate) struct Stopped;

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled")
    }
}

impl std::error::Error for Stopped {}

impl<'a> EntryReader<'a> {
    /// Open `entry` (a regular file: `File`, `Bytes` or `Copied`), taking
    /// `digests` of it.
    pub fn open(entry: &'a Entry, digests: Digests) -> Result<EntryReader<'a>> {
        let inner = match &entry.source {
            Source::File { path } => {
                let file = File::open(path).map_err(|e| Error::io(path, e))?;
                Inner::File(file.take(entry.size))
            }
            Source::Bytes { data } => Inner::Bytes(data),
            Source::Copied { from } => {
                let raw = from.open().map_err(|e| Error::io(&from.archive, e))?;
                Inner::Copied(match from.method {
                    0 => Box::new(raw),
                    _ => Box::new(flate2::read::DeflateDecoder::new(raw)),
                })
            }
            _ => {
                return Err(Error::entry(
                    &entry.path,
                    "not a regular file with content to read",
                ))
            }
        };
        Ok(EntryReader {
            entry,
            inner,
            sha256: digests.sha256.then(Sha256::new),
            md5: digests.md5.then(Md5::new),
            read: 0,
            stop: None,
        })
    }

    /// Stop reading once `progress` is cancelled, so a stop request does
    /// not wait for a large entry to be written in full.
    pub fn stop_on(mut self, progress: &'a dyn Progress) -> Self {
        self.stop = Some(progress);
        self
    }

    /// The whole entry in memory (small entries, compressed in parallel).
    pub fn read_all(mut self) -> Result<(Vec<u8>, Hashed)> {
        let mut data = Vec::with_capacity(self.entry.size as usize);
        self.read_to_end(&mut data).map_err(|e| self.error(e))?;
        let hashed = self.finish()?;
        Ok((data, hashed))
    }

    /// A read error, naming the file (or archive) read from.
    pub(crate) fn error(&self, e: std::io::Error) -> Error {
        match &self.entry.source {
            Source::File { path } => Error::io(path, e),
            Source::Copied { from } => Error::io(&from.archive, e),
            _ => Error::write(&self.entry.path, e),
        }
    }

    /// The digests, once everything was read. A file whose size changed
    /// since planning is an error: the preview promised something else.
    pub fn finish(self) -> Result<Hashed> {
        let mut extra = 0;
        if let Inner::File(take) = self.inner {
            let mut byte = [0u8; 1];
            let mut file = take.into_inner();
            extra = file.read(&mut byte).unwrap_or(0) as u64;
        }
        if self.read != self.entry.size || extra != 0 {
            let shown = match &self.entry.source {
                Source::File { path } => path.display().to_string(),
                _ => self.entry.path.clone(),
            };
            let found = if extra != 0 {
                "more".to_string()
            } else {
                self.read.to_string()
            };
            return Err(Error::entry(
                shown,
                format!(
                    "changed while building ({} bytes planned, {found} found); build again",
                    self.entry.size
                ),
            ));
        }
        Ok(Hashed {
            path: self.entry.path.clone(),
            part: self.entry.part.clone(),
            size: self.read,
            sha256: self.sha256.map(|s| s.finalize().into()),
            md5: self.md5.map(|m| m.finalize().into()),
        })
    }
}

impl Read for EntryReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.is_some_and(|p| p.cancelled()) {
            return Err(std::io::Error::other(Stopped));
        }
        let n = match &mut self.inner {
            Inner::File(f) => f.read(buf)?,
            Inner::Bytes(rest) => rest.read(buf)?,
            Inner::Copied(r) => r.read(buf)?,
        };
        if let Some(s) = &mut self.sha256 {
            s.update(&buf[..n]);
        }
        if let Some(m) = &mut self.md5 {
            m.update(&buf[..n]);
        }
        self.read += n as u64;
        Ok(n)
    }
}
