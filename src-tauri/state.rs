//! What the app remembers between commands: the project it has open. Paths
//! come only from the command line or the person's own choice in a dialog.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub struct AppState {
    /// The project directory given on the command line, if any.
    initial: Option<PathBuf>,
    current: Mutex<Option<PathBuf>>,
}

impl AppState {
    pub fn new(initial: Option<PathBuf>) -> Self {
        AppState {
            initial,
            current: Mutex::new(None),
        }
    }

    /// The project to open first: the command line's, else the example.
    pub fn initial_project(&self) -> PathBuf {
        self.initial.clone().unwrap_or_else(example_project)
    }

    pub fn current(&self) -> Option<PathBuf> {
        self.current.lock().ok().and_then(|c| c.clone())
    }

    pub fn set_current(&self, path: &Path) {
        if let Ok(mut current) = self.current.lock() {
            *current = Some(path.to_path_buf());
        }
    }
}

/// The example project bundled in assets/example.
pub fn example_project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets")
        .join("example")
}
