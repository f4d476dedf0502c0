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

/// Analyse the ELF file `bytes` (archive member `path`).
pub fn analyse(path: &str, bytes: &[u8]) -> Result<ElfInfo, String> {
    // goblin is a third-party parser facing hostile bytes: a panic inside it
    // is contained and reported like any other parse error.
    let parsed =
        std::panic::catch_unwind(|| goblin::elf::Elf::parse(bytes).map(|elf| collect(path, &elf)))
            .map_err(|_| "the ELF parser failed on malformed structures".to_string())?;
    parsed.map_err(|e| format!("not a readable ELF file: {e}"))
}

fn collect(path: &str, elf: &goblin::elf::Elf) -> ElfInfo {
    use goblin::elf::header::*;
    let strtab = &elf.dynstrtab;
    let text = |offset: usize| strtab.get_at(offset).unwrap_or("").to_string();
    // vna_other (the version index symbols refer to) → (library, version).
    let mut versions: BTreeMap<u16, (String, String)> = BTreeMap::new();
    let mut version_needs: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    if let Some(verneed) = &elf.verneed {
        for need in verneed.iter() {
            let lib = text(need.vn_file);
            if is_loader(&lib) {
                continue;
            }
            for aux in need.iter() {
                let version = text(aux.vna_name);
                versions.insert(aux.vna_other, (lib.clone(), version.clone()));
                version_needs
                    .entry(lib.clone())
                    .or_default()
                    .entry(version)
                    .or_default();
            }
        }
    }
    let mut undefined = BTreeSet::new();
    let mut python_extension = false;
    for (index, sym) in elf.dynsyms.iter().enumerate() {
        let name = text(sym.st_name);
        if name.is_empty() {
            continue;
        }
        if sym.st_shndx == 0 {
            if let Some(versym) = elf.versym.as_ref().and_then(|v| v.get_at(index)) {
                if let Some((lib, version)) = versions.get(&versym.version()) {
                    if let Some(symbols) =
                        version_needs.get_mut(lib).and_then(|v| v.get_mut(version))
                    {
                        symbols.insert(name.clone());
                    }
                }
            }
            undefined.insert(name);
        } else if name.starts_with("PyInit_") {
            python_extension = true;
        }
    }
    let needed: Vec<String> = elf.libraries.iter().map(|s| s.to_string()).collect();
    let libc = if needed.iter().any(|n| n.starts_with("libc.musl-")) {
        Some(Libc::Musl)
    } else if needed.iter().any(|n| n == "libc.so.6") {
        Some(Libc::Glibc)
    } else {
        None
    };
    ElfInfo {
        path: path.to_string(),
        machine: machine_name(elf.header.e_machine, elf.little_endian),
        bits: if elf.is_64 { 64 } else { 32 },
        kind: match elf.header.e_type {
            ET_DYN if elf.interpreter.is_some() => "executable (position independent)",
            ET_DYN => "shared library",
            ET_EXEC => "executable",
            ET_REL => "relocatable object",
            ET_CORE => "core dump",
            _ => "other",
        },
        soname: elf.soname.map(str::to_string),
        needed,
        rpath: elf.rpaths.iter().map(|s| s.to_string()).collect(),
        runpath: elf.runpaths.iter().map(|s| s.to_string()).collect(),
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
