//! What the sources offer: every distribution file of a project found in
//! the wheelhouses and on the indexes, and of those, the one wheel per
//! version that the target installs best.

use super::hashes::Hashes;
use super::index::{Client, IndexFile};
use super::Sources;
use crate::names;
use crate::runtime::Target;
use crate::tags::WheelName;
use crate::{Error, Result};
use pep440_rs::{Version, VersionSpecifiers};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

/// Where a distribution file is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A file in a wheelhouse directory (or named by a lock's `path`).
    Path(PathBuf),
    /// A file on an index (or named by a lock's `url`).
    Url { url: String, index: Option<String> },
}

/// One distribution file a source offers.
#[derive(Debug, Clone)]
pub struct Offer {
    pub file_name: String,
    pub version: Version,
    /// `None` for source distributions.
    pub wheel: Option<WheelName>,
    pub origin: Origin,
    pub hashes: Hashes,
    pub requires_python: Option<String>,
    pub yanked: bool,
    /// The index serves the core metadata separately (PEP 658).
    pub metadata: Option<Hashes>,
}

impl Offer {
    pub fn index_file(&self) -> Option<IndexFile> {
        match &self.origin {
            Origin::Url { url, .. } => Some(IndexFile {
                file_name: self.file_name.clone(),
                url: url.clone(),
                hashes: self.hashes.clone(),
                requires_python: self.requires_python.clone(),
                yanked: self.yanked,
                metadata: self.metadata.clone(),
            }),
            Origin::Path(_) => None,
        }
    }
}

/// The files of every project in the wheelhouses, by normalised name.
pub fn scan_wheelhouses(sources: &Sources) -> Result<BTreeMap<String, Vec<Offer>>> {
    let mut out: BTreeMap<String, Vec<Offer>> = BTreeMap::new();
    for dir in &sources.wheelhouses {
        let listing = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut names: Vec<_> = listing
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().map(|t| t.is_file()).unwrap_or(false))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for file_name in names {
            if let Some((name, offer)) = classify(&file_name, Origin::Path(dir.join(&file_name))) {
                out.entry(name).or_default().push(offer);
            }
        }
    }
    Ok(out)
}

/// An offer from a file name: wheels by the binary distribution file name
/// convention, sdists by `{name}-{version}.tar.gz` (or legacy `.zip`).
/// Other files are not distributions and are skipped.
pub fn classify(file_name: &str, origin: Origin) -> Option<(String, Offer)> {
    let (name, version, wheel) = if file_name.ends_with(".whl") {
        let wheel = WheelName::parse(file_name).ok()?;
        (wheel.name.clone(), wheel.version.clone(), Some(wheel))
    } else {
        let stem = file_name
            .strip_suffix(".tar.gz")
            .or_else(|| file_name.strip_suffix(".zip"))?;
        let (name, version) = stem.rsplit_once('-')?;
        (name.to_string(), version.to_string(), None)
    };
    let version = Version::from_str(&version).ok()?;
    Some((
        names::normalize(&name),
        Offer {
            file_name: file_name.to_string(),
            version,
            wheel,
            origin,
            hashes: Hashes::new(),
            requires_python: None,
            yanked: false,
            metadata: None,
        },
    ))
}

/// The files every index lists for `name`.
pub fn from_indexes(client: &Client, sources: &Sources, name: &str) -> Result<Vec<Offer>> {
    let mut out = Vec::new();
    for index in &sources.indexes {
        for file in client.page(index, name)? {
            let origin = Origin::Url {
                url: file.url.clone(),
                index: Some(index.clone()),
            };
            let Some((found, mut offer)) = classify(&file.file_name, origin) else {
                continue;
            };
            if found != name {
                continue;
            }
            offer.hashes = file.hashes;
            offer.requires_python = file.requires_python;
            offer.yanked = file.yanked;
            offer.metadata = file.metadata;
            out.push(offer);
        }
    }
    Ok(out)
}

/// For each version, the wheel the target installs best; and, when no
/// version has one, why not, in words.
pub struct Usable {
    pub versions: BTreeMap<Version, Arc<Offer>>,
    pub why_none: Option<String>,
}

pub fn usable(
    name: &str,
    offers: &[Offer],
    target: &Target,
    tags: &[String],
    searched: &str,
) -> Usable {
    let python = target.python_version();
    let mut best: BTreeMap<Version, (usize, &Offer)> = BTreeMap::new();
    let mut too_new_python: BTreeSet<String> = BTreeSet::new();
    let mut sdists: BTreeMap<Version, Arc<Offer>> = BTreeMap::new();
    for offer in offers {
        if offer.yanked || !python_ok(offer, &python, &mut too_new_python) {
            continue;
        }
        let Some(wheel) = &offer.wheel else {
            if offer.file_name.ends_with(".tar.gz") {
                sdists
                    .entry(offer.version.clone())
                    .or_insert_with(|| Arc::new(offer.clone()));
            }
            continue;
        };
        let Some(rank) = target.rank(wheel, tags) else {
            continue;
        };
        let slot = best.entry(offer.version.clone()).or_insert((rank, offer));
        if rank < slot.0 {
            *slot = (rank, offer);
        }
    }
    let mut versions: BTreeMap<Version, Arc<Offer>> = best
        .into_iter()
        .map(|(v, (_, o))| (v, Arc::new(o.clone())))
        .collect();
    // Wheels are preferred: sdists are built only when no version has a
    // wheel for the target, and only for an interpreter on this machine
    // (`closure::built`).
    if versions.is_empty() && target.interpreter.is_some() {
        versions = sdists;
    }
    let why_none = versions
        .is_empty()
        .then(|| why_unusable(name, offers, target, &too_new_python, searched));
    Usable { versions, why_none }
}

/// Whether the index's `Requires-Python` of `offer` admits `python`
/// (recorded in `too_new` when not). pip ignores one it cannot parse.
fn python_ok(offer: &Offer, python: &Version, too_new: &mut BTreeSet<String>) -> bool {
    let Some(rp) = &offer.requires_python else {
        return true;
    };
    match VersionSpecifiers::from_str(rp) {
        Ok(spec) if !spec.contains(python) => {
            if offer.wheel.is_some() {
                too_new.insert(format!("{} requires Python {rp}", offer.version));
            }
            false
        }
        _ => true,
    }
}

fn why_unusable(
    name: &str,
    offers: &[Offer],
    target: &Target,
    too_new_python: &BTreeSet<String>,
    searched: &str,
) -> String {
    if offers.is_empty() {
        return format!("{name}: not found in {searched}");
    }
    let target = target.label();
    if offers.iter().all(|o| o.wheel.is_none()) {
        let files: Vec<&str> = offers.iter().map(|o| o.file_name.as_str()).collect();
        return format!(
            "{name}: no wheel for {target}; only an sdist ({}), and Gradient builds wheels from sdists only for an interpreter on this machine (--python), not for a described target",
            files.join(", ")
        );
    }
    if offers.iter().all(|o| o.yanked) {
        return format!("{name}: every file is yanked");
    }
    if let Some(first) = too_new_python.iter().next_back() {
        if offers
            .iter()
            .filter(|o| o.wheel.is_some() && !o.yanked)
            .count()
            == too_new_python.len()
        {
            return format!("{name}: no version supports {target}: {first}");
        }
    }
    let newest = offers
        .iter()
        .filter(|o| o.wheel.is_some())
        .map(|o| &o.version)
        .max();
    let mut tags: Vec<String> = offers
        .iter()
        .filter(|o| Some(&o.version) == newest)
        .filter_map(|o| o.wheel.as_ref())
        .flat_map(|w| w.tags())
        .collect();
    tags.sort();
    tags.dedup();
    let shown: Vec<&str> = tags.iter().take(6).map(String::as_str).collect();
    let more = if tags.len() > 6 {
        format!(" and {} more", tags.len() - 6)
    } else {
        String::new()
    };
    format!(
        "{name}: no wheel for {target}; version {} has wheels for {}{more}",
        newest.map(ToString::to_string).unwrap_or_default(),
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(file: &str) -> Offer {
        classify(file, Origin::Path(PathBuf::from(file))).unwrap().1
    }

    #[test]
    fn classify_wheels_and_sdists() {
        let (name, o) = classify("Markup_Safe-2.1.5.tar.gz", Origin::Path("x".into())).unwrap();
        assert_eq!(name, "markup-safe");
        assert!(o.wheel.is_none());
        assert_eq!(o.version.to_string(), "2.1.5");
        assert!(classify("README.txt", Origin::Path("x".into())).is_none());
        assert!(classify("bad-name-.whl", Origin::Path("x".into())).is_none());
    }

    #[test]
    fn best_wheel_per_version_and_reasons() {
        let t = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let tags = t.tags();
        let offers = vec![
            offer("m-1.0-py3-none-any.whl"),
            offer("m-1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"),
            offer("m-2.0-cp313-cp313-manylinux_2_17_x86_64.whl"),
            offer("m-2.0.tar.gz"),
        ];
        let u = usable("m", &offers, &t, &tags, "wheelhouse w");
        assert_eq!(u.versions.len(), 1);
        assert!(u
            .versions
            .values()
            .next()
            .unwrap()
            .file_name
            .contains("cp312"));

        let u = usable("m", &offers[2..], &t, &tags, "wheelhouse w");
        let why = u.why_none.unwrap();
        assert!(
            why.contains("version 2.0 has wheels for cp313-cp313-manylinux_2_17_x86_64"),
            "{why}"
        );
        let u = usable("m", &offers[3..], &t, &tags, "wheelhouse w");
        assert!(u.why_none.unwrap().contains("only an sdist (m-2.0.tar.gz)"));
        let u = usable("m", &[], &t, &tags, "wheelhouse w");
        assert_eq!(u.why_none.unwrap(), "m: not found in wheelhouse w");

        let mut old = offer("m-1.0-py3-none-any.whl");
        old.requires_python = Some(">=3.13".into());
        let u = usable("m", &[old], &t, &tags, "wheelhouse w");
        assert!(u.why_none.unwrap().contains("requires Python >=3.13"));
    }
}
