//! `gradient inspect` and `gradient diff` for container images (OCI layouts,
//! oci-archives, docker-load tars): the engine's image report, printed.

use crate::output::{human_size, print_json};
use gradient_engine::inspect::facts;
use gradient_engine::oci::inspect::{self, ImageDiff, ImageReport, LayerReport};
use gradient_engine::text::shown;
use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

fn open(path: &Path) -> Result<ImageReport, ExitCode> {
    inspect::inspect(path).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

pub fn inspect(path: &Path, json: bool) -> ExitCode {
    let report = match open(path) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if json {
        print_json(&report);
    } else {
        print!("{}", render(&report));
    }
    if report.verifies() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

pub fn diff(before: &Path, after: &Path, json: bool) -> ExitCode {
    let (a, b) = match (open(before), open(after)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let d = inspect::diff(&a, &b);
    if json {
        print_json(&d);
    } else {
        print!("{}", render_diff(&d));
    }
    if d.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The image's facts, its layers with their files, its findings, and the
/// verdict on every digest.
fn render(r: &ImageReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", r.path, r.kind);
    for f in facts::image(r) {
        let label = format!("{}:", f.label);
        let _ = writeln!(out, "  {label:<13}{}", shown(&f.value));
    }
    for (i, l) in r.layers.iter().enumerate() {
        render_layer(i, l, &mut out);
    }
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{:?} {}: {}{}",
            f.severity,
            f.code,
            f.path
                .as_deref()
                .map(|p| format!("{p}: "))
                .unwrap_or_default(),
            f.message
        );
    }
    let verdict = if r.verifies() {
        "verifies"
    } else {
        "DOES NOT VERIFY"
    };
    let _ = writeln!(
        out,
        "\n{} layers; every digest and diff_id checked: {verdict}",
        r.layers.len()
    );
    out
}

/// Files a layer lists before the rest are counted (`--json` lists all).
const LAYER_FILES_SHOWN: usize = 40;

/// A layer's origin, digests and their verification, and its first files.
fn render_layer(i: usize, l: &LayerReport, out: &mut String) {
    let ok = |b: bool| if b { "verified" } else { "MISMATCH" };
    let _ = writeln!(
        out,
        "\nlayer {i}: {} ({} compressed, {} files)\n  digest  {} {}\n  diff_id {} {}",
        l.created_by.as_deref().unwrap_or(""),
        human_size(l.size),
        l.files.len(),
        l.digest,
        ok(l.digest_ok),
        l.diff_id,
        ok(l.diff_id_ok)
    );
    let shown_files = l.files.iter().filter(|f| f.kind != "dir");
    for f in shown_files.clone().take(LAYER_FILES_SHOWN) {
        let _ = writeln!(out, "  {:>10}  /{}", human_size(f.size), f.path);
    }
    let more = shown_files.count().saturating_sub(LAYER_FILES_SHOWN);
    if more > 0 {
        let _ = writeln!(out, "  … and {more} more (--json lists all)");
    }
}

fn render_diff(d: &ImageDiff) -> String {
    let mut out = String::new();
    if d.identical() {
        let _ = writeln!(out, "identical images");
        return out;
    }
    if d.config_changed {
        let _ = writeln!(out, "configuration changed");
    }
    for l in &d.layers {
        if !l.changed {
            let _ = writeln!(
                out,
                "layer {}: unchanged {}",
                l.index,
                l.after.as_deref().unwrap_or("")
            );
            continue;
        }
        let _ = writeln!(
            out,
            "layer {}: changed {} -> {}  ({})",
            l.index,
            l.before.as_deref().unwrap_or("(none)"),
            l.after.as_deref().unwrap_or("(none)"),
            l.created_by.as_deref().unwrap_or("")
        );
        for p in &l.added {
            let _ = writeln!(out, "  + /{p}");
        }
        for p in &l.removed {
            let _ = writeln!(out, "  - /{p}");
        }
        for p in &l.modified {
            let _ = writeln!(out, "  ~ /{p}");
        }
    }
    out
}
