//! The zip sink (wheels, zipapps): PKWARE APPNOTE.TXT 6.3 § 4.3 (local file
//! headers, central directory, end of central directory, Zip64), with the
//! binary distribution format's requirements on top (RECORD last, generated
//! from hashes computed while writing).
//!
//! Entries are read and compressed in parallel, in bounded batches, then
//! appended in plan order, so the output does not depend on scheduling.

use super::output::AtomicOutput;
use super::{check_cancel, load, record_position, Written};
use crate::plan::{Entry, Plan};
use crate::progress::Progress;
use crate::record;
use crate::{Error, Result};
use flate2::{write::DeflateEncoder, Compression};
use rayon::prelude::*;
use std::io::Write;
use std::path::Path;

/// Bytes of planned input compressed per parallel batch: bounds memory.
const BATCH_BYTES: u64 = 64 << 20;
const BATCH_ENTRIES: usize = 512;
/// zlib's default: the size/speed balance pip, uv and hatchling also use.
const LEVEL: u32 = 6;
const METHOD_STORED: u16 = 0;
const METHOD_DEFLATED: u16 = 8;
const U32_MAX: u64 = 0xFFFF_FFFF;

/// One entry ready to append.
struct Packed {
    crc: u32,
    sha256: [u8; 32],
    size: u64,
    method: u16,
    data: Vec<u8>,
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

fn pack(entry: &Entry) -> Result<Packed> {
    let loaded = load(entry)?;
    let crc = crc32fast::hash(&loaded.data);
    let mut encoder = DeflateEncoder::new(
        Vec::with_capacity(loaded.data.len() / 3 + 64),
        Compression::new(LEVEL),
    );
    let deflated = encoder
        .write_all(&loaded.data)
        .and_then(|()| encoder.finish())
        .map_err(|e| Error::Plan(format!("{}: compression failed: {e}", entry.path)))?;
    let size = loaded.data.len() as u64;
    // Store what deflate cannot shrink (already-compressed data).
    let (method, data) = if deflated.len() < loaded.data.len() {
        (METHOD_DEFLATED, deflated)
    } else {
        (METHOD_STORED, loaded.data)
    };
    Ok(Packed {
        crc,
        sha256: loaded.sha256,
        size,
        method,
        data,
    })
}

/// Write `plan` as a zip archive to `dest`, compressing entries in parallel.
pub fn write_zip(plan: &Plan, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    let record = record_position(plan)?;
    let files: &[Entry] = match record {
        Some(_) => &plan.entries[..plan.entries.len() - 1],
        None => &plan.entries,
    };
    progress.start(plan.total_size());
    let (date, time) = dos_datetime(plan.mtime);
    let mut out = AtomicOutput::create(dest)?;
    if !plan.preamble.is_empty() {
        // Offsets stay relative to the start of the file, as Python's
        // zipapp and zipfile write them.
        out.set_executable();
        out.write_all(&plan.preamble)
            .map_err(|e| Error::io(dest, e))?;
    }
    let mut central = Vec::with_capacity(plan.entries.len());
    let mut rows = Vec::with_capacity(files.len());

    let mut start = 0;
    while start < files.len() {
        check_cancel(progress)?;
        let mut end = start;
        let mut bytes = 0;
        while end < files.len()
            && end - start < BATCH_ENTRIES
            && (bytes < BATCH_BYTES || end == start)
        {
            bytes += files[end].size;
            end += 1;
        }
        let packed: Vec<Result<Packed>> = files[start..end].par_iter().map(pack).collect();
        for (entry, packed) in files[start..end].iter().zip(packed) {
            let packed = packed?;
            rows.push((entry.path.clone(), packed.sha256, packed.size));
            central.push(append(&mut out, entry, &packed, date, time)?);
            progress.advance(packed.size);
        }
        start = end;
    }
    if let Some(entry) = record {
        let text = record::render(&rows, &entry.path);
        let generated = Entry::bytes(entry.path.clone(), text.into_bytes(), entry.reason.clone());
        let packed = pack(&generated)?;
        central.push(append(&mut out, entry, &packed, date, time)?);
        progress.advance(packed.size);
    }
    check_cancel(progress)?;
    let trailer = plan
        .trailer_key
        .map(|key| (plan.preamble.len() as u64, key));
    finish_central_directory(&mut out, &central, date, time, trailer)
        .map_err(|e| Error::io(dest, e))?;
    out.finish()
}

fn append(
    out: &mut AtomicOutput,
    entry: &Entry,
    packed: &Packed,
    date: u16,
    time: u16,
) -> Result<Central> {
    let offset = out.position();
    let csize = packed.data.len() as u64;
    let zip64 = packed.size >= U32_MAX || csize >= U32_MAX;
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
        if zip64 {
            U32_MAX as u32
        } else {
            packed.size as u32
        },
    );
    put16(&mut header, name.len() as u16);
    put16(&mut header, if zip64 { 20 } else { 0 });
    header.extend_from_slice(name);
    if zip64 {
        put16(&mut header, 0x0001);
        put16(&mut header, 16);
        put64(&mut header, packed.size);
        put64(&mut header, csize);
    }
    let io = |e| Error::io(&entry.path, e);
    out.write_all(&header).map_err(io)?;
    out.write_all(&packed.data).map_err(io)?;
    Ok(Central {
        name: entry.path.clone(),
        mode: entry.mode,
        crc: packed.crc,
        size: packed.size,
        csize,
        method: packed.method,
        offset,
    })
}

fn finish_central_directory(
    out: &mut AtomicOutput,
    central: &[Central],
    date: u16,
    time: u16,
    trailer: Option<(u64, [u8; 32])>,
) -> std::io::Result<()> {
    let cd_offset = out.position();
    let mut buf = Vec::with_capacity(central.len() * 80);
    for c in central {
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
        put32(&mut buf, 0x0201_4b50);
        put16(&mut buf, (3 << 8) | 45); // made by: Unix, spec 4.5
        put16(&mut buf, if zip64 { 45 } else { 20 });
        put16(&mut buf, flags(&c.name));
        put16(&mut buf, c.method);
        put16(&mut buf, time);
        put16(&mut buf, date);
        put32(&mut buf, c.crc);
        put32(&mut buf, c.csize.min(U32_MAX) as u32);
        put32(&mut buf, c.size.min(U32_MAX) as u32);
        put16(&mut buf, c.name.len() as u16);
        put16(&mut buf, if zip64 { extra.len() as u16 + 4 } else { 0 });
        put16(&mut buf, 0); // comment
        put16(&mut buf, 0); // disk
        put16(&mut buf, 0); // internal attributes
        put32(&mut buf, (0o100000 | c.mode) << 16); // regular file + permissions
        put32(&mut buf, c.offset.min(U32_MAX) as u32);
        buf.extend_from_slice(c.name.as_bytes());
        if zip64 {
            put16(&mut buf, 0x0001);
            put16(&mut buf, extra.len() as u16);
            buf.extend_from_slice(&extra);
        }
    }
    let cd_size = buf.len() as u64;
    let count = central.len() as u64;
    if count >= 0xFFFF || cd_offset >= U32_MAX || cd_size >= U32_MAX {
        let eocd64 = cd_offset + cd_size;
        put32(&mut buf, 0x0606_4b50);
        put64(&mut buf, 44);
        put16(&mut buf, (3 << 8) | 45);
        put16(&mut buf, 45);
        put32(&mut buf, 0);
        put32(&mut buf, 0);
        put64(&mut buf, count);
        put64(&mut buf, count);
        put64(&mut buf, cd_size);
        put64(&mut buf, cd_offset);
        put32(&mut buf, 0x0706_4b50);
        put32(&mut buf, 0);
        put64(&mut buf, eocd64);
        put32(&mut buf, 1);
    }
    put32(&mut buf, 0x0605_4b50);
    put16(&mut buf, 0);
    put16(&mut buf, 0);
    put16(&mut buf, count.min(0xFFFF) as u16);
    put16(&mut buf, count.min(0xFFFF) as u16);
    put32(&mut buf, cd_size.min(U32_MAX) as u32);
    put32(&mut buf, cd_offset.min(U32_MAX) as u32);
    match trailer {
        // A frozen executable: the launcher's trailer is the zip comment, so
        // the file stays a valid zip and the launcher finds it at the end.
        Some((payload_offset, key)) => {
            let end = cd_offset + buf.len() as u64 + 2 + gradient_launcher::TRAILER_LEN as u64;
            let t = gradient_launcher::Trailer {
                version: gradient_launcher::FORMAT_VERSION,
                payload_offset,
                payload_size: end - payload_offset,
                key,
            };
            put16(&mut buf, gradient_launcher::TRAILER_LEN as u16);
            buf.extend_from_slice(&t.encode());
        }
        None => put16(&mut buf, 0),
    }
    out.write_all(&buf)
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
