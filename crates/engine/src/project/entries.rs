//! `[project.scripts]`, `[project.gui-scripts]` and `[project.entry-points]`
//! as the "Entry points specification" (packaging.python.org/en/latest/
//! specifications/entry-points/) allows them: its rules are errors, its
//! recommendations and deprecations (extras) warnings.

use super::fields::{Doc, Item, Value};
use super::ProjectError;
use crate::entry_points::{self, ObjectRef};
use crate::names;
use std::collections::BTreeMap;

/// An entry point name ("Entry points specification" § "Data model"): any
/// characters but `=`, not starting or ending with whitespace nor starting
/// with `[`; a console or GUI script's name is also a file name, so no
/// path separators. Names beyond the recommended `[\w.-]+` are warned about.
fn entry_name(doc: &Doc, key: &Item, script: bool) -> Result<(), ProjectError> {
    let name = key.text.as_str();
    let invalid = name.is_empty()
        || name.contains('=')
        || name.starts_with('[')
        || name.trim() != name
        || script && (name.contains(['/', '\\']) || name == "." || name == "..");
    if invalid {
        let what = if script { "script" } else { "entry point" };
        return Err(doc.err(
            &key.span,
            &key.field,
            format!("`{name}` is not a valid {what} name (any characters but `=`, no leading `[` or surrounding spaces{})", if script { ", and no `/`: it is a file name" } else { "" }),
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        doc.warn(
            &key.span,
            &key.field,
            format!("`{name}`: the entry points specification recommends only letters, digits, `_`, `.` and `-`"),
        );
    }
    Ok(())
}

/// An object reference, `module.sub:attr.attr` (the attribute required for
/// scripts), with optional `[extra, ...]`: deprecated, but valid and
/// written as given, so a warning ("Entry points specification" § "Data
/// model": consumers may ignore extras; the launchers Gradient writes do).
fn entry_reference(doc: &Doc, val: &Item, script: bool) -> Result<(), ProjectError> {
    let valid = match script {
        true => ObjectRef::parse(&val.text).is_ok(),
        false => entry_points::valid_reference(&val.text),
    };
    if !valid {
        let example = if script { "function" } else { "object" };
        return Err(doc.err(
            &val.span,
            &val.field,
            format!(
                "`{}` is not an object reference: use `package.module:{example}`",
                val.text
            ),
        ));
    }
    let extras = entry_points::extras(&val.text);
    if let Some(bad) = extras.iter().find(|e| !names::is_valid_name(e)) {
        return Err(doc.err(
            &val.span,
            &val.field,
            format!("`{bad}` is not a valid extra name"),
        ));
    }
    if !extras.is_empty() {
        doc.warn(
            &val.span,
            &val.field,
            "extras on an entry point are deprecated (entry points specification): installers ignore them; declare the dependencies the code needs in `dependencies`",
        );
    }
    Ok(())
}

pub fn scripts(
    doc: &Doc,
    value: &Value,
    field: &str,
) -> Result<BTreeMap<String, String>, ProjectError> {
    let mut out = BTreeMap::new();
    for (key, val) in doc.string_table(value, field)? {
        entry_name(doc, &key, true)?;
        entry_reference(doc, &val, true)?;
        out.insert(key.text, val.text);
    }
    Ok(out)
}

pub fn entry_points(
    doc: &Doc,
    value: &Value,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, ProjectError> {
    let table = doc.table(value, "project.entry-points")?;
    let mut out = BTreeMap::new();
    for (group, entries) in table.iter() {
        let g = group.get_ref().to_string();
        let field = format!("project.entry-points.{g}");
        if g == "console_scripts" || g == "gui_scripts" {
            let key = if g == "console_scripts" {
                "scripts"
            } else {
                "gui-scripts"
            };
            return Err(doc.err(
                &group.span(),
                &field,
                format!("define these in [project.{key}] instead (pyproject.toml specification)"),
            ));
        }
        let word = |p: &str, extra: &[char]| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || extra.contains(&c))
        };
        if !g.split('.').all(|p| word(p, &['-'])) {
            return Err(doc.err(
                &group.span(),
                &field,
                format!("`{g}` is not a valid entry point group (dotted words)"),
            ));
        }
        if !g.split('.').all(|p| word(p, &[])) {
            doc.warn(
                &group.span(),
                &field,
                format!("`{g}`: group names are letters, digits and `_` separated by dots (entry points specification); consumers may not find it"),
            );
        }
        let mut group_out = BTreeMap::new();
        for (key, val) in doc.string_table(entries, &field)? {
            entry_name(doc, &key, false)?;
            entry_reference(doc, &val, false)?;
            group_out.insert(key.text, val.text);
        }
        out.insert(g, group_out);
    }
    Ok(out)
}
