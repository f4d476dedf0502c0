//! Core metadata, RECORD rows and entry points: the text formats inside
//! artifacts.
#![no_main]
use gradient_engine::inspect::{core_metadata, entry_points, record_check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut findings = Vec::new();
    let _ = core_metadata::parse(data, "METADATA", &mut findings);
    let _ = entry_points::parse(data, "entry_points.txt", &mut findings);
    for line in String::from_utf8_lossy(data).lines() {
        let _ = record_check::csv_fields(line);
    }
});
