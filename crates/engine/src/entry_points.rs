//! Entry points: the "Entry points specification" (packaging.python.org
//! /en/latest/specifications/entry-points/). One model for the whole engine:
//! the entry_points.txt file format (an INI file whose sections are groups
//! and whose keys are entry point names, each naming an object
//! `module.sub:attr.attr` with optional `[extras]`), object references
//! ([`ObjectRef`]), the launcher script installers write for them, and the
//! choice of the one an application runs ([`choose_entry`]).

use crate::apptree::{AppTree, Script};
use crate::inspect::finding::Finding;
use crate::{names, Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// A `module:attr` object reference, extras removed ("Data model":
/// `importlib.import_module(module)`, then attribute lookups along `attr`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    pub module: String,
    /// `attr` or `attr.sub`; never empty.
    pub attr: String,
}

impl ObjectRef {
    /// Parse `module:attr [extras]`; the attribute is required.
    pub fn parse(reference: &str) -> std::result::Result<ObjectRef, String> {
        if !valid_reference(reference) {
            return Err(format!(
                "`{reference}` is not a `module:attr` object reference"
            ));
        }
        let object = reference.split('[').next().unwrap_or(reference).trim();
        match object.split_once(':') {
            Some((module, attr)) => Ok(ObjectRef {
                module: module.trim().to_string(),
                attr: attr.trim().to_string(),
            }),
            None => Err(format!("`{reference}` has no `:attr`")),
        }
    }

    /// The first name of `attr`: what `from module import …` imports.
    pub fn head(&self) -> &str {
        self.attr.split('.').next().unwrap_or(&self.attr)
    }

    /// `module:attr`.
    pub fn object(&self) -> String {
        format!("{}:{}", self.module, self.attr)
    }

    /// `template` with `@MODULE@`, `@HEAD@` and `@ATTR@` filled in (the
    /// zipapp bootstrap and the frozen executable's boot script).
    pub fn fill(&self, template: &str) -> String {
        template
            .replace("@MODULE@", &self.module)
            .replace("@HEAD@", self.head())
            .replace("@ATTR@", &self.attr)
    }

    /// The launcher pip and `installer` write for a console or GUI script.
    pub fn launcher(&self, shebang: &str) -> String {
        format!(
            "#!{shebang}\n# -*- coding: utf-8 -*-\nimport re\nimport sys\nfrom {} import {}\nif __name__ == \"__main__\":\n    sys.argv[0] = re.sub(r\"(-script\\.pyw|\\.exe)?$\", \"\", sys.argv[0])\n    sys.exit({}())\n",
            self.module,
            self.head(),
            self.attr
        )
    }
}

/// The entry point an application archive runs.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EntryPoint {
    /// The script name, or the object itself when given as `module:attr`.
    pub name: String,
    /// `module:attr`.
    pub object: String,
}

impl EntryPoint {
    /// Its object reference.
    pub fn reference(&self) -> Result<ObjectRef> {
        ObjectRef::parse(&self.object).map_err(|why| Error::Plan(format!("entry point: {why}")))
    }
}

/// Whether `reference` is `module(.module)*(:attr(.attr)*)?` with optional
/// `[extra, ...]`.
pub fn valid_reference(reference: &str) -> bool {
    let object = match reference.split_once('[') {
        Some((object, extras)) => {
            if !extras.trim_end().ends_with(']') {
                return false;
            }
            object.trim()
        }
        None => reference.trim(),
    };
    let (module, attr) = match object.split_once(':') {
        Some((m, a)) => (m.trim(), Some(a.trim())),
        None => (object, None),
    };
    let dotted = |s: &str| !s.is_empty() && s.split('.').all(crate::names::is_identifier);
    dotted(module) && attr.is_none_or(dotted)
}

/// The extras of `module:attr [extra1, extra2]`, trimmed; none when the
/// reference has no brackets. Deprecated but valid: launchers ignore them.
pub fn extras(reference: &str) -> Vec<&str> {
    reference
        .split_once('[')
        .map(|(_, rest)| rest.trim_end().trim_end_matches(']'))
        .map(|list| {
            list.split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// Parse entry_points.txt (member `path`): group → name → reference.
pub fn parse(
    bytes: &[u8],
    path: &str,
    findings: &mut Vec<Finding>,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut groups: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let text = String::from_utf8_lossy(bytes);
    let mut group: Option<String> = None;
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        let at = |what: String| format!("line {}: {what}", number + 1);
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            group = Some(name.trim().to_string());
            groups.entry(name.trim().to_string()).or_default();
            continue;
        }
        let Some((name, reference)) = line.split_once('=') else {
            findings.push(Finding::error(
                "M008",
                Some(path),
                at(format!("`{line}` is not `name = object`")),
            ));
            continue;
        };
        let Some(group) = &group else {
            findings.push(Finding::error(
                "M008",
                Some(path),
                at("an entry point before any [group]".into()),
            ));
            continue;
        };
        let (name, reference) = (name.trim(), reference.trim());
        if !valid_reference(reference) {
            findings.push(Finding::error(
                "M008",
                Some(path),
                at(format!(
                    "`{reference}` is not an object reference (`module:attr`)"
                )),
            ));
        }
        groups
            .entry(group.clone())
            .or_default()
            .insert(name.to_string(), reference.to_string());
    }
    groups
}

/// Choose the entry point: `--entry NAME` among the project's console
/// scripts (or any script in the tree), `--entry module:attr`, or the
/// project's only console script. A `published` distribution's scripts
/// come from its wheel's entry_points.txt, not from a pyproject.toml the
/// person can edit, and the errors say so; of several, the one named after
/// the distribution is its program (`black` of black's `black` and
/// `blackd`), as `pipx run` takes it.
pub fn choose_entry(
    project_name: &str,
    tree: &AppTree,
    requested: Option<&str>,
    published: bool,
) -> Result<EntryPoint> {
    let own = names::normalize(project_name);
    let own_scripts: Vec<_> = tree
        .scripts
        .iter()
        .filter(|s| names::normalize(&s.distribution) == own && !s.gui)
        .collect();
    let entry = |s: &Script| EntryPoint {
        name: s.name.clone(),
        object: s.object.clone(),
    };
    let program = own_scripts
        .iter()
        .find(|s| published && names::normalize(&s.name) == own);
    match requested {
        Some(object) if object.contains(':') => {
            // Extras, if given, are dropped: every consumer imports `module:attr`.
            let reference = ObjectRef::parse(object)
                .map_err(|why| Error::Plan(format!("--entry: {why}")))?;
            Ok(EntryPoint {
                name: object.to_string(),
                object: reference.object(),
            })
        }
        Some(name) => tree
            .scripts
            .iter()
            .find(|s| s.name == name)
            .map(entry)
            .ok_or_else(|| {
                let known: Vec<&str> = tree.scripts.iter().map(|s| s.name.as_str()).collect();
                Error::Plan(format!(
                    "--entry `{name}`: no such script; the tree has: {}",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                ))
            }),
        None => match (own_scripts.as_slice(), program) {
            ([one], _) => Ok(entry(one)),
            (_, Some(program)) => Ok(entry(program)),
            ([], _) if published => Err(Error::Plan(format!(
                "{project_name} has no console scripts (its wheel's entry_points.txt names none); name the function to run with --entry module:function"
            ))),
            ([], _) => Err(Error::Plan(format!(
                "{project_name} declares no [project.scripts]; add one, or name the function to run with --entry module:function"
            ))),
            (many, None) => Err(Error::Plan(format!(
                "{project_name} declares several console scripts ({}); choose one with --entry NAME",
                many.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_names_and_references() {
        let mut findings = Vec::new();
        let text = "[console_scripts]\ndemo = demo.cli:main\nx = pkg [extra]\n\n[gui_scripts]\nbad = not valid:\n";
        let groups = parse(text.as_bytes(), "entry_points.txt", &mut findings);
        assert_eq!(groups["console_scripts"]["demo"], "demo.cli:main");
        assert_eq!(groups["console_scripts"]["x"], "pkg [extra]");
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("line 6"));
    }

    #[test]
    fn extras_are_read_and_left_out_of_the_object() {
        assert_eq!(extras("pkg.cli:main [color, fast]"), ["color", "fast"]);
        assert!(extras("pkg.cli:main").is_empty());
        let r = ObjectRef::parse("pkg.cli:main [color]").expect("valid");
        assert_eq!((r.module.as_str(), r.attr.as_str()), ("pkg.cli", "main"));
        assert_eq!(r.object(), "pkg.cli:main");
        assert!(r
            .launcher("/usr/bin/python3")
            .contains("from pkg.cli import main\n"));
    }
}
