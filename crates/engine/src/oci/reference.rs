//! Image references: `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`, checked against
//! the distribution specification's grammar (spec.md, "Pulling manifests":
//! `<name>` is `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`
//! and a tag `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`) and Docker's rule for the
//! registry part (the first component holds a `.` or a `:` or is
//! `localhost`).

use crate::{Error, Result};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]`; `docker.io` when none is given.
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl Reference {
    pub fn parse(text: &str) -> Result<Reference> {
        let bad =
            |why: &str| Error::Plan(format!("`{text}` is not a valid image reference: {why}"));
        let (rest, digest) = match text.split_once('@') {
            Some((r, d)) => {
                if super::spec::digest_hex(d).is_none() {
                    return Err(bad(
                        "the digest must be sha256: and 64 lowercase hex digits",
                    ));
                }
                (r, Some(d.to_string()))
            }
            None => (text, None),
        };
        let (registry, path) = match rest.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_string(), path)
            }
            _ => ("docker.io".to_string(), rest),
        };
        // A `:` after the last `/` starts the tag.
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r.to_string(), Some(t.to_string())),
            _ => (path.to_string(), None),
        };
        if registry.is_empty() || registry.contains(|c: char| c.is_whitespace() || c == '@') {
            return Err(bad("the registry host is empty or malformed"));
        }
        if repository.is_empty() || !repository.split('/').all(valid_component) {
            return Err(bad(
                "repository components are lowercase letters and digits, separated by `.`, `_`, `__` or dashes",
            ));
        }
        if repository.len() > 255 {
            return Err(bad("the repository name is longer than 255 characters"));
        }
        if let Some(t) = &tag {
            if !valid_tag(t) {
                return Err(bad(
                    "a tag is 1 to 128 letters, digits, `_`, `.` or `-`, not starting with `.` or `-`",
                ));
            }
        }
        let repository = if registry == "docker.io" && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        Ok(Reference {
            registry,
            repository,
            tag,
            digest,
        })
    }

    /// The digest if given, else the tag, else `latest`.
    pub fn reference(&self) -> &str {
        self.digest
            .as_deref()
            .or(self.tag.as_deref())
            .unwrap_or("latest")
    }

    /// The registry's host without the port.
    pub fn host(&self) -> &str {
        match self.registry.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => &self.registry,
        }
    }

    /// Whether the registry is on this machine (loopback), where plain HTTP
    /// is acceptable.
    pub fn is_loopback(&self) -> bool {
        let host = self.host().trim_start_matches('[').trim_end_matches(']');
        host == "localhost"
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`
fn valid_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        // A separator run: `.`, `_`, `__` or one or more `-`.
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
        if !ok {
            return false;
        }
    }
    true
}

/// `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`
pub fn valid_tag(t: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = t.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes.iter().all(|&b| word(b) || b == b'.' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_split_into_parts() {
        let r = Reference::parse("127.0.0.1:5000/team/greet:1.2.0").unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.repository, "team/greet");
        assert_eq!(r.tag.as_deref(), Some("1.2.0"));
        assert!(r.is_loopback());
        assert_eq!(r.to_string(), "127.0.0.1:5000/team/greet:1.2.0");
        let d = format!("sha256:{}", "0".repeat(64));
        let r = Reference::parse(&format!("debian@{d}")).unwrap();
        assert_eq!(r.registry, "docker.io");
        assert_eq!(r.repository, "library/debian");
        assert_eq!(r.reference(), d);
        assert!(!r.is_loopback());
        let r = Reference::parse("localhost/a/b").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.reference()),
            ("localhost", "latest")
        );
    }

    #[test]
    fn invalid_references_are_refused() {
        for bad in [
            "Greet:1",
            "greet:-x",
            "greet:",
            "a//b",
            "greet:has space",
            "ghcr.io/",
            "greet@sha256:abc",
            "x--.y",
            &format!("greet:{}", "t".repeat(129)),
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
        for good in ["a__b/c-d--e.f:V_1.0-rc", "ghcr.io/o/r"] {
            assert!(Reference::parse(good).is_ok(), "{good}");
        }
    }
}
