//! Applications someone else published: `gradient build 'black==26.10.1'
//! --format exe` takes a requirement instead of a project directory (as
//! `shiv -c` and `pipx run` do). The requirement is resolved with its
//! closure; the project it stands for is read from the distribution's
//! wheel (its METADATA: name, version, summary, people, license…), and
//! then every application format is staged as for a project declaring
//! that one dependency, with that distribution's wheel as its own.

use super::app::{self, ClosureCache};
use super::options::{AppOptions, TargetChoice};
use super::{BuildReport, BuildRequest, Preview};
use crate::closure::{self, Closure};
use crate::names::{self, Requirement};
use crate::plan::Format;
use crate::progress::Progress;
use crate::project::{Metadata, Project};
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The closure's root: the command line asking for the requirement.
const ROOT: &str = "the requirement";

/// What the argument of `gradient build` names.
#[derive(Debug)]
pub enum Input {
    /// A project directory (or any path that exists: an existing path
    /// always wins over a requirement of the same spelling).
    Project(PathBuf),
    /// A PEP 508 requirement of a published distribution.
    Requirement(Box<Requirement>),
}

/// Tell a project path from a requirement: an existing path is a path;
/// anything else that parses as a PEP 508 requirement (`black`,
/// `black==26.10.1`, `black[d]>=24`) is one; what is neither is an error
/// naming both readings.
pub fn classify(arg: &Path) -> Result<Input> {
    if arg.exists() {
        return Ok(Input::Project(arg.to_path_buf()));
    }
    let neither = |why: String| {
        Error::Plan(format!(
            "{}: no such directory, and not a requirement ({why})",
            arg.display()
        ))
    };
    let text = arg.to_str().ok_or_else(|| neither("not UTF-8".into()))?;
    // `./x`, `x/`, `~/x`: spelled as paths, which no requirement is.
    if text.is_empty() || (text.contains(std::path::MAIN_SEPARATOR) && !text.contains('@')) {
        return Err(neither("it is spelled as a path".into()));
    }
    names::parse_requirement(text)
        .map(|r| Input::Requirement(Box::new(r)))
        .map_err(neither)
}

/// Build `request`'s application formats of the published distribution
/// `requirement` (sdist and wheel are refused: there is no source).
pub fn build(
    requirement: &Requirement,
    request: &BuildRequest,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    naming(requirement, || {
        check_formats(&request.formats)?;
        let (project, app, cache) = resolve(requirement, &request.formats, &request.app, progress)?;
        let request = BuildRequest {
            app,
            ..request.clone()
        };
        super::build_with(&project, &request, &cache, progress)
    })
}

/// The preview of one application format of `requirement`: the plan
/// [`build`] would write.
pub fn preview(
    requirement: &Requirement,
    format: Format,
    options: &AppOptions,
    progress: &dyn Progress,
) -> Result<Preview> {
    naming(requirement, || {
        check_formats(&[format])?;
        let (project, options, cache) = resolve(requirement, &[format], options, progress)?;
        super::preview(&project, format, &options, &cache, progress)
    })
}

/// Only application formats can be built from a requirement.
fn check_formats(formats: &[Format]) -> Result<()> {
    if formats.is_empty() {
        return Err(Error::Plan(
            "choose what to build from a requirement: --format zipapp, exe, deb or oci".into(),
        ));
    }
    match formats.iter().find(|f| !app::is_app(**f)) {
        Some(format) => Err(Error::Plan(format!(
            "--format {}: a requirement has no source to build; use a directory",
            format.name()
        ))),
        None => Ok(()),
    }
}

/// The target described and the closure resolved once; the project read
/// from the distribution's wheel; the options and a closure cache that let
/// staging reuse both.
fn resolve(
    requirement: &Requirement,
    formats: &[Format],
    options: &AppOptions,
    progress: &dyn Progress,
) -> Result<(Project, AppOptions, ClosureCache)> {
    let mut options = options.clone();
    progress.step("target");
    let deb_layout = formats
        .contains(&Format::Deb)
        .then(|| options.deb.layout(&Project::unnamed(Path::new("."))));
    let target = app::describe_target(&options, deb_layout)?;
    let sources = options.sources.clone().with_default_index();
    let text = requirement.to_string();
    // The root is not the distribution: a root's requirement on its own
    // name would be taken as a self-reference and skipped.
    let closure = Arc::new(closure::resolve(
        (ROOT, "0"),
        std::slice::from_ref(&text),
        &target,
        &sources,
        progress,
    )?);
    let project = project_of(requirement, &closure)?;
    options.target = TargetChoice::Described(Box::new(target.clone()));
    options.published = true;
    let cache = ClosureCache::holding(&project, &target, &sources, closure);
    Ok((project, options, cache))
}

/// The project a published distribution stands for: its wheel's METADATA,
/// requiring exactly the requirement (so `--lock` is checked against it),
/// with default settings, rooted at the current directory (where relative
/// paths on the command line point).
fn project_of(requirement: &Requirement, closure: &Closure) -> Result<Project> {
    let wheel = app::published_wheel(&names::normalize(requirement.name.as_ref()), closure)?;
    let bytes =
        closure::read_wheel_metadata(std::io::Cursor::new(&wheel.bytes[..]), &wheel.file_name)?;
    let metadata = crate::metadata::read(&String::from_utf8_lossy(&bytes), &wheel.file_name)?;
    let root = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    Ok(Project {
        pyproject_path: PathBuf::from(&wheel.file_name),
        metadata: Metadata {
            dependencies: vec![requirement.to_string()],
            ..metadata
        },
        ..Project::unnamed(&root)
    })
}

/// The result of `work`, its error saying which requirement it is about.
fn naming<T>(requirement: &Requirement, work: impl FnOnce() -> Result<T>) -> Result<T> {
    work().map_err(|error| named(&requirement.to_string(), error))
}

/// `error`, saying which requirement it is about. A published application
/// has no project file to point at (its "pyproject.toml" is its wheel's
/// metadata), so what is said of one is said of the requirement instead.
fn named(requirement: &str, error: Error) -> Error {
    let named = |message: String| format!("`{requirement}`: {message}");
    match error {
        Error::Plan(m) => Error::Plan(named(m)),
        e @ (Error::Project(_) | Error::Invalid { .. }) => Error::Plan(named(e.to_string())),
        Error::Target(m) => Error::Target(named(m)),
        // The root's made-up version says nothing.
        Error::Closure(m) => {
            Error::Closure(named(m.replace(&format!("{ROOT} 0 "), &format!("{ROOT} "))))
        }
        Error::Backend(m) => Error::Backend(named(m)),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(arg: &str) -> String {
        match classify(Path::new(arg)) {
            Ok(Input::Requirement(r)) => r.to_string(),
            other => panic!("{arg}: {other:?}"),
        }
    }

    #[test]
    fn a_path_that_exists_wins_and_anything_else_may_be_a_requirement() {
        let dir = tempfile::tempdir().unwrap();
        let black = dir.path().join("black");
        std::fs::create_dir(&black).unwrap();
        assert!(matches!(classify(&black), Ok(Input::Project(p)) if p == black));
        // A file is a path too: the project loader names what is wrong.
        let file = dir.path().join("pyproject.toml");
        std::fs::write(&file, "").unwrap();
        assert!(matches!(classify(&file), Ok(Input::Project(_))));
        assert_eq!(requirement("black"), "black");
        assert_eq!(requirement("black==26.10.1"), "black==26.10.1");
        assert_eq!(requirement("Black[d] >=24, <27"), "black[d]>=24,<27");
        assert_eq!(
            requirement("black; python_version >= '3.9'"),
            "black ; python_full_version >= '3.9'"
        );
    }

    #[test]
    fn neither_a_path_nor_a_requirement_is_named() {
        for arg in ["./missing", "missing/", "no such", "black==", "-x", ""] {
            let e = classify(Path::new(arg)).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!(
                    "{arg}: no such directory, and not a requirement ("
                )),
                "{arg}: {e}"
            );
        }
    }

    #[test]
    fn only_application_formats_and_at_least_one() {
        let e = check_formats(&[Format::Zipapp, Format::Wheel]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "--format wheel: a requirement has no source to build; use a directory"
        );
        assert!(check_formats(&[])
            .unwrap_err()
            .to_string()
            .contains("--format zipapp"));
        assert!(check_formats(&[Format::Exe, Format::Oci, Format::Deb]).is_ok());
    }

    #[test]
    fn errors_name_the_requirement() {
        let e = named(
            "black==99",
            Error::Closure("x:\n  the requirement 0 depends on black 99".into()),
        );
        assert_eq!(
            e.to_string(),
            "`black==99`: x:\n  the requirement depends on black 99"
        );
        assert!(matches!(named("x", Error::Cancelled), Error::Cancelled));
    }
}
