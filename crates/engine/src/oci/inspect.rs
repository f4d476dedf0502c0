//! Inspecting images: an OCI layout directory, an oci-archive or a
//! docker-load tar. Every blob's digest and every layer's diff_id (the
//! sha256 of its decompressed tar) is checked; each layer's files are
//! listed; the Python runtime and application inside are found; the user it
//! runs as is judged. Hostile images become findings (`O` codes), never
//! panics: paths leaving the root, sizes beyond the limits, damaged blobs.

use super::base::is_root;
use super::layout::{is_index, parse_json, Store};
use super::spec::{self, Descriptor, ImageConfig, Index, Manifest};
use crate::inspect::{Finding, Severity};
use crate::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// Files listed per layer at most; more is reported, not listed.
const MAX_FILES: usize = 200_000;
/// A layer larger than this uncompressed is refused.
const MAX_LAYER: u64 = 16 << 30;

#[derive(Debug, Clone, Serialize)]
pub struct LayerFile {
    pub path: String,
    /// `file`, `dir`, `symlink`, `hardlink`, `whiteout`, `other`.
    pub kind: &'static str,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    /// sha256 of a file's content (for diffs).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerReport {
    pub digest: String,
    pub media_type: String,
    pub size: u64,
    pub diff_id: String,
    /// The history line for this layer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    pub digest_ok: bool,
    pub diff_id_ok: bool,
    pub uncompressed_size: u64,
    pub files: Vec<LayerFile>,
}

/// The Python found in the image.
#[derive(Debug, Clone, Serialize, Default)]
pub struct PythonFacts {
    /// Interpreters (`opt/greet/python/bin/python3.11`).
    pub interpreters: Vec<String>,
    /// Installed distributions (`name-version` from `.dist-info`).
    pub distributions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageReport {
    pub path: String,
    pub kind: &'static str,
    pub tag: Option<String>,
    pub manifest_digest: String,
    pub architecture: String,
    pub os: String,
    pub created: Option<String>,
    pub config: spec::RunConfig,
    pub annotations: BTreeMap<String, String>,
    pub runs_as_root: bool,
    pub layers: Vec<LayerReport>,
    pub python: PythonFacts,
    pub findings: Vec<Finding>,
}

impl ImageReport {
    pub fn verifies(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

/// Whether `path` is an image this module reads: a layout directory or a
/// tar holding `oci-layout` or `manifest.json` at its top.
pub fn is_image(path: &Path) -> bool {
    if path.is_dir() {
        return path.join("oci-layout").is_file() || path.join("index.json").is_file();
    }
    // Only a regular file can be an archive: opening a FIFO would block.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut archive = tar::Archive::new(file);
    let Ok(entries) = archive.entries() else {
        return false;
    };
    entries.take(4096).flatten().any(|e| {
        e.path()
            .map(|p| {
                matches!(
                    p.to_str(),
                    Some("oci-layout" | "manifest.json" | "./oci-layout" | "./manifest.json")
                )
            })
            .unwrap_or(false)
    })
}

/// Inspect the image at `path` (a layout directory or archive).
pub fn inspect(path: &Path) -> Result<ImageReport> {
    let store = Store::open(path)?;
    let kind = match (&store, store.has("manifest.json"), store.has("index.json")) {
        (Store::Dir(_), _, _) => "OCI image layout",
        (_, true, true) => "docker-load tar (OCI layout and manifest.json)",
        (_, true, false) => "docker-archive",
        _ => "oci-archive",
    };
    let mut findings = Vec::new();
    if store.has("index.json") && !store.has("oci-layout") {
        findings.push(Finding::error(
            "O01",
            Some("oci-layout"),
            "the layout has no oci-layout file",
        ));
    }
    let (tag, descriptor, manifest_bytes) = pick_manifest(&store, &mut findings)?;
    let manifest: Manifest = parse_json(&manifest_bytes, "manifest")?;
    let config_bytes = store.file(&super::layout::blob_path(&manifest.config.digest)?)?;
    check_digest(&manifest.config, &config_bytes, &mut findings);
    let config: ImageConfig = parse_json(&config_bytes, "config")?;
    let layers = inspect_layers(&store, &manifest, &config, &mut findings)?;
    let history: Vec<_> = config.history.iter().filter(|h| !h.empty_layer).collect();
    if !config.history.is_empty() && history.len() != layers.len() {
        findings.push(Finding::warning(
            "O07",
            None,
            format!(
                "history has {} layer entries for {} layers",
                history.len(),
                layers.len()
            ),
        ));
    }
    let runs_as_root = config.config.user.as_deref().is_none_or(is_root);
    if runs_as_root {
        findings.push(Finding::warning(
            "O08",
            None,
            "the image runs as root (no non-root User)",
        ));
    }
    let python = python_facts(&layers);
    Ok(ImageReport {
        path: path.display().to_string(),
        kind,
        tag,
        manifest_digest: descriptor,
        architecture: config.architecture.clone(),
        os: config.os.clone(),
        created: config.created.clone(),
        config: config.config.clone(),
        annotations: manifest.annotations.clone(),
        runs_as_root,
        layers,
        python,
        findings,
    })
}

/// The manifest to report: index.json's first (following nested indexes to
/// this machine's architecture), else docker's manifest.json.
fn pick_manifest(
    store: &Store,
    findings: &mut Vec<Finding>,
) -> Result<(Option<String>, String, Vec<u8>)> {
    if let Some(index) = store.index()? {
        let mut d = index
            .manifests
            .first()
            .cloned()
            .ok_or_else(|| Error::invalid(store.path(), "index.json lists no image"))?;
        let tag = d.annotations.get(spec::REF_NAME).cloned();
        for _ in 0..3 {
            let bytes = store.file(&super::layout::blob_path(&d.digest)?)?;
            check_digest(&d, &bytes, findings);
            if !is_index(&d.media_type) {
                return Ok((tag, d.digest, bytes.to_vec()));
            }
            let inner: Index = parse_json(&bytes, "index")?;
            d = super::layout::choose(
                &inner.manifests,
                None,
                spec::host_architecture(),
                store.path(),
            )?;
        }
        return Err(Error::Plan("indexes nested too deeply".into()));
    }
    let loaded = store.load(None, spec::host_architecture())?;
    let bytes = super::image::json(&loaded.manifest)?;
    Ok((None, loaded.manifest_digest, bytes))
}

fn check_digest(d: &Descriptor, bytes: &[u8], findings: &mut Vec<Finding>) -> bool {
    let actual = super::image::digest_of(bytes);
    let ok = actual == d.digest && bytes.len() as u64 == d.size;
    if !ok {
        findings.push(Finding::error(
            "O02",
            Some(&d.digest),
            format!(
                "blob has digest {actual} and {} bytes; the descriptor says {} and {}",
                bytes.len(),
                d.digest,
                d.size
            ),
        ));
    }
    ok
}

fn inspect_layers(
    store: &Store,
    manifest: &Manifest,
    config: &ImageConfig,
    findings: &mut Vec<Finding>,
) -> Result<Vec<LayerReport>> {
    if config.rootfs.diff_ids.len() != manifest.layers.len() {
        findings.push(Finding::error(
            "O03",
            None,
            format!(
                "{} layers but {} diff_ids",
                manifest.layers.len(),
                config.rootfs.diff_ids.len()
            ),
        ));
    }
    let mut history = config.history.iter().filter(|h| !h.empty_layer);
    let mut out = Vec::new();
    for (i, d) in manifest.layers.iter().enumerate() {
        let bytes = match store.file(&super::layout::blob_path(&d.digest)?) {
            Ok(b) => b,
            Err(e) => {
                findings.push(Finding::error("O04", Some(&d.digest), e.to_string()));
                continue;
            }
        };
        let digest_ok = check_digest(d, &bytes, findings);
        let diff_id = config.rootfs.diff_ids.get(i).cloned().unwrap_or_default();
        let (files, actual_diff_id, uncompressed_size) = match read_layer(&d.media_type, &bytes) {
            Ok(r) => r,
            Err(why) => {
                findings.push(Finding::error("O05", Some(&d.digest), why));
                (Vec::new(), String::new(), 0)
            }
        };
        let diff_id_ok = actual_diff_id == diff_id;
        if !diff_id_ok && !actual_diff_id.is_empty() {
            findings.push(Finding::error(
                "O06",
                Some(&d.digest),
                format!("layer {i}: the uncompressed tar has digest {actual_diff_id}, the config's diff_id is {diff_id}"),
            ));
        }
        for f in files.iter().filter(|f| f.kind == "unsafe") {
            findings.push(Finding::error(
                "O09",
                Some(&f.path),
                format!("layer {i}: the path leaves the root"),
            ));
        }
        out.push(LayerReport {
            digest: d.digest.clone(),
            media_type: d.media_type.clone(),
            size: d.size,
            diff_id,
            created_by: history.next().and_then(|h| h.created_by.clone()),
            digest_ok,
            diff_id_ok,
            uncompressed_size,
            files,
        });
    }
    Ok(out)
}

/// A decompressing reader for a layer's media type.
fn decompressor<'a>(
    media_type: &str,
    bytes: &'a [u8],
) -> std::result::Result<Box<dyn Read + 'a>, String> {
    if media_type.ends_with("+gzip") || media_type.ends_with(".gzip") {
        Ok(Box::new(flate2::read::GzDecoder::new(bytes)))
    } else if media_type.ends_with("+zstd") || media_type.ends_with(".zstd") {
        crate::sink::compress::decompressor(crate::deb::Compression::Zstd, bytes)
            .map_err(|e| e.to_string())
    } else if media_type.ends_with(".tar") || media_type.ends_with("diff.tar") {
        Ok(Box::new(bytes))
    } else {
        Err(format!("unknown layer media type `{media_type}`"))
    }
}

/// Hashes what is read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    count: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
}

/// A layer's files, the sha256 of its uncompressed tar and its size.
pub fn read_layer(
    media_type: &str,
    bytes: &[u8],
) -> std::result::Result<(Vec<LayerFile>, String, u64), String> {
    let reader = HashingReader {
        inner: decompressor(media_type, bytes)?.take(MAX_LAYER + 1),
        hasher: Sha256::new(),
        count: 0,
    };
    let mut archive = tar::Archive::new(reader);
    let mut files = Vec::new();
    for entry in archive.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| format!("not a readable tar: {e}"))?;
        let raw = entry
            .path()
            .map_err(|e| e.to_string())?
            .display()
            .to_string();
        let path = raw
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_string();
        let h = entry.header();
        let t = h.entry_type();
        let name = path.rsplit('/').next().unwrap_or("");
        let kind = if path.split('/').any(|c| c == "..") {
            "unsafe"
        } else if name.starts_with(".wh.") {
            "whiteout"
        } else if t.is_dir() {
            "dir"
        } else if t.is_symlink() {
            "symlink"
        } else if t.is_hard_link() {
            "hardlink"
        } else if t.is_file() {
            "file"
        } else {
            "other"
        };
        let (size, mode, uid) = (entry.size(), h.mode().unwrap_or(0), h.uid().unwrap_or(0));
        let mut sha256 = String::new();
        if kind == "file" {
            let mut hasher = Sha256::new();
            std::io::copy(&mut entry, &mut hasher).map_err(|e| format!("{path}: {e}"))?;
            sha256 = crate::record::hex(&hasher.finalize());
        }
        if files.len() < MAX_FILES && !path.is_empty() {
            files.push(LayerFile {
                path,
                kind,
                size,
                mode,
                uid,
                sha256,
            });
        }
    }
    let mut reader = archive.into_inner();
    // Whatever follows the end-of-archive blocks is part of the diff_id too.
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(|e| e.to_string())?;
    if reader.count > MAX_LAYER {
        return Err(format!("layer larger than {MAX_LAYER} bytes uncompressed"));
    }
    Ok((
        files,
        format!("sha256:{}", crate::record::hex(&reader.hasher.finalize())),
        reader.count,
    ))
}

/// The paths of a layer's regular files and links (for finding things in a base).
pub fn layer_paths(media_type: &str, bytes: &[u8]) -> Result<Vec<String>> {
    read_layer(media_type, bytes)
        .map(|(files, _, _)| {
            files
                .into_iter()
                .filter(|f| f.kind != "dir")
                .map(|f| f.path)
                .collect()
        })
        .map_err(|why| Error::Plan(format!("a base layer cannot be read: {why}")))
}

fn python_facts(layers: &[LayerReport]) -> PythonFacts {
    let mut facts = PythonFacts::default();
    for f in layers.iter().flat_map(|l| &l.files) {
        let name = f.path.rsplit('/').next().unwrap_or("");
        if f.path.contains("/bin/") && is_interpreter_name(name) && f.kind != "dir" {
            facts.interpreters.push(f.path.clone());
        }
        if f.kind == "dir" && name.ends_with(".dist-info") {
            facts
                .distributions
                .push(name.trim_end_matches(".dist-info").to_string());
        }
    }
    facts.interpreters.sort();
    facts.interpreters.dedup();
    facts.distributions.sort();
    facts.distributions.dedup();
    facts
}

/// `python3.12`, not `python3.12-config`.
pub fn is_interpreter_name(name: &str) -> bool {
    name.strip_prefix("python3.")
        .is_some_and(|minor| !minor.is_empty() && minor.bytes().all(|b| b.is_ascii_digit()))
}

/// What changed between two images: layers by position, files by content.
#[derive(Debug, Clone, Serialize)]
pub struct ImageDiff {
    pub before: String,
    pub after: String,
    pub same_digest: bool,
    pub config_changed: bool,
    pub layers: Vec<LayerChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerChange {
    pub index: usize,
    pub before: Option<String>,
    pub after: Option<String>,
    pub created_by: Option<String>,
    pub changed: bool,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub modified: Vec<String>,
}

impl ImageDiff {
    pub fn identical(&self) -> bool {
        self.same_digest
    }
}

pub fn diff(a: &ImageReport, b: &ImageReport) -> ImageDiff {
    let n = a.layers.len().max(b.layers.len());
    let layers = (0..n)
        .map(|i| {
            let (x, y) = (a.layers.get(i), b.layers.get(i));
            let files = |l: Option<&LayerReport>| -> BTreeMap<String, (String, u64)> {
                l.map(|l| {
                    l.files
                        .iter()
                        .map(|f| (f.path.clone(), (f.sha256.clone(), f.size)))
                        .collect()
                })
                .unwrap_or_default()
            };
            let (fx, fy) = (files(x), files(y));
            let changed = x.map(|l| &l.digest) != y.map(|l| &l.digest);
            LayerChange {
                index: i,
                before: x.map(|l| l.digest.clone()),
                after: y.map(|l| l.digest.clone()),
                created_by: y.or(x).and_then(|l| l.created_by.clone()),
                changed,
                added: fy
                    .keys()
                    .filter(|k| !fx.contains_key(*k))
                    .cloned()
                    .collect(),
                removed: fx
                    .keys()
                    .filter(|k| !fy.contains_key(*k))
                    .cloned()
                    .collect(),
                modified: fy
                    .iter()
                    .filter(|(k, v)| fx.get(*k).is_some_and(|o| o != *v))
                    .map(|(k, _)| k.clone())
                    .collect(),
            }
        })
        .collect();
    ImageDiff {
        before: a.path.clone(),
        after: b.path.clone(),
        same_digest: a.manifest_digest == b.manifest_digest,
        config_changed: a.config != b.config || a.created != b.created,
        layers,
    }
}
