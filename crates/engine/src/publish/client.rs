//! Talking to the index: the simple API (what is already there) and the
//! legacy upload endpoint (one POST per file, the body streamed from disk
//! with progress by bytes). Redirects are never followed: a redirected
//! upload would lose its body, and pypiserver redirects unknown projects to
//! PyPI, whose files are not this index's.

use super::credentials::Credentials;
use super::form::Form;
use crate::closure::index::{self, IndexFile};
use crate::progress::Progress;
use crate::{Error, Result};
use base64::Engine as _;
use std::io::{Cursor, Read};
use std::path::Path;
use std::time::Duration;

/// An HTTP client for one publishing run.
pub struct Client {
    agent: ureq::Agent,
}

/// How the index answered an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Created,
    /// The server says the file exists (409, or 400/403 saying so); its
    /// words, verbatim.
    Exists(String),
    /// A refusal that retrying will not change.
    Refused {
        status: u16,
        reason: String,
    },
    /// A 5xx answer or a connection failure: worth another try.
    Transient(String),
}

impl Default for Client {
    fn default() -> Self {
        Client::new()
    }
}

impl Client {
    pub fn new() -> Client {
        let agent = ureq::AgentBuilder::new()
            .timeout_connect(Duration::from_secs(30))
            .timeout_read(Duration::from_secs(300))
            .redirects(0)
            .user_agent(concat!("gradient/", env!("CARGO_PKG_VERSION")))
            .build();
        Client { agent }
    }

    /// The first candidate simple-API base that answers 2xx, or the only one.
    pub fn choose_check_url(
        &self,
        candidates: &[String],
        auth: Option<&Credentials>,
    ) -> Option<String> {
        if candidates.len() == 1 {
            return candidates.first().cloned();
        }
        candidates.iter().find_map(|url| {
            let request = with_auth(self.agent.get(url).set("Accept", index::ACCEPT), auth);
            match request.call() {
                Ok(r) if r.status() < 300 => Some(url.clone()),
                _ => None,
            }
        })
    }

    /// What the index lists for project `name` (normalised) under `check_url`:
    /// empty when it does not know the project (404, or a redirect elsewhere).
    pub fn listing(
        &self,
        check_url: &str,
        name: &str,
        auth: Option<&Credentials>,
    ) -> Result<Vec<IndexFile>> {
        let url = format!("{}/{name}/", check_url.trim_end_matches('/'));
        let request = with_auth(self.agent.get(&url).set("Accept", index::ACCEPT), auth);
        let response = match request.call() {
            Ok(r) if r.status() >= 300 => return Ok(Vec::new()),
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) => return Ok(Vec::new()),
            Err(e) => {
                let why = redact(auth, &e.to_string());
                return Err(Error::Publish(format!(
                    "cannot ask the index which files it has ({url}): {why}; give the index's simple API with --check-url URL"
                )));
            }
        };
        let base = response.get_url().to_string();
        let content_type = response.content_type().to_string();
        let body = index::read_capped(response.into_reader(), index::MAX_PAGE, &url)
            .map_err(|e| Error::Publish(e.to_string()))?;
        let text = String::from_utf8_lossy(&body);
        index::parse_page(&text, &content_type, &base)
            .map_err(|e| Error::Publish(format!("{url}: {e}")))
    }

    /// POST one file. The body is the form's head, the file streamed from
    /// `path` (each chunk reported to `progress`), and the tail.
    pub fn upload(
        &self,
        upload_url: &str,
        credentials: &Credentials,
        path: &Path,
        form: &Form,
        progress: &dyn Progress,
    ) -> Answer {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let body = form.multipart(&file_name);
        let file = match std::fs::File::open(path) {
            Ok(f) => f,
            Err(e) => {
                return Answer::Refused {
                    status: 0,
                    reason: format!("{}: {e}", path.display()),
                }
            }
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let length = body.head.len() as u64 + size + body.tail.len() as u64;
        let reader = Cursor::new(body.head)
            .chain(Counted {
                inner: file,
                progress,
            })
            .chain(Cursor::new(body.tail));
        let request = with_auth(self.agent.post(upload_url), Some(credentials))
            .set("Content-Type", &body.content_type)
            .set("Content-Length", &length.to_string());
        let answer = match request.send(reader) {
            Ok(r) if r.status() >= 300 => redirected(&r),
            // devpi answers a re-upload of the same bytes with 200 "Upload of
            // identical file to non volatile index.": nothing was stored.
            Ok(r) if r.status_text().contains("identical file") => {
                Answer::Exists(r.status_text().to_string())
            }
            Ok(_) => Answer::Created,
            Err(ureq::Error::Status(status, r)) => classify(status, &reason(r)),
            Err(ureq::Error::Transport(t)) => Answer::Transient(t.to_string()),
        };
        redact_answer(answer, credentials)
    }
}

fn with_auth(request: ureq::Request, auth: Option<&Credentials>) -> ureq::Request {
    match auth {
        Some(c) => {
            let pair = format!("{}:{}", c.username, c.password.expose());
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            request.set("Authorization", &format!("Basic {encoded}"))
        }
        None => request,
    }
}

fn redact(auth: Option<&Credentials>, text: &str) -> String {
    auth.map_or_else(|| text.to_string(), |c| c.password.redact(text))
}

fn redact_answer(answer: Answer, c: &Credentials) -> Answer {
    match answer {
        Answer::Exists(r) => Answer::Exists(c.password.redact(&r)),
        Answer::Refused { status, reason } => Answer::Refused {
            status,
            reason: c.password.redact(&reason),
        },
        Answer::Transient(r) => Answer::Transient(c.password.redact(&r)),
        Answer::Created => Answer::Created,
    }
}

fn redirected(response: &ureq::Response) -> Answer {
    let to = response
        .header("Location")
        .unwrap_or("(no Location header)");
    Answer::Refused {
        status: response.status(),
        reason: format!(
            "the upload URL redirects to {to}; uploads cannot follow redirects: use the final URL (PyPI's is https://upload.pypi.org/legacy/)"
        ),
    }
}

/// Sort an error answer: "exists" answers differ per server — pypiserver
/// says 409 (whatever the bytes), devpi 409 for other bytes (and 200 for the
/// same), PyPI 400 "File already exists", Nexus 400 "does not allow updating
/// assets", Artifactory 403 "... overwrite ...".
fn classify(status: u16, reason: &str) -> Answer {
    let lower = reason.to_ascii_lowercase();
    let says_exists = lower.contains("already exist")
        || lower.contains("not allow updating")
        || lower.contains("overwrite");
    match status {
        409 => Answer::Exists(reason.to_string()),
        400 | 403 if says_exists => Answer::Exists(reason.to_string()),
        500..=599 => Answer::Transient(format!("HTTP {status}: {reason}")),
        _ => Answer::Refused {
            status,
            reason: reason.to_string(),
        },
    }
}

/// The server's reason: the status line's phrase (where PyPI puts its
/// message) and the body as text (HTML tags dropped, whitespace folded,
/// bounded).
fn reason(response: ureq::Response) -> String {
    let phrase = response.status_text().trim().to_string();
    let mut body = String::new();
    let _ = response
        .into_reader()
        .take(64 << 10)
        .read_to_string(&mut body);
    let text = strip_tags(&body);
    let text: String = text.chars().take(2000).collect();
    match (phrase.is_empty(), text.is_empty()) {
        (_, true) => phrase,
        (true, false) => text,
        (false, false) if text.contains(&phrase) => text,
        (false, false) => format!("{phrase}: {text}"),
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut in_head = false;
    let lower = html.to_ascii_lowercase();
    for (i, c) in html.char_indices() {
        match c {
            '<' => {
                in_tag = true;
                if lower[i..].starts_with("<head") || lower[i..].starts_with("<style") {
                    in_head = true;
                } else if lower[i..].starts_with("</head") || lower[i..].starts_with("</style") {
                    in_head = false;
                }
            }
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag && !in_head => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A reader reporting the bytes it hands out.
struct Counted<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exists_answers_are_recognised_per_server() {
        assert!(matches!(classify(409, "Conflict"), Answer::Exists(_)));
        assert!(matches!(
            classify(
                400,
                "File already exists. See https://pypi.org/help/#file-name-reuse"
            ),
            Answer::Exists(_)
        ));
        assert!(matches!(
            classify(
                400,
                "Repository does not allow updating assets: pypi-hosted"
            ),
            Answer::Exists(_)
        ));
        assert!(matches!(
            classify(400, "Invalid value for classifiers"),
            Answer::Refused { status: 400, .. }
        ));
        assert!(matches!(
            classify(503, "Service Unavailable"),
            Answer::Transient(_)
        ));
        assert!(matches!(
            classify(403, "Invalid or non-existent authentication information"),
            Answer::Refused { .. }
        ));
    }

    #[test]
    fn html_bodies_become_text() {
        let html = "<html><head><title>403 Forbidden</title><style>p{}</style></head><body><h1>403 Forbidden</h1>\n<p>Invalid   API Token: <b>token is expired</b></p></body></html>";
        assert_eq!(
            strip_tags(html),
            "403 Forbidden Invalid API Token: token is expired"
        );
    }
}
