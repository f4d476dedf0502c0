//! gradient-launcher: the native stub at the front of a frozen executable.
//!
//! On first run it extracts its payload once into a per-user cache keyed by
//! the payload's key (a temporary sibling, renamed into place; first runs
//! take turns under a lock on the cache directory, so two at once both
//! succeed); every later run only checks that the tree is
//! there and execs the interpreter, so arguments, standard streams, the exit
//! code and signals are the application's own. `GRADIENT_EXE=ACTION` runs a
//! launcher action instead of the application (`cache-dir`, `verify`,
//! `prune`, `extract`), so no application argument is ever taken.

#[cfg(not(unix))]
compile_error!("the launcher runs on Unix-like systems; others need their own");

mod cache;

use cache::{Dir, TreeWriter};
use gradient_launcher::{Manifest, Trailer, ACTION_ENV, COMPLETE, MANIFEST, RECORD, TRAILER_LEN};
use sha2::{Digest, Sha256};
use std::ffi::OsString;
use std::fs::File;
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
    let key = trailer.key_hex();
    match std::env::var(ACTION_ENV).ok().as_deref() {
        None | Some("") => {}
        Some("cache-dir") => {
            println!("{}", root.path.join(&key).display());
            return Ok(ExitCode::SUCCESS);
        }
        Some("extract") => {
            lock(&root)?;
            discard(&root, &key);
            let tree = extract(&exe, &trailer, &root)?;
            println!("{}", tree.path.display());
            return Ok(ExitCode::SUCCESS);
        }
        Some("verify") => return verify(&exe, &trailer, &root),
        Some("prune") => return prune(&root, &key),
        Some(other) => {
            return Err(format!(
                "{ACTION_ENV}={other}: unknown action; valid: cache-dir, verify, prune, extract"
            ))
        }
    }
    let (tree, manifest) = match ready(&root, &key) {
        Some(found) => found,
        None => {
            // Absent, damaged (an interrupted cleanup, a removed marker), or
            // not ours: unpack afresh. First runs take turns, so none moves
            // away the tree another has just completed and runs from; the
            // one that waited finds it ready.
            lock(&root)?;
            match ready(&root, &key) {
                Some(found) => found,
                None => {
                    discard(&root, &key);
                    let tree = extract(&exe, &trailer, &root)?;
                    let manifest = read_manifest(&tree)?;
                    (tree, manifest)
                }
            }
        }
    };
    launch(&tree, &manifest)
}

/// The tree unpacked under `key`, when it is ours, we completed it (the
/// marker holds the key) and it holds its program.
fn ready(root: &Dir, key: &str) -> Option<(Dir, Manifest)> {
    let tree = complete_tree(root, key)?;
    let manifest = read_manifest(&tree).ok()?;
    tree.is_file(&manifest.program).then_some((tree, manifest))
}

fn complete_tree(root: &Dir, key: &str) -> Option<Dir> {
    let tree = root.open_private(key).ok()?;
    (tree.read_owned(COMPLETE).ok()? == key).then_some(tree)
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
/// per-user directory in the temporary directory. Each is an existing
/// directory (the base) and the private directories made inside it.
fn cache_root() -> Result<Dir, String> {
    if let Some(explicit) = std::env::var_os("GRADIENT_EXE_CACHE").filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(explicit);
        let (base, name) = match (dir.parent(), dir.file_name()) {
            (Some(base), Some(name)) => (base.to_path_buf(), name.to_string_lossy().into_owned()),
            _ => (dir.clone(), String::new()),
        };
        let base = if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        };
        let parts: Vec<String> = [name].into_iter().filter(|n| !n.is_empty()).collect();
        return usable(&base, &parts)
            .map_err(|e| format!("GRADIENT_EXE_CACHE={}: cannot use it: {e}", dir.display()));
    }
    let mut candidates: Vec<(PathBuf, Vec<String>)> = Vec::new();
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(x) = absolute("XDG_CACHE_HOME") {
        candidates.push((x, vec!["gradient".into(), "exe".into()]));
    }
    if let Some(h) = absolute("HOME") {
        candidates.push((h, vec![".cache".into(), "gradient".into(), "exe".into()]));
    }
    candidates.push((
        std::env::temp_dir(),
        vec![format!("gradient-exe-{}", cache::user_id())],
    ));
    let mut tried = Vec::new();
    for (base, parts) in candidates {
        match usable(&base, &parts) {
            Ok(dir) => return Ok(dir),
            Err(e) => tried.push(format!("{} ({e})", base.join(parts.join("/")).display())),
        }
    }
    Err(format!(
        "no private cache directory to unpack into; tried {}; set GRADIENT_EXE_CACHE to a directory only you can write",
        tried.join(", ")
    ))
}

/// Open `base` and every directory above it (see `cache`), then each of
/// `parts` below it, created private to this user; and check that the last
/// can be written (a read-only HOME is not usable).
fn usable(base: &Path, parts: &[String]) -> Result<Dir, String> {
    let mut dir = cache::open_trusted(base)?;
    for part in parts {
        dir = dir.private_child(part)?;
    }
    let probe = format!(".probe-{}-{}", std::process::id(), nanos());
    dir.create_file(Path::new(&probe), 0o600)
        .map_err(|e| format!("{}: {e}", dir.path.display()))?;
    let _ = dir.remove_tree(&probe);
    Ok(dir)
}

fn lock(root: &Dir) -> Result<(), String> {
    root.lock()
        .map_err(|e| format!("cannot lock {}: {e}", root.path.display()))
}

/// Move a damaged, stale or foreign tree out of the way (renaming is atomic,
/// so a concurrent run never sees it half-deleted), then delete it.
fn discard(root: &Dir, key: &str) {
    if !root.exists(key) {
        return;
    }
    let trash = format!(".trash-{}-{}", std::process::id(), nanos());
    if root.rename(key, &trash).is_ok() {
        let _ = root.remove_tree(&trash);
    }
}

fn nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Unpack the payload into a new private sibling, mark it complete, rename
/// it into place. Losing a race to another first run is success.
fn extract(exe: &Path, trailer: &Trailer, root: &Dir) -> Result<Dir, String> {
    let key = trailer.key_hex();
    let tmp_name = format!(".tmp-{}-{}-{}", &key[..12], std::process::id(), nanos());
    let tmp = root.create_private(&tmp_name)?;
    let result = unpack(exe, &tmp).and_then(|()| {
        let mut marker = tmp
            .create_file(Path::new(COMPLETE), 0o644)
            .map_err(|e| format!("{COMPLETE}: {e}"))?;
        std::io::Write::write_all(&mut marker, key.as_bytes()).map_err(|e| e.to_string())
    });
    if let Err(e) = result {
        let _ = root.remove_tree(&tmp_name);
        return Err(format!(
            "unpacking into {} failed: {e}",
            root.path.display()
        ));
    }
    if root.rename(&tmp_name, &key).is_err() {
        let _ = root.remove_tree(&tmp_name);
    }
    complete_tree(root, &key).ok_or_else(|| {
        format!(
            "cannot move the unpacked tree to {}",
            root.path.join(&key).display()
        )
    })
}

/// Unpack every entry, in parallel (each thread reads its own share of the
/// archive through its own file handle), relative to the tree's handle.
fn unpack(exe: &Path, into: &Dir) -> Result<(), String> {
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
                    let mut writer = into.writer();
                    for i in (w..count).step_by(workers) {
                        let entry = zip.by_index(i).map_err(|e| format!("entry {i}: {e}"))?;
                        unpack_entry(entry, &mut writer, into)?;
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

fn unpack_entry<R: std::io::Read>(
    mut entry: zip::read::ZipFile<'_, R>,
    writer: &mut TreeWriter<'_>,
    into: &Dir,
) -> Result<(), String> {
    let Some(rel) = entry.enclosed_name() else {
        return Err(format!("entry `{}` escapes the tree", entry.name()));
    };
    let shown = |e: std::io::Error| format!("{}: {e}", into.path.join(&rel).display());
    if entry.is_dir() {
        return writer.create_dirs(&rel).map_err(shown);
    }
    let mode = match entry.unix_mode() {
        Some(m) if m & 0o111 != 0 => 0o755,
        _ => 0o644,
    };
    let mut out = writer.create_file(&rel, mode).map_err(shown)?;
    std::io::copy(&mut entry, &mut out).map_err(shown)?;
    Ok(())
}

fn read_manifest(tree: &Dir) -> Result<Manifest, String> {
    let shown = tree.path.join(MANIFEST);
    let text = tree
        .read_owned(MANIFEST)
        .map_err(|e| format!("{}: {e}", shown.display()))?;
    Manifest::parse(&text).map_err(|e| format!("{}: {e}", shown.display()))
}

/// Check every extracted file against the payload's RECORD; a damaged tree
/// is unpacked again.
fn verify(exe: &Path, trailer: &Trailer, root: &Dir) -> Result<ExitCode, String> {
    let key = trailer.key_hex();
    let shown = root.path.join(&key);
    let problems = match complete_tree(root, &key) {
        Some(tree) => check_tree(&tree)?,
        None => vec!["not unpacked (or unpacking was interrupted)".to_string()],
    };
    if problems.is_empty() {
        println!("{}: verified", shown.display());
        return Ok(ExitCode::SUCCESS);
    }
    for p in &problems {
        println!("{}: {p}", shown.display());
    }
    lock(root)?;
    discard(root, &key);
    let tree = extract(exe, trailer, root)?;
    let again = check_tree(&tree)?;
    if again.is_empty() {
        println!("{}: unpacked again, verified", shown.display());
        Ok(ExitCode::SUCCESS)
    } else {
        Err(format!(
            "still damaged after unpacking again: {}",
            again.join("; ")
        ))
    }
}

fn check_tree(tree: &Dir) -> Result<Vec<String>, String> {
    let record = tree
        .read_owned(RECORD)
        .map_err(|e| format!("{RECORD}: {e}"))?;
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
        let mut bytes = Vec::new();
        match tree
            .open_file(path)
            .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut bytes))
        {
            Ok(_) => {
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
fn prune(root: &Dir, keep: &str) -> Result<ExitCode, String> {
    let app = complete_tree(root, keep)
        .and_then(|t| read_manifest(&t).ok())
        .map(|m| m.app);
    let names = root
        .names()
        .map_err(|e| format!("{}: {e}", root.path.display()))?;
    for name in names {
        if name == keep {
            continue;
        }
        let same_app = || {
            app.is_some()
                && root
                    .open_private(&name)
                    .ok()
                    .and_then(|t| read_manifest(&t).ok())
                    .map(|m| m.app)
                    == app
        };
        let stale = name.starts_with(".trash-")
            || (name.starts_with(".tmp-") && root.age_hours(&name) >= 1)
            || same_app();
        if stale && root.remove_tree(&name).is_ok() {
            println!("removed {}", root.path.join(&name).display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Run the interpreter in place of this process (exec, so nothing of the
/// launcher remains), found through the tree's handle; it is told its own
/// path (argv[0]) so it finds its standard library below the tree. The
/// loader path goes in through the environment and the bootstrap puts the
/// original back before the application starts, so the application's own
/// child processes do not inherit it.
fn launch(tree: &Dir, manifest: &Manifest) -> Result<ExitCode, String> {
    let dir = &tree.path;
    let root = dir.to_string_lossy();
    let program = dir.join(&manifest.program);
    let mut argv: Vec<OsString> = vec![program.clone().into_os_string()];
    argv.extend(
        manifest
            .args
            .iter()
            .map(|a| OsString::from(a.replace("{root}", &root))),
    );
    argv.extend(std::env::args_os().skip(1));
    let mut env: Vec<(OsString, OsString)> = std::env::vars_os()
        .filter(|(k, _)| {
            k != "GRADIENT_EXE_ARGV0"
                && k != "GRADIENT_EXE_LD_LIBRARY_PATH"
                && (manifest.library_path.is_empty() || k != "LD_LIBRARY_PATH")
        })
        .collect();
    let argv0: OsString = std::env::args_os().next().unwrap_or_default();
    env.push(("GRADIENT_EXE_ARGV0".into(), argv0));
    if !manifest.library_path.is_empty() {
        let original = std::env::var_os("LD_LIBRARY_PATH");
        let mut paths: Vec<PathBuf> = manifest.library_path.iter().map(|l| dir.join(l)).collect();
        if let Some(o) = &original {
            paths.extend(std::env::split_paths(o));
        }
        let joined = std::env::join_paths(paths).map_err(|e| e.to_string())?;
        env.push(("LD_LIBRARY_PATH".into(), joined));
        let mut saved = OsString::new();
        if let Some(o) = original {
            saved.push("=");
            saved.push(o);
        }
        env.push(("GRADIENT_EXE_LD_LIBRARY_PATH".into(), saved));
    }
    let e = tree.exec(&manifest.program, &argv, &env);
    Err(format!("cannot run {}: {e}", program.display()))
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
