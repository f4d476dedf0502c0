//! Lock files: PEP 751 (`pylock.toml`), read and written.
//!
//! Reading installs exactly what the lock says: each package whose `marker`
//! holds for the target, with the lock's wheel that the target installs best,
//! verified by the lock's hashes. Writing records one resolved closure for
//! one target, with an `environments` marker naming that target, so a build
//! for another target is refused instead of silently installing wrong wheels.

use super::hashes::Hashes;
use super::{Closure, Origin, Pin};
use crate::atomic::replace_file;
use crate::names::{self, Requirement};
use crate::runtime::Target;
use crate::tags::WheelName;
use crate::{Error, Result};
use pep508_rs::{MarkerEnvironment, MarkerTree, VersionOrUrl};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::str::FromStr;

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct LockFile {
    lock_version: String,
    #[serde(default)]
    environments: Vec<String>,
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Package {
    name: String,
    version: Option<String>,
    marker: Option<String>,
    #[serde(default)]
    wheels: Vec<FileRef>,
    sdist: Option<FileRef>,
    vcs: Option<toml::Value>,
    directory: Option<toml::Value>,
    archive: Option<toml::Value>,
}

#[derive(Deserialize)]
struct FileRef {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    #[serde(default)]
    hashes: Hashes,
}

impl FileRef {
    fn file_name(&self) -> Option<String> {
        self.name.clone().or_else(|| {
            let from = self.url.as_deref().or(self.path.as_deref())?;
            from.rsplit('/').next().map(str::to_string)
        })
    }
}

/// The wheels the lock at `path` pins for `target`.
pub fn read(path: &Path, target: &Target) -> Result<Vec<Pin>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    parse(&text, path, target)
}

/// [`read`] on the lock's text; `path` names it in errors and anchors
/// relative wheel paths.
pub fn parse(text: &str, path: &Path, target: &Target) -> Result<Vec<Pin>> {
    let lock: LockFile =
        toml::from_str(text).map_err(|e| invalid(path, format!("not a PEP 751 lock file: {e}")))?;
    if !lock.lock_version.starts_with("1.") {
        return Err(invalid(
            path,
            format!(
                "lock-version {} is not supported (this engine reads 1.x)",
                lock.lock_version
            ),
        ));
    }
    let reader = Reader {
        path,
        target,
        env: target.marker_environment()?,
        tags: target.tags(),
    };
    reader.check_environments(&lock.environments)?;
    let mut pins: Vec<Pin> = Vec::new();
    for package in &lock.packages {
        let Some(pin) = reader.pin(package)? else {
            continue;
        };
        if pins.iter().any(|p| p.name == pin.name) {
            return Err(reader.bad(format!(
                "package `{}` is locked twice for this target",
                pin.name
            )));
        }
        pins.push(pin);
    }
    Ok(pins)
}

/// An error about the lock file at `path`.
fn invalid(path: &Path, why: String) -> Error {
    Error::invalid(path, why)
}

/// One lock being read for one target.
struct Reader<'a> {
    path: &'a Path,
    target: &'a Target,
    env: MarkerEnvironment,
    /// The target's tags, best first.
    tags: Vec<String>,
}

impl Reader<'_> {
    fn bad(&self, why: String) -> Error {
        invalid(self.path, why)
    }

    /// Whether `marker` (the lock's `field`) holds for the target.
    fn holds(&self, marker: &str, field: &str) -> Result<bool> {
        let tree = MarkerTree::from_str(marker)
            .map_err(|e| self.bad(format!("{field} `{marker}`: {e}")))?;
        Ok(tree.evaluate(&self.env, &[]))
    }

    /// PEP 751 `environments`: when given, one must hold for the target.
    fn check_environments(&self, environments: &[String]) -> Result<()> {
        if environments.is_empty() {
            return Ok(());
        }
        let mut any = false;
        for marker in environments {
            any |= self.holds(marker, "environments")?;
        }
        if any {
            return Ok(());
        }
        Err(self.bad(format!(
            "locked for {}, not for {}; lock again for this target",
            environments.join(" or "),
            self.target.label()
        )))
    }

    /// The pin of `package` for the target, `None` when its marker does not
    /// hold: its best wheel, which must have hashes and a location.
    fn pin(&self, package: &Package) -> Result<Option<Pin>> {
        let name = names::normalize(&package.name);
        if let Some(marker) = &package.marker {
            if !self.holds(marker, &format!("packages `{name}` marker"))? {
                return Ok(None);
            }
        }
        if package.vcs.is_some() || package.directory.is_some() || package.archive.is_some() {
            return Err(self.bad(format!(
                "package `{name}` is locked as a VCS checkout, directory or archive; only wheels can be installed"
            )));
        }
        let (wheel, file_name) = self.best_wheel(package, &name)?;
        if wheel.hashes.is_empty() {
            return Err(self.bad(format!("package `{name}`: wheel {file_name} has no hashes")));
        }
        let origin = match (&wheel.url, &wheel.path) {
            (Some(url), _) => Origin::Url {
                url: url.clone(),
                index: None,
            },
            (None, Some(p)) => Origin::Path(self.path.parent().unwrap_or(Path::new(".")).join(p)),
            (None, None) => {
                return Err(self.bad(format!(
                    "package `{name}`: wheel {file_name} has neither url nor path"
                )))
            }
        };
        Ok(Some(Pin {
            name,
            version: package.version.clone().unwrap_or_default(),
            file_name,
            origin,
            hashes: wheel.hashes.clone(),
        }))
    }

    /// The wheel of `package` the target installs best, with its file name;
    /// an error saying what the lock has when none fits.
    fn best_wheel<'p>(&self, package: &'p Package, name: &str) -> Result<(&'p FileRef, String)> {
        let best = package
            .wheels
            .iter()
            .filter_map(|w| {
                let file = w.file_name()?;
                let wheel = WheelName::parse(&file).ok()?;
                Some((self.target.rank(&wheel, &self.tags)?, w, file))
            })
            .min_by_key(|(rank, _, _)| *rank);
        if let Some((_, wheel, file_name)) = best {
            return Ok((wheel, file_name));
        }
        let offered: Vec<String> = package
            .wheels
            .iter()
            .filter_map(FileRef::file_name)
            .collect();
        let what = match (&package.sdist, offered.is_empty()) {
            (Some(_), true) => "only an sdist".to_string(),
            (_, true) => "no files".to_string(),
            _ => format!("wheels {}", offered.join(", ")),
        };
        Err(self.bad(format!(
            "package `{name}` has no wheel for {}: the lock has {what}",
            self.target.label()
        )))
    }
}

/// Every requirement of the application that applies to the target must be
/// pinned by the lock at a version it allows: a stale lock is an error, not a
/// silent downgrade.
pub fn check_satisfies(
    path: &Path,
    pins: &[Pin],
    requirements: &[Requirement],
    target: &Target,
) -> Result<()> {
    let env = target.marker_environment()?;
    for req in requirements {
        if !req.marker.evaluate(&env, &[]) {
            continue;
        }
        let name = names::normalize(req.name.as_ref());
        let Some(pin) = pins.iter().find(|p| p.name == name) else {
            return Err(invalid(
                path,
                format!(
                    "the application requires `{req}` but the lock has no `{name}`; lock again"
                ),
            ));
        };
        if let Some(VersionOrUrl::VersionSpecifier(spec)) = &req.version_or_url {
            let ok = pep440_rs::Version::from_str(&pin.version)
                .map(|v| spec.contains(&v))
                .unwrap_or(false);
            if !ok {
                return Err(invalid(
                    path,
                    format!(
                        "the application requires `{req}` but the lock pins {name} {}; lock again",
                        pin.version
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The marker that describes exactly `target`, for `environments`.
fn environment_marker(target: &Target) -> String {
    let get = |k: &str| target.markers.get(k).cloned().unwrap_or_default();
    format!(
        "sys_platform == '{}' and platform_machine == '{}' and implementation_name == '{}' and python_version == '{}'",
        get("sys_platform"),
        get("platform_machine"),
        get("implementation_name"),
        get("python_version"),
    )
}

/// PEP 751 "File Name": `pylock.toml`, or `pylock.<name>.toml` where the
/// name holds no dot, so tools find lock files by name alone.
pub fn check_file_name(path: &Path) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let named = name
        .strip_prefix("pylock.")
        .and_then(|rest| rest.strip_suffix(".toml"))
        .is_some_and(|middle| !middle.is_empty() && !middle.contains('.'));
    if name == "pylock.toml" || named {
        return Ok(());
    }
    Err(invalid(
        path,
        "a PEP 751 lock file is named pylock.toml or pylock.<name>.toml (a name without dots)"
            .into(),
    ))
}

/// Write `closure` as a PEP 751 lock for `target` at `path` (atomically).
/// Wheelhouse files are recorded by path relative to the lock's directory.
pub fn write(path: &Path, closure: &Closure, target: &Target) -> Result<()> {
    let q = |s: &str| toml::Value::String(s.to_string()).to_string();
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&base).map_err(|e| Error::io(&base, e))?;
    let base = std::fs::canonicalize(&base).unwrap_or(base);
    let mut out = String::from(
        "# Written by Gradient Studio (gradient build --write-lock): the exact\n# wheels of one target. Edit by locking again.\n",
    );
    out.push_str("lock-version = \"1.0\"\n");
    out.push_str(&format!(
        "environments = [{}]\n",
        q(&environment_marker(target))
    ));
    out.push_str(&format!(
        "requires-python = {}\n",
        q(&format!("=={}.{}.*", target.version.0, target.version.1))
    ));
    out.push_str("created-by = \"gradient\"\n");
    for w in &closure.wheels {
        out.push_str("\n[[packages]]\n");
        out.push_str(&format!(
            "name = {}\nversion = {}\n",
            q(&w.name),
            q(&w.version)
        ));
        let location = match &w.origin {
            Origin::Url { url, index } => {
                if let Some(index) = index {
                    out.push_str(&format!("index = {}\n", q(index)));
                }
                format!("url = {}", q(url))
            }
            Origin::Path(p) => {
                let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
                let shown = relative(&abs, &base).unwrap_or(abs);
                format!("path = {}", q(&shown.to_string_lossy()))
            }
        };
        out.push_str(&format!(
            "wheels = [{{ name = {}, {location}, size = {}, hashes = {{ sha256 = {} }} }}]\n",
            q(&w.file_name),
            w.bytes.len(),
            q(&w.sha256)
        ));
    }
    replace_file(path, out.as_bytes()).map_err(|e| Error::io(path, e))
}

/// `path` relative to `base` (both absolute), with `..` where needed.
fn relative(path: &Path, base: &Path) -> Option<PathBuf> {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &p[common..] {
        out.push(c);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::closure::Wheel;

    fn closure(dir: &Path) -> Closure {
        let bytes: std::sync::Arc<[u8]> = b"wheel bytes".to_vec().into();
        Closure {
            wheels: vec![
                Wheel {
                    name: "click".into(),
                    version: "8.1.7".into(),
                    file_name: "click-8.1.7-py3-none-any.whl".into(),
                    origin: Origin::Url {
                        url: "http://127.0.0.1:1/files/click-8.1.7-py3-none-any.whl".into(),
                        index: Some("http://127.0.0.1:1/simple/".into()),
                    },
                    sha256: "ab".repeat(32),
                    bytes: bytes.clone(),
                },
                Wheel {
                    name: "m".into(),
                    version: "1.0".into(),
                    file_name: "m-1.0-cp312-cp312-manylinux_2_17_x86_64.whl".into(),
                    origin: Origin::Path(
                        dir.join("wh/m-1.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
                    ),
                    sha256: "cd".repeat(32),
                    bytes,
                },
            ],
        }
    }

    #[test]
    fn lock_file_names_follow_pep_751() {
        for good in [
            "pylock.toml",
            "dir/pylock.toml",
            "pylock.dev.toml",
            "pylock.py3-12.toml",
        ] {
            assert!(check_file_name(Path::new(good)).is_ok(), "{good}");
        }
        for bad in [
            "lock.toml",
            "pylock.a.b.toml",
            "pylock..toml",
            "pylock.toml.bak",
            "pylock.json",
        ] {
            let err = check_file_name(Path::new(bad)).expect_err(bad).to_string();
            assert!(err.contains("pylock.<name>.toml"), "{err}");
        }
    }

    #[test]
    fn written_locks_read_back_for_the_same_target_only() {
        let dir = tempfile::tempdir().unwrap();
        let t = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let path = dir.path().join("pylock.toml");
        write(&path, &closure(dir.path()), &t).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("path = \"wh/m-1.0-cp312-cp312-manylinux_2_17_x86_64.whl\""),
            "{text}"
        );
        let pins = read(&path, &t).unwrap();
        assert_eq!(pins.len(), 2);
        assert_eq!(pins[0].hashes["sha256"], "ab".repeat(32));
        assert_eq!(
            pins[1].origin,
            Origin::Path(
                dir.path()
                    .join("wh/m-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
            )
        );

        let other = Target::parse("3.11-manylinux_2_28_x86_64").unwrap();
        let e = read(&path, &other).unwrap_err();
        let view = e.view();
        assert_eq!(
            (view.kind, view.file),
            ("invalid", Some(path.display().to_string()))
        );
        let e = e.to_string();
        assert!(e.contains("lock again for this target"), "{e}");

        let reqs = [names::parse_requirement("click>=9").unwrap()];
        let e = check_satisfies(&path, &pins, &reqs, &t)
            .unwrap_err()
            .to_string();
        assert!(e.contains("pins click 8.1.7"), "{e}");
        let reqs = [names::parse_requirement("rich; python_version < '3'").unwrap()];
        check_satisfies(&path, &pins, &reqs, &t).unwrap();
    }

    #[test]
    fn packages_are_chosen_by_marker_and_tag() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pylock.toml");
        std::fs::write(
            &path,
            r#"lock-version = "1.0"
[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
wheels = [{ url = "http://x/colorama-0.4.6-py2.py3-none-any.whl", hashes = { sha256 = "00" } }]
[[packages]]
name = "M"
version = "1.0"
wheels = [
  { url = "http://x/m-1.0-py3-none-any.whl", hashes = { sha256 = "01" } },
  { url = "http://x/m-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", hashes = { sha256 = "02" } },
]
[[packages]]
name = "only-sdist"
version = "2"
sdist = { url = "http://x/only_sdist-2.tar.gz", hashes = { sha256 = "03" } }
"#,
        )
        .unwrap();
        let t = Target::parse("3.12-manylinux_2_28_x86_64").unwrap();
        let e = read(&path, &t).unwrap_err().to_string();
        assert!(
            e.contains("`only-sdist` has no wheel") && e.contains("only an sdist"),
            "{e}"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(
            &path,
            &text[..text.find("[[packages]]\nname = \"only-sdist\"").unwrap()],
        )
        .unwrap();
        let pins = read(&path, &t).unwrap();
        assert_eq!(pins.len(), 1);
        assert_eq!(pins[0].name, "m");
        assert!(pins[0].file_name.contains("cp312"));
    }
}
