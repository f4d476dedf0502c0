//! Install wheels with the application installer, the way `gradient build`
//! stages a zipapp's tree, into a temporary directory that is then removed:
//! for measuring its time and peak memory by hand on generated or hostile
//! wheels (`/usr/bin/time -v`). Prints the seconds taken and the files and
//! bytes installed, or why the wheels were refused.
//!
//!     cargo run --release -p gradient-engine --example install_wheel -- FILE.whl…

use gradient_engine::apptree::{self, Layout, WheelData, WheelInput};
use gradient_engine::progress::Silent;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        return Err("usage: install_wheel FILE.whl…".into());
    }
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let wheels: Vec<WheelInput<'_>> = paths
        .iter()
        .zip(&names)
        .map(|(path, file_name)| WheelInput {
            file_name,
            data: WheelData::File(path),
        })
        .collect();
    let staging = tempfile::tempdir()?;
    let start = std::time::Instant::now();
    let installed = apptree::install(
        &wheels,
        &staging.path().join("tree"),
        &Layout::standard("/usr/bin/python3"),
        &Silent,
    );
    let seconds = start.elapsed().as_secs_f64();
    match installed {
        Ok(tree) => {
            let bytes: u64 = tree.files.iter().map(|f| f.size).sum();
            println!("{seconds:.3} s: {} files, {bytes} bytes", tree.files.len());
            Ok(())
        }
        Err(e) => {
            println!("{seconds:.3} s: refused: {e}");
            std::process::exit(1)
        }
    }
}
