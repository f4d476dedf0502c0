//! A throwaway project to edit, shared by the tests of every form.

use std::path::Path;

/// A project with `text` as its pyproject.toml and a `demo` package.
pub fn project(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pyproject.toml"), text).expect("write");
    std::fs::create_dir(dir.path().join("demo")).expect("mkdir");
    std::fs::write(dir.path().join("demo/__init__.py"), "").expect("write");
    dir
}

pub fn read(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("pyproject.toml")).expect("read")
}

/// Each bad value is refused naming `field` and saying `message`, the file
/// left as `original`.
pub fn assert_refused<T>(
    dir: &Path,
    original: &str,
    save: impl Fn(&Path, &T) -> Result<(), crate::project::ProjectError>,
    cases: Vec<(T, &str, &str)>,
) {
    for (value, field, message) in cases {
        let e = save(dir, &value).expect_err(field);
        assert_eq!(e.field.as_deref(), Some(field), "{e}");
        assert!(e.message.contains(message), "{field}: {e}");
        assert_eq!(read(dir), original, "{field}");
    }
}

/// Default settings of a form with `edit` applied.
pub fn with<T: Default>(edit: impl FnOnce(&mut T)) -> T {
    let mut settings = T::default();
    edit(&mut settings);
    settings
}
