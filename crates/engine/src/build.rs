//! Building: plan, then write, for each requested format. The preview calls
//! [`plan`]; `gradient build` and the studio call [`build`]; both run the same
//! planning code.

use crate::apptree::{self, AppTree, Layout, PycPlacement, WheelInput};
use crate::closure::{self, lock, Closure, Sources};
use crate::deb;
use crate::discovery;
use crate::epoch;
use crate::frozen;
use crate::plan::{Format, Plan};
use crate::progress::Progress;
use crate::project::Project;
use crate::runtime::Target;
use crate::sink::{self, Written};
use crate::zipapp;
use crate::{sdist, wheel, Error, Result};
use serde::Serialize;
use sha2::Digest;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct BuildRequest {
    pub formats: Vec<Format>,
    pub out_dir: PathBuf,
    /// Build natively even though `[build-system]` names another backend.
    pub native: bool,
    /// Choices for application formats (zipapp and later).
    pub app: AppOptions,
}

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
    /// The launcher stub for frozen executables; default [`default_launcher`].
    pub launcher: Option<PathBuf>,
    /// Container image choices (`[tool.gradient.oci]` and flags).
    pub oci: crate::oci::Options,
    /// Debian package choices (override `[tool.gradient.deb]`).
    pub deb: deb::Options,
}

/// `$GRADIENT_LAUNCHER`, else `gradient-launcher` beside the running program
/// (cargo builds both into one directory; installs ship them together).
pub fn default_launcher() -> PathBuf {
    std::env::var_os("GRADIENT_LAUNCHER")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::current_exe().ok().map(|e| {
                e.with_file_name(format!("gradient-launcher{}", std::env::consts::EXE_SUFFIX))
            })
        })
        .unwrap_or_else(|| PathBuf::from("gradient-launcher"))
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
            launcher: None,
            oci: crate::oci::Options {
                settings: project.settings.oci.clone(),
                ..Default::default()
            },
            deb: deb::Options::default(),
        }
    }
}

/// An application planned: the closure, the installed tree (in a staging
/// directory that lives as long as this value) and the archive's plan.
pub struct AppPlan {
    pub plan: Plan,
    pub target: Target,
    pub closure: Closure,
    pub tree: AppTree,
    /// The entry point the archive runs.
    pub entry: zipapp::EntryPoint,
    /// A Debian package's control part (format deb).
    pub deb: Option<deb::Package>,
    pub notes: Vec<String>,
    /// A container image's application layers (`--format oci`).
    pub oci: Option<crate::oci::AppLayers>,
    /// Holds the installed tree the plan's entries point into.
    _staging: tempfile::TempDir,
}

#[derive(Debug, Clone, Serialize)]
pub struct Artifact {
    pub format: Format,
    #[serde(flatten)]
    pub written: Written,
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub artifacts: Vec<Artifact>,
    /// Things the person should know (e.g. "built natively although
    /// build-backend is hatchling.build").
    pub notes: Vec<String>,
    /// Container images built: digest, layers, outputs, push.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<crate::oci::Built>,
}

/// The plan for one format of `project`: what the preview shows.
pub fn plan(project: &Project, format: Format) -> Result<Plan> {
    format
        .availability()
        .map_err(|why| Error::Plan(format!("{} cannot be built yet: {why}", format.name())))?;
    let files = discovery::scan(project)?;
    match format {
        Format::Sdist => sdist::plan(project, &files),
        Format::Wheel => wheel::plan(project, &files),
        other => Err(Error::Plan(format!(
            "the {} plan needs the dependency closure: use plan_app",
            other.name()
        ))),
    }
}

/// Plan an application archive: build the project's wheel, resolve and
/// fetch the closure for the target, install everything into a staging
/// tree, compile bytecode with the target interpreter, and plan the archive.
pub fn plan_app(
    project: &Project,
    format: Format,
    options: &AppOptions,
    progress: &dyn Progress,
) -> Result<AppPlan> {
    if !matches!(
        format,
        Format::Zipapp | Format::Exe | Format::Deb | Format::Oci
    ) {
        return Err(Error::Plan(format!(
            "{} cannot be built yet: {}",
            format.name(),
            format
                .availability()
                .err()
                .unwrap_or("not an application format")
        )));
    }
    let mut notes = Vec::new();
    progress.step("target");
    let deb_layout = (format == Format::Deb).then(|| options.deb.layout(project));
    let deb_name = match deb_layout {
        Some(_) => Some(deb::check_project(project)?),
        None => None,
    };
    let target = match (&options.target, deb_layout) {
        // A package for the system's Python is built for Debian's python3.
        (TargetChoice::Default, Some(deb::Layout::System))
            if std::path::Path::new(deb::SYSTEM_PYTHON).exists() =>
        {
            Target::describe(std::path::Path::new(deb::SYSTEM_PYTHON))?
        }
        (choice, _) => choice.describe()?,
    };
    let runtime = match (format, deb_layout) {
        (Format::Exe, _) | (_, Some(deb::Layout::Bundled)) => Some(frozen::Runtime::of(&target)?),
        (Format::Oci, _) if !options.oci.base_python => Some(frozen::Runtime::of(&target)?),
        _ => None,
    };
    if let Some(rp) = &project.metadata.requires_python {
        let spec: pep440_rs::VersionSpecifiers = rp
            .parse()
            .map_err(|e| Error::Plan(format!("requires-python `{rp}`: {e}")))?;
        if !spec.contains(&target.python_version()) {
            return Err(Error::Target(format!(
                "{}: requires-python `{rp}` excludes the target {}",
                project.pyproject_path.display(),
                target.label()
            )));
        }
    }
    let staging = tempfile::Builder::new()
        .prefix("gradient-app-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;

    progress.step("wheel");
    let files = discovery::scan(project)?;
    let own_plan = wheel::plan(project, &files)?;
    let own = sink::write_zip(
        &own_plan,
        &staging.path().join("wheel").join(&own_plan.file_name),
        &crate::progress::Silent,
    )?;
    let own_bytes = std::fs::read(&own.path).map_err(|e| Error::io(&own.path, e))?;

    let sources = options.sources.clone().with_default_index();
    let closure = closure::resolve(
        (&project.metadata.name, &project.metadata.version),
        &project.metadata.dependencies,
        &target,
        &sources,
        progress,
    )?;
    if let Some(path) = &options.write_lock {
        lock::write(path, &closure, &target)?;
        notes.push(format!("wrote the lock {}", path.display()));
    }

    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    progress.step("install");
    let shebang = match &target.interpreter {
        Some(p) => p.display().to_string(),
        None => zipapp::DEFAULT_SHEBANG.to_string(),
    };
    let mut wheels = vec![WheelInput {
        file_name: &own_plan.file_name,
        bytes: &own_bytes,
    }];
    wheels.extend(closure.wheels.iter().map(|w| WheelInput {
        file_name: &w.file_name,
        bytes: &w.bytes,
    }));
    let layout = match (&runtime, &deb_name) {
        (Some(rt), Some(package)) => Layout {
            shebang: format!(
                "/{}/python/bin/{}",
                deb::home(package, deb::Layout::Bundled, true),
                rt.name()
            ),
            ..bundled_layout(rt)
        },
        // In an image the interpreter's place is known: scripts name it.
        (Some(rt), None) if format == Format::Oci => Layout {
            shebang: format!(
                "{}/python/bin/{}",
                crate::oci::app_root(&project.metadata.name),
                rt.name()
            ),
            ..bundled_layout(rt)
        },
        // The tree becomes the bundled interpreter's own site-packages.
        (Some(rt), None) => bundled_layout(rt),
        // A private module directory run by Debian's python3.
        (None, Some(_)) => Layout {
            site_packages: String::new(),
            ..Layout::standard(deb::SYSTEM_PYTHON)
        },
        (None, None) => Layout::standard(&shebang),
    };
    let mut tree = apptree::install(&wheels, &staging.path().join("tree"), &layout, progress)?;

    if progress.cancelled() {
        return Err(Error::Cancelled);
    }
    progress.step("bytecode");
    if format == Format::Deb {
        // Debian Python policy: compiled by postinst on the target, not shipped.
        notes.push(
            "bytecode is compiled by the package's postinst, as Debian Python policy asks".into(),
        );
    }
    let store = sources
        .cache
        .clone()
        .unwrap_or_else(closure::index::default_cache)
        .join("pyc");
    match target.compiler(Some(store)).filter(|_| format != Format::Deb) {
        Some(compiler) => {
            let placement = if tree.native || runtime.is_some() {
                PycPlacement::Cache
            } else {
                PycPlacement::Legacy
            };
            apptree::compile(&mut tree, &compiler, placement)?;
        }
        None if format == Format::Deb => {}
        None => notes.push(format!(
            "no bytecode: {} was described, not run; pass --python to compile it, or every start compiles from source",
            target.label()
        )),
    }

    let entry = zipapp::choose_entry(
        &project.metadata.name,
        &tree,
        options.zipapp.entry.as_deref(),
    )?;
    // The extraction cache key: everything that decides the tree's content.
    let mut key = sha2::Sha256::new();
    key.update(own.sha256.as_bytes());
    for w in &closure.wheels {
        key.update(w.sha256.as_bytes());
    }
    key.update(target.label().as_bytes());
    key.update(entry.object.as_bytes());
    let mut oci = None;
    let mut deb_package = None;
    let plan = match (&runtime, deb_layout) {
        _ if format == Format::Oci => {
            let payload = match &runtime {
                Some(rt) => frozen::payload(&tree, rt, staging.path())?,
                None => tree
                    .files
                    .iter()
                    .map(|f| {
                        crate::plan::Entry::file(
                            f.path.clone(),
                            tree.root.join(&f.path),
                            f.size,
                            f.executable,
                            "application",
                        )
                    })
                    .collect(),
            };
            let layers = crate::oci::plan_layers(
                project,
                payload,
                &tree,
                &entry,
                target.version,
                runtime.is_some(),
            )?;
            let plan = crate::oci::preview_plan(project, &layers, epoch::source_date_epoch());
            oci = Some(layers);
            plan
        }
        (_, Some(layout)) => {
            let (plan, package) = deb::plan(&deb::Inputs {
                project,
                tree: &tree,
                target: &target,
                runtime: runtime.as_ref(),
                layout,
                compression: options.deb.compression(project),
                mtime: epoch::source_date_epoch(),
                scratch: staging.path(),
            })?;
            deb_package = Some(package);
            plan
        }
        (Some(rt), None) => {
            key.update(rt.executable.to_string_lossy().as_bytes());
            let launcher = options.launcher.clone().unwrap_or_else(default_launcher);
            let launcher_bytes = std::fs::read(&launcher).map_err(|e| {
                Error::Plan(format!(
                    "{}: the launcher stub cannot be read ({e}); build it with `cargo build -p gradient-launcher` or set GRADIENT_LAUNCHER",
                    launcher.display()
                ))
            })?;
            key.update(&launcher_bytes);
            frozen::plan(
                (&project.metadata.name, &project.metadata.version),
                &tree,
                rt,
                &entry,
                launcher_bytes,
                key.finalize().into(),
                epoch::source_date_epoch(),
                staging.path(),
            )?
        }
        (None, None) => zipapp::plan(
            (&project.metadata.name, &project.metadata.version),
            &tree,
            &target,
            &entry,
            &options.zipapp,
            &crate::record::hex(&key.finalize()[..16]),
            epoch::source_date_epoch(),
        )?,
    };
    Ok(AppPlan {
        plan,
        target,
        closure,
        tree,
        entry,
        deb: deb_package,
        notes,
        oci,
        _staging: staging,
    })
}

/// The frozen executable's layout: the tree is the bundled interpreter's
/// own site-packages.
fn bundled_layout(rt: &frozen::Runtime) -> Layout {
    Layout {
        site_packages: rt.site_packages(),
        scripts: "python/bin".into(),
        headers: "python/include".into(),
        data: "python".into(),
        shebang: zipapp::DEFAULT_SHEBANG.into(),
    }
}

/// Plan and write every requested format into `req.out_dir`. Every plan is
/// computed (and the wheel checked against the sdist) before anything is
/// written.
pub fn build(
    project: &Project,
    req: &BuildRequest,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    let mut notes = Vec::new();
    if project.build_system.is_foreign() {
        let backend = project.build_system.backend.as_deref().unwrap_or_default();
        if !req.native {
            return Err(Error::Plan(format!(
                "{}: [build-system] names `{backend}`; build with that backend, or pass --native to build with Gradient's native builder",
                project.pyproject_path.display()
            )));
        }
        notes.push(format!(
            "built natively although [build-system] names `{backend}` (--native)"
        ));
    }
    for format in &req.formats {
        format
            .availability()
            .map_err(|why| Error::Plan(format!("{} cannot be built yet: {why}", format.name())))?;
    }
    let mut artifacts = Vec::new();
    let mut images = Vec::new();
    for format in req
        .formats
        .iter()
        .filter(|f| !matches!(f, Format::Sdist | Format::Wheel))
    {
        let app = plan_app(project, *format, &req.app, progress)?;
        notes.extend(app.notes.iter().cloned());
        progress.step(format.name());
        if let Some(layers) = &app.oci {
            let built = crate::oci::build(
                project,
                layers,
                &req.app.oci,
                &req.out_dir,
                epoch::source_date_epoch(),
                progress,
            )?;
            if let Some(p) = &built.pushed {
                notes.push(format!(
                    "pushed {}@{} ({} uploaded, {} already there, {} mounted)",
                    p.reference,
                    p.digest,
                    p.uploaded.len(),
                    p.skipped.len(),
                    p.mounted.len()
                ));
            }
            artifacts.extend(built.outputs.iter().map(|w| Artifact {
                format: *format,
                written: w.clone(),
            }));
            images.push(built);
            continue;
        }
        let dest = req.out_dir.join(&app.plan.file_name);
        let written = match &app.deb {
            Some(package) => sink::write_deb(&app.plan, package, &dest, progress)?,
            None => sink::write_zip(&app.plan, &dest, progress)?,
        };
        artifacts.push(Artifact {
            format: *format,
            written,
        });
    }
    if !req
        .formats
        .iter()
        .any(|f| matches!(f, Format::Sdist | Format::Wheel))
    {
        return Ok(BuildReport {
            artifacts,
            notes,
            images,
        });
    }
    progress.step("scan");
    let files = discovery::scan(project)?;
    let sdist_plan = sdist::plan(project, &files)?;
    let wheel_plan = wheel::plan(project, &files)?;
    if req.formats.contains(&Format::Wheel) && project.settings.wheel_from_sdist {
        let from_sdist = wheel::plan(project, &sdist::contents(&sdist_plan, &files))?;
        let differences = wheel::compare(&wheel_plan, &from_sdist);
        if !differences.is_empty() {
            return Err(Error::Plan(format!(
                "the wheel built from the sdist would differ from the wheel built from the project:\n  {}\n(set tool.gradient.wheel-from-sdist = false to skip this check)",
                differences.join("\n  ")
            )));
        }
    }
    for format in req
        .formats
        .iter()
        .filter(|f| matches!(f, Format::Sdist | Format::Wheel))
    {
        progress.step(format.name());
        let written = match format {
            Format::Sdist => sink::write_tar_gz(
                &sdist_plan,
                &req.out_dir.join(&sdist_plan.file_name),
                progress,
            )?,
            _ => sink::write_zip(
                &wheel_plan,
                &req.out_dir.join(&wheel_plan.file_name),
                progress,
            )?,
        };
        artifacts.push(Artifact {
            format: *format,
            written,
        });
    }
    Ok(BuildReport {
        artifacts,
        notes,
        images,
    })
}
