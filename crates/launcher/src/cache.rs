//! The unpacking cache, opened so that no other user can change what runs.
//!
//! Threat model: another local user (not root) who can create files in the
//! temporary directory or in any shared directory, and who races the
//! launcher (symbolic links flipped between checks, trees planted before the
//! first run). Defence: every directory on the way to the cache is opened
//! one component at a time without following symbolic links and checked on
//! the opened handle — ancestors may belong only to this user or root and
//! be writable by others only when sticky; the cache directories themselves
//! belong to this user and nobody else may write them. Every later step
//! (creating, unpacking, renaming, removing, reading the marker, running the
//! interpreter) works relative to those handles (`openat`, `mkdirat`,
//! `renameat`, `unlinkat`, `execveat`), so no path is resolved twice. Because
//! only this user or root can change any directory on the path, the path
//! itself names the same tree for as long as the program runs, which is why
//! the interpreter may find its standard library through it.

use rustix::fs::{self as rfs, AtFlags, Mode, OFlags};
use rustix::io::Errno;
use std::collections::HashMap;
use std::ffi::{CString, OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Opening a directory: never through a symbolic link.
const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);
const GROUP_OTHER_WRITE: u32 = 0o022;
const STICKY: u32 = 0o1000;

pub fn user_id() -> u32 {
    rustix::process::getuid().as_raw()
}

/// An opened directory and the path that names it (for messages, for the
/// interpreter's arguments, and for nothing the launcher itself opens).
pub struct Dir {
    fd: OwnedFd,
    pub path: PathBuf,
}

/// Open the existing directory `base`, checking it and every directory above
/// it (see the module documentation): symbolic links in `base` are resolved
/// once, up front, and the resolved path is then walked without following any.
pub fn open_trusted(base: &Path) -> Result<Dir, String> {
    let canonical = std::fs::canonicalize(base).map_err(|e| e.to_string())?;
    let mut path = PathBuf::from("/");
    let mut fd = rfs::open("/", DIR_FLAGS, Mode::empty()).map_err(|e| format!("/: {e}"))?;
    check_ancestor(&fd, &path)?;
    for component in canonical.components() {
        if let Component::Normal(name) = component {
            path.push(name);
            fd = open_dir_at(&fd, name, &path)?;
            check_ancestor(&fd, &path)?;
        }
    }
    Ok(Dir { fd, path })
}

/// Open the directory `name` in `parent` (shown as `path`), never through a
/// symbolic link.
fn open_dir_at(parent: &OwnedFd, name: &OsStr, path: &Path) -> Result<OwnedFd, String> {
    rfs::openat(parent, name, DIR_FLAGS, Mode::empty()).map_err(|e| {
        let is_link = rfs::statat(parent, name, AtFlags::SYMLINK_NOFOLLOW)
            .is_ok_and(|st| rfs::FileType::from_raw_mode(st.st_mode) == rfs::FileType::Symlink);
        if is_link {
            format!(
                "{} is a symbolic link, which is not followed",
                path.display()
            )
        } else {
            format!("{}: {}", path.display(), io::Error::from(e))
        }
    })
}

/// Only this user or root may own a directory on the way to the cache; if
/// others may write it, it must be sticky (then they cannot rename or remove
/// what is ours).
fn check_ancestor(fd: &OwnedFd, path: &Path) -> Result<(), String> {
    let st = rfs::fstat(fd).map_err(|e| format!("{}: {e}", path.display()))?;
    if st.st_uid != user_id() && st.st_uid != 0 {
        return Err(format!(
            "{} belongs to another user (uid {})",
            path.display(),
            st.st_uid
        ));
    }
    if st.st_mode & GROUP_OTHER_WRITE != 0 && st.st_mode & STICKY == 0 {
        return Err(format!("{} can be changed by other users", path.display()));
    }
    Ok(())
}

/// A cache directory proper: ours, and nobody else may write it.
fn check_private(fd: &OwnedFd, path: &Path) -> Result<(), String> {
    let st = rfs::fstat(fd).map_err(|e| format!("{}: {e}", path.display()))?;
    if st.st_uid != user_id() || st.st_mode & GROUP_OTHER_WRITE != 0 {
        return Err(format!(
            "{} is not private to this user (owner uid {}, mode {:o})",
            path.display(),
            st.st_uid,
            st.st_mode & 0o7777
        ));
    }
    Ok(())
}

fn io_err(e: Errno) -> io::Error {
    io::Error::from(e)
}

impl Dir {
    /// The private directory `name` in this one, created (0700) if absent.
    pub fn private_child(&self, name: &str) -> Result<Dir, String> {
        match rfs::mkdirat(&self.fd, name, Mode::RWXU) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(format!("{}: {e}", self.path.join(name).display())),
        }
        self.open_private(name)
    }

    /// The existing private directory `name` in this one.
    pub fn open_private(&self, name: &str) -> Result<Dir, String> {
        let path = self.path.join(name);
        let fd = open_dir_at(&self.fd, OsStr::new(name), &path)?;
        check_private(&fd, &path)?;
        Ok(Dir { fd, path })
    }

    /// Create a new private directory `name` (fails if it exists).
    pub fn create_private(&self, name: &str) -> Result<Dir, String> {
        rfs::mkdirat(&self.fd, name, Mode::RWXU)
            .map_err(|e| format!("{}: {e}", self.path.join(name).display()))?;
        self.open_private(name)
    }

    /// The existing directory at relative path `rel` (`/`-separated), each
    /// component opened without following links.
    fn subdir(&self, rel: &Path) -> io::Result<OwnedFd> {
        let mut fd = rfs::openat(&self.fd, ".", DIR_FLAGS, Mode::empty()).map_err(io_err)?;
        for component in rel.components() {
            let Component::Normal(name) = component else {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "not a plain relative path",
                ));
            };
            fd = rfs::openat(&fd, name, DIR_FLAGS, Mode::empty()).map_err(io_err)?;
        }
        Ok(fd)
    }

    fn split(rel: &Path) -> io::Result<(&Path, &OsStr)> {
        match (rel.parent(), rel.file_name()) {
            (Some(parent), Some(name)) => Ok((parent, name)),
            _ => Err(io::Error::new(io::ErrorKind::InvalidInput, "no file name")),
        }
    }

    /// Open the regular file at `rel` for reading, without following links.
    pub fn open_file(&self, rel: impl AsRef<Path>) -> io::Result<File> {
        let (parent, name) = Self::split(rel.as_ref())?;
        let dir = self.subdir(parent)?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(&dir, name, flags, Mode::empty()).map_err(io_err)?;
        let st = rfs::fstat(&fd).map_err(io_err)?;
        if rfs::FileType::from_raw_mode(st.st_mode) != rfs::FileType::RegularFile {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "not a file"));
        }
        Ok(File::from(fd))
    }

    /// The text of the file at `rel`, when this user owns it.
    pub fn read_owned(&self, rel: &str) -> io::Result<String> {
        let mut file = self.open_file(rel)?;
        let st = rfs::fstat(file.as_fd()).map_err(io_err)?;
        if st.st_uid != user_id() {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "owned by another user",
            ));
        }
        let mut text = String::new();
        io::Read::read_to_string(&mut file, &mut text)?;
        Ok(text)
    }

    /// Whether `rel` is a regular file (links are not).
    pub fn is_file(&self, rel: &str) -> bool {
        self.open_file(rel).is_ok()
    }

    /// Create the new file `rel` (its directories as needed) with `mode`.
    pub fn create_file(&self, rel: &Path, mode: u32) -> io::Result<File> {
        self.writer().create_file(rel, mode)
    }

    /// A writer of new files and directories under this one that keeps the
    /// directories it has opened.
    pub fn writer(&self) -> TreeWriter<'_> {
        TreeWriter {
            root: self,
            dirs: HashMap::new(),
        }
    }

    /// Rename entry `from` to `to`, both in this directory.
    pub fn rename(&self, from: &str, to: &str) -> io::Result<()> {
        rfs::renameat(&self.fd, from, &self.fd, to).map_err(io_err)
    }

    /// Hold an exclusive lock on this directory until the handle closes
    /// (also at exec, the handle being close-on-exec, or when the process
    /// dies), waiting for whoever holds it.
    pub fn lock(&self) -> io::Result<()> {
        rfs::flock(&self.fd, rfs::FlockOperation::LockExclusive).map_err(io_err)
    }

    /// Whether entry `name` exists (of any kind).
    pub fn exists(&self, name: &str) -> bool {
        rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).is_ok()
    }

    /// Hours since entry `name` was last modified.
    pub fn age_hours(&self, name: &str) -> u64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        rfs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW)
            .map(|st| now.saturating_sub(st.st_mtime.max(0) as u64) / 3600)
            .unwrap_or(0)
    }

    /// The names in this directory.
    pub fn names(&self) -> io::Result<Vec<String>> {
        let dir = rfs::Dir::read_from(&self.fd).map_err(io_err)?;
        let mut out = Vec::new();
        for entry in dir {
            let entry = entry.map_err(io_err)?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name != "." && name != ".." {
                out.push(name);
            }
        }
        Ok(out)
    }

    /// Remove entry `name` and everything below it, never following a link.
    pub fn remove_tree(&self, name: &str) -> io::Result<()> {
        remove_at(&self.fd, OsStr::new(name))
    }

    /// Replace this process with the program at `rel` in this directory
    /// (`execveat`: the program is found through the handle, not the path).
    /// Returns only on failure.
    pub fn exec(&self, rel: &str, argv: &[OsString], env: &[(OsString, OsString)]) -> io::Error {
        match exec_at(&self.fd, rel, argv, env) {
            Ok(never) => match never {},
            Err(e) => e,
        }
    }
}

/// Creates files and directories under a [`Dir`], each directory made and
/// opened once: a payload holds thousands of files in a few hundred
/// directories, and making and opening every ancestor again for each file
/// (mostly `mkdirat` on directories that exist, which locks them) was most
/// of a first run's time.
pub struct TreeWriter<'a> {
    root: &'a Dir,
    dirs: HashMap<PathBuf, OwnedFd>,
}

impl TreeWriter<'_> {
    /// Create the new file `rel` (its directories as needed) with `mode`.
    pub fn create_file(&mut self, rel: &Path, mode: u32) -> io::Result<File> {
        let (parent, name) = Dir::split(rel)?;
        let dir = self.dir(parent)?;
        let flags =
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let fd = rfs::openat(dir, name, flags, Mode::from_raw_mode(mode)).map_err(io_err)?;
        rfs::fchmod(&fd, Mode::from_raw_mode(mode)).map_err(io_err)?;
        Ok(File::from(fd))
    }

    /// Create the directory `rel` and its parents.
    pub fn create_dirs(&mut self, rel: &Path) -> io::Result<()> {
        self.dir(rel).map(drop)
    }

    /// The directory at `rel`, made (0755) and opened without following
    /// links the first time it is asked for.
    fn dir(&mut self, rel: &Path) -> io::Result<&OwnedFd> {
        if !self.dirs.contains_key(rel) {
            let fd = if rel.as_os_str().is_empty() {
                rfs::openat(&self.root.fd, ".", DIR_FLAGS, Mode::empty()).map_err(io_err)?
            } else {
                let (parent, name) = Dir::split(rel)?;
                if !matches!(rel.components().next_back(), Some(Component::Normal(_))) {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "not a plain relative path",
                    ));
                }
                let parent = self.dir(parent)?;
                match rfs::mkdirat(parent, name, Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(io_err(e)),
                }
                rfs::openat(parent, name, DIR_FLAGS, Mode::empty()).map_err(io_err)?
            };
            self.dirs.insert(rel.to_path_buf(), fd);
        }
        self.dirs
            .get(rel)
            .ok_or_else(|| io::Error::other("directory handle lost"))
    }
}

fn remove_at(parent: &OwnedFd, name: &OsStr) -> io::Result<()> {
    match rfs::openat(parent, name, DIR_FLAGS, Mode::empty()) {
        Ok(fd) => {
            let dir = Dir {
                fd,
                path: PathBuf::new(),
            };
            for child in dir.names()? {
                remove_at(&dir.fd, OsStr::new(&child))?;
            }
            rfs::unlinkat(parent, name, AtFlags::REMOVEDIR).map_err(io_err)
        }
        Err(Errno::NOTDIR | Errno::LOOP) => {
            rfs::unlinkat(parent, name, AtFlags::empty()).map_err(io_err)
        }
        Err(e) => Err(io_err(e)),
    }
}

fn c_string(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "NUL byte"))
}

enum Never {}

fn exec_at(
    dir: &OwnedFd,
    rel: &str,
    argv: &[OsString],
    env: &[(OsString, OsString)],
) -> io::Result<Never> {
    let program = c_string(rel.as_bytes())?;
    let argv: Vec<CString> = argv
        .iter()
        .map(|a| c_string(a.as_bytes()))
        .collect::<io::Result<_>>()?;
    let env: Vec<CString> = env
        .iter()
        .map(|(k, v)| c_string(&[k.as_bytes(), b"=", v.as_bytes()].concat()))
        .collect::<io::Result<_>>()?;
    let argv_ptrs: Vec<*const libc::c_char> = argv
        .iter()
        .map(|a| a.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    let env_ptrs: Vec<*const libc::c_char> = env
        .iter()
        .map(|e| e.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect();
    // SAFETY: every pointer refers to a NUL-terminated string alive until the
    // call returns, and both arrays end with a null pointer, as execveat(2)
    // requires; on success the call does not return.
    unsafe {
        libc::syscall(
            libc::SYS_execveat,
            dir.as_raw_fd(),
            program.as_ptr(),
            argv_ptrs.as_ptr(),
            env_ptrs.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        );
    }
    Err(io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_children_are_checked_on_the_handle() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = open_trusted(tmp.path()).expect("a fresh temporary directory is trusted");
        let child = base.private_child("cache").expect("created");
        assert!(child.path.ends_with("cache"));
        std::os::unix::fs::symlink(tmp.path().join("cache"), tmp.path().join("link"))
            .expect("symlink");
        let e = base.open_private("link").err().expect("a link is refused");
        assert!(e.contains("symbolic link"), "{e}");
        std::fs::create_dir(tmp.path().join("open")).expect("mkdir");
        std::fs::set_permissions(
            tmp.path().join("open"),
            std::os::unix::fs::PermissionsExt::from_mode(0o777),
        )
        .expect("chmod");
        let e = base
            .open_private("open")
            .err()
            .expect("world-writable is refused");
        assert!(e.contains("not private"), "{e}");
    }

    #[test]
    fn files_are_created_read_and_removed_relative_to_the_handle() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = open_trusted(tmp.path()).expect("trusted");
        let tree = base.create_private("t").expect("created");
        let mut f = tree
            .create_file(Path::new("a/b/c.txt"), 0o644)
            .expect("file");
        io::Write::write_all(&mut f, b"hello").expect("write");
        assert_eq!(tree.read_owned("a/b/c.txt").expect("read"), "hello");
        std::os::unix::fs::symlink("/etc", tmp.path().join("t/a/etc")).expect("symlink");
        assert!(
            tree.open_file("a/etc/hostname").is_err(),
            "links are not followed"
        );
        base.rename("t", "u").expect("rename");
        base.remove_tree("u").expect("removed");
        assert!(!base.exists("u"));
        assert!(
            tmp.path().join("..").exists(),
            "nothing outside was touched"
        );
    }

    #[test]
    fn a_tree_writer_makes_each_directory_once_and_follows_no_link() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let base = open_trusted(tmp.path()).expect("trusted");
        let tree = base.create_private("t").expect("tree");
        let mut writer = tree.writer();
        for name in ["p/q/one.py", "p/q/two.py", "p/three.py"] {
            let mut f = writer.create_file(Path::new(name), 0o755).expect(name);
            io::Write::write_all(&mut f, name.as_bytes()).expect("write");
        }
        writer.create_dirs(Path::new("p/empty")).expect("dirs");
        assert_eq!(tree.read_owned("p/q/two.py").expect("read"), "p/q/two.py");
        assert!(tmp.path().join("t/p/empty").is_dir());
        assert!(
            writer.create_file(Path::new("p/q/one.py"), 0o644).is_err(),
            "files are new"
        );
        assert!(writer.create_file(Path::new("../out.txt"), 0o644).is_err());
        std::os::unix::fs::symlink(tmp.path(), tmp.path().join("t/link")).expect("symlink");
        assert!(writer
            .create_file(Path::new("link/planted.txt"), 0o644)
            .is_err());
        assert!(
            !tmp.path().join("planted.txt").exists(),
            "links are not followed"
        );
    }
}
