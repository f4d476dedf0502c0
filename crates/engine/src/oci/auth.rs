//! Registry credentials from the files container tools share
//! (containers-auth.json(5), Docker's config.json): `$REGISTRY_AUTH_FILE`,
//! `${XDG_RUNTIME_DIR}/containers/auth.json`,
//! `~/.config/containers/auth.json`, `$DOCKER_CONFIG/config.json`,
//! `~/.docker/config.json`; the first file with an entry for the registry
//! wins. Entries are `{"auths": {"HOST[:PORT]": {"auth": base64(user:pass)}}}`.
//! The password is held only to build Authorization headers: it is never
//! formatted into messages ([`Credentials`] has no Debug that shows it).

use base64::Engine;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    password: String,
    /// The file the entry came from (for messages).
    pub origin: PathBuf,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Credentials({} from {})",
            self.username,
            self.origin.display()
        )
    }
}

impl Credentials {
    /// `Basic base64(user:password)`.
    pub fn basic(&self) -> String {
        let raw = format!("{}:{}", self.username, self.password);
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }
}

#[derive(Deserialize)]
struct AuthFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
}

#[derive(Deserialize)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
}

/// The files searched, in order.
pub fn auth_files() -> Vec<PathBuf> {
    let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    let mut files = Vec::new();
    files.extend(env("REGISTRY_AUTH_FILE"));
    files.extend(env("XDG_RUNTIME_DIR").map(|d| d.join("containers/auth.json")));
    let home = env("HOME");
    files.extend(
        home.as_ref()
            .map(|h| h.join(".config/containers/auth.json")),
    );
    files.extend(env("DOCKER_CONFIG").map(|d| d.join("config.json")));
    files.extend(home.map(|h| h.join(".docker/config.json")));
    files
}

/// The credentials for `registry` (`host[:port]`), if any file has them.
pub fn lookup(registry: &str) -> Option<Credentials> {
    auth_files()
        .into_iter()
        .find_map(|f| from_file(&f, registry))
}

fn from_file(path: &PathBuf, registry: &str) -> Option<Credentials> {
    let text = std::fs::read(path).ok()?;
    let file: AuthFile = serde_json::from_slice(&text).ok()?;
    let wanted = if registry == "docker.io" {
        vec!["docker.io", "index.docker.io", "registry-1.docker.io"]
    } else {
        vec![registry]
    };
    file.auths.iter().find_map(|(key, entry)| {
        // Keys may be URLs (`https://index.docker.io/v1/`) or a host with a
        // repository path (`quay.io/team`); the host decides here.
        let host = key
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap_or(key);
        if !wanted.contains(&host) {
            return None;
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(entry.auth.as_deref()?.trim())
            .ok()?;
        let decoded = String::from_utf8(decoded).ok()?;
        let (user, pass) = decoded.split_once(':')?;
        Some(Credentials {
            username: user.into(),
            password: pass.into(),
            origin: path.clone(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_found_by_host_and_passwords_stay_hidden() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("auth.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("ada:s3cret-pw");
        std::fs::write(
            &file,
            format!(r#"{{"auths":{{"127.0.0.1:5000":{{"auth":"{auth}"}},"https://index.docker.io/v1/":{{"auth":"{auth}"}}}}}}"#),
        )
        .unwrap();
        let c = from_file(&file, "127.0.0.1:5000").unwrap();
        assert_eq!(c.username, "ada");
        assert!(c.basic().starts_with("Basic "));
        assert!(!format!("{c:?}").contains("s3cret"));
        assert!(from_file(&file, "docker.io").is_some());
        assert!(from_file(&file, "127.0.0.1:5001").is_none());
    }
}
