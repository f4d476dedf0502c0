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
mod owners;
mod relayout;

use crate::entry_points::{self, ObjectRef};
use crate::progress::Progress;
use crate::record::hash_b64;
use crate::wheel::read;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256, Sha384, Sha512};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use bytecode::{compile, Compiler, PycPlacement};
pub use owners::Owners;
pub use relayout::relayout;

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
    /// Its files in the order its installed RECORD lists them (the RECORD
    /// itself excepted): what [`relayout`] needs to redo the installation.
    #[serde(skip)]
    pub listed: Vec<Listed>,
}

/// One file a distribution installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub path: String,
    /// It begins with the layout's interpreter line (a `#!python` script
    /// rewritten, or a launcher), so another layout rewrites that line.
    pub shebang: bool,
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
    let claims: Claims = Mutex::default();
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

/// Which wheel installed each path, and its content's sha256.
type Claims = Mutex<HashMap<String, (String, [u8; 32])>>;

/// One wheel being installed: its archive and what its `.dist-info` says.
struct Opened<'w> {
    file: &'w str,
    zip: zip::ZipArchive<std::io::Cursor<&'w [u8]>>,
    names: Vec<String>,
    dist_info: String,
    /// RECORD: path → expected hash.
    expected: BTreeMap<String, Expected>,
    name: String,
    version: String,
}

impl Opened<'_> {
    fn bad(&self, why: String) -> Error {
        Error::Closure(format!("{}: {why}", self.file))
    }

    fn read_text(&mut self, path: &str) -> Result<String> {
        let bytes = read::read_member(&mut self.zip, path).map_err(|why| self.bad(why))?;
        String::from_utf8(bytes).map_err(|_| self.bad(format!("{path}: not UTF-8")))
    }

    fn record_path(&self) -> String {
        format!("{}/RECORD", self.dist_info)
    }
}

/// Open a wheel: its `.dist-info` (WHEEL checked: Wheel-Version 1.x) and
/// its RECORD.
fn open<'w>(wheel: &'w WheelInput<'w>) -> Result<Opened<'w>> {
    let file = wheel.file_name;
    let bad = |why: String| Error::Closure(format!("{file}: {why}"));
    let zip = zip::ZipArchive::new(std::io::Cursor::new(wheel.bytes))
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let dist_info = read::dist_info(names.iter().map(String::as_str), "WHEEL")
        .map_err(bad)?
        .to_string();
    let stem = dist_info.trim_end_matches(".dist-info").to_string();
    let (name, version) = stem
        .split_once('-')
        .ok_or_else(|| bad(format!("`{dist_info}` is not NAME-VERSION.dist-info")))?;
    let mut opened = Opened {
        file,
        zip,
        name: name.to_string(),
        version: version.to_string(),
        names,
        dist_info,
        expected: BTreeMap::new(),
    };
    let wheel_meta = opened.read_text(&format!("{}/WHEEL", opened.dist_info))?;
    let version = read::header(&wheel_meta, "Wheel-Version").unwrap_or_default();
    if !version.starts_with("1.") {
        return Err(opened.bad(format!(
            "{}/WHEEL: Wheel-Version `{version}` is not 1.x; this installer supports 1.x",
            opened.dist_info
        )));
    }
    let record_text = opened.read_text(&opened.record_path())?;
    for (_, fields) in read::record_rows(&record_text) {
        let path = fields.first().cloned().unwrap_or_default();
        let hash = fields
            .get(1)
            .and_then(|h| read::record_hash(h))
            .map(|(a, d)| (a.to_string(), d.to_string()));
        opened.expected.insert(path, hash);
    }
    Ok(opened)
}

fn install_one(
    wheel: &WheelInput<'_>,
    root: &Path,
    layout: &Layout,
    claims: &Claims,
) -> Result<Installation> {
    let mut w = open(wheel)?;
    // `shebang` is parallel to `files`: which begin with the layout's
    // interpreter line.
    let (mut files, mut shebang) = unpack(&mut w, root, layout, claims)?;
    let scripts = launchers(&mut w, root, layout, claims, &mut files)?;
    shebang.resize(files.len(), true);
    // INSTALLER and the installed RECORD, paths relative to site-packages.
    let info_dir = join(&layout.site_packages, &w.dist_info);
    let installer_path = format!("{info_dir}/INSTALLER");
    files.push(write_claimed(
        root,
        installer_path,
        b"gradient\n",
        false,
        w.file,
        claims,
    )?);
    shebang.push(false);
    let listed = files
        .iter()
        .zip(shebang)
        .map(|(f, shebang)| Listed {
            path: f.path.clone(),
            shebang,
        })
        .collect();
    let (record_dest, record) = installed_record(&files, &info_dir, layout);
    files.push(write_claimed(
        root,
        record_dest,
        record.as_bytes(),
        false,
        w.file,
        claims,
    )?);
    Ok(Installation {
        installed: Installed {
            name: crate::names::normalize(&w.name),
            version: w.version.clone(),
            dist_info: info_dir,
            listed,
        },
        files,
        scripts,
    })
}

/// Unpack every member to its scheme, verified against RECORD; a file
/// missing from RECORD, or a RECORD row without its file, is an error.
/// Returns the files and which of them had `#!python` rewritten.
fn unpack(
    w: &mut Opened<'_>,
    root: &Path,
    layout: &Layout,
    claims: &Claims,
) -> Result<(Vec<TreeFile>, Vec<bool>)> {
    let record_path = w.record_path();
    let unrecorded = [
        record_path.clone(),
        format!("{record_path}.jws"),
        format!("{record_path}.p7s"),
    ];
    let mut files = Vec::new();
    let mut shebang = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..w.zip.len() {
        let Some((name, bytes, unix_mode)) = member(w, i)? else {
            continue;
        };
        if unrecorded.contains(&name) {
            continue;
        }
        if !seen.insert(name.clone()) {
            return Err(w.bad(format!("{name}: appears twice in the archive")));
        }
        match w.expected.get(&name) {
            None => return Err(w.bad(format!("{name}: not listed in RECORD"))),
            Some(None) => return Err(w.bad(format!("{name}: its RECORD row has no hash"))),
            Some(Some((alg, digest))) => {
                check_hash(&bytes, alg, digest).map_err(|why| w.bad(format!("{name}: {why}")))?
            }
        }
        let (dest, script) = scheme_path(w, &name, layout)?;
        let rewrite = script && bytes.starts_with(b"#!python");
        let bytes = match rewrite {
            true => relayout::reshebang(&bytes, &layout.shebang),
            false => bytes,
        };
        let executable = script || unix_mode & 0o111 != 0;
        files.push(write_claimed(
            root, dest, &bytes, executable, w.file, claims,
        )?);
        shebang.push(rewrite);
    }
    if let Some(missing) = w.expected.keys().find(|p| {
        **p != record_path && !seen.contains(*p) && !p.ends_with(".jws") && !p.ends_with(".p7s")
    }) {
        return Err(w.bad(format!(
            "{missing}: listed in RECORD but not in the archive"
        )));
    }
    Ok((files, shebang))
}

/// Member `i`: its checked name, bytes (bounded) and Unix mode; `None` for
/// a directory.
fn member(w: &mut Opened<'_>, i: usize) -> Result<Option<(String, Vec<u8>, u32)>> {
    let file = w.file;
    let bad = |why: String| Error::Closure(format!("{file}: {why}"));
    let mut entry = w
        .zip
        .by_index(i)
        .map_err(|e| bad(format!("entry {i}: {e}")))?;
    if entry.is_dir() {
        return Ok(None);
    }
    let name = entry.name().to_string();
    check_member_path(&name).map_err(|why| bad(format!("{name}: {why}")))?;
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
    Ok(Some((name, bytes, unix_mode)))
}

/// Where member `name` goes in `layout`, and whether it is a script.
fn scheme_path(w: &Opened<'_>, name: &str, layout: &Layout) -> Result<(String, bool)> {
    let data_dir = format!("{}-{}.data/", w.name, w.version);
    let Some(rest) = name.strip_prefix(&data_dir) else {
        return Ok((join(&layout.site_packages, name), false));
    };
    let (scheme, rest) = rest
        .split_once('/')
        .ok_or_else(|| w.bad(format!("{name}: not inside a scheme directory")))?;
    let dir = match scheme {
        "purelib" | "platlib" => layout.site_packages.clone(),
        "scripts" => layout.scripts.clone(),
        "headers" => join(&layout.headers, &w.name),
        "data" => layout.data.clone(),
        other => return Err(w.bad(format!("{name}: unknown scheme `{other}`"))),
    };
    Ok((join(&dir, rest), scheme == "scripts"))
}

/// Launchers for the console and GUI scripts of entry_points.txt ("Entry
/// points specification" § Use for scripts), appended to `files`.
fn launchers(
    w: &mut Opened<'_>,
    root: &Path,
    layout: &Layout,
    claims: &Claims,
    files: &mut Vec<TreeFile>,
) -> Result<Vec<Script>> {
    let mut scripts = Vec::new();
    let ep_path = format!("{}/entry_points.txt", w.dist_info);
    if !w.names.contains(&ep_path) {
        return Ok(scripts);
    }
    let text = w.read_text(&ep_path)?;
    let groups = entry_points::parse(text.as_bytes(), &ep_path, &mut Vec::new());
    for (group, gui) in [("console_scripts", false), ("gui_scripts", true)] {
        for (script_name, reference) in groups.get(group).into_iter().flatten() {
            if script_name.contains(['/', '\\'])
                || script_name.starts_with('.')
                || script_name.is_empty()
            {
                return Err(w.bad(format!(
                    "{ep_path}: script name `{script_name}` is not a file name"
                )));
            }
            let object = ObjectRef::parse(reference)
                .map_err(|why| w.bad(format!("{ep_path}: `{script_name} = {reference}`: {why}")))?;
            let text = object.launcher(&layout.shebang);
            let dest = join(&layout.scripts, script_name);
            files.push(write_claimed(
                root,
                dest,
                text.as_bytes(),
                true,
                w.file,
                claims,
            )?);
            scripts.push(Script {
                name: script_name.clone(),
                distribution: w.name.clone(),
                object: object.object(),
                gui,
            });
        }
    }
    Ok(scripts)
}

/// The installed RECORD of a distribution's `files` ("Recording installed
/// projects": paths relative to site-packages): its path and text.
fn installed_record(files: &[TreeFile], info_dir: &str, layout: &Layout) -> (String, String) {
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
    let record_dest = join(info_dir, "RECORD");
    let record_rel = relative_to(&record_dest, &layout.site_packages);
    (
        record_dest,
        crate::record::render(&relative_rows, &record_rel),
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
    claims: &Claims,
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
