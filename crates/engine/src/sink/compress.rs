//! Compressed streams for archive members, each generic over `Write` and
//! deterministic: gzip without name or timestamp, xz and zstd
//! multi-threaded with a fixed thread count (their output depends on the
//! block layout, which the thread count must not change between machines).

use crate::plan::Compression;
use std::io::{self, Write};

/// Threads for xz and zstd. Fixed, so every machine writes the same bytes.
const THREADS: u32 = 4;

/// xz block size. liblzma's default for preset 6 is three times the 8 MiB
/// dictionary (24 MiB), so a typical 30 MB data.tar is one or two blocks and
/// the threads wait; 4 MiB blocks keep them busy for a small loss in ratio.
const XZ_BLOCK: u64 = 4 << 20;

/// Levels: xz and zstd as dpkg-deb uses them by default (`-Zxz` 6,
/// `-Zzstd` 3); gzip 6, zlib's default (sdists have always used it).
pub fn level(c: Compression) -> u32 {
    match c {
        Compression::None => 0,
        Compression::Gzip => 6,
        Compression::Xz => 6,
        Compression::Zstd => 3,
    }
}

pub enum Compressor<W: Write> {
    None(W),
    Gzip(flate2::write::GzEncoder<W>),
    Xz(liblzma::write::XzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Compressor<W> {
    pub fn new(c: Compression, out: W) -> io::Result<Self> {
        Ok(match c {
            Compression::None => Compressor::None(out),
            // GzBuilder without mtime/filename: mtime 0, OS byte 255.
            Compression::Gzip => Compressor::Gzip(
                flate2::GzBuilder::new().write(out, flate2::Compression::new(level(c))),
            ),
            Compression::Xz => {
                let stream = liblzma::stream::MtStreamBuilder::new()
                    .threads(THREADS)
                    .preset(level(c))
                    .block_size(XZ_BLOCK)
                    .check(liblzma::stream::Check::Crc64)
                    .encoder()
                    .map_err(io::Error::other)?;
                Compressor::Xz(liblzma::write::XzEncoder::new_stream(out, stream))
            }
            Compression::Zstd => {
                let mut z = zstd::stream::write::Encoder::new(out, level(c) as i32)?;
                z.multithread(THREADS)?;
                z.include_checksum(true)?;
                Compressor::Zstd(z)
            }
        })
    }

    /// End the stream and give back the writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Compressor::None(w) => Ok(w),
            Compressor::Gzip(g) => g.finish(),
            Compressor::Xz(x) => x.finish(),
            Compressor::Zstd(z) => z.finish(),
        }
    }
}

impl<W: Write> Write for Compressor<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Compressor::None(w) => w.write(buf),
            Compressor::Gzip(g) => g.write(buf),
            Compressor::Xz(x) => x.write(buf),
            Compressor::Zstd(z) => z.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Compressor::None(w) => w.flush(),
            Compressor::Gzip(g) => g.flush(),
            Compressor::Xz(x) => x.flush(),
            Compressor::Zstd(z) => z.flush(),
        }
    }
}

/// A reader that decompresses `c` from `input` (the inspector's side).
pub fn decompressor<'a, R: io::BufRead + 'a>(
    c: Compression,
    input: R,
) -> io::Result<Box<dyn io::Read + 'a>> {
    Ok(match c {
        Compression::None => Box::new(input),
        Compression::Gzip => Box::new(flate2::bufread::GzDecoder::new(input)),
        Compression::Xz => Box::new(liblzma::bufread::XzDecoder::new(input)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(input)?),
    })
}
