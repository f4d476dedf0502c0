use super::*;
use crate::closure::Sources;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Records the steps a build reports.
#[derive(Default)]
struct Steps(Mutex<Vec<String>>);

impl Progress for Steps {
    fn step(&self, label: &str) {
        self.0.lock().expect("steps").push(label.to_string());
    }
}

impl Steps {
    fn count(&self, label: &str) -> usize {
        self.0
            .lock()
            .expect("steps")
            .iter()
            .filter(|s| *s == label)
            .count()
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The test wheelhouse for the python3 on PATH (scripts/deps.sh fetches it).
fn host_wheelhouse() -> PathBuf {
    let dir = std::env::var_os("GRADIENT_APP_WHEELS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let out = std::process::Command::new("bash")
                .arg(repo_root().join("scripts/deps.sh"))
                .arg("--print-app-wheels")
                .output()
                .expect("scripts/deps.sh");
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        });
    assert!(
        dir.join(".complete").exists(),
        "the test wheelhouses are missing ({}): run scripts/deps.sh",
        dir.display()
    );
    dir.join("host")
}

/// The fixture application, for the python3 on PATH from the test wheelhouse.
fn fixture_app() -> (Project, AppOptions) {
    let app = AppOptions {
        target: TargetChoice::Python("python3".into()),
        sources: Sources {
            wheelhouses: vec![host_wheelhouse()],
            ..Sources::default()
        },
        ..AppOptions::default()
    };
    let project = Project::load(&repo_root().join("tests/fixtures/app")).expect("project");
    (project, app)
}

fn request(formats: &[Format], out: &Path, app: AppOptions) -> BuildRequest {
    BuildRequest {
        formats: formats.to_vec(),
        out_dir: out.to_path_buf(),
        native: false,
        app,
    }
}

/// A project whose sdist leaves out a module its wheel has, with a console
/// script, no dependencies and an empty wheelhouse.
fn mismatched_project(dir: &Path) -> Project {
    std::fs::create_dir_all(dir.join("pkg")).expect("mkdir");
    std::fs::write(dir.join("pkg/__init__.py"), "def main():\n    pass\n").expect("write");
    std::fs::write(dir.join("pkg/extra.py"), "X = 1\n").expect("write");
    std::fs::create_dir_all(dir.join("wheels")).expect("mkdir");
    std::fs::write(
        dir.join("pyproject.toml"),
        "[project]\nname = \"pkg\"\nversion = \"1.0\"\n\
         [project.scripts]\npkg = \"pkg:main\"\n\
         [tool.gradient]\nsdist-exclude = [\"pkg/extra.py\"]\n",
    )
    .expect("write");
    Project::load(dir).expect("project")
}

#[test]
fn a_failing_wheel_from_sdist_check_leaves_no_artifact_of_any_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let project = mismatched_project(&dir.path().join("p"));
    let app = AppOptions {
        target: TargetChoice::Spec("3.12-manylinux_2_28_x86_64".into()),
        sources: Sources {
            wheelhouses: vec![dir.path().join("p/wheels")],
            cache: Some(dir.path().join("cache")),
            ..Sources::default()
        },
        ..AppOptions::default()
    };
    let out = dir.path().join("dist");
    // The application alone builds: the zipapp was possible.
    let alone = build(
        &project,
        &request(&[Format::Zipapp], &out, app.clone()),
        &Steps::default(),
    )
    .expect("the zipapp alone builds");
    std::fs::remove_file(&alone.artifacts[0].written.path).expect("rm");

    let steps = Steps::default();
    let formats = [Format::Zipapp, Format::Sdist, Format::Wheel];
    let err = build(&project, &request(&formats, &out, app), &steps).expect_err("check fails");
    assert!(err.to_string().contains("pkg/extra.py"), "{err}");
    let left: Vec<_> = std::fs::read_dir(&out).expect("dist").collect();
    assert!(left.is_empty(), "nothing written: {left:?}");
    assert_eq!(steps.count("install"), 0, "checked before any installing");
}

/// `--format zipapp --format exe` resolves, fetches and installs once, and
/// each artifact is byte-identical to the one built alone.
#[test]
fn application_formats_share_one_closure_and_one_installation() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (project, app) = fixture_app();
    let build_into = |name: &str, formats: &[Format], steps: &Steps| {
        let out = dir.path().join(name);
        build(&project, &request(formats, &out, app.clone()), steps).expect("build")
    };
    let steps = Steps::default();
    let both = build_into("both", &[Format::Zipapp, Format::Exe], &steps);
    assert_eq!(steps.count("resolve"), 1, "resolved once");
    assert_eq!(steps.count("fetch"), 1, "fetched once");
    assert_eq!(steps.count("install"), 1, "installed once");
    assert_eq!(steps.count("bytecode"), 1, "one bytecode step");
    let zipapp = build_into("zipapp", &[Format::Zipapp], &Steps::default());
    let exe = build_into("exe", &[Format::Exe], &Steps::default());
    assert_eq!(both.artifacts.len(), 2);
    assert_eq!(
        both.artifacts[0].written.sha256,
        zipapp.artifacts[0].written.sha256
    );
    assert_eq!(
        both.artifacts[1].written.sha256,
        exe.artifacts[0].written.sha256
    );

    // A preview through a cache resolves once for as long as nothing that
    // decides the closure changes.
    let cache = ClosureCache::default();
    let steps = Steps::default();
    for _ in 0..2 {
        let p = preview(&project, Format::Zipapp, &app, &cache, &steps).expect("preview");
        assert!(p.summary.is_some_and(|s| s.contains("runs greet")));
    }
    assert_eq!(
        steps.count("resolve"),
        1,
        "the second preview reuses the closure"
    );
}

/// The size picture's facts: every file of an application preview says
/// where it comes from, the project's own files as the application.
#[test]
fn previews_tell_where_every_file_of_an_application_comes_from() {
    use crate::plan::Origin;
    let (project, app) = fixture_app();
    let cache = ClosureCache::default();
    let origin_of = |plan: &crate::plan::Plan, suffix: &str| {
        let e = plan.entries.iter().find(|e| e.path.ends_with(suffix));
        e.map(|e| e.origin.clone()).expect(suffix)
    };
    let zipapp = preview(
        &project,
        Format::Zipapp,
        &app,
        &cache,
        &crate::progress::Silent,
    )
    .expect("zipapp");
    let zipapp = zipapp.plan;
    assert_eq!(origin_of(&zipapp, "greet/cli.py"), Origin::Application);
    assert_eq!(
        origin_of(&zipapp, "click/core.py"),
        Origin::Distribution("click".into())
    );
    assert_eq!(origin_of(&zipapp, "__main__.py"), Origin::Other);
    assert!(zipapp
        .entries
        .iter()
        .filter(|e| e.path.starts_with("rich/"))
        .all(|e| e.origin == Origin::Distribution("rich".into())));
    assert!(!zipapp.entries.iter().any(|e| e.origin == Origin::Runtime));

    let exe = preview(
        &project,
        Format::Exe,
        &app,
        &cache,
        &crate::progress::Silent,
    )
    .expect("exe");
    let exe = exe.plan;
    let interpreter = exe.entries.iter().find(|e| e.reason == "the interpreter");
    assert_eq!(interpreter.map(|e| &e.origin), Some(&Origin::Runtime));
    assert_eq!(origin_of(&exe, "/json/decoder.py"), Origin::StandardLibrary);
    assert_eq!(
        origin_of(&exe, "site-packages/click/core.py"),
        Origin::Distribution("click".into())
    );
    assert_eq!(
        origin_of(&exe, "site-packages/greet/cli.py"),
        Origin::Application
    );

    // The same origins survive a Debian package's relocation and an
    // image's layers.
    let mut project = project;
    project.settings.deb.maintainer = Some("Greeter <greet@example.org>".into());
    for format in [Format::Deb, Format::Oci] {
        let p = preview(&project, format, &app, &cache, &crate::progress::Silent);
        let plan = p.expect("preview").plan;
        let runtime = plan.entries.iter().filter(|e| e.origin == Origin::Runtime);
        assert!(runtime.count() >= 1, "{format:?}");
        assert_eq!(
            origin_of(&plan, "/json/decoder.py"),
            Origin::StandardLibrary
        );
        assert_eq!(
            origin_of(&plan, "/click/core.py"),
            Origin::Distribution("click".into())
        );
        assert_eq!(origin_of(&plan, "/greet/cli.py"), Origin::Application);
    }
}
