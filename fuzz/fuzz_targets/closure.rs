//! What the closure reads from the network and from disk: index pages (PEP
//! 503 HTML, PEP 691 JSON), PEP 751 lock files, and wheels being installed
//! (the installer must refuse, never panic or write outside its tree).
#![no_main]
use gradient_engine::apptree::{self, Layout, WheelInput};
use gradient_engine::closure::{index, lock};
use gradient_engine::progress::Silent;
use gradient_engine::runtime::Target;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::OnceLock;

fn target() -> &'static Target {
    static TARGET: OnceLock<Target> = OnceLock::new();
    TARGET.get_or_init(|| Target::parse("3.12-manylinux_2_28_x86_64").expect("target"))
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = index::parse_html(&text, "http://127.0.0.1/simple/x/");
    let _ = index::parse_json(&text, "http://127.0.0.1/simple/x/");
    let _ = lock::parse(&text, Path::new("/nonexistent/pylock.toml"), target());
    if data.starts_with(b"PK") {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("tree");
        let wheel = WheelInput { file_name: "x-1.0-py3-none-any.whl", bytes: data };
        let _ = apptree::install(&[wheel], &root, &Layout::standard("/usr/bin/python3"), &Silent);
        for entry in walk(dir.path()) {
            assert!(entry.starts_with(&root), "wrote outside the tree: {}", entry.display());
        }
    }
});

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        out.push(path.clone());
        if path.is_dir() && !path.is_symlink() {
            out.extend(walk(&path));
        }
    }
    out
}
