//! entry_points.txt: the "Entry points specification" file format, an INI
//! file whose sections are groups and whose keys are entry point names, each
//! naming an object `module.sub:attr.attr` with optional `[extras]`.

use super::finding::Finding;
use std::collections::BTreeMap;

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
}
