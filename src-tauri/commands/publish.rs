//! The Publish step on a build result: check the built file against the
//! chosen index, then upload it in the background with progress. Only files
//! the app built (or the person chose) can be published; a token typed in is
//! used once, or stored in the system keyring when asked, and is never sent
//! back to the UI.

use super::UiError;
use crate::state::AppState;
use gradient_engine::progress::Progress;
use gradient_engine::publish::credentials::{self, Keyring, SystemKeyring};
use gradient_engine::publish::{
    self, repository, retry, Checked, Credentials, Outcome, Repository,
};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tauri::ipc::Channel;
use tauri::State;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PublishEvent {
    Started { total: u64 },
    Progress { done: u64, total: u64 },
    Finished { outcome: Outcome },
    Failed { error: UiError },
}

/// `repository` is `pypi`, `testpypi` or a `.pypirc` name; `url`, when
/// given, is the upload URL and wins.
fn resolve(repository_name: &str, url: Option<&str>) -> Result<Repository, UiError> {
    let pypirc = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pypirc"));
    let url = url.map(str::trim).filter(|u| !u.is_empty());
    Ok(repository::resolve(
        Some(repository_name),
        url,
        pypirc.as_deref(),
    )?)
}

fn allowed(state: &AppState, path: &str) -> Result<PathBuf, UiError> {
    let path = PathBuf::from(path);
    if !state.is_allowed(&path) {
        return Err(UiError::message(format!(
            "{} was not built or chosen here",
            path.display()
        )));
    }
    Ok(path)
}

/// Credentials: the token typed in, else the environment, .pypirc or keyring.
fn credentials_for(repo: &Repository, token: Option<String>) -> Result<Credentials, UiError> {
    match token.filter(|t| !t.trim().is_empty()) {
        Some(token) => Ok(Credentials::token(
            token.trim().to_string(),
            "the token entered",
        )),
        None => Ok(credentials::find(
            repo,
            &|k| std::env::var(k).ok(),
            &SystemKeyring,
        )?),
    }
}

/// Whether a token is at hand for the repository (without showing it).
#[derive(Debug, Clone, Serialize)]
pub struct TokenStatus {
    /// Where one was found, e.g. `keyring`; `None` when none was.
    source: Option<String>,
    /// Why none was found (e.g. no keyring on this machine).
    note: Option<String>,
}

#[tauri::command]
pub fn publish_token_status(
    repository: String,
    url: Option<String>,
) -> Result<TokenStatus, UiError> {
    let repo = resolve(&repository, url.as_deref())?;
    Ok(match credentials_for(&repo, None) {
        Ok(c) => TokenStatus {
            source: Some(c.source),
            note: None,
        },
        Err(e) => TokenStatus {
            source: None,
            note: Some(e.message),
        },
    })
}

/// Inspect and judge the file for the repository; nothing is uploaded.
#[tauri::command]
pub async fn publish_check(
    state: State<'_, AppState>,
    path: String,
    repository: String,
    url: Option<String>,
) -> Result<Checked, UiError> {
    let path = allowed(&state, &path)?;
    let repo = resolve(&repository, url.as_deref())?;
    tauri::async_runtime::spawn_blocking(move || publish::check(&[path], &repo, None))
        .await
        .map_err(|e| UiError::message(e.to_string()))?
        .map_err(UiError::from)
}

/// Check again, then upload in the background; events on `on_event`.
#[tauri::command]
pub fn publish_upload(
    state: State<'_, AppState>,
    path: String,
    repository: String,
    url: Option<String>,
    token: Option<String>,
    remember: bool,
    on_event: Channel<PublishEvent>,
) -> Result<(), UiError> {
    let path = allowed(&state, &path)?;
    let repo = resolve(&repository, url.as_deref())?;
    let creds = credentials_for(&repo, token)?;
    if remember && creds.source == "the token entered" {
        SystemKeyring
            .set(&repo.upload_url, &creds.username, &creds.password)
            .map_err(|why| UiError::message(format!("the token was not stored: {why}")))?;
    }
    std::thread::spawn(move || {
        let progress = ChannelProgress {
            channel: on_event.clone(),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
        };
        let event = match upload(&path, &repo, &creds, &progress) {
            Ok(outcome) => PublishEvent::Finished { outcome },
            Err(e) => PublishEvent::Failed {
                error: UiError::message(creds.password.redact(&e.to_string())),
            },
        };
        let _ = on_event.send(event);
    });
    Ok(())
}

fn upload(
    path: &std::path::Path,
    repo: &Repository,
    creds: &Credentials,
    progress: &dyn Progress,
) -> gradient_engine::Result<Outcome> {
    let checked = publish::check(&[path.to_path_buf()], repo, Some(creds))?;
    if !checked.ok() {
        let first = checked
            .problems
            .first()
            .map(|p| p.message.clone())
            .unwrap_or_default();
        return Err(gradient_engine::Error::Publish(format!(
            "nothing was uploaded: {first}"
        )));
    }
    publish::upload(&checked, repo, creds, retry::Policy::default(), progress)
}

struct ChannelProgress {
    channel: Channel<PublishEvent>,
    total: AtomicU64,
    done: AtomicU64,
}

impl Progress for ChannelProgress {
    fn start(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        let _ = self.channel.send(PublishEvent::Started { total });
    }
    /// At most one event per percent reaches the UI.
    fn advance(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let total = self.total.load(Ordering::Relaxed).max(1);
        if (done - bytes) * 100 / total != done * 100 / total {
            let _ = self.channel.send(PublishEvent::Progress { done, total });
        }
    }
}
