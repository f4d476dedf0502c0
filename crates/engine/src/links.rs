//! Symbolic links in a project: followed only while they stay inside it.
//! Nothing reached through a link that leaves the project (a file, a
//! directory, a readme or license file) enters an artifact or its metadata,
//! and a link back to a directory being walked (a loop) is not followed.
//! Each case is reported with the link, where it points and the rule.

use std::path::{Path, PathBuf};

/// The rule for a link that leads out of the project.
pub const OUTSIDE: &str = "symlink leaves the project: files outside it are never packaged";
/// The rule for a link back to a directory that contains it.
pub const LOOP: &str = "symlink loop: it leads back to a directory that contains it";
/// The rule for a link that leads nowhere.
pub const DANGLING: &str = "symlink leads nowhere (missing target or a loop)";

/// The project root with its own links resolved, to compare targets with.
#[derive(Debug, Clone)]
pub struct Root(PathBuf);

impl Root {
    pub fn new(root: &Path) -> Root {
        Root(std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()))
    }

    /// Why the file or directory at `path` must not be followed, when it is
    /// (or passes through) a link leading out of the project or nowhere:
    /// `(rule, target)` with the target as the link gives it and as resolved.
    pub fn escape(&self, path: &Path) -> Option<(&'static str, String)> {
        match std::fs::canonicalize(path) {
            Ok(resolved) if resolved.starts_with(&self.0) => None,
            Ok(resolved) => Some((OUTSIDE, shown_target(path, Some(&resolved)))),
            Err(_) => Some((DANGLING, shown_target(path, None))),
        }
    }
}

/// `-> ../outside (/abs/outside)`: the link's own text and where it leads.
pub fn shown_target(link: &Path, resolved: Option<&Path>) -> String {
    let text = std::fs::read_link(link)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".into());
    match resolved {
        Some(r) if Path::new(&text) != r => format!("-> {text} ({})", r.display()),
        _ => format!("-> {text}"),
    }
}

/// Why the file `rel` named in pyproject.toml (a readme, a license file)
/// must not be read, when a link on its way leads out of the project.
pub fn named_file_escape(root: &Path, rel: &str) -> Option<String> {
    let root = Root::new(root);
    // Check each step: a link anywhere on the way counts.
    let mut path = root.0.clone();
    for part in rel.split('/') {
        path.push(part);
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        if let Some((rule, target)) = is_link.then(|| root.escape(&path)).flatten() {
            let link = path.strip_prefix(&root.0).unwrap_or(&path);
            return Some(format!("`{}` {target}: {rule}", link.display()));
        }
    }
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn links_out_and_nowhere_are_named() {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret"), "s").expect("write");
        let project = tempfile::tempdir().expect("tempdir");
        let p = project.path();
        std::fs::create_dir(p.join("docs")).expect("mkdir");
        std::fs::write(p.join("docs/README.md"), "r").expect("write");
        std::os::unix::fs::symlink(outside.path().join("secret"), p.join("README.md"))
            .expect("symlink");
        std::os::unix::fs::symlink(outside.path(), p.join("out")).expect("symlink");
        std::os::unix::fs::symlink("docs/README.md", p.join("in.md")).expect("symlink");
        std::os::unix::fs::symlink("nowhere", p.join("gone.md")).expect("symlink");
        let e = named_file_escape(p, "README.md").expect("escapes");
        assert!(e.contains("`README.md` -> ") && e.contains(OUTSIDE), "{e}");
        let e = named_file_escape(p, "out/secret").expect("escapes");
        assert!(e.starts_with("`out` -> "), "{e}");
        assert_eq!(named_file_escape(p, "in.md"), None);
        assert!(named_file_escape(p, "gone.md").is_some_and(|e| e.contains(DANGLING)));
    }
}
