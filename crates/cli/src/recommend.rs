//! `gradient recommend` (owned by the gradient work).
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RecommendArgs {}

pub fn run(_args: RecommendArgs) -> ExitCode {
    eprintln!("gradient recommend: not built yet");
    ExitCode::from(1)
}
