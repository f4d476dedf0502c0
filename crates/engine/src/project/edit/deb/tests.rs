use super::*;
use crate::project::edit::testing::{self, assert_refused, project, read};
use crate::project::Project;

const HEAD: &str = "[project]\nname = \"demo\"\nversion = \"1.0\"\n";

fn loaded(dir: &Path) -> DebSettings {
    Project::load(dir).expect("load").settings.deb
}

fn with(edit: impl FnOnce(&mut DebSettings)) -> DebSettings {
    testing::with(edit)
}

#[test]
fn round_trips_every_field_of_the_form() {
    let dir = project(HEAD);
    let deb = with(|d| {
        d.package = Some("demo-tool".into());
        d.maintainer = Some("Ada Lovelace <ada@example.org>".into());
        d.section = Some("utils".into());
        d.priority = Some("optional".into());
        d.layout = Some("system".into());
        d.compression = Some("gzip".into());
        d.revision = Some("2".into());
        d.depends = vec!["nginx | apache2".into(), "curl (>= 7.0)".into()];
    });
    save_deb_settings(dir.path(), &deb).expect("save");
    assert_eq!(loaded(dir.path()), deb);
    assert_eq!(
        &read(dir.path())[HEAD.len()..],
        "\n[tool.gradient.deb]\npackage = \"demo-tool\"\nmaintainer = \"Ada Lovelace <ada@example.org>\"\nsection = \"utils\"\npriority = \"optional\"\nlayout = \"system\"\ncompression = \"gzip\"\nrevision = \"2\"\ndepends = [\"nginx | apache2\", \"curl (>= 7.0)\"]\n"
    );
}

#[test]
fn keeps_comments_and_the_conffiles_and_service_tables() {
    let original = format!(
        "{HEAD}\n[tool.gradient.deb]\n# archive fields\nsection = \"net\"  # where it is listed\nlayout = \"bundled\"\nconffiles = {{ \"/etc/demo/demo.toml\" = \"demo/__init__.py\" }}\n\n[tool.gradient.deb.service]\ncommand = \"demo serve\"  # the daemon\nenvironment = {{ PORT = \"8000\" }}\n"
    );
    let dir = project(&original);
    let before = loaded(dir.path());
    let mut deb = before.clone();
    deb.section = Some("web".into());
    deb.layout = None;
    // What the studio sends: the form's fields only.
    deb.conffiles.clear();
    deb.service = None;
    save_deb_settings(dir.path(), &deb).expect("save");
    let expected = original
        .replace("section = \"net\"  #", "section = \"web\"  #")
        .replace("layout = \"bundled\"\n", "");
    assert_eq!(read(dir.path()), expected);
    let after = loaded(dir.path());
    assert_eq!(after.section.as_deref(), Some("web"));
    assert_eq!(after.conffiles, before.conffiles);
    assert_eq!(after.service, before.service);
}

#[test]
fn refuses_each_bad_value_naming_its_field_and_writes_nothing() {
    let original = format!("{HEAD}\n[tool.gradient.deb]\nsection = \"net\"\n");
    let dir = project(&original);
    let cases = vec![
        (
            with(|d| d.package = Some("Demo_Tool".into())),
            "tool.gradient.deb.package",
            "Debian package name",
        ),
        (
            with(|d| d.maintainer = Some("Ada".into())),
            "tool.gradient.deb.maintainer",
            "`Name <email>`",
        ),
        (
            with(|d| d.section = Some("Net Tools".into())),
            "tool.gradient.deb.section",
            "section name",
        ),
        (
            with(|d| d.priority = Some("urgent".into())),
            "tool.gradient.deb.priority",
            "one of: required",
        ),
        (
            with(|d| d.layout = Some("flat".into())),
            "tool.gradient.deb.layout",
            "one of: bundled, system",
        ),
        (
            with(|d| d.compression = Some("bzip2".into())),
            "tool.gradient.deb.compression",
            "one of: zstd, xz, gzip",
        ),
        (
            with(|d| d.revision = Some("1 2".into())),
            "tool.gradient.deb.revision",
            "Debian revision",
        ),
        (
            with(|d| d.revision = Some("  ".into())),
            "tool.gradient.deb.revision",
            "must not be empty",
        ),
        (
            with(|d| d.depends = vec!["curl".into(), "a, b".into()]),
            "tool.gradient.deb.depends[1]",
            "one relation per entry",
        ),
    ];
    assert_refused(dir.path(), &original, save_deb_settings, cases);
}
