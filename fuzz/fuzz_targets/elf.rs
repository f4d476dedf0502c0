//! Native code analysis on arbitrary bytes: ELF with the manylinux verdict,
//! and Mach-O / PE headers.
#![no_main]
use gradient_engine::elf;
use gradient_engine::inspect::foreign;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = elf::analyse("fuzz.so", data) {
        let _ = elf::policy::verdict(&[info], None);
    }
    let _ = foreign::analyse("fuzz.so", &mut { data });
});
