//! The whole inspector on arbitrary bytes, named as a wheel so every wheel
//! check runs when the bytes happen to form a zip.
#![no_main]
use gradient_engine::inspect::{archive::Limits, blob::Bytes, inspect_blob};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_total_bytes: 64 << 20, max_member_bytes: 16 << 20, ..Limits::default() };
    let _ = inspect_blob("fuzz-1.0-py3-none-any.whl", &Bytes(data), &limits);
});
