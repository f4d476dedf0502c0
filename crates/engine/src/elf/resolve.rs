//! Where the dynamic loader would find each library an ELF file needs
//! (DT_NEEDED through DT_RPATH/DT_RUNPATH, `$ORIGIN`, then the system
//! directories), and which of them must travel with the program: everything
//! but the glibc family, which the target system provides and which must
//! match its kernel (frozen executables; wheel repair and images next).

use crate::{Error, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The C library and the loader, which the target system provides and which
/// must match its kernel: never bundled.
pub const GLIBC_FAMILY: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
    "libBrokenLocale.so.1",
    "libmvec.so.1",
    "libnsl.so.1",
    "libnss_files.so.2",
    "libnss_dns.so.2",
    "libthread_db.so.1",
    "libc_malloc_debug.so.0",
];

/// The libraries (soname → file) the ELF files `objects` need,
/// transitively, that are neither in the glibc family nor in `present`
/// (sonames already shipped beside the objects, as auditwheel's `.libs`).
/// `libdirs` are searched after each object's RUNPATH/RPATH and before the
/// system directories (an interpreter's own LIBDIR). `provided(soname,
/// path)` says the target system has a library (a Debian package's
/// Depends): it is then neither returned nor followed.
pub fn needed_libraries(
    objects: Vec<PathBuf>,
    libdirs: &[PathBuf],
    present: &BTreeSet<String>,
    provided: &mut dyn FnMut(&str, &Path) -> bool,
) -> Result<BTreeMap<String, PathBuf>> {
    let mut queue = objects;
    let mut found: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(object) = queue.pop() {
        if !seen.insert(object.clone()) {
            continue;
        }
        let bytes = std::fs::read(&object).map_err(|e| Error::io(&object, e))?;
        let info = match super::analyse(&object.to_string_lossy(), &bytes) {
            Ok(info) => info,
            Err(_) => continue,
        };
        let origin = object.parent().unwrap_or(Path::new("/"));
        for needed in &info.needed {
            if GLIBC_FAMILY.contains(&needed.as_str())
                || super::is_loader(needed)
                || found.contains_key(needed)
            {
                continue;
            }
            let Some(at) = locate(needed, origin, &info.rpath, &info.runpath, libdirs) else {
                return Err(Error::Plan(format!(
                    "{}: needs {needed}, which is not found on this machine",
                    object.display()
                )));
            };
            // Libraries shipped inside a wheel (auditwheel's `.libs`) are
            // already in the tree, found through their own RUNPATH.
            if present.contains(needed) && at.starts_with(origin.parent().unwrap_or(origin)) {
                continue;
            }
            if provided(needed, &at) {
                continue;
            }
            queue.push(at.clone());
            found.insert(needed.clone(), at);
        }
    }
    Ok(found)
}

/// Whether `path` starts with the ELF magic number.
pub fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|()| &magic == b"\x7fELF")
        .unwrap_or(false)
}

/// Where the loader would find `needed` for an object in `origin`.
pub fn locate(
    needed: &str,
    origin: &Path,
    rpath: &[String],
    runpath: &[String],
    libdirs: &[PathBuf],
) -> Option<PathBuf> {
    let expand = |p: &String| {
        PathBuf::from(
            p.replace("$ORIGIN", &origin.to_string_lossy())
                .replace("${ORIGIN}", &origin.to_string_lossy()),
        )
    };
    // Each DT_RPATH/DT_RUNPATH string is a colon-separated list.
    let split = |paths: &[String]| -> Vec<String> {
        paths
            .iter()
            .flat_map(|p| p.split(':'))
            .filter(|p| !p.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    if runpath.is_empty() {
        dirs.extend(split(rpath).iter().map(expand));
    }
    dirs.extend(split(runpath).iter().map(expand));
    dirs.extend(libdirs.iter().cloned());
    for d in [
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
        "/usr/local/lib",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs.into_iter()
        .map(|d| d.join(needed))
        .find(|p| p.is_file())
}
