//! The zip sink (wheels, zipapps, frozen executables): PKWARE APPNOTE.TXT
//! 6.3 § 4.3 (local file headers, central directory, end of central
//! directory, Zip64), with the binary distribution format's requirements on
//! top (RECORD last, generated from hashes computed while writing).
//!
//! Small entries are read and compressed in parallel, in bounded batches,
//! then appended in plan order, so the output does not depend on
//! scheduling. Large entries are streamed through the compressor into a
//! spool (the local header needs the compressed size first), so memory stays
//! bounded whatever the input.

use super::entry_reader::{Digests, EntryReader, Hashed};
use super::parallel_deflate::{self, CHUNK};
use super::spool::{Spool, Spooled};
use super::{check_cancel, derive, write_with_check, Written};
use crate::plan::{Container, Entry, Plan, Source, Stored, ZipComment};
use crate::progress::Progress;
use crate::{Error, Result};
use flate2::{write::DeflateEncoder, Compression};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Bytes of planned input compressed per parallel batch: bounds memory.
const BATCH_BYTES: u64 = 64 << 20;
const BATCH_ENTRIES: usize = 512;
/// Entries larger than this are streamed through a spool, not loaded.
pub(super) const STREAM_BYTES: u64 = 32 << 20;
/// zlib's default: the size/speed balance pip, uv and hatchling also use.
const LEVEL: u32 = 6;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
const U32_MAX: u64 = 0xFFFF_FFFF;

/// The compressed bytes of one entry.
enum Data {
    Memory(Vec<u8>),
    Spooled(Spooled),
    /// Copied from another archive as they are compressed there.
    Copied(Arc<Stored>),
}

impl Data {
    fn len(&self) -> u64 {
        match self {
            Data::Memory(v) => v.len() as u64,
            Data::Spooled(s) => s.size,
            Data::Copied(from) => from.compressed_size,
        }
    }
}

/// One entry ready to append.
struct Packed {
    crc: u32,
    hashed: Hashed,
    method: u16,
    data: Data,
}

/// What the central directory needs of each written entry.
struct Central {
    name: String,
    mode: u32,
    crc: u32,
    size: u64,
    csize: u64,
    method: u16,
    offset: u64,
}

/// Compress bytes in memory; store what deflate cannot shrink.
fn pack_bytes(entry: &Entry, data: Vec<u8>, hashed: Hashed) -> Result<Packed> {
    let crc = crc32fast::hash(&data);
    let mut encoder = DeflateEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        Compression::new(LEVEL),
    );
    let deflated = encoder
        .write_all(&data)
        .and_then(|()| encoder.finish())
        .map_err(|e| Error::write(&entry.path, e))?;
    let (method, data) = if deflated.len() < data.len() {
        (METHOD_DEFLATED, deflated)
    } else {
        (METHOD_STORED, data)
    };
    Ok(Packed {
        crc,
        hashed,
        method,
        data: Data::Memory(data),
    })
}

fn pack(entry: &Entry, digests: Digests) -> Result<Packed> {
    let (data, hashed) = EntryReader::open(entry, digests)?.read_all()?;
    pack_bytes(entry, data, hashed)
}

/// Stream a large entry: read once, in windows of [`CHUNK`]-sized pieces,
/// into a stored spool and (compressed on every core,
/// [`parallel_deflate`]) a deflated one, keeping the smaller (the rule of
/// [`pack_bytes`]).
fn pack_streamed(entry: &Entry, digests: Digests, progress: &dyn Progress) -> Result<Packed> {
    let mut reader = EntryReader::open(entry, digests)?.stop_on(progress);
    let mut crc = crc32fast::Hasher::new();
    let (mut stored, mut deflated) = (Spool::new()?, Spool::new()?);
    let failed = |e| Error::write(&entry.path, e);
    let window = 2 * rayon::current_num_threads().max(1);
    let mut read = 0u64;
    loop {
        let mut chunks = Vec::with_capacity(window);
        while chunks.len() < window && read < entry.size {
            let chunk = read_chunk(&mut reader)?;
            if chunk.is_empty() {
                break;
            }
            read += chunk.len() as u64;
            crc.update(&chunk);
            stored.write_all(&chunk).map_err(failed)?;
            chunks.push(chunk);
        }
        let last = read >= entry.size || chunks.len() < window;
        for piece in parallel_deflate::deflate_chunks(&chunks, LEVEL, last).map_err(failed)? {
            deflated.write_all(&piece).map_err(failed)?;
        }
        if last {
            break;
        }
    }
    let hashed = reader.finish()?;
    let (deflated, stored) = (deflated.finish()?, stored.finish()?);
    let (method, data) = if deflated.size < stored.size {
        (METHOD_DEFLATED, deflated)
    } else {
        (METHOD_STORED, stored)
    };
    Ok(Packed {
        crc: crc.finalize(),
        hashed,
        method,
        data: Data::Spooled(data),
    })
}

/// Up to [`CHUNK`] bytes of `reader` (fewer only at its end).
fn read_chunk(reader: &mut EntryReader<'_>) -> Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(CHUNK);
    match std::io::Read::read_to_end(
        &mut std::io::Read::take(&mut *reader, CHUNK as u64),
        &mut chunk,
    ) {
        Ok(_) => Ok(chunk),
        Err(e) => Err(reader.error(e)),
    }
}

/// A member of another zip, to be copied compressed: nothing is read yet,
/// its CRC-32 and sha256 are known (checked when it was verified).
fn pack_copied(entry: &Entry, from: &Arc<Stored>, digests: Digests) -> Packed {
    Packed {
        crc: from.crc32,
        hashed: Hashed {
            path: entry.path.clone(),
            part: entry.part.clone(),
            size: entry.size,
            sha256: digests.sha256.then_some(from.sha256),
            md5: None,
        },
        method: from.method,
        data: Data::Copied(from.clone()),
    }
}

/// A writer that knows its offset (zip headers record where entries start).
struct Counting<W> {
    inner: W,
    at: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.at += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Write `plan` as a zip archive to `dest`, atomically, once `check`
/// accepts the finished file.
pub fn write_zip(
    plan: &Plan,
    dest: &Path,
    progress: &dyn Progress,
    check: &dyn Fn(&Path) -> Result<()>,
) -> Result<Written> {
    let mode = if plan.preamble().is_empty() {
        0o644
    } else {
        0o755
    };
    write_with_check(
        dest,
        mode,
        |out| write_zip_to(plan, out, progress).map(|_| ()),
        check,
    )
}

/// The derived entries of a zip: a RECORD, if any, is the single last entry.
fn check_derived(plan: &Plan) -> Result<()> {
    let derived: Vec<usize> = plan
        .entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.is_derived())
        .map(|(i, _)| i)
        .collect();
    match derived.as_slice() {
        [] => Ok(()),
        [i] if *i + 1 == plan.entries.len() => Ok(()),
        _ => Err(Error::Plan(format!(
            "{}: RECORD must be the single last entry",
            plan.file_name
        ))),
    }
}

/// Write `plan` (a [`Container::Zip`]) to `out`; returns `out` and the
/// digests of every regular file written.
pub fn write_zip_to<W: Write>(
    plan: &Plan,
    out: W,
    progress: &dyn Progress,
) -> Result<(W, Vec<Hashed>)> {
    let Container::Zip { preamble, comment } = &plan.container else {
        return Err(Error::Plan(format!("{}: not a zip plan", plan.file_name)));
    };
    check_derived(plan)?;
    let digests = derive::needs(&plan.entries);
    progress.start(plan.total_size());
    let mut out = Counting { inner: out, at: 0 };
    // Offsets stay relative to the start of the file, as Python's zipapp
    // and zipfile write them.
    out.write_all(preamble)
        .map_err(|e| Error::write(&plan.file_name, e))?;
    let mut zip = ZipState {
        out,
        dos: dos_datetime(plan.mtime),
        central: Vec::with_capacity(plan.entries.len()),
        written: Vec::with_capacity(plan.entries.len()),
        digests,
    };
    let entries = &plan.entries;
    let mut start = 0;
    while start < entries.len() {
        check_cancel(progress)?;
        start = zip.next(entries, start, progress)?;
    }
    check_cancel(progress)?;
    let payload_start = preamble.len() as u64;
    finish_central_directory(
        &mut zip.out,
        &zip.central,
        zip.dos,
        payload_start,
        comment.as_ref(),
    )
    .map_err(|e| Error::write(&plan.file_name, e))?;
    Ok((zip.out.inner, zip.written))
}

struct ZipState<W> {
    out: Counting<W>,
    dos: (u16, u16),
    central: Vec<Central>,
    written: Vec<Hashed>,
    /// What the plan's derived entries list of every file.
    digests: Digests,
}

impl<W: Write> ZipState<W> {
    /// Write the entry at `start` (or a batch of small ones); the index of
    /// the next entry to write.
    fn next(&mut self, entries: &[Entry], start: usize, progress: &dyn Progress) -> Result<usize> {
        let digests = self.digests;
        let entry = &entries[start];
        let packed = match &entry.source {
            Source::Directory | Source::Symlink { .. } => {
                return Err(Error::entry(
                    &entry.path,
                    "a zip container holds regular files only",
                ))
            }
            Source::Record | Source::Md5sums { .. } => {
                let data = derive::render(entry, &self.written)?;
                let hashed = Hashed {
                    path: entry.path.clone(),
                    part: entry.part.clone(),
                    size: data.len() as u64,
                    sha256: None,
                    md5: None,
                };
                pack_bytes(entry, data, hashed)?
            }
            // md5 is not known of a copied member: it is inflated then.
            Source::Copied { from } if !digests.md5 => pack_copied(entry, from, digests),
            _ if entry.size > STREAM_BYTES => pack_streamed(entry, digests, progress)?,
            _ => return self.batch(entries, start, progress),
        };
        let derived = entry.is_derived();
        self.append(entry, packed, derived)?;
        progress.advance(entry.size);
        Ok(start + 1)
    }

    /// Compress the small regular entries from `start` in parallel.
    fn batch(&mut self, entries: &[Entry], start: usize, progress: &dyn Progress) -> Result<usize> {
        let digests = self.digests;
        let mut end = start;
        let mut bytes = 0;
        while end < entries.len()
            && end - start < BATCH_ENTRIES
            && (bytes < BATCH_BYTES || end == start)
            && entries[end].is_content()
            && entries[end].size <= STREAM_BYTES
        {
            bytes += entries[end].size;
            end += 1;
        }
        let packed: Vec<Result<Packed>> = entries[start..end]
            .par_iter()
            .map(|e| pack(e, digests))
            .collect();
        for (entry, packed) in entries[start..end].iter().zip(packed) {
            let packed = packed?;
            let size = packed.hashed.size;
            self.append(entry, packed, false)?;
            progress.advance(size);
        }
        Ok(end)
    }

    fn append(&mut self, entry: &Entry, mut packed: Packed, derived: bool) -> Result<()> {
        let central = append(&mut self.out, entry, &mut packed, self.dos)?;
        self.central.push(central);
        if !derived {
            self.written.push(packed.hashed);
        }
        Ok(())
    }
}

fn append<W: Write>(
    out: &mut Counting<W>,
    entry: &Entry,
    packed: &mut Packed,
    (date, time): (u16, u16),
) -> Result<Central> {
    let offset = out.at;
    let csize = packed.data.len();
    let size = packed.hashed.size;
    let zip64 = size >= U32_MAX || csize >= U32_MAX;
    let name = entry.path.as_bytes();
    let mut header = Vec::with_capacity(30 + name.len() + 20);
    put32(&mut header, 0x0403_4b50);
    put16(&mut header, if zip64 { 45 } else { 20 });
    put16(&mut header, flags(&entry.path));
    put16(&mut header, packed.method);
    put16(&mut header, time);
    put16(&mut header, date);
    put32(&mut header, packed.crc);
    put32(
        &mut header,
        if zip64 { U32_MAX as u32 } else { csize as u32 },
    );
    put32(
        &mut header,
        if zip64 { U32_MAX as u32 } else { size as u32 },
    );
    put16(&mut header, name.len() as u16);
    put16(&mut header, if zip64 { 20 } else { 0 });
    header.extend_from_slice(name);
    if zip64 {
        put16(&mut header, 0x0001);
        put16(&mut header, 16);
        put64(&mut header, size);
        put64(&mut header, csize);
    }
    let io = |e| Error::write(&entry.path, e);
    out.write_all(&header).map_err(io)?;
    match &mut packed.data {
        Data::Memory(bytes) => out.write_all(bytes).map_err(io)?,
        Data::Spooled(spooled) => {
            spooled.copy_to(out).map_err(io)?;
        }
        Data::Copied(from) => {
            let mut raw = from.open().map_err(|e| Error::io(&from.archive, e))?;
            let n = std::io::copy(&mut raw, out).map_err(io)?;
            if n != from.compressed_size {
                return Err(Error::io(
                    &from.archive,
                    std::io::Error::other(format!("{}: member data cut short", entry.path)),
                ));
            }
        }
    }
    Ok(Central {
        name: entry.path.clone(),
        mode: entry.mode,
        crc: packed.crc,
        size,
        csize,
        method: packed.method,
        offset,
    })
}

/// The central directory, the end of central directory records (zip64 ones
/// when a count, size or offset needs them; APPNOTE 4.3.12–4.3.16) and the
/// comment, written after the members.
fn finish_central_directory<W: Write>(
    out: &mut Counting<W>,
    central: &[Central],
    (date, time): (u16, u16),
    payload_start: u64,
    comment: Option<&ZipComment>,
) -> std::io::Result<()> {
    let cd_offset = out.at;
    let mut buf = Vec::with_capacity(central.len() * 80);
    for c in central {
        central_header(&mut buf, c, (date, time));
    }
    let cd_size = buf.len() as u64;
    end_of_central_directory(&mut buf, central.len() as u64, cd_offset, cd_size);
    match comment {
        // e.g. a frozen executable's launcher trailer: the file stays a
        // valid zip and the launcher finds the trailer at the end.
        Some(comment) => {
            let end = cd_offset + buf.len() as u64 + 2 + u64::from(comment.len);
            let bytes = (comment.render)(payload_start, end);
            if bytes.len() != usize::from(comment.len) {
                return Err(std::io::Error::other("zip comment of the wrong length"));
            }
            put16(&mut buf, comment.len);
            buf.extend_from_slice(&bytes);
        }
        None => put16(&mut buf, 0),
    }
    out.write_all(&buf)
}

/// One central directory file header (APPNOTE 4.3.12), with a zip64
/// extended information field for the sizes and offset that need one.
fn central_header(buf: &mut Vec<u8>, c: &Central, (date, time): (u16, u16)) {
    let mut extra = Vec::new();
    if c.size >= U32_MAX {
        put64(&mut extra, c.size);
    }
    if c.csize >= U32_MAX {
        put64(&mut extra, c.csize);
    }
    if c.offset >= U32_MAX {
        put64(&mut extra, c.offset);
    }
    let zip64 = !extra.is_empty();
    put32(buf, 0x0201_4b50);
    put16(buf, (3 << 8) | 45); // made by: Unix, spec 4.5
    put16(buf, if zip64 { 45 } else { 20 });
    put16(buf, flags(&c.name));
    put16(buf, c.method);
    put16(buf, time);
    put16(buf, date);
    put32(buf, c.crc);
    put32(buf, c.csize.min(U32_MAX) as u32);
    put32(buf, c.size.min(U32_MAX) as u32);
    put16(buf, c.name.len() as u16);
    put16(buf, if zip64 { extra.len() as u16 + 4 } else { 0 });
    put16(buf, 0); // comment
    put16(buf, 0); // disk
    put16(buf, 0); // internal attributes
    put32(buf, (0o100000 | c.mode) << 16); // regular file + permissions
    put32(buf, c.offset.min(U32_MAX) as u32);
    buf.extend_from_slice(c.name.as_bytes());
    if zip64 {
        put16(buf, 0x0001);
        put16(buf, extra.len() as u16);
        buf.extend_from_slice(&extra);
    }
}

/// The end of central directory record, preceded by the zip64 record and
/// locator when the entry count, the directory's size or its offset does
/// not fit the classic one; up to (not including) the comment length.
fn end_of_central_directory(buf: &mut Vec<u8>, count: u64, cd_offset: u64, cd_size: u64) {
    if count >= 0xFFFF || cd_offset >= U32_MAX || cd_size >= U32_MAX {
        let eocd64 = cd_offset + cd_size;
        put32(buf, 0x0606_4b50);
        put64(buf, 44);
        put16(buf, (3 << 8) | 45);
        put16(buf, 45);
        put32(buf, 0);
        put32(buf, 0);
        put64(buf, count);
        put64(buf, count);
        put64(buf, cd_size);
        put64(buf, cd_offset);
        put32(buf, 0x0706_4b50);
        put32(buf, 0);
        put64(buf, eocd64);
        put32(buf, 1);
    }
    put32(buf, 0x0605_4b50);
    put16(buf, 0);
    put16(buf, 0);
    put16(buf, count.min(0xFFFF) as u16);
    put16(buf, count.min(0xFFFF) as u16);
    put32(buf, cd_size.min(U32_MAX) as u32);
    put32(buf, cd_offset.min(U32_MAX) as u32);
}

/// General purpose flag bit 11: the name is UTF-8 (set only when it is not
/// plain ASCII, as Python's zipfile does).
fn flags(name: &str) -> u16 {
    if name.is_ascii() {
        0
    } else {
        1 << 11
    }
}

/// MS-DOS date and time (APPNOTE 4.4.6) of a Unix timestamp, in UTC, clamped
/// to the representable 1980–2107.
pub(crate) fn dos_datetime(unix: u64) -> (u16, u16) {
    const MIN: u64 = 315_532_800; // 1980-01-01
    const MAX: u64 = 4_354_819_198; // 2107-12-31 23:59:58
    let (year, month, day, secs) = crate::epoch::civil(unix.clamp(MIN, MAX));
    let date = (((year - 1980) as u16) << 9) | ((month as u16) << 5) | day as u16;
    let time = (((secs / 3600) as u16) << 11)
        | ((((secs % 3600) / 60) as u16) << 5)
        | ((secs % 60) / 2) as u16;
    (date, time)
}

fn put16(buf: &mut Vec<u8>, v: u16) {
    buf.extend_from_slice(&v.to_le_bytes());
}
fn put32(buf: &mut Vec<u8>, v: u32) {
    buf.extend_from_slice(&v.to_le_bytes());
}
fn put64(buf: &mut Vec<u8>, v: u64) {
    buf.extend_from_slice(&v.to_le_bytes());
}
