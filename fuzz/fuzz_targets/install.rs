//! The wheel installer: a wheel's zip structure checked, then each member
//! streamed into a staged tree, hashed and stopped at its declared size.
//! Whatever the bytes, it installs or refuses; it never writes outside its
//! tree and never leaves a tree behind when it refuses.
#![no_main]
use gradient_engine::apptree::{self, Layout, WheelData, WheelInput};
use gradient_engine::progress::Silent;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(staging) = tempfile::tempdir() else { return };
    let root = staging.path().join("tree");
    let wheel = [WheelInput { file_name: "fuzz-1.0-py3-none-any.whl", data: WheelData::Bytes(data) }];
    let installed = apptree::install(&wheel, &root, &Layout::standard("/usr/bin/python3"), &Silent);
    if installed.is_err() {
        assert!(!root.exists(), "a refused wheel left its tree behind");
    }
    let outside: Vec<_> = std::fs::read_dir(staging.path())
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(outside.iter().all(|n| n == "tree"), "written beside the tree: {outside:?}");
});
