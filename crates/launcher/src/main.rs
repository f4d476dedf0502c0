//! gradient-launcher: the native stub at the front of a frozen executable.
//!
//! On first run it extracts its payload once into a per-user cache keyed by
//! the payload's key (a temporary sibling, renamed into place: two first
//! runs at once both succeed); every later run only checks that the tree is
//! there and execs the interpreter, so arguments, standard streams, the exit
//! code and signals are the application's own. `GRADIENT_EXE=ACTION` runs a
//! launcher action instead of the application (`cache-dir`, `verify`,
//! `prune`, `extract`), so no application argument is ever taken.

use gradient_launcher::{Manifest, Trailer, ACTION_ENV, COMPLETE, MANIFEST, RECORD, TRAILER_LEN};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status when the launcher itself fails (EX_SOFTWARE).
const FAILED: u8 = 70;

fn main() -> ExitCode {
    let name = std::env::args_os()
        .next()
        .map(|a| {
            PathBuf::from(a)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_else(|| "launcher".into());
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{name}: {e}");
            ExitCode::from(FAILED)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let exe = own_file()?;
    let trailer = read_trailer(&exe)?;
    let root = cache_root()?;
    let dir = root.join(trailer.key_hex());
    match std::env::var(ACTION_ENV).ok().as_deref() {
        None | Some("") => {}
        Some("cache-dir") => {
            println!("{}", dir.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some("extract") => {
            discard(&root, &dir);
            extract(&exe, &trailer, &root, &dir)?;
            println!("{}", dir.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some("verify") => return verify(&exe, &trailer, &root, &dir),
        Some("prune") => return prune(&root, &dir),
        Some(other) => {
            return Err(format!(
                "{ACTION_ENV}={other}: unknown action; valid: cache-dir, verify, prune, extract"
            ))
        }
    }
    if !dir.join(COMPLETE).is_file() {
        // Absent, or damaged (an interrupted cleanup, a removed marker).
        discard(&root, &dir);
        extract(&exe, &trailer, &root, &dir)?;
    }
    let manifest = read_manifest(&dir)?;
    if !dir.join(&manifest.program).is_file() {
        discard(&root, &dir);
        extract(&exe, &trailer, &root, &dir)?;
    }
    launch(&dir, &manifest)
}

/// This program's file: the OS's answer (/proc/self/exe on Linux), else
/// argv[0] as a path or found on PATH (a chroot without /proc).
fn own_file() -> Result<PathBuf, String> {
    let os_error = match std::env::current_exe() {
        Ok(p) if p.is_file() => return Ok(p),
        Ok(p) => format!("{} is not a file", p.display()),
        Err(e) => e.to_string(),
    };
    let argv0 = PathBuf::from(std::env::args_os().next().unwrap_or_default());
    if argv0.components().count() > 1 && argv0.is_file() {
        return Ok(argv0);
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(&argv0))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            format!(
                "cannot find my own file ({os_error}; argv[0] is {})",
                argv0.display()
            )
        })
}

fn read_trailer(exe: &Path) -> Result<Trailer, String> {
    let mut file = File::open(exe).map_err(|e| format!("{}: {e}", exe.display()))?;
    let len = file.metadata().map_err(|e| e.to_string())?.len();
    if len < TRAILER_LEN as u64 {
        return Err(format!("{}: too short to hold a payload", exe.display()));
    }
    let mut tail = [0u8; TRAILER_LEN];
    file.seek(SeekFrom::End(-(TRAILER_LEN as i64)))
        .and_then(|_| file.read_exact(&mut tail))
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    Trailer::decode(&tail, len).map_err(|e| format!("{}: {e}", exe.display()))
}

/// The first usable of: `$GRADIENT_EXE_CACHE` (no fallback when set),
/// `$XDG_CACHE_HOME/gradient/exe`, `$HOME/.cache/gradient/exe`, and a
/// per-user directory in the temporary directory.
fn cache_root() -> Result<PathBuf, String> {
    if let Some(explicit) = std::env::var_os("GRADIENT_EXE_CACHE").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(explicit);
        return usable(&dir)
            .map(|()| dir.clone())
            .map_err(|e| format!("GRADIENT_EXE_CACHE={}: cannot use it: {e}", dir.display()));
    }
    let mut tried = Vec::new();
    let mut candidates = Vec::new();
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        candidates.push(x.join("gradient/exe"));
    }
    if let Some(h) = std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        candidates.push(h.join(".cache/gradient/exe"));
    }
    candidates.push(std::env::temp_dir().join(format!("gradient-exe-{}", user_id())));
    for dir in candidates {
        match usable(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) => tried.push(format!("{} ({e})", dir.display())),
        }
    }
    Err(format!(
        "no writable cache directory to unpack into; tried {}; set GRADIENT_EXE_CACHE to a writable directory",
        tried.join(", ")
    ))
}

/// Create `dir` private to this user, and refuse one another user can write.
fn usable(dir: &Path) -> Result<(), String> {
    create_private(dir).map_err(|e| e.to_string())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = fs::metadata(dir).map_err(|e| e.to_string())?;
        if meta.uid() != user_id() || meta.mode() & 0o022 != 0 {
            return Err("not private to this user".into());
        }
    }
    let probe = dir.join(format!(".probe-{}", std::process::id()));
    File::create(&probe).map_err(|e| e.to_string())?;
    let _ = fs::remove_file(probe);
    Ok(())
}

fn create_private(dir: &Path) -> std::io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

#[cfg(unix)]
fn user_id() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

#[cfg(not(unix))]
fn user_id() -> u32 {
    0
}

/// Move a damaged or stale tree out of the way (renaming is atomic, so a
/// concurrent run never sees it half-deleted), then delete it.
fn discard(root: &Path, dir: &Path) {
    if !dir.exists() {
        return;
    }
    let trash = root.join(format!(".trash-{}-{}", std::process::id(), nanos()));
    if fs::rename(dir, &trash).is_ok() {
        let _ = fs::remove_dir_all(trash);
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Unpack the payload into a temporary sibling, mark it complete, rename it
/// into place. Losing a race to another first run is success.
fn extract(exe: &Path, trailer: &Trailer, root: &Path, dir: &Path) -> Result<(), String> {
    let tmp = root.join(format!(
        ".tmp-{}-{}-{}",
        &trailer.key_hex()[..12],
        std::process::id(),
        nanos()
    ));
    create_private(&tmp).map_err(|e| format!("{}: {e}", tmp.display()))?;
    let result = unpack(exe, &tmp)
        .and_then(|()| fs::write(tmp.join(COMPLETE), trailer.key_hex()).map_err(|e| e.to_string()));
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&tmp);
        return Err(format!("unpacking into {} failed: {e}", root.display()));
    }
    if fs::rename(&tmp, dir).is_err() {
        let _ = fs::remove_dir_all(&tmp);
        if !dir.join(COMPLETE).is_file() {
            return Err(format!(
                "cannot move the unpacked tree to {}",
                dir.display()
            ));
        }
    }
    Ok(())
}

/// Unpack every entry, in parallel (each thread reads its own share of the
/// archive through its own file handle).
fn unpack(exe: &Path, into: &Path) -> Result<(), String> {
    let open = || -> Result<zip::ZipArchive<File>, String> {
        let file = File::open(exe).map_err(|e| e.to_string())?;
        zip::ZipArchive::new(file).map_err(|e| format!("the payload is not readable: {e}"))
    };
    let count = open()?.len();
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                s.spawn(move || -> Result<(), String> {
                    let mut zip = open()?;
                    for i in (w..count).step_by(workers) {
                        let mut entry = zip.by_index(i).map_err(|e| format!("entry {i}: {e}"))?;
                        let Some(rel) = entry.enclosed_name() else {
                            return Err(format!("entry `{}` escapes the tree", entry.name()));
                        };
                        let path = into.join(rel);
                        if entry.is_dir() {
                            fs::create_dir_all(&path)
                                .map_err(|e| format!("{}: {e}", path.display()))?;
                            continue;
                        }
                        if let Some(parent) = path.parent() {
                            fs::create_dir_all(parent)
                                .map_err(|e| format!("{}: {e}", parent.display()))?;
                        }
                        let mut out =
                            File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
                        std::io::copy(&mut entry, &mut out)
                            .map_err(|e| format!("{}: {e}", path.display()))?;
                        #[cfg(unix)]
                        if let Some(mode) = entry.unix_mode() {
                            use std::os::unix::fs::PermissionsExt;
                            let mode = if mode & 0o111 != 0 { 0o755 } else { 0o644 };
                            fs::set_permissions(&path, fs::Permissions::from_mode(mode))
                                .map_err(|e| format!("{}: {e}", path.display()))?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("an unpacking thread panicked".into()))
            })
            .collect::<Result<Vec<()>, String>>()
    })?;
    Ok(())
}

fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join(MANIFEST);
    let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Manifest::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Check every extracted file against the payload's RECORD; a damaged tree
/// is unpacked again.
fn verify(exe: &Path, trailer: &Trailer, root: &Path, dir: &Path) -> Result<ExitCode, String> {
    let problems = if dir.join(COMPLETE).is_file() {
        check_tree(dir)?
    } else {
        vec!["not unpacked (or unpacking was interrupted)".to_string()]
    };
    if problems.is_empty() {
        println!("{}: verified", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        println!("{}: {p}", dir.display());
    }
    discard(root, dir);
    extract(exe, trailer, root, dir)?;
    let again = check_tree(dir)?;
    if again.is_empty() {
        println!("{}: unpacked again, verified", dir.display());
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!(
            "still damaged after unpacking again: {}",
            again.join("; ")
        ))
    }
}

fn check_tree(dir: &Path) -> Result<Vec<String>, String> {
    let record = fs::read_to_string(dir.join(RECORD)).map_err(|e| format!("{RECORD}: {e}"))?;
    let mut problems = Vec::new();
    for line in record.lines() {
        let mut fields = line.rsplitn(3, ',');
        let (Some(size), Some(hash), Some(path)) = (fields.next(), fields.next(), fields.next())
        else {
            continue;
        };
        let Some(expected) = hash.strip_prefix("sha256=") else {
            continue;
        };
        let path = path.trim_matches('"');
        match fs::read(dir.join(path)) {
            Ok(bytes) => {
                if size.parse::<u64>().ok() != Some(bytes.len() as u64)
                    || b64(&Sha256::digest(&bytes)) != expected
                {
                    problems.push(format!("{path}: content changed"));
                }
            }
            Err(e) => problems.push(format!("{path}: {e}")),
        }
    }
    Ok(problems)
}

/// urlsafe base64 without padding, as RECORD writes digests.
fn b64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// Remove every other unpacked version of this application, and leftovers
/// of interrupted runs.
fn prune(root: &Path, keep: &Path) -> Result<ExitCode, String> {
    let app = read_manifest(keep).map(|m| m.app).ok();
    for entry in fs::read_dir(root)
        .map_err(|e| format!("{}: {e}", root.display()))?
        .flatten()
    {
        let path = entry.path();
        if path == keep {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let stale = name.starts_with(".trash-")
            || (name.starts_with(".tmp-") && age_hours(&path) >= 1)
            || (app.is_some() && read_manifest(&path).ok().map(|m| m.app) == app);
        if stale && fs::remove_dir_all(&path).is_ok() {
            println!("removed {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn age_hours(path: &Path) -> u64 {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map(|d| d.as_secs() / 3600)
        .unwrap_or(0)
}

/// Run the interpreter in place of this process (Unix: exec, so nothing of
/// the launcher remains); the loader path goes in through the environment and
/// the bootstrap puts the original back before the application starts, so
/// the application's own child processes do not inherit it.
fn launch(dir: &Path, manifest: &Manifest) -> Result<ExitCode, String> {
    let program = dir.join(&manifest.program);
    let root = dir.to_string_lossy();
    let mut cmd = std::process::Command::new(&program);
    cmd.args(manifest.args.iter().map(|a| a.replace("{root}", &root)));
    cmd.args(std::env::args_os().skip(1));
    let argv0: OsString = std::env::args_os().next().unwrap_or_default();
    cmd.env("GRADIENT_EXE_ARGV0", argv0);
    if !manifest.library_path.is_empty() {
        let original = std::env::var_os("LD_LIBRARY_PATH");
        let mut paths: Vec<PathBuf> = manifest.library_path.iter().map(|l| dir.join(l)).collect();
        if let Some(o) = &original {
            paths.extend(std::env::split_paths(o));
        }
        let joined = std::env::join_paths(paths).map_err(|e| e.to_string())?;
        cmd.env("LD_LIBRARY_PATH", joined);
        let mut saved = OsString::new();
        if let Some(o) = original {
            saved.push("=");
            saved.push(o);
        }
        cmd.env("GRADIENT_EXE_LD_LIBRARY_PATH", saved);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        Err(format!("cannot run {}: {e}", program.display()))
    }
    #[cfg(not(unix))]
    {
        let status = cmd
            .status()
            .map_err(|e| format!("cannot run {}: {e}", program.display()))?;
        Ok(ExitCode::from(status.code().unwrap_or(1) as u8))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_record() {
        assert_eq!(b64(b""), "");
        assert_eq!(b64(b"f"), "Zg");
        assert_eq!(b64(b"fo"), "Zm8");
        assert_eq!(b64(b"foo"), "Zm9v");
        assert_eq!(b64(&[0xfb, 0xff]), "-_8");
    }
}
