//! Frozen executables: the launcher (crates/launcher), then a zip payload
//! holding a relocatable Python runtime, the application's installed tree and
//! the shared libraries both need beyond the glibc family, then the trailer
//! (the payload format is `gradient_launcher`'s).
//!
//! The runtime is collected from an interpreter on the build machine: its
//! executable, libpython, the standard library without what applications
//! never need, and lib-dynload. Shared libraries are found by reading ELF
//! dependencies (DT_NEEDED, resolved through RUNPATH/RPATH and the system
//! directories), as the dynamic loader would.

use crate::apptree::AppTree;
use crate::elf;
use crate::entry_points::EntryPoint;
use crate::plan::{Container, Entry, Format, Origin, Plan, Source, ZipComment};
use crate::runtime::Target;
use crate::{Error, Result};
use gradient_launcher::{Manifest, MANIFEST, RECORD};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub mod smoke;

const BOOT: &str = include_str!("frozen/boot.py");

/// Standard-library directories applications never need (or that drag in
/// large system libraries: tkinter needs Tcl/Tk, nis needs Kerberos).
const STDLIB_LEFT_OUT: &[&str] = &[
    "test",
    "idlelib",
    "tkinter",
    "turtledemo",
    "ensurepip",
    "lib2to3",
    "site-packages",
    "__pycache__",
    "venv",
];
/// lib-dynload modules left out for the same reasons.
const DYNLOAD_LEFT_OUT: &[&str] = &["_tkinter", "nis", "_ctypes_test"];
/// Prefixes of lib-dynload modules that exist only for CPython's own tests.
const DYNLOAD_TEST_PREFIXES: &[&str] = &["_test", "xx", "_xx"];

/// A Python installation to freeze: a described interpreter's parts.
#[derive(Debug, Clone)]
pub struct Runtime {
    pub executable: PathBuf,
    pub version: (u32, u32),
    pub stdlib: PathBuf,
    pub dynload: PathBuf,
    pub libdir: Option<PathBuf>,
    /// File name of the shared libpython, when the interpreter links one.
    pub libpython: Option<String>,
}

impl Runtime {
    /// The runtime of `target`, which must have been described by running
    /// its interpreter (not parsed from a `--target` string).
    pub fn of(target: &Target) -> Result<Runtime> {
        let install = target.installation.clone().ok_or_else(|| {
            Error::Target(format!(
                "a frozen executable brings its own interpreter: name one with --python or --runtime instead of describing {}",
                target.label()
            ))
        })?;
        Ok(Runtime {
            executable: install.executable,
            version: target.version,
            stdlib: install.stdlib,
            dynload: install.dynload,
            libdir: install.libdir,
            libpython: install.libpython,
        })
    }

    /// `python3.12`
    pub fn name(&self) -> String {
        format!("python{}.{}", self.version.0, self.version.1)
    }

    /// Where site-packages goes inside the payload.
    pub fn site_packages(&self) -> String {
        format!("python/lib/{}/site-packages", self.name())
    }
}

/// Unpack a python-build-standalone `install_only` archive (`.tar.gz`,
/// holding `python/bin/python3`, `python/lib/...`) into
/// `cache/runtimes/<sha256>` (once: a temporary sibling renamed into place)
/// and return its interpreter.
pub fn unpack_runtime(archive: &Path, cache: &Path) -> Result<PathBuf> {
    let bad = |why: String| Error::Target(format!("{}: {why}", archive.display()));
    let bytes = std::fs::read(archive).map_err(|e| Error::io(archive, e))?;
    let key = crate::record::sha256_hex(&bytes);
    let runtimes = cache.join("runtimes");
    let dir = runtimes.join(&key);
    let interpreter = |dir: &Path| -> Option<PathBuf> {
        ["python/bin/python3", "python/install/bin/python3"]
            .iter()
            .map(|p| dir.join(p))
            .find(|p| p.exists())
    };
    if let Some(python) = interpreter(&dir) {
        return Ok(python);
    }
    let tmp = crate::atomic::AtomicDir::create(&dir).map_err(|e| Error::io(&runtimes, e))?;
    let gz = flate2::read::GzDecoder::new(bytes.as_slice());
    let mut tar = tar::Archive::new(gz);
    tar.set_preserve_permissions(true);
    // `unpack` refuses entries that would land outside the directory.
    tar.unpack(tmp.path())
        .map_err(|e| bad(format!("not a readable .tar.gz runtime: {e}")))?;
    if interpreter(tmp.path()).is_none() {
        return Err(bad(
            "no python/bin/python3 inside: not a python-build-standalone install_only archive"
                .into(),
        ));
    }
    // A concurrent build that unpacked it first wins; its copy is the same.
    let _ = tmp.commit();
    interpreter(&dir).ok_or_else(|| bad("unpacking failed".into()))
}

/// One file of the payload taken from disk (or generated).
pub(crate) fn put(entries: &mut Vec<Entry>, path: String, from: &Path, reason: &str) -> Result<()> {
    let meta = std::fs::metadata(from).map_err(|e| Error::io(from, e))?;
    let executable = {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            meta.permissions().mode() & 0o111 != 0
        }
        #[cfg(not(unix))]
        {
            false
        }
    };
    entries.push(Entry::file(
        path,
        from.to_path_buf(),
        meta.len(),
        executable,
        reason,
    ));
    Ok(())
}

/// Plan the executable. `tree` was installed with site-packages at
/// [`Runtime::site_packages`]; `launcher` is the stub's bytes.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    name_version: (&str, &str),
    tree: &AppTree,
    runtime: &Runtime,
    bytecode: Option<&StdlibBytecode>,
    entry: &EntryPoint,
    launcher: Arc<[u8]>,
    key: [u8; 32],
    mtime: u64,
    scratch: &Path,
) -> Result<Plan> {
    let name = name_version.0;
    let strip = elf::strip::Strip::new(scratch)?;
    let mut entries = payload(tree, runtime, bytecode, &strip, "lib", &mut |_, _| false)?;
    launch(&mut entries, name_version, runtime, entry)?;
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let record_size = crate::record::record_size(&entries, RECORD);
    entries.push(Entry::derived(
        RECORD,
        Source::Record,
        record_size,
        "sha256 of every file, for GRADIENT_EXE=verify",
    ));
    Ok(Plan {
        format: Format::Exe,
        file_name: if entry.name.contains(':') {
            crate::names::normalize(name)
        } else {
            entry.name.clone()
        },
        entries,
        excluded: Vec::new(),
        mtime,
        container: Container::Zip {
            preamble: launcher,
            comment: Some(trailer(key)),
        },
    })
}

/// Everything a self-contained application holds, paths relative to its
/// home: the interpreter pointed at its libpython, the standard library
/// without what applications never need, its extension modules stripped,
/// the installed tree, and in `libs/` the shared libraries they need that
/// `provided(soname, path)` does not say the target system has. Frozen
/// executables, bundled Debian packages and images hold this.
pub fn payload(
    tree: &AppTree,
    runtime: &Runtime,
    bytecode: Option<&StdlibBytecode>,
    strip: &elf::strip::Strip,
    libs: &str,
    provided: &mut dyn FnMut(&str, &Path) -> bool,
) -> Result<Vec<Entry>> {
    let mut entries = vec![interpreter(runtime, strip)?];
    if let Some(lib) = &runtime.libpython {
        let dir = runtime
            .libdir
            .clone()
            .unwrap_or_else(|| runtime.stdlib.join(".."));
        put(
            &mut entries,
            format!("python/lib/{lib}"),
            &strip.copy(&dir.join(lib)),
            "libpython",
        )?;
    }
    mark(&mut entries, 0, &|_| Origin::Runtime);
    let from = entries.len();
    standard_library(&mut entries, runtime, uses_tkinter(tree), bytecode)?;
    strip_dynload(&mut entries, strip)?;
    mark(&mut entries, from, &|_| Origin::StandardLibrary);
    let from = entries.len();
    for f in &tree.files {
        put(
            &mut entries,
            f.path.clone(),
            &tree.root.join(&f.path),
            "application",
        )?;
    }
    let owners = tree.owners();
    mark(&mut entries, from, &|path| owners.origin(path));
    let from = entries.len();
    libraries(&mut entries, runtime, libs, provided)?;
    mark(&mut entries, from, &|_| Origin::SharedLibrary);
    Ok(entries)
}

/// Mark the entries from `from` on with the origin `of` their path.
fn mark(entries: &mut [Entry], from: usize, of: &dyn Fn(&str) -> Origin) {
    for e in entries.iter_mut().skip(from) {
        e.origin = of(&e.path);
    }
}

/// The interpreter, stripped and pointed at the bundled libpython.
fn interpreter(runtime: &Runtime, strip: &elf::strip::Strip) -> Result<Entry> {
    let executable = strip.copy(&runtime.executable);
    let bytes = std::fs::read(&executable).map_err(|e| Error::io(&executable, e))?;
    let bytes = elf::patch::relocate_runpath(&bytes, "$ORIGIN/../lib").unwrap_or(bytes);
    let mut interpreter = Entry::bytes(
        format!("python/bin/{}", runtime.name()),
        bytes,
        "the interpreter",
    );
    interpreter.mode = 0o755;
    Ok(interpreter)
}

/// The standard library's bytecode, compiled at build time: a first run
/// would otherwise compile every module it imports from the standard
/// library (cookiecutter's: 122, a second of its first start), and an
/// image's read-only tree would do so on every start.
#[derive(Debug, Clone)]
pub struct StdlibBytecode {
    /// Mirrors the standard library's directory.
    pub root: PathBuf,
    pub files: Vec<crate::apptree::TreeFile>,
}

/// Compile the standard library a payload of `runtime` and `tree` holds
/// into `into` (PEP 3147 `__pycache__` placement, as the tree's own).
pub fn compile_stdlib(
    runtime: &Runtime,
    tree: &AppTree,
    into: &Path,
    compiler: &crate::apptree::Compiler,
) -> Result<StdlibBytecode> {
    let sources = stdlib_files(runtime, uses_tkinter(tree))?;
    let files = crate::apptree::compile_library(&runtime.stdlib, &sources, into, compiler)?;
    Ok(StdlibBytecode {
        root: into.to_path_buf(),
        files,
    })
}

/// The files of the standard library a payload keeps (relative to its
/// directory): not what applications never need, tkinter only when `tk`
/// (the application imports it), no bytecode of the build machine's. What
/// is left out is never descended into: the build interpreter's own
/// site-packages can hold thousands of directories.
fn stdlib_files(runtime: &Runtime, tk: bool) -> Result<Vec<String>> {
    let left_out = |rel: &str| {
        let top = rel.split('/').next().unwrap_or(rel);
        (STDLIB_LEFT_OUT.contains(&top) && !(tk && top == "tkinter"))
            || top.starts_with("config-")
            || rel
                .split('/')
                .any(|c| c == "__pycache__" || c == "tests" || c == "idle_test")
            || rel.ends_with(".pyc")
            || rel.ends_with(".a")
    };
    let mut stdlib = Vec::new();
    walk(&runtime.stdlib, "", &left_out, &mut stdlib)?;
    Ok(stdlib)
}

/// The standard library and its extension modules, without what
/// applications never need, with its `bytecode` when compiled.
fn standard_library(
    entries: &mut Vec<Entry>,
    runtime: &Runtime,
    tk: bool,
    bytecode: Option<&StdlibBytecode>,
) -> Result<()> {
    let py = runtime.name();
    for rel in stdlib_files(runtime, tk)? {
        put(
            entries,
            format!("python/lib/{py}/{rel}"),
            &runtime.stdlib.join(&rel),
            "standard library",
        )?;
    }
    if let Some(bytecode) = bytecode {
        entries.extend(bytecode.files.iter().map(|f| {
            let from = bytecode.root.join(&f.path);
            let path = format!("python/lib/{py}/{}", f.path);
            Entry::file(path, from, f.size, false, "standard library bytecode")
        }));
    }
    if !runtime.dynload.starts_with(&runtime.stdlib) {
        let mut dynload = Vec::new();
        walk(&runtime.dynload, "", &|_| false, &mut dynload)?;
        for rel in dynload {
            put(
                entries,
                format!("python/lib/{py}/lib-dynload/{rel}"),
                &runtime.dynload.join(&rel),
                "extension module of the standard library",
            )?;
        }
    }
    entries.retain(|e| {
        let module = e
            .path
            .rsplit('/')
            .next()
            .unwrap_or("")
            .split('.')
            .next()
            .unwrap_or("");
        let test_only = DYNLOAD_TEST_PREFIXES.iter().any(|p| module.starts_with(p));
        let left_out = DYNLOAD_LEFT_OUT.contains(&module) && !(tk && module == "_tkinter");
        !(e.path.contains("/lib-dynload/") && (left_out || test_only))
    });
    Ok(())
}

/// Debug information is most of the runtime's native code and no use to
/// the application: strip lib-dynload (the application's own files stay as
/// built).
fn strip_dynload(entries: &mut [Entry], strip: &elf::strip::Strip) -> Result<()> {
    for e in entries
        .iter_mut()
        .filter(|e| e.path.contains("/lib-dynload/"))
    {
        if let Source::File { path } = &e.source {
            let stripped = strip.copy(path);
            e.size = std::fs::metadata(&stripped)
                .map_err(|err| Error::io(&stripped, err))?
                .len();
            e.source = Source::File { path: stripped };
        }
    }
    Ok(())
}

/// Shared libraries the ELF files need that the target may lack, into
/// `libs/`.
fn libraries(
    entries: &mut Vec<Entry>,
    runtime: &Runtime,
    libs: &str,
    provided: &mut dyn FnMut(&str, &Path) -> bool,
) -> Result<()> {
    let present: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| e.path.rsplit('/').next().map(str::to_string))
        .collect();
    let mut objects: Vec<PathBuf> = entries
        .iter()
        .filter_map(|e| match &e.source {
            Source::File { path } if elf::resolve::is_elf(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    objects.push(runtime.executable.clone());
    let libdirs: Vec<PathBuf> = runtime.libdir.iter().cloned().collect();
    for (soname, from) in elf::resolve::needed_libraries(objects, &libdirs, &present, provided)? {
        put(
            entries,
            format!("{libs}/{soname}"),
            &from,
            "shared library it needs",
        )?;
    }
    Ok(())
}

/// What to run: the boot script and the launcher's manifest.
fn launch(
    entries: &mut Vec<Entry>,
    (name, version): (&str, &str),
    runtime: &Runtime,
    entry: &EntryPoint,
) -> Result<()> {
    let boot = entry
        .reference()?
        .fill(BOOT)
        .replace("@SITE_PACKAGES@", &runtime.site_packages());
    entries.push(Entry::bytes(
        ".gradient/boot.py",
        boot.into_bytes(),
        format!("runs {} ({})", entry.name, entry.object),
    ));
    let manifest = Manifest {
        app: format!("{}-{version}", crate::names::normalize(name)),
        program: format!("python/bin/{}", runtime.name()),
        args: vec!["-I".into(), "{root}/.gradient/boot.py".into()],
        library_path: vec!["lib".into(), "python/lib".into()],
    };
    entries.push(Entry::bytes(
        MANIFEST,
        manifest.render().into_bytes(),
        "what the launcher runs",
    ));
    Ok(())
}

/// The launcher's trailer (`gradient_launcher::Trailer`) as the payload
/// zip's comment: where the payload starts, how long it is, and its key.
fn trailer(key: [u8; 32]) -> ZipComment {
    ZipComment {
        len: gradient_launcher::TRAILER_LEN as u16,
        render: std::sync::Arc::new(move |payload_offset, end| {
            gradient_launcher::Trailer {
                version: gradient_launcher::FORMAT_VERSION,
                payload_offset,
                payload_size: end - payload_offset,
                key,
            }
            .encode()
            .to_vec()
        }),
    }
}

/// Whether any module of the application imports tkinter (a line starting
/// `import tkinter` or `from tkinter`).
fn uses_tkinter(tree: &AppTree) -> bool {
    tree.files
        .iter()
        .filter(|f| f.path.ends_with(".py"))
        .any(|f| {
            std::fs::read_to_string(tree.root.join(&f.path)).is_ok_and(|text| {
                text.lines().any(|l| {
                    let l = l.trim_start();
                    l.starts_with("import tkinter") || l.starts_with("from tkinter")
                })
            })
        })
}

/// The regular files under `dir` (relative, sorted), except what
/// `left_out(rel)` names, files or whole directories.
fn walk(
    dir: &Path,
    prefix: &str,
    left_out: &dyn Fn(&str) -> bool,
    out: &mut Vec<String>,
) -> Result<()> {
    let mut items: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .collect();
    items.sort_by_key(|e| e.file_name());
    for item in items {
        let name = item.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name
        } else {
            format!("{prefix}/{name}")
        };
        if left_out(&rel) {
            continue;
        }
        let kind = item.file_type().map_err(|e| Error::io(item.path(), e))?;
        if kind.is_dir() {
            walk(&item.path(), &rel, left_out, out)?;
        } else if kind.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apptree::{Layout, TreeFile};

    fn tree(files: &[(&str, &str)]) -> (tempfile::TempDir, AppTree) {
        let dir = tempfile::tempdir().unwrap();
        let mut list = Vec::new();
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, text).unwrap();
            list.push(TreeFile {
                path: path.to_string(),
                size: text.len() as u64,
                executable: false,
                sha256: [0; 32],
            });
        }
        let t = AppTree {
            root: dir.path().to_path_buf(),
            layout: Layout::standard("/usr/bin/python3"),
            files: list,
            distributions: Vec::new(),
            scripts: Vec::new(),
            native: false,
        };
        (dir, t)
    }

    #[test]
    fn tkinter_only_for_applications_that_import_it() {
        let (_d, plain) = tree(&[(
            "site-packages/app.py",
            "# mentions tkinter in a comment\nimport os\n",
        )]);
        assert!(!uses_tkinter(&plain));
        let (_d, gui) = tree(&[(
            "site-packages/app.py",
            "import os\n    from tkinter import ttk\n",
        )]);
        assert!(uses_tkinter(&gui));
    }
}
