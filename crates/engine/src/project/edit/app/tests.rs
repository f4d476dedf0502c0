use super::*;
use crate::project::edit::testing;
use crate::project::Project;

const HEAD: &str =
    "# the greeter\n[project]\nname = \"demo\"  # shown on PyPI\nversion = \"1.0\"\n";

fn project(text: &str) -> tempfile::TempDir {
    let dir = testing::project(text);
    std::fs::create_dir(dir.path().join("wheels")).expect("mkdir");
    dir
}

fn read(dir: &tempfile::TempDir) -> String {
    testing::read(dir.path())
}

fn loaded(dir: &tempfile::TempDir) -> AppSettings {
    Project::load(dir.path()).expect("load").settings.app
}

fn with(edit: impl FnOnce(&mut AppSettings)) -> AppSettings {
    testing::with(edit)
}

#[test]
fn round_trips_every_setting_and_adds_only_the_table() {
    let dir = project(HEAD);
    let app = with(|a| {
        a.target = Some("3.12-manylinux_2_28_x86_64".into());
        a.wheelhouse = vec!["wheels".into()];
        a.index = vec!["https://pypi.org/simple/".into()];
        a.entry = Some("demo:main".into());
        a.shebang = Some("/usr/bin/python3".into());
    });
    save_app_settings(dir.path(), &app).expect("save");
    assert_eq!(loaded(&dir), app);
    let text = read(&dir);
    assert!(text.starts_with(HEAD), "{text}");
    // No empty `[tool]` or `[tool.gradient]` header: only the table itself.
    assert_eq!(
        &text[HEAD.len()..],
        "\n[tool.gradient.app]\ntarget = \"3.12-manylinux_2_28_x86_64\"\nwheelhouse = [\"wheels\"]\nindex = [\"https://pypi.org/simple/\"]\nentry = \"demo:main\"\nshebang = \"/usr/bin/python3\"\n"
    );
}

#[test]
fn edits_in_place_keeping_comments_order_and_other_tables() {
    let original = format!(
        "{HEAD}\n[tool.gradient]\nexclude = [\"*.log\"]  # noise\n\n[tool.gradient.app]\n# where wheels come from\nwheelhouse = [ \"wheels\" ]   # offline\nentry = \"old\"  # the CLI\npython = \"python3\"\n\n[tool.other]\nx = 1\n"
    );
    let dir = project(&original);
    let mut app = loaded(&dir);
    app.entry = Some("demo".into());
    app.python = None;
    save_app_settings(dir.path(), &app).expect("save");
    // Only the entry's value changed and python's line went; the unchanged
    // wheelhouse keeps its own spacing.
    let expected = original
        .replace("entry = \"old\"  # the CLI", "entry = \"demo\"  # the CLI")
        .replace("python = \"python3\"\n", "");
    assert_eq!(read(&dir), expected);
    assert_eq!(loaded(&dir), app);
    // Saving what is already there leaves the file as it is, byte for byte.
    save_app_settings(dir.path(), &app).expect("save again");
    assert_eq!(read(&dir), expected);
}

#[test]
fn clearing_every_setting_creates_nothing() {
    let dir = project(HEAD);
    save_app_settings(dir.path(), &AppSettings::default()).expect("save");
    assert_eq!(read(&dir), HEAD);
}

#[test]
fn refuses_bad_values_naming_the_field_and_writes_nothing() {
    let dir = project(HEAD);
    let cases = [
        (
            with(|a| a.wheelhouse = vec!["wheels".into(), "missing".into()]),
            "tool.gradient.app.wheelhouse[1]",
            "`missing` is not a directory",
        ),
        (
            with(|a| {
                a.python = Some("python3".into());
                a.target = Some("3.12-manylinux_2_28_x86_64".into());
            }),
            "tool.gradient.app.target",
            "not both",
        ),
        (
            with(|a| a.entry = Some("run me".into())),
            "tool.gradient.app.entry",
            "console script name",
        ),
        (
            with(|a| a.entry = Some("demo:".into())),
            "tool.gradient.app.entry",
            "`module:attr`",
        ),
        (
            with(|a| a.target = Some("python".into())),
            "tool.gradient.app.target",
            "expected e.g.",
        ),
        (
            with(|a| a.index = vec!["pypi.org/simple".into()]),
            "tool.gradient.app.index[0]",
            "http(s) URL",
        ),
        (
            with(|a| a.lock = Some("pylock.toml".into())),
            "tool.gradient.app.lock",
            "is not a file",
        ),
        (
            with(|a| a.shebang = Some(" ".into())),
            "tool.gradient.app.shebang",
            "must not be empty",
        ),
    ];
    for (app, field, message) in cases {
        let e = save_app_settings(dir.path(), &app).expect_err(field);
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert!(e.message.contains(message), "{field}: {e}");
        assert_eq!(read(&dir), HEAD, "{field}");
    }
}

#[test]
fn a_file_that_is_not_toml_is_left_alone() {
    let broken = format!("{HEAD}[tool.gradient\n");
    let dir = project(&broken);
    let e = save_app_settings(dir.path(), &with(|a| a.entry = Some("demo".into())))
        .expect_err("not toml");
    assert_eq!(e.line, Some(5), "{e}");
    assert_eq!(read(&dir), broken);
}

#[test]
fn edits_inline_and_dotted_tables_in_their_own_style() {
    let inline = format!("{HEAD}\n[tool.gradient]\napp = {{ entry = \"old\" }}\n");
    let dir = project(&inline);
    let app = with(|a| {
        a.entry = Some("demo".into());
        a.wheelhouse = vec!["wheels".into()];
    });
    save_app_settings(dir.path(), &app).expect("save inline");
    // Still one inline table on its line (the old value's spacing kept).
    let text = read(&dir);
    let line = text.strip_prefix(&format!("{HEAD}\n[tool.gradient]\n"));
    assert!(
        line.is_some_and(|l| l.starts_with("app = { entry = \"demo\"")
            && l.ends_with("wheelhouse = [\"wheels\"] }\n")
            && l.lines().count() == 1),
        "{text}"
    );
    assert_eq!(loaded(&dir), app);

    let dotted = format!("{HEAD}\n[tool]\ngradient.app.entry = \"old\"\n");
    let dir = project(&dotted);
    save_app_settings(dir.path(), &app).expect("save dotted");
    assert_eq!(loaded(&dir), app);
    let text = read(&dir);
    assert!(text.starts_with(&format!("{HEAD}\n[tool]\n")), "{text}");
    assert!(text.contains("gradient.app.entry = \"demo\"\n"), "{text}");
}
