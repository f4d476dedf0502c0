//! Patching ELF files in place: the dynamic section's search path.

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
}
