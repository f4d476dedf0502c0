//! Patching ELF files: the dynamic section's search path in place
//! ([`relocate_runpath`], for frozen executables), and the rewrites wheel
//! repair needs ([`rewrite`]): DT_NEEDED renamed or removed, DT_SONAME set,
//! DT_RUNPATH set or removed. Those can grow the dynamic string table, so
//! they go through arwen (object's ELF builder, which lays the file out
//! again) rather than bytes overwritten in place; patchelf's history of
//! corrupted binaries (auditwheel #716/#722, patchelf #474/#558) is why
//! every rewritten file is parsed again and compared with what was asked.

use std::collections::{BTreeMap, BTreeSet};

/// What to change in one ELF file's dynamic section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edits {
    /// DT_NEEDED entries renamed: old → new.
    pub replace_needed: BTreeMap<String, String>,
    /// DT_NEEDED entries removed (libpython, which the interpreter provides).
    pub remove_needed: BTreeSet<String>,
    pub soname: Option<String>,
    /// `Some(None)` removes DT_RUNPATH/DT_RPATH; `Some(Some(p))` sets
    /// DT_RUNPATH to `p` (removing any DT_RPATH).
    pub runpath: Option<Option<String>>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        *self == Edits::default()
    }
}

/// `bytes` (the ELF file `name`) with `edits` applied, parsed again and
/// checked: the needed list, soname and search path are exactly the ones
/// asked for, and the machine, class and everything else the analysis reads
/// are unchanged. Hostile input gives an error, never a panic.
pub fn rewrite(name: &str, bytes: &[u8], edits: &Edits) -> Result<Vec<u8>, String> {
    let before = super::analyse(name, bytes)?;
    within_file(bytes).map_err(|e| format!("{name}: cannot rewrite: {e}"))?;
    let out = std::panic::catch_unwind(|| apply(bytes, edits))
        .map_err(|_| format!("{name}: the ELF rewriter failed on this file"))?
        .map_err(|e| format!("{name}: cannot rewrite: {e}"))?;
    let after = super::analyse(name, &out)
        .map_err(|e| format!("{name}: the rewritten file does not parse again: {e}"))?;
    check(name, &before, &after, edits)?;
    Ok(out)
}

/// Every segment and section with contents lies inside the file. The
/// rewriter lays the file out again at the offsets the headers give, so a
/// hostile offset (2^53, say) would make it pad the output to that size: an
/// allocation no `catch_unwind` contains. Alignments, zero-fill and hash
/// table sizes are bounded for the same reason (each found by fuzzing).
fn within_file(bytes: &[u8]) -> Result<(), String> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| e.to_string())?;
    let len = bytes.len() as u64;
    segments_fit(&elf, len)?;
    sections_fit(bytes, &elf, len)?;
    // Each alignment may cost up to its size in padding.
    let padding: u64 = (elf.program_headers.iter().map(|p| p.p_align))
        .chain(elf.section_headers.iter().map(|s| s.sh_addralign))
        .fold(0, u64::saturating_add);
    if padding > MAX_ZERO_FILL {
        return Err(format!("its alignments could pad it by {padding} bytes"));
    }
    Ok(())
}

fn inside(offset: u64, size: u64, len: u64) -> bool {
    offset.checked_add(size).is_some_and(|end| end <= len)
}

fn segments_fit(elf: &goblin::elf::Elf<'_>, len: u64) -> Result<(), String> {
    use goblin::elf::program_header::PT_NULL;
    for (i, p) in elf.program_headers.iter().enumerate() {
        if p.p_type != PT_NULL && !inside(p.p_offset, p.p_filesz, len) {
            return Err(format!(
                "program header {i} reaches past the end of the file"
            ));
        }
        if p.p_align > MAX_ALIGN {
            return Err(format!(
                "program header {i} asks for an alignment of {} bytes",
                p.p_align
            ));
        }
        // Memory beyond the file's bytes (.bss) is laid out too: a hostile
        // p_memsz (2^60, found by fuzzing) would be padded out the same way.
        if p.p_memsz.saturating_sub(p.p_filesz) > MAX_ZERO_FILL
            || p.p_vaddr.checked_add(p.p_memsz).is_none()
        {
            return Err(format!(
                "program header {i} maps more than {MAX_ZERO_FILL} bytes beyond its contents"
            ));
        }
    }
    Ok(())
}

fn sections_fit(bytes: &[u8], elf: &goblin::elf::Elf<'_>, len: u64) -> Result<(), String> {
    use goblin::elf::section_header::SHT_NOBITS;
    for (i, s) in elf.section_headers.iter().enumerate() {
        if s.sh_type != SHT_NOBITS && !inside(s.sh_offset, s.sh_size, len) {
            return Err(format!(
                "section header {i} reaches past the end of the file"
            ));
        }
        if s.sh_type == SHT_NOBITS && s.sh_size > MAX_ZERO_FILL {
            return Err(format!(
                "section header {i} maps more than {MAX_ZERO_FILL} bytes of zeros"
            ));
        }
        if s.sh_addralign > MAX_ALIGN {
            return Err(format!(
                "section header {i} asks for an alignment of {} bytes",
                s.sh_addralign
            ));
        }
        if !hash_table_fits(bytes, elf.little_endian, elf.is_64, s) {
            return Err(format!(
                "section header {i}: its hash table is malformed or larger than the section"
            ));
        }
    }
    Ok(())
}

/// Whether a symbol hash table's header (System V ABI § "Hash Table"; the
/// GNU hash layout of glibc's dl-lookup) describes a usable table that fits
/// in its section: the rewriter lays out a new table of the sizes the header says
/// (a bloom count of 2^32, found by fuzzing, asked it for 34 GB).
fn hash_table_fits(
    bytes: &[u8],
    little_endian: bool,
    is_64: bool,
    s: &goblin::elf::SectionHeader,
) -> bool {
    use goblin::elf::section_header::{SHT_GNU_HASH, SHT_HASH};
    let word = |i: u64| -> Option<u64> {
        let at = usize::try_from(s.sh_offset.checked_add(i * 4)?).ok()?;
        let raw: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(u64::from(if little_endian {
            u32::from_le_bytes(raw)
        } else {
            u32::from_be_bytes(raw)
        }))
    };
    // The loader needs at least one bucket, and a GNU bloom filter whose
    // word count is a power of two (it masks with count - 1); the rewriter
    // indexes both (a bloom count of 0, found by fuzzing, panicked it).
    let needed = match s.sh_type {
        SHT_HASH => (|| {
            let (buckets, chains) = (word(0)?, word(1)?);
            (buckets > 0).then_some(8 + (buckets + chains) * 4)
        })(),
        SHT_GNU_HASH => {
            let bloom_word = if is_64 { 8 } else { 4 };
            (|| {
                let (buckets, bloom) = (word(0)?, word(2)?);
                (buckets > 0 && bloom.is_power_of_two())
                    .then_some(16 + bloom * bloom_word + buckets * 4)
            })()
        }
        _ => return true,
    };
    needed.is_some_and(|n| n <= s.sh_size)
}

/// The largest alignment a segment or section may ask for: 2 MiB, the
/// largest page size linkers have used (x86-64's old max-page-size); the
/// rewriter pads its output to every alignment, and fuzzing found a
/// section aligned to 2^40.
const MAX_ALIGN: u64 = 1 << 21;

/// Zero-filled memory (.bss) one segment or section may ask for: far above
/// any real extension module or library, far below what a hostile size
/// would make the rewriter allocate.
const MAX_ZERO_FILL: u64 = 1 << 30;

fn apply(bytes: &[u8], edits: &Edits) -> Result<Vec<u8>, arwen::elf::ElfError> {
    let mut elf = arwen::elf::ElfContainer::parse(bytes)?;
    if !edits.remove_needed.is_empty() {
        elf.remove_needed(edits.remove_needed.iter().cloned().collect())?;
    }
    if !edits.replace_needed.is_empty() {
        let map: std::collections::HashMap<String, String> = edits
            .replace_needed
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        elf.replace_needed(&map)?;
    }
    if let Some(soname) = &edits.soname {
        elf.set_soname(soname)?;
    }
    match &edits.runpath {
        None => {}
        Some(None) => elf.remove_runpath()?,
        Some(Some(path)) => {
            // Removing first makes the new entry a DT_RUNPATH even where
            // the file had a DT_RPATH (which would apply to everything the
            // process loads after it, not just this file's own needs).
            elf.remove_runpath()?;
            elf.set_runpath(path)?;
        }
    }
    let mut out = Vec::with_capacity(bytes.len() + 4096);
    elf.write(&mut out)?;
    Ok(out)
}

/// The rewritten file says what was asked and nothing else changed.
fn check(
    name: &str,
    before: &super::ElfInfo,
    after: &super::ElfInfo,
    edits: &Edits,
) -> Result<(), String> {
    let wanted_needed: Vec<String> = before
        .needed
        .iter()
        .filter(|n| !edits.remove_needed.contains(*n))
        .map(|n| edits.replace_needed.get(n).unwrap_or(n).clone())
        .collect();
    let wanted_soname = edits.soname.clone().or(before.soname.clone());
    let (wanted_rpath, wanted_runpath) = match &edits.runpath {
        None => (before.rpath.clone(), before.runpath.clone()),
        Some(None) => (Vec::new(), Vec::new()),
        Some(Some(p)) => (Vec::new(), vec![p.clone()]),
    };
    let mut wrong = Vec::new();
    if after.needed != wanted_needed {
        wrong.push(format!(
            "DT_NEEDED is {:?}, not {wanted_needed:?}",
            after.needed
        ));
    }
    if after.soname != wanted_soname {
        wrong.push(format!(
            "DT_SONAME is {:?}, not {wanted_soname:?}",
            after.soname
        ));
    }
    if after.rpath != wanted_rpath || after.runpath != wanted_runpath {
        wrong.push(format!(
            "the search path is RPATH {:?} RUNPATH {:?}, not RUNPATH {wanted_runpath:?}",
            after.rpath, after.runpath
        ));
    }
    if (
        after.machine.as_str(),
        after.bits,
        after.kind,
        after.python_extension,
    ) != (
        before.machine.as_str(),
        before.bits,
        before.kind,
        before.python_extension,
    ) || after.undefined != before.undefined
    {
        wrong.push("its machine, kind or symbols changed".into());
    }
    let versions = |i: &super::ElfInfo| -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
        i.version_needs
            .iter()
            .filter(|(lib, _)| !edits.remove_needed.contains(*lib))
            .map(|(lib, v)| {
                (
                    edits.replace_needed.get(lib).unwrap_or(lib).clone(),
                    v.clone(),
                )
            })
            .collect()
    };
    if versions(after) != versions(before) {
        wrong.push("its symbol version requirements changed".into());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{name}: the rewritten file is not as asked: {}",
            wrong.join("; ")
        ))
    }
}

/// Rewrite an ELF file's DT_RUNPATH (or DT_RPATH) in place to `new`, when
/// the new string fits in the old one's space; `None` when there is none or
/// it does not fit (the loader path from the launcher then covers it).
pub fn relocate_runpath(bytes: &[u8], new: &str) -> Option<Vec<u8>> {
    let elf = goblin::elf::Elf::parse(bytes).ok()?;
    let dynamic = elf.dynamic.as_ref()?;
    let tag = dynamic.dyns.iter().find(|d| {
        d.d_tag == goblin::elf::dynamic::DT_RUNPATH || d.d_tag == goblin::elf::dynamic::DT_RPATH
    })?;
    let strtab = elf.section_headers.iter().find(|s| {
        s.sh_type == goblin::elf::section_header::SHT_STRTAB
            && s.sh_addr == dynamic.info.strtab as u64
    })?;
    let at = (strtab.sh_offset + tag.d_val) as usize;
    let old_len = bytes.get(at..)?.iter().position(|&b| b == 0)?;
    if new.len() > old_len {
        return None;
    }
    let mut out = bytes.to_vec();
    out[at..at + old_len].fill(0);
    out[at..at + new.len()].copy_from_slice(new.as_bytes());
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::process::Command;

    #[test]
    fn runpath_is_rewritten_in_place_when_it_fits() {
        let out = Command::new("python3")
            .args([
                "-c",
                "import os, sys; print(os.path.realpath(sys.executable))",
            ])
            .output()
            .unwrap();
        let exe = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let bytes = std::fs::read(&exe).unwrap();
        let before = super::super::analyse("python", &bytes).unwrap();
        let had = before.runpath.first().or(before.rpath.first()).cloned();
        match relocate_runpath(&bytes, "$ORIGIN/../lib") {
            Some(patched) => {
                assert_eq!(patched.len(), bytes.len());
                let after = super::super::analyse("python", &patched).unwrap();
                let now = after.runpath.first().or(after.rpath.first()).cloned();
                assert_eq!(now.as_deref(), Some("$ORIGIN/../lib"));
                assert!(had.is_some_and(|h| h.len() >= "$ORIGIN/../lib".len()));
            }
            None => assert!(had.is_none_or(|h| h.len() < "$ORIGIN/../lib".len())),
        }
        // A longer path than the space holds is refused, not overflowed.
        assert!(relocate_runpath(&bytes, &"x".repeat(4096)).is_none());
    }

    /// Names much longer than the old ones (the dynamic string table must
    /// grow), checked by parsing again; and hostile bytes give errors.
    #[test]
    fn rewrites_grow_the_string_table_and_are_checked() {
        let lib = std::path::Path::new("/usr/lib/x86_64-linux-gnu/libz.so.1");
        let Ok(bytes) = std::fs::read(lib) else {
            return; // not an x86_64 Debian machine
        };
        let before = super::super::analyse("libz", &bytes).unwrap();
        let libc = before.needed.first().unwrap().clone();
        let long = format!("{}-{}.so.6", "libc", "0123456789abcdef".repeat(8));
        let edits = Edits {
            replace_needed: [(libc.clone(), long.clone())].into(),
            soname: Some(format!("libz-{}.so.1", "f".repeat(100))),
            runpath: Some(Some("$ORIGIN/../../a-long-distribution-name.libs".into())),
            ..Edits::default()
        };
        let out = rewrite("libz", &bytes, &edits).unwrap();
        let after = super::super::analyse("libz", &out).unwrap();
        assert!(after.needed.contains(&long) && !after.needed.contains(&libc));
        assert_eq!(after.soname, edits.soname);
        assert_eq!(
            after.runpath,
            ["$ORIGIN/../../a-long-distribution-name.libs"]
        );
        assert!(rewrite("libz", &bytes[..bytes.len() / 3], &edits).is_err());
        // A segment placed 2^53 bytes in (found by fuzzing): refused before
        // the rewriter pads its output out to there.
        let elf = goblin::elf::Elf::parse(&bytes).unwrap();
        let load = elf
            .program_headers
            .iter()
            .rposition(|p| p.p_type == goblin::elf::program_header::PT_LOAD)
            .unwrap();
        let at = elf.header.e_phoff as usize + load * elf.header.e_phentsize as usize + 8;
        let mut far = bytes.clone();
        far[at..at + 8].copy_from_slice(&0x2d00_0000_0000_2ca8u64.to_le_bytes());
        let err = rewrite("far", &far, &edits).unwrap_err();
        assert!(err.contains("reaches past the end of the file"), "{err}");
        // A segment asking for 2^60 bytes of memory (also found by fuzzing).
        let mut huge = bytes.clone();
        let memsz = at + 32; // p_memsz follows p_offset, p_vaddr, p_paddr, p_filesz
        huge[memsz..memsz + 8].copy_from_slice(&0x1000_0000_0000_0568u64.to_le_bytes());
        let err = rewrite("huge", &huge, &edits).unwrap_err();
        assert!(err.contains("beyond its contents"), "{err}");
        // A section aligned to 2^40 (found by fuzzing: the rewriter padded
        // its output towards it and asked for 2.6 GB).
        let first = elf.header.e_shoff as usize + elf.header.e_shentsize as usize;
        let align = first + 48; // sh_addralign, after name, type, flags, addr, offset, size, link, info
        let mut aligned = bytes.clone();
        aligned[align..align + 8].copy_from_slice(&(1u64 << 40).to_le_bytes());
        let err = rewrite("aligned", &aligned, &edits).unwrap_err();
        assert!(err.contains("asks for an alignment"), "{err}");
        assert!(rewrite("junk", b"\x7fELF\x02\x01\x01", &edits).is_err());
    }

    /// The GNU hash header fuzzing found: 3 buckets and 2^32 - 255 bloom
    /// words in a 64-byte section (goblin's 32-bit size arithmetic wrapped
    /// round and let it through; the rewriter then asked for 34 GB).
    #[test]
    fn a_hash_table_must_fit_its_section() {
        use goblin::elf::section_header::{SectionHeader, SHT_GNU_HASH, SHT_HASH};
        let header =
            |words: [u32; 4]| -> Vec<u8> { words.iter().flat_map(|w| w.to_le_bytes()).collect() };
        let section = |sh_type, sh_size| SectionHeader {
            sh_type,
            sh_size,
            ..SectionHeader::default()
        };
        let hostile = header([3, 0x2e, 0xffff_ff01, 1]);
        assert!(!hash_table_fits(
            &hostile,
            true,
            true,
            &section(SHT_GNU_HASH, 0x40)
        ));
        let fair = header([3, 0x2e, 2, 1]); // 16 + 2 * 8 + 3 * 4 = 44 bytes
        assert!(hash_table_fits(
            &fair,
            true,
            true,
            &section(SHT_GNU_HASH, 0x40)
        ));
        assert!(!hash_table_fits(
            &fair,
            true,
            true,
            &section(SHT_GNU_HASH, 43)
        ));
        // System V: nbucket and nchain words each.
        let sysv = header([u32::MAX, u32::MAX, 0, 0]);
        assert!(!hash_table_fits(&sysv, true, true, &section(SHT_HASH, 64)));
        // A header cut off by the end of the file does not fit either.
        assert!(!hash_table_fits(
            &fair[..6],
            true,
            true,
            &section(SHT_GNU_HASH, 0x40)
        ));
    }
}
