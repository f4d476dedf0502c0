//! pyproject.toml → a validated project model.
//!
//! Implements "Writing your pyproject.toml" / the `[project]` table of the
//! pyproject.toml specification (packaging.python.org/en/latest/specifications/
//! pyproject-toml/), plus Gradient's own `[tool.gradient]` build settings.
//!
//! Parsing keeps the TOML spans so that every error names the file, the line
//! and the dotted field, and says what would be valid.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

mod backend;
mod deb;
pub mod edit;
mod entries;
mod fields;
mod imports;
mod parse;

/// An invalid project input. Always names the file; line and field where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct ProjectError {
    pub file: PathBuf,
    /// 1-based line number in `file`.
    pub line: Option<usize>,
    /// Dotted field path, e.g. `project.dependencies[2]`.
    pub field: Option<String>,
    /// What is wrong and what would be valid.
    pub message: String,
    /// The other problems found in the same reading of the file, in file
    /// order, so that one run reports them all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<ProjectError>,
}

/// `file:line: field: message`, one line per problem.
impl std::fmt::Display for ProjectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        write!(f, "{}", self.message)?;
        for other in &self.more {
            write!(f, "\n{other}")?;
        }
        Ok(())
    }
}

/// A validated Python project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// The directory holding pyproject.toml.
    pub root: PathBuf,
    /// `root/pyproject.toml`.
    pub pyproject_path: PathBuf,
    pub metadata: Metadata,
    pub settings: Settings,
    /// `[build-system]`.
    pub build_system: BuildSystem,
    /// Valid input the specifications allow but the builder advises against
    /// (deprecated forms, conventions not followed), each naming the file,
    /// line and field: shown with the preview and the build's notes.
    pub warnings: Vec<String>,
}

/// The `[project]` table, validated and normalised.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Metadata {
    /// The name as written (display form).
    pub name: String,
    /// PEP 503 normalised name (`names::normalize`).
    pub normalized_name: String,
    /// A valid PEP 440 version, in normalised form.
    pub version: String,
    pub description: Option<String>,
    pub readme: Option<Readme>,
    pub requires_python: Option<String>,
    pub license: Option<License>,
    /// Paths relative to the project root, `/`-separated, sorted, each an
    /// existing file (from `license-files` globs or the legacy table's `file`).
    pub license_files: Vec<String>,
    pub authors: Vec<Person>,
    pub maintainers: Vec<Person>,
    pub keywords: Vec<String>,
    pub classifiers: Vec<String>,
    /// `[project.urls]`, label → URL, in file order.
    pub urls: Vec<(String, String)>,
    /// PEP 508 requirement strings, validated, as written.
    pub dependencies: Vec<String>,
    /// extra (normalised) → requirements.
    pub optional_dependencies: BTreeMap<String, Vec<String>>,
    /// name → `module:object` reference.
    pub scripts: BTreeMap<String, String>,
    pub gui_scripts: BTreeMap<String, String>,
    /// group → (name → reference), excluding console_scripts/gui_scripts.
    pub entry_points: BTreeMap<String, BTreeMap<String, String>>,
    /// PEP 794 `import-names` (core metadata `Import-Name`), each
    /// `name` or `name; private`; `Some(vec![])` declares no import names.
    pub import_names: Option<Vec<String>>,
    /// PEP 794 `import-namespaces` (core metadata `Import-Namespace`).
    pub import_namespaces: Option<Vec<String>>,
    /// Fields listed in `dynamic` (only ones the native builder can compute
    /// survive validation).
    pub dynamic: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readme {
    /// Relative path of the readme file, `/`-separated, if it comes from a file.
    pub file: Option<String>,
    /// The text (read from the file, or given inline).
    pub text: String,
    /// `text/markdown`, `text/x-rst` or `text/plain` (with `; charset=...` if given).
    pub content_type: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum License {
    /// PEP 639 SPDX license expression (normalised form).
    Spdx(String),
    /// Legacy `license = { text = "..." }`.
    Text(String),
    /// Legacy `license = { file = "..." }`: the text of the file; the file
    /// itself is also in `license_files`.
    File { path: String, text: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// `[tool.gradient]`: how the native builder finds and packs the code.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    /// Import names of the top-level module(s)/package(s); dotted names for a
    /// package inside a namespace package (`acme.tools`). Default: the
    /// normalised project name with `-` → `_`.
    pub module_names: Vec<String>,
    /// Directory (relative, `/`-separated) the modules live in; `None` means
    /// detect: `src` when `src/<module>` exists, else the project root.
    pub module_root: Option<String>,
    /// Allow packages without `__init__.py` (PEP 420 namespace packages).
    pub namespace: bool,
    /// Extra globs (relative to the root) added to the sdist.
    pub include: Vec<String>,
    /// Globs excluded from every artifact.
    pub exclude: Vec<String>,
    /// Globs excluded from the wheel only.
    pub wheel_exclude: Vec<String>,
    /// Globs excluded from the sdist only (the wheel-from-sdist check then
    /// tells when the wheel would lose files because of them).
    pub sdist_exclude: Vec<String>,
    /// Wheel `.data` directories: scheme (`scripts`, `data`, `headers`,
    /// `purelib`, `platlib`) → directory relative to the root.
    pub data: BTreeMap<String, String>,
    /// Build the wheel from the sdist and compare (default true).
    pub wheel_from_sdist: bool,
    /// What other backends' own settings add to or leave out of the sdist
    /// (`[tool.hatch.build]`, `[tool.flit.sdist]`, ...: `backend::sdist`).
    pub backend_sdist: Vec<BackendGlobs>,
    /// `[tool.gradient.app]`: defaults for application formats.
    pub app: AppSettings,
    /// `[tool.gradient.deb]`: Debian packages.
    pub deb: DebSettings,
    /// `[tool.gradient.oci]`: the container image's base, name and config.
    pub oci: OciSettings,
}

/// One sdist setting of another backend: its field (`tool.flit.sdist.include`),
/// whether it includes or excludes, and its globs relative to the root.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct BackendGlobs {
    pub field: String,
    pub include: bool,
    pub patterns: Vec<String>,
}

/// `[tool.gradient.oci]`: choices for container images (command-line flags
/// override each). Paths are relative to the project root. The studio's
/// form sends all but the labels and environment (kept as written).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct OciSettings {
    /// A directory of .deb files, an OCI layout, an archive or a reference.
    pub base: Option<String>,
    /// `NAME[:TAG]` of the image (default: the project's name and version).
    pub tag: Option<String>,
    /// `REGISTRY/REPOSITORY:TAG` to push to after building.
    pub push: Option<String>,
    /// `User` (default: a non-root user).
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// `ExposedPorts`: `8000` or `8000/tcp`, `53/udp`.
    pub ports: Vec<String>,
    #[serde(skip_deserializing)]
    pub labels: BTreeMap<String, String>,
    /// Extra environment variables (PATH is extended, never replaced).
    #[serde(skip_deserializing)]
    pub env: BTreeMap<String, String>,
}

/// `[tool.gradient.app]`: the target, the sources and the entry point of an
/// application build, so the project states them once (command-line flags
/// override each). The studio edits them (deserialised from its form).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct AppSettings {
    /// An interpreter to describe (a path or a command on PATH).
    pub python: Option<String>,
    /// A target described without an interpreter.
    pub target: Option<String>,
    /// Wheel directories, relative to the project root (or absolute).
    pub wheelhouse: Vec<String>,
    /// Simple-API index URLs.
    pub index: Vec<String>,
    /// A PEP 751 lock file, relative to the project root.
    pub lock: Option<String>,
    /// The console script (or `module:attr`) to run.
    pub entry: Option<String>,
    /// The zipapp's interpreter line, without `#!`.
    pub shebang: Option<String>,
}

/// `[tool.gradient.deb]`: how a Debian package of the application is made
/// (command-line flags override the layout and the compression). The
/// studio's form sends all but the conffiles and service (kept as written).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct DebSettings {
    /// The package name; default derived from the project name.
    pub package: Option<String>,
    /// `Name <email>`; default the first maintainer (else author) with both.
    pub maintainer: Option<String>,
    pub section: Option<String>,
    pub priority: Option<String>,
    /// `bundled` or `system`.
    pub layout: Option<String>,
    /// Extra Depends entries, as written (`nginx | apache2`).
    pub depends: Vec<String>,
    /// The Debian revision (default `1`).
    pub revision: Option<String>,
    /// `zstd`, `xz` or `gzip`.
    pub compression: Option<String>,
    /// Configuration files: installed path under /etc → project file.
    #[serde(skip_deserializing)]
    pub conffiles: Vec<(String, String)>,
    /// A systemd service, when the table is present.
    #[serde(skip_deserializing)]
    pub service: Option<ServiceSettings>,
}

/// `[tool.gradient.deb.service]`: a systemd unit running the application.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ServiceSettings {
    /// The command line; default the entry script with no arguments.
    pub command: Option<String>,
    /// The system user it runs as; default the package name.
    pub user: Option<String>,
    /// Environment variables, in file order.
    pub environment: Vec<(String, String)>,
    pub description: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            module_names: Vec::new(),
            module_root: None,
            namespace: false,
            include: Vec::new(),
            exclude: Vec::new(),
            wheel_exclude: Vec::new(),
            sdist_exclude: Vec::new(),
            data: BTreeMap::new(),
            wheel_from_sdist: true,
            backend_sdist: Vec::new(),
            app: AppSettings::default(),
            oci: OciSettings::default(),
            deb: DebSettings::default(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildSystem {
    pub requires: Vec<String>,
    /// `build-backend`, if given.
    pub backend: Option<String>,
}

impl BuildSystem {
    /// True when pyproject.toml names a build backend other than Gradient's.
    pub fn is_foreign(&self) -> bool {
        self.backend
            .as_deref()
            .is_some_and(|b| b != crate::project::GRADIENT_BACKEND)
    }
}

/// The backend name a project uses to say "built by Gradient".
pub const GRADIENT_BACKEND: &str = "gradient_build";

impl Project {
    /// Read and validate `root/pyproject.toml`.
    pub fn load(root: &Path) -> Result<Project, ProjectError> {
        parse::load(root)
    }

    /// A project at `root` without a pyproject.toml: no metadata, default
    /// settings. What choices read before a published application's
    /// project is known (`gradient build REQUIREMENT`).
    pub fn unnamed(root: &Path) -> Project {
        Project {
            root: root.to_path_buf(),
            pyproject_path: PathBuf::new(),
            metadata: Metadata::default(),
            settings: Settings::default(),
            build_system: BuildSystem::default(),
            warnings: Vec::new(),
        }
    }
}
