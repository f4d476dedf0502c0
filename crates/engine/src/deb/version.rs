//! PEP 440 versions as Debian versions that sort the same way.
//!
//! Debian's order (deb-version(5), Policy §5.6.12) compares alternating
//! non-digit and digit runs; in the non-digit runs `~` sorts before
//! everything, even the end of the string, then letters, then other
//! characters. PEP 440 ("Version scheme", § Summary of permitted suffixes
//! and relative ordering) orders `X.devN < XaN < XbN < XrcN < X < X.postN`,
//! with `.devN` also below any release it suffixes. So:
//!
//! | PEP 440        | Debian upstream  | why                                   |
//! |----------------|------------------|---------------------------------------|
//! | `N!X`          | `N:X`            | epochs mean the same in both          |
//! | `XaN`/`bN`/`rcN` | `X~aN` ...     | `~` sorts before the release `X`      |
//! | `X.devN`       | `X~~devN`        | `~~` sorts before `~a` (below `XaN`)  |
//! | `XaN.devM`     | `X~aN~devM`      | below `XaN`, above `Xa(N-1)`          |
//! | `X.postN`      | `X+postN`        | `+` sorts after the end of `X` but before `.` (so below `X.1`) |
//!
//! Local versions (`+abc`) are refused: they are for local builds, never for
//! distribution (PEP 440 § Local version identifiers), and Debian has no
//! place for them. Releases spelled with different numbers of trailing
//! zeros (`1.0` and `1.0.0`) are equal in PEP 440 but not in Debian; a
//! project that keeps one spelling keeps the order.

use pep440_rs::{PrereleaseKind, Version};
use std::str::FromStr;

/// The Debian upstream version for the PEP 440 `version`, or why there is none.
pub fn upstream(version: &str) -> Result<String, String> {
    let v = Version::from_str(version)
        .map_err(|e| format!("`{version}` is not a PEP 440 version: {e}"))?;
    if v.is_local() {
        return Err(format!(
            "`{version}` has a local version label (after `+`), which PEP 440 keeps for local builds and Debian cannot order; set a public version such as `{}`",
            v.clone().without_local()
        ));
    }
    let mut out = String::new();
    if v.epoch() > 0 {
        out.push_str(&format!("{}:", v.epoch()));
    }
    let release: Vec<String> = v.release().iter().map(u64::to_string).collect();
    out.push_str(&release.join("."));
    if let Some(pre) = v.pre() {
        let kind = match pre.kind {
            PrereleaseKind::Alpha => "a",
            PrereleaseKind::Beta => "b",
            PrereleaseKind::Rc => "rc",
        };
        out.push_str(&format!("~{kind}{}", pre.number));
    }
    if let Some(post) = v.post() {
        out.push_str(&format!("+post{post}"));
    }
    if let Some(dev) = v.dev() {
        // A dev release of a final release sorts below its pre-releases.
        let marks = if v.pre().is_none() && v.post().is_none() {
            "~~"
        } else {
            "~"
        };
        out.push_str(&format!("{marks}dev{dev}"));
    }
    Ok(out)
}

/// The full Debian version: upstream, then `-revision` (the packaging's own
/// counter, `1` unless the project says otherwise).
pub fn debian(version: &str, revision: &str) -> Result<String, String> {
    let up = upstream(version)?;
    if revision.is_empty()
        || !revision
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '~'))
    {
        return Err(format!(
            "revision `{revision}` must be ASCII letters, digits, `+`, `.` or `~` (e.g. `1`)"
        ));
    }
    Ok(format!("{up}-{revision}"))
}

/// The upstream part without the epoch, as file names spell it.
pub fn without_epoch(debian: &str) -> &str {
    debian.split_once(':').map_or(debian, |(_, rest)| rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// packaging's tests/test_version.py `VERSIONS` (in PEP 440 order),
    /// local versions left out since they are refused.
    const ORDERED: &[&str] = &[
        "1.0.dev0",
        "1.0.dev456",
        "1.0a0",
        "1.0a0.post0.dev0",
        "1.0a0.post0",
        "1.0a1.dev1",
        "1.0a1",
        "1.0b0",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0b2-346",
        "1.0rc0",
        "1.0rc1.dev1",
        "1.0c1",
        "1.0rc2",
        "1.0",
        "1.0.post0.dev0",
        "1.0.post0",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.1.dev1",
        "1.0.1a1",
        "1.0.1",
        "1.0.1.post1",
        "1.1.dev1",
        "1.2.r32",
        "1.2.rev33",
        "1!1.0.dev0",
        "1!1.0.dev456",
        "1!1.0a0",
        "1!1.0a0.post0.dev0",
        "1!1.0a0.post0",
        "1!1.0a1.dev1",
        "1!1.0a1",
        "1!1.0b0",
        "1!1.0b1.dev456",
        "1!1.0b2",
        "1!1.0b2.post345.dev456",
        "1!1.0b2.post345",
        "1!1.0b2-346",
        "1!1.0rc0",
        "1!1.0rc1.dev1",
        "1!1.0c1",
        "1!1.0rc2",
        "1!1.0",
        "1!1.0.post0.dev0",
        "1!1.0.post0",
        "1!1.0.post456.dev34",
        "1!1.0.post456",
        "1!1.0.1.dev1",
        "1!1.0.1a1",
        "1!1.0.1",
        "1!1.0.1.post1",
        "1!1.1.dev1",
    ];

    fn dpkg_compare(a: &str, op: &str, b: &str) -> bool {
        Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .status()
            .expect("dpkg runs (Debian's own comparison is the oracle)")
            .success()
    }

    #[test]
    fn mapped_versions_sort_as_pep440_says_by_dpkg() {
        for pair in ORDERED.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (pa, pb) = (Version::from_str(a).unwrap(), Version::from_str(b).unwrap());
            let (da, db) = (debian(a, "1").unwrap(), debian(b, "1").unwrap());
            let op = if pa == pb { "eq" } else { "lt" };
            assert!(pa <= pb, "the vectors are in order: {a} {b}");
            assert!(dpkg_compare(&da, op, &db), "{a} -> {da} {op} {b} -> {db}");
        }
    }

    #[test]
    fn spellings() {
        assert_eq!(upstream("1.2.0").unwrap(), "1.2.0");
        assert_eq!(upstream("2.0rc1").unwrap(), "2.0~rc1");
        assert_eq!(upstream("1.0.dev3").unwrap(), "1.0~~dev3");
        assert_eq!(upstream("1.0a1.dev3").unwrap(), "1.0~a1~dev3");
        assert_eq!(upstream("3!1.0.post2").unwrap(), "3:1.0+post2");
        assert_eq!(debian("1.2.0", "1").unwrap(), "1.2.0-1");
        assert_eq!(without_epoch("3:1.0-1"), "1.0-1");
    }

    #[test]
    fn unmappable_versions_say_why() {
        let err = upstream("1.0+ubuntu.1").unwrap_err();
        assert!(err.contains("local version label"), "{err}");
        assert!(err.contains("`1.0`"), "{err}");
        assert!(upstream("soon").unwrap_err().contains("not a PEP 440"));
        assert!(debian("1.0", "a-b").unwrap_err().contains("revision"));
    }
}
