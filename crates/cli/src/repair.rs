//! `gradient repair WHEEL...`: platform wheels made manylinux/musllinux,
//! with the verdict before and after, the libraries grafted and what holds
//! a better tag back.

use crate::output::{human_size, TerminalProgress};
use clap::Args;
use gradient_engine::repair::{self, Options, Repaired};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct RepairArgs {
    /// Platform wheels (`linux_x86_64`) to repair.
    #[arg(required = true)]
    wheels: Vec<PathBuf>,
    #[command(flatten)]
    options: RepairOptions,
    /// Directory for the repaired wheels.
    #[arg(long, short = 'w', value_name = "DIR", default_value = "wheelhouse")]
    wheel_dir: PathBuf,
    /// Print a machine-readable result on stdout.
    #[arg(long)]
    json: bool,
}

/// The repair settings; shared with `gradient build`.
#[derive(Args, Clone, Default)]
pub struct RepairOptions {
    /// The platform tag to ask for (manylinux_2_28_x86_64, manylinux2014_x86_64,
    /// musllinux_1_2_x86_64, ...). Default: the most compatible one the code allows.
    #[arg(long, value_name = "TAG", help_heading = "Wheel repair")]
    pub plat: Option<String>,
    /// A library (soname) never to bundle, such as libEGL.so.1 or libcuda.so.1: left to the system. Repeatable.
    #[arg(long, value_name = "SONAME", help_heading = "Wheel repair")]
    pub exclude: Vec<String>,
    /// A directory to search for needed libraries (after each file's own
    /// search path; LD_LIBRARY_PATH is searched too). Repeatable.
    #[arg(long, value_name = "DIR", help_heading = "Wheel repair")]
    pub lib_path: Vec<PathBuf>,
}

impl RepairOptions {
    pub fn engine(&self) -> Options {
        Options {
            plat: self.plat.clone(),
            exclude: self.exclude.clone(),
            lib_paths: self.lib_path.clone(),
        }
    }
}

pub fn repair(args: RepairArgs) -> ExitCode {
    let opts = args.options.engine();
    let mut results = Vec::new();
    for wheel in &args.wheels {
        let progress = TerminalProgress::new(!args.json);
        let result = repair::repair(wheel, &opts, &args.wheel_dir, &progress);
        progress.finish();
        match result {
            Ok(r) => {
                if !args.json {
                    crate::output::print_text(&render(&r));
                }
                results.push(r);
            }
            Err(e) => return crate::output::fail(&e, args.json),
        }
    }
    if args.json {
        return crate::output::print_json(&results);
    }
    ExitCode::SUCCESS
}

/// The repair in words: before, what was grafted, after.
pub fn render(r: &Repaired) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "repaired {} -> {} ({})",
        r.input.display(),
        r.written.path.display(),
        human_size(r.written.size)
    );
    let _ = writeln!(out, "  before: {}", r.before.tag);
    for lib in &r.before.external_libraries {
        let _ = writeln!(out, "    needs {lib} from the system");
    }
    for g in &r.grafted {
        let _ = writeln!(
            out,
            "  grafted {} from {} as {} (needed by {})",
            g.soname,
            g.from.display(),
            g.path,
            g.needed_by.join(", ")
        );
    }
    for path in &r.rewritten {
        let _ = writeln!(out, "  rewrote {path}");
    }
    let _ = writeln!(out, "  after:  {}", r.tags.join("."));
    if let Some(b) = &r.held_back {
        let _ = writeln!(out, "  held back from {}: {}", b.tag, b.describe());
    }
    out
}
