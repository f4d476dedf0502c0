//! Bytecode for an installed tree, compiled by the target interpreter (the
//! magic number must be its own). Unchecked-hash .pyc files (PEP 552) carry
//! no timestamp, so the artifact stays reproducible and the interpreter never
//! re-validates them against the source.
//!
//! Compiling is most of an application build's time, and its output depends
//! only on the source, the name shown in tracebacks and the interpreter, so
//! compiled files are kept in a content-addressed store and a module is
//! compiled once per interpreter, not once per build.

use super::{AppTree, TreeFile};
use crate::record::hex;
use crate::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
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

/// The interpreter that compiles, and where compiled files are kept.
#[derive(Debug, Clone)]
pub struct Compiler {
    pub python: PathBuf,
    /// Everything besides the source that decides the bytecode: the
    /// interpreter's path, implementation and full version.
    pub identity: String,
    /// `sys.implementation.cache_tag`, e.g. `cpython-311`.
    pub cache_tag: String,
    /// The content-addressed store; `None` compiles everything every time.
    pub store: Option<PathBuf>,
}

#[derive(Serialize)]
struct Job<'a> {
    root: &'a str,
    files: Vec<(String, String, String)>,
}

/// One module to compile: source path, .pyc path, name in tracebacks, key.
struct Module {
    source: String,
    pyc: String,
    display: String,
    key: String,
}

/// Compile every module under the tree's site-packages; the .pyc files are
/// added to `tree.files`. Returns how many were written.
pub fn compile(tree: &mut AppTree, compiler: &Compiler, placement: PycPlacement) -> Result<usize> {
    let sp = tree.layout.site_packages.clone();
    let prefix = if sp.is_empty() {
        String::new()
    } else {
        format!("{sp}/")
    };
    let modules: Vec<Module> = tree
        .files
        .iter()
        .filter(|f| f.path.ends_with(".py") && f.path.starts_with(&prefix))
        .map(|f| {
            let display = f.path[prefix.len()..].to_string();
            let pyc = pyc_path(&f.path, compiler, placement);
            Module::new(f.path.clone(), pyc, display, &f.sha256, compiler)
        })
        .collect();
    let written = compile_modules(&tree.root, &modules, compiler)?;
    let count = written.len();
    tree.files.extend(written);
    tree.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(count)
}

/// Compile the modules `sources` (paths relative to `from`, an interpreter's
/// standard library) into `__pycache__` directories under `into`, which
/// mirrors `from`; returns the .pyc files written there. Each source is read
/// once, to key the store by its content.
pub fn compile_library(
    from: &Path,
    sources: &[String],
    into: &Path,
    compiler: &Compiler,
) -> Result<Vec<TreeFile>> {
    let mut modules = Vec::with_capacity(sources.len());
    for rel in sources.iter().filter(|rel| rel.ends_with(".py")) {
        let path = from.join(rel);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let pyc = pyc_path(rel, compiler, PycPlacement::Cache);
        let source = path.to_string_lossy().into_owned();
        modules.push(Module::new(
            source,
            pyc,
            rel.clone(),
            &Sha256::digest(&bytes),
            compiler,
        ));
    }
    compile_modules(into, &modules, compiler)
}

/// Where the bytecode of the module at `path` (`…/name.py`) goes.
fn pyc_path(path: &str, compiler: &Compiler, placement: PycPlacement) -> String {
    let stem = &path[..path.len() - 3];
    match placement {
        PycPlacement::Legacy => format!("{stem}.pyc"),
        PycPlacement::Cache => match stem.rsplit_once('/') {
            Some((dir, name)) => format!("{dir}/__pycache__/{name}.{}.pyc", compiler.cache_tag),
            None => format!("__pycache__/{stem}.{}.pyc", compiler.cache_tag),
        },
    }
}

impl Module {
    /// `source` as the compiler opens it (relative to the output root, or
    /// absolute); the store key covers everything the bytecode depends on.
    fn new(
        source: String,
        pyc: String,
        display: String,
        sha256: &[u8],
        compiler: &Compiler,
    ) -> Module {
        let mut key = Sha256::new();
        for part in [compiler.identity.as_bytes(), sha256, display.as_bytes()] {
            key.update(part);
            key.update([0]);
        }
        Module {
            source,
            pyc,
            display,
            key: hex(&key.finalize()),
        }
    }
}

/// The .pyc files of `modules` under `root`: taken from the store where it
/// has them, compiled (and remembered) where it does not.
fn compile_modules(root: &Path, modules: &[Module], compiler: &Compiler) -> Result<Vec<TreeFile>> {
    let mut misses = Vec::new();
    let mut written = Vec::new();
    for m in modules {
        let stored = compiler
            .store
            .as_ref()
            .map(|s| s.join(format!("{}.pyc", m.key)));
        // Shorter than a .pyc header (PEP 552: 16 bytes): a store write torn
        // by a crash before the batch was synced, compiled again.
        let bytes = stored.as_ref().and_then(|p| std::fs::read(p).ok());
        match bytes.filter(|b| b.len() >= 16) {
            Some(bytes) => written.push(place(root, &m.pyc, &bytes)?),
            None => {
                let failed = compiler
                    .store
                    .as_ref()
                    .is_some_and(|s| s.join(format!("{}.fails", m.key)).exists());
                if !failed {
                    misses.push(m);
                }
            }
        }
    }
    if !misses.is_empty() {
        written.extend(compile_misses(root, compiler, &misses)?);
    }
    Ok(written)
}

/// Compile the modules the store did not have, remember each result in
/// the store, and return the .pyc files written into the tree.
fn compile_misses(root: &Path, compiler: &Compiler, misses: &[&Module]) -> Result<Vec<TreeFile>> {
    // A set: a tree of 100,000 modules looked each up in the list of
    // compiled files, 5·10⁹ comparisons.
    let compiled: std::collections::HashSet<String> =
        run_all(root, compiler, misses)?.into_iter().collect();
    let mut written = Vec::new();
    for m in misses {
        let path = root.join(&m.pyc);
        let bytes = match compiled.contains(&m.pyc) {
            true => Some(std::fs::read(&path).map_err(|e| Error::io(&path, e))?),
            false => None,
        };
        if let Some(store) = &compiler.store {
            remember(store, m, bytes.as_deref());
        }
        if let Some(bytes) = bytes {
            written.push(TreeFile {
                path: m.pyc.clone(),
                size: bytes.len() as u64,
                executable: false,
                sha256: Sha256::digest(&bytes).into(),
            });
        }
    }
    if let Some(store) = &compiler.store {
        sync_store(store);
    }
    Ok(written)
}

/// Write a stored .pyc into the tree.
fn place(root: &Path, pyc: &str, bytes: &[u8]) -> Result<TreeFile> {
    let path = root.join(pyc);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    // A new file, not a write through an existing one: another layout's
    // tree may share that file's inode (`relayout` hard-links).
    let _ = std::fs::remove_file(&path);
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    Ok(TreeFile {
        path: pyc.to_string(),
        size: bytes.len() as u64,
        executable: false,
        sha256: Sha256::digest(bytes).into(),
    })
}

/// Keep a compiled file (or the fact that the module does not compile) in
/// the store. The store is a cache: failing to write it is not an error.
fn remember(store: &Path, m: &Module, compiled: Option<&[u8]>) {
    if std::fs::create_dir_all(store).is_err() {
        return;
    }
    let _ = match compiled {
        Some(bytes) => put(store, &format!("{}.pyc", m.key), bytes),
        None => put(store, &format!("{}.fails", m.key), b""),
    };
}

/// Write a store entry under a temporary name and rename it into place,
/// without an fsync of its own: 100,000 fsyncs took minutes; one
/// [`sync_store`] makes the batch durable.
fn put(store: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".gradient-")
        .tempfile_in(store)?;
    tmp.write_all(bytes)?;
    tmp.persist(store.join(name)).map_err(|e| e.error)?;
    Ok(())
}

/// Flush the store's file system once for all the entries just written
/// (best effort: a cache entry lost to a crash is compiled again).
fn sync_store(store: &Path) {
    #[cfg(target_os = "linux")]
    if let Ok(dir) = std::fs::File::open(store) {
        use std::os::fd::AsRawFd;
        // SAFETY: syncfs only reads the descriptor, which `dir` keeps open.
        unsafe {
            libc::syncfs(dir.as_raw_fd());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = store;
}

/// Compile `modules` with one interpreter process per core.
fn run_all(root: &Path, compiler: &Compiler, modules: &[&Module]) -> Result<Vec<String>> {
    let root = root.to_string_lossy().into_owned();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(modules.len().div_ceil(50).max(1));
    let chunk = modules.len().div_ceil(workers);
    let results: Vec<Result<Vec<String>>> = std::thread::scope(|s| {
        let handles: Vec<_> = modules
            .chunks(chunk)
            .map(|part| {
                let job = Job {
                    root: &root,
                    files: part
                        .iter()
                        .map(|m| (m.source.clone(), m.pyc.clone(), m.display.clone()))
                        .collect(),
                };
                s.spawn(move || run(&compiler.python, &job))
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
    let mut all = Vec::new();
    for r in results {
        all.extend(r?);
    }
    Ok(all)
}

fn run(python: &Path, job: &Job<'_>) -> Result<Vec<String>> {
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
