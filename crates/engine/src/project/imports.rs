//! PEP 794 import names: `import-names` and `import-namespaces` in
//! `[project]`, for core metadata 2.5's `Import-Name` and `Import-Namespace`.

use super::fields::{get, Doc, Value};
use super::{Metadata, ProjectError};
use crate::names;
use toml::de::DeTable;

/// PEP 794 `import-names` / `import-namespaces`: each a dotted import name,
/// optionally followed by `; private` (any spaces around the `;`), written
/// in that form.
pub fn import_names(doc: &Doc, value: &Value, field: &str) -> Result<Vec<String>, ProjectError> {
    let mut out = Vec::new();
    for item in doc.strings(value, field)? {
        let (name, marker) = match item.text.split_once(';') {
            Some((name, marker)) => (name.trim(), Some(marker.trim())),
            None => (item.text.trim(), None),
        };
        if !name.split('.').all(names::is_identifier) || marker.is_some_and(|m| m != "private") {
            return Err(doc.err(
                &item.span,
                &item.field,
                format!("`{}` is not an import name (`pkg`, `pkg.sub`, optionally followed by `; private`)", item.text),
            ));
        }
        out.push(match marker {
            Some(_) => format!("{name}; private"),
            None => name.to_string(),
        });
    }
    Ok(out)
}

/// PEP 794: a name in both `import-names` and `import-namespaces` is an
/// error; every parent of a dotted name must be accounted for in one of them
/// (a warning: only the project knows what it provides).
pub fn import_names_disjoint(
    doc: &Doc,
    table: &DeTable,
    meta: &Metadata,
) -> Result<(), ProjectError> {
    let bare = |list: &Option<Vec<String>>| -> Vec<String> {
        list.iter()
            .flatten()
            .map(|n| n.split(';').next().unwrap_or(n).to_string())
            .collect()
    };
    let (names, namespaces) = (bare(&meta.import_names), bare(&meta.import_namespaces));
    let span = |key: &str| get(table, key).map(|v| v.span()).unwrap_or_default();
    if let Some(both) = names.iter().find(|n| namespaces.contains(n)) {
        return Err(doc.err(
            &span("import-namespaces"),
            "project.import-namespaces",
            format!("`{both}` is also in import-names: a name is either provided exclusively or a namespace (PEP 794)"),
        ));
    }
    for (key, list) in [("import-names", &names), ("import-namespaces", &namespaces)] {
        for name in list {
            let mut parent = name.as_str();
            while let Some((up, _)) = parent.rsplit_once('.') {
                parent = up;
                if !names.iter().chain(&namespaces).any(|n| n == parent) {
                    doc.warn(
                        &span(key),
                        &format!("project.{key}"),
                        format!("`{name}` is listed but `{parent}` is in neither import-names nor import-namespaces (PEP 794: account for every level)"),
                    );
                }
            }
        }
    }
    Ok(())
}
