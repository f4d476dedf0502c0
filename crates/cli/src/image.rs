//! `gradient inspect` and `gradient diff` for container images (OCI layouts,
//! oci-archives, docker-load tars): the engine's image report, printed.

use crate::output::{human_size, print_json};
use gradient_engine::oci::inspect::{self, ImageDiff, ImageReport};
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

fn render(r: &ImageReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", r.path, r.kind);
    if let Some(tag) = &r.tag {
        let _ = writeln!(out, "  tag:         {tag}");
    }
    let _ = writeln!(out, "  digest:      {}", r.manifest_digest);
    let _ = writeln!(out, "  platform:    {}/{}", r.os, r.architecture);
    if let Some(c) = &r.created {
        let _ = writeln!(out, "  created:     {c}");
    }
    let c = &r.config;
    let user = c.user.as_deref().unwrap_or("(root)");
    let root = if r.runs_as_root { "  RUNS AS ROOT" } else { "" };
    let _ = writeln!(out, "  user:        {user}{root}");
    if let Some(e) = &c.entrypoint {
        let _ = writeln!(out, "  entrypoint:  {}", e.join(" "));
    }
    if let Some(w) = &c.working_dir {
        let _ = writeln!(out, "  workdir:     {w}");
    }
    for e in c.env.iter().flatten() {
        let _ = writeln!(out, "  env:         {e}");
    }
    for p in c.exposed_ports.iter().flat_map(|p| p.keys()) {
        let _ = writeln!(out, "  port:        {p}");
    }
    for (k, v) in &r.annotations {
        let _ = writeln!(out, "  annotation:  {k}={v}");
    }
    if !r.python.interpreters.is_empty() {
        let _ = writeln!(out, "  python:      /{}", r.python.interpreters.join(", /"));
    }
    if !r.python.distributions.is_empty() {
        let _ = writeln!(out, "  installed:   {}", r.python.distributions.join(" "));
    }
    for (i, l) in r.layers.iter().enumerate() {
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
        for f in l.files.iter().filter(|f| f.kind != "dir").take(40) {
            let _ = writeln!(out, "  {:>10}  /{}", human_size(f.size), f.path);
        }
        let more = l
            .files
            .iter()
            .filter(|f| f.kind != "dir")
            .count()
            .saturating_sub(40);
        if more > 0 {
            let _ = writeln!(out, "  … and {more} more (--json lists all)");
        }
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
