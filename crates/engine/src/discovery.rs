//! Finding the project's files: one walk of the project directory that
//! honours `.gitignore` (the project's own and those of parent directories up
//! to the repository root) and leaves out caches, VCS directories and
//! bytecode, recording for each left-out path the rule that excluded it; then
//! module discovery (src layout, flat layout, single module, namespace
//! packages).

use crate::plan::Excluded;
use crate::project::Project;
use crate::{Error, Result};
use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A file of the project, found by the walk.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the project root, `/`-separated.
    pub rel: String,
    /// Absolute path on disk.
    pub abs: PathBuf,
    pub size: u64,
    pub executable: bool,
}

/// Every file under the project root that survived the default rules and
/// `.gitignore`, sorted by `rel`, plus what was left out and why.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileSet {
    pub files: Vec<SourceFile>,
    pub excluded: Vec<Excluded>,
}

impl FileSet {
    /// The files whose path starts with `prefix` (a directory path ending in
    /// `/`), in order.
    pub fn under<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a SourceFile> + 'a {
        let start = self.files.partition_point(|f| f.rel.as_str() < prefix);
        self.files[start..]
            .iter()
            .take_while(move |f| f.rel.starts_with(prefix))
    }

    pub fn get(&self, rel: &str) -> Option<&SourceFile> {
        self.files
            .binary_search_by(|f| f.rel.as_str().cmp(rel))
            .ok()
            .map(|i| &self.files[i])
    }
}

/// The rule for a file name that is not UTF-8: wheel and sdist member names
/// are UTF-8 (the binary distribution format; PEP 625 sdists are POSIX tar
/// read by tarfile with UTF-8 names), so such a file cannot be packaged.
const NOT_UTF8: &str = "name is not UTF-8: wheels and sdists store UTF-8 names; rename it";

/// Directory names never packaged, wherever they are.
const DEFAULT_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    ".venv",
    ".eggs",
    ".ipynb_checkpoints",
    "node_modules",
];
/// Directories left out at the project root only (a package may be called
/// `build`).
const DEFAULT_ROOT_DIRS: &[&str] = &["dist", "build", "target"];

/// The default rule that leaves directory `name` out, if any (`at_root`:
/// it sits at the project root).
fn default_dir(name: &str, at_root: bool) -> Option<String> {
    if DEFAULT_DIRS.contains(&name) || name.ends_with(".egg-info") {
        return Some(format!("default: {name}/"));
    }
    if at_root && DEFAULT_ROOT_DIRS.contains(&name) {
        return Some(format!("default: /{name}/"));
    }
    None
}

/// Whether `rel` (relative to the project root) lies in a directory no
/// artifact ever holds (VCS data, caches, build output): changes there
/// cannot change a plan.
pub fn never_packaged(rel: &Path) -> bool {
    rel.parent().is_some_and(|dirs| {
        dirs.components().enumerate().any(|(i, c)| {
            c.as_os_str()
                .to_str()
                .is_some_and(|name| default_dir(name, i == 0).is_some())
        })
    })
}

/// Walk `project.root`. Symbolic links are followed only while they stay
/// inside the project and do not lead back to a directory being walked
/// (see [`crate::links`]); the others are excluded, naming their target.
pub fn scan(project: &Project) -> Result<FileSet> {
    let exclude = Globs::new(&project.settings.exclude, "tool.gradient.exclude")?;
    let include = Globs::new(&project.settings.include, "tool.gradient.include")?;
    let mut walk = Walk {
        root: crate::links::Root::new(&project.root),
        exclude,
        include,
        out: FileSet::default(),
        walking: Vec::new(),
    };
    let ignores = parent_gitignores(&project.root);
    walk.dir(&project.root, "", &ignores)?;
    // The walk visits `x/` (and everything in it) before `x.py`, but `.`
    // sorts before `/`: [`FileSet::get`] and [`FileSet::under`] need the
    // order of the whole relative path.
    walk.out.files.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(walk.out)
}

struct Walk {
    root: crate::links::Root,
    exclude: Globs,
    /// `tool.gradient.include`: an explicit include wins over .gitignore
    /// (a generated `_version.py` is ignored by git yet shipped).
    include: Globs,
    out: FileSet,
    /// (device, inode) of the directories being walked, outermost first: a
    /// link to one of them is a loop.
    walking: Vec<(u64, u64)>,
}

impl Walk {
    fn dir(&mut self, dir: &Path, rel_dir: &str, ignores: &[Gitignore]) -> Result<()> {
        let mut own;
        let ignores = match gitignore_in(dir) {
            Some(g) => {
                own = ignores.to_vec();
                own.push(g);
                own.as_slice()
            }
            None => ignores,
        };
        let read = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut entries: Vec<(String, std::fs::DirEntry)> = Vec::new();
        for entry in read.filter_map(|e| e.ok()) {
            match entry.file_name().into_string() {
                Ok(name) => entries.push((name, entry)),
                Err(raw) => {
                    let shown = raw.to_string_lossy();
                    let rel = match rel_dir {
                        "" => shown.into_owned(),
                        _ => format!("{rel_dir}/{shown}"),
                    };
                    self.exclude(rel, NOT_UTF8.into())?;
                }
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
        self.walking.push(identity(&meta));
        for (name, entry) in entries {
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            self.entry(&name, rel, &entry, rel_dir.is_empty(), ignores)?;
        }
        self.walking.pop();
        Ok(())
    }

    fn entry(
        &mut self,
        name: &str,
        rel: String,
        entry: &std::fs::DirEntry,
        at_root: bool,
        ignores: &[Gitignore],
    ) -> Result<()> {
        let path = entry.path();
        let is_link = entry.file_type().is_ok_and(|t| t.is_symlink());
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(_) if is_link => {
                let target = crate::links::shown_target(&path, None);
                return self.exclude(rel, format!("{} {target}", crate::links::DANGLING));
            }
            Err(_) => return Ok(()),
        };
        let is_dir = meta.is_dir();
        if let Some(rule) = self.excluded_by(name, &rel, &path, is_dir, at_root, ignores) {
            return self.exclude(rel, rule);
        }
        if is_link {
            if let Some((rule, target)) = self.root.escape(&path) {
                return self.exclude(rel, format!("{rule} ({target})"));
            }
            if is_dir && self.walking.contains(&identity(&meta)) {
                let target = crate::links::shown_target(&path, None);
                return self.exclude(rel, format!("{} ({target})", crate::links::LOOP));
            }
        }
        if is_dir {
            self.dir(&path, &rel, ignores)?;
        } else if meta.is_file() {
            self.out.files.push(SourceFile {
                rel,
                abs: path,
                size: meta.len(),
                executable: is_executable(&meta),
            });
        }
        Ok(())
    }

    fn exclude(&mut self, path: String, rule: String) -> Result<()> {
        self.out.excluded.push(crate::plan::Excluded { path, rule });
        Ok(())
    }

    fn excluded_by(
        &self,
        name: &str,
        rel: &str,
        path: &Path,
        is_dir: bool,
        at_root: bool,
        ignores: &[Gitignore],
    ) -> Option<String> {
        if is_dir {
            if let Some(rule) = default_dir(name, at_root) {
                return Some(rule);
            }
            if path.join("pyvenv.cfg").is_file() {
                return Some("default: virtual environment".into());
            }
        } else if name.ends_with(".pyc") || name.ends_with(".pyo") {
            return Some("default: *.py[co]".into());
        }
        for ignore in ignores.iter().rev() {
            match ignore.matched(path, is_dir) {
                Match::Ignore(_) if self.included(rel, is_dir) => break,
                Match::Ignore(glob) => return Some(format!(".gitignore: {}", glob.original())),
                Match::Whitelist(_) => return None,
                Match::None => {}
            }
        }
        self.exclude
            .matching(rel)
            .map(|g| format!("tool.gradient.exclude: {g}"))
    }
}

impl Walk {
    /// Whether `tool.gradient.include` names `rel`, or (for a directory)
    /// something below it.
    fn included(&self, rel: &str, is_dir: bool) -> bool {
        self.include.matching(rel).is_some() || (is_dir && self.include.names_below(rel))
    }
}

#[cfg(unix)]
fn identity(meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

fn gitignore_in(dir: &Path) -> Option<Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(dir);
    builder.add(&file);
    builder.build().ok()
}

/// `.gitignore` files of the directories above `root`, up to the repository
/// root (the first directory holding `.git`), outermost first.
fn parent_gitignores(root: &Path) -> Vec<Gitignore> {
    let mut found = Vec::new();
    if root.join(".git").exists() {
        return found;
    }
    let mut dir = root.parent();
    while let Some(d) = dir {
        if let Some(g) = gitignore_in(d) {
            found.push(g);
        }
        if d.join(".git").exists() {
            break;
        }
        dir = d.parent();
    }
    if !dir.is_some_and(|d| d.join(".git").exists()) {
        // Not inside a repository: parent ignore files are not ours.
        return Vec::new();
    }
    found.reverse();
    found
}

/// User globs from `[tool.gradient]`, matched against `/`-separated paths
/// relative to the project root. A pattern without `/` matches a file or
/// directory name at any depth (as in .gitignore); a pattern matching a
/// directory matches everything below it.
#[derive(Debug, Clone)]
pub struct Globs {
    patterns: Vec<String>,
    full: GlobSet,
    names: GlobSet,
    name_index: Vec<usize>,
}

impl Globs {
    pub fn new(patterns: &[String], field: &str) -> Result<Self> {
        let mut full = GlobSetBuilder::new();
        let mut names = GlobSetBuilder::new();
        let mut name_index = Vec::new();
        for (i, p) in patterns.iter().enumerate() {
            let glob = |pattern: &str| {
                GlobBuilder::new(pattern)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| {
                        Error::Plan(format!(
                            "{field}[{i}]: `{p}` is not a valid glob: {}",
                            e.kind()
                        ))
                    })
            };
            full.add(glob(p.trim_end_matches('/'))?);
            if !p.contains('/') {
                names.add(glob(p)?);
                name_index.push(i);
            }
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| Error::Plan(format!("{field}: {e}")));
        Ok(Globs {
            patterns: patterns.to_vec(),
            full: build(full)?,
            names: build(names)?,
            name_index,
        })
    }

    /// Whether a pattern starts with the directory `dir`: it may match
    /// something below it.
    fn names_below(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        self.patterns.iter().any(|p| p.starts_with(&prefix))
    }

    /// The first pattern matching `rel` or one of its parent directories.
    pub fn matching(&self, rel: &str) -> Option<&str> {
        if self.patterns.is_empty() {
            return None;
        }
        let mut prefix_end = rel.len();
        let mut candidate = rel;
        loop {
            if let Some(i) = self.full.matches(candidate).first() {
                return Some(&self.patterns[*i]);
            }
            let name = candidate.rsplit('/').next().unwrap_or(candidate);
            if let Some(i) = self.names.matches(name).first() {
                return Some(&self.patterns[self.name_index[*i]]);
            }
            match rel[..prefix_end].rfind('/') {
                Some(slash) => {
                    prefix_end = slash;
                    candidate = &rel[..slash];
                }
                None => return None,
            }
        }
    }
}

/// A glob matching one pattern, for single-pattern checks.
pub fn glob(pattern: &str) -> Result<globset::GlobMatcher> {
    Glob::new(pattern)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Plan(format!("`{pattern}` is not a valid glob: {}", e.kind())))
}

/// One file of a module, with where it goes in a wheel.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ModuleFile {
    pub file: SourceFile,
    /// Path inside the wheel (relative to the module root).
    pub archive_path: String,
    /// The rule that found it, e.g. `module acme_widgets (src/)`.
    pub reason: String,
}

/// The files of every module in `project.settings.module_names`.
pub fn modules(project: &Project, files: &FileSet) -> Result<Vec<ModuleFile>> {
    let mut out = Vec::new();
    for name in &project.settings.module_names {
        out.extend(module(project, files, name)?);
    }
    Ok(out)
}

/// The files of module `name`: a package directory, else a single-file
/// module, under the module root (`src/` when the module is there).
fn module(project: &Project, files: &FileSet, name: &str) -> Result<Vec<ModuleFile>> {
    let rel = name.replace('.', "/");
    let root = module_root(project, files, &rel);
    let strip = if root.is_empty() { 0 } else { root.len() + 1 };
    let package_dir = format!("{}/", with_root(&root, &rel));
    let shown_root = if root.is_empty() {
        "project root".to_string()
    } else {
        format!("{root}/")
    };
    let package: Vec<&SourceFile> = files.under(&package_dir).collect();
    if !package.is_empty() {
        let init = format!("{package_dir}__init__.py");
        if files.get(&init).is_none() && !project.settings.namespace {
            return Err(Error::project(
                &project.pyproject_path,
                None,
                format!(
                    "module `{name}`: `{package_dir}` has no __init__.py; add one, or set \
                     tool.gradient.namespace = true for a namespace package"
                ),
            ));
        }
        let reason = format!("module {name} ({shown_root})");
        return Ok(package
            .into_iter()
            .map(|f| ModuleFile {
                archive_path: f.rel[strip..].to_string(),
                file: f.clone(),
                reason: reason.clone(),
            })
            .collect());
    }
    let single = with_root(&root, &format!("{rel}.py"));
    if let Some(f) = files.get(&single) {
        return Ok(vec![ModuleFile {
            archive_path: f.rel[strip..].to_string(),
            file: f.clone(),
            reason: format!("module {name} ({shown_root})"),
        }]);
    }
    let looked: Vec<String> = match &project.settings.module_root {
        Some(_) => vec![package_dir, single],
        None => vec![
            format!("src/{rel}/"),
            format!("src/{rel}.py"),
            format!("{rel}/"),
            format!("{rel}.py"),
        ],
    };
    Err(module_not_found(project, files, name, &looked))
}

/// `path` under `root` (the project root when empty).
fn with_root(root: &str, path: &str) -> String {
    if root.is_empty() {
        path.to_string()
    } else {
        format!("{root}/{path}")
    }
}

/// The directory a module's path is relative to: `module-root`, else `src`
/// when the module is there, else the project root (empty).
fn module_root(project: &Project, files: &FileSet, rel: &str) -> String {
    match &project.settings.module_root {
        Some(root) => root.clone(),
        None => {
            let in_src = files.under(&format!("src/{rel}/")).next().is_some()
                || files.get(&format!("src/{rel}.py")).is_some();
            if in_src {
                "src".into()
            } else {
                String::new()
            }
        }
    }
}

/// Why module `name` was found at none of the `looked` paths: one of them
/// is excluded by a rule, or none exists.
fn module_not_found(project: &Project, files: &FileSet, name: &str, looked: &[String]) -> Error {
    let left_out = looked.iter().find_map(|path| {
        let path = path.trim_end_matches('/');
        files.excluded.iter().find(|e| e.path == path)
    });
    if let Some(e) = left_out {
        return Error::project(
            &project.pyproject_path,
            None,
            format!(
                "module `{name}`: `{}` exists but is left out by {}; add it to \
                 tool.gradient.include to ship it",
                e.path, e.rule
            ),
        );
    }
    Error::project(
        &project.pyproject_path,
        None,
        format!(
            "module `{name}` not found (looked for {}); set tool.gradient.module-name \
             (and module-root) to the package to ship",
            looked.join(", ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::{Metadata, Settings};

    pub(crate) fn project_at(root: &Path, settings: Settings) -> Project {
        Project {
            root: root.to_path_buf(),
            pyproject_path: root.join("pyproject.toml"),
            metadata: Metadata {
                name: "demo".into(),
                normalized_name: "demo".into(),
                version: "1.0".into(),
                ..Metadata::default()
            },
            settings,
            build_system: Default::default(),
            warnings: Vec::new(),
        }
    }

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for f in files {
            let p = dir.path().join(f);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(p, f).expect("write");
        }
        dir
    }

    fn settings(names: &[&str]) -> Settings {
        Settings {
            module_names: names.iter().map(|s| s.to_string()).collect(),
            ..Settings::default()
        }
    }

    /// A file .gitignore lists is left out, naming the rule, unless
    /// tool.gradient.include names it (or a directory it is in).
    #[test]
    fn an_explicit_include_wins_over_gitignore() {
        let dir = tree(&[
            "demo/__init__.py",
            "demo/_version.py",
            "gen/api.py",
            "demo/cache.txt",
        ]);
        std::fs::write(dir.path().join(".gitignore"), "_version.py\ngen/\n*.txt\n").expect("write");
        let scan_with = |include: &[&str]| {
            let mut s = settings(&["demo"]);
            s.include = include.iter().map(|p| p.to_string()).collect();
            scan(&project_at(dir.path(), s)).expect("scan")
        };
        let plain = scan_with(&[]);
        let rule = |f: &FileSet, path: &str| {
            f.excluded
                .iter()
                .find(|e| e.path == path)
                .map(|e| e.rule.clone())
        };
        assert_eq!(
            rule(&plain, "demo/_version.py").as_deref(),
            Some(".gitignore: _version.py")
        );
        assert_eq!(rule(&plain, "gen").as_deref(), Some(".gitignore: gen/"));
        let included = scan_with(&["demo/_version.py", "gen/api.py"]);
        for path in ["demo/_version.py", "gen/api.py"] {
            assert!(included.get(path).is_some(), "{path}");
        }
        assert!(included.get("demo/cache.txt").is_none());
    }

    /// `x.py` beside a package `x/`: the walk meets `x/` first, but the
    /// set is in path order, so every file is found by `get`.
    #[test]
    fn a_module_beside_a_package_of_the_same_name_is_found() {
        let dir = tree(&["x.py", "x/__init__.py", "x/a.py", "x-y.txt"]);
        let files = scan(&project_at(dir.path(), settings(&["x"]))).expect("scan");
        let rels: Vec<&str> = files.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["x-y.txt", "x.py", "x/__init__.py", "x/a.py"]);
        for rel in rels {
            assert!(files.get(rel).is_some(), "{rel}");
        }
        assert_eq!(files.under("x/").count(), 2);
    }

    /// A name that is not UTF-8 cannot be stored in a wheel or an sdist: it
    /// is shown as excluded, with the reason, instead of vanishing.
    #[cfg(unix)]
    #[test]
    fn names_that_are_not_utf8_are_excluded_with_the_reason() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tree(&["demo/__init__.py"]);
        let raw = std::ffi::OsStr::from_bytes(b"caf\xe9.py");
        std::fs::write(dir.path().join("demo").join(raw), "").expect("write");
        let files = scan(&project_at(dir.path(), settings(&["demo"]))).expect("scan");
        assert_eq!(files.files.len(), 1);
        let excluded = &files.excluded[0];
        assert_eq!(excluded.path, "demo/caf\u{fffd}.py");
        assert!(
            excluded.rule.starts_with("name is not UTF-8"),
            "{}",
            excluded.rule
        );
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_project_nowhere_or_in_loops_are_excluded_by_name() {
        use std::os::unix::fs::symlink;
        let outside = tree(&["id_rsa"]);
        let dir = tree(&["pyproject.toml", "demo/__init__.py", "demo/a/__init__.py"]);
        let d = dir.path().join("demo");
        symlink(outside.path(), d.join("keys")).expect("link");
        symlink(outside.path().join("id_rsa"), d.join("key.txt")).expect("link");
        symlink(".", d.join("loop")).expect("link");
        symlink("..", d.join("a/up")).expect("link");
        symlink("missing", d.join("gone")).expect("link");
        symlink("__init__.py", d.join("alias.py")).expect("link");
        let files = scan(&project_at(dir.path(), settings(&["demo"]))).expect("scan");
        let rels: Vec<&str> = files.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            [
                "demo/__init__.py",
                "demo/a/__init__.py",
                "demo/alias.py",
                "pyproject.toml"
            ]
        );
        let rule = |path: &str| {
            files
                .excluded
                .iter()
                .find(|e| e.path == path)
                .map(|e| e.rule.clone())
                .unwrap_or_else(|| panic!("{path} not excluded: {:?}", files.excluded))
        };
        assert!(rule("demo/keys").starts_with(crate::links::OUTSIDE));
        assert!(rule("demo/key.txt").contains("id_rsa"));
        assert!(rule("demo/loop").starts_with(crate::links::LOOP));
        assert!(rule("demo/a/up").contains("-> .."));
        assert!(rule("demo/gone").starts_with(crate::links::DANGLING));
    }

    #[test]
    fn walk_honours_gitignore_and_defaults() {
        let dir = tree(&[
            "pyproject.toml",
            ".gitignore",
            "src/demo/__init__.py",
            "src/demo/__pycache__/x.pyc",
            "src/demo/y.pyc",
            "notes.log",
            "keep.log",
            ".git/config",
            "dist/old.whl",
            "venv/pyvenv.cfg",
            "venv/lib/x.py",
            "docs/a.md",
            "src/demo/build/helper.py",
        ]);
        std::fs::write(dir.path().join(".gitignore"), "*.log\n!keep.log\n").expect("write");
        let mut s = settings(&["demo"]);
        s.exclude = vec!["docs".into()];
        let files = scan(&project_at(dir.path(), s)).expect("scan");
        let rels: Vec<&str> = files.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            rels,
            vec![
                ".gitignore",
                "keep.log",
                "pyproject.toml",
                "src/demo/__init__.py",
                "src/demo/build/helper.py"
            ]
        );
        let rule = |p: &str| {
            files
                .excluded
                .iter()
                .find(|e| e.path == p)
                .map(|e| e.rule.clone())
        };
        assert_eq!(rule("notes.log").as_deref(), Some(".gitignore: *.log"));
        assert_eq!(rule(".git").as_deref(), Some("default: .git/"));
        assert_eq!(rule("dist").as_deref(), Some("default: /dist/"));
        assert_eq!(
            rule("venv").as_deref(),
            Some("default: virtual environment")
        );
        assert_eq!(rule("docs").as_deref(), Some("tool.gradient.exclude: docs"));
        assert_eq!(
            rule("src/demo/__pycache__").as_deref(),
            Some("default: __pycache__/")
        );
        assert_eq!(rule("src/demo/y.pyc").as_deref(), Some("default: *.py[co]"));
    }

    #[test]
    fn never_packaged_knows_the_default_directories() {
        for rel in [
            ".git/index",
            "src/demo/__pycache__/x.pyc",
            "dist/a.whl",
            "x.egg-info/PKG-INFO",
        ] {
            assert!(never_packaged(Path::new(rel)), "{rel}");
        }
        // `dist` and `build` are build output only at the root.
        for rel in [
            "src/demo/dist/a.py",
            "src/build/helper.py",
            "pyproject.toml",
            "dist",
        ] {
            assert!(!never_packaged(Path::new(rel)), "{rel}");
        }
    }

    #[test]
    fn layouts() {
        let dir = tree(&["src/demo/__init__.py", "src/demo/data/x.json", "other.py"]);
        let p = project_at(dir.path(), settings(&["demo"]));
        let files = scan(&p).expect("scan");
        let found: Vec<String> = modules(&p, &files)
            .expect("src layout")
            .into_iter()
            .map(|m| m.archive_path)
            .collect();
        assert_eq!(found, vec!["demo/__init__.py", "demo/data/x.json"]);

        let dir = tree(&["demo/__init__.py", "demo/core.py"]);
        let p = project_at(dir.path(), settings(&["demo"]));
        let found = modules(&p, &scan(&p).expect("scan")).expect("flat layout");
        assert_eq!(found[1].archive_path, "demo/core.py");
        assert_eq!(found[1].reason, "module demo (project root)");

        let dir = tree(&["demo.py", "test_demo.py"]);
        let p = project_at(dir.path(), settings(&["demo"]));
        let found = modules(&p, &scan(&p).expect("scan")).expect("single module");
        assert_eq!(found.len(), 1);

        let dir = tree(&["src/acme/tools/__init__.py", "src/acme/__init__.py"]);
        let mut s = settings(&["acme.tools"]);
        s.namespace = true;
        let p = project_at(dir.path(), s);
        let found: Vec<String> = modules(&p, &scan(&p).expect("scan"))
            .expect("namespace")
            .into_iter()
            .map(|m| m.archive_path)
            .collect();
        assert_eq!(
            found,
            vec!["acme/tools/__init__.py"],
            "parent __init__ is not shipped"
        );

        let dir = tree(&["src/nsp/mod.py"]);
        let p = project_at(dir.path(), settings(&["nsp"]));
        let err = modules(&p, &scan(&p).expect("scan")).expect_err("no __init__");
        assert!(err.to_string().contains("namespace = true"), "{err}");

        let dir = tree(&["other.py"]);
        let p = project_at(dir.path(), settings(&["demo"]));
        let err = modules(&p, &scan(&p).expect("scan")).expect_err("missing");
        assert!(
            err.to_string()
                .contains("looked for src/demo/, src/demo.py, demo/, demo.py"),
            "{err}"
        );
    }

    #[test]
    fn globs_match_names_and_parents() {
        let g =
            Globs::new(&["*.log".into(), "docs/**".into(), "tests".into()], "x").expect("globs");
        assert_eq!(g.matching("a/b/c.log"), Some("*.log"));
        assert_eq!(g.matching("docs/a/b.md"), Some("docs/**"));
        assert_eq!(g.matching("pkg/tests/test_a.py"), Some("tests"));
        assert_eq!(g.matching("pkg/a.py"), None);
    }
}
