//! Names of projects, extras and files.
//!
//! Implements "Names and normalization"
//! (packaging.python.org/en/latest/specifications/name-normalization/) and the
//! file-name escaping of the binary distribution format
//! (…/specifications/binary-distribution-format/#escaping-and-unicode).

/// A valid project (or extra) name: ASCII letters and digits, with `.`, `_`
/// and `-` allowed inside, starting and ending with a letter or digit.
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    let alnum = |b: &u8| b.is_ascii_alphanumeric();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alnum(first)
                && alnum(last)
                && bytes
                    .iter()
                    .all(|b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
        }
        _ => false,
    }
}

/// Collapse runs of `-`, `_` and `.` into `sep` and lowercase.
fn collapse(name: &str, sep: char) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_run {
                out.push(sep);
            }
            in_run = true;
        } else {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        }
    }
    out
}

/// The normalised name: `re.sub(r"[-_.]+", "-", name).lower()`.
pub fn normalize(name: &str) -> String {
    collapse(name, '-')
}

/// Extra names are normalised like project names (core metadata 2.3+).
pub fn normalize_extra(name: &str) -> String {
    normalize(name)
}

/// The name as it appears in wheel and sdist file names and `.dist-info`
/// directories: `re.sub(r"[-_.]+", "_", name).lower()`.
pub fn wheel_escape(name: &str) -> String {
    collapse(name, '_')
}

/// The default import name of a project: its escaped name.
pub fn import_name(name: &str) -> String {
    wheel_escape(name)
}

/// A valid Python identifier (ASCII subset; non-ASCII identifiers are rare in
/// distributions and accepted when alphabetic).
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => chars.all(|c| c == '_' || c.is_alphanumeric()),
        _ => false,
    }
}

/// A parsed dependency specifier (PEP 508).
pub type Requirement = pep508_rs::Requirement<pep508_rs::VerbatimUrl>;

/// Parse a dependency specifier ("Dependency specifiers", PEP 508); the
/// error is the parser's first line.
pub fn parse_requirement(text: &str) -> Result<Requirement, String> {
    // pep508_rs 0.9 panics when a name ending in `-`, `_` or `.` is followed
    // by another character (`name-]`); such names are invalid anyway.
    let name: String = text
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        .collect();
    if name.ends_with(['.', '-', '_']) {
        return Err(format!("the name `{name}` must end with a letter or digit"));
    }
    <Requirement as std::str::FromStr>::from_str(text).map_err(|e| {
        let text = e.message.to_string();
        text.lines().next().unwrap_or("").to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity() {
        for ok in ["a", "A1", "foo-bar", "Foo.Bar_baz", "1x"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a b", "é", "a.", "_a"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalize("Foo.Bar__baz-Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize("a-_.b"), "a-b");
        assert_eq!(wheel_escape("Acme.Widgets"), "acme_widgets");
        assert_eq!(wheel_escape("a--b"), "a_b");
        assert_eq!(import_name("my-project"), "my_project");
    }

    #[test]
    fn requirements_parse_and_bad_names_do_not_panic() {
        assert!(parse_requirement("requests>=2; python_version < '3.11'").is_ok());
        for bad in ["pynres-]sf", "a_ b", "x. >1", ""] {
            assert!(parse_requirement(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("_x1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
    }
}
