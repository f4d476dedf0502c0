//! The zip reader alone: central directory, local headers, inflation.
#![no_main]
use gradient_engine::inspect::{archive::Limits, blob::Bytes, zip_read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_total_bytes: 64 << 20, max_member_bytes: 16 << 20, ..Limits::default() };
    let _ = zip_read::read(&Bytes(data), &limits);
});
