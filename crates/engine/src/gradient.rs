//! The packaging gradient: "where is your code going, and what can we depend
//! on being there?" as a decision tree (data, in `gradient/tree.toml`) and
//! pure functions that walk it. The CLI and the studio only present it.

use crate::discovery;
use crate::plan::Format;
use crate::project::Project;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

const TREE_TOML: &str = include_str!("gradient/tree.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tree {
    pub start: String,
    /// The stack, from what you write to what it runs on.
    pub layers: Vec<String>,
    #[serde(rename = "question")]
    pub questions: Vec<Question>,
    #[serde(rename = "recommendation")]
    pub recommendations: Vec<Recommendation>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub explain: String,
    #[serde(rename = "option")]
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// A question id, or `rec:<recommendation id>`.
    pub next: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: String,
    pub title: String,
    /// The Gradient format that builds it; absent for what Gradient explains.
    pub format: Option<Format>,
    pub bundles: Vec<String>,
    pub why: String,
    pub startup: String,
    pub size: String,
    pub updates: String,
    /// How to get there, for artifacts Gradient does not build.
    pub how_to: Option<String>,
    pub runners_up: Vec<RunnerUp>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunnerUp {
    pub id: String,
    pub why: String,
}

/// Where the next step of a choice leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next<'a> {
    Question(&'a str),
    Recommendation(&'a str),
}

impl Choice {
    pub fn next(&self) -> Next<'_> {
        match self.next.strip_prefix("rec:") {
            Some(rec) => Next::Recommendation(rec),
            None => Next::Question(&self.next),
        }
    }
}

impl Tree {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn recommendation(&self, id: &str) -> Option<&Recommendation> {
        self.recommendations.iter().find(|r| r.id == id)
    }

    /// Problems with the tree's shape: dangling `next`s, unreachable
    /// questions or recommendations, cycles, unknown layers. Empty when sound.
    pub fn problems(&self) -> Vec<String> {
        let mut walk = Walk {
            tree: self,
            path: Vec::new(),
            reached_q: BTreeSet::new(),
            reached_r: BTreeSet::new(),
            out: Vec::new(),
        };
        walk.visit(&self.start);
        let Walk {
            reached_q,
            reached_r,
            mut out,
            ..
        } = walk;
        for q in &self.questions {
            if !reached_q.contains(q.id.as_str()) {
                out.push(format!("question `{}` is unreachable", q.id));
            }
        }
        for r in &self.recommendations {
            if !reached_r.contains(r.id.as_str()) {
                out.push(format!("recommendation `{}` is unreachable", r.id));
            }
            self.recommendation_problems(r, &mut out);
        }
        out
    }

    /// A recommendation's unknown layers and runners-up.
    fn recommendation_problems(&self, r: &Recommendation, out: &mut Vec<String>) {
        for layer in &r.bundles {
            if !self.layers.contains(layer) {
                out.push(format!(
                    "recommendation `{}` bundles unknown layer `{layer}`",
                    r.id
                ));
            }
        }
        for runner in &r.runners_up {
            if self.recommendation(&runner.id).is_none() {
                out.push(format!(
                    "recommendation `{}` names unknown runner-up `{}`",
                    r.id, runner.id
                ));
            }
        }
    }
}

/// A depth-first walk of the tree from the start, tracking the current path
/// for cycles and what it reached.
struct Walk<'a> {
    tree: &'a Tree,
    path: Vec<&'a str>,
    reached_q: BTreeSet<&'a str>,
    reached_r: BTreeSet<&'a str>,
    out: Vec<String>,
}

impl<'a> Walk<'a> {
    fn visit(&mut self, id: &'a str) {
        if self.path.contains(&id) {
            self.out
                .push(format!("cycle: {} -> {id}", self.path.join(" -> ")));
            return;
        }
        let Some(q) = self.tree.question(id) else {
            self.out.push(format!(
                "`{}` leads to unknown question `{id}`",
                self.path.last().unwrap_or(&"start")
            ));
            return;
        };
        self.reached_q.insert(id);
        self.path.push(id);
        if q.options.len() < 2 {
            self.out
                .push(format!("question `{id}` needs at least two options"));
        }
        for option in &q.options {
            match option.next() {
                Next::Question(next) => self.visit(next),
                Next::Recommendation(rec) => {
                    if self.tree.recommendation(rec).is_none() {
                        self.out.push(format!(
                            "`{id}={}` leads to unknown recommendation `{rec}`",
                            option.value
                        ));
                    }
                    self.reached_r.insert(rec);
                }
            }
        }
        self.path.pop();
    }
}

/// The tree, parsed and checked once.
pub fn tree() -> Result<&'static Tree> {
    static TREE: OnceLock<std::result::Result<Tree, String>> = OnceLock::new();
    TREE.get_or_init(|| {
        let tree: Tree =
            toml::from_str(TREE_TOML).map_err(|e| format!("gradient/tree.toml: {e}"))?;
        let problems = tree.problems();
        if problems.is_empty() {
            Ok(tree)
        } else {
            Err(format!("gradient/tree.toml: {}", problems.join("; ")))
        }
    })
    .as_ref()
    .map_err(|e| Error::Plan(e.clone()))
}

/// An answer the engine could tell from the project, and how it knew.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Prefilled {
    pub value: String,
    pub source: String,
}

/// Facts about a project that pre-fill answers.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ProjectFacts {
    /// What shows compiled code (a source file, a build backend), if any.
    pub compiled: Option<String>,
    /// Console or GUI scripts the project defines.
    pub scripts: Vec<String>,
    pub requires_python: Option<String>,
    /// `library_shape` answer (`single_module` or `package`) and why.
    pub shape: Option<(String, String)>,
}

/// Extensions of sources that are compiled into extension modules.
const COMPILED_EXTENSIONS: &[&str] = &[
    "c", "cc", "cpp", "cxx", "h", "hpp", "pyx", "pxd", "rs", "f90", "cu",
];
/// Build backends that exist to compile extension modules.
const COMPILING_BACKENDS: &[&str] = &[
    "maturin",
    "scikit_build_core.build",
    "mesonpy",
    "setuptools_rust",
];

/// Look at a project on disk for the facts that pre-fill answers.
pub fn facts(project: &Project) -> Result<ProjectFacts> {
    let files = discovery::scan(project)?;
    let mut compiled = project
        .build_system
        .backend
        .as_deref()
        .filter(|b| COMPILING_BACKENDS.contains(b))
        .map(|b| format!("pyproject.toml: build-backend `{b}` compiles extension modules"));
    if compiled.is_none() {
        compiled = files
            .files
            .iter()
            .find(|f| {
                let ext = f.rel.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
                ext.is_some_and(|e| COMPILED_EXTENSIONS.contains(&e.as_str()))
                    || f.rel.ends_with("Cargo.toml")
            })
            .map(|f| format!("compiled-language source `{}`", f.rel));
    }
    if compiled.is_none() {
        if let Some(setup) = files.get("setup.py") {
            let text = std::fs::read_to_string(&setup.abs).unwrap_or_default();
            if text.contains("ext_modules") || text.contains("Extension(") {
                compiled = Some("setup.py declares ext_modules".into());
            }
        }
    }
    let m = &project.metadata;
    let shape = discovery::modules(project, &files).ok().map(|modules| {
        let single = match modules.as_slice() {
            [only] if !only.archive_path.contains('/') => Some(only.archive_path.clone()),
            _ => None,
        };
        match (single, m.dependencies.len()) {
            (Some(file), 0) => (
                "single_module".to_string(),
                format!("one module `{file}` and no dependencies"),
            ),
            (Some(file), n) => (
                "package".to_string(),
                format!("one module `{file}` but {n} dependencies"),
            ),
            (None, _) => (
                "package".to_string(),
                format!("a package of {} files", modules.len()),
            ),
        }
    });
    Ok(ProjectFacts {
        shape,
        compiled,
        scripts: m
            .scripts
            .keys()
            .chain(m.gui_scripts.keys())
            .cloned()
            .collect(),
        requires_python: m.requires_python.clone(),
    })
}

/// Answers the facts suggest, each with its source. They are defaults: an
/// explicit answer always wins.
pub fn prefill(facts: &ProjectFacts) -> BTreeMap<String, Prefilled> {
    let mut out = BTreeMap::new();
    let set = |out: &mut BTreeMap<String, Prefilled>, key: &str, value: &str, source: String| {
        out.insert(
            key.to_string(),
            Prefilled {
                value: value.to_string(),
                source,
            },
        );
    };
    match &facts.compiled {
        Some(source) => set(&mut out, "compiled", "compiled", source.clone()),
        None => set(
            &mut out,
            "compiled",
            "pure",
            "no C, C++, Cython or Rust sources and no compiling build backend".into(),
        ),
    }
    if let Some((value, source)) = &facts.shape {
        set(&mut out, "library_shape", value, source.clone());
    }
    if let Some(first) = facts.scripts.first() {
        set(
            &mut out,
            "audience",
            "application",
            format!("pyproject.toml: [project.scripts] / gui-scripts define `{first}`"),
        );
    } else {
        set(
            &mut out,
            "audience",
            "library",
            "pyproject.toml defines no scripts".into(),
        );
    }
    out
}

/// One answered question on the way to the outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub question: String,
    pub value: String,
    pub label: String,
    /// `answer` when given explicitly, else where the pre-fill came from.
    pub source: String,
}

/// A recommendation with what it bundles and what the target must provide.
#[derive(Debug, Clone, Serialize)]
pub struct RecommendationView {
    #[serde(flatten)]
    pub recommendation: Recommendation,
    /// The layers the target must already provide: those below the lowest
    /// layer the artifact bundles.
    pub assumes: Vec<String>,
    /// Gradient builds it (or will, once the format lands).
    pub built_by_gradient: bool,
    /// Why the format is not buildable yet, when it is one of Gradient's.
    pub not_yet: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The next unanswered question, with any pre-filled default.
    NextQuestion {
        question: Question,
        default: Option<Prefilled>,
        path: Vec<Step>,
    },
    Recommendation {
        recommendation: RecommendationView,
        path: Vec<Step>,
    },
}

/// An answer the tree does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("unknown question `{key}`; valid: {}", valid.join(", "))]
    UnknownKey { key: String, valid: Vec<String> },
    #[error("`{value}` is not an answer to `{key}`; valid: {}", valid.join(", "))]
    UnknownValue {
        key: String,
        value: String,
        valid: Vec<String>,
    },
}

/// Check explicit answers against the tree: every key a question, every
/// value one of its options.
pub fn check_answers(
    tree: &Tree,
    answers: &BTreeMap<String, String>,
) -> std::result::Result<(), AnswerError> {
    for (key, value) in answers {
        let q = tree.question(key).ok_or_else(|| AnswerError::UnknownKey {
            key: key.clone(),
            valid: tree.questions.iter().map(|q| q.id.clone()).collect(),
        })?;
        if !q.options.iter().any(|o| &o.value == value) {
            return Err(AnswerError::UnknownValue {
                key: key.clone(),
                value: value.clone(),
                valid: q.options.iter().map(|o| o.value.clone()).collect(),
            });
        }
    }
    Ok(())
}

/// Walk from the start: explicit answers first, pre-filled ones when
/// `use_prefill`, until a recommendation or an unanswered question.
pub fn walk(
    tree: &Tree,
    answers: &BTreeMap<String, String>,
    prefill: &BTreeMap<String, Prefilled>,
    use_prefill: bool,
) -> std::result::Result<Outcome, AnswerError> {
    check_answers(tree, answers)?;
    let mut path = Vec::new();
    let mut id = tree.start.as_str();
    // The tree is acyclic (checked at load), so this ends.
    for _ in 0..=tree.questions.len() {
        let Some(question) = tree.question(id) else {
            break;
        };
        let (value, source) = match (answers.get(id), prefill.get(id)) {
            (Some(v), _) => (v.clone(), "answer".to_string()),
            (None, Some(p)) if use_prefill => (p.value.clone(), p.source.clone()),
            (None, default) => {
                return Ok(Outcome::NextQuestion {
                    question: question.clone(),
                    default: default.cloned(),
                    path,
                });
            }
        };
        let Some(choice) = question.options.iter().find(|o| o.value == value) else {
            return Err(AnswerError::UnknownValue {
                key: id.to_string(),
                value,
                valid: question.options.iter().map(|o| o.value.clone()).collect(),
            });
        };
        path.push(Step {
            question: id.to_string(),
            value: value.clone(),
            label: choice.label.clone(),
            source,
        });
        match choice.next() {
            Next::Question(next) => id = next,
            Next::Recommendation(rec) => {
                let recommendation =
                    tree.recommendation(rec)
                        .cloned()
                        .ok_or_else(|| AnswerError::UnknownKey {
                            key: rec.to_string(),
                            valid: Vec::new(),
                        })?;
                return Ok(Outcome::Recommendation {
                    recommendation: view(tree, recommendation),
                    path,
                });
            }
        }
    }
    Err(AnswerError::UnknownKey {
        key: id.to_string(),
        valid: tree.questions.iter().map(|q| q.id.clone()).collect(),
    })
}

fn view(tree: &Tree, recommendation: Recommendation) -> RecommendationView {
    // The target provides every layer below the lowest one the artifact brings.
    let lowest = tree
        .layers
        .iter()
        .rposition(|l| recommendation.bundles.contains(l))
        .unwrap_or(0);
    let assumes = tree.layers[lowest + 1..].to_vec();
    let not_yet = recommendation
        .format
        .and_then(|f| f.availability().err())
        .map(str::to_string);
    RecommendationView {
        built_by_gradient: recommendation.format.is_some(),
        assumes,
        not_yet,
        recommendation,
    }
}

/// The tree as indented text, for the README and `gradient recommend --tree`.
pub fn render_tree(tree: &Tree) -> String {
    fn question(tree: &Tree, id: &str, depth: usize, out: &mut String) {
        let Some(q) = tree.question(id) else { return };
        out.push_str(&format!("{}{}\n", "    ".repeat(depth), q.text));
        for o in &q.options {
            match o.next() {
                Next::Question(next) => {
                    out.push_str(&format!("{}- {}\n", "    ".repeat(depth + 1), o.label));
                    question(tree, next, depth + 2, out);
                }
                Next::Recommendation(rec) => {
                    let title = tree.recommendation(rec).map_or(rec, |r| r.title.as_str());
                    out.push_str(&format!(
                        "{}- {} => {title}\n",
                        "    ".repeat(depth + 1),
                        o.label
                    ));
                }
            }
        }
    }
    let mut out = String::new();
    question(tree, &tree.start, 0, &mut out);
    out
}

#[cfg(test)]
mod tests;
