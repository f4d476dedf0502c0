//! Trove classifiers as PyPI accepts them: the list published by the
//! `trove-classifiers` package (version 2026.9.21.13; Apache-2.0, see
//! CLASSIFIERS-LICENSE), embedded as data. PyPI refuses an upload naming a
//! classifier not in the list, a deprecated one, or one starting with
//! `Private ::` (the prefix reserved for never-uploaded projects).

const VALID: &str = include_str!("classifiers.txt");
const DEPRECATED: &str = include_str!("deprecated-classifiers.txt");

/// Why PyPI would refuse `classifier`, or `None` when it is valid.
pub fn problem(classifier: &str) -> Option<String> {
    if classifier.starts_with("Private ::") {
        return Some(format!(
            "classifier `{classifier}`: `Private ::` classifiers mark projects that must never be uploaded"
        ));
    }
    if VALID.lines().any(|c| c == classifier) {
        return None;
    }
    if let Some(instead) = DEPRECATED.lines().find_map(|line| {
        let (old, new) = line.split_once(" -> ")?;
        (old == classifier).then_some(new)
    }) {
        let advice = if instead.is_empty() {
            "remove it".to_string()
        } else {
            format!("use `{}` instead", instead.replace(" | ", "` or `"))
        };
        return Some(format!("classifier `{classifier}` is deprecated: {advice}"));
    }
    let close = VALID
        .lines()
        .find(|c| c.eq_ignore_ascii_case(classifier.trim()))
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    Some(format!(
        "classifier `{classifier}` is not a trove classifier{close}; the list is at https://pypi.org/classifiers/"
    ))
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn valid_deprecated_private_and_misspelt() {
        assert_eq!(problem("Programming Language :: Python :: 3"), None);
        assert_eq!(problem("License :: OSI Approved :: MIT License"), None);
        let e = problem("Natural Language :: Ukranian").unwrap();
        assert!(e.contains("use `Natural Language :: Ukrainian`"), "{e}");
        assert!(problem("Private :: Do Not Upload")
            .unwrap()
            .contains("never be uploaded"));
        let e = problem("programming language :: python :: 3").unwrap();
        assert!(
            e.contains("did you mean `Programming Language :: Python :: 3`"),
            "{e}"
        );
    }
}
