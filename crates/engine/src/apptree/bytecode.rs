//! Bytecode for an installed tree, compiled by the target interpreter (the
//! magic number must be its own). Unchecked-hash .pyc files (PEP 552) carry
//! no timestamp, so the artifact stays reproducible and the interpreter never
//! re-validates them against the source.

use super::{AppTree, TreeFile};
use crate::{Error, Result};
use serde::Serialize;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const COMPILE: &str = include_str!("compile.py");

/// Where the .pyc files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PycPlacement {
    /// `module.pyc` beside `module.py`: the only bytecode zipimport reads.
    Legacy,
    /// `__pycache__/module.<tag>.pyc` (PEP 3147): for trees on disk.
    Cache,
}

#[derive(Serialize)]
struct Job<'a> {
    root: &'a str,
    placement: &'a str,
    files: Vec<(String, String)>,
}

/// Compile every module under the tree's site-packages with `python`; the
/// .pyc files are added to `tree.files`. Returns how many were written.
pub fn compile(tree: &mut AppTree, python: &Path, placement: PycPlacement) -> Result<usize> {
    let sp = tree.layout.site_packages.clone();
    let prefix = if sp.is_empty() {
        String::new()
    } else {
        format!("{sp}/")
    };
    let sources: Vec<(String, String)> = tree
        .files
        .iter()
        .filter(|f| f.path.ends_with(".py") && f.path.starts_with(&prefix))
        .map(|f| (f.path.clone(), f.path[prefix.len()..].to_string()))
        .collect();
    if sources.is_empty() {
        return Ok(0);
    }
    let root = tree.root.to_string_lossy().into_owned();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(sources.len().div_ceil(50).max(1));
    let chunk = sources.len().div_ceil(workers);
    let placement_name = match placement {
        PycPlacement::Legacy => "legacy",
        PycPlacement::Cache => "cache",
    };
    let results: Vec<Result<Vec<(String, u64)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .map(|files| {
                let job = Job {
                    root: &root,
                    placement: placement_name,
                    files: files.to_vec(),
                };
                s.spawn(move || run(python, &job))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::Target("bytecode compiler thread panicked".into()))
                })
            })
            .collect()
    });
    let mut count = 0;
    for r in results {
        for (path, size) in r? {
            count += 1;
            tree.files.push(TreeFile {
                path,
                size,
                executable: false,
            });
        }
    }
    tree.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(count)
}

fn run(python: &Path, job: &Job<'_>) -> Result<Vec<(String, u64)>> {
    let fail = |why: String| {
        Error::Target(format!(
            "{}: compiling bytecode failed: {why}",
            python.display()
        ))
    };
    let input = serde_json::to_vec(job).map_err(|e| fail(e.to_string()))?;
    let mut child = Command::new(python)
        .args(["-I", "-c", COMPILE])
        .env_remove("PYTHONDONTWRITEBYTECODE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| fail(e.to_string()))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&input).map_err(|e| fail(e.to_string()))?;
    }
    let out = child.wait_with_output().map_err(|e| fail(e.to_string()))?;
    if !out.status.success() {
        return Err(fail(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| fail(e.to_string()))
}
