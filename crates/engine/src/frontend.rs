//! The PEP 517 build frontend: a project whose `[build-system]` names a
//! backend other than Gradient's is built by that backend, the way PEP 517
//! § "Build frontend" describes and `python -m build` does it.
//!
//! 1. [`BuildSystem::read`] the table (PEP 518 fallbacks, `backend-path`
//!    checked to stay in the tree).
//! 2. Resolve the build requirements with the engine's resolver and install
//!    them with its installer into a cached, content-keyed environment
//!    ([`env`]); `get_requires_for_build_*` adds to them.
//! 3. `build_sdist`, then `build_wheel` from the unpacked sdist (the wheel
//!    from the tree when the backend cannot make an sdist or only a wheel
//!    was asked for); each hook in a fresh process ([`hooks`]).
//! 4. The inspector verifies each artifact before it is put into the output
//!    directory atomically.
//!
//! On failure the backend's own output is quoted and the environment and
//! the scratch directory (unpacked sdist, hook files) are kept and named.

mod build_system;
mod compiled;
mod config;
pub mod env;
mod hooks;

use crate::build::{Artifact, BuildReport};
use crate::closure::Sources;
use crate::plan::Format;
use crate::progress::Progress;
use crate::runtime::Target;
use crate::sink::Written;
use crate::{Error, Result};
use hooks::{Answer, Caller, Failed};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;

pub use build_system::{BuildSystem, LEGACY_BACKEND, LEGACY_REQUIRES};
pub use compiled::compiled_parts;
pub use config::{ConfigSettings, Setting};
pub use env::Env;

/// A build by the project's own backend.
#[derive(Debug, Clone)]
pub struct Request {
    /// The source tree (holding pyproject.toml or setup.py).
    pub root: PathBuf,
    pub out_dir: PathBuf,
    /// [`Format::Sdist`] and/or [`Format::Wheel`].
    pub formats: Vec<Format>,
    /// The interpreter that runs the backend; default `python3` on PATH.
    pub python: Option<PathBuf>,
    pub config: ConfigSettings,
    /// Where build requirements come from (default: the public index).
    pub sources: Sources,
    /// Repair platform wheels (`linux_<arch>`) into manylinux/musllinux
    /// ones before they are delivered; `None` delivers them as built.
    pub repair: Option<crate::repair::Options>,
    /// Keep the sources, hook files and environment of a failed build and
    /// name them in the error (a build); a preview, re-run after every
    /// edit, removes them instead.
    pub keep_failed: bool,
}

/// Where a build got to: what to keep and name when a hook fails.
struct Run<'a> {
    system: &'a BuildSystem,
    target: Target,
    sources: Sources,
    config: serde_json::Value,
    scratch: PathBuf,
    progress: &'a dyn Progress,
    /// Environments used, by the requirements they were made for: each set
    /// is resolved once per build (the sdist's and the wheel's hooks share
    /// it), and they are named in the report and in failure messages.
    envs: Vec<(Vec<String>, Rc<Env>)>,
    /// Findings in the sdist, for the report's notes.
    warnings: Vec<String>,
}

/// Build `req.formats` of the tree at `req.root` with its own backend.
pub fn build(req: &Request, progress: &dyn Progress) -> Result<BuildReport> {
    let system = BuildSystem::read(&req.root)?;
    if let Some(bad) = req
        .formats
        .iter()
        .find(|f| !matches!(f, Format::Sdist | Format::Wheel))
    {
        return Err(Error::Plan(format!(
            "{} of a project built by `{}`: only sdists and wheels can be built by a project's own backend yet",
            bad.name(),
            system.backend
        )));
    }
    let (mut run, scratch) = Run::start(&system, req, progress)?;
    let built = run.artifacts(&req.root, &req.formats);
    let built = match built {
        Ok(built) => built,
        Err(e) if req.keep_failed => return Err(run.keep(scratch, e)),
        Err(e) => return Err(e),
    };
    let mut artifacts = Vec::new();
    let mut notes = run.notes();
    let mut repairs = Vec::new();
    for (format, path) in built {
        let repaired = match (&req.repair, format) {
            (Some(opts), Format::Wheel) => run.repair(&path, opts, &req.out_dir)?,
            _ => None,
        };
        let written = match &repaired {
            Some(r) => r.written.clone(),
            None => deliver(&path, &req.out_dir)?,
        };
        artifacts.push(Artifact { format, written });
        if let Some(r) = repaired {
            notes.push(crate::repair::summary(&r));
            repairs.push(r);
        }
    }
    Ok(BuildReport {
        artifacts,
        notes,
        images: Vec::new(),
        repairs,
    })
}

/// PEP 517 § "Build requirements": a project must not need itself to build.
fn check_cycle(system: &BuildSystem) -> Result<()> {
    let Some(name) = &system.project_name else {
        return Ok(());
    };
    for r in &system.requires {
        if let Ok(req) = crate::names::parse_requirement(r) {
            if crate::names::normalize(req.name.as_ref()) == *name {
                return Err(Error::Plan(format!(
                    "build requirement cycle: {name} lists `{r}` in [build-system] requires; a project cannot need itself to be built (PEP 517 forbids cycles)"
                )));
            }
        }
    }
    Ok(())
}

/// A project that declares it does not run on the interpreter is refused
/// before its build requirements are resolved and installed (a backend
/// would say so only after minutes of work, if at all).
fn check_python(system: &BuildSystem, target: &Target, root: &Path) -> Result<()> {
    let Some(spec) = &system.requires_python else {
        return Ok(());
    };
    let (Ok(specifiers), Ok(version)) = (
        pep440_rs::VersionSpecifiers::from_str(spec),
        pep440_rs::Version::from_str(&target.full_version),
    ) else {
        return Ok(()); // the backend judges what a frontend cannot parse
    };
    if specifiers.contains(&version) {
        return Ok(());
    }
    Err(Error::project(
        root.join("pyproject.toml"),
        None,
        format!(
            "[project] requires-python = \"{spec}\", and the interpreter building it is Python {}{}: choose another with --python",
            target.full_version,
            target
                .interpreter
                .as_ref()
                .map(|p| format!(" ({})", p.display()))
                .unwrap_or_default()
        ),
    ))
}

fn scratch_dir(sources: &Sources) -> Result<tempfile::TempDir> {
    let cache = sources
        .cache
        .clone()
        .unwrap_or_else(crate::closure::index::default_cache);
    let dir = cache.join("build-scratch");
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    tempfile::Builder::new()
        .prefix("build-")
        .tempdir_in(&dir)
        .map_err(|e| Error::io(&dir, e))
}

impl<'a> Run<'a> {
    /// Check for a cycle, describe the interpreter and make the scratch
    /// directory (removed when the returned guard drops, unless kept).
    fn start(
        system: &'a BuildSystem,
        req: &Request,
        progress: &'a dyn Progress,
    ) -> Result<(Run<'a>, tempfile::TempDir)> {
        check_cycle(system)?;
        progress.step("target");
        let python = req
            .python
            .clone()
            .unwrap_or_else(Target::default_interpreter);
        let sources = req.sources.clone().with_default_index();
        let target = Target::describe(&python)?;
        check_python(system, &target, &req.root)?;
        let scratch = scratch_dir(&sources)?;
        let run = Run {
            system,
            target,
            sources,
            config: req.config.to_json(),
            scratch: scratch.path().to_path_buf(),
            progress,
            envs: Vec::new(),
            warnings: Vec::new(),
        };
        Ok((run, scratch))
    }

    /// The sdist (when asked for, or as the wheel's source), then the wheel.
    fn artifacts(&mut self, root: &Path, formats: &[Format]) -> Result<Vec<(Format, PathBuf)>> {
        let want_sdist = formats.contains(&Format::Sdist);
        let want_wheel = formats.contains(&Format::Wheel);
        let mut out = Vec::new();
        let mut wheel_tree = root.to_path_buf();
        if want_sdist {
            if let Some(sdist) = self.sdist(root)? {
                if want_wheel {
                    wheel_tree = self.unpack(&sdist)?;
                }
                out.push((Format::Sdist, sdist));
            }
        }
        if want_wheel {
            out.push((Format::Wheel, self.wheel(&wheel_tree)?));
        }
        for (format, path) in &out {
            let problems = problems(path)?;
            if problems.is_empty() {
                continue;
            }
            // The wheel is what gets installed: it must verify. The sdist
            // is the backend's copy of the source tree, test data and all
            // (deliberately broken ELF files, a PKG-INFO copied from the
            // sdist it was built from): its findings are reported.
            if *format == Format::Wheel {
                return Err(Error::Backend(format!(
                    "{}: the backend's wheel does not verify:\n  {}",
                    path.display(),
                    problems.join("\n  ")
                )));
            }
            self.warnings.extend(
                problems
                    .into_iter()
                    .map(|p| format!("the backend's sdist: {p}")),
            );
        }
        Ok(out)
    }

    /// The environment for the build requirements plus a hook's extra ones.
    fn env_for(&mut self, tree: &Path, requires_hook: &str) -> Result<Rc<Env>> {
        let base = self.env_with(&self.system.requires.clone())?;
        let kwargs = serde_json::json!({ "config_settings": self.config });
        let extra = self.value(&base, tree, requires_hook, kwargs)?;
        let extra: Vec<String> = serde_json::from_value(extra).map_err(|e| {
            Error::Backend(format!(
                "`{requires_hook}` of {} did not return a list of requirements: {e}",
                self.system.backend
            ))
        })?;
        if extra.is_empty() {
            return Ok(base);
        }
        self.progress
            .log(&format!("{requires_hook} added {extra:?}"));
        let mut all = self.system.requires.clone();
        all.extend(extra);
        self.env_with(&all)
    }

    /// The environment holding `requirements`, made or found once per build.
    fn env_with(&mut self, requirements: &[String]) -> Result<Rc<Env>> {
        if let Some((_, env)) = self.envs.iter().find(|(r, _)| r == requirements) {
            return Ok(env.clone());
        }
        let forbidden: Vec<String> = self.system.project_name.iter().cloned().collect();
        let env = Rc::new(env::ensure(
            &self.target,
            requirements,
            &forbidden,
            &self.sources,
            self.progress,
        )?);
        self.envs.push((requirements.to_vec(), env.clone()));
        Ok(env)
    }

    /// `build_sdist`; `None` when the backend raised UnsupportedOperation.
    fn sdist(&mut self, root: &Path) -> Result<Option<PathBuf>> {
        let env = self.env_for(root, "get_requires_for_build_sdist")?;
        let dir = self.scratch.join("sdist");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        self.progress.step("sdist");
        let kwargs = serde_json::json!({ "sdist_directory": dir, "config_settings": self.config });
        match self.call(&env, root, "build_sdist", kwargs)? {
            Answer::Value(name) => Ok(Some(returned_file(&dir, &name, "build_sdist")?)),
            Answer::Unsupported(why) => {
                self.progress.log(&format!(
                    "build_sdist unsupported ({why}): building the wheel from the tree"
                ));
                Ok(None)
            }
        }
    }

    fn wheel(&mut self, tree: &Path) -> Result<PathBuf> {
        let env = self.env_for(tree, "get_requires_for_build_wheel")?;
        let dir = self.scratch.join("wheel");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        self.progress.step("wheel");
        let kwargs = serde_json::json!({
            "wheel_directory": dir, "config_settings": self.config, "metadata_directory": null
        });
        let name = self.value(&env, tree, "build_wheel", kwargs)?;
        returned_file(&dir, &name, "build_wheel")
    }

    /// PEP 517 `prepare_metadata_for_build_wheel` (or the metadata of a
    /// built wheel when the backend lacks it): the `.dist-info` directory.
    fn metadata(&mut self, root: &Path) -> Result<PathBuf> {
        let env = self.env_for(root, "get_requires_for_build_wheel")?;
        let dir = self.scratch.join("metadata");
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let kwargs =
            serde_json::json!({ "metadata_directory": dir, "config_settings": self.config });
        let name = self.value(&env, root, "prepare_metadata_for_build_wheel", kwargs)?;
        returned_file(&dir, &name, "prepare_metadata_for_build_wheel")
    }

    fn call(
        &self,
        env: &Env,
        tree: &Path,
        hook: &str,
        kwargs: serde_json::Value,
    ) -> Result<Answer> {
        if self.progress.cancelled() {
            return Err(Error::Cancelled);
        }
        let caller = Caller {
            backend: &self.system.backend,
            backend_path: &self.system.backend_path,
            tree,
            progress: self.progress,
        };
        caller
            .call(env, hook, kwargs, &self.scratch)?
            .map_err(|Failed(message)| Error::Backend(message))
    }

    /// A hook that may not answer UnsupportedOperation.
    fn value(
        &self,
        env: &Env,
        tree: &Path,
        hook: &str,
        kwargs: serde_json::Value,
    ) -> Result<serde_json::Value> {
        match self.call(env, tree, hook, kwargs)? {
            Answer::Value(v) => Ok(v),
            Answer::Unsupported(why) => Err(Error::Backend(format!(
                "`{hook}` of {} raised UnsupportedOperation, which only build_sdist may: {why}",
                self.system.backend
            ))),
        }
    }

    /// Unpack the sdist into the scratch directory: its one top directory.
    fn unpack(&self, sdist: &Path) -> Result<PathBuf> {
        let file = std::fs::File::open(sdist).map_err(|e| Error::io(sdist, e))?;
        unpack_tree(file, sdist, &self.scratch.join("src"))
    }

    /// The platform wheel repaired and delivered into `out_dir`; `None`
    /// when it is not one repair applies to.
    fn repair(
        &self,
        wheel: &Path,
        opts: &crate::repair::Options,
        out_dir: &Path,
    ) -> Result<Option<crate::repair::Repaired>> {
        let name = wheel.file_name().unwrap_or_default().to_string_lossy();
        if !crate::repair::wants_repair(&name) {
            return Ok(None);
        }
        let scratch = self.scratch.join("repaired");
        let mut r = crate::repair::repair(wheel, opts, &scratch, self.progress)?;
        r.written = deliver(&r.written.path, out_dir)?;
        // The platform wheel stays in the scratch directory, removed after
        // the build: only its name means anything to the person.
        r.input = PathBuf::from(name.as_ref());
        Ok(Some(r))
    }

    fn notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "built by the project's backend `{}`",
            self.system.backend
        )];
        let mut seen = Vec::new();
        for (_, env) in &self.envs {
            if !seen.contains(&env.root) {
                seen.push(env.root.clone());
                let how = if env.reused { "reused" } else { "created" };
                notes.push(format!("build environment {} ({how})", env.root.display()));
            }
        }
        notes.extend(self.warnings.iter().cloned());
        notes
    }

    /// A failed build keeps its scratch directory and names it and the
    /// environments in the error.
    fn keep(&self, scratch: tempfile::TempDir, e: Error) -> Error {
        let Error::Backend(message) = e else {
            return e;
        };
        let kept = scratch.keep();
        let mut lines = vec![
            message,
            format!(
                "kept for inspection: sources and hook files in {}",
                kept.display()
            ),
        ];
        if let Some((_, env)) = self.envs.last() {
            lines.push(format!("build environment {}", env.root.display()));
        }
        Error::Backend(lines.join("\n"))
    }
}

/// Only the metadata of the wheel the backend would build: its `.dist-info`
/// directory, written under a scratch directory the caller removes.
pub fn prepare_metadata(
    req: &Request,
    progress: &dyn Progress,
) -> Result<(tempfile::TempDir, PathBuf)> {
    let system = BuildSystem::read(&req.root)?;
    let (mut run, scratch) = Run::start(&system, req, progress)?;
    let dist_info = run.metadata(&req.root)?;
    Ok((scratch, dist_info))
}

/// Unpack the sdist `name`, read from `sdist`, into `into`; its one
/// top-level directory `{name}-{version}`.
pub(crate) fn unpack_tree(sdist: impl std::io::Read, name: &Path, into: &Path) -> Result<PathBuf> {
    unpack_sdist(sdist, into).map_err(|e| Error::io(name, e))?;
    let tops: Vec<PathBuf> = std::fs::read_dir(into)
        .map_err(|e| Error::io(into, e))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    match &tops[..] {
        [top] => Ok(top.clone()),
        _ => Err(Error::Backend(format!(
            "{}: an sdist must hold one top-level directory {{name}}-{{version}}, not {}",
            name.display(),
            tops.len()
        ))),
    }
}

/// Unpack a .tar.gz, members that would land outside `into` skipped (the
/// tar crate's `unpack_in`). Modification times come from the pax `mtime`
/// record when there is one: Python's tarfile writes fractional times there
/// and leaves the ustar field unusable, and backends that date wheel
/// members by their files (flit-core) refuse times before 1980.
fn unpack_sdist(sdist: impl std::io::Read, into: &Path) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(sdist));
    std::fs::create_dir_all(into)?;
    for entry in archive.entries()? {
        let mut entry = entry?;
        let pax_mtime = entry
            .pax_extensions()?
            .and_then(|exts| {
                exts.flatten()
                    .find(|e| e.key() == Ok("mtime"))
                    .and_then(|e| e.value().ok()?.parse::<f64>().ok())
            })
            .filter(|t| t.is_finite() && *t >= 0.0);
        let path = into.join(entry.path()?);
        let is_file = entry.header().entry_type().is_file();
        if entry.unpack_in(into)? && is_file {
            if let Some(t) = pax_mtime {
                let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(t);
                std::fs::File::options()
                    .write(true)
                    .open(&path)?
                    .set_modified(when)?;
            }
        }
    }
    Ok(())
}

/// PEP 517: hooks return a basename in the directory they were given.
fn returned_file(dir: &Path, name: &serde_json::Value, hook: &str) -> Result<PathBuf> {
    let name = name.as_str().unwrap_or_default();
    let path = dir.join(name);
    let plain = !name.is_empty() && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name));
    if !plain || !path.exists() {
        return Err(Error::Backend(format!(
            "`{hook}` returned `{name}`, which is not a file it wrote in {}",
            dir.display()
        )));
    }
    Ok(path)
}

/// The inspector's verification, as for a native artifact: its errors.
fn problems(path: &Path) -> Result<Vec<String>> {
    let report = crate::inspect::inspect(path)?;
    Ok(report
        .findings
        .iter()
        .filter(|f| f.severity == crate::inspect::Severity::Error)
        .map(|f| {
            let at = f.path.as_deref().map(|p| format!("{p}: "));
            format!("{} {}{}", f.code, at.unwrap_or_default(), f.message)
        })
        .collect())
}

/// Copy an artifact into the output directory atomically, hashing it on
/// the way.
fn deliver(path: &Path, out_dir: &Path) -> Result<Written> {
    let dest = out_dir.join(path.file_name().unwrap_or_default());
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    crate::sink::write_with(&dest, 0o644, |out| {
        std::io::copy(&mut file, out)
            .map(|_| ())
            .map_err(|e| Error::io(&dest, e))
    })
}

#[cfg(test)]
mod tests;
