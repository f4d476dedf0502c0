//! The installed tree of an application (AppTree): its wheel and the wheels
//! of its closure, installed into one directory as the binary distribution
//! format's "Installing a wheel" describes. Zipapps, frozen executables,
//! Debian packages and images are all planned from this tree.
//!
//! Per wheel: `WHEEL` is checked (Wheel-Version 1.x); every file is unpacked
//! to its scheme (purelib/platlib to `site-packages`, `.data/scripts` to
//! `bin` with `#!python` rewritten, `.data/headers`, `.data/data`), its hash
//! verified against RECORD on the way in; a file missing from RECORD, or a
//! RECORD row without its file, is an error. Console and GUI scripts get
//! launchers ("Entry points specification" § Use for scripts), and the
//! `.dist-info` gets `INSTALLER` and a RECORD of the installed paths
//! ("Recording installed projects").

mod bytecode;

use crate::inspect::{entry_points, record_check::csv_fields};
use crate::progress::Progress;
use crate::record::hash_b64;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use bytecode::{compile, Compiler, PycPlacement};

/// Entries larger than this are refused (a wheel is not a disk image).
const MAX_ENTRY: u64 = 2 << 30;

/// Where each installation scheme goes, relative to the tree's root
/// (`""` is the root itself).
#[derive(Debug, Clone, Serialize)]
pub struct Layout {
    /// purelib and platlib: an application owns its tree, so one directory.
    pub site_packages: String,
    pub scripts: String,
    pub headers: String,
    pub data: String,
    /// The interpreter line for launchers and `#!python` scripts.
    pub shebang: String,
}

impl Layout {
    /// `site-packages/`, `bin/`, `include/`, `data/` under the root.
    pub fn standard(shebang: &str) -> Layout {
        Layout {
            site_packages: "site-packages".into(),
            scripts: "bin".into(),
            headers: "include".into(),
            data: "data".into(),
            shebang: shebang.into(),
        }
    }
}

/// One installed file, by `/`-separated path relative to the tree's root.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TreeFile {
    pub path: String,
    pub size: u64,
    pub executable: bool,
    /// sha256 of the content, computed while it was written.
    #[serde(skip)]
    pub sha256: [u8; 32],
}

/// A console or GUI script some distribution declares.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Script {
    pub name: String,
    pub distribution: String,
    /// `module:attr`, extras removed.
    pub object: String,
    pub gui: bool,
}

/// An installed distribution.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Installed {
    pub name: String,
    pub version: String,
    pub dist_info: String,
}

/// The installed tree.
#[derive(Debug, Clone, Serialize)]
pub struct AppTree {
    pub root: PathBuf,
    pub layout: Layout,
    /// Every file, sorted by path.
    pub files: Vec<TreeFile>,
    pub distributions: Vec<Installed>,
    pub scripts: Vec<Script>,
    /// Extension modules or shared libraries are present: the tree cannot be
    /// imported from inside a zip.
    pub native: bool,
}

/// A wheel to install: its file name and bytes.
pub struct WheelInput<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
}

/// Install `wheels` into `root` (created; must not hold a previous tree).
pub fn install(
    wheels: &[WheelInput<'_>],
    root: &Path,
    layout: &Layout,
    progress: &dyn Progress,
) -> Result<AppTree> {
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    progress.start(wheels.iter().map(|w| w.bytes.len() as u64).sum());
    let claims: Mutex<HashMap<String, (String, [u8; 32])>> = Mutex::default();
    let results: Vec<Result<Installation>> = wheels
        .par_iter()
        .map(|w| {
            let r = install_one(w, root, layout, &claims);
            progress.advance(w.bytes.len() as u64);
            r
        })
        .collect();
    let mut files = Vec::new();
    let mut distributions = Vec::new();
    let mut scripts = Vec::new();
    for r in results {
        let one = r?;
        files.extend(one.files);
        distributions.push(one.installed);
        scripts.extend(one.scripts);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files.dedup_by(|a, b| a.path == b.path);
    distributions.sort_by(|a, b| a.name.cmp(&b.name));
    scripts.sort_by(|a, b| a.name.cmp(&b.name));
    let native = files.iter().any(|f| is_native(&f.path));
    Ok(AppTree {
        root: root.to_path_buf(),
        layout: layout.clone(),
        files,
        distributions,
        scripts,
        native,
    })
}

/// Extension modules and shared libraries: what zipimport cannot load.
pub fn is_native(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.ends_with(".so")
        || name.contains(".so.")
        || name.ends_with(".pyd")
        || name.ends_with(".dylib")
}

struct Installation {
    installed: Installed,
    files: Vec<TreeFile>,
    scripts: Vec<Script>,
}

/// `dir/rest`, where `dir` may be the root (`""`).
fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_string()
    } else {
        format!("{dir}/{rest}")
    }
}

/// A RECORD row's expected hash: (algorithm, urlsafe-b64 digest).
type Expected = Option<(String, String)>;

fn install_one(
    wheel: &WheelInput<'_>,
    root: &Path,
    layout: &Layout,
    claims: &Mutex<HashMap<String, (String, [u8; 32])>>,
) -> Result<Installation> {
    let file = wheel.file_name;
    let bad = |why: String| Error::Closure(format!("{file}: {why}"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(wheel.bytes))
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let mut infos: Vec<&str> = names
        .iter()
        .filter_map(|n| n.strip_suffix("/WHEEL"))
        .filter(|d| !d.contains('/') && d.ends_with(".dist-info"))
        .collect();
    infos.sort();
    infos.dedup();
    let dist_info = match infos.as_slice() {
        [one] => one.to_string(),
        [] => return Err(bad("no .dist-info/WHEEL".into())),
        _ => {
            return Err(bad(format!(
                "several .dist-info directories: {}",
                infos.join(", ")
            )))
        }
    };
    let read_small = |zip: &mut zip::ZipArchive<_>, path: &str| -> Result<String> {
        let bytes = read_metadata_file(zip, path).map_err(bad)?;
        String::from_utf8(bytes).map_err(|_| bad(format!("{path}: not UTF-8")))
    };
    let wheel_meta = read_small(&mut zip, &format!("{dist_info}/WHEEL"))?;
    let version = field(&wheel_meta, "Wheel-Version").unwrap_or_default();
    if !version.starts_with("1.") {
        return Err(bad(format!(
            "{dist_info}/WHEEL: Wheel-Version `{version}` is not 1.x; this installer supports 1.x"
        )));
    }
    let record_path = format!("{dist_info}/RECORD");
    let record_text = read_small(&mut zip, &record_path)?;
    let mut expected: BTreeMap<String, Expected> = BTreeMap::new();
    for line in record_text.lines().filter(|l| !l.trim().is_empty()) {
        let fields = csv_fields(line);
        let path = fields.first().cloned().unwrap_or_default();
        let hash = fields
            .get(1)
            .filter(|h| !h.is_empty())
            .and_then(|h| h.split_once('='))
            .map(|(a, d)| (a.to_string(), d.to_string()));
        expected.insert(path, hash);
    }
    let stem = dist_info.trim_end_matches(".dist-info");
    let (dist_name, dist_version) = stem
        .split_once('-')
        .ok_or_else(|| bad(format!("`{dist_info}` is not NAME-VERSION.dist-info")))?;
    let data_dir = format!("{stem}.data/");

    let mut files = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        check_member_path(&name).map_err(|why| bad(format!("{name}: {why}")))?;
        if name == record_path
            || name == format!("{dist_info}/RECORD.jws")
            || name == format!("{dist_info}/RECORD.p7s")
        {
            continue;
        }
        if !seen.insert(name.clone()) {
            return Err(bad(format!("{name}: appears twice in the archive")));
        }
        let Some(want) = expected.get(&name) else {
            return Err(bad(format!("{name}: not listed in RECORD")));
        };
        if entry.size() > MAX_ENTRY {
            return Err(bad(format!(
                "{name}: {} bytes is beyond the {MAX_ENTRY}-byte limit",
                entry.size()
            )));
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry
            .by_ref()
            .take(MAX_ENTRY + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| bad(format!("{name}: {e}")))?;
        let unix_mode = entry.unix_mode().unwrap_or(0o644);
        drop(entry);
        match want {
            Some((alg, digest)) => {
                check_hash(&bytes, alg, digest).map_err(|why| bad(format!("{name}: {why}")))?
            }
            None => return Err(bad(format!("{name}: its RECORD row has no hash"))),
        }
        let (dest, script) = match name.strip_prefix(&data_dir) {
            Some(rest) => {
                let (scheme, rest) = rest
                    .split_once('/')
                    .ok_or_else(|| bad(format!("{name}: not inside a scheme directory")))?;
                let dir = match scheme {
                    "purelib" | "platlib" => layout.site_packages.clone(),
                    "scripts" => layout.scripts.clone(),
                    "headers" => join(&layout.headers, dist_name),
                    "data" => layout.data.clone(),
                    other => return Err(bad(format!("{name}: unknown scheme `{other}`"))),
                };
                (join(&dir, rest), scheme == "scripts")
            }
            None => (join(&layout.site_packages, &name), false),
        };
        if script && bytes.starts_with(b"#!python") {
            let end = bytes
                .iter()
                .position(|&b| b == b'\n')
                .unwrap_or(bytes.len());
            let mut rewritten = format!("#!{}", layout.shebang).into_bytes();
            rewritten.extend_from_slice(&bytes[end..]);
            bytes = rewritten;
        }
        let executable = script || unix_mode & 0o111 != 0;
        files.push(write_claimed(root, dest, &bytes, executable, file, claims)?);
    }
    if let Some(missing) = expected.keys().find(|p| {
        **p != record_path && !seen.contains(*p) && !p.ends_with(".jws") && !p.ends_with(".p7s")
    }) {
        return Err(bad(format!(
            "{missing}: listed in RECORD but not in the archive"
        )));
    }

    // Launchers for console and GUI scripts.
    let mut scripts = Vec::new();
    let ep_path = format!("{dist_info}/entry_points.txt");
    if names.contains(&ep_path) {
        let text = read_small(&mut zip, &ep_path)?;
        let groups = entry_points::parse(text.as_bytes(), &ep_path, &mut Vec::new());
        for (group, gui) in [("console_scripts", false), ("gui_scripts", true)] {
            for (script_name, reference) in groups.get(group).into_iter().flatten() {
                if script_name.contains(['/', '\\'])
                    || script_name.starts_with('.')
                    || script_name.is_empty()
                {
                    return Err(bad(format!(
                        "{ep_path}: script name `{script_name}` is not a file name"
                    )));
                }
                if !entry_points::valid_reference(reference) || !reference.contains(':') {
                    return Err(bad(format!(
                        "{ep_path}: `{script_name} = {reference}` is not `module:attr`"
                    )));
                }
                let object = reference
                    .split('[')
                    .next()
                    .unwrap_or(reference)
                    .trim()
                    .to_string();
                let text = launcher(&layout.shebang, &object);
                let dest = join(&layout.scripts, script_name);
                files.push(write_claimed(
                    root,
                    dest,
                    text.as_bytes(),
                    true,
                    file,
                    claims,
                )?);
                scripts.push(Script {
                    name: script_name.clone(),
                    distribution: dist_name.to_string(),
                    object,
                    gui,
                });
            }
        }
    }

    // INSTALLER and the installed RECORD, paths relative to site-packages.
    let info_dir = join(&layout.site_packages, &dist_info);
    let installer = b"gradient\n";
    let installer_path = format!("{info_dir}/INSTALLER");
    files.push(write_claimed(
        root,
        installer_path,
        installer,
        false,
        file,
        claims,
    )?);
    let relative_rows: Vec<(String, [u8; 32], u64)> = files
        .iter()
        .map(|f| {
            (
                relative_to(&f.path, &layout.site_packages),
                f.sha256,
                f.size,
            )
        })
        .collect();
    let record_rel = relative_to(&join(&info_dir, "RECORD"), &layout.site_packages);
    let record = crate::record::render(&relative_rows, &record_rel);
    let record_dest = join(&info_dir, "RECORD");
    files.push(write_claimed(
        root,
        record_dest,
        record.as_bytes(),
        false,
        file,
        claims,
    )?);
    Ok(Installation {
        installed: Installed {
            name: crate::names::normalize(dist_name),
            version: dist_version.to_string(),
            dist_info: info_dir,
        },
        files,
        scripts,
    })
}

/// A metadata file of a wheel (WHEEL, RECORD, METADATA, ...), bounded:
/// these are small, and a huge one is hostile.
pub(crate) fn read_metadata_file<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    path: &str,
) -> std::result::Result<Vec<u8>, String> {
    const MAX: u64 = 16 << 20;
    let file = zip.by_name(path).map_err(|e| format!("{path}: {e}"))?;
    let mut out = Vec::new();
    file.take(MAX + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("{path}: {e}"))?;
    if out.len() as u64 > MAX {
        return Err(format!("{path}: larger than {MAX} bytes"));
    }
    Ok(out)
}

/// The launcher pip and `installer` write for a `module:attr` entry point.
fn launcher(shebang: &str, object: &str) -> String {
    let (module, attr) = object.split_once(':').unwrap_or((object, ""));
    let head = attr.split('.').next().unwrap_or(attr);
    format!(
        "#!{shebang}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {module} import {head}\nif __name__ == \"__main__\":\n    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n    sys.exit({attr}())\n"
    )
}

/// `path` relative to `base` (both `/`-separated, relative to the root).
fn relative_to(path: &str, base: &str) -> String {
    if base.is_empty() {
        return path.to_string();
    }
    if let Some(rest) = path.strip_prefix(&format!("{base}/")) {
        return rest.to_string();
    }
    let ups = base.split('/').count();
    format!("{}{path}", "../".repeat(ups))
}

fn field<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Archive member names must stay inside the tree.
fn check_member_path(name: &str) -> std::result::Result<(), &'static str> {
    if name.starts_with('/') || name.contains('\\') || name.contains('\0') {
        return Err("absolute or non-portable path");
    }
    if name
        .split('/')
        .any(|c| c == ".." || c == "." || c.is_empty())
    {
        return Err("path with `..`, `.` or an empty component");
    }
    Ok(())
}

fn check_hash(bytes: &[u8], alg: &str, expected: &str) -> std::result::Result<(), String> {
    let actual = match alg {
        "sha256" => hash_b64(&Sha256::digest(bytes)),
        "sha384" => hash_b64(&Sha384::digest(bytes)),
        "sha512" => hash_b64(&Sha512::digest(bytes)),
        other => return Err(format!("RECORD uses the unsupported hash `{other}`")),
    };
    if actual != expected.trim_end_matches('=') {
        return Err(format!(
            "content does not match RECORD ({alg}={expected}, got {alg}={actual})"
        ));
    }
    Ok(())
}

/// Write a file of the tree, unless another wheel already wrote the same
/// bytes there; different bytes at one path is an error naming both wheels.
fn write_claimed(
    root: &Path,
    dest: String,
    bytes: &[u8],
    executable: bool,
    wheel: &str,
    claims: &Mutex<HashMap<String, (String, [u8; 32])>>,
) -> Result<TreeFile> {
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let file = TreeFile {
        size: bytes.len() as u64,
        executable,
        sha256: digest,
        path: dest,
    };
    let dest = &file.path;
    {
        let mut claims = claims
            .lock()
            .map_err(|_| Error::Closure("installer state poisoned".into()))?;
        if let Some((other, d)) = claims.get(dest) {
            if *d == digest {
                return Ok(file);
            }
            return Err(Error::Closure(format!(
                "{dest}: installed by both {other} and {wheel} with different content"
            )));
        }
        claims.insert(dest.clone(), (wheel.to_string(), digest));
    }
    let path = root.join(dest);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(&path, e))?;
    }
    Ok(file)
}

#[cfg(test)]
pub(crate) mod tests;
