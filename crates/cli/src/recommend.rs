//! `gradient recommend`: walk the packaging gradient in a terminal, or answer
//! it with `--answer KEY=VALUE` (and `--json`) without one.

use crate::output::print_json;
use clap::Args;
use gradient_engine::gradient::{self, Outcome, Prefilled, Question, RecommendationView, Tree};
use gradient_engine::project::Project;
use gradient_engine::text::shown;
use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RecommendArgs {
    /// A project whose pyproject.toml and sources pre-fill answers. Default:
    /// the current directory, when it holds a pyproject.toml.
    project: Option<PathBuf>,
    /// Answer a question without being asked (repeatable), e.g.
    /// `--answer audience=application`.
    #[arg(long = "answer", short = 'a', value_parser = parse_answer)]
    answers: Vec<(String, String)>,
    /// Print JSON and never prompt: the recommendation, or the next question.
    #[arg(long)]
    json: bool,
    /// Print the whole decision tree instead (as JSON with --json).
    #[arg(long)]
    tree: bool,
}

fn parse_answer(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| format!("`{s}`: expected KEY=VALUE"))
}

fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    crate::output::eprint_text(&format!("error: {message}"));
    ExitCode::from(2)
}

pub fn run(args: RecommendArgs) -> ExitCode {
    let tree = match gradient::tree() {
        Ok(tree) => tree,
        Err(e) => return crate::output::fail(&e, args.json),
    };
    if args.tree {
        return if args.json {
            print_json(tree)
        } else {
            print!("{}", gradient::render_tree(tree));
            ExitCode::SUCCESS
        };
    }
    let answers: BTreeMap<String, String> = args.answers.into_iter().collect();
    if let Err(e) = gradient::check_answers(tree, &answers) {
        return usage_error(e);
    }
    let prefill = match prefill_from(args.project) {
        Ok(p) => p,
        Err(e) => return crate::output::fail(&e, args.json),
    };
    let interactive = !args.json && std::io::stdin().is_terminal();
    if interactive {
        return ask(tree, answers, &prefill);
    }
    // Without a terminal, pre-filled answers count as given: they are
    // reported with their source in the path.
    match gradient::walk(tree, &answers, &prefill, true) {
        Ok(outcome) if args.json => print_json(&outcome),
        Ok(Outcome::Recommendation {
            recommendation,
            path,
        }) => {
            for step in &path {
                println!(
                    "{}: {} ({})",
                    step.question,
                    shown(&step.value),
                    shown(&step.source)
                );
            }
            print_recommendation(&recommendation);
            ExitCode::SUCCESS
        }
        Ok(Outcome::NextQuestion {
            question, default, ..
        }) => {
            print_question(&question, default.as_ref());
            println!("\nanswer with: --answer {}=VALUE", question.id);
            ExitCode::SUCCESS
        }
        Err(e) => usage_error(e),
    }
}

fn prefill_from(project: Option<PathBuf>) -> gradient_engine::Result<BTreeMap<String, Prefilled>> {
    let dir = match project {
        Some(dir) => dir,
        None if std::path::Path::new("pyproject.toml").is_file() => PathBuf::from("."),
        None => return Ok(BTreeMap::new()),
    };
    let project = Project::load(&dir)?;
    Ok(gradient::prefill(&gradient::facts(&project)?))
}

/// Ask each unanswered question on the terminal (numbers; Enter takes the
/// pre-filled default) until a recommendation.
fn ask(
    tree: &Tree,
    mut answers: BTreeMap<String, String>,
    prefill: &BTreeMap<String, Prefilled>,
) -> ExitCode {
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    loop {
        match gradient::walk(tree, &answers, &BTreeMap::new(), false) {
            Ok(Outcome::Recommendation { recommendation, .. }) => {
                println!();
                print_recommendation(&recommendation);
                return ExitCode::SUCCESS;
            }
            Ok(Outcome::NextQuestion { question, .. }) => {
                let default = prefill.get(&question.id);
                print_question(&question, default);
                let choice = loop {
                    print!("> ");
                    let _ = std::io::stdout().flush();
                    let Some(Ok(line)) = lines.next() else {
                        return usage_error("no answer (end of input)");
                    };
                    let line = line.trim();
                    if line.is_empty() {
                        if let Some(d) = default {
                            break d.value.clone();
                        }
                    } else if let Some(o) = line
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| question.options.get(n.wrapping_sub(1)))
                    {
                        break o.value.clone();
                    } else if question.options.iter().any(|o| o.value == line) {
                        break line.to_string();
                    }
                    println!("Type a number from 1 to {}.", question.options.len());
                };
                answers.insert(question.id.clone(), choice);
            }
            Err(e) => return usage_error(e),
        }
    }
}

fn print_question(question: &Question, default: Option<&Prefilled>) {
    println!("\n{}\n", question.text);
    println!("{}\n", question.explain.trim());
    for (i, o) in question.options.iter().enumerate() {
        let mark = if default.is_some_and(|d| d.value == o.value) {
            " (default)"
        } else {
            ""
        };
        println!(
            "  {}. {}{mark}  [{}={}]",
            i + 1,
            o.label,
            question.id,
            o.value
        );
    }
    if let Some(d) = default {
        println!("  default from {}", shown(&d.source));
    }
}

fn print_recommendation(view: &RecommendationView) {
    let r = &view.recommendation;
    println!("Recommendation: {}\n", r.title);
    println!("{}\n", r.why.trim());
    println!("  bundles:        {}", r.bundles.join(", "));
    println!("  target provides: {}", view.assumes.join(", "));
    println!("  start-up:       {}", r.startup);
    println!("  size:           {}", r.size);
    println!("  security fixes: {}", r.updates);
    match (&r.format, &view.not_yet, &r.how_to) {
        (Some(f), None, _) => println!("\nBuild it: gradient build --format {}", f.name()),
        (Some(f), Some(why), _) => println!(
            "\nGradient will build it as `--format {}` ({why}).",
            f.name()
        ),
        (None, _, Some(how)) => println!("\nHow to get there: {how}"),
        (None, _, None) => {}
    }
    if !r.runners_up.is_empty() {
        println!("\nAlso consider:");
        for runner in &r.runners_up {
            println!("  - {}: {}", runner.id, runner.why);
        }
    }
}
