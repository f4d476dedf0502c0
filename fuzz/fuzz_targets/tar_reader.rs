//! The tar reader, on plain and gzip-compressed streams.
#![no_main]
use gradient_engine::inspect::{archive::Limits, blob::Bytes, tar_read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_total_bytes: 64 << 20, max_member_bytes: 16 << 20, ..Limits::default() };
    let gzip = data.first().is_some_and(|b| b & 1 == 1);
    let _ = tar_read::read(&Bytes(data.get(1..).unwrap_or_default()), gzip, &limits);
});
