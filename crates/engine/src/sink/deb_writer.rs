//! The .deb sink (deb(5)): a common `ar` archive holding `debian-binary`
//! (`2.0\n`), `control.tar.*` and `data.tar.*`, in that order. data.tar is
//! streamed from the plan through the compressor into a spool while the
//! md5sums (deb-md5sums(5)) are computed from the same bytes; control.tar
//! follows with those sums, then the three members go into the archive.
//! Every header carries `plan.mtime`, uid/gid 0 and root's names, so builds
//! repeat byte for byte; the output is atomic like every artifact.

use super::compress::Compressor;
use super::output::AtomicOutput;
use super::{check_cancel, Written};
use crate::deb::Package;
use std::collections::BTreeSet;
use crate::plan::{Plan, Source};
use crate::progress::Progress;
use crate::{Error, Result};
use md5::{Digest, Md5};
use std::io::{Read, Seek, Write};
use std::path::Path;

/// Data members above this size spill from memory to a temporary file.
const SPOOL_IN_MEMORY: usize = 64 << 20;

/// Write `plan` (the data tree, paths relative to `/`) with `pkg`'s control
/// part as a Debian binary package at `dest`.
pub fn write_deb(plan: &Plan, pkg: &Package, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    progress.start(plan.total_size());
    let io = |e: std::io::Error| Error::io(dest, e);
    let suffix = pkg.compression.suffix();

    let spool = tempfile::SpooledTempFile::new(SPOOL_IN_MEMORY);
    let (mut data, md5sums) = data_tar(plan, pkg, spool, progress)?;
    let data_size = data.seek(std::io::SeekFrom::End(0)).map_err(io)?;
    data.rewind().map_err(io)?;
    let control = control_tar(plan, pkg, &md5sums).map_err(io)?;

    let mut out = ar::Builder::new(AtomicOutput::create(dest)?);
    let member = |name: &str, size: u64| {
        let mut h = ar::Header::new(name.as_bytes().to_vec(), size);
        h.set_mtime(plan.mtime);
        h.set_mode(0o100644);
        h
    };
    out.append(&member("debian-binary", 4), &b"2.0\n"[..])
        .map_err(io)?;
    out.append(
        &member(&format!("control.tar{suffix}"), control.len() as u64),
        control.as_slice(),
    )
    .map_err(io)?;
    out.append(&member(&format!("data.tar{suffix}"), data_size), &mut data)
        .map_err(io)?;
    out.into_inner().map_err(io)?.finish()
}

/// A tar header as dpkg-deb writes them: GNU format, root-owned.
fn header(kind: tar::EntryType, mode: u32, size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    // Names of root: set on a fresh header, these cannot fail.
    let _ = h.set_username("root");
    let _ = h.set_groupname("root");
    h
}

fn append_dir<W: Write>(tar: &mut tar::Builder<W>, path: &str, mtime: u64) -> std::io::Result<()> {
    let h = header(tar::EntryType::Directory, 0o755, 0, mtime);
    append_named(tar, h, path, std::io::empty())
}

/// Append with the member name exactly as dpkg-deb spells it (`./usr/bin/`):
/// the tar crate would drop the leading `./`. Names over 100 bytes get a
/// GNU `././@LongLink` entry first, as GNU tar writes them.
fn append_named<W: Write>(
    tar: &mut tar::Builder<W>,
    mut h: tar::Header,
    name: &str,
    data: impl Read,
) -> std::io::Result<()> {
    let bytes = name.as_bytes();
    if bytes.len() > 100 {
        let mut long = header(tar::EntryType::GNULongName, 0o644, bytes.len() as u64 + 1, 0);
        set_name(&mut long, b"././@LongLink");
        long.set_cksum();
        tar.append(&long, [bytes, b"\0"].concat().as_slice())?;
    }
    set_name(&mut h, &bytes[..bytes.len().min(100)]);
    h.set_cksum();
    tar.append(&h, data)
}

fn set_name(h: &mut tar::Header, bytes: &[u8]) {
    let name = &mut h.as_old_mut().name;
    name.fill(0);
    name[..bytes.len()].copy_from_slice(bytes);
}

/// data.tar, compressed into `spool`, and the md5sums text.
fn data_tar<W: Write>(
    plan: &Plan,
    pkg: &Package,
    spool: W,
    progress: &dyn Progress,
) -> Result<(W, String)> {
    let io = |e: std::io::Error| Error::Plan(format!("{}: data.tar: {e}", plan.file_name));
    let mut tar = tar::Builder::new(Compressor::new(pkg.compression, spool).map_err(io)?);
    append_dir(&mut tar, "./", plan.mtime).map_err(io)?;
    let mut made: BTreeSet<&str> = BTreeSet::new();
    let mut md5sums = String::new();
    for entry in &plan.entries {
        check_cancel(progress)?;
        // Each directory before the first entry inside it, parents first.
        let mut missing = Vec::new();
        let mut path = entry.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if !made.insert(parent) {
                break;
            }
            missing.push(parent);
            path = parent;
        }
        for d in missing.iter().rev() {
            append_dir(&mut tar, &format!("./{d}/"), plan.mtime).map_err(io)?;
        }
        let h = header(tar::EntryType::Regular, entry.mode, entry.size, plan.mtime);
        let mut hashing = HashingReader {
            inner: open(entry)?,
            md5: Md5::new(),
            read: 0,
        };
        append_named(&mut tar, h, &format!("./{}", entry.path), &mut hashing)
            .map_err(|e| {
                Error::Plan(format!("{}: cannot add `{}`: {e}", plan.file_name, entry.path))
            })?;
        if hashing.read != entry.size {
            return Err(Error::Plan(format!(
                "{}: changed while building ({} bytes planned, {} found); build again",
                entry.path, entry.size, hashing.read
            )));
        }
        let absolute = format!("/{}", entry.path);
        if !pkg.conffiles.contains(&absolute) {
            md5sums.push_str(&format!(
                "{}  {}\n",
                crate::record::hex(&hashing.md5.finalize()),
                entry.path
            ));
        }
        progress.advance(entry.size);
    }
    let spool = tar.into_inner().map_err(io)?.finish().map_err(io)?;
    Ok((spool, md5sums))
}

/// An entry's bytes as a reader, bounded by its planned size (one more
/// byte is read so that growth is noticed).
fn open(entry: &crate::plan::Entry) -> Result<Box<dyn Read + '_>> {
    match &entry.source {
        Source::File { path } => {
            let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, f).take(entry.size)))
        }
        Source::Bytes { data } => Ok(Box::new(&data[..])),
        Source::Record => Err(Error::Plan(format!(
            "{}: a Debian package has no RECORD entry",
            entry.path
        ))),
    }
}

/// Counts and md5-hashes the bytes read through it.
struct HashingReader<R> {
    inner: R,
    md5: Md5,
    read: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.md5.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// control.tar: control, md5sums, conffiles and the maintainer scripts.
fn control_tar(plan: &Plan, pkg: &Package, md5sums: &str) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Compressor::new(pkg.compression, Vec::new())?);
    append_dir(&mut tar, "./", plan.mtime)?;
    let mut members: Vec<(&str, u32, Vec<u8>)> = vec![
        ("control", 0o644, pkg.control.as_bytes().to_vec()),
        ("md5sums", 0o644, md5sums.as_bytes().to_vec()),
    ];
    if !pkg.conffiles.is_empty() {
        let text: String = pkg.conffiles.iter().map(|c| format!("{c}\n")).collect();
        members.push(("conffiles", 0o644, text.into_bytes()));
    }
    for (name, text) in &pkg.scripts {
        members.push((name.as_str(), 0o755, text.as_bytes().to_vec()));
    }
    for (name, mode, bytes) in members {
        let h = header(tar::EntryType::Regular, mode, bytes.len() as u64, plan.mtime);
        append_named(&mut tar, h, &format!("./{name}"), bytes.as_slice())?;
    }
    tar.into_inner()?.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deb::{Compression, Layout};
    use crate::plan::{Entry, Format};
    use std::process::Command;

    fn package(compression: Compression, conffiles: Vec<String>) -> Package {
        Package {
            name: "demo".into(),
            version: "1.0-1".into(),
            architecture: "all".into(),
            layout: Layout::System,
            compression,
            control: "Package: demo\nVersion: 1.0-1\nArchitecture: all\nMaintainer: A <a@example.org>\nDescription: demo\n".into(),
            conffiles,
            scripts: vec![("postinst".into(), "#!/bin/sh\nset -e\n".into())],
            depends: Vec::new(),
            bundled_libraries: Vec::new(),
        }
    }

    fn plan(long: &str) -> Plan {
        let mut tool = Entry::bytes("usr/bin/demo", b"#!/bin/sh\necho hi\n".to_vec(), "command");
        tool.mode = 0o755;
        Plan {
            format: Format::Deb,
            file_name: "demo_1.0-1_all.deb".into(),
            entries: vec![
                Entry::bytes("etc/demo/demo.conf", b"x = 1\n".to_vec(), "conffile"),
                Entry::bytes(long, b"deep\n".to_vec(), "long name"),
                tool,
            ],
            excluded: Vec::new(),
            mtime: 1_700_000_000,
            preamble: Vec::new(),
            trailer_key: None,
        }
    }

    #[test]
    fn dpkg_deb_reads_every_compression_and_the_inspector_verifies_md5sums() {
        let dir = tempfile::tempdir().unwrap();
        let long = format!("usr/share/demo/{}/file.txt", "d".repeat(120));
        for c in [Compression::Zstd, Compression::Xz, Compression::Gzip] {
            let dest = dir.path().join(format!("demo-{c:?}.deb"));
            let pkg = package(c, vec!["/etc/demo/demo.conf".into()]);
            let written = write_deb(&plan(&long), &pkg, &dest, &crate::progress::Silent).unwrap();
            assert_eq!(written.size, std::fs::metadata(&dest).unwrap().len());
            let again = dir.path().join("again.deb");
            write_deb(&plan(&long), &pkg, &again, &crate::progress::Silent).unwrap();
            assert_eq!(std::fs::read(&dest).unwrap(), std::fs::read(&again).unwrap(), "{c:?}: deterministic");

            let contents = Command::new("dpkg-deb").arg("--contents").arg(&dest).output().unwrap();
            assert!(contents.status.success(), "{}", String::from_utf8_lossy(&contents.stderr));
            let listing = String::from_utf8_lossy(&contents.stdout);
            assert!(listing.contains("-rwxr-xr-x root/root") && listing.contains(" ./usr/bin/demo\n"), "{listing}");
            assert!(listing.contains(&format!("./{long}\n")), "{listing}");
            assert!(listing.starts_with("drwxr-xr-x root/root"), "{listing}");
            assert!(listing.contains(" ./usr/share/demo/\n"), "{listing}");
            let field = Command::new("dpkg-deb").arg("--field").arg(&dest).arg("Package").output().unwrap();
            assert_eq!(String::from_utf8_lossy(&field.stdout), "demo\n");
            let out = dir.path().join(format!("x-{c:?}"));
            let extract = Command::new("dpkg-deb").arg("-R").arg(&dest).arg(&out).output().unwrap();
            assert!(extract.status.success(), "{}", String::from_utf8_lossy(&extract.stderr));
            let md5sums = std::fs::read_to_string(out.join("DEBIAN/md5sums")).unwrap();
            assert_eq!(md5sums.lines().count(), 2, "conffiles are not in md5sums: {md5sums}");
            assert!(md5sums.contains("  usr/bin/demo\n"));
            assert_eq!(std::fs::read_to_string(out.join("DEBIAN/conffiles")).unwrap(), "/etc/demo/demo.conf\n");

            let report = crate::inspect::inspect(&dest).unwrap();
            assert!(report.verifies(), "{:?}", report.findings);
            let facts = report.deb.expect("deb facts");
            assert_eq!((facts.md5sums.listed, facts.md5sums.verified), (2, 2));
            assert_eq!(facts.field("Package"), Some("demo"));
            assert!(report.entries.iter().any(|m| m.path == long));
        }
    }

    #[test]
    fn a_tampered_file_fails_md5sums() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("demo.deb");
        write_deb(&plan("usr/share/demo/a"), &package(Compression::Gzip, Vec::new()), &dest, &crate::progress::Silent).unwrap();
        // Rebuild with different content but the first package's md5sums.
        let out = dir.path().join("x");
        assert!(Command::new("dpkg-deb").arg("-R").arg(&dest).arg(&out).status().unwrap().success());
        std::fs::write(out.join("usr/share/demo/a"), "tampered\n").unwrap();
        let forged = dir.path().join("forged.deb");
        let built = Command::new("dpkg-deb").args(["--root-owner-group", "-Zgzip", "--build"]).arg(&out).arg(&forged).output().unwrap();
        assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
        let report = crate::inspect::inspect(&forged).unwrap();
        assert!(!report.verifies());
        assert!(report.findings.iter().any(|f| f.code == "D004" && f.path.as_deref() == Some("usr/share/demo/a")), "{:?}", report.findings);
    }
}
