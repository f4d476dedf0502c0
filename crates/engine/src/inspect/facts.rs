//! A report's facts as the front ends show them: one list, made once, that
//! `gradient inspect` prints as its report's lines and the studio shows as
//! its facts table. Values are the artifact's own strings; each front end
//! escapes them as its medium needs (`text::shown` in a terminal).

use super::Report;
use crate::oci::inspect::ImageReport;
use serde::Serialize;

/// The part of a report a fact belongs to, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    /// Kind, size and digest: the text report's first line.
    Artifact,
    Wheel,
    Sdist,
    Zipapp,
    /// A frozen executable's launcher, payload and what it runs.
    Executable,
    Deb,
    Image,
    Metadata,
    EntryPoints,
    /// Summaries of what the text report lists in full after the files
    /// (bytecode, native code, image layers); only the studio shows them.
    Contents,
    /// The platform verdict on the native code.
    Platform,
}

/// How the text report lays a fact out; the studio shows every fact as its
/// label and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `label: value` on a line of its own.
    Line,
    /// `label: value` on the line of the fact before it.
    Beside,
    /// `label value` on a line of its own.
    Word,
    /// `label value` on the line of the fact before it.
    WordBeside,
    /// `label: value` heading its section, not indented.
    Heading,
    /// `label: value` whose value may run over several lines (a control
    /// field's continuation lines), each continued under it.
    Lines,
    /// A text under `label:`, each of its lines quoted (a maintainer script).
    Text,
}

/// One fact: a label and its value, in a section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fact {
    pub section: Section,
    pub label: String,
    pub value: String,
    #[serde(skip)]
    pub layout: Layout,
}

/// The facts of `report`, section by section.
pub fn facts(report: &Report) -> Vec<Fact> {
    let mut out = Facts(Vec::new());
    artifact(report, &mut out);
    if let Some(w) = &report.wheel {
        wheel(w, &mut out);
    }
    if let Some(s) = &report.sdist {
        sdist(s, &mut out);
    }
    if let Some(z) = &report.zipapp {
        zipapp(z, &mut out);
    }
    if let Some(x) = &report.exe {
        executable(x, &mut out);
    }
    if let Some(d) = &report.deb {
        deb(d, &mut out);
    }
    if let Some(i) = &report.image {
        out.0.extend(image(i));
    }
    metadata(report, &mut out);
    contents(report, &mut out);
    if let Some(v) = &report.verdict {
        platform(v, &mut out);
    }
    out.0
}

/// The facts being listed.
struct Facts(Vec<Fact>);

impl Facts {
    fn add(
        &mut self,
        section: Section,
        layout: Layout,
        label: impl Into<String>,
        value: impl Into<String>,
    ) {
        self.0.push(Fact {
            section,
            label: label.into(),
            value: value.into(),
            layout,
        });
    }
}

fn artifact(r: &Report, out: &mut Facts) {
    use Layout::Line;
    out.add(Section::Artifact, Line, "kind", r.kind.name());
    out.add(Section::Artifact, Line, "size", format!("{} bytes", r.size));
    out.add(Section::Artifact, Line, "sha256", &r.sha256);
}

fn wheel(w: &super::wheel_check::WheelFacts, out: &mut Facts) {
    use Layout::{Line, Word, WordBeside};
    let s = Section::Wheel;
    if let Some(n) = &w.name {
        out.add(s, Word, "name", &n.name);
        out.add(s, WordBeside, "version", &n.version);
        out.add(s, WordBeside, "build", n.build.as_deref().unwrap_or("-"));
        out.add(s, WordBeside, "python", n.python.join("."));
        out.add(s, WordBeside, "abi", n.abi.join("."));
        out.add(s, WordBeside, "platform", n.platform.join("."));
    }
    out.add(s, Line, "tags", w.tags.join(", "));
    for (k, v) in &w.wheel_file {
        out.add(s, Line, format!("WHEEL {k}"), v.join(", "));
    }
    let r = &w.record;
    let record = format!(
        "{} rows, {} verified, {} problems",
        r.rows, r.verified, r.problems
    );
    out.add(s, Line, "RECORD", record);
}

fn sdist(s: &super::sdist_check::SdistFacts, out: &mut Facts) {
    let legacy = if s.legacy_zip { " (legacy zip)" } else { "" };
    out.add(
        Section::Sdist,
        Layout::Line,
        "top directory",
        format!("{}{legacy}", s.top),
    );
    if let Some(p) = &s.pyproject {
        let value = format!(
            "backend {}  requires [{}]  dynamic [{}]",
            p.build_backend.as_deref().unwrap_or("(none)"),
            p.build_requires.join(", "),
            p.dynamic.join(", ")
        );
        out.add(Section::Sdist, Layout::Line, "pyproject", value);
    }
}

fn zipapp(z: &super::zipapp_check::ZipappFacts, out: &mut Facts) {
    use Layout::{Beside, Line};
    let s = Section::Zipapp;
    out.add(s, Line, "shebang", z.shebang.as_deref().unwrap_or("(none)"));
    out.add(
        s,
        Beside,
        "__main__.py",
        if z.has_main { "yes" } else { "no" },
    );
    out.add(s, Beside, "made by", z.tool.as_deref().unwrap_or("unknown"));
    for d in &z.distributions {
        let value = format!("{} {}  ({})", d.name, d.version, d.path);
        out.add(s, Line, "vendored", value);
    }
}

/// A frozen executable: its parts, what it runs, what it bundles.
fn executable(x: &super::exe_check::ExeFacts, out: &mut Facts) {
    use Layout::{Beside, Line, WordBeside};
    let s = Section::Executable;
    out.add(s, Line, "launcher", format!("{} B", x.launcher_size));
    out.add(s, Beside, "payload", format!("{} B", x.payload_size));
    out.add(s, WordBeside, "format", x.format_version.to_string());
    out.add(s, WordBeside, "key", &x.key);
    out.add(s, Line, "runs", format!("{} ({})", x.runtime, x.program));
    out.add(s, Beside, "entry", x.entry.as_deref().unwrap_or("unknown"));
    let libraries = if x.libraries.is_empty() {
        "none".to_string()
    } else {
        x.libraries.join(", ")
    };
    out.add(s, Line, "bundled libraries", libraries);
    let record = format!("{}/{} verified", x.record.verified, x.record.rows);
    out.add(s, Beside, "RECORD", record);
}

/// A Debian package's control part and the Python application inside.
fn deb(d: &super::deb_check::DebFacts, out: &mut Facts) {
    use Layout::{Line, Lines, Text};
    let s = Section::Deb;
    for (field, value) in &d.control {
        out.add(s, Lines, field, value);
    }
    let m = &d.md5sums;
    let md5sums = format!(
        "{} listed, {} verified, {} problems",
        m.listed, m.verified, m.problems
    );
    out.add(s, Line, "md5sums", md5sums);
    for c in &d.conffiles {
        out.add(s, Line, "conffile", c);
    }
    if let Some(app) = &d.python {
        let label = format!("python application ({} layout)", app.layout);
        let value = format!(
            "runs on {}; commands {}",
            app.interpreter,
            app.commands.join(", ")
        );
        out.add(s, Line, label, value);
        out.add(s, Line, "distributions", app.distributions.join(", "));
    }
    for (name, text) in &d.scripts {
        out.add(s, Text, format!("maintainer script {name}"), text);
    }
}

/// A container image: where it runs, as whom, and the Python inside.
pub fn image(r: &ImageReport) -> Vec<Fact> {
    let mut out = Facts(Vec::new());
    let mut add = |label: &str, value: String| out.add(Section::Image, Layout::Line, label, value);
    if let Some(tag) = &r.tag {
        add("tag", tag.clone());
    }
    add("digest", r.manifest_digest.clone());
    add("platform", format!("{}/{}", r.os, r.architecture));
    if let Some(c) = &r.created {
        add("created", c.clone());
    }
    let c = &r.config;
    let root = if r.runs_as_root { "  RUNS AS ROOT" } else { "" };
    add(
        "user",
        format!("{}{root}", c.user.as_deref().unwrap_or("(root)")),
    );
    if let Some(e) = &c.entrypoint {
        add("entrypoint", e.join(" "));
    }
    if let Some(w) = &c.working_dir {
        add("workdir", w.clone());
    }
    for e in c.env.iter().flatten() {
        add("env", e.clone());
    }
    for p in c.exposed_ports.iter().flat_map(|p| p.keys()) {
        add("port", p.clone());
    }
    for (k, v) in &r.annotations {
        add("annotation", format!("{k}={v}"));
    }
    if !r.python.interpreters.is_empty() {
        add("python", format!("/{}", r.python.interpreters.join(", /")));
    }
    if !r.python.distributions.is_empty() {
        add("installed", r.python.distributions.join(" "));
    }
    out.0
}

/// Core metadata's fields (the first line of each value; the description
/// is the readme, not a fact), then the entry points.
fn metadata(r: &Report, out: &mut Facts) {
    if let Some(m) = &r.metadata {
        for (field, values) in m.fields.iter().filter(|(f, _)| *f != "Description") {
            for v in values {
                let first = v.lines().next().unwrap_or("");
                out.add(Section::Metadata, Layout::Line, field, first);
            }
        }
    }
    for (group, names) in &r.entry_points {
        for (name, target) in names {
            let label = format!("entry point [{group}]");
            out.add(
                Section::EntryPoints,
                Layout::Word,
                label,
                format!("{name} = {target}"),
            );
        }
    }
}

/// One line each for the bytecode, the native code and an image's layers.
fn contents(r: &Report, out: &mut Facts) {
    let s = Section::Contents;
    if !r.bytecode.is_empty() {
        let mut versions: Vec<String> = Vec::new();
        for p in &r.bytecode {
            let v = p
                .python
                .clone()
                .unwrap_or_else(|| format!("magic {}", p.magic));
            if !versions.contains(&v) {
                versions.push(v);
            }
        }
        let value = format!(
            "{} .pyc for Python {}",
            r.bytecode.len(),
            versions.join(", ")
        );
        out.add(s, Layout::Line, "bytecode", value);
    }
    if let Some(first) = r.native.first() {
        let mut needed: Vec<&str> = r
            .native
            .iter()
            .flat_map(|n| n.needed.iter().map(String::as_str))
            .collect();
        needed.sort_unstable();
        needed.dedup();
        let files = if r.native.len() == 1 { "file" } else { "files" };
        let needs = if needed.is_empty() {
            "nothing".to_string()
        } else {
            needed.join(", ")
        };
        let value = format!(
            "{} ELF {files} ({}); needs {needs}",
            r.native.len(),
            first.machine
        );
        out.add(s, Layout::Line, "native code", value);
    }
    if let Some(image) = &r.image {
        layers(image, out);
    }
}

/// Each layer of an image, and whether its digests verify.
fn layers(image: &ImageReport, out: &mut Facts) {
    for (i, l) in image.layers.iter().enumerate() {
        let ok = if l.digest_ok && l.diff_id_ok {
            "digest and diff_id verified"
        } else {
            "DIGEST MISMATCH"
        };
        let value = format!(
            "{} · {} entries · {} bytes · {ok}",
            l.created_by.as_deref().unwrap_or(""),
            l.files.len(),
            l.size
        );
        out.add(Section::Contents, Layout::Line, format!("layer {i}"), value);
    }
}

/// The platform the native code is consistent with, and what stands in
/// the way of a better one.
fn platform(v: &crate::elf::policy::Verdict, out: &mut Facts) {
    let s = Section::Platform;
    let verdict = format!(
        "consistent with {} (symbol versions alone allow {})",
        v.tag, v.symbol_tag
    );
    out.add(s, Layout::Heading, "platform", verdict);
    if !v.external_libraries.is_empty() {
        out.add(
            s,
            Layout::Line,
            "libraries no policy allows and the artifact does not bundle",
            v.external_libraries.join(", "),
        );
    }
    if let Some(b) = &v.next_better {
        out.add(s, Layout::Line, format!("not {}", b.tag), b.describe());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inspect::archive::Limits;
    use crate::inspect::blob::Bytes;
    use crate::inspect::core_metadata::CoreMetadata;
    use crate::inspect::{deb_check, exe_check, inspect_blob, pyc, record_check, wheel_check};
    use crate::oci::inspect::{LayerReport, PythonFacts};

    fn empty() -> Report {
        inspect_blob("x", &Bytes(b""), &Limits::default())
    }

    /// (section, label, value) of every fact, for comparing.
    fn triples(facts: &[Fact]) -> Vec<(Section, &str, &str)> {
        facts
            .iter()
            .map(|f| (f.section, f.label.as_str(), f.value.as_str()))
            .collect()
    }

    fn value<'a>(facts: &'a [Fact], label: &str) -> &'a str {
        facts
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.as_str())
            .unwrap_or_else(|| panic!("no `{label}` in {facts:#?}"))
    }

    #[test]
    fn a_wheel_has_its_name_tags_record_metadata_entry_points_and_bytecode() {
        let mut r = empty();
        let name = crate::tags::WheelName::parse("demo-1.0-py3-none-any.whl").expect("name");
        r.wheel = Some(wheel_check::WheelFacts {
            tags: name.tags(),
            name: Some(name),
            dist_info: "demo-1.0.dist-info".into(),
            wheel_file: [("Tag".to_string(), vec!["py3-none-any".to_string()])].into(),
            record: record_check::RecordSummary {
                rows: 3,
                verified: 2,
                problems: 0,
            },
        });
        let mut meta = CoreMetadata::default();
        for (k, v) in [
            ("Name", "demo"),
            ("Requires-Dist", "click>=8"),
            ("Requires-Dist", "rich"),
            ("Description", "long\ntext"),
            ("Summary", "first\nsecond"),
        ] {
            meta.fields.entry(k.into()).or_default().push(v.into());
        }
        r.metadata = Some(meta);
        r.entry_points = [(
            "console_scripts".to_string(),
            [("demo".to_string(), "demo.cli:main".to_string())].into(),
        )]
        .into();
        r.bytecode = vec![pyc::Pyc {
            path: "a.pyc".into(),
            magic: 3495,
            python: Some("3.11".into()),
        }];
        let facts = facts(&r);
        let wheel: Vec<_> = triples(&facts)
            .into_iter()
            .filter(|(s, _, _)| *s != Section::Artifact)
            .collect();
        use Section::*;
        assert_eq!(
            wheel,
            [
                (Wheel, "name", "demo"),
                (Wheel, "version", "1.0"),
                (Wheel, "build", "-"),
                (Wheel, "python", "py3"),
                (Wheel, "abi", "none"),
                (Wheel, "platform", "any"),
                (Wheel, "tags", "py3-none-any"),
                (Wheel, "WHEEL Tag", "py3-none-any"),
                (Wheel, "RECORD", "3 rows, 2 verified, 0 problems"),
                (Metadata, "Name", "demo"),
                (Metadata, "Requires-Dist", "click>=8"),
                (Metadata, "Requires-Dist", "rich"),
                (Metadata, "Summary", "first"),
                (
                    EntryPoints,
                    "entry point [console_scripts]",
                    "demo = demo.cli:main"
                ),
                (Contents, "bytecode", "1 .pyc for Python 3.11"),
            ]
        );
        assert_eq!(value(&facts, "kind"), "unknown");
        let json = serde_json::to_value(&facts[3]).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"section": "wheel", "label": "name", "value": "demo"})
        );
    }

    #[test]
    fn a_frozen_executable_says_its_parts_what_runs_and_what_it_bundles() {
        let mut r = empty();
        r.exe = Some(exe_check::ExeFacts {
            format_version: 1,
            launcher_size: 1000,
            payload_size: 2000,
            key: "k".into(),
            program: "python/bin/python3.12".into(),
            runtime: "python3.12".into(),
            entry: Some("greet.cli:main".into()),
            libraries: vec!["libz.so.1".into(), "libffi.so.8".into()],
            record: record_check::RecordSummary {
                rows: 5,
                verified: 4,
                problems: 1,
            },
        });
        let facts = facts(&r);
        let exe: Vec<_> = facts
            .iter()
            .filter(|f| f.section == Section::Executable)
            .map(|f| (f.label.as_str(), f.value.as_str(), f.layout))
            .collect();
        use Layout::*;
        assert_eq!(
            exe,
            [
                ("launcher", "1000 B", Line),
                ("payload", "2000 B", Beside),
                ("format", "1", WordBeside),
                ("key", "k", WordBeside),
                ("runs", "python3.12 (python/bin/python3.12)", Line),
                ("entry", "greet.cli:main", Beside),
                ("bundled libraries", "libz.so.1, libffi.so.8", Line),
                ("RECORD", "4/5 verified", Beside),
            ]
        );
    }

    #[test]
    fn a_debian_package_has_its_control_fields_md5sums_scripts_and_python() {
        let mut r = empty();
        r.deb = Some(deb_check::DebFacts {
            control: vec![
                ("Package".into(), "greet".into()),
                ("Version".into(), "1.2.0-1".into()),
                ("Architecture".into(), "amd64".into()),
                ("Depends".into(), "libc6 (>= 2.34)".into()),
            ],
            compression: None,
            md5sums: deb_check::Md5Summary {
                listed: 10,
                verified: 10,
                problems: 0,
            },
            conffiles: vec!["/etc/greet/greet.toml".into()],
            scripts: vec![
                ("postinst".into(), "#!/bin/sh\n".into()),
                ("prerm".into(), "#!/bin/sh\n".into()),
            ],
            python: Some(deb_check::PythonApp {
                layout: "bundled".into(),
                interpreter: "/usr/lib/greet/python/bin/python3.11".into(),
                distributions: vec!["click 8.1.8".into()],
                commands: vec!["/usr/bin/greet".into()],
            }),
        });
        let facts = facts(&r);
        assert_eq!(value(&facts, "Package"), "greet");
        assert_eq!(value(&facts, "Depends"), "libc6 (>= 2.34)");
        assert_eq!(
            value(&facts, "md5sums"),
            "10 listed, 10 verified, 0 problems"
        );
        assert_eq!(value(&facts, "conffile"), "/etc/greet/greet.toml");
        assert_eq!(
            value(&facts, "python application (bundled layout)"),
            "runs on /usr/lib/greet/python/bin/python3.11; commands /usr/bin/greet"
        );
        assert_eq!(value(&facts, "distributions"), "click 8.1.8");
        let scripts: Vec<&str> = facts
            .iter()
            .filter(|f| f.layout == Layout::Text)
            .map(|f| f.label.as_str())
            .collect();
        assert_eq!(
            scripts,
            ["maintainer script postinst", "maintainer script prerm"]
        );
    }

    fn image_report(runs_as_root: bool) -> ImageReport {
        let layer = |created_by: &str, ok: bool| LayerReport {
            digest: "sha256:d".into(),
            media_type: "m".into(),
            size: 10,
            diff_id: "sha256:i".into(),
            created_by: Some(created_by.into()),
            digest_ok: true,
            diff_id_ok: ok,
            uncompressed_size: 20,
            files: Vec::new(),
        };
        let mut config = crate::oci::spec::RunConfig::default();
        if !runs_as_root {
            config.user = Some("65532:65532".into());
        }
        config.entrypoint = Some(vec!["/opt/greet/python/bin/greet".into()]);
        ImageReport {
            path: "img".into(),
            kind: "OCI image layout",
            tag: Some("1.2.0".into()),
            manifest_digest: "sha256:abc".into(),
            architecture: "amd64".into(),
            os: "linux".into(),
            created: None,
            config,
            annotations: Default::default(),
            runs_as_root,
            layers: vec![layer("base", true), layer("project", false)],
            python: PythonFacts {
                interpreters: vec!["opt/greet/python/bin/python3.11".into()],
                distributions: vec!["greet-1.2.0".into()],
            },
            findings: Vec::new(),
        }
    }

    #[test]
    fn an_image_says_where_it_runs_as_whom_and_its_verified_layers() {
        let facts = image(&image_report(false));
        assert_eq!(
            triples(&facts)
                .iter()
                .map(|(_, l, v)| (*l, *v))
                .collect::<Vec<_>>(),
            [
                ("tag", "1.2.0"),
                ("digest", "sha256:abc"),
                ("platform", "linux/amd64"),
                ("user", "65532:65532"),
                ("entrypoint", "/opt/greet/python/bin/greet"),
                ("python", "/opt/greet/python/bin/python3.11"),
                ("installed", "greet-1.2.0"),
            ]
        );
        assert_eq!(
            value(&image(&image_report(true)), "user"),
            "(root)  RUNS AS ROOT"
        );
        let mut r = empty();
        r.image = Some(image_report(false));
        let all = super::facts(&r);
        assert_eq!(value(&all, "user"), "65532:65532");
        assert_eq!(
            value(&all, "layer 0"),
            "base · 0 entries · 10 bytes · digest and diff_id verified"
        );
        assert!(value(&all, "layer 1").ends_with("DIGEST MISMATCH"));
    }
}
