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
use crate::plan::{Entry, Format, Plan, Source};
use crate::runtime::Target;
use crate::zipapp::EntryPoint;
use crate::{Error, Result};
use gradient_launcher::{Manifest, MANIFEST, RECORD};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// The C library and the loader, which the target system provides and which
/// must match its kernel: never bundled.
const GLIBC_FAMILY: &[&str] = &[
    "libc.so.6",
    "libm.so.6",
    "libdl.so.2",
    "libpthread.so.0",
    "librt.so.1",
    "libutil.so.1",
    "libresolv.so.2",
    "libanl.so.1",
    "libBrokenLocale.so.1",
    "libmvec.so.1",
    "libnsl.so.1",
    "libnss_files.so.2",
    "libnss_dns.so.2",
    "libthread_db.so.1",
    "libc_malloc_debug.so.0",
];

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
    std::fs::create_dir_all(&runtimes).map_err(|e| Error::io(&runtimes, e))?;
    let tmp = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(&runtimes)
        .map_err(|e| Error::io(&runtimes, e))?;
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
    let unpacked = tmp.keep();
    if std::fs::rename(&unpacked, &dir).is_err() {
        let _ = std::fs::remove_dir_all(&unpacked);
    }
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
    entry: &EntryPoint,
    launcher: Vec<u8>,
    key: [u8; 32],
    mtime: u64,
    scratch: &Path,
) -> Result<Plan> {
    let (name, version) = name_version;
    let mut entries = payload(tree, runtime, scratch)?;
    let py = runtime.name();

    // What to run.
    let (module, attr) = entry
        .object
        .split_once(':')
        .ok_or_else(|| Error::Plan(format!("entry point `{}` has no `:attr`", entry.object)))?;
    let boot = BOOT
        .replace("@MODULE@", module)
        .replace("@HEAD@", attr.split('.').next().unwrap_or(attr))
        .replace("@ATTR@", attr);
    entries.push(Entry::bytes(
        ".gradient/boot.py",
        boot.into_bytes(),
        format!("runs {} ({})", entry.name, entry.object),
    ));
    let manifest = Manifest {
        app: format!("{}-{version}", crate::names::normalize(name)),
        program: format!("python/bin/{py}"),
        args: vec!["-I".into(), "{root}/.gradient/boot.py".into()],
        library_path: vec!["lib".into(), "python/lib".into()],
    };
    entries.push(Entry::bytes(
        MANIFEST,
        manifest.render().into_bytes(),
        "what the launcher runs",
    ));
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    let record_size = crate::record::record_size(&entries, RECORD);
    entries.push(Entry {
        path: RECORD.into(),
        source: Source::Record,
        mode: 0o644,
        size: record_size,
        reason: "sha256 of every file, for GRADIENT_EXE=verify".into(),
    });
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
        preamble: launcher,
        trailer_key: Some(key),
    })
}

/// [`runtime_entries`] and the shared libraries the ELF files need that the
/// target may lack (`lib/<soname>`): everything a self-contained application
/// holds. Shared by frozen executables and container images.
pub fn payload(tree: &AppTree, runtime: &Runtime, scratch: &Path) -> Result<Vec<Entry>> {
    let mut entries = runtime_entries(tree, runtime, scratch)?;
    let present: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| e.path.rsplit('/').next().map(str::to_string))
        .collect();
    for (soname, from) in bundled_libraries(
        &entries,
        std::slice::from_ref(&runtime.executable),
        Some(runtime),
        &present,
        &mut |_, _| false,
    )? {
        put(
            &mut entries,
            format!("lib/{soname}"),
            &from,
            "shared library it needs",
        )?;
    }
    Ok(entries)
}

/// The runtime and the application as payload entries (paths relative to
/// the runtime's home: `python/bin/python3.X`, `python/lib/...`): the
/// interpreter pointed at its libpython, the standard library without what
/// applications never need, its extension modules, debug information
/// stripped, and the installed tree.
pub fn runtime_entries(tree: &AppTree, runtime: &Runtime, scratch: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    let py = runtime.name();

    // The interpreter, pointed at the bundled libpython.
    let strip = Strip::new(scratch)?;
    let executable = strip.copy(&runtime.executable);
    let exe_bytes = std::fs::read(&executable).map_err(|e| Error::io(&executable, e))?;
    let exe_bytes = relocate_runpath(&exe_bytes, "$ORIGIN/../lib").unwrap_or(exe_bytes);
    let mut interpreter = Entry::bytes(format!("python/bin/{py}"), exe_bytes, "the interpreter");
    interpreter.mode = 0o755;
    entries.push(interpreter);
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

    // The standard library and its extension modules; tkinter only for an
    // application that imports it.
    let tk = uses_tkinter(tree);
    let mut stdlib = Vec::new();
    walk(&runtime.stdlib, "", &mut stdlib)?;
    for rel in stdlib {
        let top = rel.split('/').next().unwrap_or(&rel);
        let skip = (STDLIB_LEFT_OUT.contains(&top) && !(tk && top == "tkinter"))
            || top.starts_with("config-")
            || rel
                .split('/')
                .any(|c| c == "__pycache__" || c == "tests" || c == "idle_test")
            || rel.ends_with(".pyc")
            || rel.ends_with(".a");
        if !skip {
            put(
                &mut entries,
                format!("python/lib/{py}/{rel}"),
                &runtime.stdlib.join(&rel),
                "standard library",
            )?;
        }
    }
    if !runtime.dynload.starts_with(&runtime.stdlib) {
        let mut dynload = Vec::new();
        walk(&runtime.dynload, "", &mut dynload)?;
        for rel in dynload {
            put(
                &mut entries,
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

    // Debug information is most of the runtime's native code and no use to
    // the application: strip it (the application's own files stay as built).
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

    // The application.
    for f in &tree.files {
        put(
            &mut entries,
            f.path.clone(),
            &tree.root.join(&f.path),
            "application",
        )?;
    }

    Ok(entries)
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

/// `strip --strip-debug` into a scratch directory, when binutils' strip is
/// on this machine; otherwise files are used as they are.
struct Strip {
    dir: PathBuf,
    available: bool,
}

impl Strip {
    fn new(scratch: &Path) -> Result<Strip> {
        let dir = scratch.join("stripped");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let available = Command::new("strip")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        Ok(Strip { dir, available })
    }

    /// The stripped copy of `file`, or `file` itself.
    fn copy(&self, file: &Path) -> PathBuf {
        if !self.available || !is_elf(file) {
            return file.to_path_buf();
        }
        let name = file
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let out = self.dir.join(name);
        let ok = Command::new("strip")
            .arg("--strip-debug")
            .arg("-o")
            .arg(&out)
            .arg(file)
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            out
        } else {
            file.to_path_buf()
        }
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
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
        let kind = item.file_type().map_err(|e| Error::io(item.path(), e))?;
        if kind.is_dir() {
            walk(&item.path(), &rel, out)?;
        } else if kind.is_file() {
            out.push(rel);
        }
    }
    Ok(())
}

/// The libraries (soname → file) every ELF entry needs, transitively, that
/// are neither in the glibc family nor already in the payload.
///
/// `provided(soname, path)` says the target system provides a library (a
/// Debian package's Depends): it is then neither bundled nor followed.
/// `roots` are further objects to read (files the entries hold as bytes);
/// `runtime` adds its library directory to the search.
pub fn bundled_libraries(
    entries: &[Entry],
    roots: &[PathBuf],
    runtime: Option<&Runtime>,
    present: &BTreeSet<String>,
    provided: &mut dyn FnMut(&str, &Path) -> bool,
) -> Result<BTreeMap<String, PathBuf>> {
    let mut queue: Vec<PathBuf> = entries
        .iter()
        .filter_map(|e| match &e.source {
            Source::File { path } if is_elf(path) => Some(path.clone()),
            _ => None,
        })
        .collect();
    queue.extend(roots.iter().cloned());
    let mut found: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
    while let Some(object) = queue.pop() {
        if !seen.insert(object.clone()) {
            continue;
        }
        let bytes = std::fs::read(&object).map_err(|e| Error::io(&object, e))?;
        let info = match elf::analyse(&object.to_string_lossy(), &bytes) {
            Ok(info) => info,
            Err(_) => continue,
        };
        let origin = object.parent().unwrap_or(Path::new("/"));
        for needed in &info.needed {
            if GLIBC_FAMILY.contains(&needed.as_str())
                || elf::is_loader(needed)
                || found.contains_key(needed)
            {
                continue;
            }
            let Some(at) = locate(needed, origin, &info.rpath, &info.runpath, runtime) else {
                return Err(Error::Plan(format!(
                    "{}: needs {needed}, which is not found on this machine",
                    object.display()
                )));
            };
            // Libraries shipped inside a wheel (auditwheel's `.libs`) are
            // already in the tree, found through their own RUNPATH.
            if present.contains(needed) && at.starts_with(origin.parent().unwrap_or(origin)) {
                continue;
            }
            if provided(needed, &at) {
                continue;
            }
            queue.push(at.clone());
            found.insert(needed.clone(), at);
        }
    }
    Ok(found)
}

pub(crate) fn is_elf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|()| &magic == b"\x7fELF")
        .unwrap_or(false)
}

/// Where the loader would find `needed` for an object in `origin`.
fn locate(
    needed: &str,
    origin: &Path,
    rpath: &[String],
    runpath: &[String],
    runtime: Option<&Runtime>,
) -> Option<PathBuf> {
    let expand = |p: &String| {
        PathBuf::from(
            p.replace("$ORIGIN", &origin.to_string_lossy())
                .replace("${ORIGIN}", &origin.to_string_lossy()),
        )
    };
    let mut dirs: Vec<PathBuf> = Vec::new();
    if runpath.is_empty() {
        dirs.extend(rpath.iter().map(expand));
    }
    dirs.extend(runpath.iter().map(expand));
    dirs.extend(runtime.and_then(|r| r.libdir.clone()));
    for d in [
        "/lib/x86_64-linux-gnu",
        "/usr/lib/x86_64-linux-gnu",
        "/lib/aarch64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/lib64",
        "/usr/lib64",
        "/lib",
        "/usr/lib",
        "/usr/local/lib",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs.into_iter()
        .map(|d| d.join(needed))
        .find(|p| p.is_file())
}

/// Rewrite an ELF file's DT_RUNPATH (or DT_RPATH) in place to `new`, when
/// the new string fits in the old one's space; `None` when there is none or
/// it does not fit (the loader path from the launcher then covers it).
pub fn relocate_runpath(bytes: &[u8], new: &str) -> Option<Vec<u8>> {
    let elf = goblin::elf::Elf::parse(bytes).ok()?;
    let dynamic = elf.dynamic.as_ref()?;
    let tag = dynamic.dyns.iter().find(|d| {
        d.d_tag == goblin::elf::dynamic::DT_RUNPATH || d.d_tag == goblin::elf::dynamic::DT_RPATH
    })?;
    let strtab = elf.section_headers.iter().find(|s| {
        s.sh_type == goblin::elf::section_header::SHT_STRTAB
            && s.sh_addr == dynamic.info.strtab as u64
    })?;
    let at = (strtab.sh_offset + tag.d_val) as usize;
    let old_len = bytes.get(at..)?.iter().position(|&b| b == 0)?;
    if new.len() > old_len {
        return None;
    }
    let mut out = bytes.to_vec();
    out[at..at + old_len].fill(0);
    out[at..at + new.len()].copy_from_slice(new.as_bytes());
    Some(out)
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

    #[test]
    fn runpath_is_rewritten_in_place_when_it_fits() {
        let out = Command::new("python3")
            .args([
                "-c",
                "import os, sys; print(os.path.realpath(sys.executable))",
            ])
            .output()
            .unwrap();
        let exe = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let bytes = std::fs::read(&exe).unwrap();
        let before = elf::analyse("python", &bytes).unwrap();
        let had = before.runpath.first().or(before.rpath.first()).cloned();
        match relocate_runpath(&bytes, "$ORIGIN/../lib") {
            Some(patched) => {
                assert_eq!(patched.len(), bytes.len());
                let after = elf::analyse("python", &patched).unwrap();
                let now = after.runpath.first().or(after.rpath.first()).cloned();
                assert_eq!(now.as_deref(), Some("$ORIGIN/../lib"));
                assert!(had.is_some_and(|h| h.len() >= "$ORIGIN/../lib".len()));
            }
            None => assert!(had.is_none_or(|h| h.len() < "$ORIGIN/../lib".len())),
        }
        // A longer path than the space holds is refused, not overflowed.
        assert!(relocate_runpath(&bytes, &"x".repeat(4096)).is_none());
    }
}
