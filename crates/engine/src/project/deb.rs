//! `[tool.gradient.deb]`: the Debian package's settings, checked where they
//! are written so errors name the file, the line and the field.

use super::fields::{Doc, Value};
use super::{DebSettings, ProjectError, ServiceSettings};
use std::path::Path;

const DEB_KEYS: &[&str] = &[
    "package",
    "maintainer",
    "section",
    "priority",
    "layout",
    "depends",
    "revision",
    "compression",
    "conffiles",
    "service",
];
const SERVICE_KEYS: &[&str] = &["command", "user", "environment", "description"];
pub(crate) const LAYOUTS: &[&str] = &["bundled", "system"];
pub(crate) const COMPRESSIONS: &[&str] = &["zstd", "xz", "gzip"];
/// Policy §2.5.
const PRIORITIES: &[&str] = &["required", "important", "standard", "optional", "extra"];

pub fn settings(
    doc: &Doc,
    root: &Path,
    value: &Value,
    f: &str,
) -> Result<DebSettings, ProjectError> {
    let table = doc.table(value, f)?;
    doc.only_keys(table, f, DEB_KEYS)?;
    let mut deb = DebSettings::default();
    for (key, v) in table.iter() {
        let field = format!("{f}.{}", key.get_ref());
        let field = field.as_str();
        let checked = || -> Result<Option<String>, ProjectError> {
            let t = doc.str(v, field)?;
            check_text(key.get_ref(), t).map_err(|m| doc.err(&v.span(), field, m))?;
            Ok(Some(t.to_string()))
        };
        match key.get_ref().as_ref() {
            "package" => deb.package = checked()?,
            "maintainer" => deb.maintainer = checked()?,
            "section" => deb.section = checked()?,
            "priority" => deb.priority = checked()?,
            "layout" => deb.layout = checked()?,
            "compression" => deb.compression = checked()?,
            "revision" => deb.revision = checked()?,
            "depends" => {
                for item in doc.strings(v, field)? {
                    check_depends_entry(&item.text)
                        .map_err(|m| doc.err(&item.span, &item.field, m))?;
                    deb.depends.push(item.text.trim().to_string());
                }
            }
            "conffiles" => deb.conffiles = conffiles(doc, root, v, field)?,
            "service" => deb.service = Some(service(doc, v, field)?),
            _ => {}
        }
    }
    Ok(deb)
}

/// The rule a text value of the table meets (`key` as in the table), shared
/// by the loader and the studio's form; `Err` says what the value is not.
pub(crate) fn check_text(key: &str, t: &str) -> Result<(), String> {
    let is = |what: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(format!("`{t}` is not {what}"))
        }
    };
    let one_of = |valid: &[&str]| is(&format!("one of: {}", valid.join(", ")), valid.contains(&t));
    match key {
        "package" => is(
            "a Debian package name (at least two of a-z, 0-9, `+`, `-`, `.`, starting with a letter or digit)",
            crate::deb::name::is_valid(t),
        ),
        "maintainer" => is(
            "`Name <email>`",
            crate::deb::control::parse_maintainer(t).is_some(),
        ),
        "section" => is(
            "a section name (e.g. `utils`, `net`, `web`)",
            !t.is_empty()
                && t.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'/'
                }),
        ),
        "priority" => one_of(PRIORITIES),
        "layout" => one_of(LAYOUTS),
        "compression" => one_of(COMPRESSIONS),
        "revision" => is(
            "a Debian revision (letters, digits, `+`, `.`, `~`)",
            crate::deb::version::debian("1", t).is_ok(),
        ),
        _ => Ok(()),
    }
}

/// One entry of `depends`: a single relation of the Depends field (Policy
/// §7.1), alternatives allowed, as the control file joins entries by commas.
pub(crate) fn check_depends_entry(t: &str) -> Result<(), String> {
    if t.trim().is_empty() || t.contains(['\n', ',']) {
        return Err("one relation per entry (`pkg (>= 1.0)` or `a | b`), no commas".into());
    }
    Ok(())
}

/// `conffiles = { "/etc/app/app.toml" = "packaging/app.toml" }`: Debian
/// marks configuration files under /etc only (Policy §10.7.2).
fn conffiles(
    doc: &Doc,
    root: &Path,
    v: &Value,
    field: &str,
) -> Result<Vec<(String, String)>, ProjectError> {
    let mut out = Vec::new();
    for (dest, source) in doc.string_table(v, field)? {
        let d = &dest.text;
        let clean = d
            .trim_start_matches('/')
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..");
        if !d.starts_with("/etc/") || !clean {
            return Err(doc.err(
                &dest.span,
                &dest.field,
                format!("`{d}` is not a file under /etc: Debian configuration files (conffiles) live in /etc (Policy 10.7.2), e.g. `/etc/app/app.toml`"),
            ));
        }
        let src = &source.text;
        if src.starts_with('/') || src.split('/').any(|c| c == "..") || !root.join(src).is_file() {
            return Err(doc.err(
                &source.span,
                &source.field,
                format!("`{src}` is not a file inside the project"),
            ));
        }
        out.push((d.clone(), src.clone()));
    }
    Ok(out)
}

fn service(doc: &Doc, v: &Value, f: &str) -> Result<ServiceSettings, ProjectError> {
    let table = doc.table(v, f)?;
    doc.only_keys(table, f, SERVICE_KEYS)?;
    let mut s = ServiceSettings::default();
    for (key, v) in table.iter() {
        let field = format!("{f}.{}", key.get_ref());
        let field = field.as_str();
        let line = |doc: &Doc| -> Result<Option<String>, ProjectError> {
            let t = doc.str(v, field)?;
            if t.trim().is_empty() || t.contains('\n') {
                return Err(doc.err(&v.span(), field, "must be one non-empty line"));
            }
            Ok(Some(t.to_string()))
        };
        match key.get_ref().as_ref() {
            "command" => s.command = line(doc)?,
            "description" => s.description = line(doc)?,
            "user" => {
                let t = doc.str(v, field)?;
                // The portable user-name rule of useradd(8)/adduser.conf.
                let ok = t.len() <= 32
                    && t.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                    && t.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-".contains(&b)
                    });
                if !ok || t == "root" {
                    return Err(doc.err(&v.span(), field, format!("`{t}` is not a system user name to create (lowercase letters, digits, `_`, `-`; not root)")));
                }
                s.user = Some(t.to_string());
            }
            "environment" => {
                for (k, val) in doc.string_table(v, field)? {
                    let ok = k
                        .text
                        .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                        && k.text
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'_');
                    if !ok || val.text.contains(['\n', '"', '\\']) {
                        return Err(doc.err(&k.span, &k.field, "an environment variable name (letters, digits, `_`) with a one-line value without quotes or backslashes"));
                    }
                    s.environment.push((k.text, val.text));
                }
            }
            _ => {}
        }
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use crate::project::{Project, ProjectError};

    const HEAD: &str = "[project]\nname = \"demo\"\nversion = \"1.0\"\n\n[tool.gradient.deb]\n";

    fn load(deb: &str) -> (tempfile::TempDir, Result<Project, ProjectError>) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), format!("{HEAD}{deb}")).unwrap();
        std::fs::write(dir.path().join("demo.py"), "").unwrap();
        std::fs::write(dir.path().join("demo.toml"), "x = 1\n").unwrap();
        let p = Project::load(dir.path());
        (dir, p)
    }

    fn error(deb: &str) -> ProjectError {
        load(deb).1.expect_err("refused")
    }

    #[test]
    fn settings_are_read() {
        let (_d, p) = load(
            "package = \"demo-app\"\nmaintainer = \"Ada <ada@example.org>\"\nlayout = \"system\"\ncompression = \"xz\"\ndepends = [\"nginx | apache2\"]\nconffiles = { \"/etc/demo/demo.toml\" = \"demo.toml\" }\n[tool.gradient.deb.service]\nuser = \"demo\"\nenvironment = { MODE = \"prod\" }\n",
        );
        let deb = p.expect("valid").settings.deb;
        assert_eq!(deb.package.as_deref(), Some("demo-app"));
        assert_eq!(deb.layout.as_deref(), Some("system"));
        assert_eq!(deb.depends, ["nginx | apache2"]);
        assert_eq!(
            deb.conffiles,
            [("/etc/demo/demo.toml".to_string(), "demo.toml".to_string())]
        );
        let service = deb.service.expect("service");
        assert_eq!(service.user.as_deref(), Some("demo"));
        assert_eq!(
            service.environment,
            [("MODE".to_string(), "prod".to_string())]
        );
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = error("maintainer = \"Ada\"\n");
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(6), Some("tool.gradient.deb.maintainer"))
        );
        let e = error("package = \"Demo_App\"\n");
        assert!(e.message.contains("Debian package name"), "{}", e.message);
        let e = error("conffiles = { \"/opt/demo.toml\" = \"demo.toml\" }\n");
        assert_eq!(
            e.field.as_deref(),
            Some("tool.gradient.deb.conffiles.\"/opt/demo.toml\"")
        );
        assert!(e.message.contains("not a file under /etc"), "{}", e.message);
        let e = error("conffiles = { \"/etc/demo.toml\" = \"../secret\" }\n");
        assert!(e.message.contains("inside the project"), "{}", e.message);
        let e = error("layout = \"docker\"\n");
        assert!(e.message.contains("bundled, system"), "{}", e.message);
        let e = error("[tool.gradient.deb.service]\nuser = \"root\"\n");
        assert_eq!(e.field.as_deref(), Some("tool.gradient.deb.service.user"));
        let e = error("mantainer = \"x\"\n");
        assert!(e.message.contains("unknown key"), "{}", e.message);
    }
}
