use super::*;
use crate::project::edit::testing::{self, assert_refused, project, read};
use crate::project::Project;

const HEAD: &str = "[project]\nname = \"demo\"\nversion = \"1.0\"\n";

fn loaded(dir: &Path) -> OciSettings {
    Project::load(dir).expect("load").settings.oci
}

fn with(edit: impl FnOnce(&mut OciSettings)) -> OciSettings {
    testing::with(edit)
}

#[test]
fn round_trips_every_field_of_the_form() {
    let dir = project(HEAD);
    let oci = with(|o| {
        o.base = Some("debs".into());
        o.tag = Some("demo:1.0".into());
        o.push = Some("127.0.0.1:5000/demo:1.0".into());
        o.user = Some("app".into());
        o.workdir = Some("/srv".into());
        o.ports = vec!["8000".into(), "53/udp".into()];
    });
    save_oci_settings(dir.path(), &oci).expect("save");
    assert_eq!(loaded(dir.path()), oci);
    assert_eq!(
        &read(dir.path())[HEAD.len()..],
        "\n[tool.gradient.oci]\nbase = \"debs\"\ntag = \"demo:1.0\"\npush = \"127.0.0.1:5000/demo:1.0\"\nuser = \"app\"\nworkdir = \"/srv\"\nports = [\"8000\", \"53/udp\"]\n"
    );
}

#[test]
fn keeps_comments_and_the_labels_and_env_tables() {
    let original = format!(
        "{HEAD}\n[tool.gradient.oci]\nbase = \"debs\"  # bookworm's packages\nuser = \"app\"\nlabels = {{ \"org.opencontainers.image.vendor\" = \"Demo\" }}\n\n[tool.gradient.oci.env]\nMODE = \"prod\"  # always\n"
    );
    let dir = project(&original);
    let before = loaded(dir.path());
    let mut oci = before.clone();
    oci.base = Some("layout".into());
    oci.user = None;
    // What the studio sends: the form's fields only.
    oci.labels.clear();
    oci.env.clear();
    save_oci_settings(dir.path(), &oci).expect("save");
    let expected = original
        .replace("base = \"debs\"  #", "base = \"layout\"  #")
        .replace("user = \"app\"\n", "");
    assert_eq!(read(dir.path()), expected);
    let after = loaded(dir.path());
    assert_eq!(after.labels, before.labels);
    assert_eq!(after.env, before.env);
}

#[test]
fn refuses_each_bad_value_naming_its_field_and_writes_nothing() {
    let original = format!("{HEAD}\n[tool.gradient.oci]\nbase = \"debs\"\n");
    let dir = project(&original);
    let cases = vec![
        (
            with(|o| o.tag = Some("Demo:1.0".into())),
            "tool.gradient.oci.tag",
            "not a valid image reference",
        ),
        (
            with(|o| o.push = Some("localhost:5000/demo:".into())),
            "tool.gradient.oci.push",
            "a tag is 1 to 128",
        ),
        (
            with(|o| o.user = Some(" ".into())),
            "tool.gradient.oci.user",
            "must not be empty",
        ),
        (
            with(|o| o.ports = vec!["8000".into(), "http".into()]),
            "tool.gradient.oci.ports[1]",
            "`http` is not a port",
        ),
        (
            with(|o| o.base = Some("".into())),
            "tool.gradient.oci.base",
            "must not be empty",
        ),
    ];
    assert_refused(dir.path(), &original, save_oci_settings, cases);
}
