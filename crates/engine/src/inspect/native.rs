//! Checks every format shares: bytecode headers (which Python each `.pyc`
//! belongs to, and whether that agrees with the rest of the artifact) and
//! native code (ELF needs, and the manylinux / musllinux verdict).

use super::archive::Archive;
use super::finding::Finding;
use super::{pyc, Kind, Report};
use crate::elf::{self, policy, Libc};
use std::collections::BTreeSet;

pub fn check(archive: &Archive, report: &mut Report) {
    bytecode(archive, report);
    native(archive, report);
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
    for (m, content) in archive
        .files()
        .filter(|(m, _)| m.head.starts_with(b"\x7fELF"))
    {
        match content {
            Some(bytes) => match elf::analyse(&m.path, bytes) {
                Ok(info) => report.native.push(info),
                Err(e) => report
                    .findings
                    .push(Finding::error("E004", Some(&m.path), e)),
            },
            None => report.findings.push(Finding::warning(
                "E004",
                Some(&m.path),
                "ELF file too large to analyse",
            )),
        }
    }
    if report.native.is_empty() {
        return;
    }
    let claimed: Vec<(Libc, String, String)> = report
        .wheel
        .as_ref()
        .and_then(|w| w.name.as_ref())
        .map(|n| {
            n.platform
                .iter()
                .filter_map(|t| policy::parse_platform_tag(t))
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
        if let (Some(c), Some(v)) = (claimed_priority, verdict_priority) {
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
                    "a `linux_{arch}` tag: PyPI refuses these; the code is consistent with `{}`",
                    verdict.tag
                ),
            ));
        }
    }
}
