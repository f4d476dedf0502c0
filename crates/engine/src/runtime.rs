//! Runtimes: the Python interpreter an application is packaged for.
//!
//! A [`Target`] is learned by running an interpreter once
//! ([`Target::describe`], like `pex3 interpreter inspect`) or described
//! without one ([`Target::parse`], `3.12-manylinux_2_28_x86_64`). Either way
//! it answers the two questions the closure asks: which wheels can this
//! interpreter install ("Platform compatibility tags", in preference order),
//! and how do environment markers evaluate on it ("Dependency specifiers" §
//! Environment markers).

use crate::tags::WheelName;
use crate::{Error, Result};
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const DESCRIBE: &str = include_str!("runtime/describe.py");

/// The C library a Linux target links against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum Libc {
    Glibc {
        major: u32,
        minor: u32,
    },
    Musl {
        major: u32,
        minor: u32,
    },
    /// Not Linux, or not known: only `linux_<arch>` (for a local interpreter)
    /// and pure wheels apply.
    Unknown,
}

/// Where a run interpreter's parts are on disk (what freezing copies).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Installation {
    /// The interpreter with symbolic links resolved.
    pub executable: PathBuf,
    pub stdlib: PathBuf,
    /// lib-dynload: the standard library's extension modules.
    pub dynload: PathBuf,
    pub libdir: Option<PathBuf>,
    /// File name of the shared libpython, when the interpreter links one.
    pub libpython: Option<String>,
}

/// The interpreter (or its description) an application is packaged for.
#[derive(Debug, Clone, Serialize)]
pub struct Target {
    /// `sys.implementation.name`, e.g. `cpython`.
    pub implementation: String,
    pub version: (u32, u32),
    /// `platform.python_version()`, e.g. `3.12.4`.
    pub full_version: String,
    /// A free-threaded build (`3.13t`): no `abi3`.
    pub gil_disabled: bool,
    /// `sys.platform`-style operating system: `linux`, `darwin`, `win32`.
    pub os: String,
    /// `platform.machine()`, e.g. `x86_64`.
    pub arch: String,
    pub libc: Libc,
    /// The environment markers evaluate against.
    pub markers: BTreeMap<String, String>,
    /// The interpreter that was run to learn this, if one was.
    pub interpreter: Option<PathBuf>,
    /// `sys.implementation.cache_tag` (`cpython-312`), when run.
    pub cache_tag: Option<String>,
    /// Where its parts are, when run.
    pub installation: Option<Installation>,
}

#[derive(Deserialize)]
struct Described {
    executable: String,
    implementation: String,
    cache_tag: Option<String>,
    version: Vec<u32>,
    gil_disabled: bool,
    platform: String,
    libc: Option<String>,
    markers: BTreeMap<String, String>,
    installation: Installation,
}

impl Target {
    /// Run `python` once and describe it.
    pub fn describe(python: &Path) -> Result<Target> {
        let output = Command::new(python)
            .args(["-I", "-S", "-c", DESCRIBE])
            .output()
            .map_err(|e| {
                Error::Target(format!(
                    "{}: cannot run this interpreter: {e}",
                    python.display()
                ))
            })?;
        if !output.status.success() {
            return Err(Error::Target(format!(
                "{}: describing the interpreter failed ({}): {}",
                python.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        let d: Described = serde_json::from_slice(&output.stdout).map_err(|e| {
            Error::Target(format!(
                "{}: unexpected answer from the interpreter: {e}",
                python.display()
            ))
        })?;
        let [major, minor, ..] = d.version[..] else {
            return Err(Error::Target(format!(
                "{}: no version in the interpreter's answer",
                python.display()
            )));
        };
        let os = d.markers.get("sys_platform").cloned().unwrap_or_default();
        let arch = d
            .platform
            .rsplit('-')
            .next()
            .unwrap_or_default()
            .replace(['-', '.'], "_");
        let libc = match d.libc.as_deref().and_then(|l| l.split_once(' ')) {
            Some(("glibc", v)) if os == "linux" => parse_major_minor(v)
                .map(|(major, minor)| Libc::Glibc { major, minor })
                .unwrap_or(Libc::Unknown),
            Some(("musl", v)) if os == "linux" => parse_major_minor(v)
                .map(|(major, minor)| Libc::Musl { major, minor })
                .unwrap_or(Libc::Unknown),
            _ => Libc::Unknown,
        };
        Ok(Target {
            implementation: d.implementation,
            version: (major, minor),
            full_version: d
                .markers
                .get("python_full_version")
                .cloned()
                .unwrap_or_else(|| format!("{major}.{minor}")),
            gil_disabled: d.gil_disabled,
            os,
            arch,
            libc,
            markers: d.markers,
            interpreter: Some(PathBuf::from(d.executable)),
            cache_tag: d.cache_tag,
            installation: Some(d.installation),
        })
    }

    /// Describe a CPython target without running it:
    /// `3.12-manylinux_2_28_x86_64`, `3.13t-musllinux_1_2_aarch64`,
    /// `3.11-manylinux2014_x86_64`.
    pub fn parse(spec: &str) -> Result<Target> {
        let bad = |why: &str| {
            Error::Target(format!(
                "target `{spec}`: {why}; expected e.g. 3.12-manylinux_2_28_x86_64"
            ))
        };
        let (python, platform) = spec
            .split_once('-')
            .ok_or_else(|| bad("no platform after the Python version"))?;
        let (python, gil_disabled) = match python.strip_suffix('t') {
            Some(p) => (p, true),
            None => (python, false),
        };
        let (major, minor) = parse_major_minor(python)
            .filter(|(major, _)| *major == 3)
            .ok_or_else(|| bad("the Python version must be 3.N"))?;
        let (libc, arch) = parse_platform(platform).ok_or_else(|| {
            bad("the platform must be manylinux_2_N_ARCH, musllinux_1_N_ARCH or manylinux2014_ARCH")
        })?;
        let version = format!("{major}.{minor}");
        let markers: BTreeMap<String, String> = [
            ("implementation_name", "cpython"),
            ("implementation_version", &format!("{version}.0")),
            ("os_name", "posix"),
            ("platform_machine", &arch),
            ("platform_python_implementation", "CPython"),
            ("platform_release", ""),
            ("platform_system", "Linux"),
            ("platform_version", ""),
            ("python_full_version", &format!("{version}.0")),
            ("python_version", &version),
            ("sys_platform", "linux"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Ok(Target {
            implementation: "cpython".into(),
            version: (major, minor),
            full_version: format!("{version}.0"),
            gil_disabled,
            os: "linux".into(),
            arch,
            libc,
            markers,
            interpreter: None,
            cache_tag: None,
            installation: None,
        })
    }

    /// `python3` as found on PATH: the default target.
    pub fn default_interpreter() -> PathBuf {
        PathBuf::from("python3")
    }

    /// A short human description: `CPython 3.12 (manylinux_2_28_x86_64)`.
    pub fn label(&self) -> String {
        let name = match self.implementation.as_str() {
            "cpython" => "CPython",
            "pypy" => "PyPy",
            other => other,
        };
        let t = if self.gil_disabled { "t" } else { "" };
        let platform = self.platform_tags().into_iter().next();
        let platform = platform.unwrap_or_else(|| format!("{}_{}", self.os, self.arch));
        format!(
            "{name} {}.{}{t} ({platform})",
            self.version.0, self.version.1
        )
    }

    /// The marker environment of this target.
    pub fn marker_environment(&self) -> Result<MarkerEnvironment> {
        let get = |k: &str| self.markers.get(k).map(String::as_str).unwrap_or("");
        MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
            implementation_name: get("implementation_name"),
            implementation_version: get("implementation_version"),
            os_name: get("os_name"),
            platform_machine: get("platform_machine"),
            platform_python_implementation: get("platform_python_implementation"),
            platform_release: get("platform_release"),
            platform_system: get("platform_system"),
            platform_version: get("platform_version"),
            python_full_version: get("python_full_version"),
            python_version: get("python_version"),
            sys_platform: get("sys_platform"),
        })
        .map_err(|e| Error::Target(format!("the target's marker environment is invalid: {e}")))
    }

    /// A compiler for bytecode, when the target was described by running an
    /// interpreter; compiled modules are kept in `store`.
    pub fn compiler(&self, store: Option<PathBuf>) -> Option<crate::apptree::Compiler> {
        let python = self.interpreter.clone()?;
        Some(crate::apptree::Compiler {
            identity: format!(
                "{}|{}|{}",
                python.display(),
                self.implementation,
                self.full_version
            ),
            cache_tag: self.cache_tag.clone()?,
            python,
            store,
        })
    }

    /// The target's full Python version, for `Requires-Python`.
    pub fn python_version(&self) -> pep440_rs::Version {
        self.full_version.parse().unwrap_or_else(|_| {
            pep440_rs::Version::new([u64::from(self.version.0), u64::from(self.version.1)])
        })
    }

    /// Platform tags, most specific first ("Platform compatibility tags" §
    /// Platform tag; manylinux per PEP 600 with the PEP 513/571/599 legacy
    /// aliases, musllinux per PEP 656).
    pub fn platform_tags(&self) -> Vec<String> {
        let arch = &self.arch;
        let mut tags = Vec::new();
        match self.libc {
            Libc::Glibc { major: 2, minor } => {
                let floor = if matches!(arch.as_str(), "x86_64" | "i686") {
                    5
                } else {
                    17
                };
                for m in (floor..=minor).rev() {
                    tags.push(format!("manylinux_2_{m}_{arch}"));
                    let legacy = match m {
                        17 => Some("manylinux2014"),
                        12 => Some("manylinux2010"),
                        5 => Some("manylinux1"),
                        _ => None,
                    };
                    if let Some(legacy) = legacy {
                        tags.push(format!("{legacy}_{arch}"));
                    }
                }
            }
            Libc::Musl { major: 1, minor } => {
                for m in (0..=minor).rev() {
                    tags.push(format!("musllinux_1_{m}_{arch}"));
                }
            }
            _ => {}
        }
        // `linux_<arch>` wheels were built on some machine for that machine:
        // only an interpreter that was actually run here can take them.
        if self.os == "linux" && self.interpreter.is_some() {
            tags.push(format!("linux_{arch}"));
        }
        tags
    }

    /// Every tag this target installs, most preferred first, in the order of
    /// `packaging.tags.sys_tags()` for CPython and generic interpreters.
    pub fn tags(&self) -> Vec<String> {
        let (major, minor) = self.version;
        let platforms = self.platform_tags();
        let mut tags = Vec::new();
        let interp = match self.implementation.as_str() {
            "cpython" => format!("cp{major}{minor}"),
            "pypy" => format!("pp{major}{minor}"),
            other => format!("{other}{major}{minor}"),
        };
        if self.implementation == "cpython" {
            let abi = if self.gil_disabled {
                format!("{interp}t")
            } else {
                interp.clone()
            };
            let mut abis = vec![abi];
            if !self.gil_disabled {
                abis.push("abi3".into());
            }
            abis.push("none".into());
            for abi in &abis {
                for p in &platforms {
                    tags.push(format!("{interp}-{abi}-{p}"));
                }
            }
            if !self.gil_disabled {
                for m in (2..minor).rev() {
                    for p in &platforms {
                        tags.push(format!("cp{major}{m}-abi3-{p}"));
                    }
                }
            }
        } else {
            for p in &platforms {
                tags.push(format!("{interp}-none-{p}"));
            }
        }
        let mut pys = vec![format!("py{major}{minor}"), format!("py{major}")];
        pys.extend((0..minor).rev().map(|m| format!("py{major}{m}")));
        for py in &pys {
            for p in &platforms {
                tags.push(format!("{py}-none-{p}"));
            }
        }
        tags.push(format!("{interp}-none-any"));
        for py in &pys {
            tags.push(format!("{py}-none-any"));
        }
        tags
    }

    /// How well a wheel fits: the index of its best tag in [`Target::tags`]
    /// (lower is better), or `None` when it cannot be installed here.
    pub fn rank(&self, wheel: &WheelName, tags: &[String]) -> Option<usize> {
        let offered = wheel.tags();
        tags.iter().position(|t| offered.contains(t))
    }
}

fn parse_major_minor(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// `manylinux_2_28_x86_64` → (glibc 2.28, x86_64); legacy aliases too.
fn parse_platform(platform: &str) -> Option<(Libc, String)> {
    for (legacy, minor) in [
        ("manylinux2014_", 17),
        ("manylinux2010_", 12),
        ("manylinux1_", 5),
    ] {
        if let Some(arch) = platform.strip_prefix(legacy) {
            return Some((Libc::Glibc { major: 2, minor }, arch.to_string()));
        }
    }
    let (family, rest) = if let Some(rest) = platform.strip_prefix("manylinux_") {
        ("glibc", rest)
    } else {
        ("musl", platform.strip_prefix("musllinux_")?)
    };
    let mut parts = rest.splitn(3, '_');
    let major: u32 = parts.next()?.parse().ok()?;
    let minor: u32 = parts.next()?.parse().ok()?;
    let arch = parts.next().filter(|a| !a.is_empty())?.to_string();
    let libc = if family == "glibc" {
        Libc::Glibc { major, minor }
    } else {
        Libc::Musl { major, minor }
    };
    Some((libc, arch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_target_tags_follow_packaging_order() {
        let t = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let tags = t.tags();
        assert_eq!(tags[0], "cp312-cp312-manylinux_2_28_x86_64");
        assert_eq!(tags[1], "cp312-cp312-manylinux_2_27_x86_64");
        assert!(tags.contains(&"cp312-cp312-manylinux2014_x86_64".to_string()));
        assert!(tags.contains(&"cp312-cp312-manylinux1_x86_64".to_string()));
        let pos = |t: &str| tags.iter().position(|x| x == t).unwrap();
        assert!(pos("cp312-cp312-manylinux1_x86_64") < pos("cp312-abi3-manylinux_2_28_x86_64"));
        assert!(pos("cp312-abi3-manylinux_2_17_x86_64") < pos("cp38-abi3-manylinux_2_17_x86_64"));
        assert!(pos("cp312-none-any") < pos("py3-none-any"));
        assert_eq!(tags.last().unwrap(), "py30-none-any");
        // Not a machine-local platform, no newer glibc.
        assert!(!tags
            .iter()
            .any(|t| t.ends_with("linux_x86_64") && !t.contains("many")));
        assert!(!tags.iter().any(|t| t.contains("manylinux_2_29")));
        assert_eq!(t.label(), "CPython 3.12 (manylinux_2_28_x86_64)");
    }

    #[test]
    fn free_threaded_and_musl_targets() {
        let t = Target::parse("3.13t-musllinux_1_2_aarch64").unwrap();
        let tags = t.tags();
        assert_eq!(tags[0], "cp313-cp313t-musllinux_1_2_aarch64");
        assert!(!tags.iter().any(|t| t.contains("abi3")));
        assert!(tags.contains(&"py3-none-musllinux_1_0_aarch64".to_string()));
        let t = Target::parse("3.11-manylinux2014_aarch64").unwrap();
        assert_eq!(t.platform_tags()[0], "manylinux_2_17_aarch64");
        assert_eq!(t.platform_tags().last().unwrap(), "manylinux2014_aarch64");
    }

    #[test]
    fn bad_targets_say_what_is_expected() {
        for bad in [
            "3.12",
            "2.7-manylinux_2_28_x86_64",
            "3.12-win_amd64",
            "3.x-linux",
        ] {
            let e = Target::parse(bad).unwrap_err().to_string();
            assert!(e.contains(bad) && e.contains("expected e.g."), "{e}");
        }
    }

    #[test]
    fn wheels_rank_by_best_tag() {
        let t = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let tags = t.tags();
        let rank = |f: &str| t.rank(&WheelName::parse(f).unwrap(), &tags);
        let native = rank("m-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
        let pure = rank("m-1-py3-none-any.whl");
        assert!(native.unwrap() < pure.unwrap());
        assert_eq!(rank("m-1-cp311-cp311-manylinux_2_17_x86_64.whl"), None);
        assert_eq!(rank("m-1-cp312-cp312-manylinux_2_34_x86_64.whl"), None);
        assert_eq!(rank("m-1-cp312-cp312-win_amd64.whl"), None);
    }

    #[test]
    fn markers_evaluate_for_the_target_not_this_machine() {
        let t = Target::parse("3.9-manylinux_2_17_aarch64").unwrap();
        let env = t.marker_environment().unwrap();
        let req = crate::names::parse_requirement(
            "x; python_version < '3.10' and platform_machine == 'aarch64'",
        )
        .unwrap();
        assert!(req.marker.evaluate(&env, &[]));
    }

    #[test]
    fn describes_the_python_on_path() {
        let t = Target::describe(&Target::default_interpreter()).unwrap();
        assert_eq!(t.version.0, 3);
        assert!(t.interpreter.is_some());
        let tags = t.tags();
        assert!(tags.iter().any(|x| x == "py3-none-any"));
        if t.os == "linux" {
            assert!(tags
                .iter()
                .any(|x| x.ends_with(&format!("linux_{}", t.arch))));
        }
        t.marker_environment().unwrap();
        let missing = Target::describe(Path::new("/nonexistent/python")).unwrap_err();
        assert!(missing.to_string().contains("/nonexistent/python"));
    }
}
