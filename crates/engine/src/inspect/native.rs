//! Checks every format shares: bytecode headers (which Python each `.pyc`
//! belongs to, and whether that agrees with the rest of the artifact) and
//! native code (ELF needs, and the manylinux / musllinux verdict).

use super::archive::Archive;
use super::finding::Finding;
use super::{pyc, Kind, Report};
use crate::elf::{policy, Libc};
use std::collections::BTreeSet;

pub fn check(archive: &Archive, report: &mut Report) {
    bytecode(archive, report);
    native(archive, report);
    foreign(archive, report);
}

/// Mach-O and PE files: read what their headers say, judge a macOS tag's
/// version and every tag's architecture against them, and say what is not
/// examined.
fn foreign(archive: &Archive, report: &mut Report) {
    for (path, analysis) in &archive.foreign {
        match analysis {
            Ok(info) => report.foreign.push(info.clone()),
            Err(e) => report.findings.push(Finding::warning(
                "E006",
                Some(path),
                format!("native code not examined: {e}"),
            )),
        }
    }
    if report.foreign.is_empty() {
        return;
    }
    report.findings.push(Finding::info(
        "E007",
        None,
        "macOS and Windows native code: architectures, minimum macOS and the libraries each file loads were read; whether those libraries exist on the target and which symbols they must export was not examined",
    ));
    let tags: Vec<String> = report
        .wheel
        .as_ref()
        .and_then(|w| w.name.as_ref())
        .map(|n| n.platform.clone())
        .unwrap_or_default();
    let findings = &mut report.findings;
    for tag in &tags {
        if let Some((version, arch)) = macos_tag(tag) {
            for f in report.foreign.iter().filter(|f| f.format == "Mach-O") {
                judge_macos(f, tag, version, arch, findings);
            }
        }
        if let Some(arch) = tag
            .strip_prefix("win_")
            .or((tag == "win32").then_some("win32"))
        {
            for f in report.foreign.iter().filter(|f| f.format == "PE") {
                if !f.arches.iter().any(|a| a == arch) {
                    findings.push(Finding::error(
                        "E003",
                        Some(&f.path),
                        format!(
                            "the tag `{tag}` says {arch}, the file is {}",
                            f.arches.join(", ")
                        ),
                    ));
                }
            }
        }
    }
}

/// `macosx_11_0_arm64` → ((11, 0), "arm64").
fn macos_tag(tag: &str) -> Option<((u32, u32), &str)> {
    let rest = tag.strip_prefix("macosx_")?;
    let mut parts = rest.splitn(3, '_');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some(((major, minor), parts.next()?))
}

fn judge_macos(
    f: &super::foreign::ForeignInfo,
    tag: &str,
    version: (u32, u32),
    arch: &str,
    findings: &mut Vec<Finding>,
) {
    let needs: &[&str] = match arch {
        "universal2" => &["x86_64", "arm64"],
        "intel" => &["x86_64", "i386"],
        "x86_64" | "arm64" | "i386" => std::slice::from_ref(&arch),
        _ => &[],
    };
    if !needs.iter().any(|a| f.arches.iter().any(|b| b == a)) && !needs.is_empty() {
        findings.push(Finding::error(
            "E003",
            Some(&f.path),
            format!(
                "the tag `{tag}` says {arch}, the file holds {}",
                f.arches.join(", ")
            ),
        ));
    }
    for (slice, min) in &f.min_macos {
        if !needs.contains(&slice.as_str()) && !needs.is_empty() {
            continue;
        }
        // arm64 Macs start at macOS 11: a 10.x tag means 11.0 for that slice.
        let floor = if slice == "arm64" {
            version.max((11, 0))
        } else {
            version
        };
        let (major, minor) = min.split_once('.').unwrap_or((min, "0"));
        let min_key = (major.parse().unwrap_or(0), minor.parse().unwrap_or(0));
        if min_key <= floor {
            continue;
        }
        findings.push(Finding::error(
            "E002",
            Some(&f.path),
            format!("the {slice} code needs macOS {min}, but the tag `{tag}` says {}.{}: pip installs it on older macOS, where it fails to load", floor.0, floor.1),
        ));
    }
}

fn bytecode(archive: &Archive, report: &mut Report) {
    for (m, _) in archive.files().filter(|(m, _)| m.path.ends_with(".pyc")) {
        match pyc::read_header(&m.path, &m.head) {
            Some(p) => report.bytecode.push(p),
            None => report.findings.push(Finding::warning(
                "B002",
                Some(&m.path),
                "not a bytecode file: no magic number",
            )),
        }
    }
    let expected = report
        .wheel
        .as_ref()
        .and_then(|w| w.name.as_ref())
        .filter(|n| n.python.iter().all(|t| t.len() > 3))
        .and_then(|n| n.python_version())
        .map(|(major, minor)| format!("{major}.{minor}"));
    let versions: BTreeSet<Option<&str>> = report
        .bytecode
        .iter()
        .map(|p| p.python.as_deref())
        .collect();
    for p in &report.bytecode {
        match (&p.python, &expected) {
            (None, _) => report.findings.push(Finding::warning("B002", Some(&p.path), format!("magic number {} belongs to no known Python", p.magic))),
            (Some(v), Some(e)) if v != e => report.findings.push(Finding::warning(
                "B001",
                Some(&p.path),
                format!("bytecode for Python {v} in an artifact tagged for Python {e}: it is ignored and recompiled"),
            )),
            _ => {}
        }
    }
    if expected.is_none() && versions.len() > 1 {
        let list: Vec<&str> = versions.iter().map(|v| v.unwrap_or("unknown")).collect();
        report.findings.push(Finding::warning(
            "B001",
            None,
            format!("bytecode for several Pythons: {}", list.join(", ")),
        ));
    }
}

fn native(archive: &Archive, report: &mut Report) {
    for (path, analysis) in &archive.native {
        match analysis {
            Ok(info) => report.native.push(info.clone()),
            // Bounds and unreadable content are reported elsewhere as
            // what they are; only a malformed file is an error here.
            Err(e) if e.starts_with("not analysed") || e.contains("inspector's bound") => report
                .findings
                .push(Finding::warning("E004", Some(path), e.clone())),
            Err(e) => report
                .findings
                .push(Finding::error("E004", Some(path), e.clone())),
        }
    }
    if report.native.is_empty() {
        return;
    }
    // A tag and its legacy alias (`manylinux2014` for `manylinux_2_17`) are
    // one claim, judged once.
    let claimed: Vec<(Libc, String, String)> = report
        .wheel
        .as_ref()
        .and_then(|w| w.name.as_ref())
        .map(|n| {
            n.platform
                .iter()
                .filter_map(|t| policy::parse_platform_tag(t))
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        })
        .unwrap_or_default();
    let hint = claimed.first().map(|c| c.0);
    let Some(verdict) = policy::verdict(&report.native, hint) else {
        return;
    };
    if report.kind == Kind::Wheel {
        judge_wheel_tags(report, &verdict, &claimed);
    }
    report.verdict = Some(verdict);
}

fn judge_wheel_tags(
    report: &mut Report,
    verdict: &policy::Verdict,
    claimed: &[(Libc, String, String)],
) {
    let Some(wheel) = report.wheel.as_ref() else {
        return;
    };
    let findings = &mut report.findings;
    let pure = wheel.name.as_ref().is_some_and(|n| n.is_pure());
    let purelib = wheel
        .wheel_file
        .get("Root-Is-Purelib")
        .and_then(|v| v.first())
        .is_some_and(|v| v == "true");
    if pure || purelib {
        findings.push(Finding::error(
            "E001",
            Some(&report.native[0].path),
            "native code in a wheel that declares itself pure (`any` platform or Root-Is-Purelib: true)",
        ));
    }
    let verdict_priority = policy::priority(
        verdict.libc,
        verdict.tag.trim_end_matches(&format!("_{}", verdict.arch)),
    );
    for (libc, name, arch) in claimed {
        if *arch != verdict.arch {
            findings.push(Finding::error(
                "E003",
                None,
                format!(
                    "the tag says {arch} but the native code is {}",
                    verdict.arch
                ),
            ));
            continue;
        }
        if *libc != verdict.libc {
            findings.push(Finding::error(
                "E003",
                None,
                format!("the tag `{name}_{arch}` is for another C library than the native code's"),
            ));
            continue;
        }
        let claimed_priority = policy::priority(*libc, name);
        // musl has no symbol versions: which musl a file needs cannot be
        // read from it, so any musllinux tag is as good as the newest one
        // the code is consistent with (auditwheel judges by the newest).
        let knowable = *libc == Libc::Glibc || verdict.tag.starts_with("linux_");
        if let (Some(c), Some(v), true) = (claimed_priority, verdict_priority, knowable) {
            if c > v {
                let tag = format!("{name}_{arch}");
                let blocker = policy::verdict_blocker(&report.native, verdict.libc, &tag);
                findings.push(Finding::error(
                    "E002",
                    None,
                    format!("the tag `{tag}` claims more than the native code allows (consistent with `{}`): {}", verdict.tag, blocker),
                ));
            }
        }
        if name == "linux" {
            findings.push(Finding::warning(
                "E005",
                None,
                format!(
                    "a `linux_{arch}` tag: PyPI refuses these; the code is consistent with `{}`, and `gradient repair` bundles what it needs and retags it (symbol versions allow `{}`)",
                    verdict.tag, verdict.symbol_tag
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::ElfInfo;
    use crate::inspect::{archive::Limits, blob::Bytes, inspect_blob, wheel_check::WheelFacts};
    use crate::tags::WheelName;

    fn extension(libc: Libc, needed: &[&str], versions: &[(&str, &str)]) -> ElfInfo {
        let mut version_needs = std::collections::BTreeMap::new();
        for (lib, version) in versions {
            version_needs
                .entry(lib.to_string())
                .or_insert_with(std::collections::BTreeMap::new)
                .insert(version.to_string(), BTreeSet::from(["f".to_string()]));
        }
        ElfInfo {
            path: "x/_x.so".into(),
            machine: "x86_64".into(),
            bits: 64,
            kind: "shared library",
            soname: None,
            needed: needed.iter().map(|s| s.to_string()).collect(),
            rpath: vec![],
            runpath: vec![],
            libc: Some(libc),
            python_extension: true,
            version_needs,
            undefined: BTreeSet::new(),
        }
    }

    fn judged(file: &str, elf: ElfInfo) -> Vec<Finding> {
        let mut report = inspect_blob(file, &Bytes(b""), &Limits::default());
        report.findings.clear();
        report.kind = Kind::Wheel;
        let name = WheelName::parse(file).expect("wheel name");
        report.wheel = Some(WheelFacts {
            tags: name.tags(),
            name: Some(name),
            dist_info: "x-1.dist-info".into(),
            wheel_file: [("Root-Is-Purelib".to_string(), vec!["false".to_string()])].into(),
            record: Default::default(),
        });
        let mut archive = Archive::default();
        archive.native.push((elf.path.clone(), Ok(elf)));
        native(&archive, &mut report);
        report.findings
    }

    #[test]
    fn any_musllinux_tag_agrees_with_musl_code_that_needs_only_allowed_libraries() {
        let musl = extension(Libc::Musl, &["libc.musl-x86_64.so.1"], &[]);
        for tag in ["musllinux_1_1_x86_64", "musllinux_1_2_x86_64"] {
            let findings = judged(&format!("x-1-cp312-cp312-{tag}.whl"), musl.clone());
            assert!(findings.is_empty(), "{tag}: {findings:?}");
        }
        let foreign = extension(Libc::Musl, &["libc.musl-x86_64.so.1", "libfoo.so.1"], &[]);
        let findings = judged("x-1-cp312-cp312-musllinux_1_1_x86_64.whl", foreign);
        assert!(findings.iter().any(|f| f.code == "E002"), "{findings:?}");
    }

    #[test]
    fn a_tag_and_its_legacy_alias_are_one_finding() {
        let new = extension(Libc::Glibc, &["libc.so.6"], &[("libc.so.6", "GLIBC_2.28")]);
        let findings = judged(
            "x-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            new,
        );
        assert_eq!(
            findings.iter().filter(|f| f.code == "E002").count(),
            1,
            "{findings:?}"
        );
    }
}
