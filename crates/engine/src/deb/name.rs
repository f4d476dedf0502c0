//! Debian package names (Policy §5.6.1): at least two characters, lowercase
//! ASCII letters, digits, `+`, `-` and `.`, starting with a letter or digit.

/// Whether `name` is a valid Debian package name.
pub fn is_valid(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() >= 2
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.')
        })
}

/// The package name for a project: its PEP 503 normalised name (lowercase,
/// runs of `-_.` as one `-`), which is already in Debian's alphabet; or why
/// it cannot be one.
pub fn derive(project_name: &str) -> Result<String, String> {
    let name = crate::names::normalize(project_name);
    if is_valid(&name) {
        Ok(name)
    } else {
        Err(format!(
            "the project name `{project_name}` does not make a Debian package name (at least two characters of a-z, 0-9, `+`, `-`, `.`, starting with a letter or digit); set tool.gradient.deb.package"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(derive("Greet").unwrap(), "greet");
        assert_eq!(derive("My_Cool.App").unwrap(), "my-cool-app");
        assert!(derive("x")
            .unwrap_err()
            .contains("tool.gradient.deb.package"));
        assert!(is_valid("python3-foo+bar.2"));
        assert!(!is_valid("-foo"));
        assert!(!is_valid("Foo"));
        assert!(!is_valid("foo_bar"));
    }
}
