//! `gradient inspect` and `gradient diff` (owned by the inspector work).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct InspectArgs {}
#[derive(clap::Args)]
pub struct DiffArgs {}

pub fn inspect(_args: InspectArgs) -> ExitCode {
    eprintln!("gradient inspect: not built yet");
    ExitCode::from(1)
}
pub fn diff(_args: DiffArgs) -> ExitCode {
    eprintln!("gradient diff: not built yet");
    ExitCode::from(1)
}
