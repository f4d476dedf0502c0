//! Saving build choices to `[tool.gradient]` in pyproject.toml. The document
//! is edited in place (toml_edit), so the person's formatting, ordering and
//! comments survive; the file is replaced atomically and re-validated.

use super::parse::GRADIENT_KEYS;
use super::ProjectError;
use crate::atomic::replace_file;
use std::path::Path;

/// A value for a `[tool.gradient]` key.
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
}

/// Set `tool.gradient.<key>` in `root/pyproject.toml`, creating the table
/// when absent. Fails, leaving the file untouched, when the key is not one
/// of Gradient's or the edited project would no longer load.
pub fn set_tool_gradient(root: &Path, key: &str, value: &Setting) -> Result<(), ProjectError> {
    let file = root.join("pyproject.toml");
    let error = |line: Option<usize>, message: String| ProjectError {
        file: file.clone(),
        line,
        field: Some(format!("tool.gradient.{key}")),
        message,
    };
    if !GRADIENT_KEYS.contains(&key) {
        return Err(error(
            None,
            format!("unknown setting; valid: {}", GRADIENT_KEYS.join(", ")),
        ));
    }
    let text = std::fs::read_to_string(&file).map_err(|e| error(None, e.to_string()))?;
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let line = e.span().map(|s| text[..s.start].lines().count().max(1));
        error(line, e.message().to_string())
    })?;
    let tool = doc
        .entry("tool")
        .or_insert_with(|| {
            // `[tool.gradient]` rather than an empty `[tool]` header.
            let mut t = toml_edit::Table::new();
            t.set_implicit(true);
            toml_edit::Item::Table(t)
        })
        .as_table_like_mut()
        .ok_or_else(|| error(None, "`tool` is not a table".into()))?;
    let gradient = tool
        .entry("gradient")
        .or_insert(toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| error(None, "`tool.gradient` is not a table".into()))?;
    match gradient.get_mut(key) {
        // Keep the decoration (comments, spacing) around an existing value.
        Some(toml_edit::Item::Value(old)) => {
            let decor = old.decor().clone();
            if let toml_edit::Item::Value(mut new) = value.to_item() {
                *new.decor_mut() = decor;
                *old = new;
            }
        }
        _ => {
            gradient.insert(key, value.to_item());
        }
    }
    let edited = doc.to_string();
    replace_file(&file, edited.as_bytes()).map_err(|e| error(None, e.to_string()))?;
    // The edit must leave a valid project; otherwise put the original back.
    if let Err(e) = super::Project::load(root) {
        replace_file(&file, text.as_bytes()).map_err(|e| error(None, e.to_string()))?;
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(text: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("pyproject.toml"), text).expect("write");
        std::fs::create_dir(dir.path().join("demo")).expect("mkdir");
        std::fs::write(dir.path().join("demo/__init__.py"), "").expect("write");
        dir
    }

    fn read(dir: &tempfile::TempDir) -> String {
        std::fs::read_to_string(dir.path().join("pyproject.toml")).expect("read")
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
