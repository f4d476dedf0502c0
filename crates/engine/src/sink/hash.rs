//! A writer that hashes and counts what passes through it, for any digest
//! of the RustCrypto family (`sha2::Sha256`, `md5::Md5`, ...): the artifact's
//! own sha256, an OCI blob's digest, a layer's uncompressed `diff_id`.

use sha2::{Digest, Sha256};
use std::io::Write;

/// Passes writes to `inner`, feeding exactly the accepted bytes to `D`.
///
/// ```
/// use gradient_engine::sink::HashingWriter;
/// use std::io::Write;
/// let mut w = HashingWriter::<_, md5::Md5>::with_digest(Vec::new());
/// w.write_all(b"abc").unwrap();
/// let (bytes, digest, size) = w.finish();
/// assert_eq!((bytes.len(), size), (3, 3));
/// assert_eq!(format!("{digest:x}"), "900150983cd24fb0d6963f7d28e17f72");
/// ```
pub struct HashingWriter<W, D = Sha256> {
    inner: W,
    digest: D,
    written: u64,
}

impl<W: Write> HashingWriter<W, Sha256> {
    /// A sha256-hashing writer.
    pub fn new(inner: W) -> Self {
        Self::with_digest(inner)
    }
}

impl<W: Write, D: Digest> HashingWriter<W, D> {
    /// A writer hashing with `D`.
    pub fn with_digest(inner: W) -> Self {
        HashingWriter {
            inner,
            digest: D::new(),
            written: 0,
        }
    }

    /// Bytes written so far: the offset of the next byte.
    pub fn position(&self) -> u64 {
        self.written
    }

    pub fn get_mut(&mut self) -> &mut W {
        &mut self.inner
    }

    /// The inner writer, the digest and the number of bytes.
    pub fn finish(self) -> (W, sha2::digest::Output<D>, u64) {
        (self.inner, self.digest.finalize(), self.written)
    }
}

impl<W: Write, D: Digest> Write for HashingWriter<W, D> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.digest.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
