//! What the app remembers between commands. Paths come only from the command
//! line, the person's own choices (dialogs, drops, recent projects they opened
//! before) and artifacts the app built for them: commands that take a path
//! accept only paths recorded here.

use gradient_engine::progress::CancelFlag;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What the command line asked for.
#[derive(Default)]
pub struct Launch {
    pub project: Option<PathBuf>,
    pub inspect: Option<PathBuf>,
}

impl Launch {
    /// `gradient-studio [PROJECT] [--inspect FILE]`.
    pub fn from_args(args: impl IntoIterator<Item = std::ffi::OsString>) -> Launch {
        let mut launch = Launch::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--inspect" {
                launch.inspect = args.next().map(PathBuf::from);
            } else if launch.project.is_none() {
                launch.project = Some(PathBuf::from(arg));
            }
        }
        launch
    }
}

pub struct AppState {
    pub launch: Launch,
    current: Mutex<Option<PathBuf>>,
    /// Files the person chose or the app built: the only files the
    /// inspector commands open.
    allowed: Mutex<HashSet<PathBuf>>,
    /// The running build's cancel flag.
    pub build: Mutex<Option<Arc<CancelFlag>>>,
    pub project_watch: Mutex<Option<crate::watch::Watch>>,
    pub artifact_watch: Mutex<Option<crate::watch::Watch>>,
    /// The last closure resolved for a preview or a build: reused while the
    /// dependencies, target and sources stay the same.
    pub closures: gradient_engine::build::ClosureCache,
    /// When the project's own backend last built a preview in the tree.
    pub backend_writes: Arc<BackendWrites>,
}

/// The project's own backend runs in the project's tree, for a preview or a
/// build, and writes there (setuptools its `build/` and egg-info,
/// setuptools-scm and hatch-vcs their version file). Two runs at once would
/// race on those files, so they take turns; and their writes must not count
/// as the person's edits, or each run would start the next preview.
#[derive(Default)]
pub struct BackendWrites {
    /// Held while a backend runs in the tree.
    turn: Mutex<()>,
    /// Start and end (`None` while it runs) of the last backend run.
    window: Mutex<Option<(SystemTime, Option<SystemTime>)>>,
}

impl BackendWrites {
    /// Run `backend` once no other backend runs in the tree, recording when
    /// it ran.
    pub fn run<T>(&self, backend: impl FnOnce() -> T) -> T {
        let _turn = self.turn.lock().unwrap_or_else(|e| e.into_inner());
        if let Ok(mut w) = self.window.lock() {
            *w = Some((SystemTime::now(), None));
        }
        let result = backend();
        if let Ok(mut w) = self.window.lock() {
            if let Some((_, end)) = w.as_mut() {
                *end = Some(SystemTime::now());
            }
        }
        result
    }

    /// Whether the file at `path` was last modified while the backend
    /// ran.
    pub fn wrote(&self, path: &Path) -> bool {
        let Some((start, end)) = self.window.lock().ok().and_then(|w| *w) else {
            return false;
        };
        let end = end.unwrap_or_else(SystemTime::now);
        std::fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| start <= t && t <= end)
    }
}

impl AppState {
    pub fn new(launch: Launch) -> Self {
        let state = AppState {
            current: Mutex::new(None),
            allowed: Mutex::new(HashSet::new()),
            build: Mutex::new(None),
            project_watch: Mutex::new(None),
            artifact_watch: Mutex::new(None),
            closures: Default::default(),
            backend_writes: Default::default(),
            launch,
        };
        if let Some(file) = state.launch.inspect.clone() {
            state.allow(&file);
        }
        state
    }

    /// The project to open first: the command line's, else the example.
    pub fn initial_project(&self) -> PathBuf {
        self.launch.project.clone().unwrap_or_else(example_project)
    }

    pub fn current(&self) -> Option<PathBuf> {
        self.current.lock().ok().and_then(|c| c.clone())
    }

    pub fn set_current(&self, path: &Path) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some(path.to_path_buf());
        }
    }

    pub fn allow(&self, path: &Path) {
        if let Ok(mut allowed) = self.allowed.lock() {
            allowed.insert(canonical(path));
        }
    }

    pub fn is_allowed(&self, path: &Path) -> bool {
        self.allowed
            .lock()
            .map(|a| a.contains(&canonical(path)))
            .unwrap_or(false)
    }
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

/// The example project bundled in assets/example.
pub fn example_project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join("example")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_names_a_project_and_an_artifact() {
        let launch = Launch::from_args(["proj", "--inspect", "a.whl"].map(Into::into));
        assert_eq!(launch.project, Some(PathBuf::from("proj")));
        assert_eq!(launch.inspect, Some(PathBuf::from("a.whl")));
        let state = AppState::new(launch);
        assert!(state.is_allowed(Path::new("a.whl")));
        assert!(!state.is_allowed(Path::new("/etc/passwd")));
    }
}
