//! OCI container images (image-spec v1.1, distribution-spec v1.1), built
//! without a daemon: the application with its own userspace.
//!
//! Layers are split by how often they change, so editing one module changes
//! only the last layer and a rebuild pushes only that blob:
//!
//! 1. base: a minimal base made from Debian packages, or an existing image
//!    ([`base`]);
//! 2. runtime: the bundled CPython and the shared libraries it needs (the
//!    frozen runtime's collection, [`crate::frozen::payload`]);
//! 3. dependencies: every third-party distribution's files;
//! 4. project: the project's own distribution and console scripts.
//!
//! Everything lives under `/opt/<name>`; the console script is the
//! Entrypoint. [`layer`] writes deterministic layers in parallel, [`image`]
//! assembles config and manifest, [`layout`] writes the layout directory and
//! the two archives, [`registry`] pushes and pulls, [`inspect`] reads images
//! back and compares them.

pub mod auth;
pub mod base;
pub mod config;
pub mod deb_data;
pub mod image;
pub mod inspect;
pub mod layer;
pub mod layout;
pub mod reference;
pub mod registry;
pub mod spec;

use crate::apptree::AppTree;
use crate::plan::{Container, Entry, Format, Part, Plan};
use crate::progress::Progress;
use crate::project::{OciSettings, Project};
use crate::sink::Written;
use crate::{Error, Result};
use layer::{LayerEntry, LayerSpec};
use reference::Reference;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Choices for an image build: `[tool.gradient.oci]` with the command
/// line's overrides, and flags that only make sense per run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub settings: OciSettings,
    /// Plain HTTP to a registry on the loopback interface.
    pub insecure: bool,
    /// Run the application with the base image's Python instead of
    /// bundling one (it must match the target's version).
    pub base_python: bool,
}

/// The application's layers, planned: what the preview shows and the
/// builder writes.
#[derive(Debug, Clone)]
pub struct AppLayers {
    /// `/opt/<name>`.
    pub root: String,
    pub layers: Vec<LayerSpec>,
    pub run: config::AppRun,
    /// The interpreter's `X.Y`, which a base Python must match.
    pub python: (u32, u32),
}

/// `/opt/<normalised name>`: where the application lives in the image.
pub fn app_root(project_name: &str) -> String {
    format!("/opt/{}", crate::names::normalize(project_name))
}

/// Split the payload (runtime + installed tree, paths relative to the
/// application root) into the runtime, dependencies and project layers.
pub fn plan_layers(
    project: &Project,
    payload: Vec<Entry>,
    tree: &AppTree,
    entry: &crate::entry_points::EntryPoint,
    python: (u32, u32),
    bundled: bool,
) -> Result<AppLayers> {
    let root = app_root(&project.metadata.name);
    let rel_root = root.trim_start_matches('/');
    let in_tree: BTreeSet<&str> = tree.files.iter().map(|f| f.path.as_str()).collect();
    let own = own_files(project, tree)?;
    let mut runtime = Vec::new();
    let mut deps = Vec::new();
    let mut mine = Vec::new();
    for e in payload {
        let bucket = if !in_tree.contains(e.path.as_str()) {
            &mut runtime
        } else if own.contains(e.path.as_str()) || is_own_bytecode(&e.path, &own) {
            &mut mine
        } else {
            &mut deps
        };
        bucket.push(LayerEntry {
            origin: e.origin,
            ..LayerEntry::file(format!("{rel_root}/{}", e.path), e.source, e.size, e.mode)
        });
    }
    let name = &project.metadata.name;
    let mut layers = Vec::new();
    if bundled {
        layers.push(LayerSpec {
            name: "runtime".into(),
            created_by: format!(
                "gradient: Python {}.{} runtime and the shared libraries it needs",
                python.0, python.1
            ),
            entries: runtime.clone(),
        });
    }
    let dists: Vec<String> = tree
        .distributions
        .iter()
        .filter(|d| crate::names::normalize(&d.name) != crate::names::normalize(name))
        .map(|d| format!("{}=={}", d.name, d.version))
        .collect();
    layers.push(LayerSpec {
        name: "dependencies".into(),
        created_by: format!("gradient: dependencies {}", dists.join(" ")),
        entries: deps,
    });
    layers.push(LayerSpec {
        name: "project".into(),
        created_by: format!("gradient: {name} {}", project.metadata.version),
        entries: mine,
    });
    let run = app_run(
        &root,
        tree,
        entry,
        python,
        bundled,
        runtime
            .iter()
            .any(|e| e.path.starts_with(&format!("{rel_root}/lib/"))),
    );
    Ok(AppLayers {
        root,
        layers,
        run,
        python,
    })
}

/// Entrypoint and environment: the console script when the tree has it
/// (its `#!` names the bundled interpreter), else the interpreter running
/// the `module:attr` object.
fn app_run(
    root: &str,
    tree: &AppTree,
    entry: &crate::entry_points::EntryPoint,
    python: (u32, u32),
    bundled: bool,
    has_libs: bool,
) -> config::AppRun {
    let bin = format!("{root}/{}", tree.layout.scripts);
    let interpreter = if bundled {
        format!("{bin}/python{}.{}", python.0, python.1)
    } else {
        format!("python{}.{}", python.0, python.1)
    };
    let script = format!("{}/{}", tree.layout.scripts, entry.name);
    let entrypoint = if tree.files.iter().any(|f| f.path == script) {
        if bundled {
            vec![format!("{root}/{script}")]
        } else {
            vec![interpreter, format!("{root}/{script}")]
        }
    } else {
        let (module, attr) = entry
            .object
            .split_once(':')
            .unwrap_or((&entry.object, "main"));
        vec![
            interpreter,
            "-c".into(),
            format!("import sys, {module} as m; sys.exit(m.{attr}())"),
        ]
    };
    let mut env = vec![("LANG".to_string(), "C.UTF-8".to_string())];
    // The bundled libraries (and libpython, should the interpreter's
    // RUNPATH not have been rewritten) are found through the loader path.
    if bundled {
        let mut dirs = vec![format!("{root}/python/lib")];
        if has_libs {
            dirs.insert(0, format!("{root}/lib"));
        }
        env.push(("LD_LIBRARY_PATH".into(), dirs.join(":")));
    }
    if !bundled {
        env.push((
            "PYTHONPATH".into(),
            format!("{root}/{}", tree.layout.site_packages),
        ));
    }
    config::AppRun {
        entrypoint,
        path: vec![bin],
        env,
    }
}

/// The tree paths of the project's own distribution: its RECORD rows
/// (relative to site-packages, `../` for scripts) resolved.
fn own_files(project: &Project, tree: &AppTree) -> Result<BTreeSet<String>> {
    let own = crate::names::normalize(&project.metadata.name);
    let Some(dist) = tree
        .distributions
        .iter()
        .find(|d| crate::names::normalize(&d.name) == own)
    else {
        return Err(Error::Plan(format!(
            "{}: not installed in the application tree",
            project.metadata.name
        )));
    };
    let record = tree.root.join(&dist.dist_info).join("RECORD");
    let text = std::fs::read_to_string(&record).map_err(|e| Error::io(&record, e))?;
    let site = &tree.layout.site_packages;
    Ok(text
        .lines()
        .filter_map(|l| l.split(',').next())
        .filter(|p| !p.is_empty())
        .map(|p| normal_join(site, p))
        .collect())
}

fn normal_join(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|c| !c.is_empty()).collect();
    for c in rel.split('/') {
        match c {
            ".." => {
                parts.pop();
            }
            "" | "." => {}
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// `D/__pycache__/m.cpython-312.pyc` belongs to whoever owns `D/m.py`.
fn is_own_bytecode(path: &str, own: &BTreeSet<String>) -> bool {
    let Some((dir, file)) = path.rsplit_once("/__pycache__/") else {
        return false;
    };
    let module = file.split('.').next().unwrap_or(file);
    own.contains(&format!("{dir}/{module}.py"))
}

/// The preview's plan: every file of the application layers, each with
/// the layer it is in.
pub fn preview_plan(project: &Project, layers: &AppLayers, mtime: u64) -> Plan {
    let entries = layers
        .layers
        .iter()
        .flat_map(|l| {
            l.entries.iter().filter_map(move |e| match &e.node {
                layer::Node::File(source) => Some(Entry {
                    path: format!("/{}", e.path),
                    source: source.clone(),
                    mode: e.mode,
                    size: e.size,
                    reason: format!("{} layer", l.name),
                    part: Part(l.name.clone().into()),
                    origin: e.origin.clone(),
                }),
                _ => None,
            })
        })
        .collect();
    Plan {
        format: Format::Oci,
        file_name: image_stem(project),
        entries,
        excluded: Vec::new(),
        mtime,
        container: Container::OciBlobs,
    }
}

/// `greet-1.2.0`: the outputs' common name.
pub fn image_stem(project: &Project) -> String {
    format!(
        "{}-{}",
        crate::names::normalize(&project.metadata.name),
        project.metadata.version
    )
}

/// The image's name and tag: `[tool.gradient.oci] tag` or the project's
/// name and version.
pub fn image_reference(project: &Project, settings: &OciSettings) -> Result<Reference> {
    let text = settings.tag.clone().unwrap_or_else(|| {
        format!(
            "{}:{}",
            crate::names::normalize(&project.metadata.name),
            project.metadata.version.replace('+', "_")
        )
    });
    let r = Reference::parse(&text)?;
    if r.digest.is_some() {
        return Err(Error::Plan(format!(
            "tag `{text}`: an image is named by a tag, not a digest"
        )));
    }
    Ok(r)
}

/// What an image build produced.
#[derive(Debug, Clone, Serialize)]
pub struct Built {
    pub digest: String,
    pub reference: String,
    pub layers: Vec<layer::LayerBlob>,
    pub outputs: Vec<Written>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pushed: Option<registry::PushReport>,
}

/// Load the base, write the layers, assemble the image, push it when asked
/// (before anything is written, so a refused push leaves nothing behind)
/// and write the layout and archives into `out_dir`.
pub fn build(
    project: &Project,
    layers: &AppLayers,
    options: &Options,
    out_dir: &Path,
    mtime: u64,
    progress: &dyn Progress,
) -> Result<Built> {
    let settings = &options.settings;
    let named = image_reference(project, settings)?;
    let push_to = push_destination(options)?;
    let architecture = spec::host_architecture();
    let reg = registry::Options {
        insecure: options.insecure,
    };
    let base_text = settings.base.as_deref().ok_or_else(|| {
        Error::Plan("an image needs a base: --base DIR of .deb files (`apt-get download libc6 libgcc-s1 ca-certificates tzdata`), an OCI layout, an archive or an image reference".into())
    })?;
    let base_source = base::BaseSource::parse(base_text, &project.root)?;
    progress.step("base");
    let base = base::load(&base_source, architecture, mtime, &reg)?;
    let run = run_on_base(layers, options, &base)?;
    progress.step("layers");
    let app_blobs = layer::write_layers(&layers.layers, mtime)?;
    let config = config::image_config(
        base.config.as_ref(),
        &base.layers,
        &base.user,
        &run,
        settings,
        &app_blobs,
        architecture,
        mtime,
    );
    let mut all = base.layers.clone();
    all.extend(app_blobs);
    let (name, tag) = name_and_tag(&named);
    let image =
        image::Image::assemble(&name, &tag, config, all, annotations(project, &base, mtime))?;
    let pushed = match &push_to {
        Some(dest) => {
            progress.step("push");
            let from = match &base_source {
                base::BaseSource::Registry(r) => Some(r),
                _ => None,
            };
            Some(registry::push(&image, dest, &reg, from, progress)?)
        }
        None => None,
    };
    progress.step("write");
    let outputs = write_outputs(&image, out_dir, &image_stem(project), mtime)?;
    Ok(Built {
        digest: image.digest.clone(),
        reference: format!("{name}:{tag}"),
        layers: image.layers.clone(),
        outputs,
        pushed,
    })
}

/// Where to push the image (`push` setting); plain HTTP only to this
/// machine.
fn push_destination(options: &Options) -> Result<Option<Reference>> {
    let push_to = options
        .settings
        .push
        .as_deref()
        .map(Reference::parse)
        .transpose()?;
    if let Some(dest) = push_to
        .as_ref()
        .filter(|d| options.insecure && !d.is_loopback())
    {
        return Err(Error::Plan(format!(
            "--insecure (plain HTTP) is allowed only for a registry on this machine, not {}",
            dest.registry
        )));
    }
    Ok(push_to)
}

/// How the image runs the application: on the base's Python when asked,
/// whose place in the base is known only once the base is loaded.
fn run_on_base(layers: &AppLayers, options: &Options, base: &base::Base) -> Result<config::AppRun> {
    let mut run = layers.run.clone();
    if options.base_python {
        let python = check_base_python(base, layers.python)?;
        if let Some(first) = run.entrypoint.first_mut() {
            *first = python;
        }
    }
    Ok(run)
}

/// The image's name (the repository's last component) and tag (`latest`
/// when none is given).
fn name_and_tag(named: &Reference) -> (String, String) {
    let tag = named.tag.clone().unwrap_or_else(|| "latest".into());
    let name = named
        .repository
        .rsplit('/')
        .next()
        .unwrap_or(&named.repository)
        .to_string();
    (name, tag)
}

/// The layout directory, the OCI archive and the docker archive in
/// `out_dir`, named from `stem`.
fn write_outputs(
    image: &image::Image,
    out_dir: &Path,
    stem: &str,
    mtime: u64,
) -> Result<Vec<Written>> {
    Ok(vec![
        layout::write_dir(image, &out_dir.join(format!("{stem}-oci")))?,
        layout::write_archive(
            image,
            &out_dir.join(format!("{stem}.oci.tar")),
            false,
            mtime,
        )?,
        layout::write_archive(
            image,
            &out_dir.join(format!("{stem}.docker.tar")),
            true,
            mtime,
        )?,
    ])
}

/// The base's Python must be the target's X.Y: its absolute path.
fn check_base_python(base: &base::Base, want: (u32, u32)) -> Result<String> {
    let found: Vec<&String> = base
        .files
        .iter()
        .filter(|p| {
            p.contains("bin/") && inspect::is_interpreter_name(p.rsplit('/').next().unwrap_or(""))
        })
        .collect();
    let name = format!("python{}.{}", want.0, want.1);
    if let Some(p) = found.iter().find(|p| p.ends_with(&format!("/{name}"))) {
        return Ok(format!("/{p}"));
    }
    Err(Error::Target(format!(
        "base {} has {}; the application is built for Python {}.{}",
        base.name,
        if found.is_empty() {
            "no Python".to_string()
        } else {
            found
                .iter()
                .map(|p| format!("/{p}"))
                .collect::<Vec<_>>()
                .join(", ")
        },
        want.0,
        want.1
    )))
}

/// `org.opencontainers.image.*` annotations (annotations.md) from the
/// project's metadata and the base.
fn annotations(project: &Project, base: &base::Base, mtime: u64) -> BTreeMap<String, String> {
    let m = &project.metadata;
    let mut a = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        a.insert(format!("org.opencontainers.image.{k}"), v);
    };
    put("title", m.name.clone());
    put("version", m.version.clone());
    put("created", spec::rfc3339(mtime));
    if let Some(d) = &m.description {
        put("description", d.clone());
    }
    if let Some(crate::project::License::Spdx(l)) = &m.license {
        put("licenses", l.clone());
    }
    let url = |labels: &[&str]| {
        m.urls
            .iter()
            .find(|(k, _)| labels.iter().any(|l| k.eq_ignore_ascii_case(l)))
            .map(|(_, v)| v.clone())
    };
    if let Some(s) = url(&["source", "repository", "source code", "code"]) {
        put("source", s);
    }
    if let Some(h) = url(&["homepage", "home"]) {
        put("url", h);
    }
    put("base.name", base.name.clone());
    if let Some(d) = &base.digest {
        put("base.digest", d.clone());
    }
    a
}

/// One line for previews: base, tag, push target and each layer's files
/// and size (the base's layers are known only when building).
pub fn describe(project: &Project, layers: &AppLayers, settings: &OciSettings) -> String {
    let tag = image_reference(project, settings)
        .map(|r| format!("{}:{}", r.repository, r.reference()))
        .unwrap_or_else(|e| e.to_string());
    let mut out = format!(
        " · image {tag} on base {}",
        settings.base.as_deref().unwrap_or("(none chosen)")
    );
    if let Some(p) = &settings.push {
        out.push_str(&format!(" · pushed to {p}"));
    }
    for l in &layers.layers {
        let files = l.entries.len();
        let size: u64 = l.entries.iter().map(|e| e.size).sum();
        out.push_str(&format!(" · {} layer: {files} files, {size} bytes", l.name));
    }
    out
}

/// The directory of a layout output, for front ends that list outputs.
pub fn layout_dir(out_dir: &Path, project: &Project) -> PathBuf {
    out_dir.join(format!("{}-oci", image_stem(project)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_paths_resolve_into_the_tree() {
        assert_eq!(
            normal_join("python/lib/python3.12/site-packages", "../../../bin/greet"),
            "python/bin/greet"
        );
        assert_eq!(
            normal_join("site-packages", "greet/cli.py"),
            "site-packages/greet/cli.py"
        );
        let own: BTreeSet<String> = ["sp/greet/cli.py".to_string()].into();
        assert!(is_own_bytecode(
            "sp/greet/__pycache__/cli.cpython-312.pyc",
            &own
        ));
        assert!(!is_own_bytecode(
            "sp/rich/__pycache__/cli.cpython-312.pyc",
            &own
        ));
    }
}
