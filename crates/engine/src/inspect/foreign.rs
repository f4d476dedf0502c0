//! Native code for macOS and Windows: what a Mach-O or PE file needs from the
//! system, read from its headers only (a few KiB, through the same bounded
//! [`Ranges`] as ELF files).
//!
//! Mach-O (`<mach-o/loader.h>`, `<mach-o/fat.h>`): the minimum macOS each
//! architecture slice was built for (`LC_BUILD_VERSION` minos, or
//! `LC_VERSION_MIN_MACOSX`) and the libraries it loads (`LC_LOAD_DYLIB` and
//! its weak and re-export forms). PE (Microsoft "PE Format", § "The .idata
//! Section"): the DLLs its import directory names.

use crate::elf::Ranges;
use serde::Serialize;
use std::collections::BTreeMap;

/// What a Mach-O or PE file needs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ForeignInfo {
    pub path: String,
    /// `Mach-O` or `PE`.
    pub format: &'static str,
    /// Architectures as platform tags spell them (`x86_64`, `arm64`, `amd64`).
    pub arches: Vec<String>,
    /// The minimum macOS version of each architecture slice (`arm64` →
    /// `11.0`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub min_macos: BTreeMap<String, String>,
    /// Libraries loaded (Mach-O) or DLLs imported (PE).
    pub needed: Vec<String>,
}

const MH_MAGIC: u32 = 0xfeed_face;
const MH_MAGIC_64: u32 = 0xfeed_facf;
const FAT_MAGIC: u32 = 0xcafe_babe;
const FAT_MAGIC_64: u32 = 0xcafe_babf;
/// Load commands of one slice read at most (real ones are a few KiB).
const MAX_COMMANDS: u32 = 1 << 20;

/// Whether `head` (a member's first bytes) starts a Mach-O or PE file.
pub fn is_foreign(head: &[u8]) -> bool {
    let word = |be: bool| {
        head.get(..4)
            .and_then(|b| b.try_into().ok())
            .map(|b: [u8; 4]| {
                if be {
                    u32::from_be_bytes(b)
                } else {
                    u32::from_le_bytes(b)
                }
            })
    };
    head.starts_with(b"MZ")
        || matches!(word(false), Some(MH_MAGIC | MH_MAGIC_64))
        || matches!(
            word(true),
            Some(FAT_MAGIC | FAT_MAGIC_64 | MH_MAGIC | MH_MAGIC_64)
        )
}

/// Whether a member's name is one native code for macOS or Windows has
/// (so a Java class file, which shares the universal binary's magic, or a
/// stray `MZ` text file, is left alone).
pub fn native_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    [".so", ".dylib", ".pyd", ".dll", ".exe"]
        .iter()
        .any(|ext| name.ends_with(ext))
        || name.contains(".so.")
        || name.contains(".dylib.")
}

fn read(src: &mut dyn Ranges, offset: u64, len: u64, what: &str) -> Result<Vec<u8>, String> {
    if offset.checked_add(len).is_none_or(|end| end > src.size()) {
        return Err(format!("the {what} runs past the end of the file"));
    }
    src.read_range(offset, len as usize)
        .map_err(|e| format!("the {what} is unreadable: {e}"))
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .unwrap_or(0)
}

fn u32_at(b: &[u8], at: usize, be: bool) -> u32 {
    b.get(at..at + 4)
        .map(|s| {
            let w = [s[0], s[1], s[2], s[3]];
            if be {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        })
        .unwrap_or(0)
}

/// Analyse a Mach-O (thin or universal) or PE file.
pub fn analyse(path: &str, src: &mut dyn Ranges) -> Result<ForeignInfo, String> {
    let len = src.size().min(8);
    let head = read(src, 0, len, "header")?;
    let mut info = ForeignInfo {
        path: path.to_string(),
        format: "Mach-O",
        arches: Vec::new(),
        min_macos: BTreeMap::new(),
        needed: Vec::new(),
    };
    if head.starts_with(b"MZ") {
        info.format = "PE";
        pe(src, &mut info)?;
        return Ok(info);
    }
    match u32_at(&head, 0, true) {
        FAT_MAGIC | FAT_MAGIC_64 => {
            let wide = u32_at(&head, 0, true) == FAT_MAGIC_64;
            let count = u32_at(&head, 4, true).min(64) as u64;
            let entry = if wide { 32 } else { 20 };
            let table = read(src, 8, count * entry, "universal header")?;
            for i in 0..count as usize {
                let at = i * entry as usize;
                let offset = if wide {
                    (u32_at(&table, at + 8, true) as u64) << 32
                        | u32_at(&table, at + 12, true) as u64
                } else {
                    u32_at(&table, at + 8, true) as u64
                };
                mach_slice(src, offset, &mut info)?;
            }
        }
        _ => mach_slice(src, 0, &mut info)?,
    }
    info.needed.sort();
    info.needed.dedup();
    Ok(info)
}

/// One Mach-O slice at `base`: its architecture, minimum macOS, libraries.
fn mach_slice(src: &mut dyn Ranges, base: u64, info: &mut ForeignInfo) -> Result<(), String> {
    let header = read(src, base, 32, "Mach-O header")?;
    let (magic_le, magic_be) = (u32_at(&header, 0, false), u32_at(&header, 0, true));
    let be = magic_be == MH_MAGIC || magic_be == MH_MAGIC_64;
    let wide = magic_le == MH_MAGIC_64 || magic_be == MH_MAGIC_64;
    if !be && magic_le != MH_MAGIC && magic_le != MH_MAGIC_64 {
        return Err(format!("no Mach-O header at offset {base}"));
    }
    let arch = match u32_at(&header, 4, be) {
        0x0100_0007 => "x86_64".to_string(),
        0x0100_000c => "arm64".into(),
        7 => "i386".into(),
        other => format!("cputype-{other:#x}"),
    };
    info.arches.push(arch.clone());
    let size = u32_at(&header, 20, be).min(MAX_COMMANDS) as u64;
    let commands = read(
        src,
        base + if wide { 32 } else { 28 },
        size,
        "load commands",
    )?;
    let mut at = 0usize;
    for _ in 0..u32_at(&header, 16, be) {
        let (cmd, len) = (
            u32_at(&commands, at, be),
            u32_at(&commands, at + 4, be) as usize,
        );
        if len < 8 || at + len > commands.len() {
            break;
        }
        let body = &commands[at..at + len];
        match cmd {
            // LC_BUILD_VERSION for macOS (platform 1): minos.
            0x32 if u32_at(body, 8, be) == 1 => {
                info.min_macos
                    .insert(arch.clone(), version(u32_at(body, 12, be)));
            }
            // LC_VERSION_MIN_MACOSX: version.
            0x24 => {
                info.min_macos
                    .insert(arch.clone(), version(u32_at(body, 8, be)));
            }
            // LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB.
            0xc | 0x8000_0018 | 0x8000_001f => {
                let name = body.get(u32_at(body, 8, be) as usize..).unwrap_or_default();
                let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
                info.needed
                    .push(String::from_utf8_lossy(&name[..end]).into_owned());
            }
            _ => {}
        }
        at += len;
    }
    Ok(())
}

/// A version encoded `xxxx.yy.zz` in nibbles, as `major.minor`.
fn version(encoded: u32) -> String {
    format!("{}.{}", encoded >> 16, (encoded >> 8) & 0xff)
}

/// A PE file's machine and imported DLLs.
fn pe(src: &mut dyn Ranges, info: &mut ForeignInfo) -> Result<(), String> {
    let dos = read(src, 0, 64, "DOS header")?;
    let pe_at = u32_at(&dos, 0x3c, false) as u64;
    let coff = read(src, pe_at, 24, "PE header")?;
    if !coff.starts_with(b"PE\0\0") {
        return Err("no PE signature where the DOS header points".into());
    }
    info.arches.push(match u16_at(&coff, 4) {
        0x8664 => "amd64".into(),
        0x14c => "win32".into(),
        0xaa64 => "arm64".into(),
        other => format!("machine-{other:#x}"),
    });
    let sections = u16_at(&coff, 6) as u64;
    let optional_len = u16_at(&coff, 20) as u64;
    let optional = read(src, pe_at + 24, optional_len, "optional header")?;
    // The import directory is data directory 1, after the fixed fields.
    let directories = match u16_at(&optional, 0) {
        0x20b => 112,
        _ => 96,
    };
    let import_rva = u32_at(&optional, directories + 8, false);
    if import_rva == 0 {
        return Ok(());
    }
    let table = read(
        src,
        pe_at + 24 + optional_len,
        sections.min(96) * 40,
        "section table",
    )?;
    let to_offset = |rva: u32| -> Option<u64> {
        table.chunks_exact(40).find_map(|s| {
            let (va, size, raw) = (
                u32_at(s, 12, false),
                u32_at(s, 16, false).max(u32_at(s, 8, false)),
                u32_at(s, 20, false),
            );
            (rva >= va && rva < va.saturating_add(size)).then(|| (rva - va) as u64 + raw as u64)
        })
    };
    let mut at = to_offset(import_rva).ok_or("the import directory is in no section")?;
    for _ in 0..4096 {
        let descriptor = read(src, at, 20, "import descriptor")?;
        let name_rva = u32_at(&descriptor, 12, false);
        if name_rva == 0 {
            break;
        }
        if let Some(name_at) = to_offset(name_rva) {
            let len = 256.min(src.size().saturating_sub(name_at));
            let name = read(src, name_at, len, "DLL name")?;
            let end = name.iter().position(|b| *b == 0).unwrap_or(name.len());
            info.needed
                .push(String::from_utf8_lossy(&name[..end]).into_owned());
        }
        at += 20;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A thin 64-bit arm64 Mach-O with LC_BUILD_VERSION (macOS 11.0) and one
    /// LC_LOAD_DYLIB.
    pub fn macho(minos: (u32, u32)) -> Vec<u8> {
        let dylib = b"/usr/lib/libSystem.B.dylib\0\0\0\0\0\0";
        let build = [0x32u32, 24, 1, minos.0 << 16 | minos.1 << 8, 0, 0];
        let load_len = 24 + dylib.len() as u32;
        let load = [0xcu32, load_len, 24, 2, 0, 0];
        let mut out = Vec::new();
        for w in [MH_MAGIC_64, 0x0100_000c, 0, 6, 2, 24 + load_len, 0, 0] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        for w in build.iter().chain(&load) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out.extend_from_slice(dylib);
        out
    }

    #[test]
    fn reads_minimum_macos_and_libraries() {
        let bytes = macho((11, 0));
        assert!(is_foreign(&bytes));
        let info = analyse("x.so", &mut bytes.as_slice()).expect("Mach-O");
        assert_eq!(info.arches, ["arm64"]);
        assert_eq!(info.min_macos["arm64"], "11.0");
        assert_eq!(info.needed, ["/usr/lib/libSystem.B.dylib"]);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b"MZ"[..],
            b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe\0\0\0\x09",
        ] {
            let _ = analyse("x", &mut { bytes });
        }
        let good = macho((10, 9));
        for cut in 0..good.len() {
            let _ = analyse("x", &mut &good[..cut]);
        }
    }
}
