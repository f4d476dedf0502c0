//! Resolution with PubGrub: packages are distributions (and
//! distribution-with-extra, pinned to the same version as the distribution,
//! so extras add requirements without a second copy); versions are PEP 440
//! versions with specifiers turned into ranges; conflicts are explained in
//! words by PubGrub's reporter.

use super::index::Client;
use super::offers::{self, Offer, Origin, Usable};
use super::{read_wheel_metadata, Sources};
use crate::inspect::core_metadata;
use crate::names::{self, Requirement};
use crate::progress::Progress;
use crate::runtime::Target;
use crate::{Error, Result};
use pep440_rs::{Version, VersionSpecifiers};
use pep508_rs::{ExtraName, MarkerEnvironment, VersionOrUrl};
use pubgrub::{
    DefaultStringReporter, Dependencies, DependencyConstraints, DependencyProvider,
    PackageResolutionStatistics, PubGrubError, Ranges, Reporter,
};
use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pkg {
    Root(String),
    Dist(String),
    Extra(String, String),
}

impl fmt::Display for Pkg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Pkg::Root(n) | Pkg::Dist(n) => f.write_str(n),
            Pkg::Extra(n, e) => write!(f, "{n}[{e}]"),
        }
    }
}

/// The `Requires-Dist` of one version, shared between lookups.
type Requirements = Arc<Vec<Requirement>>;

pub struct Provider<'a> {
    target: &'a Target,
    tags: Vec<String>,
    env: MarkerEnvironment,
    python: Version,
    sources: &'a Sources,
    client: &'a Client,
    progress: &'a dyn Progress,
    root: (String, Version, Vec<Requirement>),
    wheelhouse: BTreeMap<String, Vec<Offer>>,
    usable: RefCell<HashMap<String, Arc<Usable>>>,
    requirements: RefCell<HashMap<(String, Version), Requirements>>,
}

impl<'a> Provider<'a> {
    pub fn new(
        target: &'a Target,
        sources: &'a Sources,
        client: &'a Client,
        progress: &'a dyn Progress,
        root: (String, Version, Vec<Requirement>),
    ) -> Result<Self> {
        Ok(Provider {
            tags: target.tags(),
            env: target.marker_environment()?,
            python: target.python_version(),
            target,
            sources,
            client,
            progress,
            root,
            wheelhouse: offers::scan_wheelhouses(sources)?,
            usable: RefCell::default(),
            requirements: RefCell::default(),
        })
    }

    pub fn usable(&self, name: &str) -> Result<Arc<Usable>> {
        if let Some(u) = self.usable.borrow().get(name) {
            return Ok(u.clone());
        }
        let mut all = self.wheelhouse.get(name).cloned().unwrap_or_default();
        all.extend(offers::from_indexes(self.client, self.sources, name)?);
        let u = Arc::new(offers::usable(
            name,
            &all,
            self.target,
            &self.tags,
            &self.sources.describe(),
        ));
        self.usable.borrow_mut().insert(name.to_string(), u.clone());
        Ok(u)
    }

    /// `Requires-Dist` of one version (after checking its `Requires-Python`).
    fn requirements(&self, name: &str, version: &Version) -> Result<Result<Requirements, String>> {
        let key = (name.to_string(), version.clone());
        if let Some(r) = self.requirements.borrow().get(&key) {
            return Ok(Ok(r.clone()));
        }
        let usable = self.usable(name)?;
        let Some(offer) = usable.versions.get(version) else {
            return Ok(Err(format!("{name} {version} has no usable wheel")));
        };
        let bytes = self.metadata_bytes(offer)?;
        let text = String::from_utf8_lossy(&bytes);
        let (headers, _) = core_metadata::headers(&text, &offer.file_name, &mut Vec::new());
        let mut reqs = Vec::new();
        for h in &headers {
            if h.name.eq_ignore_ascii_case("Requires-Python") {
                if let Ok(spec) = VersionSpecifiers::from_str(&h.value) {
                    if !spec.contains(&self.python) {
                        return Ok(Err(format!("{name} {version} requires Python {}", h.value)));
                    }
                }
            } else if h.name.eq_ignore_ascii_case("Requires-Dist") {
                let req = names::parse_requirement(&h.value).map_err(|e| {
                    Error::Closure(format!(
                        "{}: METADATA: Requires-Dist `{}`: {e}",
                        offer.file_name, h.value
                    ))
                })?;
                reqs.push(req);
            }
        }
        let reqs = Arc::new(reqs);
        self.requirements.borrow_mut().insert(key, reqs.clone());
        Ok(Ok(reqs))
    }

    fn metadata_bytes(&self, offer: &Offer) -> Result<Vec<u8>> {
        if offer.wheel.is_none() {
            let wheel = self.built_wheel(offer)?;
            let file = std::fs::File::open(&wheel).map_err(|e| Error::io(&wheel, e))?;
            return read_wheel_metadata(std::io::BufReader::new(file), &offer.file_name);
        }
        match &offer.origin {
            Origin::Path(path) => {
                let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                read_wheel_metadata(std::io::BufReader::new(file), &offer.file_name)
            }
            Origin::Url { .. } => {
                let file = offer.index_file().ok_or_else(|| {
                    Error::Closure(format!("{}: not an index file", offer.file_name))
                })?;
                match self.client.metadata(&file)? {
                    Some(bytes) => Ok(bytes),
                    None => read_wheel_metadata(
                        std::io::Cursor::new(self.client.download(
                            &file.url,
                            &file.file_name,
                            &file.hashes,
                        )?),
                        &offer.file_name,
                    ),
                }
            }
        }
    }

    /// The wheel built from the sdist `offer` (once; cached on disk).
    pub fn built_wheel(&self, offer: &Offer) -> Result<std::path::PathBuf> {
        super::built::wheel_of(offer, self.client, self.sources, self.target, self.progress)
    }

    /// Turn requirements into PubGrub constraints; markers are evaluated for
    /// the target with `extras` active.
    fn constraints(
        &self,
        of: &str,
        reqs: &[Requirement],
        extras: &[ExtraName],
        into: &mut BTreeMap<Pkg, Ranges<Version>>,
    ) -> std::result::Result<(), String> {
        for req in reqs {
            if !req.marker.evaluate(&self.env, extras) {
                continue;
            }
            let name = names::normalize(req.name.as_ref());
            let range = match &req.version_or_url {
                None => Ranges::full(),
                Some(VersionOrUrl::VersionSpecifier(spec)) => Ranges::from(spec.clone()),
                Some(VersionOrUrl::Url(url)) => {
                    return Err(format!(
                        "{of} depends on {name} by direct URL ({url}), which a wheel closure cannot pin"
                    ))
                }
            };
            let mut add = |pkg: Pkg, range: &Ranges<Version>| {
                let merged = match into.get(&pkg) {
                    Some(existing) => existing.intersection(range),
                    None => range.clone(),
                };
                into.insert(pkg, merged);
            };
            if name != of {
                add(Pkg::Dist(name.clone()), &range);
            }
            for extra in &req.extras {
                add(
                    Pkg::Extra(name.clone(), names::normalize_extra(extra.as_ref())),
                    &range,
                );
            }
        }
        Ok(())
    }
}

impl DependencyProvider for Provider<'_> {
    type P = Pkg;
    type V = Version;
    type VS = Ranges<Version>;
    type M = String;
    type Err = Error;
    type Priority = (u32, Reverse<usize>);

    fn prioritize(
        &self,
        package: &Pkg,
        range: &Ranges<Version>,
        stats: &PackageResolutionStatistics,
    ) -> Self::Priority {
        let count = match package {
            Pkg::Root(_) => return (u32::MAX, Reverse(0)),
            Pkg::Dist(n) | Pkg::Extra(n, _) => self
                .usable(n)
                .map(|u| u.versions.keys().filter(|v| range.contains(v)).count())
                .unwrap_or(0),
        };
        (stats.conflict_count(), Reverse(count))
    }

    fn choose_version(&self, package: &Pkg, range: &Ranges<Version>) -> Result<Option<Version>> {
        let name = match package {
            Pkg::Root(_) => return Ok(Some(self.root.1.clone()).filter(|v| range.contains(v))),
            Pkg::Dist(n) | Pkg::Extra(n, _) => n,
        };
        let usable = self.usable(name)?;
        let mut in_range = usable.versions.keys().rev().filter(|v| range.contains(v));
        // Pre-releases only when nothing else fits (pip's and uv's default).
        let stable = in_range.clone().find(|v| !v.any_prerelease());
        Ok(stable.or_else(|| in_range.next()).cloned())
    }

    fn should_cancel(&self) -> Result<()> {
        if self.progress.cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }

    fn get_dependencies(
        &self,
        package: &Pkg,
        version: &Version,
    ) -> Result<Dependencies<Pkg, Ranges<Version>, String>> {
        let mut deps = BTreeMap::new();
        let outcome = match package {
            Pkg::Root(name) => self.constraints(name, &self.root.2, &[], &mut deps),
            Pkg::Dist(name) => match self.requirements(name, version)? {
                Ok(reqs) => self.constraints(name, &reqs, &[], &mut deps),
                Err(why) => Err(why),
            },
            Pkg::Extra(name, extra) => {
                deps.insert(Pkg::Dist(name.clone()), Ranges::singleton(version.clone()));
                let extra_name = ExtraName::from_str(extra)
                    .map_err(|e| Error::Closure(format!("extra `{extra}` of {name}: {e}")))?;
                match self.requirements(name, version)? {
                    Ok(reqs) => self.constraints(name, &reqs, &[extra_name], &mut deps),
                    Err(why) => Err(why),
                }
            }
        };
        Ok(match outcome {
            Ok(()) => {
                Dependencies::Available(deps.into_iter().collect::<DependencyConstraints<_, _>>())
            }
            Err(why) => Dependencies::Unavailable(why),
        })
    }
}

/// Resolve; on failure, explain the conflict and name every dependency that
/// had no usable wheel and why.
pub fn solve(provider: &Provider<'_>) -> Result<BTreeMap<String, Arc<Offer>>> {
    let (root_name, root_version, _) = &provider.root;
    let root = Pkg::Root(root_name.clone());
    match pubgrub::resolve(provider, root, root_version.clone()) {
        Ok(selected) => {
            let mut out = BTreeMap::new();
            for (pkg, version) in selected {
                if let Pkg::Dist(name) = pkg {
                    let usable = provider.usable(&name)?;
                    let offer = usable.versions.get(&version).cloned().ok_or_else(|| {
                        Error::Closure(format!("{name} {version}: chosen but not offered"))
                    })?;
                    out.insert(name, offer);
                }
            }
            Ok(out)
        }
        Err(PubGrubError::NoSolution(mut tree)) => {
            tree.collapse_no_versions();
            let explanation = DefaultStringReporter::report(&tree);
            let mut text = format!(
                "cannot resolve the dependencies of {root_name} for {}:\n{}",
                provider.target.label(),
                indent(&explanation)
            );
            let usable = provider.usable.borrow();
            let mut why: Vec<&String> = usable
                .values()
                .filter_map(|u| u.why_none.as_ref())
                .collect();
            why.sort();
            for line in why {
                text.push_str(&format!("\n  {line}"));
            }
            Err(Error::Closure(text))
        }
        Err(PubGrubError::ErrorRetrievingDependencies { source, .. })
        | Err(PubGrubError::ErrorChoosingVersion { source, .. }) => Err(source),
        Err(PubGrubError::ErrorInShouldCancel(e)) => Err(e),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
