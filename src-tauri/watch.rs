//! Watching the open project and the inspected artifact for changes on disk
//! (notify), debounced: a burst of events (an editor saving, git switching
//! branches) becomes one notification once the burst has been quiet for
//! [`QUIET`].

use notify::{RecursiveMode, Watcher};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const QUIET: Duration = Duration::from_millis(120);

/// A running watch; dropping it stops watching.
pub struct Watch {
    _watcher: notify::RecommendedWatcher,
}

/// Watch `path` (with everything below it when `recursive`) and call
/// `changed` with the changed paths after each quiet burst. Paths for which
/// `ignore` is true (build output, VCS data) do not count.
pub fn watch(
    path: &Path,
    recursive: bool,
    ignore: impl Fn(&Path) -> bool + Send + 'static,
    changed: impl Fn(Vec<PathBuf>) + Send + 'static,
) -> notify::Result<Watch> {
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    let mode = if recursive {
        RecursiveMode::Recursive
    } else {
        RecursiveMode::NonRecursive
    };
    watcher.watch(path, mode)?;
    std::thread::spawn(move || {
        // Ends when the watcher (the sender) is dropped.
        while let Ok(first) = rx.recv() {
            let mut paths = Vec::new();
            let mut take = |event: notify::Result<notify::Event>| {
                if let Ok(event) = event {
                    if !event.kind.is_access() {
                        paths.extend(event.paths.into_iter().filter(|p| !ignore(p)));
                    }
                }
            };
            take(first);
            loop {
                match rx.recv_timeout(QUIET) {
                    Ok(event) => take(event),
                    Err(mpsc::RecvTimeoutError::Timeout) => break,
                    Err(mpsc::RecvTimeoutError::Disconnected) => return,
                }
            }
            if !paths.is_empty() {
                paths.sort();
                paths.dedup();
                changed(paths);
            }
        }
    });
    Ok(Watch { _watcher: watcher })
}
