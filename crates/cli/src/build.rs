//! `gradient build` and `gradient preview`.
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BuildArgs {}
#[derive(clap::Args)]
pub struct PreviewArgs {}

pub fn build(_args: BuildArgs) -> ExitCode {
    ExitCode::from(1)
}
pub fn preview(_args: PreviewArgs) -> ExitCode {
    ExitCode::from(1)
}
