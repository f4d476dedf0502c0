//! Pack a staged Debian tree (as `dpkg-deb -R` unpacks one: the data files
//! and DEBIAN/) with Gradient's .deb writer, the step `dpkg-deb --build`
//! performs, so the two can be timed on the same input (bench/run deb).
//! md5sums is computed by the writer, as it is when Gradient builds.
//!
//!     cargo run --release -p gradient-engine --example deb_pack -- DIR OUT.deb zstd|xz|gzip

use gradient_engine::deb::{assemble, Compression, Members};
use gradient_engine::plan::Entry;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>) -> std::io::Result<()> {
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let path = item.path();
        let rel = path
            .strip_prefix(root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        if rel == "DEBIAN" {
            continue;
        }
        let meta = item.metadata()?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else {
            out.push(Entry::file(
                rel,
                path.clone(),
                meta.len(),
                meta.permissions().mode() & 0o111 != 0,
                "staged",
            ));
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, out, compression] = args.as_slice() else {
        return Err("usage: deb_pack DIR OUT.deb zstd|xz|gzip".into());
    };
    let start = std::time::Instant::now();
    let root = Path::new(dir);
    let mut entries = Vec::new();
    walk(root, root, &mut entries)?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let control_dir = root.join("DEBIAN");
    let read = |name: &str| std::fs::read_to_string(control_dir.join(name)).ok();
    let scripts: Vec<(String, String)> = ["preinst", "postinst", "prerm", "postrm"]
        .iter()
        .filter_map(|n| Some((n.to_string(), read(n)?)))
        .collect();
    let conffiles: Vec<String> = read("conffiles")
        .map(|c| c.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let control = read("control").ok_or("DEBIAN/control is missing")?;
    let members = Members {
        control: &control,
        conffiles: &conffiles,
        scripts: &scripts,
    };
    let plan = assemble(
        out.clone(),
        entries,
        members,
        compression.parse::<Compression>()?,
        gradient_engine::epoch::source_date_epoch(),
    );
    gradient_engine::deb::write(&plan, Path::new(out), &gradient_engine::progress::Silent)?;
    println!("{:.6}", start.elapsed().as_secs_f64());
    Ok(())
}
