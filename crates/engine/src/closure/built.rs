//! Wheels built from sdists, for dependencies that publish no wheel the
//! target can install: the sdist is built by its own backend through the
//! PEP 517 frontend ([`crate::frontend`]) for the target's interpreter,
//! which must be on this machine, and the wheel is cached by the sdist's
//! sha256 and the interpreter's cache tag, so it is built once.

use super::index::Client;
use super::offers::{Offer, Origin};
use super::Sources;
use crate::plan::Format;
use crate::progress::Progress;
use crate::runtime::Target;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Marks a cache entry as complete: written last.
const COMPLETE: &str = ".complete";

/// The wheel built from the sdist `offer`, from the cache or built now.
pub fn wheel_of(
    offer: &Offer,
    client: &Client,
    sources: &Sources,
    target: &Target,
    progress: &dyn Progress,
) -> Result<PathBuf> {
    let (Some(python), Some(tag)) = (&target.interpreter, &target.cache_tag) else {
        return Err(Error::Closure(format!(
            "{}: only an sdist, and a wheel can be built from it only for an interpreter on this machine, not for {}",
            offer.file_name,
            target.label()
        )));
    };
    build(offer, client, sources, python, tag, progress).map_err(|e| {
        let name = offer.file_name.rsplit_once('-').map_or("", |(n, _)| n);
        Error::Closure(format!(
            "{name}: no wheel for {}; building one from its only sdist ({}) failed: {e}",
            target.label(),
            offer.file_name
        ))
    })
}

fn build(
    offer: &Offer,
    client: &Client,
    sources: &Sources,
    python: &Path,
    tag: &str,
    progress: &dyn Progress,
) -> Result<PathBuf> {
    let sdist = sdist_bytes(offer, client)?;
    let key = format!("{tag}-{}", &super::hashes::sha256_hex(&sdist)[..32]);
    let dir = cache_dir(sources).join(&key);
    if let Some(found) = complete_wheel(&dir) {
        return Ok(found);
    }
    progress.step(&format!("build {}", offer.file_name));
    let parent = cache_dir(sources);
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let work = tempfile::Builder::new()
        .prefix(".build-")
        .tempdir_in(&parent)
        .map_err(|e| Error::io(&parent, e))?;
    let tree = unpack(&sdist, &offer.file_name, &work.path().join("src"))?;
    let out = work.path().join("wheel");
    let report = crate::frontend::build(
        &crate::frontend::Request {
            root: tree,
            out_dir: out.clone(),
            formats: vec![Format::Wheel],
            python: Some(python.to_path_buf()),
            config: Default::default(),
            sources: sources.clone(),
            repair: None,
            keep_failed: true,
        },
        progress,
    )?;
    let built = report
        .artifacts
        .first()
        .map(|a| a.written.path.clone())
        .ok_or_else(|| {
            Error::Closure(format!("{}: the backend built no wheel", offer.file_name))
        })?;
    std::fs::write(out.join(COMPLETE), b"").map_err(|e| Error::io(&out, e))?;
    // Another build may have finished first: its entry is as good.
    if std::fs::rename(&out, &dir).is_err() {
        if let Some(found) = complete_wheel(&dir) {
            return Ok(found);
        }
        return Err(Error::Closure(format!(
            "{}: cannot store the built wheel in {}",
            offer.file_name,
            dir.display()
        )));
    }
    Ok(dir.join(built.file_name().unwrap_or_default()))
}

fn cache_dir(sources: &Sources) -> PathBuf {
    sources
        .cache
        .clone()
        .unwrap_or_else(super::index::default_cache)
        .join("built-wheels")
}

/// The one wheel of a complete cache entry.
fn complete_wheel(dir: &Path) -> Option<PathBuf> {
    if !dir.join(COMPLETE).is_file() {
        return None;
    }
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
}

fn sdist_bytes(offer: &Offer, client: &Client) -> Result<Arc<[u8]>> {
    match &offer.origin {
        Origin::Path(path) => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            if !offer.hashes.is_empty() {
                super::hashes::verify(&bytes, &offer.hashes)
                    .map_err(|why| Error::Closure(format!("{}: {why}", path.display())))?;
            }
            Ok(bytes.into())
        }
        Origin::Url { url, .. } => client.download(url, &offer.file_name, &offer.hashes),
    }
}

/// Unpack a `.tar.gz` sdist into `into` as the frontend does; its one top
/// directory.
fn unpack(sdist: &[u8], name: &str, into: &Path) -> Result<PathBuf> {
    if !name.ends_with(".tar.gz") {
        return Err(Error::Closure(format!(
            "{name}: only .tar.gz sdists (PEP 625) are built"
        )));
    }
    crate::frontend::unpack_tree(sdist, Path::new(name), into)
}
