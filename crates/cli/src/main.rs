//! `gradient`: the command line front end of Gradient Studio. Thin: parses
//! arguments, calls the engine, prints. Exit codes: 0 success, 1 build or
//! validation error (message on stderr), 2 usage.

mod build;
mod image;
mod inspect;
mod interrupt;
mod output;
mod publish;
mod recommend;
mod repair;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "gradient",
    version,
    about = "Package Python projects natively: sdist, wheel and more; inspect and compare artifacts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build artifacts (default: sdist and wheel into PROJECT/dist), or
    /// applications of a published requirement.
    Build(Box<build::BuildArgs>),
    /// Print the plan: every entry the artifact will contain and why.
    Preview(Box<build::PreviewArgs>),
    /// Walk the packaging gradient and recommend an artifact.
    Recommend(recommend::RecommendArgs),
    /// Open an artifact, verify it and show everything in it (exit 1 on errors).
    Inspect(inspect::InspectArgs),
    /// Compare two artifacts (exit 0 identical, 1 different).
    Diff(inspect::DiffArgs),
    /// Check sdists and wheels, then upload them to PyPI, TestPyPI or another index.
    Publish(publish::PublishArgs),
    /// Make platform wheels manylinux/musllinux: bundle the libraries the
    /// tag does not allow, rewrite the ELF files, retag (like auditwheel repair).
    Repair(repair::RepairArgs),
}

fn main() -> ExitCode {
    // Die quietly when the reader goes away (`gradient inspect x | head`),
    // as command-line tools do, instead of panicking on the closed pipe.
    #[cfg(unix)]
    // SAFETY: setting a signal disposition to its default before any thread
    // starts has no preconditions.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Build(args) => {
            interrupt::install();
            build::build(*args)
        }
        Command::Preview(args) => {
            interrupt::install();
            build::preview(*args)
        }
        Command::Recommend(args) => recommend::run(args),
        Command::Inspect(args) => inspect::inspect(args),
        Command::Diff(args) => inspect::diff(args),
        Command::Publish(args) => publish::publish(args),
        Command::Repair(args) => {
            interrupt::install();
            repair::repair(args)
        }
    }
}
