//! The semantics of pyproject.toml: the `[project]` table per
//! "pyproject.toml specification" (packaging.python.org/en/latest/
//! specifications/pyproject-toml/), `[build-system]`, and `[tool.gradient]`.

use super::entries::{entry_points, scripts};
use super::fields::{get, key_span, Doc, Item, Value};
use super::imports::{import_names, import_names_disjoint};
use super::*;
use crate::names;
use std::str::FromStr;
use toml::de::DeTable;

const PROJECT_KEYS: &[&str] = &[
    "name",
    "version",
    "description",
    "readme",
    "requires-python",
    "license",
    "license-files",
    "authors",
    "maintainers",
    "keywords",
    "classifiers",
    "urls",
    "dependencies",
    "optional-dependencies",
    "scripts",
    "gui-scripts",
    "entry-points",
    "import-names",
    "import-namespaces",
    "dynamic",
];

pub(crate) const GRADIENT_KEYS: &[&str] = &[
    "module-name",
    "module-root",
    "namespace",
    "include",
    "exclude",
    "wheel-exclude",
    "sdist-exclude",
    "data",
    "wheel-from-sdist",
    "app",
    "oci",
    "deb",
];

const OCI_KEYS: &[&str] = &[
    "base", "tag", "push", "user", "workdir", "ports", "labels", "env",
];

const APP_KEYS: &[&str] = &[
    "python",
    "target",
    "wheelhouse",
    "index",
    "lock",
    "entry",
    "shebang",
];

const DATA_SCHEMES: &[&str] = &["data", "scripts", "headers", "purelib", "platlib"];

/// Files found at the root when `license-files` is not given (the common
/// names setuptools and hatchling also pick up).
const DEFAULT_LICENSE_GLOBS: &[&str] = &["LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*"];

/// The project at `root`: its pyproject.toml read, every problem of the file
/// reported at once.
pub fn load(root: &Path) -> Result<Project, ProjectError> {
    let file = root.join("pyproject.toml");
    let text = read_text(&file)?;
    let doc = Doc {
        file: &file,
        text: &text,
        warnings: Default::default(),
        errors: Default::default(),
    };
    let top = DeTable::parse(&text).map_err(|e| ProjectError {
        file: file.clone(),
        line: e.span().map(|s| doc.line(&s)),
        field: None,
        message: format!("invalid TOML: {}", e.message().trim()),
        more: Vec::new(),
    })?;
    let top = top.get_ref();

    let build_system = match get(top, "build-system") {
        Some(v) => doc.keep(build_system(&doc, v)).unwrap_or_default(),
        None => BuildSystem::default(),
    };
    let tool_gradient = get(top, "tool")
        .and_then(|t| doc.keep(doc.table(t, "tool")))
        .and_then(|t| get(t, "gradient"));
    let project_value = get(top, "project").ok_or_else(|| ProjectError {
        file: file.clone(),
        line: None,
        field: Some("project".into()),
        message: "no [project] table: add one with at least `name` and `version`".into(),
        more: Vec::new(),
    })?;
    let table = doc.table(project_value, "project")?;
    doc.keep(doc.only_keys(table, "project", PROJECT_KEYS));

    let name = project_name(&doc, project_value, table)?;
    let mut settings = doc
        .keep(module_settings(&doc, root, top, tool_gradient, &name))
        .unwrap_or_default();
    if let Some(globs) = doc.keep(super::backend::sdist_globs(&doc, top)) {
        settings.backend_sdist = globs;
    }
    manifest_in_warnings(&doc, root);
    let meta = metadata(&doc, root, (project_value, table), name, &settings);
    doc.finish()?;

    Ok(Project {
        root: root.to_path_buf(),
        pyproject_path: file.clone(),
        metadata: meta,
        settings,
        build_system,
        warnings: doc.warnings.take(),
    })
}

/// The `[project]` table (`project`, as a value and as a table) read into
/// [`Metadata`]; problems are kept in `doc`.
fn metadata(
    doc: &Doc,
    root: &Path,
    (project, table): (&Value, &DeTable),
    name: String,
    settings: &Settings,
) -> Metadata {
    let dynamic = doc.keep(dynamic(doc, table)).unwrap_or_default();
    let version = doc
        .keep(version(
            doc, root, table, project, &dynamic, settings, &name,
        ))
        .unwrap_or_default();
    let mut meta = Metadata {
        normalized_name: names::normalize(&name),
        name,
        version,
        dynamic,
        ..Metadata::default()
    };
    for (key, value) in table.iter() {
        let key = key.get_ref().as_ref();
        doc.keep(field(doc, root, &mut meta, key, value));
    }
    if let Some(files) = doc.keep(license_files(doc, root, table, meta.license.as_ref())) {
        meta.license_files = files;
    }
    license_classifier(doc, table, &meta);
    doc.keep(import_names_disjoint(doc, table, &meta));
    meta
}

/// The text of pyproject.toml, refused with a byte order mark.
fn read_text(file: &Path) -> Result<String, ProjectError> {
    let problem = |line, message| ProjectError {
        file: file.to_path_buf(),
        line,
        field: None,
        message,
        more: Vec::new(),
    };
    let text = std::fs::read_to_string(file).map_err(|e| {
        problem(
            None,
            format!("cannot read: {e} (a Python project needs a pyproject.toml at its root)"),
        )
    })?;
    if text.starts_with('\u{feff}') {
        return Err(problem(
            Some(1),
            "starts with a UTF-8 byte order mark, which TOML does not allow and pip's \
             parser (tomllib) rejects in the sdist: save the file without it"
                .into(),
        ));
    }
    Ok(text)
}

/// `project.name`: present, a string and valid (PEP 508 names). Everything
/// after it is read in its name, so its problems end the reading.
fn project_name(doc: &Doc, project: &Value, table: &DeTable) -> Result<String, ProjectError> {
    let value = get(table, "name").ok_or_else(|| {
        doc.err(
            &project.span(),
            "project.name",
            "missing: every project needs a name",
        )
    })?;
    let name = doc.str(value, "project.name")?.to_string();
    if !names::is_valid_name(&name) {
        return Err(doc.err(
            &value.span(),
            "project.name",
            format!(
                "`{name}` is not a valid project name: use ASCII letters, digits, `.`, `_` and `-`, \
                 starting and ending with a letter or digit (e.g. `my-project`)"
            ),
        ));
    }
    Ok(name)
}

/// One key of the `[project]` table into `meta` (name, version and dynamic
/// are read before; unknown keys are refused by `only_keys`).
fn field(
    doc: &Doc,
    root: &Path,
    meta: &mut Metadata,
    key: &str,
    value: &Value,
) -> Result<(), ProjectError> {
    let field = format!("project.{key}");
    let f = field.as_str();
    match key {
        "description" => {
            let text = doc.str(value, f)?;
            if text.contains('\n') {
                return Err(doc.err(
                    &value.span(),
                    f,
                    "must be one line (the summary); put longer text in the readme",
                ));
            }
            meta.description = Some(text.to_string());
        }
        "readme" => meta.readme = Some(readme(doc, root, value)?),
        "requires-python" => {
            let text = doc.str(value, f)?;
            pep440_rs::VersionSpecifiers::from_str(text).map_err(|e| {
                doc.err(
                    &value.span(),
                    f,
                    format!("`{text}` is not a valid version specifier ({e}); e.g. `>=3.9`"),
                )
            })?;
            meta.requires_python = Some(text.to_string());
        }
        "license" => meta.license = Some(license(doc, root, value)?),
        "authors" => meta.authors = people(doc, value, f)?,
        "maintainers" => meta.maintainers = people(doc, value, f)?,
        "keywords" => meta.keywords = doc.strings(value, f)?.into_iter().map(|i| i.text).collect(),
        "classifiers" => meta.classifiers = classifiers(doc, value)?,
        "urls" => meta.urls = urls(doc, value)?,
        "dependencies" => meta.dependencies = requirements(doc, value, f)?,
        "optional-dependencies" => meta.optional_dependencies = extras(doc, value)?,
        "scripts" => meta.scripts = scripts(doc, value, f)?,
        "gui-scripts" => meta.gui_scripts = scripts(doc, value, f)?,
        "entry-points" => meta.entry_points = entry_points(doc, value)?,
        "import-names" => meta.import_names = Some(import_names(doc, value, f)?),
        "import-namespaces" => meta.import_namespaces = Some(import_names(doc, value, f)?),
        _ => {}
    }
    Ok(())
}

/// "Build tools MAY raise an error" for a License :: classifier beside an
/// SPDX `license` expression (pyproject.toml specification, PEP 639):
/// Gradient warns.
fn license_classifier(doc: &Doc, table: &DeTable, meta: &Metadata) {
    let Some(License::Spdx(_)) = &meta.license else {
        return;
    };
    if let Some(c) = meta
        .classifiers
        .iter()
        .find(|c| c.starts_with("License ::"))
    {
        let span = get(table, "classifiers")
            .map(|v| v.span())
            .unwrap_or_default();
        doc.warn(
            &span,
            "project.classifiers",
            format!("`{c}` is deprecated beside the SPDX `license` expression (PEP 639): remove the License :: classifier"),
        );
    }
}

fn build_system(doc: &Doc, value: &Value) -> Result<BuildSystem, ProjectError> {
    let table = doc.table(value, "build-system")?;
    let mut out = BuildSystem::default();
    if let Some(v) = get(table, "requires") {
        out.requires = requirements(doc, v, "build-system.requires")?;
    }
    if let Some(v) = get(table, "build-backend") {
        out.backend = Some(doc.str(v, "build-system.build-backend")?.to_string());
    }
    Ok(out)
}

fn dynamic(doc: &Doc, table: &DeTable) -> Result<Vec<String>, ProjectError> {
    let Some(value) = get(table, "dynamic") else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in doc.strings(value, "project.dynamic")? {
        let field = item.text.as_str();
        if field == "name" {
            return Err(doc.err(
                &item.span,
                "project.dynamic",
                "`name` can never be dynamic: set it in [project]",
            ));
        }
        if !PROJECT_KEYS.contains(&field) || field == "dynamic" {
            return Err(doc.err(
                &item.span,
                "project.dynamic",
                format!(
                    "`{field}` is not a [project] field; dynamic may list: {}",
                    PROJECT_KEYS
                        .iter()
                        .filter(|k| !["name", "dynamic"].contains(k))
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if field != "version" {
            return Err(doc.err(
                &item.span,
                "project.dynamic",
                format!(
                    "Gradient's native builder cannot compute `{field}`: set it statically in [project] \
                     (only `version` can be dynamic, read from `__version__` in the module)"
                ),
            ));
        }
        if let Some(span) = key_span(table, field) {
            return Err(doc.err(
                &span,
                &format!("project.{field}"),
                format!("`{field}` is listed in dynamic and also given: choose one"),
            ));
        }
        out.push(item.text);
    }
    Ok(out)
}

/// A PEP 440 version, normalised: given, or (dynamic) read from the module's
/// `__version__ = "..."`.
fn version(
    doc: &Doc,
    root: &Path,
    table: &DeTable,
    project: &Value,
    dynamic: &[String],
    settings: &Settings,
    name: &str,
) -> Result<String, ProjectError> {
    let (text, span, origin) = match get(table, "version") {
        Some(v) => (doc.str(v, "project.version")?.to_string(), v.span(), None),
        None if dynamic.iter().any(|d| d == "version") => {
            let from_sdist = || version_from_pkg_info(root, name);
            let (text, file) = from_sdist().or_else(|| version_from_module(root, settings)).ok_or_else(|| {
                doc.err(
                    &key_span(table, "dynamic").unwrap_or_default(),
                    "project.dynamic",
                    format!(
                        "version is dynamic but no `__version__ = \"...\"` line was found in the module `{}`",
                        settings.module_names.first().map(String::as_str).unwrap_or("")
                    ),
                )
            })?;
            (text, key_span(table, "dynamic").unwrap_or_default(), Some(file))
        }
        None => {
            return Err(doc.err(
                &project.span(),
                "project.version",
                "missing: set `version = \"1.0\"`, or list \"version\" in dynamic to read `__version__` from the module",
            ))
        }
    };
    let version = pep440_rs::Version::from_str(&text).map_err(|e| {
        let from = origin.map(|f| format!(" (read from {f})")).unwrap_or_default();
        doc.err(
            &span,
            "project.version",
            format!("`{text}`{from} is not a valid PEP 440 version ({e}); e.g. 1.0, 2.1.3, 1.0b2, 1.0.post1"),
        )
    })?;
    Ok(version.to_string())
}

/// An unpacked sdist's own `PKG-INFO` (core metadata `Version`), as
/// backends read it when they build a wheel from their sdist: only when its
/// `Name` is this project's (name normalisation).
fn version_from_pkg_info(root: &Path, name: &str) -> Option<(String, String)> {
    const FILE: &str = "PKG-INFO";
    if crate::links::named_file_escape(root, FILE).is_some() {
        return None;
    }
    let bytes = std::fs::read(root.join(FILE)).ok()?;
    let meta = crate::inspect::core_metadata::parse(&bytes, FILE, &mut Vec::new());
    if names::normalize(meta.get("Name")?) != names::normalize(name) {
        return None;
    }
    Some((meta.get("Version")?.to_string(), FILE.to_string()))
}

/// setuptools skips a MANIFEST.in line with an unknown command with a
/// warning; so does the sdist plan, and the warning is the project's (its
/// malformed lines are the plan's errors).
fn manifest_in_warnings(doc: &Doc, root: &Path) {
    let file = crate::sdist::manifest_in::FILE;
    if let Ok(text) = std::fs::read_to_string(root.join(file)) {
        if let Ok(template) = crate::sdist::manifest_in::parse(&text) {
            doc.warnings.borrow_mut().extend(template.warnings);
        }
    }
}

/// `[tool.gradient]`, its module defaulting to the project name; when that
/// module does not exist and `module-name` is not given, the modules another
/// backend's settings name ([`super::backend`]).
fn module_settings(
    doc: &Doc,
    root: &Path,
    top: &DeTable,
    tool_gradient: Option<&Value>,
    name: &str,
) -> Result<Settings, ProjectError> {
    let mut settings = match tool_gradient {
        Some(v) => settings(doc, root, v, name)?,
        None => Settings {
            module_names: vec![names::import_name(name)],
            ..Settings::default()
        },
    };
    let module_named = tool_gradient
        .and_then(|v| doc.table(v, "tool.gradient").ok())
        .is_some_and(|t| get(t, "module-name").is_some());
    if !module_named && !module_exists(root, &settings) {
        if let Some(named) = super::backend::modules(doc, top)? {
            settings.module_names = named.modules;
            settings.module_root = settings.module_root.take().or(named.root);
        }
    }
    Ok(settings)
}

/// Whether the module `settings` name first exists where discovery looks
/// (`module-root`, else `src/` and the root), as a package or a `.py` file.
fn module_exists(root: &Path, settings: &Settings) -> bool {
    let Some(module) = settings.module_names.first() else {
        return false;
    };
    let rel = module.replace('.', "/");
    let roots: Vec<String> = match &settings.module_root {
        Some(r) if r.is_empty() => vec![String::new()],
        Some(r) => vec![format!("{r}/")],
        None => vec!["src/".into(), String::new()],
    };
    roots.iter().any(|r| {
        root.join(format!("{r}{rel}")).is_dir() || root.join(format!("{r}{rel}.py")).is_file()
    })
}

fn version_from_module(root: &Path, settings: &Settings) -> Option<(String, String)> {
    let module = settings.module_names.first()?.replace('.', "/");
    let roots: Vec<String> = match &settings.module_root {
        Some(r) => vec![r.clone()],
        None => vec!["src".into(), String::new()],
    };
    for r in roots {
        for candidate in [format!("{module}/__init__.py"), format!("{module}.py")] {
            let rel = if r.is_empty() {
                candidate
            } else {
                format!("{r}/{candidate}")
            };
            if crate::links::named_file_escape(root, &rel).is_some() {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(root.join(&rel)) {
                return text.lines().find_map(dunder_version).map(|v| (v, rel));
            }
        }
    }
    None
}

/// `__version__ = "1.2"` (optionally annotated `: str`) → `1.2`.
fn dunder_version(line: &str) -> Option<String> {
    let rest = line.strip_prefix("__version__")?.trim_start();
    let rest = match rest.strip_prefix(':') {
        Some(annotated) => annotated.trim_start().strip_prefix("str")?.trim_start(),
        None => rest,
    };
    let rest = rest.strip_prefix('=')?.trim();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let inner = &rest[1..];
    let end = inner.find(quote)?;
    Some(inner[..end].to_string())
}

fn relative_file(doc: &Doc, root: &Path, item: &Item) -> Result<String, ProjectError> {
    check_relative(doc, item)?;
    if !root.join(&item.text).is_file() {
        return Err(doc.err(
            &item.span,
            &item.field,
            format!(
                "file `{}` does not exist (relative to {})",
                item.text,
                root.display()
            ),
        ));
    }
    if let Some(why) = crate::links::named_file_escape(root, &item.text) {
        return Err(doc.err(&item.span, &item.field, why));
    }
    Ok(item.text.clone())
}

/// Paths and globs must stay inside the project: relative, `/`-separated,
/// no `..`.
fn check_relative(doc: &Doc, item: &Item) -> Result<(), ProjectError> {
    let p = &item.text;
    if p.is_empty()
        || p.starts_with('/')
        || p.contains('\\')
        || p.split('/').any(|c| c == "..")
        || p.contains(':') && p.len() > 1 && p.as_bytes()[1] == b':'
    {
        return Err(doc.err(
            &item.span,
            &item.field,
            format!(
                "`{p}` must be a relative path inside the project, with `/` separators and no `..`"
            ),
        ));
    }
    Ok(())
}

/// `project.readme`: a path (its content type told by its extension) or a
/// table with `content-type` and either `file` or `text`.
fn readme(doc: &Doc, root: &Path, value: &Value) -> Result<Readme, ProjectError> {
    let f = "project.readme";
    if let Some(path) = value.get_ref().as_str() {
        let content_type = readme_type_by_name(doc, value, path)?;
        let item = Item {
            text: path.to_string(),
            span: value.span(),
            field: f.into(),
        };
        let text = read_readme(doc, root, &item)?;
        return Ok(Readme {
            file: Some(path.to_string()),
            text,
            content_type: content_type.into(),
        });
    }
    let table = doc.table(value, f)?;
    doc.only_keys(table, f, &["file", "text", "content-type"])?;
    let content_type = readme_content_type(doc, value, table)?;
    match (get(table, "file"), get(table, "text")) {
        (Some(_), Some(t)) => Err(doc.err(&t.span(), f, "give either `file` or `text`, not both")),
        (Some(v), None) => {
            let item = Item {
                text: doc.str(v, "project.readme.file")?.to_string(),
                span: v.span(),
                field: "project.readme.file".into(),
            };
            let text = read_readme(doc, root, &item)?;
            Ok(Readme {
                file: Some(item.text),
                text,
                content_type,
            })
        }
        (None, Some(v)) => Ok(Readme {
            file: None,
            text: doc.str(v, "project.readme.text")?.to_string(),
            content_type,
        }),
        (None, None) => Err(doc.err(&value.span(), f, "a readme table needs `file` or `text`")),
    }
}

/// The content type of the readme file `path`, by its extension.
fn readme_type_by_name(doc: &Doc, value: &Value, path: &str) -> Result<&'static str, ProjectError> {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".md") || lower.ends_with(".markdown") {
        Ok("text/markdown")
    } else if lower.ends_with(".rst") {
        Ok("text/x-rst")
    } else if lower.ends_with(".txt") {
        Ok("text/plain")
    } else {
        Err(doc.err(
            &value.span(),
            "project.readme",
            format!("cannot tell the content type of `{path}` (.md, .rst or .txt): use readme = {{ file = \"{path}\", content-type = \"text/markdown\" }}"),
        ))
    }
}

/// A readme table's `content-type` (required): one of the three the core
/// metadata specification allows, parameters kept.
fn readme_content_type(doc: &Doc, value: &Value, table: &DeTable) -> Result<String, ProjectError> {
    let f = "project.readme.content-type";
    let Some(v) = get(table, "content-type") else {
        return Err(doc.err(
            &value.span(),
            f,
            "missing: a readme table needs content-type (text/markdown, text/x-rst or text/plain)",
        ));
    };
    let ct = doc.str(v, f)?;
    let base = ct.split(';').next().unwrap_or("").trim();
    if !["text/markdown", "text/x-rst", "text/plain"].contains(&base) {
        return Err(doc.err(
            &v.span(),
            f,
            format!("`{ct}`: use text/markdown, text/x-rst or text/plain"),
        ));
    }
    Ok(ct.to_string())
}

/// The readme file `item` names, as UTF-8 text.
fn read_readme(doc: &Doc, root: &Path, item: &Item) -> Result<String, ProjectError> {
    let rel = relative_file(doc, root, item)?;
    std::fs::read_to_string(root.join(&rel)).map_err(|e| {
        doc.err(
            &item.span,
            "project.readme",
            format!("cannot read `{rel}` as UTF-8 text: {e}"),
        )
    })
}

fn license(doc: &Doc, root: &Path, value: &Value) -> Result<License, ProjectError> {
    let f = "project.license";
    if let Some(expr) = value.get_ref().as_str() {
        return match spdx::Expression::parse_mode(expr, spdx::ParseMode::STRICT) {
            Ok(_) => Ok(License::Spdx(expr.trim().to_string())),
            Err(e) => Err(doc.err(
                &value.span(),
                f,
                format!("`{expr}` is not a valid SPDX license expression ({}); e.g. \"MIT\", \"Apache-2.0 OR MIT\", \"LicenseRef-Proprietary\"", e.reason),
            )),
        };
    }
    let table = doc.table(value, f)?;
    doc.only_keys(table, f, &["file", "text"])?;
    doc.warn(
        &value.span(),
        f,
        "the table form is deprecated (PEP 639): use an SPDX expression (license = \"MIT\") and license-files",
    );
    match (get(table, "file"), get(table, "text")) {
        (Some(_), Some(t)) => Err(doc.err(&t.span(), f, "give either `file` or `text`, not both")),
        (Some(v), None) => {
            let item = Item {
                text: doc.str(v, "project.license.file")?.to_string(),
                span: v.span(),
                field: f.into(),
            };
            let path = relative_file(doc, root, &item)?;
            let text = std::fs::read_to_string(root.join(&path))
                .map_err(|e| doc.err(&v.span(), f, format!("cannot read `{path}`: {e}")))?;
            Ok(License::File { path, text })
        }
        (None, Some(v)) => Ok(License::Text(
            doc.str(v, "project.license.text")?.to_string(),
        )),
        (None, None) => Err(doc.err(
            &value.span(),
            f,
            "use an SPDX expression string, e.g. license = \"MIT\"",
        )),
    }
}

/// PEP 639 `license-files`: every glob must match at least one file.
fn license_files(
    doc: &Doc,
    root: &Path,
    table: &DeTable,
    license: Option<&License>,
) -> Result<Vec<String>, ProjectError> {
    let mut out = std::collections::BTreeSet::new();
    match get(table, "license-files") {
        Some(value) => {
            if let Some(License::File { .. }) = license {
                return Err(doc.err(&value.span(), "project.license-files", "cannot be used with the legacy license = { file = ... } table: use license = \"<SPDX>\""));
            }
            for item in doc.strings(value, "project.license-files")? {
                check_relative(doc, &item)?;
                let matched = glob_files(root, &item.text)
                    .map_err(|e| doc.err(&item.span, &item.field, e))?;
                if matched.is_empty() {
                    return Err(doc.err(
                        &item.span,
                        &item.field,
                        format!(
                            "`{}` matches no file (PEP 639 requires every pattern to match)",
                            item.text
                        ),
                    ));
                }
                out.extend(matched);
            }
        }
        None => match license {
            Some(License::File { path, .. }) => {
                out.insert(path.clone());
            }
            _ => {
                for pattern in DEFAULT_LICENSE_GLOBS {
                    out.extend(glob_files(root, pattern).unwrap_or_default());
                }
            }
        },
    }
    Ok(out.into_iter().collect())
}

/// Files under `root` whose `/`-separated relative path matches `pattern`.
/// Walks only below the pattern's literal leading directories.
pub(crate) fn glob_files(root: &Path, pattern: &str) -> Result<Vec<String>, String> {
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("`{pattern}` is not a valid glob: {}", e.kind()))?
        .compile_matcher();
    let literal: Vec<&str> = pattern
        .split('/')
        .take_while(|c| !c.contains(['*', '?', '[', '{']))
        .collect();
    let base = if literal.len() == pattern.split('/').count() {
        // No glob characters at all: a plain path.
        if let Some(why) = crate::links::named_file_escape(root, pattern) {
            return Err(why);
        }
        return Ok(if root.join(pattern).is_file() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        });
    } else {
        literal.join("/")
    };
    let start = root.join(&base);
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(&start)
        .standard_filters(false)
        .filter_entry(|e| {
            !matches!(
                e.file_name().to_str(),
                Some(".git" | ".hg" | ".venv" | "node_modules" | "__pycache__" | "target")
            )
        })
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        if let Ok(rel) = entry.path().strip_prefix(root) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            if glob.is_match(&rel) {
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn people(doc: &Doc, value: &Value, field: &str) -> Result<Vec<Person>, ProjectError> {
    let mut out = Vec::new();
    for (i, v) in doc.array(value, field)?.iter().enumerate() {
        let f = format!("{field}[{i}]");
        let table = doc.table(v, &f)?;
        doc.only_keys(table, &f, &["name", "email"])?;
        let name = get(table, "name")
            .map(|n| doc.str(n, &format!("{f}.name")))
            .transpose()?;
        let email = get(table, "email")
            .map(|e| doc.str(e, &format!("{f}.email")))
            .transpose()?;
        if let Some(n) = name {
            if n.contains(',') {
                return Err(doc.err(
                    &v.span(),
                    &format!("{f}.name"),
                    "a name cannot contain a comma (core metadata joins names with commas)",
                ));
            }
        }
        if let Some(e) = email {
            // RFC 5322 addr-spec: a local part and a domain (`localhost`
            // is one); no spaces or the list and angle delimiters.
            let valid = e.rsplit_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && !d.is_empty() && !e.contains([' ', ',', '<', '>'])
            });
            if !valid {
                return Err(doc.err(
                    &v.span(),
                    &format!("{f}.email"),
                    format!("`{e}` is not an email address (e.g. ada@example.org)"),
                ));
            }
        }
        if name.is_none() && email.is_none() {
            return Err(doc.err(&v.span(), &f, "give a name, an email or both"));
        }
        out.push(Person {
            name: name.map(str::to_string),
            email: email.map(str::to_string),
        });
    }
    Ok(out)
}

fn classifiers(doc: &Doc, value: &Value) -> Result<Vec<String>, ProjectError> {
    let items = doc.strings(value, "project.classifiers")?;
    for item in &items {
        // An empty or multi-line value cannot be a Classifier header.
        if item.text.trim().is_empty() || item.text.contains('\n') {
            return Err(doc.err(
                &item.span,
                &item.field,
                "a classifier is one non-empty line",
            ));
        }
        if !item.text.contains(" :: ") {
            doc.warn(
                &item.span,
                &item.field,
                format!(
                    "`{}` is not a trove classifier (e.g. \"Programming Language :: Python :: 3\"): PyPI refuses uploads with unknown classifiers",
                    item.text
                ),
            );
        }
    }
    Ok(items.into_iter().map(|i| i.text).collect())
}

fn urls(doc: &Doc, value: &Value) -> Result<Vec<(String, String)>, ProjectError> {
    let mut out = Vec::new();
    for (key, val) in doc.string_table(value, "project.urls")? {
        if key.text.chars().count() > 32 {
            return Err(doc.err(
                &key.span,
                &key.field,
                "a URL label can be at most 32 characters (core metadata Project-URL)",
            ));
        }
        if !is_url(&val.text) {
            return Err(doc.err(
                &val.span,
                &val.field,
                format!("`{}` is not a URL (e.g. https://example.org)", val.text),
            ));
        }
        out.push((key.text, val.text));
    }
    Ok(out)
}

/// An absolute URI (RFC 3986 § 3.1): a scheme, `:`, and more —
/// `https://…`, and also `mailto:…`.
fn is_url(text: &str) -> bool {
    text.split_once(':').is_some_and(|(scheme, rest)| {
        scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            && !rest.is_empty()
            && !text.contains(char::is_whitespace)
    })
}

/// PEP 508 requirement strings.
fn requirements(doc: &Doc, value: &Value, field: &str) -> Result<Vec<String>, ProjectError> {
    let items = doc.strings(value, field)?;
    for item in &items {
        crate::names::parse_requirement(&item.text).map_err(|first| {
            doc.err(&item.span, &item.field, format!("`{}` is not a valid requirement: {first}; e.g. \"requests>=2.31\" or \"tomli; python_version < '3.11'\"", item.text))
        })?;
    }
    Ok(items.into_iter().map(|i| i.text).collect())
}

fn extras(doc: &Doc, value: &Value) -> Result<BTreeMap<String, Vec<String>>, ProjectError> {
    let table = doc.table(value, "project.optional-dependencies")?;
    let mut out = BTreeMap::new();
    for (key, reqs) in table.iter() {
        let name = key.get_ref().to_string();
        let field = format!("project.optional-dependencies.{name}");
        if !names::is_valid_name(&name) {
            return Err(doc.err(
                &key.span(),
                &field,
                format!("`{name}` is not a valid extra name (letters, digits, `-`, `_`, `.`)"),
            ));
        }
        let normalized = names::normalize_extra(&name);
        let list = requirements(doc, reqs, &field)?;
        if out.insert(normalized.clone(), list).is_some() {
            return Err(doc.err(&key.span(), &field, format!("extra `{name}` is the same as another one after normalisation (`{normalized}`)")));
        }
    }
    Ok(out)
}

fn globs(doc: &Doc, value: &Value, field: &str) -> Result<Vec<String>, ProjectError> {
    let items = doc.strings(value, field)?;
    for item in &items {
        check_relative(doc, item)?;
        globset::Glob::new(&item.text).map_err(|e| {
            doc.err(
                &item.span,
                &item.field,
                format!("`{}` is not a valid glob: {}", item.text, e.kind()),
            )
        })?;
    }
    Ok(items.into_iter().map(|i| i.text).collect())
}

fn settings(doc: &Doc, root: &Path, value: &Value, name: &str) -> Result<Settings, ProjectError> {
    let f = "tool.gradient";
    let table = doc.table(value, f)?;
    doc.keep(doc.only_keys(table, f, GRADIENT_KEYS));
    let mut s = Settings {
        module_names: vec![names::import_name(name)],
        ..Settings::default()
    };
    for (key, v) in table.iter() {
        doc.keep(gradient_key(doc, root, &mut s, key.get_ref(), v));
    }
    Ok(s)
}

/// One key of `[tool.gradient]` into `s`; each is read independently, so
/// every problem in the table is reported at once.
fn gradient_key(
    doc: &Doc,
    root: &Path,
    s: &mut Settings,
    key: &str,
    v: &Value,
) -> Result<(), ProjectError> {
    let field = format!("tool.gradient.{key}");
    let field = field.as_str();
    match key {
        "module-name" => s.module_names = module_names(doc, v, field)?,
        "module-root" => s.module_root = Some(module_root(doc, root, v, field)?),
        "namespace" => s.namespace = doc.bool(v, field)?,
        "include" => s.include = globs(doc, v, field)?,
        "exclude" => s.exclude = globs(doc, v, field)?,
        "wheel-exclude" => s.wheel_exclude = globs(doc, v, field)?,
        "sdist-exclude" => s.sdist_exclude = globs(doc, v, field)?,
        "wheel-from-sdist" => s.wheel_from_sdist = doc.bool(v, field)?,
        "app" => s.app = app_settings(doc, v, field)?,
        "oci" => s.oci = oci_settings(doc, v, field)?,
        "deb" => s.deb = super::deb::settings(doc, root, v, field)?,
        "data" => data_dirs(doc, root, v, field, &mut s.data)?,
        _ => {}
    }
    Ok(())
}

/// `tool.gradient.module-name`: one dotted module name or a list of them.
fn module_names(doc: &Doc, v: &Value, field: &str) -> Result<Vec<String>, ProjectError> {
    let items = if v.get_ref().is_str() {
        vec![Item {
            text: doc.str(v, field)?.to_string(),
            span: v.span(),
            field: field.to_string(),
        }]
    } else {
        doc.strings(v, field)?
    };
    if items.is_empty() {
        return Err(doc.err(&v.span(), field, "name at least one module"));
    }
    for item in &items {
        if !item.text.split('.').all(names::is_identifier) {
            return Err(doc.err(
                &item.span,
                &item.field,
                format!(
                    "`{}` is not an importable module name (e.g. `acme` or `acme.tools`)",
                    item.text
                ),
            ));
        }
    }
    Ok(items.into_iter().map(|i| i.text).collect())
}

/// `tool.gradient.module-root`: a directory inside the project (`""` for
/// the root itself).
fn module_root(doc: &Doc, root: &Path, v: &Value, field: &str) -> Result<String, ProjectError> {
    let item = Item {
        text: doc.str(v, field)?.trim_end_matches('/').to_string(),
        span: v.span(),
        field: field.to_string(),
    };
    if !item.text.is_empty() && item.text != "." {
        check_relative(doc, &item)?;
        if !root.join(&item.text).is_dir() {
            return Err(doc.err(
                &item.span,
                field,
                format!("directory `{}` does not exist", item.text),
            ));
        }
        Ok(item.text)
    } else {
        Ok(String::new())
    }
}

/// `tool.gradient.data`: install scheme → a directory inside the project
/// (binary distribution format, "the .data directory").
fn data_dirs(
    doc: &Doc,
    root: &Path,
    v: &Value,
    field: &str,
    data: &mut BTreeMap<String, String>,
) -> Result<(), ProjectError> {
    for (scheme, dir) in doc.string_table(v, field)? {
        if !DATA_SCHEMES.contains(&scheme.text.as_str()) {
            return Err(doc.err(
                &scheme.span,
                &scheme.field,
                format!(
                    "unknown scheme `{}`; valid: {}",
                    scheme.text,
                    DATA_SCHEMES.join(", ")
                ),
            ));
        }
        let dir_item = Item {
            text: dir.text.trim_end_matches('/').to_string(),
            ..dir
        };
        check_relative(doc, &dir_item)?;
        if !root.join(&dir_item.text).is_dir() {
            return Err(doc.err(
                &dir_item.span,
                &dir_item.field,
                format!("directory `{}` does not exist", dir_item.text),
            ));
        }
        data.insert(scheme.text, dir_item.text);
    }
    Ok(())
}

/// `[tool.gradient.app]`: defaults for application builds (the command
/// line's flags override them). Paths are relative to the project root.
fn app_settings(doc: &Doc, value: &Value, f: &str) -> Result<AppSettings, ProjectError> {
    let table = doc.table(value, f)?;
    doc.only_keys(table, f, APP_KEYS)?;
    let mut app = AppSettings::default();
    for (key, v) in table.iter() {
        let field = format!("{f}.{}", key.get_ref());
        let field = field.as_str();
        let text = |doc: &Doc| -> Result<Option<String>, ProjectError> {
            let t = doc.str(v, field)?;
            if t.trim().is_empty() {
                return Err(doc.err(&v.span(), field, "must not be empty"));
            }
            Ok(Some(t.to_string()))
        };
        match key.get_ref().as_ref() {
            "python" => app.python = text(doc)?,
            "target" => {
                let t = text(doc)?;
                if let Some(spec) = &t {
                    crate::runtime::Target::parse(spec)
                        .map_err(|e| doc.err(&v.span(), field, e.to_string()))?;
                }
                app.target = t;
            }
            "lock" => app.lock = text(doc)?,
            "entry" => app.entry = text(doc)?,
            "shebang" => app.shebang = text(doc)?,
            "wheelhouse" => {
                app.wheelhouse = doc.strings(v, field)?.into_iter().map(|i| i.text).collect()
            }
            "index" => app.index = doc.strings(v, field)?.into_iter().map(|i| i.text).collect(),
            _ => {}
        }
    }
    if app.python.is_some() && app.target.is_some() {
        return Err(doc.err(&value.span(), f, "set `python` or `target`, not both"));
    }
    if app.lock.is_some() && !(app.wheelhouse.is_empty() && app.index.is_empty()) {
        return Err(doc.err(
            &value.span(),
            f,
            "a `lock` is installed exactly: leave out `wheelhouse` and `index`",
        ));
    }
    Ok(app)
}

/// `[tool.gradient.oci]`: container image choices; the tag and push target
/// must be valid image references, ports `N` or `N/tcp|udp|sctp`.
fn oci_settings(doc: &Doc, value: &Value, f: &str) -> Result<OciSettings, ProjectError> {
    let table = doc.table(value, f)?;
    doc.only_keys(table, f, OCI_KEYS)?;
    let mut oci = OciSettings::default();
    for (key, v) in table.iter() {
        let field = format!("{f}.{}", key.get_ref());
        let field = field.as_str();
        let text =
            || -> Result<Option<String>, ProjectError> { Ok(Some(doc.str(v, field)?.to_string())) };
        let reference = || -> Result<Option<String>, ProjectError> {
            let t = doc.str(v, field)?;
            check_oci_value("tag", t).map_err(|m| doc.err(&v.span(), field, m))?;
            Ok(Some(t.to_string()))
        };
        let table = || -> Result<BTreeMap<String, String>, ProjectError> {
            Ok(doc
                .string_table(v, field)?
                .into_iter()
                .map(|(k, v)| (k.text, v.text))
                .collect())
        };
        match key.get_ref().as_ref() {
            "base" => oci.base = text()?,
            "tag" => oci.tag = reference()?,
            "push" => oci.push = reference()?,
            "user" => oci.user = text()?,
            "workdir" => oci.workdir = text()?,
            "labels" => oci.labels = table()?,
            "env" => oci.env = table()?,
            "ports" => {
                for item in doc.strings(v, field)? {
                    check_oci_value("ports", &item.text)
                        .map_err(|m| doc.err(&item.span, &item.field, m))?;
                    oci.ports.push(item.text);
                }
            }
            _ => {}
        }
    }
    Ok(oci)
}

/// The rule a value of `[tool.gradient.oci]` meets (a `ports` item for
/// `ports`), shared by the loader and the studio's form: the tag and push
/// target are image references (distribution spec's reference grammar), a
/// port is `N` or `N/tcp|udp|sctp`.
pub(crate) fn check_oci_value(key: &str, t: &str) -> Result<(), String> {
    match key {
        "tag" | "push" => crate::oci::reference::Reference::parse(t)
            .map(drop)
            .map_err(|e| e.to_string()),
        "ports" if crate::oci::config::exposed_port(t).is_none() => {
            Err(format!("`{t}` is not a port (`8000` or `8000/tcp`)"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(
        toml: &str,
        files: &[(&str, &str)],
    ) -> (tempfile::TempDir, Result<Project, ProjectError>) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("pyproject.toml"), toml).expect("write");
        for (path, text) in files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, text).expect("write");
        }
        let result = Project::load(dir.path());
        (dir, result)
    }

    fn error(toml: &str, files: &[(&str, &str)]) -> ProjectError {
        project(toml, files).1.expect_err("should be rejected")
    }

    const HEAD: &str = "[project]\nname = \"demo\"\nversion = \"1.0\"\n";

    /// A byte order mark is not TOML; pip's parser rejects the sdist's copy.
    #[test]
    fn a_byte_order_mark_is_an_error_naming_the_file() {
        let err = error(&format!("\u{feff}{HEAD}"), &[]);
        assert_eq!(err.line, Some(1));
        assert!(err.file.ends_with("pyproject.toml"));
        assert!(err.message.contains("byte order mark"), "{}", err.message);
    }

    #[test]
    fn full_project_table() {
        let toml = r#"
[project]
name = "Demo.Pkg"
version = "1.0.0-RC1"
description = "A demo"
readme = "README.md"
requires-python = ">=3.9"
license = "MIT OR Apache-2.0"
license-files = ["LICENSE*"]
authors = [{ name = "Ada", email = "ada@example.org" }, { name = "Bob" }]
maintainers = [{ email = "m@example.org" }]
keywords = ["a", "b"]
classifiers = ["Programming Language :: Python :: 3"]
dependencies = ["requests>=2", "tomli; python_version < '3.11'"]
[project.optional-dependencies]
Test_Extra = ["pytest"]
[project.urls]
Homepage = "https://example.org"
Docs = "https://example.org/docs"
[project.scripts]
demo = "demo_pkg.cli:main"
[project.gui-scripts]
demo-gui = "demo_pkg.gui:main"
[project.entry-points."demo.plugins"]
one = "demo_pkg.plugins"
[tool.gradient]
module-name = "demo_pkg"
include = ["tests/**"]
data = { data = "share" }
"#;
        let (_d, p) = project(
            toml,
            &[
                ("README.md", "# Demo\n"),
                ("LICENSE-MIT", "mit"),
                ("LICENSE-APACHE", "apache"),
                ("share/x", "x"),
            ],
        );
        let p = p.expect("valid project");
        let m = &p.metadata;
        assert_eq!(m.name, "Demo.Pkg");
        assert_eq!(m.normalized_name, "demo-pkg");
        assert_eq!(m.version, "1.0.0rc1");
        assert_eq!(
            m.readme.as_ref().map(|r| r.content_type.as_str()),
            Some("text/markdown")
        );
        assert_eq!(m.license, Some(License::Spdx("MIT OR Apache-2.0".into())));
        assert_eq!(m.license_files, vec!["LICENSE-APACHE", "LICENSE-MIT"]);
        assert_eq!(m.authors.len(), 2);
        assert_eq!(
            m.urls[0],
            ("Homepage".to_string(), "https://example.org".to_string())
        );
        assert_eq!(m.urls[1].0, "Docs", "urls keep file order");
        assert!(m.optional_dependencies.contains_key("test-extra"));
        assert_eq!(m.scripts["demo"], "demo_pkg.cli:main");
        assert_eq!(m.entry_points["demo.plugins"]["one"], "demo_pkg.plugins");
        assert_eq!(p.settings.module_names, vec!["demo_pkg"]);
        assert_eq!(p.settings.data["data"], "share");
        assert!(p.settings.wheel_from_sdist);
    }

    #[test]
    fn errors_name_line_and_field() {
        let e = error(
            "[project]\nname = \"demo\"\nversion = \"1.0-beta-x\"\n",
            &[],
        );
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(3), Some("project.version"))
        );
        assert!(e.message.contains("PEP 440"), "{}", e.message);
        assert!(
            e.to_string()
                .contains("pyproject.toml:3: project.version: "),
            "{e}"
        );

        let e = error(
            &format!("{HEAD}dependencies = [\n  \"ok\",\n  \"bad >>= 1\",\n]\n"),
            &[],
        );
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(6), Some("project.dependencies[1]"))
        );

        let e = error("[project\nname = 1\n", &[]);
        assert_eq!(e.line, Some(1));
        assert!(e.message.starts_with("invalid TOML"));

        let e = error(&format!("{HEAD}colour = \"red\"\n"), &[]);
        assert_eq!(e.field.as_deref(), Some("project.colour"));
        assert!(e.message.contains("valid keys are: name, version"));

        let e = error("[project]\nname = \"-x\"\nversion = \"1\"\n", &[]);
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(2), Some("project.name"))
        );
    }

    #[test]
    fn every_problem_is_reported_at_once_in_file_order() {
        let e = error(
            "[project]\nname = \"demo\"\nversion = \"1.0-beta-x\"\ndescription = \"two\\nlines\"\nrequires-python = \">=3.x\"\ndependencies = [\"bad >>= 1\"]\ncolour = \"red\"\nreadme = \"MISSING.md\"\n",
            &[],
        );
        let mut all = vec![(e.line, e.field.clone())];
        all.extend(e.more.iter().map(|m| (m.line, m.field.clone())));
        let fields: Vec<(Option<usize>, Option<&str>)> =
            all.iter().map(|(l, f)| (*l, f.as_deref())).collect();
        assert_eq!(
            fields,
            [
                (Some(3), Some("project.version")),
                (Some(4), Some("project.description")),
                (Some(5), Some("project.requires-python")),
                (Some(6), Some("project.dependencies[0]")),
                (Some(7), Some("project.colour")),
                (Some(8), Some("project.readme")),
            ]
        );
        // Each problem names the file, line and field.
        let text = e.to_string();
        assert_eq!(text.matches("pyproject.toml:").count(), 6, "{text}");
        // [tool.gradient] too, beside [project]'s.
        let e = error(
            &format!("{HEAD}description = 1\n[tool.gradient]\nnamespace = \"yes\"\nwheel-from-sdist = 2\n"),
            &[],
        );
        let fields: Vec<Option<&str>> = std::iter::once(&e)
            .chain(&e.more)
            .map(|p| p.field.as_deref())
            .collect();
        assert_eq!(
            fields,
            [
                Some("project.description"),
                Some("tool.gradient.namespace"),
                Some("tool.gradient.wheel-from-sdist")
            ]
        );
        // A valid file is still one without problems.
        assert!(error_free("[project]\nname = \"demo\"\nversion = \"1\"\n"));
    }

    fn error_free(toml: &str) -> bool {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pyproject.toml"), toml).unwrap();
        std::fs::write(dir.path().join("demo.py"), "").unwrap();
        load(dir.path()).is_ok()
    }

    #[test]
    fn readme_license_and_files() {
        let e = error(&format!("{HEAD}readme = \"README.md\"\n"), &[]);
        assert!(e.message.contains("does not exist"), "{}", e.message);
        let e = error(&format!("{HEAD}readme = \"README\"\n"), &[("README", "x")]);
        assert!(e.message.contains("content-type"));
        let e = error(&format!("{HEAD}license = \"MIT OR OR GPL\"\n"), &[]);
        assert_eq!(e.field.as_deref(), Some("project.license"));
        let e = error(
            &format!("{HEAD}license = \"MIT\"\nlicense-files = [\"LICENSE.txt\"]\n"),
            &[],
        );
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(5), Some("project.license-files[0]"))
        );
        let e = error(&format!("{HEAD}license = {{ file = \"COPYING\" }}\n"), &[]);
        assert_eq!(e.line, Some(4));
        let (_d, p) = project(
            &format!("{HEAD}license = {{ file = \"COPYING\" }}\n"),
            &[("COPYING", "all rights")],
        );
        let p = p.expect("legacy license file");
        assert_eq!(p.metadata.license_files, vec!["COPYING"]);
        assert!(
            p.warnings[0].contains("deprecated (PEP 639)"),
            "{:?}",
            p.warnings
        );
        let (_d, p) = project(&format!("{HEAD}license = \"MIT\"\nclassifiers = [\"License :: OSI Approved :: MIT License\"]\n"), &[]);
        let warnings = p.expect("a MAY-error is a warning").warnings;
        assert!(
            warnings[0].contains("pyproject.toml:5: project.classifiers: "),
            "{warnings:?}"
        );
        assert!(warnings[0].contains("PEP 639"), "{warnings:?}");
        let (_d, p) = project(
            &format!("{HEAD}license = \"MIT\"\n"),
            &[("LICENSE", "mit"), ("demo.py", "")],
        );
        assert_eq!(
            p.expect("valid").metadata.license_files,
            vec!["LICENSE"],
            "default license globs"
        );
    }

    #[test]
    fn dynamic_fields() {
        let toml = "[project]\nname = \"demo\"\ndynamic = [\"version\"]\n";
        let (_d, p) = project(
            toml,
            &[(
                "src/demo/__init__.py",
                "\"\"\"Demo.\"\"\"\n__version__ = '2.5.post1'\n",
            )],
        );
        assert_eq!(p.expect("dynamic version").metadata.version, "2.5.post1");
        let e = error(toml, &[("demo.py", "VERSION = 1\n")]);
        assert!(e.message.contains("__version__"));
        let e = error(
            "[project]\nname = \"demo\"\nversion = \"1\"\ndynamic = [\"dependencies\"]\n",
            &[],
        );
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(4), Some("project.dynamic"))
        );
        assert!(e.message.contains("cannot compute `dependencies`"));
        let e = error(
            "[project]\nname = \"demo\"\nversion = \"1\"\ndynamic = [\"version\"]\n",
            &[],
        );
        assert!(e.message.contains("also given"));
        assert_eq!(
            dunder_version("__version__: str = \"1.0\"").as_deref(),
            Some("1.0")
        );
    }

    #[test]
    fn scripts_and_entry_points() {
        let e = error(&format!("{HEAD}[project.scripts]\ndemo = \"demo\"\n"), &[]);
        assert_eq!(e.field.as_deref(), Some("project.scripts.demo"));
        let e = error(
            &format!("{HEAD}[project.entry-points.console_scripts]\ndemo = \"demo:main\"\n"),
            &[],
        );
        assert!(e.message.contains("[project.scripts]"));
    }

    fn warnings_of(toml: &str, files: &[(&str, &str)]) -> Vec<String> {
        project(toml, files).1.expect("valid").warnings
    }

    /// An unpacked sdist's PKG-INFO gives a dynamic version (before the
    /// module's `__version__`), only when its Name is this project's.
    #[test]
    fn dynamic_version_from_the_sdists_pkg_info() {
        let toml = "[project]\nname = \"My_Tool\"\ndynamic = [\"version\"]\n";
        let module = ("my_tool/__init__.py", "__version__ = \"0.0\"\n");
        let pkg_info = "Metadata-Version: 2.4\nName: my-tool\nVersion: 3.1.0.post2\n\nBody\n";
        let (_d, p) = project(toml, &[("PKG-INFO", pkg_info), ("my_tool/__init__.py", "")]);
        assert_eq!(p.expect("from PKG-INFO").metadata.version, "3.1.0.post2");
        let other = "Metadata-Version: 2.4\nName: other\nVersion: 9\n";
        let (_d, p) = project(toml, &[("PKG-INFO", other), module]);
        assert_eq!(p.expect("from the module").metadata.version, "0.0");
        let e = error(toml, &[("PKG-INFO", other), ("my_tool/__init__.py", "")]);
        assert!(e.message.contains("__version__"), "{}", e.message);
    }

    /// PEP 794: dotted names, `; private` with any spaces, never in both
    /// lists; a level not accounted for is a warning.
    #[test]
    fn import_names_and_namespaces() {
        let toml = format!("{HEAD}import-names = [\"demo\", \"_demo_c ;private\", \"acme.tools\"]\nimport-namespaces = [\"acme\"]\n");
        let (_d, p) = project(&toml, &[("demo.py", "")]);
        let p = p.expect("valid");
        assert_eq!(
            p.metadata.import_names.as_deref(),
            Some(
                &[
                    "demo".to_string(),
                    "_demo_c; private".into(),
                    "acme.tools".into()
                ][..]
            )
        );
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let (_d, p) = project(&format!("{HEAD}import-names = []\n"), &[("demo.py", "")]);
        assert_eq!(p.expect("no names").metadata.import_names, Some(Vec::new()));
        let e = error(&format!("{HEAD}import-names = [\"demo-x\"]\n"), &[]);
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(4), Some("project.import-names[0]"))
        );
        let e = error(&format!("{HEAD}import-names = [\"demo; public\"]\n"), &[]);
        assert!(e.message.contains("; private"), "{}", e.message);
        let e = error(
            &format!("{HEAD}import-names = [\"demo\"]\nimport-namespaces = [\"demo ; private\"]\n"),
            &[],
        );
        assert!(e.message.contains("PEP 794"), "{}", e.message);
        let w = warnings_of(
            &format!("{HEAD}import-names = [\"a.b.c\"]\nimport-namespaces = [\"a\"]\n"),
            &[("demo.py", "")],
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("`a.b` is in neither"), "{w:?}");
    }

    /// Extras on entry points are deprecated but valid: kept as written,
    /// with a warning; names follow the specification's rules.
    #[test]
    fn entry_points_with_extras_and_lenient_names() {
        let toml = format!("{HEAD}[project.optional-dependencies]\ncolor = []\n[project.scripts]\ndemo = \"demo:main [color]\"\n\"my tool\" = \"demo:main\"\n[project.gui-scripts]\ndemo-gui = \"demo:gui [color, fast]\"\n[project.entry-points.\"demo.plugins\"]\nx = \"demo [color]\"\n");
        let (_d, p) = project(&toml, &[("demo.py", "")]);
        let p = p.expect("valid");
        assert_eq!(p.metadata.scripts["demo"], "demo:main [color]");
        assert_eq!(p.metadata.gui_scripts["demo-gui"], "demo:gui [color, fast]");
        assert_eq!(p.metadata.entry_points["demo.plugins"]["x"], "demo [color]");
        let deprecated = p
            .warnings
            .iter()
            .filter(|w| w.contains("deprecated"))
            .count();
        assert_eq!(deprecated, 3, "{:?}", p.warnings);
        assert!(
            p.warnings
                .iter()
                .any(|w| w.contains("project.scripts.\"my tool\": ")),
            "{:?}",
            p.warnings
        );
        let e = error(
            &format!("{HEAD}[project.scripts]\ndemo = \"demo:main [not valid!]\"\n"),
            &[],
        );
        assert!(e.message.contains("extra name"), "{}", e.message);
        let e = error(
            &format!("{HEAD}[project.scripts]\n\"bin/demo\" = \"demo:main\"\n"),
            &[],
        );
        assert!(e.message.contains("file name"), "{}", e.message);
        let e = error(
            &format!("{HEAD}[project.scripts]\ndemo = \"demo [x]\"\n"),
            &[],
        );
        assert_eq!(e.field.as_deref(), Some("project.scripts.demo"));
        let w = warnings_of(
            &format!("{HEAD}[project.entry-points.my-plugins]\nx = \"demo\"\n"),
            &[("demo.py", "")],
        );
        assert!(w[0].contains("group names"), "{w:?}");
    }

    /// What the specifications allow is accepted: a domain without a dot,
    /// a `mailto:` URL; a classifier PyPI would refuse is a warning.
    #[test]
    fn strictness_beyond_the_specifications_is_a_warning() {
        let toml = format!("{HEAD}authors = [{{ email = \"root@localhost\" }}]\nclassifiers = [\"Made Up\"]\n[project.urls]\nMail = \"mailto:dev@example.org\"\n");
        let (_d, p) = project(&toml, &[("demo.py", "")]);
        let p = p.expect("valid");
        assert_eq!(p.metadata.urls[0].1, "mailto:dev@example.org");
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
        assert!(
            p.warnings[0].contains("project.classifiers[0]: "),
            "{:?}",
            p.warnings
        );
        let e = error(
            &format!("{HEAD}[project.urls]\nHome = \"example.org\"\n"),
            &[],
        );
        assert!(e.message.contains("not a URL"), "{}", e.message);
        let e = error(
            &format!("{HEAD}authors = [{{ email = \"no-at-sign\" }}]\n"),
            &[],
        );
        assert!(e.message.contains("not an email"), "{}", e.message);
    }

    /// The module another backend's settings name is packaged when the
    /// project name leads to none.
    #[test]
    fn module_names_from_other_backends_settings() {
        let head = "[project]\nname = \"fancy-cli\"\ndynamic = [\"version\"]\n";
        let flit = format!("{head}[tool.flit.module]\nname = \"fancy\"\n");
        let (_d, p) = project(&flit, &[("fancy/__init__.py", "__version__ = '2.0'\n")]);
        let p = p.expect("flit module");
        assert_eq!(p.settings.module_names, ["fancy"]);
        assert_eq!(
            p.metadata.version, "2.0",
            "the version comes from that module"
        );
        let (_d, p) = project(&flit, &[("fancy_cli.py", "__version__ = '1.0'\n")]);
        assert_eq!(
            p.expect("own name first").settings.module_names,
            ["fancy_cli"]
        );

        let hatch = format!(
            "{HEAD}[tool.hatch.build.targets.wheel]\npackages = [\"lib/alpha\", \"lib/beta\"]\n"
        );
        let (_d, p) = project(&hatch, &[("lib/alpha/__init__.py", "")]);
        let s = p.expect("hatch packages").settings;
        assert_eq!(
            (s.module_names, s.module_root.as_deref()),
            (vec!["alpha".to_string(), "beta".into()], Some("lib"))
        );

        let st = format!("{HEAD}[tool.setuptools]\npackages = [\"alpha\", \"alpha.sub\"]\npy-modules = [\"single\"]\npackage-dir = {{ \"\" = \"src\" }}\n");
        let (_d, p) = project(&st, &[("src/alpha/__init__.py", "")]);
        let s = p.expect("setuptools packages").settings;
        assert_eq!(
            (s.module_names, s.module_root.as_deref()),
            (vec!["alpha".to_string(), "single".into()], Some("src"))
        );

        let mapped = format!("{HEAD}[tool.setuptools]\npackages = [\"alpha\"]\npackage-dir = {{ alpha = \"lib\" }}\n");
        let (_d, p) = project(&mapped, &[]);
        let p = p.expect("valid; the mapping is not followed");
        assert_eq!(p.settings.module_names, ["demo"]);
        assert!(
            p.warnings[0].contains("tool.setuptools.package-dir"),
            "{:?}",
            p.warnings
        );
    }

    #[test]
    fn gradient_settings() {
        let e = error(
            &format!("{HEAD}[tool.gradient]\ninclude = [\"../secrets/*\"]\n"),
            &[],
        );
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(5), Some("tool.gradient.include[0]"))
        );
        let e = error(
            &format!("{HEAD}[tool.gradient]\nmodule_name = \"x\"\n"),
            &[],
        );
        assert!(e.message.contains("module-name"), "{}", e.message);
        let e = error(
            &format!("{HEAD}[tool.gradient]\ndata = {{ bin = \"b\" }}\n"),
            &[("b/x", "")],
        );
        assert!(e.message.contains("unknown scheme"));
        let (_d, p) = project(&format!("{HEAD}[tool.gradient]\nmodule-name = \"acme.tools\"\nnamespace = true\nmodule-root = \"lib\"\n"), &[("lib/acme/tools/__init__.py", "")]);
        let p = p.expect("valid");
        assert_eq!(p.settings.module_names, vec!["acme.tools"]);
        assert_eq!(p.settings.module_root.as_deref(), Some("lib"));
        assert!(p.settings.namespace);
        let (_d, p) = project(&format!("{HEAD}[tool.gradient.app]\nwheelhouse = [\"wheels\"]\nentry = \"demo\"\ntarget = \"3.12-manylinux_2_28_x86_64\"\n"), &[("demo.py", "")]);
        let app = p.expect("valid").settings.app;
        assert_eq!(app.wheelhouse, ["wheels"]);
        assert_eq!(app.entry.as_deref(), Some("demo"));
        let e = error(
            &format!("{HEAD}[tool.gradient.app]\ntarget = \"3.12\"\n"),
            &[],
        );
        assert_eq!(
            (e.line, e.field.as_deref()),
            (Some(5), Some("tool.gradient.app.target"))
        );
        let e = error(
            &format!(
                "{HEAD}[tool.gradient.app]\nlock = \"pylock.toml\"\nindex = [\"http://x/\"]\n"
            ),
            &[],
        );
        assert!(e.message.contains("leave out"), "{}", e.message);
    }

    #[test]
    fn build_system_backend() {
        let (_d, p) = project(&format!("[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n{HEAD}"), &[]);
        let p = p.expect("valid");
        assert!(p.build_system.is_foreign());
        assert_eq!(p.build_system.requires, vec!["hatchling"]);
    }
}
