//! `MANIFEST.in`, the setuptools sdist template ("Controlling files in the
//! distribution", setuptools.pypa.io/en/latest/userguide/miscellaneous.html;
//! distutils `filelist.FileList._parse_template_line`, setuptools
//! `command/egg_info.py` `FileList`). Lines are read as distutils'
//! `TextFile` reads them (`#` comments, `\` joins lines, blanks skipped)
//! and applied in order to the selection, over the project's files.
//!
//! Patterns mean what setuptools' `translate_pattern` makes of them: `*` and
//! `?` never cross `/`, `**` as a whole component spans directories,
//! `[...]` is a character class. `recursive-include DIR PAT` matches `PAT`
//! against names at any depth below `DIR` (`DIR/**/PAT`), `global-*` at any
//! depth of the project, `graft DIR` takes every file below a directory
//! matching `DIR`, `prune DIR` drops them.

use crate::{Error, Result};
use globset::{GlobBuilder, GlobMatcher};
use std::collections::BTreeMap;

/// The template's file name, for errors and reasons.
pub const FILE: &str = "MANIFEST.in";

/// What one line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Include,
    Exclude,
    GlobalInclude,
    GlobalExclude,
    RecursiveInclude,
    RecursiveExclude,
    Graft,
    Prune,
}

impl Action {
    fn named(word: &str) -> Option<Action> {
        Some(match word {
            "include" => Action::Include,
            "exclude" => Action::Exclude,
            "global-include" => Action::GlobalInclude,
            "global-exclude" => Action::GlobalExclude,
            "recursive-include" => Action::RecursiveInclude,
            "recursive-exclude" => Action::RecursiveExclude,
            "graft" => Action::Graft,
            "prune" => Action::Prune,
            _ => return None,
        })
    }

    fn includes(self) -> bool {
        matches!(
            self,
            Action::Include | Action::GlobalInclude | Action::RecursiveInclude | Action::Graft
        )
    }
}

/// One command: its line (1-based, the first of joined lines), its text
/// as the reason it gives, and the matchers its patterns became.
#[derive(Debug, Clone)]
struct Command {
    line: usize,
    text: String,
    action: Action,
    /// For graft: matched against directories; otherwise against files.
    matchers: Vec<GlobMatcher>,
}

/// A parsed template: its commands in order, and warnings for lines
/// setuptools warns about and skips (an unknown command).
#[derive(Debug, Clone, Default)]
pub struct Template {
    commands: Vec<Command>,
    pub warnings: Vec<String>,
}

/// The logical lines of a template as distutils' `TextFile(strip_comments,
/// skip_blanks, join_lines, lstrip_ws, rstrip_ws, collapse_join)` yields
/// them: (first line number, text).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = strip_comment(raw);
        let line = line.trim();
        let (start, mut joined) = match pending.take() {
            Some((start, before)) => (start, before + line),
            None => (i + 1, line.to_string()),
        };
        if joined.ends_with('\\') {
            joined.pop();
            pending = Some((start, joined));
            continue;
        }
        if !joined.is_empty() {
            out.push((start, joined));
        }
    }
    if let Some((start, rest)) = pending.filter(|(_, rest)| !rest.trim().is_empty()) {
        out.push((start, rest));
    }
    out
}

/// A line up to an unescaped `#`; `\#` stands for `#`.
fn strip_comment(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'#') => {
                out.push('#');
                chars.next();
            }
            '#' => break,
            c => out.push(c),
        }
    }
    out
}

/// A glob as `translate_pattern` means it, relative to the project root.
fn matcher(pattern: &str, line: usize) -> Result<GlobMatcher> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(false)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| {
            Error::Plan(format!(
                "{FILE} line {line}: `{pattern}` is not a valid pattern: {}",
                e.kind()
            ))
        })
}

/// A directory argument without `./` before or `/` after it.
fn dir_arg(dir: &str) -> &str {
    let dir = dir.strip_prefix("./").unwrap_or(dir);
    dir.trim_end_matches('/')
}

/// Parse one logical line: `Ok(None)` for an unknown command (a warning,
/// as in setuptools), an error naming the line for missing arguments.
fn command(line: usize, text: &str) -> Result<Option<Command>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let Some(action) = words.first().and_then(|w| Action::named(w)) else {
        return Ok(None);
    };
    let bad = |expects: &str| {
        Err(Error::Plan(format!(
            "{FILE} line {line}: `{}` expects {expects}: `{text}`",
            words[0]
        )))
    };
    let patterns: Vec<String> = match action {
        Action::Graft | Action::Prune => {
            if words.len() != 2 {
                return bad("a single <dir_pattern>");
            }
            let dir = dir_arg(words[1]);
            vec![if action == Action::Prune {
                format!("{dir}/**")
            } else {
                dir.to_string()
            }]
        }
        Action::RecursiveInclude | Action::RecursiveExclude => {
            if words.len() < 3 {
                return bad("<dir> <pattern1> <pattern2> ...");
            }
            let dir = dir_arg(words[1]);
            words[2..].iter().map(|p| format!("{dir}/**/{p}")).collect()
        }
        Action::GlobalInclude | Action::GlobalExclude => {
            if words.len() < 2 {
                return bad("<pattern1> <pattern2> ...");
            }
            words[1..].iter().map(|p| format!("**/{p}")).collect()
        }
        Action::Include | Action::Exclude => {
            if words.len() < 2 {
                return bad("<pattern1> <pattern2> ...");
            }
            words[1..]
                .iter()
                .map(|p| p.strip_prefix("./").unwrap_or(p).to_string())
                .collect()
        }
    };
    let matchers = patterns
        .iter()
        .map(|p| matcher(p, line))
        .collect::<Result<_>>()?;
    Ok(Some(Command {
        line,
        text: words.join(" "),
        action,
        matchers,
    }))
}

/// Parse a template; a line with too few arguments or a bad pattern is an
/// error naming its line.
pub fn parse(text: &str) -> Result<Template> {
    let mut template = Template::default();
    for (line, text) in logical_lines(text) {
        match command(line, &text)? {
            Some(c) => template.commands.push(c),
            None => template.warnings.push(format!(
                "{FILE} line {line}: unknown command `{}`; the line is skipped, as setuptools does",
                text.split_whitespace().next().unwrap_or_default()
            )),
        }
    }
    Ok(template)
}

/// The selection a template works on: included path → reason, and the
/// paths it dropped → the rule that dropped them.
#[derive(Debug, Default)]
pub struct Selection {
    pub chosen: BTreeMap<String, String>,
    pub dropped: BTreeMap<String, String>,
}

impl Template {
    /// Apply every command in order to `selection`, over the project's
    /// files `all` (relative, `/`-separated paths).
    pub fn apply<'a>(&self, all: impl Iterator<Item = &'a str> + Clone, selection: &mut Selection) {
        for c in &self.commands {
            let reason = format!("{FILE} line {}: {}", c.line, c.text);
            if c.action.includes() {
                for rel in all.clone().filter(|rel| c.selects(rel)) {
                    selection.dropped.remove(rel);
                    selection
                        .chosen
                        .entry(rel.to_string())
                        .or_insert_with(|| reason.clone());
                }
            } else {
                let gone: Vec<String> = selection
                    .chosen
                    .keys()
                    .filter(|rel| c.selects(rel))
                    .cloned()
                    .collect();
                for rel in gone {
                    selection.chosen.remove(&rel);
                    selection.dropped.insert(rel, reason.clone());
                }
            }
        }
    }
}

impl Command {
    /// Whether this command's patterns name the file `rel`.
    fn selects(&self, rel: &str) -> bool {
        if self.action == Action::Graft {
            // Every directory above the file, longest first.
            let mut dirs = rel.match_indices('/').map(|(i, _)| &rel[..i]);
            return dirs.any(|d| self.matchers.iter().any(|m| m.is_match(d)));
        }
        self.matchers.iter().any(|m| m.is_match(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &[&str] = &[
        "CHANGES.rst",
        "MANIFEST.in",
        "README.rst",
        "docs/_build/index.html",
        "docs/conf.py",
        "docs/index.rst",
        "pkg/__init__.py",
        "pkg/data/a.json",
        "pkg/data/deep/b.json",
        "pkg/data/notes.txt",
        "pkg/mod.pyc",
        "setup.py",
        "tests/test_a.py",
        "tests/data/x.json",
    ];

    /// The selection after applying `template` to one that starts with
    /// `start`.
    fn run(template: &str, start: &[&str]) -> Selection {
        let mut s = Selection::default();
        for f in start {
            s.chosen.insert(f.to_string(), "default".into());
        }
        parse(template)
            .expect("valid template")
            .apply(FILES.iter().copied(), &mut s);
        s
    }

    fn chosen(s: &Selection) -> Vec<&str> {
        s.chosen.keys().map(String::as_str).collect()
    }

    #[test]
    fn include_star_does_not_cross_directories() {
        let s = run("include *.rst\ninclude pkg/*.json pkg/data/*.json", &[]);
        assert_eq!(chosen(&s), ["CHANGES.rst", "README.rst", "pkg/data/a.json"]);
        assert_eq!(s.chosen["README.rst"], "MANIFEST.in line 1: include *.rst");
    }

    #[test]
    fn recursive_include_matches_names_at_any_depth_below_the_dir() {
        let s = run("recursive-include pkg *.json", &[]);
        assert_eq!(chosen(&s), ["pkg/data/a.json", "pkg/data/deep/b.json"]);
        let s = run("recursive-include pkg/ data/*.json", &[]);
        assert_eq!(chosen(&s), ["pkg/data/a.json"]);
    }

    #[test]
    fn commands_apply_in_order() {
        // Excluded, then included again: in.
        let s = run("exclude README.rst\ninclude README.rst", &["README.rst"]);
        assert_eq!(chosen(&s), ["README.rst"]);
        assert!(s.dropped.is_empty());
        // Included, then excluded: out, with the excluding line named.
        let s = run("include README.rst\nexclude README.rst", &[]);
        assert!(s.chosen.is_empty());
        assert_eq!(
            s.dropped["README.rst"],
            "MANIFEST.in line 2: exclude README.rst"
        );
    }

    #[test]
    fn prune_after_graft_removes_the_subtree_only() {
        let s = run("graft docs\nprune docs/_build", &[]);
        assert_eq!(chosen(&s), ["docs/conf.py", "docs/index.rst"]);
        assert_eq!(
            s.dropped["docs/_build/index.html"],
            "MANIFEST.in line 2: prune docs/_build"
        );
        // The other order: graft puts it back.
        let s = run("prune docs/_build\ngraft docs", &[]);
        assert_eq!(chosen(&s).len(), 3);
    }

    #[test]
    fn graft_takes_directories_matching_a_pattern() {
        let s = run("graft t*s", &[]);
        assert_eq!(chosen(&s), ["tests/data/x.json", "tests/test_a.py"]);
    }

    #[test]
    fn global_exclude_drops_matches_at_every_depth_from_defaults_too() {
        let s = run(
            "graft pkg\nglobal-exclude *.pyc *.txt",
            &["setup.py", "pkg/mod.pyc"],
        );
        assert_eq!(
            chosen(&s),
            [
                "pkg/__init__.py",
                "pkg/data/a.json",
                "pkg/data/deep/b.json",
                "setup.py"
            ]
        );
        assert!(s.dropped["pkg/mod.pyc"].starts_with("MANIFEST.in line 2"));
        let s = run("global-include *.json\nrecursive-exclude tests *", &[]);
        assert_eq!(chosen(&s), ["pkg/data/a.json", "pkg/data/deep/b.json"]);
    }

    #[test]
    fn exclude_matches_only_the_whole_path() {
        let s = run("exclude *.json", &["pkg/data/a.json"]);
        assert_eq!(chosen(&s), ["pkg/data/a.json"]);
    }

    #[test]
    fn comments_blank_lines_and_continuations_are_read_as_distutils_does() {
        let template =
            "# a comment\n\n  include README.rst  # trailing\ninclude \\\n   CHANGES.rst\n";
        let s = run(template, &[]);
        assert_eq!(chosen(&s), ["CHANGES.rst", "README.rst"]);
        assert_eq!(
            s.chosen["CHANGES.rst"],
            "MANIFEST.in line 4: include CHANGES.rst"
        );
    }

    #[test]
    fn malformed_lines_are_errors_naming_the_line() {
        for (template, expects) in [
            (
                "include *.rst\ninclude",
                "line 2: `include` expects <pattern1>",
            ),
            (
                "\n\nrecursive-include pkg",
                "line 3: `recursive-include` expects <dir>",
            ),
            (
                "graft a b",
                "line 1: `graft` expects a single <dir_pattern>",
            ),
            ("prune", "line 1: `prune` expects a single"),
            ("global-exclude", "line 1: `global-exclude` expects"),
            ("include pkg/[a", "line 1: `pkg/[a` is not a valid pattern"),
        ] {
            let err = parse(template).expect_err(template).to_string();
            assert!(err.starts_with("MANIFEST.in "), "{err}");
            assert!(err.contains(expects), "{template}: {err}");
        }
    }

    #[test]
    fn an_unknown_command_is_a_warning_and_skipped() {
        let t = parse("include-all *\ninclude README.rst").expect("valid");
        assert_eq!(
            t.warnings,
            ["MANIFEST.in line 1: unknown command `include-all`; the line is skipped, as setuptools does"]
        );
        let mut s = Selection::default();
        t.apply(FILES.iter().copied(), &mut s);
        assert_eq!(chosen(&s), ["README.rst"]);
    }
}
