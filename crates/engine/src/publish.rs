//! Publishing sdists and wheels to a package index through the legacy upload
//! API (PEP 694 "Status Quo": what PyPI, TestPyPI, pypiserver, devpi,
//! Artifactory and Nexus accept), checked before anything leaves.
//!
//! Two steps, so a front end can show the checks before asking to go on:
//! [`check`] inspects every file, judges it as the index would ([`checks`]),
//! and asks the index's simple API which of the file names it already holds;
//! [`upload`] sends what is left, with retries ([`retry`]), and never when a
//! check failed. Files already on the index with the same bytes are skipped.
//!
//! Trusted publishing (the OIDC token exchange) is not implemented: it needs
//! a CI identity provider and PyPI's `/_/oidc/mint-token` endpoint to be
//! tested against.

pub mod checks;
pub mod classifiers;
pub mod client;
pub mod credentials;
pub mod form;
pub mod repository;
pub mod retry;

use crate::inspect::{self, Kind};
use crate::progress::Progress;
use crate::{Error, Result};
pub use checks::Problem;
use client::{Answer, Client};
pub use credentials::{Credentials, Secret};
use form::Form;
pub use repository::Repository;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What will happen to a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Upload,
    /// The index already holds these exact bytes under this name.
    Skip,
    /// Not judged further: a check failed.
    Refuse,
}

/// One file, inspected and judged.
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub path: PathBuf,
    pub file_name: String,
    pub kind: Kind,
    pub name: String,
    pub version: String,
    pub size: u64,
    pub sha256: String,
    pub action: Action,
    /// Its URL on the index, when it is there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip)]
    form: Option<Form>,
}

/// The result of [`check`]: the files, what will happen to each, and every
/// reason not to upload.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub repository: String,
    pub upload_url: String,
    /// The simple API base asked, when one was found.
    pub check_url: Option<String>,
    pub files: Vec<Planned>,
    pub problems: Vec<Problem>,
}

impl Checked {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Inspect and judge `files` for `repo`; ask the index what it holds.
/// `auth` is sent to the simple API only on the upload URL's own server.
pub fn check(files: &[PathBuf], repo: &Repository, auth: Option<&Credentials>) -> Result<Checked> {
    if files.is_empty() {
        return Err(Error::Publish("no files to publish".into()));
    }
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    let mut reports = Vec::new();
    for path in files {
        let report = inspect::inspect(path)?;
        let form = match report.kind {
            Kind::Wheel | Kind::Sdist if report.verifies() => Some(Form::for_file(path, &report)?),
            _ => None,
        };
        planned.push(plan_entry(path, &report, form));
        reports.push(report);
    }
    let candidates: Vec<checks::Candidate> = planned
        .iter()
        .zip(&reports)
        .map(|(p, r)| checks::Candidate {
            file_name: &p.file_name,
            report: r,
            form: p.form.as_ref(),
        })
        .collect();
    for c in &candidates {
        problems.extend(checks::file_problems(c));
    }
    problems.extend(checks::agreement(&candidates));
    // The index is asked only about files that passed every other check:
    // a refused file leaves no trace on the server, not even a read.
    let client = Client::new();
    let check_url = match problems.is_empty() {
        true => repo.check_url.clone().or_else(|| {
            client.choose_check_url(&repository::check_candidates(&repo.upload_url), auth)
        }),
        false => None,
    };
    if let Some(url) = &check_url {
        compare_with_index(
            &client,
            url,
            same_server_url(repo, url, auth),
            &mut planned,
            &mut problems,
        )?;
    } else if problems.is_empty() {
        problems.push(Problem {
            file: String::new(),
            code: "P007".into(),
            message: format!(
                "cannot find the simple API of {} to ask which files it has: give it with --check-url URL",
                repo.upload_url
            ),
        });
    }
    for p in &mut planned {
        if problems.iter().any(|x| x.file == p.file_name) {
            p.action = Action::Refuse;
        }
    }
    Ok(Checked {
        repository: repo.describe(),
        upload_url: repo.upload_url.clone(),
        check_url,
        files: planned,
        problems,
    })
}

fn plan_entry(path: &Path, report: &inspect::Report, form: Option<Form>) -> Planned {
    let meta = report.metadata.as_ref();
    let field = |f: &str| meta.and_then(|m| m.get(f)).unwrap_or("").to_string();
    Planned {
        path: path.to_path_buf(),
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        kind: report.kind,
        name: field("Name"),
        version: field("Version"),
        size: report.size,
        sha256: report.sha256.clone(),
        action: Action::Upload,
        url: None,
        form,
    }
}

/// Credentials go to the simple API only when it is on the upload server.
fn same_server_url<'a>(
    repo: &Repository,
    url: &str,
    auth: Option<&'a Credentials>,
) -> Option<&'a Credentials> {
    auth.filter(|_| origin(url).is_some() && origin(url) == origin(&repo.upload_url))
}

fn origin(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    Some(u.origin().ascii_serialization())
}

fn compare_with_index(
    client: &Client,
    check_url: &str,
    auth: Option<&Credentials>,
    planned: &mut [Planned],
    problems: &mut Vec<Problem>,
) -> Result<()> {
    let mut names: Vec<String> = planned
        .iter()
        .map(|p| crate::names::normalize(&p.name))
        .collect();
    names.sort();
    names.dedup();
    for name in names.iter().filter(|n| !n.is_empty()) {
        let listing = client.listing(check_url, name, auth)?;
        for p in planned
            .iter_mut()
            .filter(|p| crate::names::normalize(&p.name) == *name)
        {
            match checks::on_index(&p.file_name, &p.sha256, &listing) {
                checks::OnIndex::Absent => {}
                checks::OnIndex::Same(url) => {
                    p.action = Action::Skip;
                    p.url = Some(url);
                }
                checks::OnIndex::Different(problem) => problems.push(problem),
            }
        }
    }
    Ok(())
}

/// How one file's upload ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Uploaded,
    /// Already on the index with the same bytes.
    Skipped,
    Failed,
    /// Not tried: an earlier file failed.
    NotTried,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    pub file_name: String,
    pub sha256: String,
    pub size: u64,
    pub status: Status,
    /// Tries made (0 when skipped).
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The result of [`upload`].
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub repository: String,
    pub files: Vec<Sent>,
    /// The projects' pages for people (PyPI and TestPyPI).
    pub project_urls: Vec<String>,
    /// What went wrong, with what to do; `None` when everything arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Upload every file [`check`] did not skip. Refuses outright when a check
/// failed: then nothing is sent.
pub fn upload(
    checked: &Checked,
    repo: &Repository,
    credentials: &Credentials,
    policy: retry::Policy,
    progress: &dyn Progress,
) -> Result<Outcome> {
    if !checked.ok() {
        return Err(Error::Publish(format!(
            "nothing was uploaded: {} problem(s) found before upload",
            checked.problems.len()
        )));
    }
    let client = Client::new();
    let check_url = checked.check_url.as_deref().unwrap_or("");
    let auth = same_server_url(repo, check_url, Some(credentials));
    let mut files = Vec::new();
    let mut error = None;
    for p in &checked.files {
        if error.is_some() {
            files.push(sent(p, Status::NotTried, 0, None, None));
            continue;
        }
        if p.action == Action::Skip {
            files.push(sent(
                p,
                Status::Skipped,
                0,
                p.url.clone(),
                Some("already on the index with the same sha256".into()),
            ));
            continue;
        }
        let (s, failure) = upload_one(
            &client,
            p,
            repo,
            credentials,
            (check_url, auth),
            policy,
            progress,
        );
        error = failure;
        files.push(s);
    }
    let mut project_urls: Vec<String> = checked
        .files
        .iter()
        .filter_map(|p| repo.project_page(&crate::names::normalize(&p.name), &p.version))
        .collect();
    project_urls.dedup();
    Ok(Outcome {
        repository: checked.repository.clone(),
        files,
        project_urls,
        error,
    })
}

fn sent(
    p: &Planned,
    status: Status,
    attempts: u32,
    url: Option<String>,
    note: Option<String>,
) -> Sent {
    Sent {
        file_name: p.file_name.clone(),
        sha256: p.sha256.clone(),
        size: p.size,
        status,
        attempts,
        url,
        note,
    }
}

fn upload_one(
    client: &Client,
    p: &Planned,
    repo: &Repository,
    credentials: &Credentials,
    (check_url, auth): (&str, Option<&Credentials>),
    policy: retry::Policy,
    progress: &dyn Progress,
) -> (Sent, Option<String>) {
    let Some(form) = &p.form else {
        return (
            sent(p, Status::Failed, 0, None, None),
            Some(format!("{}: no metadata to send", p.file_name)),
        );
    };
    let name = crate::names::normalize(&p.name);
    let find = || -> Option<String> {
        let listing = client.listing(check_url, &name, auth).ok()?;
        match checks::on_index(&p.file_name, &p.sha256, &listing) {
            checks::OnIndex::Same(url) => Some(url),
            _ => None,
        }
    };
    let ending = retry::run(
        policy,
        |_| {
            progress.step("upload");
            progress.start(p.size);
            client.upload(&repo.upload_url, credentials, &p.path, form, progress)
        },
        || find().is_some(),
        std::thread::sleep,
    );
    match ending {
        retry::Ending::Uploaded { attempts } => {
            (sent(p, Status::Uploaded, attempts, find(), None), None)
        }
        retry::Ending::FoundAfterRetry { attempts } => {
            let note =
                "an earlier try reached the index although its answer was an error".to_string();
            (
                sent(p, Status::Uploaded, attempts, find(), Some(note)),
                None,
            )
        }
        retry::Ending::Failed {
            answer: Answer::Exists(_),
            attempts,
        } if find().is_some() => {
            let note = "the index already had it with the same sha256".to_string();
            (sent(p, Status::Skipped, attempts, find(), Some(note)), None)
        }
        retry::Ending::Failed { answer, attempts } => {
            let why = explain(&answer, p, repo, credentials, attempts);
            (
                sent(p, Status::Failed, attempts, None, None),
                Some(credentials.password.redact(&why)),
            )
        }
    }
}

/// The server's answer, verbatim, with what to do about it.
fn explain(
    answer: &Answer,
    p: &Planned,
    repo: &Repository,
    c: &Credentials,
    attempts: u32,
) -> String {
    let file = &p.file_name;
    let to = &repo.upload_url;
    match answer {
        Answer::Exists(reason) => format!(
            "{to} refused {file}: \"{reason}\". The index says the file name is taken but does not list it with these bytes (sha256 {}). What to do: a file name can never be reused, even after deletion; release a new version.",
            p.sha256
        ),
        Answer::Refused { status: 401, reason } => format!(
            "{to} did not accept the credentials from {} for user `{}` (HTTP 401: \"{reason}\"). What to do: check the user name and password; for PyPI the user is __token__ and the password an API token (https://pypi.org/manage/account/token/).",
            c.source, c.username
        ),
        Answer::Refused { status: 403, reason } => format!(
            "{to} refused {file} for user `{}` with the credentials from {} (HTTP 403: \"{reason}\"). What to do: the token must be valid, not expired, and scoped to this project (or the whole account for a first upload); the user must be allowed to upload to this project.",
            c.username, c.source
        ),
        Answer::Refused { status: 413, reason } => format!(
            "{to} refused {file} ({} bytes) as too large (HTTP 413: \"{reason}\"). What to do: PyPI allows 100 MB per file unless a larger limit is granted (https://pypi.org/help/#file-size-limit).",
            p.size
        ),
        Answer::Refused { status: 0, reason } => format!("{file}: {reason}"),
        Answer::Refused { status, reason } => format!(
            "{to} refused {file} (HTTP {status}: \"{reason}\"). What to do: fix what the message names (`gradient inspect {file}` shows the metadata sent), rebuild and publish again."
        ),
        Answer::Transient(reason) => format!(
            "{to} did not take {file} after {attempts} tries: {reason}. What to do: the index may be down or overloaded; publish again later (files already uploaded are skipped)."
        ),
        Answer::Created => String::new(),
    }
}

/// What `gradient build` wrote for `name` `version` into `dist`: the sdists
/// and wheels of exactly that release (older releases left there are not
/// published again), sorted with sdists first.
pub fn dist_files(dist: &Path, name: &str, version: &str) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dist).map_err(|e| Error::io(dist, e))?;
    let want = (
        crate::names::normalize(name),
        version.parse::<pep440_rs::Version>().ok(),
    );
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let file = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            release_of(&file).is_some_and(|(n, v)| {
                crate::names::normalize(&n) == want.0
                    && v.parse::<pep440_rs::Version>().ok() == want.1
            })
        })
        .collect();
    out.sort_by_key(|p| (p.extension().is_some_and(|e| e == "whl"), p.clone()));
    if out.is_empty() {
        return Err(Error::Publish(format!(
            "{} holds no sdist or wheel of {name} {version}: run `gradient build` first, or name the files",
            dist.display()
        )));
    }
    Ok(out)
}

/// Name and version from an sdist or wheel file name.
fn release_of(file: &str) -> Option<(String, String)> {
    if file.ends_with(".whl") {
        let w = crate::tags::WheelName::parse(file).ok()?;
        return Some((w.name, w.version));
    }
    let stem = file
        .strip_suffix(".tar.gz")
        .or_else(|| file.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    Some((name.to_string(), version.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dist_files_are_the_current_release_only() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "my_demo-1.0.tar.gz",
            "my_demo-1.0-py3-none-any.whl",
            "my_demo-0.9.tar.gz",
            "other-1.0.tar.gz",
            "notes.txt",
        ] {
            std::fs::write(dir.path().join(f), b"").unwrap();
        }
        let files = dist_files(dir.path(), "My-Demo", "1.0.0").unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["my_demo-1.0.tar.gz", "my_demo-1.0-py3-none-any.whl"]
        );
        let e = dist_files(dir.path(), "absent", "1").unwrap_err();
        assert!(e.to_string().contains("run `gradient build` first"), "{e}");
    }
}
