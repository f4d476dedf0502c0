//! The dependency closure of an application: its requirements resolved, for
//! one [`Target`], into an exact set of wheels, fetched and verified.
//!
//! Sources: wheelhouse directories, package indexes (the simple repository
//! API) or a PEP 751 lock file. With a lock nothing is resolved: the closure
//! is exactly what the lock says. Otherwise PubGrub resolves against every
//! wheelhouse and index together; the result can be written as a lock so the
//! next build is exact.

mod built;
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
use std::path::PathBuf;
use std::sync::Arc;

pub use hashes::Hashes;
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
        return fetch(&client, pins);
    }
    progress.step("resolve");
    let version: pep440_rs::Version = root_version
        .parse()
        .map_err(|e| Error::Closure(format!("version `{root_version}` of {root_name}: {e}")))?;
    let provider = solve::Provider::new(
        target,
        sources,
        &client,
        progress,
        (names::normalize(root_name), version, reqs),
    )?;
    let chosen = solve::solve(&provider)?;
    progress.step("fetch");
    let pins = chosen
        .into_iter()
        .map(|(name, offer)| pin(&provider, name, &offer))
        .collect::<Result<_>>()?;
    fetch(&client, pins)
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

/// What to fetch for a chosen offer: the file itself, or for an sdist the
/// wheel built from it (already built when its metadata was read).
fn pin(provider: &solve::Provider<'_>, name: String, offer: &offers::Offer) -> Result<Pin> {
    if offer.wheel.is_some() {
        return Ok(Pin {
            name,
            version: offer.version.to_string(),
            file_name: offer.file_name.clone(),
            origin: offer.origin.clone(),
            hashes: offer.hashes.clone(),
        });
    }
    let wheel = provider.built_wheel(offer)?;
    Ok(Pin {
        name,
        version: offer.version.to_string(),
        file_name: wheel
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        origin: Origin::Path(wheel),
        hashes: Hashes::new(),
    })
}

fn fetch(client: &index::Client, pins: Vec<Pin>) -> Result<Closure> {
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
                Origin::Url { url, .. } => client.download(url, &pin.file_name, &pin.hashes)?,
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
    }
    wheels.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Closure { wheels })
}

/// The `METADATA` of a wheel's `.dist-info` directory. Only the central
/// directory and that member are read, so a wheel on disk is not read whole
/// before it is installed.
pub fn read_wheel_metadata(
    wheel: impl std::io::Read + std::io::Seek,
    file_name: &str,
) -> Result<Vec<u8>> {
    let bad = |why: String| Error::Closure(format!("{file_name}: {why}"));
    let mut zip =
        zip::ZipArchive::new(wheel).map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let path = crate::wheel::read::dist_info(zip.file_names(), "METADATA")
        .map(|dir| format!("{dir}/METADATA"))
        .map_err(bad)?;
    crate::wheel::read::read_member(&mut zip, &path).map_err(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apptree::tests::make_wheel;
    use crate::progress::Silent;

    /// A wheelhouse of tiny wheels: (name, version, METADATA lines).
    fn wheelhouse(wheels: &[(&str, &str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (name, version, meta) in wheels {
            let bytes = make_wheel(name, version, meta, &[], None);
            std::fs::write(
                dir.path()
                    .join(format!("{name}-{version}-py3-none-any.whl")),
                bytes,
            )
            .unwrap();
        }
        dir
    }

    fn solve(reqs: &[&str], wheels: &[(&str, &str, &str)]) -> Result<Vec<String>> {
        let dir = wheelhouse(wheels);
        let target = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let sources = Sources {
            wheelhouses: vec![dir.path().to_path_buf()],
            ..Sources::default()
        };
        let reqs: Vec<String> = reqs.iter().map(|r| r.to_string()).collect();
        let closure = resolve(("app", "1.0"), &reqs, &target, &sources, &Silent)?;
        Ok(closure
            .wheels
            .iter()
            .map(|w| format!("{} {}", w.name, w.version))
            .collect())
    }

    #[test]
    fn newest_allowed_versions_with_extras_and_markers() {
        let wheels = [
            ("a", "1.0", ""),
            (
                "a",
                "2.0",
                "Provides-Extra: fast\nRequires-Dist: b>=1; extra == \"fast\"\nRequires-Dist: c; python_version < \"3.10\"\nRequires-Dist: d; sys_platform == \"linux\"\n",
            ),
            ("b", "1.0", ""),
            ("b", "1.5", ""),
            ("b", "2.0rc1", ""),
            ("c", "1.0", ""),
            ("d", "1.0", ""),
        ];
        assert_eq!(solve(&["a"], &wheels).unwrap(), ["a 2.0", "d 1.0"]);
        assert_eq!(
            solve(&["a[fast]"], &wheels).unwrap(),
            ["a 2.0", "b 1.5", "d 1.0"]
        );
        assert_eq!(solve(&["a<2"], &wheels).unwrap(), ["a 1.0"]);
        // A pre-release only when nothing else is allowed.
        assert_eq!(solve(&["b>1.5"], &wheels).unwrap(), ["b 2.0rc1"]);
        // Markers of the application's own requirements, for the target.
        assert_eq!(
            solve(&["c; python_version < '3.10'", "d"], &wheels).unwrap(),
            ["d 1.0"]
        );
    }

    /// Records the progress steps.
    #[derive(Default)]
    struct Steps(std::sync::Mutex<Vec<String>>);
    impl Progress for Steps {
        fn step(&self, label: &str) {
            self.0.lock().unwrap().push(label.to_string());
        }
    }

    /// A dependency with only an sdist is built by its own backend (the
    /// frontend's in-tree fixture backend: no index needed) for the host
    /// interpreter, once: the second resolve takes the cached wheel.
    #[test]
    fn an_sdist_only_dependency_is_built_once_and_cached() {
        let house = tempfile::tempdir().unwrap();
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
            Vec::new(),
            flate2::Compression::fast(),
        ));
        let files = [
            ("fixture-1.0/pyproject.toml", "[build-system]\nrequires = []\nbuild-backend = \"fixture_backend\"\nbackend-path = [\"backend\"]\n"),
            ("fixture-1.0/backend/fixture_backend.py", include_str!("frontend/testdata/fixture_backend.py")),
        ];
        for (path, text) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            tar.append_data(&mut header, path, text.as_bytes()).unwrap();
        }
        let sdist = tar.into_inner().unwrap().finish().unwrap();
        std::fs::write(house.path().join("fixture-1.0.tar.gz"), sdist).unwrap();
        let cache = tempfile::tempdir().unwrap();
        let sources = Sources {
            wheelhouses: vec![house.path().to_path_buf()],
            cache: Some(cache.path().to_path_buf()),
            ..Sources::default()
        };
        let target = Target::describe(&Target::default_interpreter()).unwrap();
        let reqs = vec!["fixture".to_string()];
        for round in 0..2 {
            let steps = Steps::default();
            let closure = resolve(("app", "1.0"), &reqs, &target, &sources, &steps).unwrap();
            assert_eq!(closure.wheels.len(), 1);
            assert_eq!(closure.wheels[0].file_name, "fixture-1.0-py3-none-any.whl");
            let built = steps
                .0
                .lock()
                .unwrap()
                .iter()
                .filter(|s| s.starts_with("build fixture-1.0.tar.gz"))
                .count();
            assert_eq!(built, if round == 0 { 1 } else { 0 }, "round {round}");
        }
        // A described target has no interpreter to build with: the reason
        // is named.
        let described = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let e = resolve(("app", "1.0"), &reqs, &described, &sources, &Silent)
            .unwrap_err()
            .to_string();
        assert!(e.contains("only an sdist (fixture-1.0.tar.gz)"), "{e}");
    }

    #[test]
    fn conflicts_are_explained_with_every_step() {
        let wheels = [
            ("a", "1.0", "Requires-Dist: c<2\n"),
            ("b", "1.0", "Requires-Dist: c>=2\n"),
            ("c", "1.0", ""),
            ("c", "2.0", ""),
        ];
        let e = solve(&["a", "b"], &wheels).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot resolve the dependencies of app for CPython 3.12"),
            "{e}"
        );
        assert!(
            e.contains("a 1.0 depends on c <2") || e.contains("a depends on c <2"),
            "{e}"
        );
        assert!(
            e.contains("b 1.0 depends on c >=2") || e.contains("b depends on c >=2"),
            "{e}"
        );
        let e = solve(&["a", "b", "zzz"], &wheels).unwrap_err().to_string();
        assert!(e.contains("zzz: not found in wheelhouse"), "{e}");
        let e = solve(&["a @ https://example.com/a.whl"], &wheels)
            .unwrap_err()
            .to_string();
        assert!(e.contains("by direct URL"), "{e}");
    }
}
