//! The dependency closure of an application: its requirements resolved, for
//! one [`Target`], into an exact set of wheels, fetched and verified.
//!
//! Sources: wheelhouse directories, package indexes (the simple repository
//! API) or a PEP 751 lock file. With a lock nothing is resolved: the closure
//! is exactly what the lock says. Otherwise PubGrub resolves against every
//! wheelhouse and index together; the result can be written as a lock so the
//! next build is exact.

mod hashes;
pub mod index;
pub mod lock;
mod offers;
mod solve;

use crate::names::{self, Requirement};
use crate::progress::Progress;
use crate::runtime::Target;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;

pub use hashes::{hex, Hashes};
pub use offers::Origin;

/// Where wheels come from.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub wheelhouses: Vec<PathBuf>,
    /// Simple repository API base URLs.
    pub indexes: Vec<String>,
    pub lock: Option<PathBuf>,
    /// Download cache; default [`index::default_cache`].
    pub cache: Option<PathBuf>,
}

impl Sources {
    /// The public index is used when no source at all was named: a
    /// wheelhouse or a lock alone means "only these files".
    pub fn with_default_index(mut self) -> Self {
        if self.wheelhouses.is_empty() && self.indexes.is_empty() && self.lock.is_none() {
            self.indexes.push(index::PUBLIC_INDEX.to_string());
        }
        self
    }

    fn client(&self) -> index::Client {
        index::Client::new(self.cache.clone().unwrap_or_else(index::default_cache))
    }

    /// A short description for messages: `wheelhouse /w, index https://…`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        parts.extend(
            self.wheelhouses
                .iter()
                .map(|w| format!("wheelhouse {}", w.display())),
        );
        parts.extend(self.indexes.iter().map(|i| format!("index {i}")));
        parts.extend(self.lock.iter().map(|l| format!("lock {}", l.display())));
        parts.join(", ")
    }
}

/// One wheel of the closure, fetched and verified.
#[derive(Debug, Clone, Serialize)]
pub struct Wheel {
    /// Normalised distribution name.
    pub name: String,
    pub version: String,
    pub file_name: String,
    #[serde(skip)]
    pub origin: Origin,
    pub sha256: String,
    #[serde(skip)]
    pub bytes: Arc<[u8]>,
}

/// The resolved, fetched dependency closure (sorted by name).
#[derive(Debug, Clone, Serialize)]
pub struct Closure {
    pub wheels: Vec<Wheel>,
}

/// Resolve `requirements` (the root's `Requires-Dist`) of the application
/// `root` for `target`, and fetch every wheel, verified.
pub fn resolve(
    root: (&str, &str),
    requirements: &[String],
    target: &Target,
    sources: &Sources,
    progress: &dyn Progress,
) -> Result<Closure> {
    let (root_name, root_version) = root;
    let reqs: Vec<Requirement> = requirements
        .iter()
        .map(|r| {
            names::parse_requirement(r)
                .map_err(|e| Error::Closure(format!("dependency `{r}` of {root_name}: {e}")))
        })
        .collect::<Result<_>>()?;
    let client = sources.client();
    if let Some(lock_path) = &sources.lock {
        progress.step("read lock");
        let pins = lock::read(lock_path, target)?;
        lock::check_satisfies(lock_path, &pins, &reqs, target)?;
        progress.step("fetch");
        return fetch(&client, pins, progress);
    }
    progress.step("resolve");
    let version: pep440_rs::Version = root_version
        .parse()
        .map_err(|e| Error::Closure(format!("version `{root_version}` of {root_name}: {e}")))?;
    let provider = solve::Provider::new(
        target,
        sources,
        &client,
        (names::normalize(root_name), version, reqs),
    )?;
    let chosen = solve::solve(&provider)?;
    progress.step("fetch");
    let pins = chosen
        .into_iter()
        .map(|(name, offer)| Pin {
            name,
            version: offer.version.to_string(),
            file_name: offer.file_name.clone(),
            origin: offer.origin.clone(),
            hashes: offer.hashes.clone(),
        })
        .collect();
    fetch(&client, pins, progress)
}

/// A wheel chosen but not yet fetched.
#[derive(Debug, Clone)]
pub struct Pin {
    pub name: String,
    pub version: String,
    pub file_name: String,
    pub origin: Origin,
    /// Required for URLs; checked when given for paths.
    pub hashes: Hashes,
}

fn fetch(client: &index::Client, pins: Vec<Pin>, progress: &dyn Progress) -> Result<Closure> {
    progress.start(pins.len() as u64);
    let fetched: Vec<Result<Wheel>> = pins
        .into_par_iter()
        .map(|pin| {
            let bytes: Arc<[u8]> = match &pin.origin {
                Origin::Path(path) => {
                    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
                    if !pin.hashes.is_empty() {
                        hashes::verify(&bytes, &pin.hashes)
                            .map_err(|why| Error::Closure(format!("{}: {why}", path.display())))?;
                    }
                    bytes.into()
                }
                Origin::Url { url, .. } => client.download(&index::IndexFile {
                    file_name: pin.file_name.clone(),
                    url: url.clone(),
                    hashes: pin.hashes.clone(),
                    requires_python: None,
                    yanked: false,
                    metadata: None,
                })?,
            };
            Ok(Wheel {
                sha256: hashes::sha256_hex(&bytes),
                name: pin.name,
                version: pin.version,
                file_name: pin.file_name,
                origin: pin.origin,
                bytes,
            })
        })
        .collect();
    let mut wheels = Vec::with_capacity(fetched.len());
    for w in fetched {
        wheels.push(w?);
        progress.advance(1);
    }
    wheels.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Closure { wheels })
}

/// The `METADATA` of a wheel's `.dist-info` directory.
pub fn read_wheel_metadata(bytes: &[u8], file_name: &str) -> Result<Vec<u8>> {
    let bad = |why: String| Error::Closure(format!("{file_name}: {why}"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let path = zip
        .file_names()
        .find(|n| {
            n.ends_with("/METADATA")
                && n.matches('/').count() == 1
                && n.split('/')
                    .next()
                    .is_some_and(|d| d.ends_with(".dist-info"))
        })
        .map(str::to_string)
        .ok_or_else(|| bad("no .dist-info/METADATA".into()))?;
    let mut file = zip
        .by_name(&path)
        .map_err(|e| bad(format!("{path}: {e}")))?;
    let mut out = Vec::new();
    file.by_ref()
        .take(16 << 20)
        .read_to_end(&mut out)
        .map_err(|e| bad(format!("{path}: {e}")))?;
    Ok(out)
}
