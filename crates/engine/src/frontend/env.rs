//! Isolated build environments (PEP 517 § "Build environment"), cached by
//! content: a virtual environment holding exactly the resolved build
//! requirements, at `<cache>/build-envs/<key>` where the key hashes the
//! interpreter and every resolved wheel. The same requirements resolve to
//! the same directory for every build of every project, so a backend that
//! keeps absolute paths in its own build cache finds them again.
//!
//! Concurrency: an exclusive lock on `<key>.lock` while an environment is
//! created (a second build waits, then finds it complete), a shared lock
//! while one is used. An environment is complete once its marker file is
//! written last; one without it is damaged and is made again. Each use
//! stamps the lock file's time; environments unused for 30 days are removed
//! (under their exclusive lock) when a new one is made.

use crate::apptree::{self, Layout, WheelData, WheelInput};
use crate::closure::{self, Sources};
use crate::progress::{Progress, Silent};
use crate::runtime::Target;
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Written last into a finished environment.
const MARKER: &str = "gradient-env.json";

/// A ready build environment, shared-locked while this value lives.
#[derive(Debug)]
pub struct Env {
    pub root: PathBuf,
    pub python: PathBuf,
    /// The resolved requirements, `name==version`, sorted.
    pub installed: Vec<String>,
    /// It existed already (this build reused it).
    pub reused: bool,
    _lock: File,
}

impl Env {
    pub fn bin(&self) -> PathBuf {
        self.root.join("bin")
    }
}

/// Where build environments live under a cache directory.
pub fn envs_dir(cache: &Path) -> PathBuf {
    cache.join("build-envs")
}

/// Resolve `requirements` for `target`, then return the environment that
/// holds exactly that set, creating it when absent or damaged.
/// `forbidden` names distributions whose presence is a build-requirement
/// cycle (PEP 517 § "Build requirements": the project itself).
pub fn ensure(
    target: &Target,
    requirements: &[String],
    forbidden: &[String],
    sources: &Sources,
    progress: &dyn Progress,
) -> Result<Env> {
    let closure = closure::resolve(
        ("build-requirements", "0"),
        requirements,
        target,
        sources,
        &Silent,
    )
    .map_err(|e| Error::Closure(format!("build requirements {requirements:?}: {e}")))?;
    if let Some(w) = closure.wheels.iter().find(|w| forbidden.contains(&w.name)) {
        return Err(Error::Plan(format!(
            "build requirement cycle: building {} needs {} {} among its build requirements {requirements:?} (PEP 517 forbids cycles)",
            forbidden.join(" ← "),
            w.name,
            w.version
        )));
    }
    let interpreter = interpreter(target)?;
    let key = key(target, &interpreter, &closure);
    let cache = sources
        .cache
        .clone()
        .unwrap_or_else(closure::index::default_cache);
    let root = envs_dir(&cache).join(&key);
    let installed: Vec<String> = closure
        .wheels
        .iter()
        .map(|w| format!("{}=={}", w.name, w.version))
        .collect();
    let lock_path = envs_dir(&cache).join(format!("{key}.lock"));
    std::fs::create_dir_all(envs_dir(&cache)).map_err(|e| Error::io(envs_dir(&cache), e))?;
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| Error::io(&lock_path, e))?;
    let mut reused = complete(&root);
    if !reused {
        lock.lock().map_err(|e| Error::io(&lock_path, e))?;
        reused = complete(&root);
        if !reused {
            progress.step("environment");
            prune(&envs_dir(&cache), MAX_UNUSED);
            create(&root, &interpreter, &closure, target, &installed, progress)?;
        }
        lock.unlock().map_err(|e| Error::io(&lock_path, e))?;
    }
    lock.lock_shared().map_err(|e| Error::io(&lock_path, e))?;
    // The lock file's time says when the environment was last used.
    let _ = lock.set_modified(std::time::SystemTime::now());
    Ok(Env {
        python: root.join("bin").join("python"),
        root,
        installed,
        reused,
        _lock: lock,
    })
}

/// Environments not used for this long are removed when another is made.
const MAX_UNUSED: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Remove the environments under `dir` unused for longer than `max_unused`
/// (by their lock file's time), each only while holding its exclusive
/// lock, so none in use or being made is touched. Best effort: what
/// cannot be removed stays for the next time.
pub fn prune(dir: &Path, max_unused: std::time::Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(key) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".lock"))
        else {
            continue;
        };
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > max_unused);
        let Ok(lock) = File::options().write(true).open(&path) else {
            continue;
        };
        if stale && lock.try_lock().is_ok() {
            let _ = std::fs::remove_dir_all(dir.join(key));
            let _ = std::fs::remove_file(&path);
        }
    }
}

fn interpreter(target: &Target) -> Result<PathBuf> {
    target
        .installation
        .as_ref()
        .map(|i| i.executable.clone())
        .or_else(|| target.interpreter.clone())
        .ok_or_else(|| {
            Error::Target("a build needs an interpreter to run, not a description".into())
        })
}

/// The environment's content key: the interpreter and the resolved wheels.
fn key(target: &Target, interpreter: &Path, closure: &closure::Closure) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "{}\0{}\0{}\0",
        interpreter.display(),
        target.full_version,
        target.implementation
    ));
    for w in &closure.wheels {
        h.update(format!("{}\0{}\0", w.file_name, w.sha256));
    }
    let digest = h.finalize();
    format!(
        "{}-{}",
        target.cache_tag.as_deref().unwrap_or("py"),
        crate::record::hex(&digest[..12])
    )
}

fn complete(root: &Path) -> bool {
    root.join(MARKER).is_file() && root.join("bin").join("python").exists()
}

/// A virtual environment without pip, then every wheel installed into its
/// site-packages by the engine's installer; the marker last.
fn create(
    root: &Path,
    interpreter: &Path,
    closure: &closure::Closure,
    target: &Target,
    installed: &[String],
    progress: &dyn Progress,
) -> Result<()> {
    if root.exists() {
        progress.log(&format!(
            "rebuilding damaged build environment {}",
            root.display()
        ));
        std::fs::remove_dir_all(root).map_err(|e| Error::io(root, e))?;
    }
    let status = Command::new(interpreter)
        .args(["-m", "venv", "--without-pip"])
        .arg(root)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| Error::io(interpreter, e))?;
    if !status.success() {
        return Err(Error::Target(format!(
            "{}: creating a virtual environment at {} failed ({status})",
            interpreter.display(),
            root.display()
        )));
    }
    let (major, minor) = target.version;
    let python = root.join("bin").join("python");
    let layout = Layout {
        site_packages: format!("lib/python{major}.{minor}/site-packages"),
        scripts: "bin".into(),
        headers: format!("include/site/python{major}.{minor}"),
        data: String::new(),
        shebang: python.display().to_string(),
    };
    let wheels: Vec<WheelInput<'_>> = closure
        .wheels
        .iter()
        .map(|w| WheelInput {
            file_name: &w.file_name,
            data: WheelData::Bytes(&w.bytes),
        })
        .collect();
    apptree::install(&wheels, root, &layout, progress)?;
    let marker = serde_json::json!({ "interpreter": interpreter, "installed": installed });
    crate::atomic::replace_file(&root.join(MARKER), marker.to_string().as_bytes())
        .map_err(|e| Error::io(root.join(MARKER), e))
}
