//! What a project can make Gradient run. Opening or previewing a project
//! must not run a program the project names (its `[tool.gradient.app]
//! python`, and any build backend or hook it may name later) until the
//! person trusts it, as an editor's workspace trust; the command line runs
//! what it is told, as pip does, and says what it runs. Front ends ask
//! [`named_programs`] before planning an application and [`announce`] for
//! the line they print.

use crate::build::TargetChoice;
use crate::project::Project;
use serde::Serialize;
use std::path::Path;

/// A program the project names, which building it would run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedProgram {
    /// As written in the project, e.g. `./tools/python`.
    pub program: String,
    /// Where it is named, e.g. `[tool.gradient.app] python`.
    pub setting: String,
}

/// Every program `project` names that previewing or building an application
/// from it would run. Empty: nothing of the project's choosing runs.
pub fn named_programs(project: &Project) -> Vec<NamedProgram> {
    project
        .settings
        .app
        .python
        .iter()
        .map(|p| NamedProgram {
            program: p.clone(),
            setting: "[tool.gradient.app] python".into(),
        })
        .collect()
}

/// The line a front end prints before planning an application for
/// `choice`: which interpreter runs and who chose it; `None` when nothing
/// runs (a target described without an interpreter).
pub fn announce(choice: &TargetChoice, project: &Project) -> Option<String> {
    let named = |p: &Path| {
        project.settings.app.python.as_deref().is_some_and(|s| {
            let at_root = if s.contains('/') {
                project.root.join(s)
            } else {
                s.into()
            };
            at_root == p
        })
    };
    match choice {
        TargetChoice::Default => Some(format!(
            "runs {} (found on PATH) to describe the target",
            crate::runtime::Target::default_interpreter().display()
        )),
        TargetChoice::Python(p) if named(p) => Some(format!(
            "runs {} (named by [tool.gradient.app] python in {}) to describe the target",
            p.display(),
            project.pyproject_path.display()
        )),
        TargetChoice::Python(p) => Some(format!(
            "runs {} (--python) to describe the target",
            p.display()
        )),
        TargetChoice::Runtime(archive) => Some(format!(
            "runs the interpreter unpacked from {} to describe the target",
            archive.display()
        )),
        TargetChoice::Spec(_) | TargetChoice::Described(_) => None,
    }
}
