//! A client for the OCI distribution specification (spec.md): pulling a base
//! and pushing an image.
//!
//! Push ("Pushing blobs", "Pushing manifests"): for each blob, `HEAD` first
//! and skip what the registry has; a cross-repository mount
//! (`POST …/uploads/?mount=&from=`) when the blob came from another
//! repository of the same registry, where only `201 Created` is a mount and
//! `202 Accepted` starts an ordinary upload; blobs up to [`MONOLITHIC_MAX`]
//! in one `PUT`, larger ones in `PATCH` chunks of at most [`CHUNK`] bytes
//! (inclusive `Content-Range`, honouring `OCI-Chunk-Min-Length`, our own
//! offset accounting) closed by `PUT ?digest=`; then the manifest.
//!
//! Authentication: anonymous first; on `401` the `WWW-Authenticate`
//! challenge decides: `Basic` sends the stored credentials, `Bearer` fetches
//! a token from the realm for `repository:<name>:pull[,push]` (with the
//! credentials when there are some). Credentials come from [`super::auth`];
//! no message ever contains them.

use super::auth::{self, Credentials};
use super::image::{digest_of, Image};
use super::layout::{choose, is_index, parse_json, Loaded};
use super::reference::Reference;
use super::spec::{self, Descriptor, ImageConfig, Index, Manifest};
use crate::progress::Progress;
use crate::{Error, Result};
use serde::Serialize;
use std::io::Read;
use std::sync::{Arc, Mutex};

/// Blobs up to this size go in one request (GHCR refuses bodies over 4 MiB).
pub const MONOLITHIC_MAX: u64 = 4 << 20;
/// The size of a chunk in a chunked upload.
pub const CHUNK: u64 = 4 << 20;
/// Manifests and configurations above this size are refused.
const MAX_DOCUMENT: u64 = 4 << 20;
/// Layers above this size are refused.
const MAX_BLOB: u64 = 8 << 30;

const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Plain HTTP (allowed only for a registry on the loopback interface).
    pub insecure: bool,
}

/// What a push did, blob by blob.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PushReport {
    pub reference: String,
    /// The manifest digest the registry stored.
    pub digest: String,
    pub uploaded: Vec<String>,
    pub skipped: Vec<String>,
    pub mounted: Vec<String>,
}

struct Reply {
    status: u16,
    response: ureq::Response,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.response.header(name).map(str::to_string)
    }
}

struct Client {
    agent: ureq::Agent,
    base: url::Url,
    registry: String,
    repository: String,
    credentials: Option<Credentials>,
    authorization: Mutex<Option<String>>,
    push: bool,
}

impl Client {
    fn new(r: &Reference, options: &Options, push: bool) -> Result<Client> {
        if options.insecure && !r.is_loopback() {
            return Err(Error::Plan(format!(
                "--insecure (plain HTTP) is allowed only for a registry on this machine, not {}",
                r.registry
            )));
        }
        let scheme = if options.insecure { "http" } else { "https" };
        let host = if r.registry == "docker.io" {
            "registry-1.docker.io"
        } else {
            &r.registry
        };
        let base = url::Url::parse(&format!("{scheme}://{host}/"))
            .map_err(|e| Error::Plan(format!("registry `{}`: {e}", r.registry)))?;
        Ok(Client {
            agent: crate::closure::index::agent(),
            base,
            registry: r.registry.clone(),
            repository: r.repository.clone(),
            credentials: auth::lookup(&r.registry),
            authorization: Mutex::new(None),
            push,
        })
    }

    fn url(&self, path: &str) -> Result<url::Url> {
        self.base
            .join(path)
            .map_err(|e| Error::Plan(format!("registry {}: bad URL `{path}`: {e}", self.registry)))
    }

    /// One request, authenticating once on a 401 challenge.
    fn send(
        &self,
        method: &str,
        url: &url::Url,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Reply> {
        for attempt in 0..2 {
            let mut request = self.agent.request_url(method, url);
            for (k, v) in headers {
                request = request.set(k, v);
            }
            if let Some(auth) = self.authorization.lock().ok().and_then(|a| a.clone()) {
                request = request.set("Authorization", &auth);
            }
            let result = match body {
                Some(b) => request.send_bytes(b),
                None => request.call(),
            };
            let reply = match result {
                Ok(response) => Reply {
                    status: response.status(),
                    response,
                },
                Err(ureq::Error::Status(status, response)) => Reply { status, response },
                Err(ureq::Error::Transport(t)) => {
                    return Err(Error::Plan(format!(
                        "registry {} cannot be reached: {}",
                        self.registry,
                        t.message()
                            .map(str::to_string)
                            .unwrap_or_else(|| t.kind().to_string())
                    )))
                }
            };
            if reply.status == 401 {
                if attempt > 0 {
                    return Err(self.unauthorised());
                }
                let challenge = reply.header("WWW-Authenticate").unwrap_or_default();
                self.authenticate(&challenge)?;
                continue;
            }
            return Ok(reply);
        }
        Err(Error::Plan(format!(
            "registry {}: authentication loop",
            self.registry
        )))
    }

    /// Access refused: names the user and the file the credentials came
    /// from, never the password.
    fn unauthorised(&self) -> Error {
        Error::Plan(format!(
            "registry {} refused access to {} (401 unauthorised){}",
            self.registry,
            self.repository,
            match &self.credentials {
                Some(c) => format!(
                    " with the credentials of `{}` from {}",
                    c.username,
                    c.origin.display()
                ),
                None => " and no credentials were found: log in with `podman login`, or set REGISTRY_AUTH_FILE".into(),
            }
        ))
    }

    /// Answer a `WWW-Authenticate` challenge.
    fn authenticate(&self, challenge: &str) -> Result<()> {
        let unauthorised = || self.unauthorised();
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        let value = if scheme.eq_ignore_ascii_case("basic") {
            self.credentials.as_ref().ok_or_else(unauthorised)?.basic()
        } else if scheme.eq_ignore_ascii_case("bearer") {
            format!(
                "Bearer {}",
                self.token(&challenge_params(params))
                    .ok_or_else(unauthorised)?
            )
        } else {
            return Err(unauthorised());
        };
        if let Ok(mut a) = self.authorization.lock() {
            if a.as_deref() == Some(value.as_str()) {
                return Err(unauthorised());
            }
            *a = Some(value);
        }
        Ok(())
    }

    /// A bearer token from the challenge's realm (token authentication).
    fn token(&self, params: &[(String, String)]) -> Option<String> {
        let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let mut url = url::Url::parse(&get("realm")?).ok()?;
        let actions = if self.push { "pull,push" } else { "pull" };
        {
            let mut q = url.query_pairs_mut();
            if let Some(service) = get("service") {
                q.append_pair("service", &service);
            }
            q.append_pair(
                "scope",
                &format!("repository:{}:{actions}", self.repository),
            );
        }
        let mut request = self.agent.request_url("GET", &url);
        if let Some(c) = &self.credentials {
            request = request.set("Authorization", &c.basic());
        }
        let response = request.call().ok()?;
        let mut text = String::new();
        response
            .into_reader()
            .take(1 << 20)
            .read_to_string(&mut text)
            .ok()?;
        let body: serde_json::Value = serde_json::from_str(&text).ok()?;
        body.get("token")
            .or_else(|| body.get("access_token"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
    }

    fn unexpected(&self, what: &str, reply: Reply) -> Error {
        let status = reply.status;
        let mut text = String::new();
        let _ = reply
            .response
            .into_reader()
            .take(2048)
            .read_to_string(&mut text);
        let code = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| {
                let e = v.get("errors")?.get(0)?.clone();
                Some(format!(
                    "{}: {}",
                    e.get("code")?.as_str()?,
                    e.get("message").and_then(|m| m.as_str()).unwrap_or("")
                ))
            })
            .unwrap_or_default();
        let why = if status == 401 || status == 403 {
            format!(
                "refused ({status}); check the credentials for {}",
                self.registry
            )
        } else {
            format!("answered {status} {code}")
        };
        Error::Plan(format!(
            "registry {} ({}): {what}: {why}",
            self.registry, self.repository
        ))
    }

    fn read_body(&self, reply: Reply, limit: u64, what: &str) -> Result<Vec<u8>> {
        let mut bytes = Vec::new();
        reply
            .response
            .into_reader()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::Plan(format!("registry {}: {what}: {e}", self.registry)))?;
        if bytes.len() as u64 > limit {
            return Err(Error::Plan(format!(
                "registry {}: {what} is larger than {limit} bytes",
                self.registry
            )));
        }
        Ok(bytes)
    }
}

/// `realm="…",service="…"` → pairs.
fn challenge_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.split_once('"') {
                Some((v, n)) => (v.to_string(), n),
                None => (quoted.to_string(), ""),
            }
        } else {
            match after.split_once(',') {
                Some((v, n)) => (v.trim().to_string(), n),
                None => (after.trim().to_string(), ""),
            }
        };
        out.push((key, value));
        rest = next.trim_start_matches(',').trim();
    }
    out
}

/// Pull the image `r` for `architecture`, every blob verified.
pub fn pull(r: &Reference, architecture: &str, options: &Options) -> Result<Loaded> {
    let client = Client::new(r, options, false)?;
    let (descriptor, bytes) = get_manifest(&client, r.reference())?;
    let (descriptor, bytes) = if is_index(&descriptor.media_type) {
        let index: Index = parse_json(&bytes, &format!("{r}: index"))?;
        let chosen = choose(
            &index.manifests,
            None,
            architecture,
            std::path::Path::new(&r.to_string()),
        )?;
        let (d, b) = get_manifest(&client, &chosen.digest)?;
        if d.digest != chosen.digest {
            return Err(Error::Plan(format!(
                "{r}: manifest {} has digest {}",
                chosen.digest, d.digest
            )));
        }
        (d, b)
    } else {
        (descriptor, bytes)
    };
    let manifest: Manifest = parse_json(&bytes, &format!("{r}: manifest"))?;
    let config_bytes = get_blob(&client, &manifest.config.digest, MAX_DOCUMENT)?;
    let config: ImageConfig = parse_json(&config_bytes, &format!("{r}: config"))?;
    let mut layers = Vec::new();
    for l in &manifest.layers {
        let media_type = match l.media_type.as_str() {
            spec::DOCKER_LAYER_GZIP => spec::LAYER_GZIP,
            other => other,
        };
        let bytes = get_blob(&client, &l.digest, MAX_BLOB)?;
        layers.push((
            Descriptor::new(media_type, l.digest.clone(), bytes.len() as u64),
            bytes,
        ));
    }
    Ok(Loaded {
        manifest_digest: descriptor.digest,
        manifest,
        config,
        layers,
    })
}

fn get_manifest(client: &Client, reference: &str) -> Result<(Descriptor, Vec<u8>)> {
    let url = client.url(&format!("v2/{}/manifests/{reference}", client.repository))?;
    let reply = client.send("GET", &url, &[("Accept", MANIFEST_ACCEPT.into())], None)?;
    if reply.status != 200 {
        let what = format!("manifest `{reference}`");
        return Err(client.unexpected(&what, reply));
    }
    let media_type = reply
        .header("Content-Type")
        .unwrap_or_else(|| spec::MANIFEST.into());
    let bytes = client.read_body(reply, MAX_DOCUMENT, "manifest")?;
    let digest = digest_of(&bytes);
    if reference.starts_with("sha256:") && digest != reference {
        return Err(Error::Plan(format!(
            "registry {}: manifest {reference} arrived with digest {digest}",
            client.registry
        )));
    }
    let media_type = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_string();
    let size = bytes.len() as u64;
    Ok((Descriptor::new(&media_type, digest, size), bytes))
}

fn get_blob(client: &Client, digest: &str, limit: u64) -> Result<Arc<[u8]>> {
    let cache = crate::closure::index::default_cache().join("oci-blobs");
    let cached = cache.join(super::layout::blob_path(digest)?);
    if let Ok(bytes) = std::fs::read(&cached) {
        if digest_of(&bytes) == digest {
            return Ok(bytes.into());
        }
    }
    let url = client.url(&format!("v2/{}/blobs/{digest}", client.repository))?;
    let reply = client.send("GET", &url, &[], None)?;
    if reply.status != 200 {
        return Err(client.unexpected(&format!("blob {digest}"), reply));
    }
    let bytes = client.read_body(reply, limit, digest)?;
    if digest_of(&bytes) != digest {
        return Err(Error::Plan(format!(
            "registry {}: blob {digest} arrived damaged",
            client.registry
        )));
    }
    if let Some(dir) = cached.parent() {
        if std::fs::create_dir_all(dir).is_ok() {
            let _ = crate::atomic::replace_file(&cached, &bytes);
        }
    }
    Ok(bytes.into())
}

/// Push `image` to `dest` (its tag, or the image's). `mount_from`: the
/// repository of the same registry the base came from.
pub fn push(
    image: &Image,
    dest: &Reference,
    options: &Options,
    mount_from: Option<&Reference>,
    progress: &dyn Progress,
) -> Result<PushReport> {
    let client = Client::new(dest, options, true)?;
    let mut report = PushReport {
        reference: dest.to_string(),
        ..PushReport::default()
    };
    let mut blobs: Vec<(String, Arc<[u8]>, bool)> = image
        .layers
        .iter()
        .map(|l| (l.digest.clone(), l.bytes.clone(), l.name == "base"))
        .collect();
    blobs.push((
        image.config_digest.clone(),
        image.config_bytes.clone(),
        false,
    ));
    blobs.dedup_by(|a, b| a.0 == b.0);
    progress.start(blobs.iter().map(|b| b.1.len() as u64).sum());
    for (digest, bytes, from_base) in &blobs {
        if progress.cancelled() {
            return Err(Error::Cancelled);
        }
        let mount = mount_from.filter(|m| {
            *from_base && m.registry == dest.registry && m.repository != dest.repository
        });
        match push_blob(&client, digest, bytes, mount)? {
            Pushed::Skipped => report.skipped.push(digest.clone()),
            Pushed::Mounted => report.mounted.push(digest.clone()),
            Pushed::Uploaded => report.uploaded.push(digest.clone()),
        }
        progress.advance(bytes.len() as u64);
    }
    let tag = dest.tag.clone().unwrap_or_else(|| image.tag.clone());
    let url = client.url(&format!("v2/{}/manifests/{tag}", client.repository))?;
    let reply = client.send(
        "PUT",
        &url,
        &[("Content-Type", spec::MANIFEST.into())],
        Some(&image.manifest_bytes),
    )?;
    if reply.status != 201 && reply.status != 200 {
        return Err(client.unexpected("manifest upload", reply));
    }
    if let Some(stored) = reply.header("Docker-Content-Digest") {
        if stored != image.digest {
            return Err(Error::Plan(format!(
                "registry {} stored the manifest as {stored}, not {}",
                dest.registry, image.digest
            )));
        }
    }
    report.digest = image.digest.clone();
    Ok(report)
}

enum Pushed {
    Skipped,
    Mounted,
    Uploaded,
}

fn push_blob(
    client: &Client,
    digest: &str,
    bytes: &[u8],
    mount: Option<&Reference>,
) -> Result<Pushed> {
    let repo = &client.repository;
    let head = client.send(
        "HEAD",
        &client.url(&format!("v2/{repo}/blobs/{digest}"))?,
        &[],
        None,
    )?;
    match head.status {
        200 => return Ok(Pushed::Skipped),
        404 => {}
        _ => return Err(client.unexpected(&format!("checking for {digest}"), head)),
    }
    let mut start = client.url(&format!("v2/{repo}/blobs/uploads/"))?;
    if let Some(from) = mount {
        start
            .query_pairs_mut()
            .append_pair("mount", digest)
            .append_pair("from", &from.repository);
    }
    let reply = client.send("POST", &start, &[], Some(&[]))?;
    if reply.status == 201 && mount.is_some() {
        return Ok(Pushed::Mounted);
    }
    // 202: an upload session, also when a mount was asked for and refused.
    if reply.status != 202 {
        return Err(client.unexpected(&format!("starting the upload of {digest}"), reply));
    }
    let mut location = upload_location(client, &reply)?;
    let min_chunk: u64 = reply
        .header("OCI-Chunk-Min-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if bytes.len() as u64 > MONOLITHIC_MAX {
        let chunk = CHUNK.max(min_chunk) as usize;
        let mut offset = 0usize;
        for piece in bytes.chunks(chunk) {
            let end = offset + piece.len() - 1;
            let reply = client.send(
                "PATCH",
                &location,
                &[
                    ("Content-Type", "application/octet-stream".into()),
                    ("Content-Range", format!("{offset}-{end}")),
                ],
                Some(piece),
            )?;
            if reply.status != 202 {
                return Err(client.unexpected(&format!("uploading {digest} at {offset}"), reply));
            }
            location = upload_location(client, &reply)?;
            offset = end + 1;
        }
        location.query_pairs_mut().append_pair("digest", digest);
        let reply = client.send("PUT", &location, &[], Some(&[]))?;
        return finished(client, digest, reply);
    }
    location.query_pairs_mut().append_pair("digest", digest);
    let reply = client.send(
        "PUT",
        &location,
        &[("Content-Type", "application/octet-stream".into())],
        Some(bytes),
    )?;
    finished(client, digest, reply)
}

fn finished(client: &Client, digest: &str, reply: Reply) -> Result<Pushed> {
    if reply.status == 201 || reply.status == 204 {
        Ok(Pushed::Uploaded)
    } else {
        Err(client.unexpected(&format!("finishing the upload of {digest}"), reply))
    }
}

fn upload_location(client: &Client, reply: &Reply) -> Result<url::Url> {
    let location = reply.header("Location").ok_or_else(|| {
        Error::Plan(format!(
            "registry {}: an upload answer has no Location",
            client.registry
        ))
    })?;
    client.url(&location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_parsed() {
        let p = challenge_params(
            r#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#,
        );
        assert_eq!(p[0], ("realm".into(), "https://auth.example/token".into()));
        assert_eq!(p[1].1, "registry.example");
        assert_eq!(p[2].1, "repository:a/b:pull");
    }

    #[test]
    fn insecure_is_only_for_loopback() {
        let remote = Reference::parse("ghcr.io/a/b:1").unwrap();
        let err = Client::new(&remote, &Options { insecure: true }, true)
            .err()
            .unwrap();
        assert!(err
            .to_string()
            .contains("only for a registry on this machine"));
        let local = Reference::parse("127.0.0.1:5000/a/b:1").unwrap();
        assert!(Client::new(&local, &Options { insecure: true }, true).is_ok());
    }
}
