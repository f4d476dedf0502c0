//! What the packaged files need from the system, as Depends: `libc6 (>=
//! X.Y)` from the highest GLIBC_X.Y symbol version any ELF file needs (LSB
//! "Symbol Versioning"), and for every other shared library found on the
//! build machine, the Debian package owning it (`dpkg -S`) with the minimum
//! version its shlibs file declares (deb-shlibs(5)), as dpkg-shlibdeps
//! falls back to. Where dpkg is absent nothing is owned: those libraries
//! are bundled instead.

use crate::plan::{Entry, Source};
use crate::{elf, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The ELF files among `entries`, as (archive path, bytes).
fn elf_bytes(entry: &Entry) -> Result<Option<Vec<u8>>> {
    match &entry.source {
        Source::File { path } if elf::resolve::is_elf(path) => std::fs::read(path)
            .map(Some)
            .map_err(|e| crate::Error::io(path, e)),
        Source::Bytes { data } if data.starts_with(b"\x7fELF") => Ok(Some(data.to_vec())),
        _ => Ok(None),
    }
}

/// Whether any entry is an ELF file (the package is then
/// architecture-specific).
pub fn any_elf(entries: &[Entry]) -> Result<bool> {
    for e in entries {
        if elf_bytes(e)?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The highest `GLIBC_X.Y` version the ELF entries need, as (X, Y).
pub fn glibc_minimum(entries: &[Entry]) -> Result<Option<(u32, u32)>> {
    let mut best: Option<(u32, u32)> = None;
    for e in entries {
        let Some(bytes) = elf_bytes(e)? else { continue };
        let Ok(info) = elf::analyse(&e.path, &bytes) else {
            continue;
        };
        for version in info.version_needs.values().flat_map(|v| v.keys()) {
            let parsed = version
                .strip_prefix("GLIBC_")
                .and_then(|v| v.split_once('.'))
                .and_then(|(a, b)| Some((a.parse().ok()?, b.split('.').next()?.parse().ok()?)));
            if let Some(v) = parsed {
                best = best.max(Some(v));
            }
        }
    }
    Ok(best)
}

/// The spellings dpkg may have recorded for `path` (merged /usr: /lib and
/// /usr/lib are one directory, the database knows one of the names).
fn spellings(path: &Path) -> Vec<PathBuf> {
    let mut out = vec![path.to_path_buf()];
    if let Ok(real) = path.canonicalize() {
        out.push(real);
    }
    for p in out.clone() {
        let s = p.to_string_lossy();
        if let Some(rest) = s.strip_prefix("/usr/") {
            out.push(PathBuf::from(format!("/{rest}")));
        } else {
            out.push(PathBuf::from(format!("/usr{s}")));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The package owning each of `paths`, by one `dpkg -S` run; paths no
/// package owns (or every path, without dpkg) are absent.
pub fn owners(paths: &[PathBuf]) -> BTreeMap<PathBuf, String> {
    let mut asked: BTreeMap<PathBuf, PathBuf> = BTreeMap::new();
    for p in paths {
        for s in spellings(p) {
            asked.entry(s).or_insert_with(|| p.clone());
        }
    }
    let mut found = BTreeMap::new();
    if asked.is_empty() {
        return found;
    }
    let Ok(out) = Command::new("dpkg").arg("-S").args(asked.keys()).output() else {
        return found;
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Some((pkgs, path)) = line.rsplit_once(": ") else {
            continue;
        };
        // `diversion by ...` lines and multi-owner lines name the first.
        let pkg = pkgs.split(", ").next().unwrap_or(pkgs);
        let pkg = pkg.split(':').next().unwrap_or(pkg).trim();
        if let Some(original) = asked.get(Path::new(path.trim())) {
            if !pkg.is_empty() && !pkg.contains(' ') {
                found.insert(original.clone(), pkg.to_string());
            }
        }
    }
    found
}

/// `libssl.so.3` → (`libssl`, `3`); `libfoo-1.2.so` → (`libfoo`, `1.2`):
/// the two words a shlibs line starts with (deb-shlibs(5)).
fn shlibs_key(soname: &str) -> Option<(&str, &str)> {
    if let Some((name, version)) = soname.split_once(".so.") {
        return Some((name, version));
    }
    let stem = soname.strip_suffix(".so")?;
    let (name, version) = stem.rsplit_once('-')?;
    version
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.')
        .then_some((name, version))
}

/// The dependency `package`'s shlibs file declares for `soname`, else the
/// bare package name.
pub fn dependency(package: &str, soname: &str) -> String {
    let info = Path::new("/var/lib/dpkg/info");
    let key = shlibs_key(soname);
    for file in [
        info.join(format!("{package}.shlibs")),
        info.join(format!("{package}:{}.shlibs", host_arch())),
    ] {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.starts_with("udeb:")) {
            let mut words = line.splitn(3, char::is_whitespace);
            let (Some(lib), Some(ver), Some(dep)) = (words.next(), words.next(), words.next())
            else {
                continue;
            };
            if key == Some((lib, ver)) && !dep.contains(',') {
                return dep.trim().to_string();
            }
        }
    }
    package.to_string()
}

/// `dpkg --print-architecture` of this machine, else from the compiled-in
/// architecture.
fn host_arch() -> String {
    Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| debian_arch(std::env::consts::ARCH))
}

/// The Debian architecture name for a machine name as platform tags spell
/// it.
pub fn debian_arch(machine: &str) -> String {
    match machine {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "i686" | "i386" | "x86" => "i386",
        "armv7l" => "armhf",
        "ppc64le" => "ppc64el",
        "loongarch64" => "loong64",
        other => other,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shlibs_keys() {
        assert_eq!(shlibs_key("libssl.so.3"), Some(("libssl", "3")));
        assert_eq!(
            shlibs_key("libpython3.11.so.1.0"),
            Some(("libpython3.11", "1.0"))
        );
        assert_eq!(shlibs_key("libfoo-1.2.so"), Some(("libfoo", "1.2")));
        assert_eq!(shlibs_key("libfoo.so"), None);
    }

    #[test]
    fn the_c_library_is_owned_and_versioned_on_debian() {
        let libc = Path::new("/lib/x86_64-linux-gnu/libc.so.6");
        if !libc.exists() || Command::new("dpkg").arg("--version").output().is_err() {
            return;
        }
        let found = owners(&[libc.to_path_buf(), PathBuf::from("/nonexistent/libx.so.1")]);
        assert_eq!(
            found.get(libc).map(String::as_str),
            Some("libc6"),
            "{found:?}"
        );
        assert_eq!(found.len(), 1);
        assert!(dependency("libc6", "libc.so.6").starts_with("libc6 (>= 2."));
        assert_eq!(debian_arch("x86_64"), "amd64");
    }

    #[test]
    fn glibc_version_of_a_real_binary() {
        let exe = std::env::current_exe().unwrap();
        let size = std::fs::metadata(&exe).unwrap().len();
        let entry = Entry::file("x", exe, size, true, "test");
        let (major, minor) = glibc_minimum(&[entry]).unwrap().expect("links glibc");
        assert_eq!(major, 2);
        assert!(minor >= 2);
    }
}
