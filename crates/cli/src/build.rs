//! `gradient build` and `gradient preview`: load the project, plan, write.

use crate::output::{eprint_text, fail, human_size, print_json, print_text, TerminalProgress};
use clap::Args;
use gradient_engine::build::{self, AppOptions, BuildRequest, TargetChoice};
use gradient_engine::closure::Sources;
use gradient_engine::deb;
use gradient_engine::frontend;
use gradient_engine::plan::{Format, Plan};
use gradient_engine::project::Project;
use gradient_engine::text::shown;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct BuildArgs {
    /// The project directory (holding pyproject.toml), or the PEP 508
    /// requirement of a published application (`black==26.10.1`) to build
    /// an application format of; an existing path always wins.
    #[arg(default_value = ".", value_name = "PROJECT|REQUIREMENT")]
    project: PathBuf,
    /// Format(s) to build; repeat for several. Default: sdist and wheel.
    #[arg(long = "format", short = 'f', value_parser = parse_format)]
    formats: Vec<Format>,
    /// Output directory. Default: PROJECT/dist (./dist for a requirement).
    #[arg(long, short = 'o')]
    out: Option<PathBuf>,
    /// Build with Gradient's native builder even when [build-system] names
    /// another backend (refused when the project compiles code).
    #[arg(long)]
    native: bool,
    /// Build the wheel both with the project's backend and with the native
    /// builder, and show how the native one would differ (exit 0 when they
    /// are the same, 1 when not); nothing is written to the output directory.
    #[arg(long, conflicts_with_all = ["native", "publish", "formats", "out"])]
    compare: bool,
    /// A PEP 517 config setting for the project's backend (repeatable; a
    /// repeated KEY becomes a list).
    #[arg(long = "config-setting", short = 'C', value_name = "KEY=VALUE")]
    config_settings: Vec<String>,
    /// Override `[tool.gradient] wheel-from-sdist` for this build.
    #[arg(long, value_name = "BOOL")]
    wheel_from_sdist: Option<bool>,
    #[command(flatten)]
    app: AppArgs,
    /// Deliver a platform wheel as the backend built it (`linux_<arch>`),
    /// without bundling libraries and retagging it manylinux/musllinux.
    #[arg(long, help_heading = "Wheel repair")]
    no_repair: bool,
    #[command(flatten)]
    repair: crate::repair::RepairOptions,
    /// Then publish the sdist and wheel built (see `gradient publish`).
    #[arg(long, help_heading = "Publishing")]
    publish: bool,
    #[command(flatten)]
    target: crate::publish::TargetArgs,
    /// Print a machine-readable result (paths, sizes, sha256) on stdout.
    #[arg(long)]
    json: bool,
}

/// Choices for application formats (zipapp).
#[derive(Args)]
pub struct AppArgs {
    /// The interpreter to build for (run once to describe it). Default: python3 on PATH.
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "target",
        help_heading = "Applications"
    )]
    python: Option<PathBuf>,
    /// A python-build-standalone install_only archive to freeze (--format exe).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["python", "target"], help_heading = "Applications")]
    runtime: Option<PathBuf>,
    /// Describe the target without running it, e.g. 3.12-manylinux_2_28_x86_64.
    #[arg(long, value_name = "TARGET", help_heading = "Applications")]
    target: Option<String>,
    /// A directory of wheels to resolve from (repeatable).
    #[arg(long, value_name = "DIR", help_heading = "Applications")]
    wheelhouse: Vec<PathBuf>,
    /// A simple-API index URL (repeatable). Default: https://pypi.org/simple/ when no
    /// wheelhouse, index or lock is given.
    #[arg(long, value_name = "URL", help_heading = "Applications")]
    index: Vec<String>,
    /// Install exactly what this PEP 751 lock file says (no resolution).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["wheelhouse", "index"], help_heading = "Applications")]
    lock: Option<PathBuf>,
    /// Write the resolved closure as a PEP 751 lock file (pylock.toml).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "lock",
        help_heading = "Applications"
    )]
    write_lock: Option<PathBuf>,
    /// The application's file name (default: NAME-VERSION.pyz for a zipapp,
    /// NAME for an executable); usage lines print it.
    #[arg(long = "name", value_name = "FILE", help_heading = "Applications")]
    file_name: Option<String>,
    /// The console script to run (by name), or module:function.
    #[arg(long, value_name = "NAME", help_heading = "Applications")]
    entry: Option<String>,
    /// The zipapp's interpreter line, without #! (default: /usr/bin/env python3).
    #[arg(long, value_name = "LINE", help_heading = "Applications")]
    shebang: Option<String>,
    /// Debian package layout: bundled (its own Python, default) or system (Debian's python3).
    #[arg(long, value_name = "LAYOUT", help_heading = "Debian packages")]
    deb_layout: Option<deb::Layout>,
    /// Debian package compression: zstd (default), xz or gzip.
    #[arg(long, value_name = "KIND", help_heading = "Debian packages")]
    deb_compression: Option<deb::Compression>,
    #[command(flatten)]
    oci: OciArgs,
}

/// Choices for container images (--format oci).
#[derive(Args)]
pub struct OciArgs {
    /// The base: a directory of .deb files, oci:DIR[:TAG], oci-archive:FILE,
    /// docker-archive:FILE or a registry reference.
    #[arg(long, value_name = "BASE", help_heading = "Container images")]
    base: Option<String>,
    /// The image's NAME[:TAG] (default: the project's name and version).
    #[arg(long, value_name = "NAME:TAG", help_heading = "Container images")]
    tag: Option<String>,
    /// Push to REGISTRY/REPOSITORY:TAG after building.
    #[arg(long, value_name = "REF", help_heading = "Container images")]
    push: Option<String>,
    /// Plain HTTP, for a registry on this machine (loopback) only.
    #[arg(long, help_heading = "Container images")]
    insecure: bool,
    /// Use the base image's Python (it must match the target) instead of bundling one.
    #[arg(long, help_heading = "Container images")]
    base_python: bool,
    /// The user the container runs as (default: a non-root user).
    #[arg(long, value_name = "USER", help_heading = "Container images")]
    user: Option<String>,
}

impl OciArgs {
    fn apply(self, options: &mut gradient_engine::oci::Options) {
        let s = &mut options.settings;
        s.base = self.base.or(s.base.take());
        s.tag = self.tag.or(s.tag.take());
        s.push = self.push.or(s.push.take());
        s.user = self.user.or(s.user.take());
        options.insecure = self.insecure;
        options.base_python = self.base_python;
    }
}

impl AppArgs {
    /// `[tool.gradient.app]` of the project, with each flag given overriding
    /// its setting (any source flag replaces every configured source).
    fn options(self, project: &Project) -> AppOptions {
        let mut options = AppOptions::from_project(project);
        match (self.python, self.target, self.runtime) {
            (Some(p), _, _) => options.target = TargetChoice::Python(p),
            (None, Some(t), _) => options.target = TargetChoice::Spec(t),
            (None, None, Some(r)) => options.target = TargetChoice::Runtime(r),
            (None, None, None) => {}
        }
        if !self.wheelhouse.is_empty() || !self.index.is_empty() || self.lock.is_some() {
            options.sources = Sources {
                wheelhouses: self.wheelhouse,
                indexes: self.index,
                lock: self.lock,
                cache: None,
            };
        }
        options.zipapp.entry = self.entry.or(options.zipapp.entry);
        options.zipapp.shebang = self.shebang.or(options.zipapp.shebang);
        options.write_lock = self.write_lock;
        options.deb = deb::Options {
            layout: self.deb_layout,
            compression: self.deb_compression,
        };
        self.oci.apply(&mut options.oci);
        options.file_name = self.file_name;
        options
    }
}

#[derive(Args)]
pub struct PreviewArgs {
    /// The project directory (holding pyproject.toml), or the requirement
    /// of a published application (as for `build`).
    #[arg(default_value = ".", value_name = "PROJECT|REQUIREMENT")]
    project: PathBuf,
    /// The format to preview.
    #[arg(long = "format", short = 'f', value_parser = parse_format, default_value = "wheel")]
    format: Format,
    /// Also list the project files left out, with the rule that left each out.
    #[arg(long)]
    excluded: bool,
    /// Show Gradient's own plan for an sdist or wheel even when
    /// [build-system] names another backend (by default that backend builds
    /// the archive now, and the preview lists what it wrote).
    #[arg(long)]
    native: bool,
    /// A PEP 517 config setting for the project's backend (repeatable; a
    /// repeated KEY becomes a list).
    #[arg(long = "config-setting", short = 'C', value_name = "KEY=VALUE")]
    config_settings: Vec<String>,
    #[command(flatten)]
    app: AppArgs,
    /// Print the plan as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    let format: Format = s.parse()?;
    format
        .availability()
        .map(|()| format)
        .map_err(|why| format!("`{s}` cannot be built yet: {why}"))
}

pub fn build(args: BuildArgs) -> ExitCode {
    match build::published::classify(&args.project) {
        Ok(build::published::Input::Project(_)) => {}
        Ok(build::published::Input::Requirement(requirement)) => {
            return build_requirement(args, &requirement)
        }
        Err(e) => return fail(&e, args.json),
    }
    if args.compare {
        return compare(args);
    }
    if !args.native {
        match frontend::BuildSystem::read(&args.project) {
            Ok(system) if system.needs_backend(&args.project) => {
                return build_with_backend(args, &system)
            }
            Ok(_) => {}
            Err(e) => return fail(&e, args.json),
        }
    }
    let mut project = match Project::load(&args.project) {
        Ok(p) => p,
        Err(e) => return fail(&e.into(), args.json),
    };
    if let Some(from_sdist) = args.wheel_from_sdist {
        project.settings.wheel_from_sdist = from_sdist;
    }
    let request = BuildRequest {
        formats: default_formats(args.formats),
        out_dir: args.out.unwrap_or_else(|| project.root.join("dist")),
        native: args.native,
        app: args.app.options(&project),
    };
    if request
        .formats
        .iter()
        .any(|f| matches!(f, Format::Zipapp | Format::Exe))
    {
        announce(&request.app, &project);
    }
    let progress = TerminalProgress::new(!args.json);
    let result = build::build(&project, &request, &progress);
    progress.finish();
    finish(result, &args.target, args.publish, args.json)
}

/// `gradient build REQUIREMENT`: an application someone else published,
/// resolved from the sources given, built into `--out` or `./dist`.
fn build_requirement(
    args: BuildArgs,
    requirement: &gradient_engine::names::Requirement,
) -> ExitCode {
    let for_projects = [
        ("--publish", args.publish),
        ("--compare", args.compare),
        ("--native", args.native),
        ("--config-setting", !args.config_settings.is_empty()),
        ("--wheel-from-sdist", args.wheel_from_sdist.is_some()),
        ("--no-repair", args.no_repair),
    ];
    if let Some((flag, _)) = for_projects.iter().find(|(_, given)| *given) {
        let e = gradient_engine::Error::Plan(format!(
            "{flag} builds a project directory; a requirement is built only into applications (--format zipapp, exe, deb or oci)"
        ));
        return fail(&e, args.json);
    }
    let here = Project::unnamed(Path::new("."));
    let request = BuildRequest {
        formats: args.formats,
        out_dir: args.out.unwrap_or_else(|| PathBuf::from("dist")),
        native: false,
        app: args.app.options(&here),
    };
    if !args.json {
        // A mistyped directory reads as a requirement: say which it was.
        eprint_text(&format!(
            "gradient: no directory {} here: building the published application `{requirement}`",
            args.project.display()
        ));
    }
    announce(&request.app, &here);
    let progress = TerminalProgress::new(!args.json);
    let result = build::published::build(requirement, &request, &progress);
    progress.finish();
    finish(result, &args.target, false, args.json)
}

/// `gradient build` of a project whose own PEP 517 backend builds it.
fn build_with_backend(args: BuildArgs, system: &frontend::BuildSystem) -> ExitCode {
    let config = match frontend::ConfigSettings::parse(&args.config_settings) {
        Ok(config) => config,
        Err(e) => return fail(&e, args.json),
    };
    let formats = default_formats(args.formats);
    if !args.json {
        eprint_text(&format!(
            "gradient: building with the project's backend `{}` (requires {:?})",
            system.backend, system.requires
        ));
    }
    let request = frontend::Request {
        out_dir: args.out.unwrap_or_else(|| args.project.join("dist")),
        formats,
        repair: (!args.no_repair).then(|| args.repair.engine()),
        ..backend_request(&args.project, &args.app, config)
    };
    let progress = TerminalProgress::new(!args.json);
    let result = frontend::build(&request, &progress);
    progress.finish();
    finish(result, &args.target, args.publish, args.json)
}

/// A build of the tree at `root` by its own backend, with the interpreter
/// and sources the application options name: a wheel into `root/dist`,
/// delivered as built, the sources of a failure kept.
fn backend_request(
    root: &Path,
    app: &AppArgs,
    config: frontend::ConfigSettings,
) -> frontend::Request {
    frontend::Request {
        out_dir: root.join("dist"),
        root: root.to_path_buf(),
        formats: vec![Format::Wheel],
        python: app.python.clone(),
        config,
        sources: Sources {
            wheelhouses: app.wheelhouse.clone(),
            indexes: app.index.clone(),
            lock: None,
            cache: None,
        },
        repair: None,
        keep_failed: true,
    }
}

/// `--compare`: the backend's wheel against the native builder's, for
/// people moving a project to the native builder.
fn compare(args: BuildArgs) -> ExitCode {
    let system = match frontend::BuildSystem::read(&args.project) {
        Ok(system) if system.needs_backend(&args.project) => system,
        Ok(_) => {
            let e = gradient_engine::Error::Plan(format!(
                "{}: Gradient's own builder builds this project already: there is no other backend to compare with",
                args.project.display()
            ));
            return fail(&e, args.json);
        }
        Err(e) => return fail(&e, args.json),
    };
    let scratch = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(e) => {
            return fail(
                &gradient_engine::Error::io(std::env::temp_dir(), e),
                args.json,
            )
        }
    };
    let progress = TerminalProgress::new(!args.json);
    let wheels = compared_wheels(&args, &system, scratch.path(), &progress);
    progress.finish();
    let (theirs, ours) = match wheels {
        Ok(pair) => pair,
        Err(e) => return fail(&e, args.json),
    };
    if !args.json {
        eprint_text(&format!(
            "gradient: {} (by `{}`) against {} (native)",
            display_path(&theirs),
            system.backend,
            display_path(&ours)
        ));
    }
    crate::inspect::compare_files(&theirs, &ours, args.json)
}

/// The wheel the backend builds and the one the native builder builds.
fn compared_wheels(
    args: &BuildArgs,
    system: &frontend::BuildSystem,
    scratch: &Path,
    progress: &TerminalProgress,
) -> gradient_engine::Result<(PathBuf, PathBuf)> {
    let config = frontend::ConfigSettings::parse(&args.config_settings)?;
    let request = frontend::Request {
        out_dir: scratch.join("backend"),
        ..backend_request(&args.project, &args.app, config)
    };
    let theirs = frontend::build(&request, progress)?;
    let project = Project::load(&args.project)?;
    let native = BuildRequest {
        formats: vec![Format::Wheel],
        out_dir: scratch.join("native"),
        native: true,
        app: AppOptions::default(),
    };
    let ours = build::build(&project, &native, progress)?;
    let wheel = |r: &build::BuildReport| {
        r.artifacts
            .iter()
            .find(|a| a.format == Format::Wheel)
            .map(|a| a.written.path.clone())
            .ok_or_else(|| {
                gradient_engine::Error::Plan(format!("`{}` built no wheel", system.backend))
            })
    };
    Ok((wheel(&theirs)?, wheel(&ours)?))
}

/// The requested formats, sdist and wheel when none was named.
fn default_formats(mut formats: Vec<Format>) -> Vec<Format> {
    if formats.is_empty() {
        formats = vec![Format::Sdist, Format::Wheel];
    }
    formats.dedup();
    formats
}

/// Report a build's result, then publish what it built when asked.
fn finish(
    result: gradient_engine::Result<build::BuildReport>,
    target: &crate::publish::TargetArgs,
    publish: bool,
    json: bool,
) -> ExitCode {
    let report = match result {
        Ok(report) => report,
        Err(e) => return fail(&e, json),
    };
    if publish {
        return build_and_publish(&report, target, json);
    }
    print_report(&report, json)
}

/// Notes on stderr, artifact paths on stdout (or the report as JSON).
fn print_report(report: &build::BuildReport, json: bool) -> ExitCode {
    if json {
        return print_json(report);
    }
    for note in &report.notes {
        eprint_text(&format!("note: {}", shown(note)));
    }
    for artifact in &report.artifacts {
        print_text(&shown(&display_path(&artifact.written.path)));
    }
    for image in &report.images {
        println!("{} {}", image.reference, image.digest);
        if let Some(p) = &image.pushed {
            println!("{}@{}", p.reference, p.digest);
        }
    }
    ExitCode::SUCCESS
}

/// `gradient build --publish`: publish the sdists and wheels just built.
fn build_and_publish(
    report: &build::BuildReport,
    target: &crate::publish::TargetArgs,
    json: bool,
) -> ExitCode {
    let files: Vec<PathBuf> = report
        .artifacts
        .iter()
        .filter(|a| matches!(a.format, Format::Sdist | Format::Wheel))
        .map(|a| a.written.path.clone())
        .collect();
    if !json {
        for artifact in &report.artifacts {
            println!("{}", display_path(&artifact.written.path));
        }
    }
    let (published, code) = crate::publish::run(&files, target, json);
    if json {
        print_json(&serde_json::json!({ "build": report, "publish": published }));
    }
    code
}

pub fn preview(args: PreviewArgs) -> ExitCode {
    let requirement = match build::published::classify(&args.project) {
        Ok(build::published::Input::Requirement(r)) => Some(r),
        Ok(build::published::Input::Project(_)) => None,
        Err(e) => return fail(&e, args.json),
    };
    if requirement.is_none() && matches!(args.format, Format::Sdist | Format::Wheel) && !args.native
    {
        match frontend::BuildSystem::read(&args.project) {
            Ok(system) if system.needs_backend(&args.project) => return preview_with_backend(args),
            Ok(_) => {}
            Err(e) => return fail(&e, args.json),
        }
    }
    let project = match &requirement {
        Some(_) => Project::unnamed(Path::new(".")),
        None => match Project::load(&args.project) {
            Ok(p) => p,
            Err(e) => return fail(&e.into(), args.json),
        },
    };
    let options = args.app.options(&project);
    if !matches!(args.format, Format::Sdist | Format::Wheel) {
        announce(&options, &project);
    }
    let progress = TerminalProgress::new(!args.json);
    let cache = build::ClosureCache::default();
    let previewed = match &requirement {
        Some(r) => build::published::preview(r, args.format, &options, &progress),
        None => build::preview(&project, args.format, &options, &cache, &progress),
    };
    progress.finish();
    show_preview(previewed, args.json, args.excluded)
}

/// `gradient preview` of a project its own backend builds: the backend
/// builds the archive now, and the preview lists what it wrote.
fn preview_with_backend(args: PreviewArgs) -> ExitCode {
    let config = match frontend::ConfigSettings::parse(&args.config_settings) {
        Ok(config) => config,
        Err(e) => return fail(&e, args.json),
    };
    let request = frontend::Request {
        repair: Some(Default::default()),
        ..backend_request(&args.project, &args.app, config)
    };
    let progress = TerminalProgress::new(!args.json);
    let previewed = build::backend_preview(&request, args.format, &progress);
    progress.finish();
    show_preview(previewed, args.json, args.excluded)
}

/// The preview's notes on stderr, then its plan (and a package's control
/// part) as a table or as JSON.
fn show_preview(
    previewed: gradient_engine::Result<build::Preview>,
    json: bool,
    excluded: bool,
) -> ExitCode {
    let preview = match previewed {
        Ok(preview) => preview,
        Err(e) => return fail(&e, json),
    };
    for line in &preview.notes {
        eprint_text(&format!("note: {}", shown(line)));
    }
    let (plan, package) = (&preview.plan, &preview.deb);
    if json {
        return match package {
            Some(package) => print_json(&serde_json::json!({ "plan": plan, "deb": package })),
            None => print_json(plan),
        };
    }
    print_text(&render_plan(plan, excluded));
    if let Some(package) = package {
        print_text(&render_package(package));
    }
    ExitCode::SUCCESS
}

/// Say on stderr which interpreter planning an application runs, and who
/// named it (the project's settings run only what the person runs).
fn announce(options: &AppOptions, project: &Project) {
    if let Some(line) = gradient_engine::trust::announce(&options.target, project) {
        eprint_text(&format!("gradient: {line}"));
    }
}

/// The plan as a table: size, archive path, the rule that included it.
fn render_plan(plan: &Plan, excluded: bool) -> String {
    let mut out = format!("{}\n", shown(&plan.file_name));
    if let Ok(line) = std::str::from_utf8(plan.preamble()) {
        // The zipapp's interpreter line.
        for l in line.lines() {
            out.push_str(&format!("{}\n", shown(l)));
        }
    }
    let width = plan
        .entries
        .iter()
        .map(|e| shown(&e.path).chars().count())
        .max()
        .unwrap_or(0);
    for entry in &plan.entries {
        out.push_str(&format!(
            "{:>10}  {:<width$}  {}\n",
            human_size(entry.size),
            shown(&entry.path),
            shown(&entry.reason)
        ));
    }
    let n = plan.entries.len();
    out.push_str(&format!(
        "{n} {}, {} uncompressed\n",
        if n == 1 { "file" } else { "files" },
        human_size(plan.total_size())
    ));
    if excluded {
        out.push_str(&format!("\nexcluded ({}):\n", plan.excluded.len()));
        for ex in &plan.excluded {
            out.push_str(&format!("  {}  ({})\n", shown(&ex.path), shown(&ex.rule)));
        }
    }
    out
}

/// A Debian package's control part, as the preview shows it.
fn render_package(package: &deb::Package) -> String {
    let mut out = format!("\nDEBIAN/control\n{}", package.control);
    if !package.conffiles.is_empty() {
        out.push_str(&format!(
            "\nDEBIAN/conffiles\n{}\n",
            package.conffiles.join("\n")
        ));
    }
    for (name, text) in &package.scripts {
        out.push_str(&format!("\nDEBIAN/{name}\n{text}"));
    }
    out
}

/// Paths under the current directory are printed relative to it.
fn display_path(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gradient_engine::plan::Entry;

    #[test]
    fn every_format_parses_and_an_unknown_one_is_a_usage_error() {
        for format in ["sdist", "wheel", "zipapp", "exe", "deb", "oci"] {
            assert!(parse_format(format).is_ok(), "{format}");
        }
        let err = parse_format("egg").unwrap_err();
        assert!(err.contains("valid: sdist, wheel"), "{err}");
    }

    #[test]
    fn plan_table_lists_entries_and_totals() {
        let plan = Plan {
            format: Format::Wheel,
            file_name: "a-1-py3-none-any.whl".into(),
            entries: vec![Entry::bytes(
                "a/__init__.py",
                b"x = 1\n".to_vec(),
                "module a",
            )],
            excluded: vec![gradient_engine::plan::Excluded {
                path: "a/__pycache__".into(),
                rule: "default: __pycache__".into(),
            }],
            mtime: 0,
            container: gradient_engine::plan::Container::zip(),
        };
        let text = render_plan(&plan, true);
        assert!(text.starts_with("a-1-py3-none-any.whl\n"));
        assert!(text.contains("6 B  a/__init__.py  module a"), "{text}");
        assert!(text.contains("1 file, 6 B uncompressed"));
        assert!(text.contains("a/__pycache__  (default: __pycache__)"));
    }
}
