//! Credentials for an upload, looked up as twine users expect: given
//! outright, then the environment, then `.pypirc`, then the operating
//! system's keyring (the Secret Service on Linux, Keychain on macOS, the
//! Credential Manager on Windows). API tokens go with the user name
//! `__token__`.
//!
//! A [`Secret`] never prints itself: `Debug` and `Display` show `****`, and
//! [`Secret::redact`] removes it from any text (a server may echo it back).

use super::repository::Repository;
use crate::{Error, Result};
use std::fmt;

/// The token variable of Gradient's own: a PyPI API token (user `__token__`).
pub const TOKEN_VAR: &str = "GRADIENT_PUBLISH_TOKEN";
/// The user name API tokens are sent with.
pub const TOKEN_USER: &str = "__token__";

/// A password or token.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    /// The value itself: only for the Authorization header and the keyring.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the secret replaced by `****`.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            // Too short to search for without mangling ordinary words; such
            // a secret is never shown by us in the first place.
            return text.to_string();
        }
        text.replace(&self.0, "****")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// A user name and password, and where they were found (for messages).
#[derive(Debug, Clone)]
pub struct Credentials {
    pub username: String,
    pub password: Secret,
    /// E.g. `environment (TWINE_PASSWORD)`, `~/.pypirc [pypi]`, `keyring`.
    pub source: String,
}

impl Credentials {
    pub fn token(token: String, source: &str) -> Credentials {
        Credentials {
            username: TOKEN_USER.into(),
            password: Secret::new(token),
            source: source.into(),
        }
    }
}

/// Find credentials for `repo`. `env` reads an environment variable (the
/// caller passes `std::env::var`; tests pass a map).
pub fn find(
    repo: &Repository,
    env: &dyn Fn(&str) -> Option<String>,
    keyring: &dyn Keyring,
) -> Result<Credentials> {
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    if let Some(token) = env(TOKEN_VAR) {
        return Ok(Credentials::token(
            token,
            &format!("environment ({TOKEN_VAR})"),
        ));
    }
    let username = env("TWINE_USERNAME").or_else(|| repo.username.clone());
    if let Some(password) = env("TWINE_PASSWORD") {
        return Ok(Credentials {
            username: username.unwrap_or_else(|| TOKEN_USER.into()),
            password: Secret::new(password),
            source: "environment (TWINE_PASSWORD)".into(),
        });
    }
    if let Some(password) = &repo.password {
        return Ok(Credentials {
            username: username.unwrap_or_else(|| TOKEN_USER.into()),
            password: password.clone(),
            source: match &repo.name {
                Some(name) => format!(".pypirc [{name}]"),
                None => "the repository URL".into(),
            },
        });
    }
    let user = username.unwrap_or_else(|| TOKEN_USER.into());
    match keyring.get(&repo.upload_url, &user) {
        Ok(Some(password)) => Ok(Credentials {
            username: user,
            password,
            source: "keyring".into(),
        }),
        Ok(None) => Err(Error::Publish(format!(
            "no credentials for {}: set {TOKEN_VAR} (an API token) or TWINE_USERNAME/TWINE_PASSWORD, add `password` to its .pypirc section, or store a token in the keyring (the studio's Publish step does)",
            repo.describe()
        ))),
        Err(why) => Err(Error::Publish(format!(
            "no credentials for {}: set {TOKEN_VAR} (an API token) or TWINE_USERNAME/TWINE_PASSWORD, or add `password` to its .pypirc section; the keyring could not be asked: {why}",
            repo.describe()
        ))),
    }
}

/// The operating system's credential store, by service (the upload URL, as
/// twine's keyring lookups use) and user name.
pub trait Keyring {
    /// `Ok(None)`: the store works and holds nothing for this pair.
    /// `Err`: there is no usable store (e.g. no Secret Service running).
    fn get(&self, service: &str, user: &str) -> std::result::Result<Option<Secret>, String>;
    fn set(&self, service: &str, user: &str, secret: &Secret) -> std::result::Result<(), String>;
}

/// The platform keyring through the `keyring` crate.
pub struct SystemKeyring;

impl Keyring for SystemKeyring {
    fn get(&self, service: &str, user: &str) -> std::result::Result<Option<Secret>, String> {
        let entry = keyring::Entry::new(service, user).map_err(|e| e.to_string())?;
        match entry.get_password() {
            Ok(password) => Ok(Some(Secret::new(password))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    }

    fn set(&self, service: &str, user: &str, secret: &Secret) -> std::result::Result<(), String> {
        let entry = keyring::Entry::new(service, user).map_err(|e| e.to_string())?;
        entry
            .set_password(secret.expose())
            .map_err(|e| format!("the keyring refused to store the token: {e}"))
    }
}

/// No keyring at all (`--no-keyring`, tests).
pub struct NoKeyring;

impl Keyring for NoKeyring {
    fn get(&self, _: &str, _: &str) -> std::result::Result<Option<Secret>, String> {
        Err("the keyring is switched off".into())
    }
    fn set(&self, _: &str, _: &str, _: &Secret) -> std::result::Result<(), String> {
        Err("the keyring is switched off".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn repo() -> Repository {
        Repository::from_url("http://127.0.0.1:9/").unwrap()
    }

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("pypi-topsecret".into());
        assert_eq!(format!("{s} {s:?}"), "**** Secret(****)");
        assert_eq!(s.redact("echo pypi-topsecret!"), "echo ****!");
    }

    #[test]
    fn lookup_order_is_gradient_token_twine_env_pypirc_keyring() {
        let mut r = repo();
        r.password = Some(Secret::new("from-pypirc".into()));
        let both = env_of(&[(TOKEN_VAR, "pypi-own"), ("TWINE_PASSWORD", "pw")]);
        let c = find(&r, &both, &NoKeyring).unwrap();
        assert_eq!(
            (c.username.as_str(), c.password.expose()),
            ("__token__", "pypi-own")
        );
        let twine = env_of(&[("TWINE_USERNAME", "alice"), ("TWINE_PASSWORD", "pw")]);
        let c = find(&r, &twine, &NoKeyring).unwrap();
        assert_eq!((c.username.as_str(), c.password.expose()), ("alice", "pw"));
        let c = find(&r, &env_of(&[]), &NoKeyring).unwrap();
        assert_eq!(c.password.expose(), "from-pypirc");
        let e = find(&repo(), &env_of(&[]), &NoKeyring).unwrap_err();
        assert!(e.to_string().contains("keyring could not be asked"), "{e}");
    }
}
