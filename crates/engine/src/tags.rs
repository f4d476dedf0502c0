//! Distribution file names and platform compatibility tags: "Binary
//! distribution format" § "File name convention", "Platform compatibility
//! tags" (compressed tag sets), and "Source distribution format" § "Source
//! distribution file name" (PEP 625).

use serde::Serialize;
use std::str::FromStr;

/// A wheel file name, broken into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WheelName {
    pub name: String,
    pub version: String,
    pub build: Option<String>,
    pub python: Vec<String>,
    pub abi: Vec<String>,
    pub platform: Vec<String>,
}

impl WheelName {
    /// Parse `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`.
    pub fn parse(file_name: &str) -> Result<WheelName, String> {
        let stem = file_name
            .strip_suffix(".whl")
            .ok_or_else(|| format!("`{file_name}` does not end in .whl"))?;
        let parts: Vec<&str> = stem.split('-').collect();
        let (name, version, build, tags) = match parts.as_slice() {
            [n, v, p, a, pl] => (*n, *v, None, [*p, *a, *pl]),
            [n, v, b, p, a, pl] => (*n, *v, Some(*b), [*p, *a, *pl]),
            _ => {
                return Err(format!(
                    "`{file_name}` has {} `-`-separated parts; a wheel name has 5 (name, version, python, abi, platform) or 6 (with a build tag)",
                    parts.len()
                ))
            }
        };
        if !crate::names::is_valid_name(name) {
            return Err(format!("`{name}` is not a valid distribution name"));
        }
        pep440_rs::Version::from_str(version)
            .map_err(|e| format!("version `{version}` is not a PEP 440 version: {e}"))?;
        if let Some(b) = build {
            if !b.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(format!("build tag `{b}` must start with a digit"));
            }
        }
        let split = |s: &str| -> Result<Vec<String>, String> {
            let set: Vec<String> = s.split('.').map(str::to_string).collect();
            if set
                .iter()
                .any(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            {
                return Err(format!("tag set `{s}` holds an empty or invalid tag"));
            }
            Ok(set)
        };
        Ok(WheelName {
            name: name.to_string(),
            version: version.to_string(),
            build: build.map(str::to_string),
            python: split(tags[0])?,
            abi: split(tags[1])?,
            platform: split(tags[2])?,
        })
    }

    /// The expanded tag set: every `python-abi-platform` triple.
    pub fn tags(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.python {
            for a in &self.abi {
                for pl in &self.platform {
                    out.push(format!("{p}-{a}-{pl}"));
                }
            }
        }
        out
    }

    /// Pure Python for any platform: `none` ABI and `any` platform.
    pub fn is_pure(&self) -> bool {
        self.abi.iter().all(|a| a == "none") && self.platform.iter().all(|p| p == "any")
    }

    /// The Python version the python tags pin, e.g. `cp311` → (3, 11).
    pub fn python_version(&self) -> Option<(u32, u32)> {
        self.python.iter().find_map(|t| {
            let digits = t.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            let (major, minor) = digits.split_at_checked(1)?;
            Some((major.parse().ok()?, minor.parse().ok()?))
        })
    }
}

/// PEP 625: an sdist is `{name}-{version}.tar.gz` with the name normalised
/// and `-`/`.` replaced by `_`. Returns the problems, if any.
pub fn check_sdist_name(file_name: &str) -> Result<(String, String), String> {
    let stem = file_name
        .strip_suffix(".tar.gz")
        .ok_or_else(|| format!("`{file_name}` does not end in .tar.gz (PEP 625)"))?;
    let (name, version) = stem
        .rsplit_once('-')
        .ok_or_else(|| format!("`{file_name}` is not `{{name}}-{{version}}.tar.gz`"))?;
    let escaped = crate::names::wheel_escape(name);
    if escaped != name {
        return Err(format!(
            "the name part `{name}` is not normalised: PEP 625 wants `{escaped}`"
        ));
    }
    let parsed = pep440_rs::Version::from_str(version)
        .map_err(|e| format!("version `{version}` is not a PEP 440 version: {e}"))?;
    if parsed.to_string() != version {
        return Err(format!(
            "the version `{version}` is not normalised: PEP 625 wants `{parsed}`"
        ));
    }
    Ok((name.to_string(), version.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wheel_names_and_expanded_tags() {
        let w = WheelName::parse(
            "numpy-2.1.0-1-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        )
        .expect("valid");
        assert_eq!(w.build.as_deref(), Some("1"));
        assert_eq!(
            w.tags(),
            [
                "cp311-cp311-manylinux_2_17_x86_64",
                "cp311-cp311-manylinux2014_x86_64"
            ]
        );
        assert_eq!(w.python_version(), Some((3, 11)));
        assert!(!w.is_pure());
        let pure = WheelName::parse("a_b-1.0-py2.py3-none-any.whl").expect("valid");
        assert_eq!(pure.tags().len(), 2);
        assert!(pure.is_pure());
        for bad in [
            "a-1.0-py3-none.whl",
            "a-1.0-x-py3-none-any.whl",
            "a-one-py3-none-any.whl",
            "a-1.0-py3-none-any.zip",
        ] {
            assert!(WheelName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sdist_names_follow_pep_625() {
        assert!(check_sdist_name("my_pkg-1.0.tar.gz").is_ok());
        assert!(check_sdist_name("My-Pkg-1.0.tar.gz").is_err());
        assert!(check_sdist_name("my_pkg-1.0.0-rc1.tar.gz").is_err());
        assert!(check_sdist_name("my_pkg-01.0.tar.gz").is_err());
    }
}
