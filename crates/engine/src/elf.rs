//! ELF files (extension modules, shared libraries, executables): what they
//! need from the system. Reads the dynamic section (DT_NEEDED, DT_SONAME,
//! DT_RPATH, DT_RUNPATH) and GNU symbol versioning (`.gnu.version_r` and
//! `.gnu.version`, LSB Core "Symbol Versioning") through goblin, so that
//! [`policy`] can tell which manylinux or musllinux tag the code is
//! consistent with and name the symbols that stand in the way of a better one.
//!
//! Beside reading: [`resolve`] finds the libraries a program needs as the
//! loader would and knows which the system provides; [`patch`] rewrites
//! RUNPATH in place; [`strip`] removes debug information.

pub mod patch;
pub mod policy;
pub mod resolve;
pub mod strip;

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Libc {
    Glibc,
    Musl,
}

/// What one ELF file needs and provides.
#[derive(Debug, Clone, Serialize)]
pub struct ElfInfo {
    pub path: String,
    /// The architecture as platform tags spell it (`x86_64`, `aarch64`, ...).
    pub machine: String,
    pub bits: u8,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soname: Option<String>,
    pub needed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rpath: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runpath: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub libc: Option<Libc>,
    /// Exports a `PyInit_*` function: a CPython extension module.
    pub python_extension: bool,
    /// Versions required from each library (`libc.so.6` → `GLIBC_2.14` →
    /// the symbols bound to that version), the dynamic loader excepted.
    pub version_needs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
    /// Undefined dynamic symbols, for the policies' per-library blacklists.
    #[serde(skip)]
    pub undefined: BTreeSet<String>,
}

/// The dynamic loader, which manylinux policies never count as a dependency.
pub fn is_loader(lib: &str) -> bool {
    lib.starts_with("ld-linux")
        || lib == "ld64.so.2"
        || lib == "ld64.so.1"
        || lib.starts_with("ld-musl")
}

fn machine_name(machine: u16, little_endian: bool) -> String {
    use goblin::elf::header::*;
    match machine {
        EM_X86_64 => "x86_64".into(),
        EM_386 => "i686".into(),
        EM_AARCH64 => "aarch64".into(),
        EM_ARM => "armv7l".into(),
        EM_PPC64 if little_endian => "ppc64le".into(),
        EM_PPC64 => "ppc64".into(),
        EM_S390 => "s390x".into(),
        EM_RISCV => "riscv64".into(),
        258 => "loongarch64".into(),
        other => format!("machine-{other}"),
    }
}

/// Random access to an ELF file's bytes. The analysis reads only the
/// ranges the dynamic loader reads (ELF header, program headers, the dynamic
/// section and the tables it points to, and the section header table for
/// sizes), so what it holds is bounded by [`MAX_TABLE_BYTES`], not by the
/// file's size.
pub trait Ranges {
    fn size(&self) -> u64;
    /// Read `len` bytes at `offset` (within `size()`).
    fn read_range(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>>;
}

impl Ranges for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }
    fn read_range(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let start = usize::try_from(offset).map_err(std::io::Error::other)?;
        self.get(start..start.saturating_add(len))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
    }
}

/// Bytes of one ELF file's headers and tables held at most while it is
/// analysed. The largest real extension modules (LLVM, Torch) have dynamic
/// string and symbol tables of a few tens of MiB.
pub const MAX_TABLE_BYTES: u64 = 32 << 20;

/// Reads within the budget, each naming what it reads for the error.
struct Budgeted<'a> {
    src: &'a mut dyn Ranges,
    left: u64,
}

impl Budgeted<'_> {
    fn read(&mut self, what: &str, offset: u64, len: u64) -> Result<Vec<u8>, String> {
        if offset
            .checked_add(len)
            .is_none_or(|end| end > self.src.size())
        {
            return Err(format!("the {what} runs past the end of the file"));
        }
        if len > self.left {
            return Err(format!(
                "the {what} ({len} bytes) is beyond the inspector's bound for one file's tables: not analysed"
            ));
        }
        self.left -= len;
        self.src
            .read_range(offset, len as usize)
            .map_err(|e| format!("the {what} is unreadable: {e}"))
    }
}

/// Analyse the ELF file `bytes` (archive member `path`). The file is in
/// memory already, so its tables may be as large as the file itself (the
/// dynamic string table of TensorFlow's libtensorflow_cc is 77 MB): what the
/// analysis copies is bounded by what the caller chose to hold.
pub fn analyse(path: &str, bytes: &[u8]) -> Result<ElfInfo, String> {
    let budget = MAX_TABLE_BYTES.max(bytes.len() as u64);
    analyse_within(path, &mut { bytes }, budget)
}

/// Analyse an ELF file read range by range (archive member `path`),
/// holding at most [`MAX_TABLE_BYTES`] of it.
pub fn analyse_ranges(path: &str, src: &mut dyn Ranges) -> Result<ElfInfo, String> {
    analyse_within(path, src, MAX_TABLE_BYTES)
}

fn analyse_within(path: &str, src: &mut dyn Ranges, budget: u64) -> Result<ElfInfo, String> {
    // goblin is a third-party parser facing hostile bytes: a panic inside it
    // is contained and reported like any other parse error.
    let mut budget = Budgeted { src, left: budget };
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_parts(&mut budget).map(|parts| collect(path, &parts))
    }))
    .map_err(|_| "the ELF parser failed on malformed structures".to_string())?
}

/// The parts of an ELF file the analysis uses, each read on its own.
struct Parts {
    header: goblin::elf::Header,
    ctx: goblin::container::Ctx,
    interpreter: bool,
    dyns: Vec<goblin::elf::dynamic::Dyn>,
    dynstr: Vec<u8>,
    dynsym: Vec<u8>,
    symbols: usize,
    versym: Vec<u8>,
    verneed: Vec<u8>,
    verneed_count: usize,
}

fn malformed(what: &str) -> impl Fn(goblin::error::Error) -> String + '_ {
    move |e| format!("not a readable ELF file: {what}: {e}")
}

/// The header, the program headers and, when there is a dynamic section,
/// the tables dynamic linking reads.
fn read_parts(b: &mut Budgeted) -> Result<Parts, String> {
    use goblin::container::Ctx;
    use goblin::elf::program_header;
    let head = b.read("ELF header", 0, b.src.size().min(64))?;
    let header = goblin::elf::Elf::parse_header(&head).map_err(malformed("header"))?;
    let container = header.container().map_err(malformed("class"))?;
    let ctx = Ctx::new(
        container,
        header.endianness().map_err(malformed("byte order"))?,
    );
    let mut phdrs = program_headers(b, &header, ctx)?;
    let interpreter = phdrs.iter().any(|p| p.p_type == program_header::PT_INTERP);
    let Some(at) = phdrs
        .iter()
        .position(|p| p.p_type == program_header::PT_DYNAMIC)
    else {
        return Ok(Parts::empty(header, ctx, interpreter));
    };
    let dyn_bytes = b.read("dynamic section", phdrs[at].p_offset, phdrs[at].p_filesz)?;
    // The dynamic section's bytes start at 0 of their own buffer; the load
    // segments stay as they are to map addresses to file offsets.
    phdrs[at].p_offset = 0;
    let dynamic = goblin::elf::dynamic::Dynamic::parse(&dyn_bytes, &phdrs, ctx)
        .map_err(malformed("dynamic section"))?;
    let mut parts = Parts::empty(header, ctx, interpreter);
    let Some(dynamic) = dynamic else {
        return Ok(parts);
    };
    parts.read_tables(b, &dynamic.info)?;
    parts.dyns = dynamic.dyns;
    Ok(parts)
}

/// The program header table.
fn program_headers(
    b: &mut Budgeted,
    header: &goblin::elf::Header,
    ctx: goblin::container::Ctx,
) -> Result<Vec<goblin::elf::ProgramHeader>, String> {
    use goblin::elf::ProgramHeader;
    let phnum = header.e_phnum as usize;
    let ph_bytes = b.read(
        "program header table",
        header.e_phoff,
        (phnum * ProgramHeader::size(ctx)) as u64,
    )?;
    ProgramHeader::parse(&ph_bytes, 0, phnum, ctx).map_err(malformed("program headers"))
}

impl Parts {
    fn empty(header: goblin::elf::Header, ctx: goblin::container::Ctx, interpreter: bool) -> Self {
        Parts {
            header,
            ctx,
            interpreter,
            dyns: Vec::new(),
            dynstr: Vec::new(),
            dynsym: Vec::new(),
            symbols: 0,
            versym: Vec::new(),
            verneed: Vec::new(),
            verneed_count: 0,
        }
    }

    /// The dynamic symbol and string tables and the symbol version tables
    /// `info` locates.
    fn read_tables(
        &mut self,
        b: &mut Budgeted,
        info: &goblin::elf::dynamic::DynamicInfo,
    ) -> Result<(), String> {
        // In file order as linkers lay them out (section headers last; then
        // hash, .dynsym, .dynstr, .gnu.version, .gnu.version_r), so a source
        // that inflates a compressed member starts over at most once.
        let sections = section_sizes(b, &self.header, self.ctx);
        let symbols = symbol_count(b, &sections, info, self.ctx)?;
        let syment = goblin::elf::sym::Sym::size(self.ctx.container) as u64;
        if info.symtab != 0 {
            self.dynsym = b.read(
                "dynamic symbol table",
                info.symtab as u64,
                symbols as u64 * syment,
            )?;
        }
        self.dynstr = b.read(
            "dynamic string table",
            info.strtab as u64,
            info.strsz as u64,
        )?;
        if info.versym != 0 {
            self.versym = b.read("symbol version table", info.versym, symbols as u64 * 2)?;
        }
        if info.verneed != 0 && info.verneednum != 0 {
            let len = sections
                .verneed
                .unwrap_or(64 << 10)
                .min(b.src.size().saturating_sub(info.verneed));
            self.verneed = b.read("version needs", info.verneed, len)?;
        }
        self.symbols = symbols;
        self.verneed_count = info.verneednum as usize;
        Ok(())
    }
}

/// Sizes the section header table gives (the dynamic section gives
/// positions only): `.dynsym`'s and `.gnu.version_r`'s.
#[derive(Default)]
struct SectionSizes {
    dynsym: Option<(u64, u64)>,
    verneed: Option<u64>,
}

fn section_sizes(
    b: &mut Budgeted,
    header: &goblin::elf::Header,
    ctx: goblin::container::Ctx,
) -> SectionSizes {
    use goblin::elf::section_header::{SectionHeader, SHT_DYNSYM, SHT_GNU_VERNEED};
    let count = header.e_shnum as usize;
    let mut out = SectionSizes::default();
    if count == 0 || header.e_shoff == 0 {
        return out;
    }
    // Without section headers (stripped by sstrip) the hash tables count.
    let Ok(bytes) = b.read(
        "section header table",
        header.e_shoff,
        (count * SectionHeader::size(ctx)) as u64,
    ) else {
        return out;
    };
    for sh in SectionHeader::parse(&bytes, 0, count, ctx).unwrap_or_default() {
        match sh.sh_type {
            SHT_DYNSYM => out.dynsym = Some((sh.sh_size, sh.sh_entsize)),
            SHT_GNU_VERNEED => out.verneed = Some(sh.sh_size),
            _ => {}
        }
    }
    out
}

/// How many dynamic symbols there are: from `.dynsym`'s size, else from
/// the hash table (DT_HASH's nchain, or the end of DT_GNU_HASH's chains).
fn symbol_count(
    b: &mut Budgeted,
    sections: &SectionSizes,
    info: &goblin::elf::dynamic::DynamicInfo,
    ctx: goblin::container::Ctx,
) -> Result<usize, String> {
    let u32_at = |bytes: &[u8], at: usize| -> u32 {
        let word = [bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]];
        if ctx.le.is_little() {
            u32::from_le_bytes(word)
        } else {
            u32::from_be_bytes(word)
        }
    };
    if let Some((size, entsize)) = sections.dynsym {
        let entsize = if entsize == 0 {
            goblin::elf::sym::Sym::size(ctx.container) as u64
        } else {
            entsize
        };
        return Ok((size / entsize) as usize);
    }
    if let Some(hash) = info.hash {
        let words = b.read("hash table", hash, 8)?;
        return Ok(u32_at(&words, 4) as usize);
    }
    let Some(gnu) = info.gnu_hash else {
        return Ok(0);
    };
    let head = b.read("GNU hash table", gnu, 16)?;
    let (buckets, first, bloom) = (
        u32_at(&head, 0) as u64,
        u32_at(&head, 4),
        u32_at(&head, 8) as u64,
    );
    let word = if ctx.container.is_big() { 8 } else { 4 };
    let buckets_at = gnu + 16 + bloom * word;
    let table = b.read("GNU hash buckets", buckets_at, buckets * 4)?;
    let last = (0..buckets as usize)
        .map(|i| u32_at(&table, i * 4))
        .max()
        .unwrap_or(0);
    if last < first {
        return Ok(first as usize);
    }
    // Walk the last bucket's chain to the entry that ends it (low bit set).
    let mut index = last;
    let chains_at = buckets_at + buckets * 4;
    loop {
        let at = chains_at + (index - first) as u64 * 4;
        let chunk = b.read("GNU hash chains", at, 4)?;
        index += 1;
        if u32_at(&chunk, 0) & 1 == 1 {
            return Ok(index as usize);
        }
    }
}

/// Library → version → the symbols bound to it.
type VersionNeeds = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The version needs (`.gnu.version_r`), and the version index symbols use
/// for each (vna_other → library, version); the loader's are left out.
fn version_needs(
    parts: &Parts,
    text: &dyn Fn(usize) -> String,
) -> (BTreeMap<u16, (String, String)>, VersionNeeds) {
    use goblin::elf::section_header::{SectionHeader, SHT_GNU_VERNEED};
    let section = SectionHeader {
        sh_type: SHT_GNU_VERNEED,
        sh_size: parts.verneed.len() as u64,
        sh_info: parts.verneed_count as u32,
        ..SectionHeader::default()
    };
    let verneed = goblin::elf::symver::VerneedSection::parse(&parts.verneed, &[section], parts.ctx)
        .ok()
        .flatten();
    let mut versions = BTreeMap::new();
    let mut needs: VersionNeeds = BTreeMap::new();
    for need in verneed.iter().flat_map(|v| v.iter()) {
        let lib = text(need.vn_file);
        if is_loader(&lib) {
            continue;
        }
        for aux in need.iter() {
            let version = text(aux.vna_name);
            versions.insert(aux.vna_other, (lib.clone(), version.clone()));
            needs
                .entry(lib.clone())
                .or_default()
                .entry(version)
                .or_default();
        }
    }
    (versions, needs)
}

/// Walk the dynamic symbols: the undefined ones (each added to the version
/// it is bound to), and whether a `PyInit_*` is defined.
fn scan_symbols(
    parts: &Parts,
    text: &dyn Fn(usize) -> String,
    versions: &BTreeMap<u16, (String, String)>,
    needs: &mut VersionNeeds,
) -> (BTreeSet<String>, bool) {
    use goblin::elf::section_header::{SectionHeader, SHT_GNU_VERSYM};
    use goblin::elf::sym::{Symtab, STB_WEAK};
    let section = SectionHeader {
        sh_type: SHT_GNU_VERSYM,
        sh_size: parts.versym.len() as u64,
        ..SectionHeader::default()
    };
    let versym = goblin::elf::symver::VersymSection::parse(&parts.versym, &[section], parts.ctx)
        .ok()
        .flatten();
    let mut undefined = BTreeSet::new();
    let mut python_extension = false;
    let symbols = Symtab::parse(&parts.dynsym, 0, parts.symbols, parts.ctx).unwrap_or_default();
    for (index, sym) in symbols.iter().enumerate() {
        let name = text(sym.st_name);
        if name.is_empty() {
            continue;
        }
        if sym.st_shndx != 0 {
            python_extension |= name.starts_with("PyInit_");
            continue;
        }
        // A weak reference is optional: the code runs without it (Rust's
        // `__cxa_thread_atexit_impl`), so like auditwheel it decides nothing.
        if sym.st_bind() == STB_WEAK {
            continue;
        }
        let bound = versym.as_ref().and_then(|v| v.get_at(index));
        if let Some((lib, version)) = bound.and_then(|v| versions.get(&v.version())) {
            if let Some(symbols) = needs.get_mut(lib).and_then(|v| v.get_mut(version)) {
                symbols.insert(name.clone());
            }
        }
        undefined.insert(name);
    }
    (undefined, python_extension)
}

fn collect(path: &str, parts: &Parts) -> ElfInfo {
    use goblin::elf::dynamic::{DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME};
    use goblin::elf::header::*;
    let strtab =
        goblin::strtab::Strtab::parse(&parts.dynstr, 0, parts.dynstr.len(), 0).unwrap_or_default();
    let text = |offset: usize| strtab.get_at(offset).unwrap_or("").to_string();
    let ctx = parts.ctx;
    let (versions, mut version_needs) = version_needs(parts, &text);
    let (undefined, python_extension) = scan_symbols(parts, &text, &versions, &mut version_needs);
    let strings = |tag: u64| -> Vec<String> {
        parts
            .dyns
            .iter()
            .filter(|d| d.d_tag == tag)
            .filter_map(|d| strtab.get_at(d.d_val as usize))
            .map(str::to_string)
            .collect()
    };
    let needed = strings(DT_NEEDED);
    let libc = if needed.iter().any(|n| n.starts_with("libc.musl-")) {
        Some(Libc::Musl)
    } else if needed.iter().any(|n| n == "libc.so.6") {
        Some(Libc::Glibc)
    } else {
        None
    };
    let header = &parts.header;
    let little_endian = ctx.le.is_little();
    ElfInfo {
        path: path.to_string(),
        machine: machine_name(header.e_machine, little_endian),
        bits: if ctx.container.is_big() { 64 } else { 32 },
        kind: match header.e_type {
            ET_DYN if parts.interpreter => "executable (position independent)",
            ET_DYN => "shared library",
            ET_EXEC => "executable",
            ET_REL => "relocatable object",
            ET_CORE => "core dump",
            _ => "other",
        },
        soname: strings(DT_SONAME).into_iter().next(),
        needed,
        rpath: strings(DT_RPATH),
        runpath: strings(DT_RUNPATH),
        libc,
        python_extension,
        version_needs,
        undefined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test binary itself is an ELF file linked against glibc.
    #[test]
    fn reads_needs_and_symbol_versions_of_a_real_binary() {
        let exe = std::env::current_exe().expect("test binary");
        let bytes = std::fs::read(&exe).expect("read");
        let info = analyse("self", &bytes).expect("ELF");
        assert_eq!(info.bits, 64);
        assert!(
            info.needed.iter().any(|n| n == "libc.so.6"),
            "{:?}",
            info.needed
        );
        assert_eq!(info.libc, Some(Libc::Glibc));
        let glibc = &info.version_needs["libc.so.6"];
        assert!(glibc.keys().any(|v| v.starts_with("GLIBC_2.")));
        assert!(glibc.values().any(|symbols| !symbols.is_empty()));
        assert!(!info.python_extension);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(analyse("x", b"\x7fELF\x02\x01\x01garbage").is_err());
        assert!(analyse("x", b"").is_err());
    }
}
