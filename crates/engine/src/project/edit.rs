//! Saving build choices to `[tool.gradient]` and its sub-tables in
//! pyproject.toml. The document is edited in place (toml_edit, which keeps
//! TOML 1.0's text around what changes), so the person's formatting,
//! ordering and comments survive; the file is replaced atomically and
//! re-validated.

mod app;
mod deb;
mod oci;
#[cfg(test)]
mod testing;

pub use app::save_app_settings;
pub use deb::save_deb_settings;
pub use oci::save_oci_settings;

use super::parse::GRADIENT_KEYS;
use super::ProjectError;
use crate::atomic::replace_file;
use std::path::Path;

/// A value for a key of `[tool.gradient]` or one of its tables.
#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

impl Setting {
    fn to_item(&self) -> toml_edit::Item {
        match self {
            Setting::Bool(b) => toml_edit::value(*b),
            Setting::Text(s) => toml_edit::value(s.as_str()),
            Setting::List(items) => toml_edit::value(
                items
                    .iter()
                    .map(String::as_str)
                    .collect::<toml_edit::Array>(),
            ),
        }
    }

    /// Whether `value` already says this (then its text is left as written).
    fn matches(&self, value: &toml_edit::Value) -> bool {
        match self {
            Setting::Bool(b) => value.as_bool() == Some(*b),
            Setting::Text(s) => value.as_str() == Some(s.as_str()),
            Setting::List(items) => value.as_array().is_some_and(|a| {
                a.len() == items.len() && a.iter().zip(items).all(|(v, i)| v.as_str() == Some(i))
            }),
        }
    }
}

/// One value of a form: text (unset when `None`) or a list (unset when empty).
pub(crate) enum Field<'a> {
    Text(&'a Option<String>),
    List(&'a [String]),
}

/// A table the studio saves whole from a form (`[tool.gradient.app]`,
/// `.deb`, `.oci`): its fields in the form's order, which is also the order
/// new keys are written in. Keys not in the form (sub-tables such as
/// `deb.service`) are left as they are.
pub(crate) struct Form<'a> {
    pub table: &'static [&'static str],
    pub fields: Vec<(&'static str, Field<'a>)>,
}

impl Form<'_> {
    /// An error about `field` of the table (`wheelhouse[1]`), which the
    /// studio shows next to that field.
    pub(crate) fn error(&self, root: &Path, field: &str, message: String) -> ProjectError {
        ProjectError {
            file: root.join("pyproject.toml"),
            line: None,
            field: Some(format!("{}.{field}", self.table.join("."))),
            message,
            more: Vec::new(),
        }
    }

    /// Check every value set before anything is written: a text must not
    /// be blank (the person unsets it instead), and each text and each
    /// list item must meet `rule(key, value)`; a list item's error names
    /// it as `key[i]`.
    pub(crate) fn check(
        &self,
        root: &Path,
        rule: &dyn Fn(&str, &str) -> Result<(), String>,
    ) -> Result<(), ProjectError> {
        for (key, field) in &self.fields {
            match field {
                Field::Text(Some(t)) if t.trim().is_empty() => {
                    let message = "must not be empty; leave it unset instead".to_string();
                    return Err(self.error(root, key, message));
                }
                Field::Text(Some(t)) => rule(key, t).map_err(|m| self.error(root, key, m))?,
                Field::Text(None) => {}
                Field::List(items) => {
                    for (i, item) in items.iter().enumerate() {
                        rule(key, item).map_err(|m| self.error(root, &format!("{key}[{i}]"), m))?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Write the set values and remove the unset ones (see [`edit_table`]).
    pub(crate) fn save(&self, root: &Path) -> Result<(), ProjectError> {
        let changes: Vec<_> = self
            .fields
            .iter()
            .map(|(key, field)| {
                let value = match field {
                    Field::Text(t) => t.as_ref().map(|t| Setting::Text(t.clone())),
                    Field::List(items) => {
                        (!items.is_empty()).then(|| Setting::List(items.to_vec()))
                    }
                };
                (*key, value)
            })
            .collect();
        edit_table(root, self.table, &changes)
    }
}

/// Set `tool.gradient.<key>` in `root/pyproject.toml`, creating the table
/// when absent. Fails, leaving the file untouched, when the key is not one
/// of Gradient's or the edited project would no longer load.
pub fn set_tool_gradient(root: &Path, key: &str, value: &Setting) -> Result<(), ProjectError> {
    if !GRADIENT_KEYS.contains(&key) {
        return Err(ProjectError {
            file: root.join("pyproject.toml"),
            line: None,
            field: Some(format!("tool.gradient.{key}")),
            message: format!("unknown setting; valid: {}", GRADIENT_KEYS.join(", ")),
            more: Vec::new(),
        });
    }
    edit_table(root, &["tool", "gradient"], &[(key, Some(value.clone()))])
}

/// Apply `changes` to the table at `path` (e.g. `tool.gradient.app`) in
/// `root/pyproject.toml`: `Some` sets a key, keeping the comments and
/// spacing around an old value; `None` removes it. Tables are created only
/// when something is set in them (the ones on the way implicit, so no
/// empty `[tool]` header appears). The file is replaced atomically; an
/// edit after which the project no longer loads is undone and its error
/// returned.
pub(crate) fn edit_table(
    root: &Path,
    path: &[&str],
    changes: &[(&str, Option<Setting>)],
) -> Result<(), ProjectError> {
    let file = root.join("pyproject.toml");
    let error = |line: Option<usize>, message: String| ProjectError {
        file: file.clone(),
        line,
        field: Some(path.join(".")),
        message,
        more: Vec::new(),
    };
    let text = std::fs::read_to_string(&file).map_err(|e| error(None, e.to_string()))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        error(line, e.message().to_string())
    })?;
    let creates = changes.iter().any(|(_, v)| v.is_some());
    if let Some(table) = table_at(doc.as_table_mut(), path, creates).map_err(|m| error(None, m))? {
        for (key, value) in changes {
            match value {
                Some(value) => set(table, key, value),
                None => {
                    table.remove(key);
                }
            }
        }
    }
    let edited = doc.to_string();
    if edited == text {
        return Ok(());
    }
    replace_file(&file, edited.as_bytes()).map_err(|e| error(None, e.to_string()))?;
    // The edit must leave a valid project; otherwise put the original back.
    if let Err(e) = super::Project::load(root) {
        replace_file(&file, text.as_bytes()).map_err(|e| error(None, e.to_string()))?;
        return Err(e);
    }
    Ok(())
}

/// The table at `path` under `root`; missing tables are created when
/// `create` (else `None`). Fails when a name on the way is not a table.
fn table_at<'a>(
    root: &'a mut dyn toml_edit::TableLike,
    path: &[&str],
    create: bool,
) -> Result<Option<&'a mut dyn toml_edit::TableLike>, String> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(Some(root));
    };
    if !root.contains_key(first) {
        if !create {
            return Ok(None);
        }
        root.insert(first, new_table(!rest.is_empty()));
    }
    let inner = root
        .get_mut(first)
        .and_then(toml_edit::Item::as_table_like_mut)
        .ok_or_else(|| format!("`{first}` is not a table"))?;
    table_at(inner, rest, create)
}

/// A table to insert: implicit when only its sub-tables will be written.
fn new_table(implicit: bool) -> toml_edit::Item {
    let mut t = toml_edit::Table::new();
    t.set_implicit(implicit);
    toml_edit::Item::Table(t)
}

/// Set `key` in `table`, keeping the decoration (comments, spacing) of an
/// existing value, and an equal value exactly as written.
fn set(table: &mut dyn toml_edit::TableLike, key: &str, value: &Setting) {
    match table.get_mut(key) {
        Some(toml_edit::Item::Value(old)) if value.matches(old) => {}
        Some(toml_edit::Item::Value(old)) => {
            let decor = old.decor().clone();
            if let toml_edit::Item::Value(mut new) = value.to_item() {
                *new.decor_mut() = decor;
                *old = new;
            }
        }
        _ => {
            table.insert(key, value.to_item());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::project;
    use super::*;

    fn read(dir: &tempfile::TempDir) -> String {
        testing::read(dir.path())
    }

    #[test]
    fn adds_the_table_and_keeps_comments_and_order() {
        let original = "# my project\n[project]\nname = \"demo\"   # the name\nversion = \"1.0\"\n";
        let dir = project(original);
        set_tool_gradient(dir.path(), "wheel-from-sdist", &Setting::Bool(false)).expect("set");
        let text = read(&dir);
        assert!(text.starts_with(original), "{text}");
        assert!(
            text.ends_with("\n[tool.gradient]\nwheel-from-sdist = false\n"),
            "{text}"
        );
        assert!(
            !super::super::Project::load(dir.path())
                .expect("load")
                .settings
                .wheel_from_sdist
        );
    }

    #[test]
    fn replaces_a_value_in_place_keeping_its_comment() {
        let dir = project(
            "[project]\nname = \"demo\"\nversion = \"1.0\"\n\n[tool.gradient]\nwheel-from-sdist = true  # slow but safe\nexclude = [\"*.log\"]\n",
        );
        set_tool_gradient(dir.path(), "wheel-from-sdist", &Setting::Bool(false)).expect("set");
        assert_eq!(
            read(&dir),
            "[project]\nname = \"demo\"\nversion = \"1.0\"\n\n[tool.gradient]\nwheel-from-sdist = false  # slow but safe\nexclude = [\"*.log\"]\n"
        );
    }

    #[test]
    fn refuses_unknown_keys_and_edits_that_break_the_project() {
        let original = "[project]\nname = \"demo\"\nversion = \"1.0\"\n";
        let dir = project(original);
        let e = set_tool_gradient(dir.path(), "colour", &Setting::Bool(true)).expect_err("unknown");
        assert!(e.message.contains("wheel-from-sdist"), "{e}");
        let e = set_tool_gradient(dir.path(), "module-root", &Setting::Text("nowhere".into()))
            .expect_err("breaks");
        assert!(e.to_string().contains("pyproject.toml"), "{e}");
        assert_eq!(read(&dir), original);
    }
}
