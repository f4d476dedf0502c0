//! Staging applications: the target is described, the project's wheel
//! built (in memory), the closure resolved and fetched, and everything
//! installed — once per build, whatever the number of application formats —
//! then each format's tree is derived ([`apptree::relayout`]), its bytecode
//! compiled, and its archive planned.

use super::options::{launcher_stub, AppOptions, TargetChoice};
use crate::apptree::{self, AppTree, Layout, PycPlacement, WheelData, WheelInput};
use crate::closure::{self, lock, Closure, Sources};
use crate::deb;
use crate::discovery;
use crate::entry_points::{choose_entry, EntryPoint};
use crate::frozen;
use crate::plan::{Entry, Format, Plan};
use crate::progress::{Progress, Silent};
use crate::project::Project;
use crate::runtime::Target;
use crate::sink;
use crate::wheel;
use crate::zipapp;
use crate::{Error, Result};
use sha2::Digest;
use std::sync::{Arc, Mutex};

/// The application formats.
pub fn is_app(format: Format) -> bool {
    matches!(
        format,
        Format::Zipapp | Format::Exe | Format::Deb | Format::Oci
    )
}

/// Closures resolved earlier, by everything that decides them (the
/// project's name, version and dependencies, the target, the sources and
/// what the wheelhouses and lock hold). The studio keeps one for the open
/// project, so an edit that leaves the dependencies alone previews without
/// resolving or fetching again; a build from the command line starts empty.
#[derive(Default)]
pub struct ClosureCache {
    last: Mutex<Option<(String, Arc<Closure>)>>,
}

impl ClosureCache {
    fn resolve(
        &self,
        project: &Project,
        target: &Target,
        sources: &Sources,
        progress: &dyn Progress,
    ) -> Result<Arc<Closure>> {
        let key = closure_key(project, target, sources);
        if let Ok(last) = self.last.lock() {
            if let Some((k, closure)) = last.as_ref() {
                if *k == key {
                    return Ok(closure.clone());
                }
            }
        }
        let closure = Arc::new(closure::resolve(
            (&project.metadata.name, &project.metadata.version),
            &project.metadata.dependencies,
            target,
            sources,
            progress,
        )?);
        if let Ok(mut last) = self.last.lock() {
            *last = Some((key, closure.clone()));
        }
        Ok(closure)
    }

    /// A cache holding `closure`, resolved already for `project` (a
    /// published application's, whose project is known only from the
    /// closure's wheel).
    pub(super) fn holding(
        project: &Project,
        target: &Target,
        sources: &Sources,
        closure: Arc<Closure>,
    ) -> ClosureCache {
        let key = closure_key(project, target, sources);
        ClosureCache {
            last: Mutex::new(Some((key, closure))),
        }
    }
}

/// What decides a closure, as text; wheelhouses and the lock by content
/// listing (file names, sizes and modification times).
fn closure_key(project: &Project, target: &Target, sources: &Sources) -> String {
    let m = &project.metadata;
    let mut key = format!(
        "{}\0{}\0{:?}\0{target:?}\0{sources:?}",
        m.name, m.version, m.dependencies
    );
    let stamp = |p: &std::path::Path| {
        std::fs::metadata(p)
            .ok()
            .map(|m| format!("{}:{:?}", m.len(), m.modified().ok()))
    };
    for dir in &sources.wheelhouses {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| format!("{:?}={:?}", e.file_name(), stamp(&e.path())))
            .collect();
        names.sort();
        key.push_str(&names.join("\0"));
    }
    if let Some(lock) = &sources.lock {
        key.push_str(&format!("{:?}", stamp(lock)));
    }
    key
}

/// Every requested application format staged: one closure, one
/// installation, one tree per format (in a staging directory that lives as
/// long as this value) and the entry point they run.
pub struct AppStage {
    pub target: Target,
    pub closure: Arc<Closure>,
    /// The entry point the archives run.
    pub entry: EntryPoint,
    pub notes: Vec<String>,
    /// The sources the closure came from (with the default index filled in).
    pub sources: Sources,
    trees: Vec<(Format, AppTree)>,
    runtime: Option<frozen::Runtime>,
    /// The bundled standard library's bytecode (executables and images).
    stdlib_bytecode: Option<frozen::StdlibBytecode>,
    /// The Debian package's layout, when deb is staged.
    deb_layout: Option<deb::Layout>,
    /// The image runs on its base's Python (nothing bundled).
    oci_base_python: bool,
    own_sha256: String,
    /// The application is a published distribution (a requirement), not a
    /// project: its wheel came with the closure.
    published: bool,
    staging: tempfile::TempDir,
    /// After `staging` (fields drop in order): unlocked once it is removed.
    _held: crate::leftovers::Held,
}

/// The staging directories of application builds, in the temporary
/// directory (swept by [`crate::leftovers`] once their run is gone).
const STAGING_PREFIX: &str = "gradient-app-";

/// Stage `formats` (application formats) of `project`.
pub fn stage(
    project: &Project,
    formats: &[Format],
    options: &AppOptions,
    cache: &ClosureCache,
    mtime: u64,
    progress: &dyn Progress,
) -> Result<AppStage> {
    check_request(formats, options)?;
    progress.step("target");
    let (target, deb_layout, runtime) = target_and_runtime(project, formats, options)?;
    check_requires_python(project, &target)?;

    // A project's own wheel is built here, straight into memory for the
    // installer; a published application's comes with its closure.
    let own = match options.published {
        true => None,
        false => Some(own_wheel(project, mtime, progress)?),
    };
    let sources = options.sources.clone().with_default_index();
    let closure = cache.resolve(project, &target, &sources, progress)?;
    let mut notes = Vec::new();
    if let Some(path) = &options.write_lock {
        lock::write(path, &closure, &target)?;
        notes.push(format!("wrote the lock {}", path.display()));
    }
    let wheels = wheel_inputs(own.as_ref(), &closure);
    let (staging, held) = staging_dir(&wheels, runtime.is_some())?;
    let own_sha256 = match &own {
        Some((_, _, sha256)) => sha256.clone(),
        None => published_wheel(&project.metadata.normalized_name, &closure)?
            .sha256
            .clone(),
    };
    let mut stage = AppStage {
        entry: EntryPoint {
            name: String::new(),
            object: String::new(),
        },
        trees: Vec::new(),
        target,
        closure: closure.clone(),
        notes,
        sources,
        runtime,
        stdlib_bytecode: None,
        deb_layout,
        oci_base_python: options.oci.base_python,
        own_sha256,
        published: options.published,
        staging,
        _held: held,
    };
    stage.install(project, formats, &wheels, progress)?;
    stage.compile(progress)?;
    stage.choose_entry(project, options)?;
    Ok(stage)
}

/// The target, the Debian layout when a .deb is requested (its
/// pyproject.toml checks made first) and the runtime when a format bundles
/// one.
fn target_and_runtime(
    project: &Project,
    formats: &[Format],
    options: &AppOptions,
) -> Result<(Target, Option<deb::Layout>, Option<frozen::Runtime>)> {
    let deb_layout = match formats.contains(&Format::Deb) {
        true => {
            deb::check_project(project)?;
            Some(options.deb.layout(project))
        }
        false => None,
    };
    let target = describe_target(options, deb_layout)?;
    let bundles = formats.contains(&Format::Exe)
        || deb_layout == Some(deb::Layout::Bundled)
        || (formats.contains(&Format::Oci) && !options.oci.base_python);
    let runtime = match bundles {
        true => Some(frozen::Runtime::of(&target)?),
        false => None,
    };
    Ok((target, deb_layout, runtime))
}

/// A new staging directory for installing `wheels` (and a runtime when
/// `bundles`), held for this build (earlier builds' unheld ones swept
/// first).
fn staging_dir(
    wheels: &[WheelInput<'_>],
    bundles: bool,
) -> Result<(tempfile::TempDir, crate::leftovers::Held)> {
    crate::leftovers::sweep_staging(STAGING_PREFIX);
    let staging = crate::scratch::dir(STAGING_PREFIX, staged_size(wheels, bundles))
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let held =
        crate::leftovers::hold_dir(staging.path()).map_err(|e| Error::io(staging.path(), e))?;
    Ok((staging, held))
}

/// A generous guess at the staging tree's size: wheels inflate to about
/// three times their size and gain bytecode; a bundled runtime and its
/// standard library's bytecode stay under 256 MiB.
fn staged_size(wheels: &[WheelInput<'_>], bundles: bool) -> u64 {
    let wheels: u64 = wheels.iter().map(WheelInput::size).sum();
    let runtime: u64 = if bundles { 256 << 20 } else { 0 };
    wheels.saturating_mul(5).saturating_add(runtime)
}

/// The wheels to install: the project's own (when built here), then the
/// closure's.
fn wheel_inputs<'w>(
    own: Option<&'w (String, Vec<u8>, String)>,
    closure: &'w Closure,
) -> Vec<WheelInput<'w>> {
    let mut wheels: Vec<WheelInput<'w>> = own
        .iter()
        .map(|(file_name, bytes, _)| WheelInput {
            file_name,
            data: WheelData::Bytes(bytes),
        })
        .collect();
    wheels.extend(closure.wheels.iter().map(|w| WheelInput {
        file_name: &w.file_name,
        data: WheelData::Bytes(&w.bytes),
    }));
    wheels
}

/// Only application formats, and a lock file name PEP 751 allows.
fn check_request(formats: &[Format], options: &AppOptions) -> Result<()> {
    if formats.is_empty() {
        return Err(Error::Plan("no application format to stage".into()));
    }
    if let Some(other) = formats.iter().find(|f| !is_app(**f)) {
        return Err(Error::Plan(format!(
            "{} cannot be built yet: {}",
            other.name(),
            other
                .availability()
                .err()
                .unwrap_or("not an application format")
        )));
    }
    match &options.write_lock {
        Some(path) => lock::check_file_name(path),
        None => Ok(()),
    }
}

/// The wheel of the published distribution `name` (normalised) in its
/// closure.
pub(super) fn published_wheel<'c>(name: &str, closure: &'c Closure) -> Result<&'c closure::Wheel> {
    closure
        .wheels
        .iter()
        .find(|w| w.name == name)
        .ok_or_else(|| Error::Closure(format!("{name} is not in the resolved closure")))
}

/// The project's own wheel, built in memory: file name, bytes, sha256.
fn own_wheel(
    project: &Project,
    mtime: u64,
    progress: &dyn Progress,
) -> Result<(String, Vec<u8>, String)> {
    progress.step("wheel");
    let plan = wheel::plan(project, &discovery::scan(project)?, mtime)?;
    let (bytes, digest, _) = {
        let out = sink::HashingWriter::new(Vec::new());
        sink::write_zip_to(&plan, out, &Silent)?.0.finish()
    };
    Ok((plan.file_name, bytes, crate::record::hex(&digest)))
}

/// The target: the chosen one, except that a Debian package for the
/// system's Python is built for Debian's own python3 by default.
pub(super) fn describe_target(
    options: &AppOptions,
    deb_layout: Option<deb::Layout>,
) -> Result<Target> {
    let system = std::path::Path::new(deb::SYSTEM_PYTHON);
    match (&options.target, deb_layout) {
        (TargetChoice::Default, Some(deb::Layout::System)) if system.exists() => {
            Target::describe(system)
        }
        (choice, _) => choice.describe(),
    }
}

fn check_requires_python(project: &Project, target: &Target) -> Result<()> {
    let Some(rp) = &project.metadata.requires_python else {
        return Ok(());
    };
    let spec: pep440_rs::VersionSpecifiers = rp.parse().map_err(|e| {
        Error::project(
            &project.pyproject_path,
            Some("project.requires-python"),
            format!("`{rp}`: {e}"),
        )
    })?;
    if spec.contains(&target.python_version()) {
        return Ok(());
    }
    Err(Error::Target(format!(
        "{}: requires-python `{rp}` excludes the target {}",
        project.pyproject_path.display(),
        target.label()
    )))
}

impl AppStage {
    /// The entry point the archives run, chosen in the first tree; a
    /// published application's is noted with its version, as an unpinned
    /// requirement says only here what it became.
    fn choose_entry(&mut self, project: &Project, options: &AppOptions) -> Result<()> {
        let first = &self.trees[0].1;
        let m = &project.metadata;
        self.entry = choose_entry(
            &m.name,
            first,
            options.zipapp.entry.as_deref(),
            self.published,
        )?;
        if self.published {
            let e = &self.entry;
            let note = format!("{} {}: runs {} ({})", m.name, m.version, e.name, e.object);
            self.notes.push(note);
        }
        Ok(())
    }

    /// The layout of `format`'s tree.
    fn layout(&self, format: Format, project: &Project) -> Result<Layout> {
        let bundled = |rt: &frozen::Runtime, shebang: String| Layout {
            site_packages: rt.site_packages(),
            scripts: "python/bin".into(),
            headers: "python/include".into(),
            data: "python".into(),
            shebang,
        };
        Ok(match (&self.runtime, format, self.deb_layout) {
            // The tree becomes the bundled interpreter's own site-packages.
            (Some(rt), Format::Exe, _) => bundled(rt, zipapp::DEFAULT_SHEBANG.into()),
            // Installed under /usr/lib/<package>: scripts name the interpreter.
            (Some(rt), Format::Deb, Some(deb::Layout::Bundled)) => {
                let home = deb::home(&deb::package_name(project)?, deb::Layout::Bundled, true);
                bundled(rt, format!("/{home}/python/bin/{}", rt.name()))
            }
            // A private module directory run by Debian's python3.
            (_, Format::Deb, _) => Layout {
                site_packages: String::new(),
                ..Layout::standard(deb::SYSTEM_PYTHON)
            },
            // In an image the interpreter's place is known too.
            (Some(rt), Format::Oci, _) if !self.oci_base_python => {
                let root = crate::oci::app_root(&project.metadata.name);
                bundled(rt, format!("{root}/python/bin/{}", rt.name()))
            }
            _ => Layout::standard(&match &self.target.interpreter {
                Some(p) => p.display().to_string(),
                None => zipapp::DEFAULT_SHEBANG.to_string(),
            }),
        })
    }

    /// Install the wheels once, in the first format's layout; the other
    /// formats' trees are derived from it.
    fn install(
        &mut self,
        project: &Project,
        formats: &[Format],
        wheels: &[WheelInput<'_>],
        progress: &dyn Progress,
    ) -> Result<()> {
        if progress.cancelled() {
            return Err(Error::Cancelled);
        }
        progress.step("install");
        let mut formats = formats.to_vec();
        formats.dedup();
        for (i, format) in formats.iter().enumerate() {
            let root = self.staging.path().join(format!("tree-{}", format.name()));
            let layout = self.layout(*format, project)?;
            let tree = match self.trees.first() {
                None => apptree::install(wheels, &root, &layout, progress)?,
                Some((_, first)) => apptree::relayout(first, &root, &layout)?,
            };
            debug_assert_eq!(self.trees.len(), i);
            self.trees.push((*format, tree));
        }
        Ok(())
    }

    /// Compile each tree's bytecode where its archive wants it.
    fn compile(&mut self, progress: &dyn Progress) -> Result<()> {
        if progress.cancelled() {
            return Err(Error::Cancelled);
        }
        progress.step("bytecode");
        let store = self
            .sources
            .cache
            .clone()
            .unwrap_or_else(closure::index::default_cache)
            .join("pyc");
        let Some(compiler) = self.target.compiler(Some(store)) else {
            self.notes.push(format!(
                "no bytecode: {} was described, not run; pass --python to compile it, or every start compiles from source",
                self.target.label()
            ));
            return Ok(());
        };
        if self.deb_layout.is_some() {
            self.notes.push(
                "bytecode is compiled by the package's postinst, as Debian Python policy asks"
                    .into(),
            );
        }
        for (format, tree) in &mut self.trees {
            if *format == Format::Deb {
                // Debian Python policy: compiled by postinst on the target.
                continue;
            }
            let placement = if tree.native || matches!(format, Format::Exe | Format::Oci) {
                PycPlacement::Cache
            } else {
                PycPlacement::Legacy
            };
            apptree::compile(tree, &compiler, placement)?;
        }
        self.compile_stdlib(&compiler)
    }

    /// Compile the bundled standard library once for the executable and
    /// the image (a Debian package's postinst compiles its own).
    fn compile_stdlib(&mut self, compiler: &apptree::Compiler) -> Result<()> {
        let bundles =
            |f: &Format| *f == Format::Exe || (*f == Format::Oci && !self.oci_base_python);
        let (Some(runtime), Some((_, tree))) =
            (&self.runtime, self.trees.iter().find(|(f, _)| bundles(f)))
        else {
            return Ok(());
        };
        let into = self.staging.path().join("stdlib-bytecode");
        self.stdlib_bytecode = Some(frozen::compile_stdlib(runtime, tree, &into, compiler)?);
        Ok(())
    }

    /// The installed tree of `format`.
    pub fn tree(&self, format: Format) -> Option<&AppTree> {
        self.trees
            .iter()
            .find(|(f, _)| *f == format)
            .map(|(_, t)| t)
    }

    /// The archive plan of `format` (staged by [`stage`]).
    pub fn plan(
        &self,
        project: &Project,
        format: Format,
        options: &AppOptions,
        mtime: u64,
    ) -> Result<Plan> {
        let tree = self.tree(format).ok_or_else(|| {
            Error::Plan(format!("{} was not staged for this build", format.name()))
        })?;
        let name_version = (
            project.metadata.name.as_str(),
            project.metadata.version.as_str(),
        );
        if format == Format::Deb {
            return Ok(self.deb(project, options, mtime)?.0);
        }
        if format == Format::Oci {
            let layers = self.image(project)?;
            return Ok(crate::oci::preview_plan(project, &layers, mtime));
        }
        let key = self.cache_key();
        let mut plan = match (&self.runtime, format) {
            (Some(rt), Format::Exe) => {
                let mut key = key;
                key.update(rt.executable.to_string_lossy().as_bytes());
                let launcher_bytes = launcher_stub()?;
                key.update(&launcher_bytes);
                let scratch = self.staging.path().join("exe");
                frozen::plan(
                    name_version,
                    tree,
                    rt,
                    self.stdlib_bytecode.as_ref(),
                    &self.entry,
                    launcher_bytes,
                    key.finalize().into(),
                    mtime,
                    &scratch,
                )
            }
            _ => zipapp::plan(
                name_version,
                tree,
                &self.target,
                &self.entry,
                &options.zipapp,
                &crate::record::hex(&key.finalize()[..16]),
                mtime,
            ),
        }?;
        let script = !self.entry.name.contains(':');
        match &options.file_name {
            Some(name) => plan.file_name = app_file_name(format, name)?,
            // A published application's zipapp is named after the script it
            // runs, as the executable always is: `pygmentize-2.21.0.pyz`.
            None if self.published && script && format == Format::Zipapp => {
                let name = format!("{}-{}", self.entry.name, project.metadata.version);
                plan.file_name = app_file_name(format, &name)?;
            }
            None => {}
        }
        Ok(plan)
    }

    /// The Debian package's plan and its control part, as the preview shows it.
    pub fn deb(
        &self,
        project: &Project,
        options: &AppOptions,
        mtime: u64,
    ) -> Result<(Plan, deb::Package)> {
        let tree = self.staged_tree(Format::Deb)?;
        let layout = self.deb_layout.unwrap_or(deb::Layout::Bundled);
        deb::plan(&deb::Inputs {
            project,
            tree,
            target: &self.target,
            runtime: self
                .runtime
                .as_ref()
                .filter(|_| layout == deb::Layout::Bundled),
            layout,
            compression: options.deb.compression(project),
            mtime,
            scratch: &self.staging.path().join("deb"),
        })
    }

    /// The image's application layers (runtime, dependencies, project).
    pub fn image(&self, project: &Project) -> Result<crate::oci::AppLayers> {
        let tree = self.staged_tree(Format::Oci)?;
        let runtime = self.runtime.as_ref().filter(|_| !self.oci_base_python);
        let payload = match runtime {
            Some(rt) => {
                let strip = crate::elf::strip::Strip::new(&self.staging.path().join("oci"))?;
                frozen::payload(
                    tree,
                    rt,
                    self.stdlib_bytecode.as_ref(),
                    &strip,
                    "lib",
                    &mut |_, _| false,
                )?
            }
            None => {
                let owners = tree.owners();
                tree.files
                    .iter()
                    .map(|f| {
                        let path = tree.root.join(&f.path);
                        Entry::file(f.path.clone(), path, f.size, f.executable, "application")
                            .from_origin(owners.origin(&f.path))
                    })
                    .collect()
            }
        };
        crate::oci::plan_layers(
            project,
            payload,
            tree,
            &self.entry,
            self.target.version,
            runtime.is_some(),
        )
    }

    fn staged_tree(&self, format: Format) -> Result<&AppTree> {
        self.tree(format)
            .ok_or_else(|| Error::Plan(format!("{} was not staged for this build", format.name())))
    }

    /// The extraction cache key: everything that decides the tree's content.
    fn cache_key(&self) -> sha2::Sha256 {
        let mut key = sha2::Sha256::new();
        key.update(self.own_sha256.as_bytes());
        for w in &self.closure.wheels {
            key.update(w.sha256.as_bytes());
        }
        key.update(self.target.label().as_bytes());
        key.update(self.entry.object.as_bytes());
        key
    }
}

/// The file an application is written as when `--name` chooses it (click
/// and argparse print it in usage lines): a zipapp gets `.pyz` unless the
/// name has it; an executable is the name itself.
fn app_file_name(format: Format, name: &str) -> Result<String> {
    let plain =
        !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '\\', '\0']);
    if !plain {
        return Err(Error::Plan(format!(
            "--name {name:?}: give a file name, without a directory"
        )));
    }
    Ok(match format {
        Format::Zipapp if !name.ends_with(".pyz") => format!("{name}.pyz"),
        _ => name.to_string(),
    })
}
