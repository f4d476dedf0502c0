//! `/usr/share/doc/<package>/copyright` in the machine-readable format
//! (DEP-5, "Machine-readable debian/copyright file", version 1.0), from the
//! project's License-Expression (PEP 639) and its license files.

use crate::project::{License, Project};

pub const FORMAT: &str = "https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/";

/// Licenses whose full text Debian ships in /usr/share/common-licenses
/// (Policy §12.5): the copyright file refers to them instead of repeating
/// them. Keyed by DEP-5 short name (without `+`).
const COMMON: &[&str] = &[
    "Apache-2.0",
    "Artistic",
    "CC0-1.0",
    "GFDL-1.2",
    "GFDL-1.3",
    "GPL-1",
    "GPL-2",
    "GPL-3",
    "LGPL-2",
    "LGPL-2.1",
    "LGPL-3",
    "MPL-1.1",
    "MPL-2.0",
];

/// SPDX identifiers whose DEP-5 short name differs (copyright-format 1.0,
/// § License specification).
fn dep5_name(spdx: &str) -> String {
    let (base, plus) = match spdx.strip_suffix('+') {
        Some(b) => (b, "+"),
        None => (spdx, ""),
    };
    let mapped = match base {
        "MIT" => "Expat".to_string(),
        "PSF-2.0" => "PSF-2".to_string(),
        "Python-2.0" => "Python".to_string(),
        other => {
            for (suffix, tail) in [("-only", ""), ("-or-later", "+")] {
                if let Some(stem) = other.strip_suffix(suffix) {
                    let stem = stem.strip_suffix(".0").unwrap_or(stem);
                    return format!("{stem}{tail}{plus}");
                }
            }
            other.to_string()
        }
    };
    format!("{mapped}{plus}")
}

/// The SPDX expression in DEP-5 syntax: short names mapped, operators
/// lowercase (`Expat or Apache-2.0`).
pub fn dep5_expression(expr: &str) -> String {
    expr.replace('(', " ( ")
        .replace(')', " ) ")
        .split_whitespace()
        .map(|t| match t {
            "AND" => "and".to_string(),
            "OR" => "or".to_string(),
            "WITH" => "with".to_string(),
            "(" | ")" => t.to_string(),
            id => dep5_name(id),
        })
        .collect::<Vec<_>>()
        .join(" ")
        .replace("( ", "(")
        .replace(" )", ")")
}

/// The license short names of a DEP-5 expression.
fn names(expr: &str) -> Vec<String> {
    let mut out: Vec<String> = expr
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|t| !t.is_empty() && !matches!(*t, "and" | "or" | "with"))
        .map(str::to_string)
        .collect();
    out.dedup();
    out
}

/// Field text as a DEP-5 multi-line value: each line indented, blank lines
/// as ` .`.
fn body(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| {
            if l.trim().is_empty() {
                "\n .".to_string()
            } else {
                format!("\n {}", l.trim_end())
            }
        })
        .collect()
}

fn license_text(name: &str, files: &[(String, String)]) -> String {
    let base = name.trim_end_matches('+');
    if COMMON.contains(&base) {
        return body(&format!(
            "On Debian systems, the complete text of this license can be found in\n\"/usr/share/common-licenses/{base}\"."
        ));
    }
    if files.is_empty() {
        return body(&format!(
            "The project declares the license {name} and ships no license file;\nsee https://spdx.org/licenses/ for its text."
        ));
    }
    let texts: Vec<String> = files
        .iter()
        .map(|(path, text)| format!("{path}:\n\n{}", text.trim_end()))
        .collect();
    body(&texts.join("\n\n"))
}

/// The copyright file. `files` are the license files as (project path,
/// text); `holders` the copyright holders (authors).
pub fn render(project: &Project, files: &[(String, String)], homepage: Option<&str>) -> String {
    let meta = &project.metadata;
    let mut holders: Vec<String> = meta
        .authors
        .iter()
        .chain(&meta.maintainers)
        .filter_map(|p| p.name.clone().or_else(|| p.email.clone()))
        .collect();
    holders.dedup();
    if holders.is_empty() {
        holders.push(format!("the {} authors", meta.name));
    }
    let mut out = format!("Format: {FORMAT}\nUpstream-Name: {}\n", meta.name);
    if let Some(url) = homepage {
        out.push_str(&format!("Source: {url}\n"));
    }
    out.push_str(&format!("\nFiles: *\nCopyright: {}\n", holders.join("\n ")));
    match &meta.license {
        Some(License::Spdx(expr)) => {
            let dep5 = dep5_expression(expr);
            let names = names(&dep5);
            if let [one] = names.as_slice() {
                out.push_str(&format!("License: {dep5}{}\n", license_text(one, files)));
            } else {
                out.push_str(&format!("License: {dep5}\n"));
                for name in names {
                    out.push_str(&format!(
                        "\nLicense: {name}{}\n",
                        license_text(&name, files)
                    ));
                }
            }
        }
        Some(License::Text(text)) | Some(License::File { text, .. }) => {
            out.push_str(&format!("License: other{}\n", body(text)));
        }
        None => {
            let text = if files.is_empty() {
                "The project states no license.".to_string()
            } else {
                files
                    .iter()
                    .map(|(p, t)| format!("{p}:\n\n{}", t.trim_end()))
                    .collect::<Vec<_>>()
                    .join("\n\n")
            };
            out.push_str(&format!("License: other{}\n", body(&text)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_to_dep5() {
        assert_eq!(dep5_expression("MIT"), "Expat");
        assert_eq!(
            dep5_expression("(MIT OR Apache-2.0) AND GPL-2.0-or-later"),
            "(Expat or Apache-2.0) and GPL-2+"
        );
        assert_eq!(dep5_expression("LGPL-2.1-only"), "LGPL-2.1");
        assert_eq!(
            dep5_expression("GPL-3.0-only WITH GCC-exception-3.1"),
            "GPL-3 with GCC-exception-3.1"
        );
        assert_eq!(
            names("(Expat or Apache-2.0) and GPL-2+"),
            ["Expat", "Apache-2.0", "GPL-2+"]
        );
    }

    #[test]
    fn texts() {
        assert!(license_text("GPL-2+", &[]).contains("/usr/share/common-licenses/GPL-2\""));
        let t = license_text(
            "Expat",
            &[("LICENSE".into(), "Permission\n\nis granted".into())],
        );
        assert_eq!(t, "\n LICENSE:\n .\n Permission\n .\n is granted");
    }
}
