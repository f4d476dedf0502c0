//! `gradient publish` (and `gradient build --publish`): check, then upload
//! sdists and wheels to PyPI, TestPyPI or any index speaking the upload API.

use crate::output::{human_size, TerminalProgress};
use clap::Args;
use gradient_engine::project::Project;
use gradient_engine::publish::credentials::{self, Keyring};
use gradient_engine::publish::{self, retry, Action, Checked, Outcome, Status};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct PublishArgs {
    /// sdists and wheels to upload. Default: those of the project's current
    /// version in ./dist (what `gradient build` just wrote).
    files: Vec<PathBuf>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Print a machine-readable result (checks, files, URLs) on stdout.
    #[arg(long)]
    json: bool,
}

/// Where to publish and how; shared with `gradient build --publish`.
#[derive(Args)]
pub struct TargetArgs {
    /// A repository named in ~/.pypirc, or pypi / testpypi. Default: pypi.
    #[arg(long, short = 'r', value_name = "NAME", help_heading = "Publishing")]
    repository: Option<String>,
    /// The upload endpoint, e.g. http://127.0.0.1:8080/ (overrides --repository).
    #[arg(long, value_name = "URL", help_heading = "Publishing")]
    repository_url: Option<String>,
    /// The index's simple API, asked which files it already has. Default:
    /// worked out from the upload URL.
    #[arg(long, value_name = "URL", help_heading = "Publishing")]
    check_url: Option<String>,
    /// The .pypirc to read. Default: ~/.pypirc.
    #[arg(long, value_name = "FILE", help_heading = "Publishing")]
    config_file: Option<PathBuf>,
    /// Check everything and show what would be uploaded; send nothing.
    #[arg(long, help_heading = "Publishing")]
    dry_run: bool,
    /// Do not look for a token in the system keyring.
    #[arg(long, help_heading = "Publishing")]
    no_keyring: bool,
}

pub fn publish(args: PublishArgs) -> ExitCode {
    let files = if args.files.is_empty() {
        match current_dist() {
            Ok(files) => files,
            Err(e) => return crate::output::fail(&e, args.json),
        }
    } else {
        args.files
    };
    let (value, code) = run(&files, &args.target, args.json);
    if args.json {
        crate::output::print_json(&value);
    }
    code
}

/// The current project's files in ./dist.
fn current_dist() -> gradient_engine::Result<Vec<PathBuf>> {
    let project = Project::load(std::path::Path::new("."))?;
    let dist = project.root.join("dist");
    publish::dist_files(&dist, &project.metadata.name, &project.metadata.version)
}

/// Check and upload `files`; prints the human report unless `json`. Returns
/// the JSON result (for `--json`) and the exit code.
pub fn run(files: &[PathBuf], target: &TargetArgs, json: bool) -> (serde_json::Value, ExitCode) {
    let failed = |message: String| {
        eprintln!("error: {message}");
        (
            serde_json::json!({ "error": { "message": message } }),
            ExitCode::from(1),
        )
    };
    let pypirc = target
        .config_file
        .clone()
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pypirc")));
    let mut repo = match publish::repository::resolve(
        target.repository.as_deref(),
        target.repository_url.as_deref(),
        pypirc.as_deref(),
    ) {
        Ok(r) => r,
        Err(e) => return failed(e.to_string()),
    };
    if target.check_url.is_some() {
        repo.check_url = target.check_url.clone();
    }
    let creds = if target.dry_run {
        None
    } else {
        let keyring: &dyn Keyring = if target.no_keyring {
            &credentials::NoKeyring
        } else {
            &credentials::SystemKeyring
        };
        match credentials::find(&repo, &|k| std::env::var(k).ok(), keyring) {
            Ok(c) => Some(c),
            Err(e) => return failed(e.to_string()),
        }
    };
    let checked = match publish::check(files, &repo, creds.as_ref()) {
        Ok(c) => c,
        Err(e) => return failed(redact(&e.to_string(), creds.as_ref())),
    };
    print_checks(&checked, json);
    let mut value = serde_json::json!({ "checked": checked, "dry_run": target.dry_run });
    if !checked.ok() {
        eprintln!(
            "error: nothing was uploaded: {} problem(s) found before upload",
            checked.problems.len()
        );
        return (value, ExitCode::from(1));
    }
    let Some(creds) = creds else {
        return (value, ExitCode::SUCCESS);
    };
    let progress = TerminalProgress::new(!json);
    let outcome = publish::upload(&checked, &repo, &creds, retry::Policy::default(), &progress);
    progress.finish();
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => return failed(redact(&e.to_string(), Some(&creds))),
    };
    print_outcome(&outcome, json);
    let code = if outcome.error.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    value["outcome"] = serde_json::to_value(&outcome).unwrap_or_default();
    (value, code)
}

fn redact(text: &str, creds: Option<&publish::Credentials>) -> String {
    creds.map_or_else(|| text.to_string(), |c| c.password.redact(text))
}

/// The files and what will happen to them (not with `--json`), then every
/// problem (always: stderr is for people either way).
fn print_checks(checked: &Checked, json: bool) {
    if !json {
        eprintln!("publishing to {}", checked.repository);
    }
    for p in checked.files.iter().filter(|_| !json) {
        let what = match p.action {
            Action::Upload => "will upload",
            Action::Skip => "on the index already (same sha256): skip",
            Action::Refuse => "refused",
        };
        eprintln!(
            "  {}  {} {} {}, {}: {what}",
            p.file_name,
            p.kind.name(),
            p.name,
            p.version,
            human_size(p.size)
        );
    }
    for problem in &checked.problems {
        let file = if problem.file.is_empty() {
            String::new()
        } else {
            format!("{}: ", problem.file)
        };
        eprintln!("problem: {file}{} {}", problem.code, problem.message);
    }
}

/// What happened to each file and the links (not with `--json`), then the
/// error (always).
fn print_outcome(outcome: &Outcome, json: bool) {
    for s in outcome.files.iter().filter(|_| !json) {
        let status = match s.status {
            Status::Uploaded => "uploaded",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::NotTried => "not tried",
        };
        let note = s
            .note
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let url = s.url.as_ref().map(|u| format!(" {u}")).unwrap_or_default();
        println!("{status} {}{url}{note}", s.file_name);
    }
    for url in outcome.project_urls.iter().filter(|_| !json) {
        println!("view at {url}");
    }
    if let Some(error) = &outcome.error {
        eprintln!("error: {error}");
    }
}
