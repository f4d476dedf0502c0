//! ELF analysis and the manylinux verdict on arbitrary bytes.
#![no_main]
use gradient_engine::elf;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(info) = elf::analyse("fuzz.so", data) {
        let _ = elf::policy::verdict(&[info], None);
    }
});
