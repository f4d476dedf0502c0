//! Zipapps (PEP 441): an optional shebang line, then a zip archive with
//! `__main__.py` at its root. Also recognises the layouts of shiv and pex,
//! and lists the distributions vendored inside.

use super::archive::Archive;
use super::finding::Finding;
use super::{core_metadata, Report};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Vendored {
    pub name: String,
    pub version: String,
    /// The `.dist-info` directory inside the archive.
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ZipappFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shebang: Option<String>,
    pub has_main: bool,
    /// The tool that made it, when its layout says so (`shiv`, `pex`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    pub distributions: Vec<Vendored>,
    /// Holds native code, which Python cannot import from inside a zip.
    pub native_code: bool,
}

pub fn check(archive: &Archive, report: &mut Report) {
    let findings = &mut report.findings;
    let shebang = archive.prefix.strip_prefix(b"#!").map(|rest| {
        String::from_utf8_lossy(rest.split(|b| *b == b'\n').next().unwrap_or(rest))
            .trim()
            .to_string()
    });
    let has_main = archive.has("__main__.py");
    if !has_main {
        findings.push(Finding::error(
            "Z001",
            None,
            "no `__main__.py` at the root: Python cannot run this archive",
        ));
    }
    if shebang.is_none() {
        findings.push(Finding::info(
            "Z003",
            None,
            "no shebang line: run it as `python app.pyz`",
        ));
    }
    let tool = if archive.has("PEX-INFO") {
        Some("pex")
    } else if archive.has("environment.json")
        && archive
            .members
            .iter()
            .any(|m| m.path.starts_with("_bootstrap/"))
    {
        Some("shiv")
    } else {
        None
    };
    let mut distributions = Vec::new();
    for (m, content) in archive.files() {
        let Some(dir) = m.path.strip_suffix("/METADATA") else {
            continue;
        };
        if !dir
            .rsplit('/')
            .next()
            .is_some_and(|d| d.ends_with(".dist-info"))
        {
            continue;
        }
        let Some(bytes) = content else { continue };
        let mut ignored = Vec::new();
        let meta = core_metadata::parse(bytes, &m.path, &mut ignored);
        distributions.push(Vendored {
            name: meta.get("Name").unwrap_or("?").to_string(),
            version: meta.get("Version").unwrap_or("?").to_string(),
            path: dir.to_string(),
        });
    }
    distributions.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.version).cmp(&(b.name.to_lowercase(), &b.version))
    });
    let native: Vec<&str> = archive
        .files()
        .filter(|(m, _)| {
            m.head.starts_with(b"\x7fELF") || m.path.ends_with(".so") || m.path.ends_with(".pyd")
        })
        .map(|(m, _)| m.path.as_str())
        .collect();
    if let Some(first) = native.first() {
        match tool {
            Some(tool) => findings.push(Finding::info(
                "Z002",
                Some(first),
                format!("{} native files; {tool} extracts them before importing", native.len()),
            )),
            None => findings.push(Finding::warning(
                "Z002",
                Some(first),
                format!("{} native files: Python cannot import them from inside a zip, so the bootstrap must extract them", native.len()),
            )),
        }
    }
    report.zipapp = Some(ZipappFacts {
        shebang,
        has_main,
        tool: tool.map(str::to_string),
        distributions,
        native_code: !native.is_empty(),
    });
}
