//! A client for package indexes: the "Simple repository API" in its JSON
//! (PEP 691) and HTML (PEP 503, with PEP 592 yanking, PEP 658/714 metadata
//! files) forms. Every download is verified against the hash the index gave
//! and cached by that hash, so a file is fetched once per machine.

use super::hashes::{self, Hashes};
use crate::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The public index, used when no source is given.
pub const PUBLIC_INDEX: &str = "https://pypi.org/simple/";

/// Project pages above this size are refused (PyPI's largest are ~10 MB).
pub(crate) const MAX_PAGE: u64 = 64 << 20;
/// Downloads above this size are refused.
const MAX_FILE: u64 = 4 << 30;

/// The simple API formats asked for, JSON preferred.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// One file listed on a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    pub file_name: String,
    /// Absolute URL, without the hash fragment.
    pub url: String,
    pub hashes: Hashes,
    pub requires_python: Option<String>,
    pub yanked: bool,
    /// The core metadata is served at `url + ".metadata"` (PEP 658), with
    /// these hashes (possibly none).
    pub metadata: Option<Hashes>,
}

/// The HTTP agent every network client of the engine uses (indexes,
/// container registries): one TLS setup, timeouts and user agent.
pub fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(30))
        .timeout_read(Duration::from_secs(120))
        .user_agent(concat!("gradient/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// An index client with a download cache.
pub struct Client {
    agent: ureq::Agent,
    cache: PathBuf,
}

impl Client {
    pub fn new(cache: PathBuf) -> Client {
        Client {
            agent: agent(),
            cache,
        }
    }

    /// Every file the index lists for project `name` (normalised); an empty
    /// list when the index does not know the project.
    pub fn page(&self, index: &str, name: &str) -> Result<Vec<IndexFile>> {
        let page_url = format!("{}/{name}/", index.trim_end_matches('/'));
        let response = match self.agent.get(&page_url).set("Accept", ACCEPT).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) => return Ok(Vec::new()),
            Err(e) => return Err(Error::Closure(format!("{page_url}: {e}"))),
        };
        let base = response.get_url().to_string();
        let content_type = response.content_type().to_string();
        let body = read_capped(response.into_reader(), MAX_PAGE, &page_url)?;
        let text = String::from_utf8(body)
            .map_err(|_| Error::Closure(format!("{page_url}: the page is not UTF-8")))?;
        parse_page(&text, &content_type, &base)
            .map_err(|e| Error::Closure(format!("{page_url}: {e}")))
    }

    /// The file's bytes, verified against `hashes`: from the cache when it
    /// holds them, else downloaded (and cached atomically).
    pub fn download(&self, url: &str, file_name: &str, want: &Hashes) -> Result<Arc<[u8]>> {
        let Some((algorithm, expected)) = hashes::strongest(want) else {
            return Err(Error::Closure(format!(
                "{url}: the index gave no sha256/sha384/sha512 hash for it; refusing an unverified download"
            )));
        };
        // Name and hash come from the index: they must not lead out of the
        // cache directory.
        if file_name.contains(['/', '\\'])
            || file_name.starts_with('.')
            || !expected.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(Error::Closure(format!(
                "{url}: `{file_name}` with {algorithm} `{expected}` is not a plain file name and hex digest"
            )));
        }
        let cached = self
            .cache
            .join("files")
            .join(format!("{algorithm}-{expected}"))
            .join(file_name);
        if let Ok(bytes) = std::fs::read(&cached) {
            if hashes::verify(&bytes, want).is_ok() {
                return Ok(bytes.into());
            }
        }
        let bytes = self.get(url, MAX_FILE)?;
        hashes::verify(&bytes, want)
            .map_err(|why| Error::Closure(format!("{url}: downloaded file {why}")))?;
        store(&cached, &bytes)?;
        Ok(bytes.into())
    }

    /// The core metadata file of a wheel (PEP 658), verified when the index
    /// gave hashes for it; `None` when the index serves none.
    pub fn metadata(&self, file: &IndexFile) -> Result<Option<Vec<u8>>> {
        let Some(meta_hashes) = &file.metadata else {
            return Ok(None);
        };
        let key = hashes::strongest(&file.hashes)
            .map(|(a, h)| format!("{a}-{h}"))
            .filter(|key| key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or_else(|| hashes::sha256_hex(file.url.as_bytes()));
        let cached = self.cache.join("metadata").join(format!("{key}.metadata"));
        if let Ok(bytes) = std::fs::read(&cached) {
            if meta_hashes.is_empty() || hashes::verify(&bytes, meta_hashes).is_ok() {
                return Ok(Some(bytes));
            }
        }
        let url = format!("{}.metadata", file.url);
        let bytes = self.get(&url, MAX_PAGE)?;
        if !meta_hashes.is_empty() {
            hashes::verify(&bytes, meta_hashes)
                .map_err(|why| Error::Closure(format!("{url}: metadata file {why}")))?;
        }
        store(&cached, &bytes)?;
        Ok(Some(bytes))
    }

    fn get(&self, url: &str, cap: u64) -> Result<Vec<u8>> {
        let response = self
            .agent
            .get(url)
            .call()
            .map_err(|e| Error::Closure(format!("{url}: {e}")))?;
        read_capped(response.into_reader(), cap, url)
    }
}

/// The user's cache directory for downloads: `$GRADIENT_CACHE_DIR`, else
/// the platform cache directory (`$XDG_CACHE_HOME/gradient`).
pub fn default_cache() -> PathBuf {
    std::env::var_os("GRADIENT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| dirs::cache_dir().map(|d| d.join("gradient")))
        .unwrap_or_else(|| std::env::temp_dir().join("gradient-cache"))
}

/// A project page in whichever form its content type says: PEP 691 JSON or
/// PEP 503 HTML; links resolved against `base` (the URL it was served from).
pub fn parse_page(
    text: &str,
    content_type: &str,
    base: &str,
) -> std::result::Result<Vec<IndexFile>, String> {
    if content_type.contains("json") {
        parse_json(text, base)
    } else {
        parse_html(text, base)
    }
}

/// A response body, refused when it exceeds `cap` bytes.
pub(crate) fn read_capped(reader: impl Read, cap: u64, url: &str) -> Result<Vec<u8>> {
    let mut body = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut body)
        .map_err(|e| Error::Closure(format!("{url}: reading the response failed: {e}")))?;
    if body.len() as u64 > cap {
        return Err(Error::Closure(format!(
            "{url}: the response exceeds {cap} bytes"
        )));
    }
    Ok(body)
}

/// Write a cache file atomically: a crash leaves no half-written entry.
fn store(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    crate::atomic::replace_file(path, bytes).map_err(|e| Error::io(path, e))
}

#[derive(Deserialize)]
struct JsonPage {
    files: Vec<JsonFile>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
    #[serde(rename = "requires-python")]
    requires_python: Option<String>,
    #[serde(default)]
    yanked: serde_json::Value,
    #[serde(rename = "core-metadata")]
    core_metadata: Option<serde_json::Value>,
    #[serde(rename = "dist-info-metadata")]
    dist_info_metadata: Option<serde_json::Value>,
}

/// PEP 691 project page.
pub fn parse_json(text: &str, base: &str) -> std::result::Result<Vec<IndexFile>, String> {
    let page: JsonPage =
        serde_json::from_str(text).map_err(|e| format!("not a PEP 691 project page: {e}"))?;
    let base = url::Url::parse(base).map_err(|e| format!("bad page URL: {e}"))?;
    page.files
        .into_iter()
        .map(|f| {
            let (url, fragment) = absolute(&base, &f.url)?;
            let mut hashes: Hashes = f.hashes;
            hashes.extend(fragment);
            let metadata = match f.core_metadata.or(f.dist_info_metadata) {
                Some(serde_json::Value::Bool(true)) => Some(Hashes::new()),
                Some(serde_json::Value::Object(map)) => Some(
                    map.into_iter()
                        .filter_map(|(k, v)| Some((k, v.as_str()?.to_string())))
                        .collect(),
                ),
                _ => None,
            };
            Ok(IndexFile {
                file_name: f.filename,
                url,
                hashes,
                requires_python: f.requires_python.filter(|s| !s.trim().is_empty()),
                yanked: !matches!(
                    f.yanked,
                    serde_json::Value::Bool(false) | serde_json::Value::Null
                ),
                metadata,
            })
        })
        .collect()
}

/// PEP 503 project page: every `<a href>`; the file name is the last path
/// segment of the URL, the hash is the URL fragment.
pub fn parse_html(text: &str, base: &str) -> std::result::Result<Vec<IndexFile>, String> {
    let mut base = url::Url::parse(base).map_err(|e| format!("bad page URL: {e}"))?;
    let mut files = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut at = 0;
    while let Some(start) = lower[at..].find('<') {
        let start = at + start;
        let Some(end) = lower[start..].find('>') else {
            break;
        };
        let end = start + end;
        let tag = &text[start + 1..end];
        at = end + 1;
        let name = tag
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let attrs = attributes(tag);
        if name == "base" {
            if let Some(href) = attrs.get("href") {
                base = base
                    .join(href)
                    .map_err(|e| format!("bad <base href>: {e}"))?;
            }
            continue;
        }
        if name != "a" {
            continue;
        }
        let Some(href) = attrs.get("href") else {
            continue;
        };
        let (url, fragment) = absolute(&base, href)?;
        let file_name = url
            .rsplit('/')
            .next()
            .map(percent_decode)
            .unwrap_or_default();
        if file_name.is_empty() {
            continue;
        }
        let metadata = attrs
            .get("data-core-metadata")
            .or_else(|| attrs.get("data-dist-info-metadata"))
            .filter(|v| v.as_str() != "false")
            .map(|v| match v.split_once('=') {
                Some((alg, hex)) => [(alg.to_string(), hex.to_string())].into_iter().collect(),
                None => Hashes::new(),
            });
        files.push(IndexFile {
            file_name,
            url,
            hashes: fragment.into_iter().collect(),
            requires_python: attrs
                .get("data-requires-python")
                .filter(|s| !s.trim().is_empty())
                .cloned(),
            yanked: attrs.contains_key("data-yanked"),
            metadata,
        });
    }
    Ok(files)
}

/// Resolve `href` against `base`; split off a `#alg=hex` fragment.
fn absolute(
    base: &url::Url,
    href: &str,
) -> std::result::Result<(String, Option<(String, String)>), String> {
    let mut url = base
        .join(href)
        .map_err(|e| format!("bad link `{href}`: {e}"))?;
    let fragment = url
        .fragment()
        .and_then(|f| f.split_once('='))
        .map(|(a, h)| (a.to_ascii_lowercase(), h.to_ascii_lowercase()));
    url.set_fragment(None);
    Ok((url.to_string(), fragment))
}

/// The attributes of a start tag, names lowercased, entities decoded.
fn attributes(tag: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let chars: Vec<char> = tag.chars().collect();
    // Skip the tag name.
    let mut i = chars
        .iter()
        .position(|c| c.is_whitespace())
        .unwrap_or(chars.len());
    while i < chars.len() {
        while i < chars.len() && (chars[i].is_whitespace() || chars[i] == '/') {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            i += 1;
        }
        let name: String = chars[start..i]
            .iter()
            .collect::<String>()
            .to_ascii_lowercase();
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            if i < chars.len() && (chars[i] == '"' || chars[i] == '\'') {
                let quote = chars[i];
                i += 1;
                let s = i;
                while i < chars.len() && chars[i] != quote {
                    i += 1;
                }
                value = chars[s..i].iter().collect();
                i += 1;
            } else {
                let s = i;
                while i < chars.len() && !chars[i].is_whitespace() {
                    i += 1;
                }
                value = chars[s..i].iter().collect();
            }
        }
        if !name.is_empty() {
            out.insert(name, decode_entities(&value));
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_pages_resolve_links_hashes_and_attributes() {
        let page = r#"<!DOCTYPE html><html><body>
<a href="../../files/click-8.1.7-py3-none-any.whl#sha256=AB12" data-requires-python="&gt;=3.7">click-8.1.7-py3-none-any.whl</a><br/>
<A HREF='https://cdn.example/rich-13.0.0.tar.gz#sha256=cd34' data-yanked="">x</A>
<a href="m-1.0-cp312-cp312-manylinux_2_17_x86_64.whl#sha256=ef" data-core-metadata="sha256=99">m</a>
<a href="n%2B1-1.0-py3-none-any.whl#sha256=00" data-dist-info-metadata="true">n</a>
</body></html>"#;
        let files = parse_html(page, "http://127.0.0.1:8000/simple/click/").unwrap();
        assert_eq!(files.len(), 4);
        assert_eq!(
            files[0].url,
            "http://127.0.0.1:8000/files/click-8.1.7-py3-none-any.whl"
        );
        assert_eq!(files[0].file_name, "click-8.1.7-py3-none-any.whl");
        assert_eq!(files[0].hashes["sha256"], "ab12");
        assert_eq!(files[0].requires_python.as_deref(), Some(">=3.7"));
        assert!(!files[0].yanked && files[0].metadata.is_none());
        assert!(files[1].yanked);
        assert_eq!(files[1].file_name, "rich-13.0.0.tar.gz");
        assert_eq!(files[2].metadata.as_ref().unwrap()["sha256"], "99");
        assert_eq!(files[3].file_name, "n+1-1.0-py3-none-any.whl");
        assert_eq!(files[3].metadata, Some(Hashes::new()));
    }

    #[test]
    fn json_pages_carry_hashes_metadata_and_yanks() {
        let page = r#"{"meta":{"api-version":"1.1"},"name":"click","files":[
 {"filename":"click-8.1.7-py3-none-any.whl","url":"/files/click-8.1.7-py3-none-any.whl",
  "hashes":{"sha256":"ab"},"requires-python":">=3.7","core-metadata":{"sha256":"cd"},"yanked":false},
 {"filename":"click-8.0.0.tar.gz","url":"https://x/click-8.0.0.tar.gz","hashes":{},"yanked":"broken"}]}"#;
        let files = parse_json(page, "http://127.0.0.1:9/simple/click/").unwrap();
        assert_eq!(
            files[0].url,
            "http://127.0.0.1:9/files/click-8.1.7-py3-none-any.whl"
        );
        assert_eq!(files[0].metadata.as_ref().unwrap()["sha256"], "cd");
        assert!(!files[0].yanked);
        assert!(files[1].yanked);
        assert!(parse_json("<html>", "http://x/")
            .unwrap_err()
            .contains("PEP 691"));
    }

    #[test]
    fn names_and_hashes_from_an_index_stay_inside_the_cache() {
        let cache = tempfile::tempdir().unwrap();
        let client = Client::new(cache.path().to_path_buf());
        let good: Hashes = [("sha256".into(), "ab".repeat(32))].into();
        for name in ["../evil.whl", "a/b.whl", ".hidden.whl"] {
            let e = client
                .download("http://127.0.0.1:9/x", name, &good)
                .unwrap_err();
            assert!(e.to_string().contains("is not a plain file name"), "{e}");
        }
        let sneaky: Hashes = [("sha256".into(), "../../x".into())].into();
        let e = client
            .download("http://127.0.0.1:9/x", "x.whl", &sneaky)
            .unwrap_err();
        assert!(e.to_string().contains("is not a plain file name"), "{e}");
        assert_eq!(std::fs::read_dir(cache.path()).unwrap().count(), 0);
    }

    #[test]
    fn entities_decode() {
        assert_eq!(
            decode_entities("&gt;=3.8,&lt;4&#x27;&#39;&amp;&bogus;"),
            ">=3.8,<4''&&bogus;"
        );
    }
}
