//! The installed tree of an application (AppTree): its wheel and the wheels
//! of its closure, installed into one directory as the binary distribution
//! format's "Installing a wheel" describes. Zipapps, frozen executables,
//! Debian packages and images are all planned from this tree.
//!
//! Per wheel: `WHEEL` is checked (Wheel-Version 1.x); every file is unpacked
//! to its scheme (purelib/platlib to `site-packages`, `.data/scripts` to
//! `bin` with `#!python` rewritten, `.data/headers`, `.data/data`), its hash
//! verified against RECORD on the way in; a file missing from RECORD, or a
//! RECORD row without its file, is an error. Before anything is inflated
//! the archive's structure is checked as the inspector checks it, and each
//! member then streams from the wheel into its staged file (`member.rs`),
//! so memory stays bounded whatever the members' sizes. Console and GUI
//! scripts get
//! launchers ("Entry points specification" § Use for scripts), and the
//! `.dist-info` gets `INSTALLER` and a RECORD of the installed paths
//! ("Recording installed projects").

mod bytecode;
mod member;
mod owners;
mod relayout;

use crate::entry_points::{self, ObjectRef};
use crate::inspect::archive::{Limits, MemberKind};
use crate::inspect::blob::{Blob, Bytes, FileBlob};
use crate::inspect::finding::Severity;
use crate::inspect::zip_read::{self, Structure};
use crate::progress::Progress;
use crate::wheel::read;
use crate::{Error, Result};
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub use bytecode::{compile, compile_library, Compiler, PycPlacement};
pub use owners::Owners;
pub use relayout::relayout;

/// The inspector's bounds: members are streamed to disk, so these bound
/// disk and time (16 GiB a member, 32 GiB a wheel), not memory; RECORD,
/// WHEEL and entry_points.txt, read into memory, are bounded by
/// `max_kept_bytes` (32 MiB).
const LIMITS: Limits = Limits::DEFAULT;

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

/// A wheel to install: its file name and where its bytes are.
pub struct WheelInput<'a> {
    pub file_name: &'a str,
    pub data: WheelData<'a>,
}

/// A wheel on disk (read member by member, never whole) or already in
/// memory.
#[derive(Clone, Copy)]
pub enum WheelData<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
}

impl WheelInput<'_> {
    /// Its size in bytes, for progress and space (0 when the file is unreadable: the
    /// install then says why).
    pub fn size(&self) -> u64 {
        match self.data {
            WheelData::File(path) => std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
            WheelData::Bytes(bytes) => bytes.len() as u64,
        }
    }
}

/// Install `wheels` into `root` (created; must not hold a previous tree).
/// On failure `root` is removed: nothing half-installed stays behind.
pub fn install(
    wheels: &[WheelInput<'_>],
    root: &Path,
    layout: &Layout,
    progress: &dyn Progress,
) -> Result<AppTree> {
    std::fs::create_dir_all(root).map_err(|e| Error::io(root, e))?;
    let installed = install_into(wheels, root, layout, progress);
    if installed.is_err() {
        let _ = std::fs::remove_dir_all(root);
    }
    installed
}

fn install_into(
    wheels: &[WheelInput<'_>],
    root: &Path,
    layout: &Layout,
    progress: &dyn Progress,
) -> Result<AppTree> {
    let sizes: Vec<u64> = wheels.iter().map(WheelInput::size).collect();
    progress.start(sizes.iter().sum());
    let claims: Claims = Mutex::default();
    let results: Vec<Result<Installation>> = wheels
        .par_iter()
        .zip(&sizes)
        .map(|(w, size)| {
            let r = install_one(w, root, layout, &claims);
            progress.advance(*size);
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

/// One wheel being installed: its archive's structure (checked) and what
/// its `.dist-info` says.
struct Opened<'w> {
    file: &'w str,
    blob: Box<dyn Blob + 'w>,
    zip: Structure,
    /// Member name → index in `zip.entries`.
    index: HashMap<String, usize>,
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

    /// A small member (WHEEL, RECORD, entry_points.txt) as text, verified
    /// against the central directory and bounded by `max_kept_bytes`.
    fn read_text(&mut self, path: &str) -> Result<String> {
        let i = *self
            .index
            .get(path)
            .ok_or_else(|| self.bad(format!("{path}: missing")))?;
        let (c, start) = (&self.zip.entries[i], self.zip.starts[i]);
        if c.declared > LIMITS.max_kept_bytes {
            return Err(self.bad(format!(
                "{path}: {} bytes, more than the {} this installer reads",
                c.declared, LIMITS.max_kept_bytes
            )));
        }
        let start = start.ok_or_else(|| self.bad(format!("{path}: its data cannot be read")))?;
        let mut bytes = Vec::new();
        member::verified_copy(&*self.blob, (c, start), &LIMITS, &mut bytes)
            .map_err(|why| self.bad(format!("{path}: {why}")))?;
        String::from_utf8(bytes).map_err(|_| self.bad(format!("{path}: not UTF-8")))
    }

    fn record_path(&self) -> String {
        format!("{}/RECORD", self.dist_info)
    }
}

/// Open a wheel: its zip structure checked as the inspector checks it
/// (APPNOTE § 4.3: no path escapes, duplicate names, links, encrypted
/// entries, disagreeing local headers, overlapping or truncated data)
/// before anything is inflated; then its `.dist-info` (WHEEL checked:
/// Wheel-Version 1.x) and its RECORD.
fn open<'w>(wheel: &'w WheelInput<'w>) -> Result<Opened<'w>> {
    let file = wheel.file_name;
    let bad = |why: String| Error::Closure(format!("{file}: {why}"));
    let blob: Box<dyn Blob + 'w> = match wheel.data {
        WheelData::File(path) => {
            Box::new(FileBlob::open_regular(path).map_err(|e| Error::io(path, e))?)
        }
        WheelData::Bytes(bytes) => Box::new(Bytes(bytes)),
    };
    let zip = zip_read::structure(&*blob, &LIMITS)
        .map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    check_structure(&zip).map_err(bad)?;
    let index: HashMap<String, usize> = zip
        .entries
        .iter()
        .enumerate()
        .map(|(i, c)| (c.member.path.clone(), i))
        .collect();
    let dist_info = read::dist_info(zip.entries.iter().map(|c| c.member.path.as_str()), "WHEEL")
        .map_err(bad)?
        .to_string();
    let stem = dist_info.trim_end_matches(".dist-info").to_string();
    let (name, version) = stem
        .split_once('-')
        .ok_or_else(|| bad(format!("`{dist_info}` is not NAME-VERSION.dist-info")))?;
    let mut opened = Opened {
        file,
        blob,
        zip,
        index,
        name: name.to_string(),
        version: version.to_string(),
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

/// The first structural error the inspector finds, as `member: why (code)`,
/// and a wheel that inflates to more than the installer's limit.
fn check_structure(zip: &Structure) -> std::result::Result<(), String> {
    let mut errors = zip
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error);
    if let Some(f) = errors.next() {
        let member = f
            .path
            .as_deref()
            .map(|p| format!("{p}: "))
            .unwrap_or_default();
        let others: Vec<String> = errors
            .map(|f| format!("{} {}", f.code, f.path.as_deref().unwrap_or("")))
            .collect();
        let also = match others.len() {
            0 => String::new(),
            n if n <= 3 => format!("; also {}", others.join(", ")),
            n => format!("; also {} and {} more", others[..3].join(", "), n - 3),
        };
        return Err(format!(
            "{member}{} ({}){also}; refused before anything was inflated",
            f.message, f.code
        ));
    }
    let total = zip
        .entries
        .iter()
        .fold(0u64, |sum, c| sum.saturating_add(c.declared));
    if total > LIMITS.max_total_bytes {
        return Err(format!(
            "its members declare {total} bytes in all, beyond the installer's {}-byte limit",
            LIMITS.max_total_bytes
        ));
    }
    Ok(())
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
    for i in 0..w.zip.entries.len() {
        let name = w.zip.entries[i].member.path.clone();
        if w.zip.entries[i].member.kind == MemberKind::Dir || unrecorded.contains(&name) {
            continue;
        }
        check_member_path(&name).map_err(|why| w.bad(format!("{name}: {why}")))?;
        if !seen.insert(name.clone()) {
            return Err(w.bad(format!("{name}: appears twice in the archive")));
        }
        let (file, rewritten) = install_member(w, i, root, layout, claims)?;
        files.push(file);
        shebang.push(rewritten);
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

/// Stream member `i` into a staged file, verified against RECORD, its
/// `#!python` line rewritten when it is a script ("Installing a wheel",
/// step 1), then claimed at its scheme path; whether it was rewritten.
fn install_member(
    w: &Opened<'_>,
    i: usize,
    root: &Path,
    layout: &Layout,
    claims: &Claims,
) -> Result<(TreeFile, bool)> {
    let (c, start) = (&w.zip.entries[i], w.zip.starts[i]);
    let name = c.member.path.as_str();
    let bad = |why: String| w.bad(format!("{name}: {why}"));
    let (alg, digest) = match w.expected.get(name) {
        None => return Err(bad("not listed in RECORD".into())),
        Some(None) => return Err(bad("its RECORD row has no hash".into())),
        Some(Some(hash)) => hash,
    };
    let start = start.ok_or_else(|| bad("its data cannot be read".into()))?;
    let (dest, script) = scheme_path(w, name, layout)?;
    let mut staged = stage_file(root)?;
    let staged_path = staged.path().to_path_buf();
    let verified = {
        let mut out = std::io::BufWriter::with_capacity(256 << 10, staged.as_file_mut());
        let verified =
            member::recorded_copy(&*w.blob, (c, start), (alg, digest), &LIMITS, &mut out);
        out.flush().map_err(|e| Error::io(&staged_path, e))?;
        verified.map_err(bad)?
    };
    let rewrite = script && verified.head.starts_with(b"#!python");
    let (staged, sha256, size) = match rewrite {
        false => (staged, verified.sha256, verified.size),
        true => rewrite_shebang(staged, root, &layout.shebang)?,
    };
    let executable = script || c.member.mode.unwrap_or(0o644) & 0o111 != 0;
    let file = TreeFile {
        path: dest,
        size,
        executable,
        sha256,
    };
    Ok((claim(root, file, staged, w.file, claims)?, rewrite))
}

/// A temporary file in the tree's root, removed unless it is claimed.
fn stage_file(root: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".staged-")
        .tempfile_in(root)
        .map_err(|e| Error::io(root, e))
}

/// `staged` with its first line replaced by `#!shebang`: a new staged file,
/// its sha256 and size.
fn rewrite_shebang(
    mut staged: tempfile::NamedTempFile,
    root: &Path,
    shebang: &str,
) -> Result<(tempfile::NamedTempFile, [u8; 32], u64)> {
    let mut rewritten = stage_file(root)?;
    let staged_path = staged.path().to_path_buf();
    let io = |e| Error::io(&staged_path, e);
    staged.rewind().map_err(io)?;
    let (sha256, size) = {
        let mut out = std::io::BufWriter::new(rewritten.as_file_mut());
        let done = member::reshebang(staged.as_file_mut(), &mut out, shebang);
        out.flush().map_err(io)?;
        done.map_err(io)?
    };
    Ok((rewritten, sha256, size))
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
    if !w.index.contains_key(&ep_path) {
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

/// Write a file of the tree from memory (INSTALLER, RECORD, launchers),
/// claimed as [`claim`] does.
fn write_claimed(
    root: &Path,
    dest: String,
    bytes: &[u8],
    executable: bool,
    wheel: &str,
    claims: &Claims,
) -> Result<TreeFile> {
    let mut staged = stage_file(root)?;
    staged
        .write_all(bytes)
        .map_err(|e| Error::io(staged.path(), e))?;
    let file = TreeFile {
        size: bytes.len() as u64,
        executable,
        sha256: Sha256::digest(bytes).into(),
        path: dest,
    };
    claim(root, file, staged, wheel, claims)
}

/// Move `staged` to `file.path` in the tree, unless another wheel already
/// put the same bytes there (then `staged` is dropped, which removes it);
/// different bytes at one path is an error naming both wheels.
fn claim(
    root: &Path,
    file: TreeFile,
    staged: tempfile::NamedTempFile,
    wheel: &str,
    claims: &Claims,
) -> Result<TreeFile> {
    let dest = &file.path;
    {
        let mut claims = claims
            .lock()
            .map_err(|_| Error::Closure("installer state poisoned".into()))?;
        if let Some((other, d)) = claims.get(dest) {
            if *d == file.sha256 {
                return Ok(file);
            }
            return Err(Error::Closure(format!(
                "{dest}: installed by both {other} and {wheel} with different content"
            )));
        }
        claims.insert(dest.clone(), (wheel.to_string(), file.sha256));
    }
    let path = root.join(dest);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if file.executable { 0o755 } else { 0o644 };
        std::fs::set_permissions(staged.path(), std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(staged.path(), e))?;
    }
    staged
        .persist(&path)
        .map_err(|e| Error::io(&path, e.error))?;
    Ok(file)
}

#[cfg(test)]
pub(crate) mod tests;
