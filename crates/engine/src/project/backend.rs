//! The module names other build backends' own settings give, so a project
//! whose import name differs from its project name builds natively without
//! repeating it under `[tool.gradient]`: flit-core's `[tool.flit.module]
//! name`, hatchling's `[tool.hatch.build.targets.wheel] packages` and
//! setuptools' `[tool.setuptools] packages` / `py-modules` (list forms) with
//! `package-dir = { "" = "DIR" }`. Consulted only when the project name leads
//! to no module; forms this reader does not follow are warnings, and the
//! "module not found" error then says what to set. `sdist.rs` reads what
//! those backends add to or leave out of the sdist.

use super::fields::{get, Doc, Item, Value};
use super::ProjectError;
use crate::names;
use toml::de::DeTable;

mod sdist;
pub use sdist::globs as sdist_globs;

/// Modules named by a backend's settings, and the directory they live in
/// (`None`: detect `src/` or the root, as for Gradient's own default).
#[derive(Debug, PartialEq, Eq)]
pub struct Named {
    pub modules: Vec<String>,
    pub root: Option<String>,
}

/// The first backend table (flit, hatch, setuptools) that names modules.
pub fn modules(doc: &Doc, top: &DeTable) -> Result<Option<Named>, ProjectError> {
    let Some(tool) = get(top, "tool") else {
        return Ok(None);
    };
    let tool = doc.table(tool, "tool")?;
    if let Some(found) = flit(doc, tool)? {
        return Ok(Some(found));
    }
    if let Some(found) = hatch(doc, tool)? {
        return Ok(Some(found));
    }
    setuptools(doc, tool)
}

/// A table at `path` below `table`, if every step is a table.
fn table_at<'t, 'i>(table: &'t DeTable<'i>, path: &[&str]) -> Option<&'t DeTable<'i>> {
    path.iter()
        .try_fold(table, |t, key| match get(t, key)?.get_ref() {
            toml::de::DeValue::Table(inner) => Some(inner),
            _ => None,
        })
}

/// flit-core: `[tool.flit.module] name = "pkg"` (dotted for a package in a
/// namespace package).
fn flit(doc: &Doc, tool: &DeTable) -> Result<Option<Named>, ProjectError> {
    let Some(name) = table_at(tool, &["flit", "module"]).and_then(|t| get(t, "name")) else {
        return Ok(None);
    };
    let field = "tool.flit.module.name";
    let text = doc.str(name, field)?;
    if !is_dotted(text) {
        doc.warn(
            &name.span(),
            field,
            format!("`{text}` is not an importable module name; ignored"),
        );
        return Ok(None);
    }
    Ok(Some(Named {
        modules: vec![text.to_string()],
        root: None,
    }))
}

/// hatchling: `[tool.hatch.build.targets.wheel] packages = ["src/pkg"]`:
/// each a directory whose last part is shipped at the top of the wheel.
fn hatch(doc: &Doc, tool: &DeTable) -> Result<Option<Named>, ProjectError> {
    let Some(value) =
        table_at(tool, &["hatch", "build", "targets", "wheel"]).and_then(|t| get(t, "packages"))
    else {
        return Ok(None);
    };
    let field = "tool.hatch.build.targets.wheel.packages";
    let mut root: Option<String> = None;
    let mut modules = Vec::new();
    for item in doc.strings(value, field)? {
        let path = item.text.trim_end_matches('/');
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        if !names::is_identifier(name) || dir.split('/').any(|c| c == "..") || path.starts_with('/')
        {
            return ignored(doc, &item, "not a package directory inside the project");
        }
        if root.as_deref().is_some_and(|r| r != dir) {
            return ignored(doc, &item, "packages in different directories");
        }
        root = Some(dir.to_string());
        modules.push(name.to_string());
    }
    Ok((!modules.is_empty()).then_some(Named { modules, root }))
}

/// setuptools: `[tool.setuptools] packages = [...]` (the top-level ones;
/// subpackages come with them) and `py-modules`, under `package-dir`'s `""`.
fn setuptools(doc: &Doc, tool: &DeTable) -> Result<Option<Named>, ProjectError> {
    let Some(table) = table_at(tool, &["setuptools"]) else {
        return Ok(None);
    };
    let mut listed = Vec::new();
    for key in ["packages", "py-modules"] {
        let Some(value) = get(table, key) else {
            continue;
        };
        if !matches!(value.get_ref(), toml::de::DeValue::Array(_)) {
            // `packages = { find = { ... } }`: discovery rules, not names.
            return Ok(None);
        }
        listed.extend(doc.strings(value, &format!("tool.setuptools.{key}"))?);
    }
    if let Some(item) = listed.iter().find(|i| !is_dotted(&i.text)) {
        return ignored(doc, item, "not an importable name");
    }
    let all: Vec<&str> = listed.iter().map(|i| i.text.as_str()).collect();
    let modules: Vec<String> = all
        .iter()
        .filter(|n| {
            !n.rsplit_once('.')
                .is_some_and(|(parent, _)| all.contains(&parent))
        })
        .map(|n| n.to_string())
        .collect();
    if modules.is_empty() {
        return Ok(None);
    }
    let root = match get(table, "package-dir") {
        None => Some(String::new()),
        Some(value) => match package_root(doc, value)? {
            Some(root) => Some(root),
            None => return Ok(None),
        },
    };
    Ok(Some(Named { modules, root }))
}

/// `package-dir = { "" = "src" }` → `src`; other mappings (one directory per
/// package) are warned about and not followed.
fn package_root(doc: &Doc, value: &Value) -> Result<Option<String>, ProjectError> {
    let field = "tool.setuptools.package-dir";
    let pairs = doc.string_table(value, field)?;
    match pairs.as_slice() {
        [(key, dir)] if key.text.is_empty() && !dir.text.split('/').any(|c| c == "..") => {
            Ok(Some(dir.text.trim_end_matches('/').to_string()))
        }
        _ => {
            doc.warn(
                &value.span(),
                field,
                "only `{ \"\" = \"DIR\" }` is followed by the native builder; set tool.gradient.module-name and module-root",
            );
            Ok(None)
        }
    }
}

fn ignored(doc: &Doc, item: &Item, why: &str) -> Result<Option<Named>, ProjectError> {
    doc.warn(
        &item.span,
        &item.field,
        format!(
            "`{}`: {why}; not followed by the native builder (set tool.gradient.module-name)",
            item.text
        ),
    );
    Ok(None)
}

fn is_dotted(name: &str) -> bool {
    name.split('.').all(names::is_identifier)
}
