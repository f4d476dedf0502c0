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
use crate::frozen::{self, Runtime};
use crate::plan::{Entry, Format, Plan, Source};
use crate::project::Project;
use crate::runtime::Target;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    Zstd,
    Xz,
    Gzip,
}

impl std::str::FromStr for Layout {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "bundled" => Ok(Layout::Bundled),
            "system" => Ok(Layout::System),
            _ => Err(format!("unknown Debian layout `{s}`; valid: bundled, system")),
        }
    }
}

impl std::str::FromStr for Compression {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "zstd" => Ok(Compression::Zstd),
            "xz" => Ok(Compression::Xz),
            "gzip" => Ok(Compression::Gzip),
            _ => Err(format!("unknown compression `{s}`; valid: zstd, xz, gzip")),
        }
    }
}

impl Compression {
    /// The member name suffix (`.zst`, `.xz`, `.gz`).
    pub fn suffix(self) -> &'static str {
        match self {
            Compression::Zstd => ".zst",
            Compression::Xz => ".xz",
            Compression::Gzip => ".gz",
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
            .unwrap_or(Compression::Zstd)
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
        None => name::derive(&project.metadata.name).map_err(|why| {
            Error::Plan(format!("{}: {why}", project.pyproject_path.display()))
        }),
    }
}

/// The checks that need nothing but pyproject.toml (name, version,
/// maintainer), made before the closure is resolved so bad input fails fast.
pub fn check_project(project: &Project) -> Result<String> {
    let package = package_name(project)?;
    let revision = project.settings.deb.revision.as_deref().unwrap_or("1");
    version::debian(&project.metadata.version, revision).map_err(|why| {
        Error::Plan(format!(
            "{}: project.version: {why}",
            project.pyproject_path.display()
        ))
    })?;
    control::maintainer(project)?;
    Ok(package)
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
    let revision = project.settings.deb.revision.as_deref().unwrap_or("1");
    let version = version::debian(&meta.version, revision).map_err(Error::Plan)?;
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
    let Inputs {
        project, tree, layout, ..
    } = *inputs;
    let id = identity(project)?;
    let (mut entries, home, python, needs) = match (layout, inputs.runtime) {
        (Layout::Bundled, Some(rt)) => bundled_tree(
            (&id.package, &project.metadata.name),
            tree,
            rt,
            inputs.scratch,
        )?,
        (Layout::Bundled, None) => {
            return Err(Error::Target(
                "the bundled layout brings its own interpreter: name one with --python or --runtime"
                    .into(),
            ))
        }
        (Layout::System, _) => system_tree(&id.package, tree)?,
    };
    let own = crate::names::normalize(&project.metadata.name);
    let commands: Vec<_> = tree
        .scripts
        .iter()
        .filter(|s| crate::names::normalize(&s.distribution) == own)
        .collect();
    if commands.is_empty() {
        return Err(Error::Plan(format!(
            "{}: a Debian package of an application installs its commands in /usr/bin: declare one in [project.scripts]",
            project.pyproject_path.display()
        )));
    }
    for s in &commands {
        entries.push(launcher(s, &home, &python, layout));
        let page = docs::manpage(
            &s.name,
            &id.package,
            &project.metadata.version,
            &id.summary,
            &id.about,
            inputs.mtime,
        );
        entries.push(Entry::bytes(
            format!("usr/share/man/man1/{}.1.gz", s.name),
            docs::gzip(page.as_bytes()),
            "manual page (Policy 12.1)",
        ));
    }
    documents(&mut entries, project, &id, inputs.mtime)?;
    let conffiles = conffiles(&mut entries, project)?;
    let service = service(&mut entries, project, &id, &commands[0].name);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    entries.dedup_by(|a, b| a.path == b.path);

    let (architecture, control) = control_file(inputs, &id, &entries, &needs, &home)?;
    let scripts = scripts::render(&scripts::ScriptInput {
        package: &id.package,
        python: &python,
        tree: &format!("/{home}"),
        service: service
            .as_ref()
            .map(|(unit, user)| (unit.as_str(), Some(user.as_str()))),
    });
    let plan = Plan {
        format: Format::Deb,
        file_name: format!(
            "{}_{}_{architecture}.deb",
            id.package,
            version::without_epoch(&id.version)
        ),
        entries,
        excluded: Vec::new(),
        mtime: inputs.mtime,
        preamble: Vec::new(),
        trailer_key: None,
    };
    let package = Package {
        name: id.package,
        version: id.version,
        architecture,
        layout,
        compression: inputs.compression,
        control: control::render(&control.fields),
        conffiles,
        scripts: scripts
            .into_iter()
            .map(|(n, t)| (n.to_string(), t))
            .collect(),
        depends: control.depends,
        bundled_libraries: needs.libraries,
    };
    Ok((plan, package))
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
    let command = s.command.clone().unwrap_or_else(|| first_command.to_string());
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

    let installed = control::installed_size(
        entries.iter().map(|e| e.size),
        directories(entries).len(),
    );
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
    paragraphs.push(format!("Python distributions included: {}.", distributions.join(", ")));
    let deb = &project.settings.deb;
    let fields = vec![
        ("Package", id.package.clone()),
        ("Version", id.version.clone()),
        ("Architecture", architecture.clone()),
        ("Maintainer", id.maintainer.clone()),
        ("Installed-Size", installed.to_string()),
        ("Depends", depends.join(", ")),
        ("Section", deb.section.clone().unwrap_or_else(|| "utils".into())),
        ("Priority", deb.priority.clone().unwrap_or_else(|| "optional".into())),
        ("Homepage", homepage(project).unwrap_or_default()),
        ("Description", control::description(&id.summary, &paragraphs)),
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
/// libpython (where the interpreter's `$ORIGIN/../lib` RUNPATH finds them).
fn bundled_tree(
    (package, project): (&str, &str),
    tree: &AppTree,
    rt: &Runtime,
    scratch: &Path,
) -> Result<Tree> {
    let home = home(package, Layout::Bundled, true);
    let own_launchers = own_launcher_paths(tree, project);
    let mut entries: Vec<Entry> = frozen::runtime_entries(tree, rt, scratch)?
        .into_iter()
        .filter(|e| !own_launchers.contains(&e.path))
        .collect();
    let present: BTreeSet<String> = entries
        .iter()
        .filter_map(|e| e.path.rsplit('/').next().map(str::to_string))
        .collect();
    let roots = [rt.executable.clone()];
    let candidates =
        frozen::bundled_libraries(&entries, &roots, Some(rt), &present, &mut |_, _| false)?;
    let owned = depends::owners(&candidates.values().cloned().collect::<Vec<PathBuf>>());
    let mut needs = Needs::default();
    let mut provided = |soname: &str, path: &Path| match owned.get(path) {
        Some(pkg) => {
            needs.depends.push(depends::dependency(pkg, soname));
            true
        }
        None => false,
    };
    let bundled = frozen::bundled_libraries(&entries, &roots, Some(rt), &present, &mut provided)?;
    needs.depends.sort();
    needs.depends.dedup();
    for (soname, from) in &bundled {
        frozen::put(
            &mut entries,
            format!("python/lib/{soname}"),
            from,
            "shared library no Debian package provides",
        )?;
        needs.libraries.push(soname.clone());
    }
    relocate(&mut entries)?;
    for e in &mut entries {
        e.path = format!("{home}/{}", e.path);
    }
    let python = format!("/{home}/python/bin/{}", rt.name());
    Ok((entries, home, python, needs))
}

/// Point every ELF file's RUNPATH that names a directory of the build
/// machine (a Python built with `-rpath`) at the bundled `python/lib`,
/// relative to `$ORIGIN`: the build machine's paths mean nothing on the
/// target, or worse, something else. Search paths already relative to
/// `$ORIGIN` (wheels' `.libs`) stay.
fn relocate(entries: &mut [Entry]) -> Result<()> {
    for e in entries.iter_mut() {
        let bytes = match &e.source {
            Source::File { path } if frozen::is_elf(path) => {
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
        let relocated = frozen::relocate_runpath(&bytes, &target).ok_or_else(|| {
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
fn system_tree(package: &str, tree: &AppTree) -> Result<Tree> {
    let home = home(package, Layout::System, tree.native);
    // Launchers need the module directory on sys.path: only /usr/bin's do.
    let launchers: BTreeSet<String> = tree
        .scripts
        .iter()
        .map(|s| join(&tree.layout.scripts, &s.name))
        .collect();
    let mut entries = Vec::new();
    for f in tree.files.iter().filter(|f| !launchers.contains(&f.path)) {
        frozen::put(
            &mut entries,
            format!("{home}/{}", f.path),
            &tree.root.join(&f.path),
            "application",
        )?;
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
fn launcher(script: &crate::apptree::Script, home: &str, python: &str, layout: Layout) -> Entry {
    let (module, attr) = script
        .object
        .split_once(':')
        .unwrap_or((&script.object, "main"));
    let head = attr.split('.').next().unwrap_or(attr);
    let (shebang, path) = match layout {
        Layout::Bundled => (format!("{python} -I"), String::new()),
        Layout::System => (
            python.to_string(),
            format!("sys.path.insert(0, \"/{home}\")\n"),
        ),
    };
    let text = format!(
        "#!{shebang}\n# {} ({}), installed by its Debian package.\nimport sys\n{path}from {module} import {head}\n\nif __name__ == \"__main__\":\n    sys.exit({attr}())\n",
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

/// Homepage: the first of the project's URLs labelled like a home page.
fn homepage(project: &Project) -> Option<String> {
    let wanted = ["homepage", "home", "home-page", "source", "repository"];
    wanted.iter().find_map(|w| {
        project
            .metadata
            .urls
            .iter()
            .find(|(label, _)| crate::names::normalize(label).replace('-', "") == w.replace('-', ""))
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
