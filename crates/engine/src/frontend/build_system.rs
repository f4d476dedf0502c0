//! The `[build-system]` table of pyproject.toml as a frontend reads it:
//! PEP 518 (`requires`), PEP 517 § "Source trees" (`build-backend`,
//! `backend-path`) and the fallbacks both PEPs give when it is absent.

use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// The legacy setuptools backend PEP 517 § "Source trees" falls back to when
/// `build-backend` is absent.
pub const LEGACY_BACKEND: &str = "setuptools.build_meta:__legacy__";
/// PEP 518 § "Build-system table": without `[build-system]` a frontend acts
/// as if `requires` named setuptools (the floor pip and build use).
pub const LEGACY_REQUIRES: &str = "setuptools>=40.8.0";

/// A source tree's build system, fallbacks applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSystem {
    pub requires: Vec<String>,
    /// `module:object` or `module`.
    pub backend: String,
    /// `backend-path` entries resolved (symbolic links followed) and checked
    /// to lie inside the source tree.
    pub backend_path: Vec<PathBuf>,
    /// `build-backend` was absent: the legacy setuptools behaviour.
    pub legacy: bool,
    /// `[project] name`, when the project declares one (for cycle checks).
    pub project_name: Option<String>,
    /// `[project] requires-python`, when declared (checked against the
    /// interpreter before any environment is made).
    pub requires_python: Option<String>,
}

/// pyproject.toml is not TOML: where the parser stopped.
fn not_toml(path: &Path, text: &str, e: &toml::de::Error) -> Error {
    let line = e
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1)
        .unwrap_or(1);
    Error::Project(crate::project::ProjectError {
        file: path.to_path_buf(),
        line: Some(line),
        field: None,
        message: format!("not valid TOML: {}", e.message()),
        more: Vec::new(),
    })
}

impl BuildSystem {
    /// Read `root/pyproject.toml` (absent: the legacy setuptools build).
    pub fn read(root: &Path) -> Result<BuildSystem> {
        let path = root.join("pyproject.toml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(Error::io(&path, e)),
        };
        Self::parse(root, &path, &text)
    }

    fn parse(root: &Path, path: &Path, text: &str) -> Result<BuildSystem> {
        // `build-system.KEY` (the table itself when `key` is empty).
        let bad = |key: &str, why: &str| {
            let field = match key {
                "" => "build-system".to_string(),
                key => format!("build-system.{key}"),
            };
            Error::project(path, Some(&field), why)
        };
        let doc: toml::Table = toml::from_str(text).map_err(|e| not_toml(path, text, &e))?;
        let project_name = doc
            .get("project")
            .and_then(|p| p.get("name"))
            .and_then(|n| n.as_str())
            .map(crate::names::normalize);
        let requires_python = doc
            .get("project")
            .and_then(|p| p.get("requires-python"))
            .and_then(|n| n.as_str())
            .map(str::to_string);
        let Some(table) = doc.get("build-system") else {
            return Ok(BuildSystem {
                requires: vec![LEGACY_REQUIRES.into()],
                backend: LEGACY_BACKEND.into(),
                backend_path: Vec::new(),
                legacy: true,
                project_name,
                requires_python,
            });
        };
        let table = table.as_table().ok_or_else(|| bad("", "not a table"))?;
        let requires = strings(table.get("requires"))
            .ok_or_else(|| bad("requires", "must be a list of PEP 508 requirements"))?
            .ok_or_else(|| bad("requires", "missing (PEP 518 makes it mandatory)"))?;
        let backend = match table.get("build-backend") {
            None => None,
            Some(v) => Some(
                v.as_str()
                    .filter(|s| valid_object_ref(s))
                    .ok_or_else(|| bad("build-backend", "must be `module` or `module:object`"))?
                    .to_string(),
            ),
        };
        let backend_path = strings(table.get("backend-path"))
            .ok_or_else(|| bad("backend-path", "must be a list of relative paths"))?
            .unwrap_or_default()
            .iter()
            .map(|p| inside_tree(root, p).map_err(|why| bad("backend-path", &why)))
            .collect::<Result<Vec<_>>>()?;
        Ok(BuildSystem {
            requires,
            legacy: backend.is_none(),
            backend: backend.unwrap_or_else(|| LEGACY_BACKEND.into()),
            backend_path,
            project_name,
            requires_python,
        })
    }

    /// True when a backend other than Gradient's own builds this tree.
    pub fn is_foreign(&self) -> bool {
        self.backend != crate::project::GRADIENT_BACKEND
    }

    /// True when `gradient build` hands this tree to its backend: a backend
    /// other than Gradient's is named, or none is and a `setup.py` (or no
    /// pyproject.toml) says the legacy setuptools build is meant. A
    /// pyproject.toml naming no backend and no setup.py is Gradient's own.
    pub fn needs_backend(&self, root: &Path) -> bool {
        match self.legacy {
            false => self.is_foreign(),
            true => root.join("setup.py").is_file() || !root.join("pyproject.toml").is_file(),
        }
    }
}

/// `None`: the wrong type; `Some(None)`: absent.
fn strings(value: Option<&toml::Value>) -> Option<Option<Vec<String>>> {
    let Some(value) = value else {
        return Some(None);
    };
    let list = value.as_array()?;
    let out: Option<Vec<String>> = list.iter().map(|v| v.as_str().map(String::from)).collect();
    out.map(Some)
}

fn valid_object_ref(s: &str) -> bool {
    let (module, object) = s.split_once(':').unwrap_or((s, ""));
    let dotted = |p: &str| {
        p.split('.').all(|part| {
            !part.is_empty()
                && part.chars().all(|c| c.is_alphanumeric() || c == '_')
                && !part.starts_with(|c: char| c.is_ascii_digit())
        })
    };
    dotted(module) && (object.is_empty() || dotted(object))
}

/// PEP 517 § "In-tree build backends": `backend-path` entries are relative
/// to the source tree and MUST resolve inside it once symbolic links are
/// followed.
fn inside_tree(root: &Path, entry: &str) -> std::result::Result<PathBuf, String> {
    if Path::new(entry).is_absolute() {
        return Err(format!(
            "`{entry}` is absolute; it must be relative to the project"
        ));
    }
    let root = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let resolved = root
        .join(entry)
        .canonicalize()
        .map_err(|e| format!("`{entry}`: {e}"))?;
    if !resolved.starts_with(&root) {
        return Err(format!(
            "`{entry}` resolves to {}, outside the project {}",
            resolved.display(),
            root.display()
        ));
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BuildSystem> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("backend")).unwrap();
        BuildSystem::parse(dir.path(), &dir.path().join("pyproject.toml"), text)
    }

    #[test]
    fn absent_table_or_backend_means_legacy_setuptools() {
        let bs = parse("[project]\nname = \"A_b\"\n").unwrap();
        assert_eq!(bs.backend, LEGACY_BACKEND);
        assert_eq!(bs.requires, [LEGACY_REQUIRES]);
        assert_eq!(bs.project_name.as_deref(), Some("a-b"));
        let bs = parse("[build-system]\nrequires = [\"setuptools>=61\"]\n").unwrap();
        assert!(bs.legacy);
        assert_eq!(bs.backend, LEGACY_BACKEND);
        assert_eq!(bs.requires, ["setuptools>=61"]);
    }

    #[test]
    fn backend_and_path_are_checked() {
        let bs = parse(
            "[build-system]\nrequires = []\nbuild-backend = \"be:api\"\nbackend-path = [\"backend\"]\n",
        )
        .unwrap();
        assert_eq!(bs.backend, "be:api");
        assert!(bs.backend_path[0].ends_with("backend"));
        let e = parse(
            "[build-system]\nrequires = []\nbuild-backend = \"x\"\nbackend-path = [\"..\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("backend-path") && e.contains("outside the project"),
            "{e}"
        );
        let e = parse("[project]\nversion = 2.0.1\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("pyproject.toml:2: not valid TOML"), "{e}");
        let e = parse("[build-system]\nbuild-backend = \"x\"\n").unwrap_err();
        assert_eq!(e.view().field.as_deref(), Some("build-system.requires"));
        let e = e.to_string();
        assert!(e.contains("requires") && e.contains("missing"), "{e}");
        let e = parse("[build-system]\nrequires = []\nbuild-backend = \"a b\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("build-backend"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn backend_path_through_a_link_out_of_the_tree_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("be")).unwrap();
        let e = BuildSystem::parse(
            dir.path(),
            &dir.path().join("pyproject.toml"),
            "[build-system]\nrequires = []\nbuild-backend = \"x\"\nbackend-path = [\"be\"]\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("outside the project"), "{e}");
    }
}
