//! Where files are uploaded to: a repository named in `~/.pypirc` (the
//! distutils/twine configuration format: an INI file whose `[distutils]
//! index-servers` lists sections holding `repository`, `username` and
//! `password`), PyPI and TestPyPI by name, or a URL given outright.
//!
//! Each repository also has a *check URL*: the base of its simple repository
//! API (PEP 503/691), asked before uploading whether a file name is taken.

use super::credentials::Secret;
use crate::{Error, Result};
use std::collections::BTreeMap;
use std::path::Path;

pub const PYPI_UPLOAD: &str = "https://upload.pypi.org/legacy/";
pub const TESTPYPI_UPLOAD: &str = "https://test.pypi.org/legacy/";

/// An upload destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The name it was chosen by (`pypi`, a `.pypirc` section), if any.
    pub name: Option<String>,
    /// The legacy upload API endpoint.
    pub upload_url: String,
    /// The simple API base; `None` means "work it out" ([`check_candidates`]).
    pub check_url: Option<String>,
    /// Credentials written in `.pypirc` or in the URL's user-info part.
    pub username: Option<String>,
    pub password: Option<Secret>,
}

impl Repository {
    /// A repository given by URL; user-info in it (`https://user:pass@host/`)
    /// is moved into the credentials so the URL can be shown safely.
    pub fn from_url(url: &str) -> Result<Repository> {
        let mut parsed = url::Url::parse(url)
            .map_err(|e| Error::Publish(format!("repository URL `{url}`: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Publish(format!(
                "repository URL `{}`: only http and https are supported",
                parsed.scheme()
            )));
        }
        let username = Some(parsed.username().to_string()).filter(|u| !u.is_empty());
        let password = parsed.password().map(|p| Secret::new(p.to_string()));
        // Both setters only fail for URLs that cannot have credentials, which
        // http(s) URLs always can.
        let _ = parsed.set_username("");
        let _ = parsed.set_password(None);
        Ok(Repository {
            name: None,
            upload_url: parsed.to_string(),
            check_url: None,
            username,
            password,
        })
    }

    /// The project's page on the index for people, where one is known.
    pub fn project_page(&self, name: &str, version: &str) -> Option<String> {
        let host = url::Url::parse(&self.upload_url)
            .ok()?
            .host_str()?
            .to_string();
        let site = match host.as_str() {
            "upload.pypi.org" | "pypi.org" => "https://pypi.org",
            "test.pypi.org" => "https://test.pypi.org",
            _ => return None,
        };
        Some(format!("{site}/project/{name}/{version}/"))
    }

    /// A label for messages: the name and the URL.
    pub fn describe(&self) -> String {
        match &self.name {
            Some(name) => format!("{name} ({})", self.upload_url),
            None => self.upload_url.clone(),
        }
    }
}

/// The simple API bases to try for an upload URL, most likely first. PyPI and
/// TestPyPI serve it on their own host; `…/legacy/` endpoints have it beside
/// them; pypiserver, Artifactory and Nexus under `simple/`; devpi under
/// `+simple/`.
pub fn check_candidates(upload_url: &str) -> Vec<String> {
    let base = if upload_url.ends_with('/') {
        upload_url.to_string()
    } else {
        format!("{upload_url}/")
    };
    match url::Url::parse(&base)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
    {
        Some(h) if h == "upload.pypi.org" => return vec!["https://pypi.org/simple/".into()],
        Some(h) if h == "test.pypi.org" => return vec!["https://test.pypi.org/simple/".into()],
        _ => {}
    }
    if let Some(parent) = base.strip_suffix("legacy/") {
        return vec![format!("{parent}simple/")];
    }
    vec![format!("{base}simple/"), format!("{base}+simple/")]
}

/// Choose the repository: `url` wins, then `name` (a `.pypirc` section, or
/// `pypi`/`testpypi`), then `pypi`. `pypirc` is read when it exists.
pub fn resolve(name: Option<&str>, url: Option<&str>, pypirc: Option<&Path>) -> Result<Repository> {
    let config = match pypirc {
        Some(path) if path.is_file() => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            parse_ini(&text)
        }
        _ => BTreeMap::new(),
    };
    if let Some(url) = url {
        let mut repo = Repository::from_url(url)?;
        // A URL matching a configured section picks up its credentials.
        if let Some((section, values)) = config.iter().find(|(_, v)| {
            v.get("repository")
                .is_some_and(|r| r.trim_end_matches('/') == repo.upload_url.trim_end_matches('/'))
        }) {
            repo.name = Some(section.clone());
            fill_from_section(&mut repo, values);
        }
        return Ok(repo);
    }
    let name = name.unwrap_or("pypi");
    let section = config.get(name);
    let upload_url = match (section.and_then(|s| s.get("repository")), name) {
        (Some(url), _) => url.clone(),
        (None, "pypi") => PYPI_UPLOAD.to_string(),
        (None, "testpypi") => TESTPYPI_UPLOAD.to_string(),
        (None, _) => {
            let shown = pypirc.map_or("~/.pypirc".into(), |p| p.display().to_string());
            return Err(Error::Publish(format!(
                "repository `{name}` is not defined in {shown}: add a [{name}] section with `repository = URL`, or pass --repository-url"
            )));
        }
    };
    let mut repo = Repository::from_url(&upload_url)?;
    repo.name = Some(name.to_string());
    if let Some(values) = section {
        fill_from_section(&mut repo, values);
    }
    Ok(repo)
}

fn fill_from_section(repo: &mut Repository, values: &BTreeMap<String, String>) {
    if let Some(user) = values.get("username") {
        repo.username = Some(user.clone());
    }
    if let Some(password) = values.get("password") {
        repo.password = Some(Secret::new(password.clone()));
    }
    if let Some(check) = values.get("check-url").or_else(|| values.get("check_url")) {
        repo.check_url = Some(check.clone());
    }
}

/// A small INI reader as Python's `configparser` reads `.pypirc`: sections,
/// `key = value` or `key: value`, `#`/`;` comment lines, indented lines
/// continuing the previous value. Keys are lowercased.
pub fn parse_ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut section: Option<String> = None;
    let mut last_key: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = Some(name.trim().to_string());
            out.entry(name.trim().to_string()).or_default();
            last_key = None;
            continue;
        }
        let Some(current) = section.as_ref() else {
            continue;
        };
        let values = out.entry(current.clone()).or_default();
        if line.starts_with([' ', '\t']) {
            if let Some(value) = last_key.as_ref().and_then(|k| values.get_mut(k)) {
                value.push('\n');
                value.push_str(trimmed);
            }
            continue;
        }
        let split = trimmed.find(['=', ':']);
        if let Some(at) = split {
            let key = trimmed[..at].trim().to_ascii_lowercase();
            values.insert(key.clone(), trimmed[at + 1..].trim().to_string());
            last_key = Some(key);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYPIRC: &str = "[distutils]\nindex-servers =\n    pypi\n    private\n\n[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n\n; a comment\n[private]\nrepository: http://127.0.0.1:8080/\nusername = alice\npassword = s3cret\n";

    fn with_pypirc(f: impl FnOnce(&Path)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".pypirc");
        std::fs::write(&path, PYPIRC).unwrap();
        f(&path);
    }

    #[test]
    fn names_resolve_through_pypirc_and_builtins() {
        with_pypirc(|path| {
            let pypi = resolve(Some("pypi"), None, Some(path)).unwrap();
            assert_eq!(pypi.upload_url, PYPI_UPLOAD);
            assert_eq!(pypi.username.as_deref(), Some("__token__"));
            assert_eq!(
                pypi.password.as_ref().unwrap().expose(),
                "pypi-AgEIcHlwaS5vcmc"
            );
            let test = resolve(Some("testpypi"), None, Some(path)).unwrap();
            assert_eq!(test.upload_url, TESTPYPI_UPLOAD);
            assert!(test.password.is_none());
            let private = resolve(Some("private"), None, Some(path)).unwrap();
            assert_eq!(private.upload_url, "http://127.0.0.1:8080/");
            assert_eq!(private.username.as_deref(), Some("alice"));
            let by_url = resolve(None, Some("http://127.0.0.1:8080"), Some(path)).unwrap();
            assert_eq!(by_url.name.as_deref(), Some("private"));
            let e = resolve(Some("nexus"), None, Some(path)).unwrap_err();
            assert!(e.to_string().contains("[nexus] section"), "{e}");
        });
        assert_eq!(resolve(None, None, None).unwrap().upload_url, PYPI_UPLOAD);
    }

    #[test]
    fn user_info_leaves_the_url() {
        let repo = Repository::from_url("https://bob:tok@example.org/upload/").unwrap();
        assert_eq!(repo.upload_url, "https://example.org/upload/");
        assert_eq!(repo.username.as_deref(), Some("bob"));
        assert_eq!(repo.password.unwrap().expose(), "tok");
        assert!(Repository::from_url("ftp://x/").is_err());
    }

    #[test]
    fn check_urls_follow_the_server_kind() {
        assert_eq!(check_candidates(PYPI_UPLOAD), ["https://pypi.org/simple/"]);
        assert_eq!(
            check_candidates(TESTPYPI_UPLOAD),
            ["https://test.pypi.org/simple/"]
        );
        assert_eq!(
            check_candidates("http://h:1/"),
            ["http://h:1/simple/", "http://h:1/+simple/"]
        );
        assert_eq!(
            check_candidates("http://h/root/dev"),
            ["http://h/root/dev/simple/", "http://h/root/dev/+simple/"]
        );
        assert_eq!(
            check_candidates("http://h/x/legacy/"),
            ["http://h/x/simple/"]
        );
    }
}
