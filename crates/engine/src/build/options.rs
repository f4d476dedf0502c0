//! Choices for application formats: the target interpreter, the sources of
//! the closure, the zipapp's options and the frozen executable's launcher.

use crate::closure::{self, Sources};
use crate::frozen;
use crate::project::Project;
use crate::runtime::Target;
use crate::zipapp;
use crate::{Error, Result};
use std::path::PathBuf;
use std::sync::Arc;

/// The interpreter an application is built for.
#[derive(Debug, Clone, Default)]
pub enum TargetChoice {
    /// `python3` on PATH, run once to describe it.
    #[default]
    Default,
    /// An interpreter to run and describe (`--python`).
    Python(PathBuf),
    /// A description without an interpreter (`--target 3.12-manylinux_2_28_x86_64`).
    Spec(String),
    /// A python-build-standalone `install_only` archive (`--runtime`),
    /// unpacked once into the user's cache and described like `Python`.
    Runtime(PathBuf),
    /// A target described already (a published application's, described
    /// once before its closure is resolved).
    Described(Box<Target>),
}

impl TargetChoice {
    pub fn describe(&self) -> Result<Target> {
        match self {
            TargetChoice::Default => Target::describe(&Target::default_interpreter()),
            TargetChoice::Python(p) => Target::describe(p),
            TargetChoice::Spec(s) => Target::parse(s),
            TargetChoice::Runtime(archive) => Target::describe(&frozen::unpack_runtime(
                archive,
                &closure::index::default_cache(),
            )?),
            TargetChoice::Described(target) => Ok((**target).clone()),
        }
    }
}

/// Choices for application formats.
#[derive(Debug, Clone, Default)]
pub struct AppOptions {
    pub target: TargetChoice,
    pub sources: Sources,
    pub zipapp: zipapp::Options,
    /// Write the resolved closure as a PEP 751 lock here.
    pub write_lock: Option<PathBuf>,
    /// The application's file name instead of `<name>-<version>.pyz` or
    /// `<name>`.
    pub file_name: Option<String>,
    /// Container image choices (`[tool.gradient.oci]` and flags).
    pub oci: crate::oci::Options,
    /// Debian package choices (override `[tool.gradient.deb]`).
    pub deb: crate::deb::Options,
    /// The application is a published distribution (`gradient build
    /// REQUIREMENT`): its wheel comes with the closure instead of being
    /// built from the project.
    pub published: bool,
}

/// The launcher stub this Gradient ships: built static by `build.rs` from
/// `crates/launcher` and embedded, so every front end can freeze
/// executables with nothing else installed.
pub const SHIPPED_LAUNCHER: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/gradient-launcher"));

/// The stub to put in front of a frozen executable: `$GRADIENT_LAUNCHER`
/// (a launcher being worked on), else [`SHIPPED_LAUNCHER`].
pub fn launcher_stub() -> Result<Arc<[u8]>> {
    match std::env::var_os("GRADIENT_LAUNCHER").map(PathBuf::from) {
        None => Ok(Arc::from(SHIPPED_LAUNCHER)),
        Some(path) => std::fs::read(&path).map(Arc::from).map_err(|e| {
            let why = format!("the launcher stub cannot be read ({e})");
            Error::io(&path, std::io::Error::new(e.kind(), why))
        }),
    }
}

impl AppOptions {
    /// The project's `[tool.gradient.app]` choices, paths resolved against
    /// its root.
    pub fn from_project(project: &Project) -> AppOptions {
        let app = &project.settings.app;
        let at_root = |p: &str| project.root.join(p);
        AppOptions {
            target: match (&app.python, &app.target) {
                (Some(p), _) if p.contains('/') => TargetChoice::Python(at_root(p)),
                (Some(p), _) => TargetChoice::Python(PathBuf::from(p)),
                (None, Some(t)) => TargetChoice::Spec(t.clone()),
                (None, None) => TargetChoice::Default,
            },
            sources: Sources {
                wheelhouses: app.wheelhouse.iter().map(|w| at_root(w)).collect(),
                indexes: app.index.clone(),
                lock: app.lock.as_deref().map(at_root),
                cache: None,
            },
            zipapp: zipapp::Options {
                shebang: app.shebang.clone(),
                entry: app.entry.clone(),
            },
            write_lock: None,
            file_name: None,
            oci: crate::oci::Options {
                settings: project.settings.oci.clone(),
                ..Default::default()
            },
            deb: crate::deb::Options::default(),
            published: false,
        }
    }
}
