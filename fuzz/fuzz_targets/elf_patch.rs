//! The ELF rewriter wheel repair uses, on arbitrary bytes: every edit it
//! can make (a needed library renamed and one removed, the soname set, the
//! search path set), which must give a checked file or an error, never a
//! panic or a file that does not parse again.
#![no_main]
use gradient_engine::elf::{self, patch};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(info) = elf::analyse("fuzz.so", data) else {
        return;
    };
    let mut edits = patch::Edits::default();
    if let Some(first) = info.needed.first() {
        edits
            .replace_needed
            .insert(first.clone(), format!("{first}-0123abcd.so.1"));
    }
    if let Some(last) = info.needed.get(1) {
        edits.remove_needed.insert(last.clone());
    }
    edits.soname = Some("libfuzz-89abcdef.so.1".into());
    edits.runpath = Some(Some("$ORIGIN/../fuzz.libs".into()));
    if let Ok(out) = patch::rewrite("fuzz.so", data, &edits) {
        assert!(elf::analyse("fuzz.so", &out).is_ok());
    }
});
