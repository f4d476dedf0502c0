//! Layers (image-spec layer.md): deterministic tar change sets, gzip
//! compressed. Entries are sorted by path and every parent directory is
//! present before its children; mtime is the build's epoch, uid/gid and
//! owner names come from the entry (0 and empty unless a base needs
//! otherwise), no access or change times. The gzip header carries no time
//! and no name; the compressor is the pinned zlib-rs backend of flate2, so
//! the compressed bytes and their digest are reproducible.
//!
//! While the tar streams out, sha256 is taken of the uncompressed bytes (the
//! layer's `diff_id`) and of the compressed bytes (the blob digest the
//! manifest names): both in one pass, nothing read twice.

use crate::plan::Compression;
use crate::plan::{Origin, Source};
use crate::sink::compress::Compressor;
use crate::sink::HashingWriter;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

/// What a path in a layer is.
#[derive(Debug, Clone)]
pub enum Node {
    Dir,
    File(Source),
    Symlink(String),
}

/// One path of a layer's file system change set.
#[derive(Debug, Clone)]
pub struct LayerEntry {
    /// Relative to the root, `/`-separated, no `.` or `..` components.
    pub path: String,
    pub node: Node,
    pub mode: u32,
    pub size: u64,
    pub uid: u64,
    pub gid: u64,
    /// Where an application's file comes from, for the preview.
    pub origin: Origin,
}

impl LayerEntry {
    pub fn file(path: impl Into<String>, source: Source, size: u64, mode: u32) -> LayerEntry {
        LayerEntry {
            path: path.into(),
            node: Node::File(source),
            mode,
            size,
            uid: 0,
            gid: 0,
            origin: Origin::Other,
        }
    }

    pub fn bytes(path: impl Into<String>, data: impl Into<Arc<[u8]>>, mode: u32) -> LayerEntry {
        let data: Arc<[u8]> = data.into();
        let size = data.len() as u64;
        LayerEntry::file(path, Source::Bytes { data }, size, mode)
    }

    pub fn dir(path: impl Into<String>, mode: u32) -> LayerEntry {
        LayerEntry {
            path: path.into(),
            node: Node::Dir,
            mode,
            size: 0,
            uid: 0,
            gid: 0,
            origin: Origin::Other,
        }
    }

    pub fn symlink(path: impl Into<String>, target: impl Into<String>) -> LayerEntry {
        LayerEntry {
            path: path.into(),
            node: Node::Symlink(target.into()),
            mode: 0o777,
            size: 0,
            uid: 0,
            gid: 0,
            origin: Origin::Other,
        }
    }
}

/// A layer to write: its entries and the history line that explains it.
#[derive(Debug, Clone)]
pub struct LayerSpec {
    /// Short name shown in previews and the inspector ("runtime", ...).
    pub name: String,
    /// The history entry's `created_by`.
    pub created_by: String,
    pub entries: Vec<LayerEntry>,
}

/// A written layer: the compressed blob and both digests.
#[derive(Debug, Clone, Serialize)]
pub struct LayerBlob {
    pub name: String,
    pub created_by: String,
    /// `sha256:…` of the compressed bytes (the manifest's layer digest).
    pub digest: String,
    /// `sha256:…` of the uncompressed tar (the config's `rootfs.diff_ids`).
    pub diff_id: String,
    pub media_type: String,
    pub size: u64,
    pub uncompressed_size: u64,
    pub files: usize,
    #[serde(skip)]
    pub bytes: Arc<[u8]>,
}

/// Sort `entries`, drop later duplicates of a path, and add every missing
/// parent directory (0755, root-owned; an entry given for the directory
/// itself, e.g. `/tmp` 1777, takes its place).
pub fn normalise(entries: Vec<LayerEntry>) -> Result<Vec<LayerEntry>> {
    let mut by_path: BTreeMap<String, LayerEntry> = BTreeMap::new();
    let mut implied: std::collections::BTreeSet<String> = Default::default();
    for mut e in entries {
        let path = e
            .path
            .trim_start_matches("./")
            .trim_matches('/')
            .to_string();
        if path.is_empty() {
            continue;
        }
        if path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
        {
            return Err(Error::Plan(format!(
                "layer path `{}` is not normal",
                e.path
            )));
        }
        let mut parent = path.as_str();
        while let Some((p, _)) = parent.rsplit_once('/') {
            if !by_path.contains_key(p) {
                by_path.insert(p.to_string(), LayerEntry::dir(p, 0o755));
                implied.insert(p.to_string());
            }
            parent = p;
        }
        e.path = path.clone();
        if implied.remove(&path) || !by_path.contains_key(&path) {
            by_path.insert(path, e);
        }
    }
    Ok(by_path.into_values().collect())
}

/// Write one layer: tar → sha256 (diff_id) → gzip → sha256 (digest).
pub fn write_layer(spec: &LayerSpec, mtime: u64) -> Result<LayerBlob> {
    let entries = normalise(spec.entries.clone())?;
    let fail = |path: &str, e: std::io::Error| {
        Error::Plan(format!("layer `{}`: cannot add `{path}`: {e}", spec.name))
    };
    let compressed = HashingWriter::new(Vec::new());
    let gz = Compressor::new(Compression::Gzip, compressed).map_err(|e| fail(&spec.name, e))?;
    let mut tar = tar::Builder::new(HashingWriter::new(gz));
    for e in &entries {
        let mut header = tar::Header::new_gnu();
        header.set_mtime(mtime);
        header.set_uid(e.uid);
        header.set_gid(e.gid);
        header.set_mode(e.mode);
        match &e.node {
            Node::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                tar.append_data(&mut header, format!("{}/", e.path), std::io::empty())
                    .map_err(|err| fail(&e.path, err))?;
            }
            Node::Symlink(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                tar.append_link(&mut header, &e.path, target)
                    .map_err(|err| fail(&e.path, err))?;
            }
            Node::File(source) => {
                let data = read_source(source, e.size, &e.path)?;
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(data.len() as u64);
                tar.append_data(&mut header, &e.path, data.as_ref())
                    .map_err(|err| fail(&e.path, err))?;
            }
        }
    }
    let io = |err: std::io::Error| fail("the end of the archive", err);
    let (gz, diff_id, uncompressed_size) = tar.into_inner().map_err(io)?.finish();
    let (bytes, digest, size) = gz.finish().map_err(io)?.finish();
    let sha256 = |d: &[u8]| format!("sha256:{}", crate::record::hex(d));
    let (digest, diff_id) = (sha256(&digest), sha256(&diff_id));
    Ok(LayerBlob {
        name: spec.name.clone(),
        created_by: spec.created_by.clone(),
        digest,
        diff_id,
        media_type: super::spec::LAYER_GZIP.into(),
        size,
        uncompressed_size,
        files: entries.len(),
        bytes: bytes.into(),
    })
}

/// Write every layer, in parallel (one compressor per layer).
pub fn write_layers(specs: &[LayerSpec], mtime: u64) -> Result<Vec<LayerBlob>> {
    specs.par_iter().map(|s| write_layer(s, mtime)).collect()
}

/// The bytes of a file entry, read once; a file whose size changed since
/// planning is an error (the preview promised something else).
fn read_source(source: &Source, size: u64, path: &str) -> Result<Arc<[u8]>> {
    match source {
        Source::Bytes { data } => Ok(data.clone()),
        Source::File { path: on_disk } => {
            let mut data = Vec::with_capacity(size as usize);
            std::fs::File::open(on_disk)
                .and_then(|f| f.take(size + 1).read_to_end(&mut data))
                .map_err(|e| Error::io(on_disk, e))?;
            if data.len() as u64 != size {
                return Err(Error::entry(
                    on_disk.display().to_string(),
                    format!(
                        "changed while building ({size} bytes planned, {} found); build again",
                        data.len()
                    ),
                ));
            }
            Ok(data.into())
        }
        _ => Err(Error::entry(path, "not a regular file's content")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(entries: Vec<LayerEntry>) -> LayerSpec {
        LayerSpec {
            name: "t".into(),
            created_by: "test".into(),
            entries,
        }
    }

    fn untar(blob: &LayerBlob) -> Vec<(String, u64, u64, u32)> {
        let gz = flate2::read::GzDecoder::new(&blob.bytes[..]);
        let mut archive = tar::Archive::new(gz);
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path()
                        .unwrap()
                        .display()
                        .to_string()
                        .trim_end_matches('/')
                        .to_string(),
                    h.mtime().unwrap(),
                    h.uid().unwrap(),
                    h.mode().unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn layers_are_sorted_with_parents_and_fixed_metadata() {
        let blob = write_layer(
            &spec(vec![
                LayerEntry::bytes("opt/app/z.py", b"z".to_vec(), 0o644),
                LayerEntry::bytes("./opt/app/a.py", b"a".to_vec(), 0o644),
                LayerEntry::symlink("usr/bin/app", "/opt/app/a.py"),
            ]),
            42,
        )
        .unwrap();
        let listed = untar(&blob);
        let paths: Vec<&str> = listed.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "opt",
                "opt/app",
                "opt/app/a.py",
                "opt/app/z.py",
                "usr",
                "usr/bin",
                "usr/bin/app"
            ]
        );
        assert!(listed.iter().all(|e| e.1 == 42 && e.2 == 0));
        assert_eq!(listed[0].3, 0o755);
        assert_eq!(blob.files, 7);
    }

    #[test]
    fn diff_id_is_the_uncompressed_digest_and_digest_the_compressed() {
        let blob =
            write_layer(&spec(vec![LayerEntry::bytes("a", b"x".to_vec(), 0o644)]), 0).unwrap();
        let compressed = format!("sha256:{}", crate::record::sha256_hex(&blob.bytes));
        assert_eq!(blob.digest, compressed);
        let mut tar = Vec::new();
        flate2::read::GzDecoder::new(&blob.bytes[..])
            .read_to_end(&mut tar)
            .unwrap();
        assert_eq!(
            blob.diff_id,
            format!("sha256:{}", crate::record::sha256_hex(&tar))
        );
        assert_ne!(blob.digest, blob.diff_id);
        // No time or name in the gzip header: reproducible.
        assert_eq!(&blob.bytes[4..8], &[0, 0, 0, 0]);
        assert_eq!(blob.bytes[3] & 0x08, 0);
    }

    #[test]
    fn same_entries_same_digest_in_any_order() {
        let a = vec![
            LayerEntry::bytes("b/c", b"1".to_vec(), 0o644),
            LayerEntry::bytes("a", b"2".to_vec(), 0o755),
        ];
        let mut b = a.clone();
        b.reverse();
        let x = write_layers(&[spec(a), spec(b)], 7).unwrap();
        assert_eq!(x[0].digest, x[1].digest);
    }

    #[test]
    fn a_directory_given_explicitly_replaces_the_implied_one() {
        let entries = normalise(vec![
            LayerEntry::bytes("tmp/x", b"".to_vec(), 0o644),
            LayerEntry::dir("tmp", 0o1777),
            LayerEntry::bytes("tmp/x", b"second".to_vec(), 0o644),
        ])
        .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!((entries[0].path.as_str(), entries[0].mode), ("tmp", 0o1777));
        assert_eq!(
            entries[1].size, 0,
            "the first of two entries for a path wins"
        );
    }

    #[test]
    fn paths_leaving_the_root_are_refused() {
        for bad in ["a/../../etc", "a//b"] {
            let err = write_layer(&spec(vec![LayerEntry::bytes(bad, b"".to_vec(), 0o644)]), 0);
            assert!(err.is_err(), "{bad}");
        }
    }
}
