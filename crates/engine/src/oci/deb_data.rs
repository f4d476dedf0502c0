//! Reading the files a Debian binary package installs, without dpkg: deb(5)
//! is an `ar` archive whose members are `debian-binary`, `control.tar[.*]`
//! and `data.tar[.gz|.xz|.zst]` (uncompressed `data.tar` too). Only the
//! data member's paths are returned, as layer entries; maintainer scripts
//! are not run (a container base needs none of them; what
//! `update-ca-certificates` would generate is made by [`super::base`]).
//!
//! The inspector's package reader (`inspect::deb_check`) verifies packages;
//! this module only extracts, bounded and without following paths out of
//! the root. Both use the `ar` crate and the shared decompressors.

use super::layer::{LayerEntry, Node};
use crate::deb::Compression;
use crate::plan::Source;
use crate::sink::compress::decompressor;
use crate::{Error, Result};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// A package's data above this size (uncompressed) is refused.
const MAX_DATA: u64 = 2 << 30;

/// The control fields a base needs to name what it holds.
#[derive(Debug, Clone, Default)]
pub struct DebPackage {
    pub package: String,
    pub version: String,
    pub architecture: String,
    pub entries: Vec<LayerEntry>,
}

/// Read `path` (a .deb): its name, version, architecture and data files.
pub fn read_deb(path: &Path) -> Result<DebPackage> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |why: String| Error::invalid(path, why);
    let members = ar_members(&bytes).map_err(bad)?;
    let find = |prefix: &str| {
        members
            .iter()
            .find(|(name, _)| name.starts_with(prefix))
            .map(|(name, body)| (name, body.as_slice()))
            .ok_or_else(|| bad(format!("no `{prefix}*` member: not a Debian package")))
    };
    let (control_name, control) = find("control.tar")?;
    let (data_name, data) = find("data.tar")?;
    let control = decompress(control_name, control).map_err(bad)?;
    let fields = control_fields(&control).map_err(bad)?;
    let field = |name: &str| -> Result<String> {
        fields
            .get(name)
            .cloned()
            .ok_or_else(|| bad(format!("control has no `{name}` field")))
    };
    let data = decompress(data_name, data).map_err(bad)?;
    let entries = data_entries(&data).map_err(|why| Error::invalid_field(path, data_name, why))?;
    Ok(DebPackage {
        package: field("Package")?,
        version: field("Version")?,
        architecture: field("Architecture")?,
        entries,
    })
}

/// The members of a common-format `ar` archive (name, content).
fn ar_members(bytes: &[u8]) -> std::result::Result<Vec<(String, Vec<u8>)>, String> {
    let mut archive = ar::Archive::new(bytes);
    let mut members = Vec::new();
    while let Some(entry) = archive.next_entry() {
        let mut entry = entry.map_err(|e| format!("not a readable ar archive: {e}"))?;
        let name = String::from_utf8_lossy(entry.header().identifier())
            .trim_end_matches('/')
            .to_string();
        let mut body = Vec::new();
        entry
            .read_to_end(&mut body)
            .map_err(|e| format!("member `{name}`: {e}"))?;
        members.push((name, body));
    }
    Ok(members)
}

/// Decompress a `*.tar[.gz|.xz|.zst]` member by its name.
fn decompress(name: &str, body: &[u8]) -> std::result::Result<Vec<u8>, String> {
    let compression = if name.ends_with(".xz") {
        Some(Compression::Xz)
    } else if name.ends_with(".zst") {
        Some(Compression::Zstd)
    } else if name.ends_with(".gz") {
        Some(Compression::Gzip)
    } else if name.ends_with(".tar") {
        None
    } else {
        return Err(format!("{name}: unknown compression"));
    };
    let mut out = Vec::new();
    let reader: Box<dyn Read> = match compression {
        Some(c) => decompressor(c, body).map_err(|e| format!("{name}: {e}"))?,
        None => Box::new(body),
    };
    reader
        .take(MAX_DATA + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{name}: cannot decompress: {e}"))?;
    if out.len() as u64 > MAX_DATA {
        return Err(format!("{name}: more than {MAX_DATA} bytes uncompressed"));
    }
    Ok(out)
}

/// The `control` file's fields (deb-control(5); continuation lines ignored).
fn control_fields(control_tar: &[u8]) -> std::result::Result<HashMap<String, String>, String> {
    let mut archive = tar::Archive::new(control_tar);
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let path = entry
            .path()
            .map_err(|e| e.to_string())?
            .display()
            .to_string();
        if path.trim_start_matches("./") == "control" {
            let mut text = String::new();
            entry
                .by_ref()
                .take(1 << 20)
                .read_to_string(&mut text)
                .map_err(|e| format!("control: {e}"))?;
            return Ok(text
                .lines()
                .filter(|l| !l.starts_with([' ', '\t']))
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect());
        }
    }
    Err("control.tar has no control file".into())
}

/// Every path of the data tar as a layer entry. Hard links become copies
/// of the file they name (layers may hold hard links, but only to paths in
/// the same layer, which copying guarantees trivially).
fn data_entries(tar_bytes: &[u8]) -> std::result::Result<Vec<LayerEntry>, String> {
    let mut archive = tar::Archive::new(tar_bytes);
    let mut entries = Vec::new();
    let mut contents: HashMap<String, Arc<[u8]>> = HashMap::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| e.to_string())?;
        let raw = entry
            .path()
            .map_err(|e| e.to_string())?
            .display()
            .to_string();
        let path = clean(&raw).ok_or_else(|| format!("`{raw}` leaves the root"))?;
        if path.is_empty() {
            continue;
        }
        let mode = entry.header().mode().map_err(|e| format!("{raw}: {e}"))? & 0o7777;
        let kind = entry.header().entry_type();
        let node = if kind.is_dir() {
            Node::Dir
        } else if kind.is_symlink() {
            let target = entry
                .link_name()
                .map_err(|e| format!("{raw}: {e}"))?
                .ok_or_else(|| format!("{raw}: symbolic link without a target"))?;
            Node::Symlink(target.display().to_string())
        } else if kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| format!("{raw}: {e}"))?
                .and_then(|t| clean(&t.display().to_string()))
                .ok_or_else(|| format!("{raw}: hard link without a valid target"))?;
            let data = contents.get(&target).cloned().ok_or_else(|| {
                format!("{raw}: hard link to `{target}`, not earlier in the archive")
            })?;
            Node::File(Source::Bytes { data })
        } else if kind.is_file() {
            let mut data = Vec::new();
            entry
                .read_to_end(&mut data)
                .map_err(|e| format!("{raw}: {e}"))?;
            let data: Arc<[u8]> = data.into();
            contents.insert(path.clone(), data.clone());
            Node::File(Source::Bytes { data })
        } else {
            continue; // devices and fifos have no place in a base layer
        };
        let size = match &node {
            Node::File(Source::Bytes { data }) => data.len() as u64,
            _ => 0,
        };
        entries.push(LayerEntry {
            path,
            node,
            mode,
            size,
            uid: 0,
            gid: 0,
            origin: crate::plan::Origin::Other,
        });
    }
    Ok(entries)
}

/// `./usr/lib/x` → `usr/lib/x`; `None` for a path with `..`.
fn clean(raw: &str) -> Option<String> {
    let parts: Vec<&str> = raw
        .split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect();
    if parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            b.append_data(&mut h, path, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn ar_of(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = b"!<arch>\n".to_vec();
        for (name, body) in members {
            out.extend(
                format!(
                    "{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                    0,
                    0,
                    0,
                    100644,
                    body.len()
                )
                .bytes(),
            );
            out.extend(body);
            if body.len() % 2 == 1 {
                out.push(b'\n');
            }
        }
        out
    }

    #[test]
    fn a_package_yields_its_fields_and_data() {
        let control = tar_of(&[(
            "./control",
            b"Package: demo\nVersion: 1.0-1\nArchitecture: amd64\nDescription: x\n more\n",
        )]);
        let data = tar_of(&[("./usr/share/demo/a.txt", b"abc")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &data).unwrap();
        let deb = ar_of(&[
            ("debian-binary", b"2.0\n".to_vec()),
            ("control.tar", control),
            ("data.tar.gz", gz.finish().unwrap()),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.deb");
        std::fs::write(&path, deb).unwrap();
        let pkg = read_deb(&path).unwrap();
        assert_eq!(
            (pkg.package.as_str(), pkg.version.as_str()),
            ("demo", "1.0-1")
        );
        assert_eq!(pkg.architecture, "amd64");
        assert_eq!(pkg.entries.len(), 1);
        assert_eq!(pkg.entries[0].path, "usr/share/demo/a.txt");
        assert_eq!(pkg.entries[0].size, 3);
    }

    #[test]
    fn damaged_packages_are_errors_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.deb");
        for bytes in [
            b"not an archive".to_vec(),
            ar_of(&[("debian-binary", b"2.0\n".to_vec())]),
            b"!<arch>\ndebian-binary   0           0     0     100644  99999     `\n".to_vec(),
        ] {
            std::fs::write(&path, bytes).unwrap();
            let err = read_deb(&path).unwrap_err().to_string();
            assert!(err.contains("bad.deb"), "{err}");
        }
        assert_eq!(clean("./a/../../b"), None);
        assert_eq!(clean("./a//b/").as_deref(), Some("a/b"));
    }
}
