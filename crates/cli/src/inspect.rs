//! `gradient inspect FILE` and `gradient diff A B`: print what the engine's
//! inspector found. Exit codes: inspect 0 verifies / 1 has errors; diff 0
//! identical / 1 different; 2 for usage errors and unreadable files.

use crate::output::{human_size, print_json, print_text};
use clap::Args;
use gradient_engine::inspect::diff::{self, Change, Diff};
use gradient_engine::inspect::facts::{Layout, Section};
use gradient_engine::inspect::{self, Fact, Report, Severity};
use gradient_engine::text::shown;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct InspectArgs {
    /// A wheel, sdist, zipapp (.pyz, shiv, pex), Debian package, zip or tar archive,
    /// ELF file, or a container image (OCI layout directory, oci-archive, docker-load tar).
    file: PathBuf,
    /// Print the whole report as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The earlier artifact.
    before: PathBuf,
    /// The later artifact.
    after: PathBuf,
    /// Print the differences as JSON.
    #[arg(long)]
    json: bool,
}

fn open(path: &Path) -> Result<Report, ExitCode> {
    inspect::inspect(path).map_err(|e| {
        crate::output::eprint_text(&format!("error: {e}"));
        ExitCode::from(2)
    })
}

pub fn inspect(args: InspectArgs) -> ExitCode {
    if gradient_engine::oci::inspect::is_image(&args.file) {
        return crate::image::inspect(&args.file, args.json);
    }
    let report = match open(&args.file) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if args.json {
        print_json(&report);
    } else {
        print_text(&render(&report));
    }
    if report.verifies() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn diff(args: DiffArgs) -> ExitCode {
    if gradient_engine::oci::inspect::is_image(&args.before) {
        return crate::image::diff(&args.before, &args.after, args.json);
    }
    compare_files(&args.before, &args.after, args.json)
}

/// Compare two artifacts (not images) and print the differences: exit 0
/// when identical, 1 when not, 2 when they cannot be compared.
pub fn compare_files(before: &Path, after: &Path, json: bool) -> ExitCode {
    let (a, b) = match (open(before), open(after)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    for report in [&a, &b] {
        if let Err(why) = diff::comparable(report) {
            eprintln!("error: cannot compare {why}");
            return ExitCode::from(2);
        }
    }
    let d = diff::diff(&a, &b);
    if json {
        print_json(&d);
    } else {
        print_text(&render_diff(&d));
    }
    if d.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The human report: facts first, the file list, findings last (nearest
/// the prompt), then the verdict line.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {}, {}, sha256 {}",
        shown(&r.path),
        r.kind.name(),
        human_size(r.size),
        r.sha256
    );
    // The first line says the artifact's facts; the lists below say the
    // contents in full; the platform verdict follows the native code.
    let facts = inspect::facts(r);
    let before_files = |f: &&Fact| {
        !matches!(
            f.section,
            Section::Artifact | Section::Contents | Section::Platform
        )
    };
    out.push_str(&render_facts(facts.iter().filter(before_files)));
    render_files(r, &mut out);
    render_bytecode(r, &mut out);
    render_native(r, &mut out);
    out.push_str(&render_facts(
        facts.iter().filter(|f| f.section == Section::Platform),
    ));
    render_findings(r, &mut out);
    let (errors, warnings) = (r.count(Severity::Error), r.count(Severity::Warning));
    let _ = writeln!(
        out,
        "{}: {errors} errors, {warnings} warnings",
        if r.verifies() {
            "verifies"
        } else {
            "DOES NOT VERIFY"
        }
    );
    out
}

/// Facts as lines, laid out as each says; every string shown escaped.
fn render_facts<'a>(facts: impl Iterator<Item = &'a Fact>) -> String {
    let mut lines: Vec<String> = Vec::new();
    for f in facts {
        let (label, value) = (shown(&f.label), shown(&f.value));
        let text = match f.layout {
            Layout::Line | Layout::Beside => format!("  {label}: {value}"),
            Layout::Word | Layout::WordBeside => format!("  {label} {value}"),
            Layout::Heading => format!("{label}: {value}"),
            Layout::Lines => {
                let lines: Vec<_> = f.value.split('\n').map(shown).collect();
                format!("  {label}: {}", lines.join("\n    "))
            }
            Layout::Text => {
                let quoted = f.value.lines().map(|l| format!("\n  | {}", shown(l)));
                format!("{label}:{}", quoted.collect::<String>())
            }
        };
        match (f.layout, lines.last_mut()) {
            (Layout::Beside | Layout::WordBeside, Some(line)) => line.push_str(&text),
            _ => lines.push(text),
        }
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}

/// Every entry with its size, and its kind and target when not a file.
fn render_files(r: &Report, out: &mut String) {
    let files: Vec<_> = r.entries.iter().filter(|m| m.is_file()).collect();
    let total: u64 = files.iter().map(|m| m.size).sum();
    let _ = writeln!(out, "files ({}, {}):", files.len(), human_size(total));
    for m in &r.entries {
        let kind = match m.kind {
            inspect::archive::MemberKind::File => "",
            inspect::archive::MemberKind::Dir => " (directory)",
            inspect::archive::MemberKind::Symlink => " (symlink)",
            inspect::archive::MemberKind::Hardlink => " (hard link)",
            inspect::archive::MemberKind::Special => " (special)",
        };
        let target = m
            .target
            .as_deref()
            .map(|t| format!(" -> {}", shown(t)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:>10}  {}{kind}{target}",
            human_size(m.size),
            shown(&m.path)
        );
    }
}

fn render_bytecode(r: &Report, out: &mut String) {
    if r.bytecode.is_empty() {
        return;
    }
    let _ = writeln!(out, "bytecode:");
    for p in &r.bytecode {
        let _ = writeln!(
            out,
            "  {}: magic {} (Python {})",
            shown(&p.path),
            p.magic,
            shown(p.python.as_deref().unwrap_or("unknown"))
        );
    }
}

/// ELF files with the symbol versions they need, then Mach-O and PE files.
fn render_native(r: &Report, out: &mut String) {
    if !r.native.is_empty() || !r.foreign.is_empty() {
        let _ = writeln!(out, "native code:");
        for e in &r.native {
            let _ = writeln!(
                out,
                "  {}: {} {}-bit {}, needs {}",
                shown(&e.path),
                e.machine,
                e.bits,
                e.kind,
                if e.needed.is_empty() {
                    "no library".to_string()
                } else {
                    shown(&e.needed.join(", ")).to_string()
                }
            );
            for (lib, versions) in &e.version_needs {
                for (version, symbols) in versions {
                    let list: Vec<&str> = symbols.iter().map(String::as_str).collect();
                    let _ = writeln!(
                        out,
                        "    {} ({}): {}",
                        shown(version),
                        shown(lib),
                        shown(&list.join(", "))
                    );
                }
            }
        }
    }
    for f in &r.foreign {
        let min: Vec<String> = f
            .min_macos
            .iter()
            .map(|(arch, v)| format!("{arch} macOS {v}+"))
            .collect();
        let _ = writeln!(
            out,
            "  {}: {} {}{}, needs {}",
            f.path,
            f.format,
            f.arches.join("+"),
            if min.is_empty() {
                String::new()
            } else {
                format!(" ({})", min.join(", "))
            },
            f.needed.join(", ")
        );
    }
}

fn render_findings(r: &Report, out: &mut String) {
    if r.findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "findings:");
    for f in &r.findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        let path = f
            .path
            .as_deref()
            .map(|p| format!("{}: ", shown(p)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {severity:<7} {} {path}{}",
            f.code,
            shown(&f.message)
        );
    }
}

fn section<T>(out: &mut String, title: &str, changes: &[Change<T>], show: impl Fn(&T) -> String) {
    if changes.is_empty() {
        return;
    }
    let _ = writeln!(out, "{title}:");
    // A list item's key already ends with its value (`Classifier: X`).
    let item = |key: &str, value: String| {
        if key.ends_with(&format!(": {value}")) {
            key.to_string()
        } else {
            format!("{key}: {value}")
        }
    };
    for c in changes {
        let line = match (&c.before, &c.after) {
            (None, Some(a)) => format!("  + {}", shown(&item(&c.key, show(a)))),
            (Some(b), None) => format!("  - {}", shown(&item(&c.key, show(b)))),
            (Some(b), Some(a)) => format!(
                "  ~ {}: {} -> {}",
                shown(&c.key),
                shown(&show(b)),
                shown(&show(a))
            ),
            (None, None) => continue,
        };
        let _ = writeln!(out, "{line}");
    }
}

pub fn render_diff(d: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "before: {} ({})\nafter:  {} ({})",
        shown(&d.before),
        d.kinds[0].name(),
        shown(&d.after),
        d.kinds[1].name()
    );
    if let Some(c) = d.native.iter().find(|c| c.key == diff::PLATFORM) {
        let _ = writeln!(
            out,
            "platform verdict changed: {} -> {}",
            shown(c.before.as_deref().unwrap_or("(no native code)")),
            shown(c.after.as_deref().unwrap_or("(no native code)"))
        );
    }
    section(&mut out, "metadata", &d.metadata, String::clone);
    section(&mut out, "dependencies", &d.dependencies, String::clone);
    section(&mut out, "tags", &d.tags, |_| String::new());
    section(&mut out, "entry points", &d.entry_points, String::clone);
    if !d.files.is_empty() {
        let added = d.files.iter().filter(|f| f.before.is_none()).count();
        let removed = d.files.iter().filter(|f| f.after.is_none()).count();
        let changed = d.files.len() - added - removed;
        let _ = writeln!(
            out,
            "files: {added} added, {removed} removed, {changed} changed, {} unchanged",
            d.unchanged_files
        );
        for f in &d.files {
            let _ = match (&f.before, &f.after) {
                (None, Some(a)) => writeln!(out, "  + {} ({})", shown(&f.path), human_size(a.size)),
                (Some(b), None) => writeln!(out, "  - {} ({})", shown(&f.path), human_size(b.size)),
                (Some(b), Some(a)) => writeln!(
                    out,
                    "  ~ {} ({} -> {})",
                    shown(&f.path),
                    human_size(b.size),
                    human_size(a.size)
                ),
                (None, None) => Ok(()),
            };
        }
    }
    section(&mut out, "bytecode", &d.bytecode, String::clone);
    section(&mut out, "native code", &d.native, String::clone);
    let _ = writeln!(
        out,
        "{}",
        if d.identical() {
            "identical"
        } else {
            "different"
        }
    );
    out
}
