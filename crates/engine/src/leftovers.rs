//! What a killed run leaves behind (SIGKILL, a power cut: no unwinding) is
//! removed by the next run, safely: only Gradient's own temporaries, only
//! those whose writer is gone. A writer holds an exclusive `flock` on its
//! temporary (an artifact's `.part` file, a staging directory's `.lock`)
//! for as long as it works; the kernel drops the lock when the process
//! dies, so an unlocked temporary has no writer. An age floor keeps a
//! sweep from racing a writer between creating its temporary and locking it.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

/// Younger temporaries are never swept, locked or not.
const STALE_AFTER: Duration = Duration::from_secs(60);

/// The lock file inside a staging directory.
pub const STAGING_LOCK: &str = ".lock";

/// Take the lock that marks `file` as being worked on. Best effort: a file
/// system without `flock` just leaves its temporaries for a person to remove.
pub fn hold(file: &File) {
    let _ = file.lock();
}

/// A staging directory's lock, held for as long as the value lives.
pub struct Held {
    _file: File,
}

/// Create and lock `dir/.lock`.
pub fn hold_dir(dir: &Path) -> std::io::Result<Held> {
    let file = File::create(dir.join(STAGING_LOCK))?;
    hold(&file);
    Ok(Held { _file: file })
}

/// Remove the `.gradient-*.part` files in `dir` that killed runs left.
pub fn sweep_parts(dir: &Path) {
    sweep(
        dir,
        |name| name.starts_with(".gradient-") && name.ends_with(".part"),
        false,
    );
}

/// Remove the `<prefix>*` staging directories that killed runs left where
/// [`crate::scratch`] puts them.
pub fn sweep_staging(prefix: &str) {
    for place in crate::scratch::places() {
        sweep(&place, |name| name.starts_with(prefix), true);
    }
}

fn sweep(dir: &Path, ours: impl Fn(&str) -> bool, dirs: bool) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_str().is_some_and(&ours) {
            continue;
        }
        // Not followed through a link: only what is really there.
        let Ok(meta) = entry.metadata() else { continue };
        let old = meta
            .modified()
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if !old || (dirs && !meta.is_dir()) || (!dirs && !meta.is_file()) {
            continue;
        }
        let path = entry.path();
        let lock = if dirs {
            path.join(STAGING_LOCK)
        } else {
            path.clone()
        };
        let Ok(file) = File::open(&lock) else {
            continue;
        };
        if file.try_lock().is_err() {
            continue;
        }
        let _ = match dirs {
            true => std::fs::remove_dir_all(&path),
            false => std::fs::remove_file(&path),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn backdate(path: &Path) {
        let then = SystemTime::now() - Duration::from_secs(3600);
        File::open(path).unwrap().set_modified(then).unwrap();
    }

    #[test]
    fn only_unlocked_old_temporaries_of_ours_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let at = |n: &str| dir.path().join(n);
        for name in [
            ".gradient-dead.part",
            ".gradient-live.part",
            ".gradient-new.part",
            "other.part",
        ] {
            std::fs::write(at(name), name).unwrap();
        }
        for name in [".gradient-dead.part", ".gradient-live.part", "other.part"] {
            backdate(&at(name));
        }
        let live = File::open(at(".gradient-live.part")).unwrap();
        hold(&live);
        sweep_parts(dir.path());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [".gradient-live.part", ".gradient-new.part", "other.part"]
        );
    }

    #[test]
    fn staging_directories_are_swept_once_their_lock_is_free() {
        let base = tempfile::tempdir().unwrap();
        let prefix = format!("gradient-test-{}-", std::process::id());
        let dead = base.path().join("dead");
        std::fs::create_dir(&dead).unwrap();
        let linked = std::env::temp_dir().join(format!("{prefix}dead"));
        std::os::unix::fs::symlink(&dead, &linked).unwrap();
        let stale = std::env::temp_dir().join(format!("{prefix}stale"));
        let busy = std::env::temp_dir().join(format!("{prefix}busy"));
        for dir in [&stale, &busy] {
            std::fs::create_dir(dir).unwrap();
            std::fs::write(dir.join("big"), "x").unwrap();
        }
        let held = hold_dir(&busy).unwrap();
        drop(hold_dir(&stale).unwrap());
        backdate(&stale);
        backdate(&busy);
        sweep_staging(&prefix);
        assert!(!stale.exists(), "a dead run's staging is removed");
        assert!(busy.join("big").exists(), "a live run's staging is kept");
        assert!(dead.exists() && linked.exists(), "a link is not followed");
        drop(held);
        std::fs::remove_dir_all(&busy).unwrap();
        std::fs::remove_file(&linked).unwrap();
    }
}
