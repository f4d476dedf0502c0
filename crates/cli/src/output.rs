//! Terminal output shared by the subcommands: a progress bar on a terminal
//! (none when piped or with `--json`), error reporting, and printing text
//! that quotes artifacts and projects. Every human-readable line passes
//! through [`shown`] (renderers also escape each quoted string, so a line
//! break inside a name cannot start a line of its own); JSON is exact.

use gradient_engine::progress::Progress;
use gradient_engine::text::shown;
use gradient_engine::Error;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::process::ExitCode;

/// A progress bar on stderr, shown only when stderr is a terminal.
pub struct TerminalProgress {
    bar: Option<ProgressBar>,
}

impl TerminalProgress {
    pub fn new(enabled: bool) -> Self {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix:>8.bold} [{bar:30}] {bytes}/{total_bytes} {msg}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        TerminalProgress { bar }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for TerminalProgress {
    fn start(&self, total_bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total_bytes);
            bar.set_position(0);
        }
    }
    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes);
        }
    }
    fn step(&self, label: &str) {
        if let Some(bar) = &self.bar {
            bar.set_prefix(label.to_string());
        }
    }
    /// A build backend's output, live, on stderr (above the bar).
    fn log(&self, line: &str) {
        let line = format!("  | {}", shown(line));
        match &self.bar {
            Some(bar) => bar.suspend(|| eprintln!("{line}")),
            None => eprintln!("{line}"),
        }
    }
    fn cancelled(&self) -> bool {
        crate::interrupt::requested()
    }
}

/// Print an engine error (to stderr; as JSON on stdout too with `--json`)
/// and return exit code 1.
pub fn fail(error: &Error, json: bool) -> ExitCode {
    // Whatever failed after a stopping signal failed because of it (the
    // terminal's Ctrl-C also reaches the interpreters a build runs).
    if crate::interrupt::requested() {
        eprint_text("interrupted: stopped cleanly; nothing was written");
        return crate::interrupt::exit_code();
    }
    eprint_text(&format!("error: {error}"));
    if json {
        let value = match error {
            Error::Project(p) => serde_json::json!({ "error": p }),
            other => serde_json::json!({ "error": other.view() }),
        };
        println!("{value}");
    }
    ExitCode::from(1)
}

/// Print rendered text on stdout, each line escaped for the terminal.
pub fn print_text(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    for line in text.lines() {
        let _ = writeln!(out, "{}", shown(line));
    }
}

/// Print rendered text on stderr, each line escaped for the terminal.
pub fn eprint_text(text: &str) {
    for line in text.lines() {
        eprintln!("{}", shown(line));
    }
}

/// Print a value as pretty JSON on stdout.
pub fn print_json<T: serde::Serialize>(value: &T) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot render JSON: {e}");
            ExitCode::from(1)
        }
    }
}

/// Human-readable byte count (binary units), e.g. `12.3 KiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_are_readable() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * 1024 * 1024), "5.0 MiB");
    }
}
