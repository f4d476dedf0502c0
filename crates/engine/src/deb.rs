//! Debian packages of applications (deb(5), Debian Policy, Debian Python
//! Policy): the application's installed tree in one of two layouts, the
//! control file, documentation and maintainer scripts, planned from the
//! project and its AppTree; [`crate::sink::write_deb`] writes the archive.
//!
//! - **bundled**: the application's own Python runtime (collected as for
//!   frozen executables) and its installed tree in `/usr/lib/<package>/python`,
//!   so an upgrade of the system's Python cannot break it. Libraries a
//!   Debian package provides become Depends; others are bundled.
//! - **system**: the installed tree as a private module directory
//!   (`/usr/share/<package>`, or `/usr/lib/<package>` when it holds compiled
//!   code), run by Debian's `/usr/bin/python3`.
//!
//! Either way `/usr/bin/<script>` runs each console script of the project,
//! bytecode is compiled in postinst and removed in prerm, and
//! `/usr/share/doc/<package>` holds a DEP-5 copyright file and
//! `changelog.Debian.gz`.

pub mod control;
pub mod copyright;
pub mod depends;
pub mod docs;
pub mod name;
pub mod scripts;
pub mod version;

use crate::apptree::AppTree;
use crate::elf;
use crate::frozen::{self, Runtime};
use crate::plan::{Container, Entry, Format, Part, Plan, Source};
use crate::progress::{Progress, Silent};
use crate::project::Project;
use crate::runtime::Target;
use crate::sink::{self, ar_writer::ArWriter, TarSpec, Written};
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// Debian's own interpreter, which the system layout runs on.
pub const SYSTEM_PYTHON: &str = "/usr/bin/python3";

/// Where the application and its interpreter come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Bundled,
    System,
}

/// How data.tar and control.tar are compressed (deb(5)).
pub use crate::plan::Compression;

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "bundled" => Ok(Layout::Bundled),
            "system" => Ok(Layout::System),
            _ => Err(format!(
                "unknown Debian layout `{s}`; valid: bundled, system"
            )),
        }
    }
}

/// Choices given on the command line or in the studio (each overrides
/// `[tool.gradient.deb]`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub layout: Option<Layout>,
    pub compression: Option<Compression>,
}

impl Options {
    /// The layout: the option, else the project's setting, else bundled.
    pub fn layout(&self, project: &Project) -> Layout {
        self.layout
            .or_else(|| project.settings.deb.layout.as_deref()?.parse().ok())
            .unwrap_or(Layout::Bundled)
    }

    pub fn compression(&self, project: &Project) -> Compression {
        self.compression
            .or_else(|| project.settings.deb.compression.as_deref()?.parse().ok())
            // xz, not zstd: bookworm's lintian reads only gzip and xz
            // members (zstd ones are `malformed-deb-archive`), and xz is
            // what dpkg-deb itself defaults to. zstd stays available.
            .unwrap_or(Compression::Xz)
    }
}

/// The control part of a package, as planned: everything but md5sums,
/// which the writer computes while it writes data.tar.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub architecture: String,
    pub layout: Layout,
    pub compression: Compression,
    /// The `control` file.
    pub control: String,
    /// Absolute paths of configuration files.
    pub conffiles: Vec<String>,
    /// Maintainer scripts, (name, text).
    pub scripts: Vec<(String, String)>,
    pub depends: Vec<String>,
    /// Shared libraries bundled because no Debian package provides them.
    pub bundled_libraries: Vec<String>,
}

/// The package name: `tool.gradient.deb.package`, else derived.
pub fn package_name(project: &Project) -> Result<String> {
    match &project.settings.deb.package {
        Some(p) => Ok(p.clone()),
        None => name::derive(&project.metadata.name)
            .map_err(|why| Error::project(&project.pyproject_path, None, why)),
    }
}

/// The checks that need nothing but pyproject.toml (name, version,
/// maintainer), made before the closure is resolved so bad input fails fast.
pub fn check_project(project: &Project) -> Result<String> {
    let package = package_name(project)?;
    debian_version(project)?;
    control::maintainer(project)?;
    Ok(package)
}

/// The package's Debian version: the project's, with the revision.
fn debian_version(project: &Project) -> Result<String> {
    let revision = project.settings.deb.revision.as_deref().unwrap_or("1");
    version::debian(&project.metadata.version, revision)
        .map_err(|why| Error::project(&project.pyproject_path, Some("project.version"), why))
}

/// Where the tree is installed, relative to `/`.
pub fn home(package: &str, layout: Layout, native: bool) -> String {
    match (layout, native) {
        (Layout::System, false) => format!("usr/share/{package}"),
        _ => format!("usr/lib/{package}"),
    }
}

/// Everything [`plan`] needs.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub tree: &'a AppTree,
    pub target: &'a Target,
    /// The bundled runtime (bundled layout only).
    pub runtime: Option<&'a Runtime>,
    pub layout: Layout,
    pub compression: Compression,
    pub mtime: u64,
    pub scratch: &'a Path,
}

/// Who and what the package is: name, Debian version, maintainer, and the
/// words that describe it.
struct Identity {
    package: String,
    version: String,
    maintainer: String,
    summary: String,
    /// The readme's first paragraph, else the summary.
    about: String,
}

fn identity(project: &Project) -> Result<Identity> {
    let meta = &project.metadata;
    let package = check_project(project)?;
    let version = debian_version(project)?;
    let summary = meta
        .description
        .clone()
        .unwrap_or_else(|| format!("the {} Python application", meta.name));
    let about = meta
        .readme
        .as_ref()
        .and_then(|r| control::readme_paragraph(&r.text))
        .unwrap_or_else(|| summary.clone());
    Ok(Identity {
        package,
        version,
        maintainer: control::maintainer(project)?,
        summary,
        about,
    })
}

/// Plan the package: the data tree (paths relative to `/`) and the control
/// part.
pub fn plan(inputs: &Inputs) -> Result<(Plan, Package)> {
    let id = identity(inputs.project)?;
    let data = data_tree(inputs, &id)?;
    let (architecture, control) =
        control_file(inputs, &id, &data.entries, &data.needs, &data.home)?;
    let scripts = scripts::render(&scripts::ScriptInput {
        package: &id.package,
        python: &data.python,
        tree: &format!("/{}", data.home),
        service: data
            .service
            .as_ref()
            .map(|(unit, user)| (unit.as_str(), Some(user.as_str()))),
    });
    let control_text = control::render(&control.fields);
    let scripts: Vec<(String, String)> = scripts
        .into_iter()
        .map(|(n, t)| (n.to_string(), t))
        .collect();
    let file_name = format!(
        "{}_{}_{architecture}.deb",
        id.package,
        version::without_epoch(&id.version)
    );
    let plan = assemble(
        file_name,
        data.entries,
        Members {
            control: &control_text,
            conffiles: &data.conffiles,
            scripts: &scripts,
        },
        inputs.compression,
        inputs.mtime,
    );
    let package = Package {
        name: id.package,
        version: id.version,
        architecture,
        layout: inputs.layout,
        compression: inputs.compression,
        control: control_text,
        conffiles: data.conffiles,
        scripts,
        depends: control.depends,
        bundled_libraries: data.needs.libraries,
    };
    Ok((plan, package))
}

/// The package's files (sorted, one entry per path) and what the control
/// part says of them.
struct Data {
    entries: Vec<Entry>,
    /// Where the tree is installed, relative to `/`.
    home: String,
    /// The interpreter the launchers and maintainer scripts run.
    python: String,
    needs: Needs,
    conffiles: Vec<String>,
    /// The service unit's name and user, when the package has one.
    service: Option<(String, String)>,
}

/// The data part: the tree for the layout, a launcher and a manual page
/// per command, documents, overrides, conffiles and the service unit.
fn data_tree(inputs: &Inputs, id: &Identity) -> Result<Data> {
    let Inputs {
        project,
        tree,
        layout,
        ..
    } = *inputs;
    let (mut entries, home, python, needs) = match (layout, inputs.runtime) {
        (Layout::Bundled, Some(rt)) => bundled_tree(
            (&id.package, &project.metadata.name),
            tree,
            rt,
            inputs.scratch,
        )?,
        (Layout::Bundled, None) => return Err(Error::Target(
            "the bundled layout brings its own interpreter: name one with --python or --runtime"
                .into(),
        )),
        (Layout::System, _) => system_tree(&id.package, tree, inputs.scratch)?,
    };
    let commands = commands(project, tree)?;
    let setup = path_setup(&home, layout, inputs.runtime);
    for s in &commands {
        entries.push(launcher(s, &python, &setup));
        entries.push(manpage(s, project, id, inputs.mtime));
    }
    documents(&mut entries, project, id, inputs.mtime)?;
    if let (Layout::Bundled, Some(rt)) = (layout, inputs.runtime) {
        entries.push(lintian_overrides(&id.package, &home, &rt.name()));
    }
    let conffiles = conffiles(&mut entries, project)?;
    let service = service(&mut entries, project, id, &commands[0].name);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);
    Ok(Data {
        entries,
        home,
        python,
        needs,
        conffiles,
        service,
    })
}

/// The application's own console scripts, which go to /usr/bin: at least
/// one.
fn commands<'t>(project: &Project, tree: &'t AppTree) -> Result<Vec<&'t crate::apptree::Script>> {
    let own = crate::names::normalize(&project.metadata.name);
    let commands: Vec<_> = tree
        .scripts
        .iter()
        .filter(|s| crate::names::normalize(&s.distribution) == own)
        .collect();
    if commands.is_empty() {
        return Err(Error::project(
            &project.pyproject_path,
            None,
            "a Debian package of an application installs its commands in /usr/bin: declare one in [project.scripts]",
        ));
    }
    Ok(commands)
}

/// A command's manual page (Policy 12.1), gzipped.
fn manpage(script: &crate::apptree::Script, project: &Project, id: &Identity, mtime: u64) -> Entry {
    let page = docs::manpage(
        &script.name,
        &id.package,
        &project.metadata.version,
        &id.summary,
        &id.about,
        mtime,
    );
    Entry::bytes(
        format!("usr/share/man/man1/{}.1.gz", script.name),
        docs::gzip(page.as_bytes()),
        "manual page (Policy 12.1)",
    )
}

/// `/usr/share/doc/<package>`: copyright (DEP-5) and changelog.Debian.gz.
fn documents(entries: &mut Vec<Entry>, project: &Project, id: &Identity, mtime: u64) -> Result<()> {
    let doc = format!("usr/share/doc/{}", id.package);
    let license_files = read_license_files(project)?;
    let text = copyright::render(project, &license_files, homepage(project).as_deref());
    entries.push(Entry::bytes(
        format!("{doc}/copyright"),
        text.into_bytes(),
        "copyright and license (DEP-5)",
    ));
    let meta = &project.metadata;
    let note = format!(
        "Package of {} {}, built by Gradient Studio from its pyproject.toml.",
        meta.name, meta.version
    );
    let changelog = docs::changelog(&id.package, &id.version, &note, &id.maintainer, mtime);
    entries.push(Entry::bytes(
        format!("{doc}/changelog.Debian.gz"),
        docs::gzip(changelog.as_bytes()),
        "Debian changelog (Policy 12.7)",
    ));
    Ok(())
}

/// The configured files under /etc, and the conffiles list naming them.
fn conffiles(entries: &mut Vec<Entry>, project: &Project) -> Result<Vec<String>> {
    let mut conffiles = Vec::new();
    for (dest, src) in &project.settings.deb.conffiles {
        frozen::put(
            entries,
            dest.trim_start_matches('/').to_string(),
            &project.root.join(src),
            &format!("configuration file, from {src}"),
        )?;
        if let Some(e) = entries.last_mut() {
            e.mode = 0o644;
        }
        conffiles.push(dest.clone());
    }
    Ok(conffiles)
}

/// The systemd unit of `[tool.gradient.deb.service]`: (unit name, user).
fn service(
    entries: &mut Vec<Entry>,
    project: &Project,
    id: &Identity,
    first_command: &str,
) -> Option<(String, String)> {
    let s = project.settings.deb.service.as_ref()?;
    let user = s.user.clone().unwrap_or_else(|| id.package.clone());
    let command = s
        .command
        .clone()
        .unwrap_or_else(|| first_command.to_string());
    // systemd wants an absolute program; a bare name is one of /usr/bin's.
    let exec = if command.starts_with('/') {
        command
    } else {
        format!("/usr/bin/{command}")
    };
    let text = scripts::unit(&scripts::Unit {
        description: s.description.as_deref().unwrap_or(&id.summary),
        exec_start: &exec,
        user: &user,
        environment: &s.environment,
        documentation: Some(&format!("man:{first_command}(1)")),
    });
    let unit = format!("{}.service", id.package);
    entries.push(Entry::bytes(
        format!("usr/lib/systemd/system/{unit}"),
        text.into_bytes(),
        "systemd service ([tool.gradient.deb.service])",
    ));
    Some((unit, user))
}

/// The control fields and the Depends they carry.
struct Control {
    fields: Vec<(&'static str, String)>,
    depends: Vec<String>,
}

/// Architecture and the control fields, from what the entries need.
fn control_file(
    inputs: &Inputs,
    id: &Identity,
    entries: &[Entry],
    needs: &Needs,
    home: &str,
) -> Result<(String, Control)> {
    let (project, target) = (inputs.project, inputs.target);
    let native = depends::any_elf(entries)?;
    let architecture = if native {
        depends::debian_arch(&target.arch)
    } else {
        "all".to_string()
    };
    let mut depends = Vec::new();
    if let Some((major, minor)) = depends::glibc_minimum(entries)? {
        depends.push(format!("libc6 (>= {major}.{minor})"));
    }
    depends.extend(needs.depends.iter().cloned());
    let (x, y) = target.version;
    if inputs.layout == Layout::System {
        depends.push(format!("python3 (>= {x}.{y})"));
        if native {
            // Compiled extensions are built for one Python ABI (Debian
            // Python policy, "Python Programs").
            depends.push(format!("python3 (<< {x}.{})", y + 1));
        }
    }
    depends.extend(project.settings.deb.depends.iter().cloned());
    let mut seen = BTreeSet::new();
    depends.retain(|d| seen.insert(d.clone()));

    let installed =
        control::installed_size(entries.iter().map(|e| e.size), directories(entries).len());
    let mut paragraphs = Vec::new();
    if id.about != id.summary {
        paragraphs.push(id.about.clone());
    }
    paragraphs.push(match inputs.layout {
        Layout::Bundled => format!("The application runs on its own Python {x}.{y} in /{home}, so upgrades of the system's Python do not affect it."),
        Layout::System => format!("The application runs on the system's python3 ({x}.{y}) with its modules in /{home}."),
    });
    let distributions: Vec<String> = inputs
        .tree
        .distributions
        .iter()
        .map(|d| format!("{} {}", d.name, d.version))
        .collect();
    paragraphs.push(format!(
        "Python distributions included: {}.",
        distributions.join(", ")
    ));
    let deb = &project.settings.deb;
    let fields = vec![
        ("Package", id.package.clone()),
        ("Version", id.version.clone()),
        ("Architecture", architecture.clone()),
        ("Maintainer", id.maintainer.clone()),
        ("Installed-Size", installed.to_string()),
        ("Depends", depends.join(", ")),
        (
            "Section",
            deb.section.clone().unwrap_or_else(|| "utils".into()),
        ),
        (
            "Priority",
            deb.priority.clone().unwrap_or_else(|| "optional".into()),
        ),
        ("Homepage", homepage(project).unwrap_or_default()),
        (
            "Description",
            control::description(&id.summary, &paragraphs),
        ),
    ];
    Ok((architecture, Control { fields, depends }))
}

/// What the bundled runtime needs from the system, or carries itself.
#[derive(Default)]
struct Needs {
    depends: Vec<String>,
    libraries: Vec<String>,
}

type Tree = (Vec<Entry>, String, String, Needs);

/// The runtime and the tree under `/usr/lib/<package>/`, shared libraries
/// a Debian package provides as Depends and the others bundled next to
/// libpython (where the interpreter's `$ORIGIN/../lib` RUNPATH finds them),
/// every ELF file stripped as dh_strip would.
fn bundled_tree(
    (package, project): (&str, &str),
    tree: &AppTree,
    rt: &Runtime,
    scratch: &Path,
) -> Result<Tree> {
    let home = home(package, Layout::Bundled, true);
    let own_launchers = own_launcher_paths(tree, project);
    let strip = elf::strip::Strip::unneeded(scratch)?;
    let mut needs = Needs::default();
    let mut provided = |soname: &str, path: &Path| match depends::owners(&[path.to_path_buf()])
        .into_values()
        .next()
    {
        Some(pkg) => {
            needs.depends.push(depends::dependency(&pkg, soname));
            true
        }
        None => false,
    };
    // No bytecode of the standard library either: postinst compiles the
    // whole tree (Debian Python policy).
    let mut entries: Vec<Entry> =
        frozen::payload(tree, rt, None, &strip, BUNDLED_LIBS, &mut provided)?
            .into_iter()
            .filter(|e| !own_launchers.contains(&e.path))
            .collect();
    needs.depends.sort();
    needs.depends.dedup();
    let prefix = format!("{BUNDLED_LIBS}/");
    for e in &mut entries {
        if let Some(soname) = e.path.strip_prefix(&prefix) {
            if e.reason == "shared library it needs" {
                needs.libraries.push(soname.to_string());
                e.reason = "shared library no Debian package provides".into();
            }
        }
        strip_entry(e, &strip)?;
        quiet_shebang(e)?;
    }
    relocate(&mut entries)?;
    for e in &mut entries {
        e.path = format!("{home}/{}", e.path);
    }
    let python = format!("/{home}/python/bin/{}", rt.name());
    Ok((entries, home, python, needs))
}

/// Where bundled shared libraries go: beside libpython.
const BUNDLED_LIBS: &str = "python/lib";

/// lintian's overrides for the bundled CPython (Policy 2.5 lets packages
/// ship them, `/usr/share/lintian/overrides/<package>`): the same tags, for
/// the same files, that Debian's own libpython3.X, libpython3.X-stdlib and
/// python3.X-minimal override, each scoped to the runtime's paths.
fn lintian_overrides(package: &str, home: &str, python: &str) -> Entry {
    let dynload = format!("{home}/python/lib/{python}/lib-dynload/*");
    let text = format!(
        "# pyexpat.c carries expat's error messages, which lintian takes for an\n\
         # embedded copy of expat (overridden by Debian's libpython3.X too).\n\
         {package}: embedded-library expat [{home}/python/*]\n\
         # Some of CPython's extension modules need nothing from any library,\n\
         # not even libc (overridden by Debian's libpython3.X-stdlib too).\n\
         {package}: library-not-linked-against-libc [{dynload}]\n\
         {package}: shared-library-lacks-prerequisites [{dynload}]\n"
    );
    Entry::bytes(
        format!("usr/share/lintian/overrides/{package}"),
        text.into_bytes(),
        "lintian overrides for the bundled CPython",
    )
}

/// Standard-library modules keep the `#!` lines of CPython's source tree
/// (`#! /usr/local/bin/python`) though they are modules, not programs:
/// in a package they name an interpreter that is not there (lintian's
/// `unusual-interpreter`, `interpreter-in-usr-local`). They become 0644
/// and `#!` becomes `# `, a comment of the same length, so planned sizes
/// hold.
fn quiet_shebang(e: &mut Entry) -> Result<()> {
    // Modules under python/lib are imported, never run as programs
    // (Debian's own stdlib ships a few executable: python3-script-but-
    // no-python3-dep in a package that has no python3 dependency).
    if !(e.path.starts_with("python/lib/") && e.path.ends_with(".py")) {
        return Ok(());
    }
    e.mode = 0o644;
    let Source::File { path } = &e.source else {
        return Ok(());
    };
    let mut head = [0u8; 2];
    let starts = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"#!";
    if starts {
        let mut bytes = std::fs::read(path).map_err(|err| Error::io(path, err))?;
        bytes[1] = b' ';
        e.source = Source::Bytes { data: bytes.into() };
    }
    Ok(())
}

/// A file of the tree stripped like the runtime (wheels' extension modules
/// often keep their symbol tables); Debian Policy 10.1.
fn strip_entry(e: &mut Entry, strip: &elf::strip::Strip) -> Result<()> {
    if let Source::File { path } = &e.source {
        let stripped = strip.copy(path);
        if &stripped != path {
            e.size = std::fs::metadata(&stripped)
                .map_err(|err| Error::io(&stripped, err))?
                .len();
            e.source = Source::File { path: stripped };
        }
    }
    // Shared objects are not programs (Policy 10.9: 0644).
    let name = e.path.rsplit('/').next().unwrap_or_default();
    if name.ends_with(".so") || name.contains(".so.") {
        e.mode = 0o644;
    }
    Ok(())
}

/// Point every ELF file's RUNPATH that names a directory of the build
/// machine (a Python built with `-rpath`) at the bundled `python/lib`,
/// relative to `$ORIGIN`: the build machine's paths mean nothing on the
/// target, or worse, something else. Search paths already relative to
/// `$ORIGIN` (wheels' `.libs`) stay.
fn relocate(entries: &mut [Entry]) -> Result<()> {
    for e in entries.iter_mut() {
        let bytes = match &e.source {
            Source::File { path } if elf::resolve::is_elf(path) => {
                std::fs::read(path).map_err(|err| Error::io(path, err))?
            }
            _ => continue,
        };
        let Ok(info) = crate::elf::analyse(&e.path, &bytes) else {
            continue;
        };
        let foreign = info
            .runpath
            .iter()
            .chain(&info.rpath)
            .any(|p| !p.starts_with("$ORIGIN") && !p.starts_with("${ORIGIN}"));
        if !foreign {
            continue;
        }
        let dir = e.path.rsplit_once('/').map_or("", |(d, _)| d);
        let target = match dir.strip_prefix("python/lib") {
            Some(rest) => {
                let ups = rest.split('/').filter(|c| !c.is_empty()).count();
                format!("$ORIGIN{}", "/..".repeat(ups))
            }
            None => "$ORIGIN/../lib".to_string(),
        };
        let relocated = elf::patch::relocate_runpath(&bytes, &target).ok_or_else(|| {
            Error::Plan(format!(
                "{}: its RUNPATH {:?} names the build machine and has no room for {target}",
                e.path, info.runpath
            ))
        })?;
        e.size = relocated.len() as u64;
        e.source = Source::Bytes {
            data: relocated.into(),
        };
    }
    Ok(())
}

/// The installed tree as a private module directory (Debian Python policy:
/// `/usr/share/<package>`, `/usr/lib/<package>` when architecture-specific).
fn system_tree(package: &str, tree: &AppTree, scratch: &Path) -> Result<Tree> {
    let strip = elf::strip::Strip::unneeded(scratch)?;
    let home = home(package, Layout::System, tree.native);
    // Launchers need the module directory on sys.path: only /usr/bin's do.
    let launchers: BTreeSet<String> = tree
        .scripts
        .iter()
        .map(|s| join(&tree.layout.scripts, &s.name))
        .collect();
    let mut entries = Vec::new();
    let owners = tree.owners();
    for f in tree.files.iter().filter(|f| !launchers.contains(&f.path)) {
        frozen::put(
            &mut entries,
            format!("{home}/{}", f.path),
            &tree.root.join(&f.path),
            "application",
        )?;
        if let Some(e) = entries.last_mut() {
            e.origin = owners.origin(&f.path);
        }
    }
    for e in &mut entries {
        strip_entry(e, &strip)?;
    }
    Ok((entries, home, SYSTEM_PYTHON.into(), Needs::default()))
}

/// The tree's launchers of the project's own console scripts: /usr/bin
/// has them, so the copies in the tree would be noise.
fn own_launcher_paths(tree: &AppTree, project: &str) -> BTreeSet<String> {
    let own = crate::names::normalize(project);
    tree.scripts
        .iter()
        .filter(|s| crate::names::normalize(&s.distribution) == own)
        .map(|s| join(&tree.layout.scripts, &s.name))
        .collect()
}

/// `dir/name`, where `dir` may be empty.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// `/usr/bin/<script>`: the console script run by the package's
/// interpreter, the private module directory first on the path for the
/// system layout.
fn launcher(script: &crate::apptree::Script, python: &str, setup: &(&str, String)) -> Entry {
    let (flags, setup) = setup;
    let (module, attr) = script
        .object
        .split_once(':')
        .unwrap_or((&script.object, "main"));
    let head = attr.split('.').next().unwrap_or(attr);
    let text = format!(
        "#!{python}{flags}\n# {} ({}), installed by its Debian package.\nimport sys\n{setup}from {module} import {head}\n\nif __name__ == \"__main__\":\n    sys.exit({attr}())\n",
        script.name, script.object
    );
    let mut e = Entry::bytes(
        format!("usr/bin/{}", script.name),
        text.into_bytes(),
        format!("runs {}", script.object),
    );
    e.mode = 0o755;
    e
}

/// The lines a launcher runs before importing the application: the
/// private module directory first on the path (system layout), or the
/// bundled runtime's own site-packages added as a site directory (its
/// `.pth` files processed), whatever the interpreter's build makes of its
/// prefix (Debian's Python looks in `dist-packages`, not `site-packages`).
/// The bundled interpreter runs isolated (`-I`): no PYTHON* variable or
/// user site of the machine reaches it.
fn path_setup(home: &str, layout: Layout, runtime: Option<&Runtime>) -> (&'static str, String) {
    match (layout, runtime) {
        (Layout::Bundled, Some(rt)) => (
            " -I",
            format!(
                "import site\nsite.addsitedir(\"/{home}/{}\")\n",
                rt.site_packages()
            ),
        ),
        _ => ("", format!("sys.path.insert(0, \"/{home}\")\n")),
    }
}

/// Homepage: the first of the project's URLs labelled like a home page.
fn homepage(project: &Project) -> Option<String> {
    let wanted = ["homepage", "home", "home-page", "source", "repository"];
    wanted.iter().find_map(|w| {
        project
            .metadata
            .urls
            .iter()
            .find(|(label, _)| {
                crate::names::normalize(label).replace('-', "") == w.replace('-', "")
            })
            .map(|(_, url)| url.clone())
    })
}

fn read_license_files(project: &Project) -> Result<Vec<(String, String)>> {
    project
        .metadata
        .license_files
        .iter()
        .map(|rel| {
            let path = project.root.join(rel);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            Ok((rel.clone(), String::from_utf8_lossy(&bytes).into_owned()))
        })
        .collect()
}

/// The control part's members as text.
pub struct Members<'a> {
    pub control: &'a str,
    /// Absolute paths of configuration files.
    pub conffiles: &'a [String],
    /// Maintainer scripts, (name, text).
    pub scripts: &'a [(String, String)],
}

/// The plan of a package from its data tree (paths relative to `/`) and
/// its control members: what [`write`] writes.
pub fn assemble(
    file_name: String,
    data: Vec<Entry>,
    members: Members,
    compression: Compression,
    mtime: u64,
) -> Plan {
    let mut entries = data_part(data, members.conffiles);
    entries.extend(control_part(&entries, &members));
    Plan {
        format: Format::Deb,
        file_name,
        entries,
        excluded: Vec::new(),
        mtime,
        container: Container::Ar { compression },
    }
}

/// The data part of a package: the data tree's entries with every
/// directory made explicit (dpkg records each), the configuration files in
/// their own part so md5sums leaves them out (dpkg tracks conffiles'
/// digests itself, as dh_md5sums does).
fn data_part(entries: Vec<Entry>, conffiles: &[String]) -> Vec<Entry> {
    let mut out: Vec<Entry> = directories(&entries)
        .into_iter()
        .map(|d| Entry::directory(d, "directory").in_part(DATA))
        .collect();
    out.extend(entries.into_iter().map(|e| {
        let part = match conffiles.contains(&format!("/{}", e.path)) {
            true => CONFFILES,
            false => DATA,
        };
        e.in_part(part)
    }));
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The control part (deb(5), Policy 3.10): control, md5sums derived from
/// the data part as it is written, conffiles and the maintainer scripts.
fn control_part(data: &[Entry], members: &Members) -> Vec<Entry> {
    let Members {
        control,
        conffiles,
        scripts,
    } = *members;
    let md5sums_size = crate::sink::derive::md5sums_size(data.iter().filter(|e| e.part == DATA));
    let mut out = vec![
        Entry::bytes("control", control.as_bytes().to_vec(), "control file"),
        Entry::derived(
            "md5sums",
            Source::Md5sums { of: DATA },
            md5sums_size,
            "md5 of every file but conffiles",
        ),
    ];
    if !conffiles.is_empty() {
        let text: String = conffiles.iter().map(|c| format!("{c}\n")).collect();
        out.push(Entry::bytes(
            "conffiles",
            text.into_bytes(),
            "configuration files",
        ));
    }
    for (name, text) in scripts.iter() {
        let mut e = Entry::bytes(name.clone(), text.as_bytes().to_vec(), "maintainer script");
        e.mode = 0o755;
        out.push(e);
    }
    out.into_iter().map(|e| e.in_part(CONTROL)).collect()
}

/// The data tree's part.
pub const DATA: Part = Part::named("data");
/// Configuration files: in data.tar, not in md5sums.
pub const CONFFILES: Part = Part::named("conffiles");
/// control.tar's part.
pub const CONTROL: Part = Part::named("control");

/// Write a planned package (deb(5)): `debian-binary`, then control.tar and
/// data.tar, compressed as planned. data.tar is written first, into a
/// spool, hashing md5 as it goes; control.tar's md5sums is derived from
/// those digests, so no file is read twice.
pub fn write(plan: &Plan, dest: &Path, progress: &dyn Progress) -> Result<Written> {
    let Container::Ar { compression } = plan.container else {
        return Err(Error::Plan(format!(
            "{}: not planned as a Debian package",
            plan.file_name
        )));
    };
    let data: Vec<Entry> = plan
        .entries
        .iter()
        .filter(|e| e.part == DATA || e.part == CONFFILES)
        .cloned()
        .collect();
    // md5sums (in control.tar, written after) lists data.tar's files.
    let spec = TarSpec {
        mtime: plan.mtime,
        compression,
        digests: sink::Digests {
            md5: true,
            ..sink::derive::needs(&data)
        },
    };
    let control: Vec<Entry> = plan.part(&CONTROL).cloned().collect();
    sink::write_with(dest, 0o644, |out| {
        let mut ar = ArWriter::new(out, plan.mtime)?;
        ar.member_bytes("debian-binary", b"2.0\n")?;
        let (data_tar, digests) = sink::spool(|w| sink::write_tar(&data, &[], spec, w, progress))?;
        let (control_tar, _) =
            sink::spool(|w| sink::write_tar(&control, &digests, spec, w, &Silent))?;
        let suffix = compression.suffix();
        ar.member_spooled(&format!("control.tar{suffix}"), control_tar)?;
        ar.member_spooled(&format!("data.tar{suffix}"), data_tar)?;
        ar.finish().map(|_| ())
    })
}

/// Every directory holding an entry, parents first (`usr`, `usr/bin`, ...).
pub fn directories(entries: &[Entry]) -> BTreeSet<String> {
    let mut dirs = BTreeSet::new();
    for e in entries {
        let mut path = e.path.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if !dirs.insert(parent.to_string()) {
                break;
            }
            path = parent;
        }
    }
    dirs
}

#[cfg(test)]
mod tests;
