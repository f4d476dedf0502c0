//! The throughput limit the inspector is measured against: read a zip with
//! the zip crate and inflate + sha256 every entry, sequentially, on one core,
//! doing nothing else. Prints the seconds taken and the bytes inflated.
//!
//!     cargo run --release -p gradient-engine --example inflate_limit -- FILE.whl

use sha2::{Digest, Sha256};
use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: inflate_limit FILE")?;
    let start = std::time::Instant::now();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&path)?)?;
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let mut hasher = Sha256::new();
        loop {
            let n = entry.read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            total += n as u64;
        }
        std::hint::black_box(hasher.finalize());
    }
    println!("{:.6} {total}", start.elapsed().as_secs_f64());
    Ok(())
}
