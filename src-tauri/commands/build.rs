//! Building in the background: progress and the result are sent on a channel
//! the UI passed in; the window stays responsive; a cancel flag stops the
//! work between entries (the engine leaves nothing half-written).

use super::UiError;
use crate::state::AppState;
use gradient_engine::build::{self, BuildReport, BuildRequest};
use gradient_engine::frontend;
use gradient_engine::plan::Format;
use gradient_engine::progress::{CancelFlag, Progress};
use gradient_engine::project::Project;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tauri::ipc::Channel;
use tauri::{Manager, State};

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum BuildEvent {
    Started {
        total: u64,
    },
    Step {
        label: String,
    },
    /// A line a project's own build backend printed.
    Log {
        line: String,
    },
    Progress {
        done: u64,
        total: u64,
    },
    Finished {
        report: BuildReport,
    },
    Failed {
        error: UiError,
    },
    Cancelled,
}

struct ChannelProgress {
    channel: Channel<BuildEvent>,
    cancel: Arc<CancelFlag>,
    total: AtomicU64,
    done: AtomicU64,
    /// Milliseconds since `start` of the last progress event: at most one
    /// every 50 ms reaches the UI.
    last: AtomicU64,
    start: Instant,
}

impl Progress for ChannelProgress {
    fn start(&self, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        let _ = self
            .channel
            .send(BuildEvent::Started { total: total_bytes });
    }
    fn advance(&self, bytes: u64) {
        let done = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        let now = self.start.elapsed().as_millis() as u64;
        if now.saturating_sub(self.last.load(Ordering::Relaxed)) >= 50 {
            self.last.store(now, Ordering::Relaxed);
            let total = self.total.load(Ordering::Relaxed);
            let _ = self.channel.send(BuildEvent::Progress { done, total });
        }
    }
    fn step(&self, label: &str) {
        let _ = self.channel.send(BuildEvent::Step {
            label: label.to_string(),
        });
    }
    fn log(&self, line: &str) {
        let _ = self.channel.send(BuildEvent::Log {
            line: line.to_string(),
        });
    }
    fn cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }
}

/// Build `formats` of the open project into PROJECT/dist in the background.
#[tauri::command]
pub fn start_build(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    formats: Vec<String>,
    native: Option<bool>,
    wheel_from_sdist: Option<bool>,
    on_event: Channel<BuildEvent>,
) -> Result<(), UiError> {
    let formats: Vec<Format> = formats
        .iter()
        .map(|f| f.parse::<Format>().map_err(UiError::message))
        .collect::<Result<_, _>>()?;
    if formats.is_empty() {
        return Err(UiError::message("choose at least one format"));
    }
    for f in &formats {
        f.availability()
            .map_err(|why| UiError::message(format!("{} cannot be built yet: {why}", f.name())))?;
    }
    let root = state
        .current()
        .ok_or_else(|| UiError::message("no project is open"))?;
    // Building runs what previewing would: a program the project names
    // only once the person trusts the project.
    if let Ok(project) = Project::load(&root) {
        for f in &formats {
            super::trust::check(&app, &project, *f)?;
        }
    }
    // A project built by its own backend runs that backend's code and the
    // project's (setup.py, in-tree backends): only once it is trusted.
    let backend = match native {
        Some(true) => None,
        _ => super::trust::backend_to_run(&root),
    };
    if let Some(system) = &backend {
        if !super::trust::is_trusted(&app, &root) {
            return Err(UiError::needs_trust(format!(
                "Building runs the project's build backend `{}` and its code. Gradient runs nothing a project names until you trust the project.",
                system.backend
            )));
        }
    }
    let cancel = Arc::new(CancelFlag::default());
    {
        let mut slot = state
            .build
            .lock()
            .map_err(|_| UiError::message("build state unavailable"))?;
        if slot.as_ref().is_some_and(|c| !c.is_cancelled()) {
            return Err(UiError::message("a build is already running"));
        }
        *slot = Some(cancel.clone());
    }
    std::thread::spawn(move || {
        let progress = ChannelProgress {
            channel: on_event.clone(),
            cancel,
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            last: AtomicU64::new(0),
            start: Instant::now(),
        };
        let native = native.unwrap_or(false);
        let state = app.state::<AppState>();
        let result = match backend {
            // Waits for a preview whose backend is building in the tree.
            Some(_) => state.backend_writes.run(|| {
                frontend::build(
                    &frontend::Request {
                        formats,
                        ..backend_request(&root)
                    },
                    &progress,
                )
            }),
            None => Project::load(&root)
                .map_err(gradient_engine::Error::from)
                .and_then(|mut project| {
                    if let Some(from_sdist) = wheel_from_sdist {
                        project.settings.wheel_from_sdist = from_sdist;
                    }
                    let request = BuildRequest {
                        formats,
                        out_dir: root.join("dist"),
                        native,
                        app: build::AppOptions::from_project(&project),
                    };
                    build::build(&project, &request, &progress)
                }),
        };
        let event = match result {
            Ok(report) => {
                for a in &report.artifacts {
                    state.allow(&a.written.path);
                }
                BuildEvent::Finished { report }
            }
            Err(gradient_engine::Error::Cancelled) => BuildEvent::Cancelled,
            Err(e) => BuildEvent::Failed { error: e.into() },
        };
        if let Ok(mut slot) = state.build.lock() {
            *slot = None;
        }
        let _ = on_event.send(event);
    });
    Ok(())
}

#[tauri::command]
pub fn cancel_build(state: State<'_, AppState>) {
    if let Ok(slot) = state.build.lock() {
        if let Some(flag) = slot.as_ref() {
            flag.cancel();
        }
    }
}

/// Open the folder holding an artifact the app built or the person chose.
#[tauri::command]
pub fn show_in_folder(state: State<'_, AppState>, path: String) -> Result<(), UiError> {
    let path = PathBuf::from(path);
    if !state.is_allowed(&path) {
        return Err(UiError::message(format!(
            "{} was not built or chosen here",
            path.display()
        )));
    }
    let folder = path.parent().unwrap_or(Path::new("."));
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(folder)
        .spawn()
        .map(|_| ())
        .map_err(|e| UiError::message(format!("cannot open {}: {e}", folder.display())))
}

/// A build of the project at `root` by its own backend, as `gradient build`
/// does it: sdist and wheel into `root/dist`, the wheel repaired, the
/// sources of a failure kept and named.
pub fn backend_request(root: &std::path::Path) -> frontend::Request {
    frontend::Request {
        root: root.to_path_buf(),
        out_dir: root.join("dist"),
        formats: vec![Format::Sdist, Format::Wheel],
        python: None,
        config: frontend::ConfigSettings::default(),
        sources: Default::default(),
        repair: Some(Default::default()),
        keep_failed: true,
    }
}
