//! The OCI image layout (image-layout.md) on disk and in tar archives:
//! `oci-layout` (`{"imageLayoutVersion":"1.0.0"}`), `index.json` and
//! `blobs/sha256/<hex>`. Three outputs share the same blobs:
//!
//! - a layout directory (written beside its destination and renamed into
//!   place, so it appears complete or not at all);
//! - an oci-archive: the layout as a tar;
//! - a docker-load tar: the layout plus Docker's `manifest.json`
//!   (`[{"Config","RepoTags","Layers"}]`) pointing into `blobs/sha256/`, which
//!   both recent Docker (reading the layout) and older Docker and skopeo's
//!   `docker-archive:` (reading manifest.json) load.
//!
//! Reading goes the other way for bases and the inspector: a layout
//! directory, an oci-archive or a docker-archive, opened by content.

use super::image::{json, Image};
use super::spec::{self, Descriptor, ImageConfig, Index, Manifest};
use crate::atomic::AtomicDir;
use crate::sink::{self, Written};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;
/// Archives and files above these sizes are refused when reading.
const MAX_ARCHIVE: u64 = 16 << 30;
const MAX_JSON: u64 = 4 << 20;

/// One image of Docker's `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DockerManifest {
    #[serde(rename = "Config")]
    pub config: String,
    #[serde(rename = "RepoTags", default)]
    pub repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers")]
    pub layers: Vec<String>,
}

/// Write `image` as a layout directory at `dest` (replacing one there):
/// filled beside it and renamed into place ([`AtomicDir`]).
pub fn write_dir(image: &Image, dest: &Path) -> Result<Written> {
    let tmp = AtomicDir::create(dest).map_err(|e| Error::io(dest, e))?;
    let put = |rel: &str, bytes: &[u8]| -> Result<()> {
        let path = tmp.path().join(rel);
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))
    };
    let blobs = tmp.path().join("blobs/sha256");
    std::fs::create_dir_all(&blobs).map_err(|e| Error::io(&blobs, e))?;
    put("oci-layout", OCI_LAYOUT)?;
    for (digest, bytes) in image.blobs() {
        put(&blob_path(&digest)?, &bytes)?;
    }
    put("index.json", &image.index_json()?)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755));
    }
    // The previous image moves aside (removed when `old` drops) only once
    // the new one is complete.
    let old = match dest.exists() {
        true => {
            let parent = dest.parent().unwrap_or(Path::new("."));
            let old = tempfile::Builder::new()
                .prefix(".gradient-old-")
                .tempdir_in(parent)
                .map_err(|e| Error::io(parent, e))?;
            std::fs::rename(dest, old.path().join("x")).map_err(|e| Error::io(dest, e))?;
            Some(old)
        }
        false => None,
    };
    tmp.commit().map_err(|e| Error::io(dest, e))?;
    drop(old);
    Ok(Written {
        path: dest.to_path_buf(),
        size: image.blobs().iter().map(|(_, b)| b.len() as u64).sum(),
        sha256: image.digest.trim_start_matches("sha256:").into(),
    })
}

/// `blobs/sha256/<hex>` for a sha256 digest.
pub fn blob_path(digest: &str) -> Result<String> {
    spec::digest_hex(digest)
        .map(|hex| format!("blobs/sha256/{hex}"))
        .ok_or_else(|| Error::Plan(format!("`{digest}` is not a sha256 digest")))
}

/// Write `image` as an oci-archive (`docker` false) or a docker-load tar,
/// atomically, hashing as it goes ([`sink::write_with`]).
pub fn write_archive(image: &Image, dest: &Path, docker: bool, mtime: u64) -> Result<Written> {
    let io = |e| Error::io(dest, e);
    sink::write_with(dest, 0o644, |out| {
        let mut tar = tar::Builder::new(out);
        add(&mut tar, "blobs/", &[], mtime).map_err(io)?;
        add(&mut tar, "blobs/sha256/", &[], mtime).map_err(io)?;
        for (digest, bytes) in image.blobs() {
            add(&mut tar, &blob_path(&digest)?, &bytes, mtime).map_err(io)?;
        }
        add(&mut tar, "index.json", &image.index_json()?, mtime).map_err(io)?;
        if docker {
            let manifest = vec![DockerManifest {
                config: blob_path(&image.config_digest)?,
                repo_tags: Some(vec![format!("{}:{}", image.name, image.tag)]),
                layers: image
                    .layers
                    .iter()
                    .map(|l| blob_path(&l.digest))
                    .collect::<Result<_>>()?,
            }];
            add(&mut tar, "manifest.json", &json(&manifest)?, mtime).map_err(io)?;
        }
        add(&mut tar, "oci-layout", OCI_LAYOUT, mtime).map_err(io)?;
        tar.into_inner().map_err(io)?;
        Ok(())
    })
}

/// One member of an image archive: root-owned, `mtime`, directories when
/// the path ends in `/`.
fn add<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    bytes: &[u8],
    mtime: u64,
) -> std::io::Result<()> {
    let mut h = tar::Header::new_gnu();
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    if path.ends_with('/') {
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o755);
    } else {
        h.set_entry_type(tar::EntryType::Regular);
        h.set_mode(0o644);
    }
    h.set_size(bytes.len() as u64);
    tar.append_data(&mut h, path, bytes)
}

/// An image store opened for reading: a layout directory or the files of
/// an archive held in memory.
pub enum Store {
    Dir(PathBuf),
    Tar {
        path: PathBuf,
        files: BTreeMap<String, Arc<[u8]>>,
    },
}

/// One image read from a store, every blob verified against its digest.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub manifest: Manifest,
    pub manifest_digest: String,
    pub config: ImageConfig,
    /// Layer descriptors (media type, digest, size) with their bytes.
    pub layers: Vec<(Descriptor, Arc<[u8]>)>,
}

impl Store {
    /// Open a layout directory or a tar archive (oci-archive, docker-archive).
    pub fn open(path: &Path) -> Result<Store> {
        if path.is_dir() {
            return Ok(Store::Dir(path.to_path_buf()));
        }
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut files = BTreeMap::new();
        let mut archive = tar::Archive::new(file);
        let bad = |why: String| Error::invalid(path, why);
        let mut total = 0u64;
        for entry in archive.entries().map_err(|e| Error::io(path, e))? {
            let mut entry = entry.map_err(|e| bad(format!("not a readable tar: {e}")))?;
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = entry
                .path()
                .map_err(|e| bad(e.to_string()))?
                .display()
                .to_string();
            let name = name.trim_start_matches("./").to_string();
            total += entry.size();
            if total > MAX_ARCHIVE {
                return Err(bad(format!("more than {MAX_ARCHIVE} bytes of content")));
            }
            let mut bytes = Vec::with_capacity(entry.size().min(1 << 30) as usize);
            entry.read_to_end(&mut bytes).map_err(|e| {
                Error::io(path, std::io::Error::new(e.kind(), format!("{name}: {e}")))
            })?;
            files.insert(name, bytes.into());
        }
        Ok(Store::Tar {
            path: path.to_path_buf(),
            files,
        })
    }

    pub fn path(&self) -> &Path {
        match self {
            Store::Dir(p) => p,
            Store::Tar { path, .. } => path,
        }
    }

    /// The store's JSON file or blob `what` (`index.json`, `manifest
    /// sha256:…`), its problems named by the store's path and `what`.
    fn json<T: serde::de::DeserializeOwned>(&self, bytes: &[u8], what: &str) -> Result<T> {
        parse_json_with(bytes, |why| Error::invalid_field(self.path(), what, why))
    }

    /// A file of the store by its relative path.
    pub fn file(&self, rel: &str) -> Result<Arc<[u8]>> {
        let missing = || Error::invalid(self.path(), format!("no `{rel}`"));
        match self {
            Store::Dir(dir) => {
                let path = dir.join(rel);
                match std::fs::read(&path) {
                    Ok(b) => Ok(b.into()),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
                    Err(e) => Err(Error::io(path, e)),
                }
            }
            Store::Tar { files, .. } => files.get(rel).cloned().ok_or_else(missing),
        }
    }

    pub fn has(&self, rel: &str) -> bool {
        match self {
            Store::Dir(dir) => dir.join(rel).is_file(),
            Store::Tar { files, .. } => files.contains_key(rel),
        }
    }

    /// A blob, checked against its digest.
    pub fn blob(&self, digest: &str) -> Result<Arc<[u8]>> {
        let bytes = self.file(&blob_path(digest)?)?;
        let actual = super::image::digest_of(&bytes);
        if actual != digest {
            return Err(Error::invalid(
                self.path(),
                format!("blob {digest} has digest {actual}: the image is damaged"),
            ));
        }
        Ok(bytes)
    }

    /// index.json, if the store is an OCI layout.
    pub fn index(&self) -> Result<Option<Index>> {
        if !self.has("index.json") {
            return Ok(None);
        }
        self.json(&self.file("index.json")?, "index.json").map(Some)
    }

    /// Docker's manifest.json, if present.
    pub fn docker_manifest(&self) -> Result<Option<Vec<DockerManifest>>> {
        if !self.has("manifest.json") {
            return Ok(None);
        }
        self.json(&self.file("manifest.json")?, "manifest.json")
            .map(Some)
    }

    /// The image tagged `tag` (or the only one), with every blob read and
    /// verified. Image indexes inside the layout are followed to the
    /// manifest for `architecture`.
    pub fn load(&self, tag: Option<&str>, architecture: &str) -> Result<Loaded> {
        if let Some(index) = self.index()? {
            let chosen = choose(&index.manifests, tag, architecture, self.path())?;
            return self.load_manifest(&chosen, architecture, 0);
        }
        if let Some(list) = self.docker_manifest()? {
            return self.load_docker(list);
        }
        Err(Error::invalid(
            self.path(),
            "neither an OCI layout (index.json) nor a docker-archive (manifest.json)",
        ))
    }

    fn load_manifest(&self, d: &Descriptor, architecture: &str, depth: u32) -> Result<Loaded> {
        let bytes = self.blob(&d.digest)?;
        let what = format!("manifest {}", d.digest);
        if is_index(&d.media_type) {
            if depth > 2 {
                return Err(Error::invalid_field(
                    self.path(),
                    what,
                    "indexes nested too deeply",
                ));
            }
            let index: Index = self.json(&bytes, &what)?;
            let chosen = choose(&index.manifests, None, architecture, self.path())?;
            return self.load_manifest(&chosen, architecture, depth + 1);
        }
        let manifest: Manifest = self.json(&bytes, &what)?;
        let config: ImageConfig = self.json(&self.blob(&manifest.config.digest)?, &what)?;
        let layers = manifest
            .layers
            .iter()
            .map(|l| Ok((l.clone(), self.blob(&l.digest)?)))
            .collect::<Result<_>>()?;
        Ok(Loaded {
            manifest_digest: d.digest.clone(),
            manifest,
            config,
            layers,
        })
    }

    fn load_docker(&self, list: Vec<DockerManifest>) -> Result<Loaded> {
        let what = "manifest.json";
        let [one] = list.as_slice() else {
            return Err(Error::invalid_field(
                self.path(),
                what,
                format!("holds {} images, not one", list.len()),
            ));
        };
        let config_bytes = self.file(&one.config)?;
        let config: ImageConfig = self.json(&config_bytes, what)?;
        let mut layers = Vec::new();
        for path in &one.layers {
            let bytes = self.file(path)?;
            let media = if bytes.starts_with(&[0x1f, 0x8b]) {
                spec::LAYER_GZIP
            } else {
                spec::LAYER_TAR
            };
            let digest = super::image::digest_of(&bytes);
            layers.push((Descriptor::new(media, digest, bytes.len() as u64), bytes));
        }
        let manifest = Manifest {
            schema_version: 2,
            media_type: Some(spec::MANIFEST.into()),
            config: Descriptor::new(
                spec::CONFIG,
                super::image::digest_of(&config_bytes),
                config_bytes.len() as u64,
            ),
            layers: layers.iter().map(|(d, _)| d.clone()).collect(),
            annotations: BTreeMap::new(),
        };
        let manifest_digest = super::image::digest_of(&json(&manifest)?);
        Ok(Loaded {
            manifest,
            manifest_digest,
            config,
            layers,
        })
    }
}

pub fn is_index(media_type: &str) -> bool {
    media_type == spec::INDEX || media_type == spec::DOCKER_LIST
}

/// The manifest of `list` tagged `tag`, or for `architecture` when the list
/// is a multi-platform index, or the only one.
pub fn choose(
    list: &[Descriptor],
    tag: Option<&str>,
    architecture: &str,
    origin: &Path,
) -> Result<Descriptor> {
    let origin = origin.display();
    if let Some(tag) = tag {
        return list
            .iter()
            .find(|d| d.annotations.get(spec::REF_NAME).map(String::as_str) == Some(tag))
            .cloned()
            .ok_or_else(|| Error::Plan(format!("{origin}: no image tagged `{tag}`")));
    }
    if let [only] = list {
        return Ok(only.clone());
    }
    let with_platform: Vec<&Descriptor> = list.iter().filter(|d| d.platform.is_some()).collect();
    if with_platform.is_empty() {
        return Err(Error::Plan(format!(
            "{origin}: holds {} images; name one by its tag",
            list.len()
        )));
    }
    with_platform
        .iter()
        .find(|d| {
            d.platform
                .as_ref()
                .is_some_and(|p| p.architecture == architecture && p.os == "linux")
        })
        .map(|d| (*d).clone())
        .ok_or_else(|| {
            let have: Vec<String> = with_platform
                .iter()
                .filter_map(|d| d.platform.as_ref())
                .map(|p| format!("{}/{}", p.os, p.architecture))
                .collect();
            Error::Plan(format!(
                "{origin}: no image for linux/{architecture} (it has {})",
                have.join(", ")
            ))
        })
}

/// The JSON document `what` (at most [`MAX_JSON`] bytes).
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    parse_json_with(bytes, |why| Error::Plan(format!("{what}: {why}")))
}

/// A JSON document, its problems told by `fail`.
fn parse_json_with<T: serde::de::DeserializeOwned>(
    bytes: &[u8],
    fail: impl Fn(String) -> Error,
) -> Result<T> {
    if bytes.len() as u64 > MAX_JSON {
        return Err(fail(format!("larger than {MAX_JSON} bytes")));
    }
    serde_json::from_slice(bytes).map_err(|e| fail(e.to_string()))
}
