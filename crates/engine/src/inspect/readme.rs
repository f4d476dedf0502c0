//! Will the description render on the index (and for `twine check`)? PyPI checks
//! `Description-Content-Type` (core metadata spec: `text/plain`,
//! `text/x-rst` or `text/markdown`, `charset=UTF-8`, Markdown `variant`
//! `GFM` or `CommonMark`) and renders with `readme_renderer`, which treats
//! every docutils warning in reStructuredText as a failure (`halt_level` 2,
//! `raw` and `include` disabled). Markdown and plain text always render.
//!
//! The reStructuredText rules here are the subset of docutils' warnings that
//! stop real READMEs: a title under- or overline shorter than the title, an
//! unknown or disabled directive, an unknown interpreted-text role, an
//! unclosed inline literal, and a reference to a target that is not defined.

/// Why the description would not render, one message per problem.
pub fn problems(content_type: Option<&str>, description: &str) -> Vec<String> {
    let (mime, params) = split_content_type(content_type.unwrap_or("text/x-rst"));
    let mut out = Vec::new();
    for (key, value) in &params {
        match key.as_str() {
            "charset" if !value.eq_ignore_ascii_case("utf-8") => out.push(format!(
                "Description-Content-Type charset `{value}`: the index accepts only UTF-8"
            )),
            "variant"
                if mime == "text/markdown"
                    && !["gfm", "commonmark"].contains(&value.to_ascii_lowercase().as_str()) =>
            {
                out.push(format!(
                    "Description-Content-Type variant `{value}`: use GFM or CommonMark"
                ))
            }
            _ => {}
        }
    }
    match mime.as_str() {
        "text/plain" | "text/markdown" => {}
        "text/x-rst" => out.extend(rst_problems(description)),
        other => out.push(format!(
            "Description-Content-Type `{other}`: the index accepts text/plain, text/x-rst or text/markdown"
        )),
    }
    out
}

fn split_content_type(value: &str) -> (String, Vec<(String, String)>) {
    let mut parts = value.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let params = parts
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().to_ascii_lowercase(),
                v.trim().trim_matches('"').to_string(),
            )
        })
        .collect();
    (mime, params)
}

/// docutils' standard directives (docutils.parsers.rst.directives).
const DIRECTIVES: &[&str] = &[
    "attention",
    "caution",
    "danger",
    "error",
    "hint",
    "important",
    "note",
    "tip",
    "warning",
    "admonition",
    "image",
    "figure",
    "topic",
    "sidebar",
    "line-block",
    "parsed-literal",
    "code",
    "code-block",
    "sourcecode",
    "math",
    "rubric",
    "epigraph",
    "highlights",
    "pull-quote",
    "compound",
    "container",
    "table",
    "csv-table",
    "list-table",
    "contents",
    "sectnum",
    "section-numbering",
    "header",
    "footer",
    "target-notes",
    "meta",
    "replace",
    "unicode",
    "date",
    "class",
    "role",
    "default-role",
    "title",
];

/// docutils' standard roles (docutils.parsers.rst.roles), by canonical name
/// and alias.
const ROLES: &[&str] = &[
    "emphasis",
    "literal",
    "code",
    "math",
    "pep-reference",
    "pep",
    "rfc-reference",
    "rfc",
    "strong",
    "subscript",
    "sub",
    "superscript",
    "sup",
    "title-reference",
    "title",
    "t",
    "abbreviation",
    "ab",
    "acronym",
    "ac",
];

const ADORNMENT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

fn rst_problems(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut targets = Vec::new();
    let mut references = Vec::new();
    let mut literal_block = false;
    for (i, line) in lines.iter().enumerate() {
        let n = i + 1;
        let indented = line.starts_with([' ', '\t']);
        if !indented && !line.trim().is_empty() {
            literal_block = false;
        }
        if literal_block {
            continue;
        }
        if let Some(width) = adornment(line) {
            title_checks(&lines, i, width, &mut out);
        }
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix(".. ") {
            directive_checks(rest, n, &mut out, &mut targets);
            if rest.contains("::") {
                literal_block = true;
            }
            continue;
        }
        if !indented {
            inline_checks(line, n, &mut out, &mut references);
        }
        if line.trim_end().ends_with("::") {
            literal_block = true;
        }
    }
    for (n, name) in references {
        let key = name.to_lowercase();
        if !targets.iter().any(|t: &String| t.to_lowercase() == key) && !is_section(&lines, &key) {
            out.push(format!("line {n}: unknown target name `{name}`"));
        }
    }
    out
}

/// The width of an adornment line (one punctuation character repeated,
/// four or more times), else `None`.
fn adornment(line: &str) -> Option<usize> {
    let line = line.trim_end();
    let first = line.chars().next()?;
    (ADORNMENT.contains(first) && line.len() >= 4 && line.chars().all(|c| c == first))
        .then_some(line.chars().count())
}

fn title_checks(lines: &[&str], i: usize, width: usize, out: &mut Vec<String>) {
    let title = |j: usize| -> Option<usize> {
        let line = lines.get(j)?;
        (!line.trim().is_empty() && adornment(line).is_none()).then(|| display_width(line.trim()))
    };
    // An underline: the line above is the title text (which must not be
    // indented, or it is a block quote's text, not a title).
    if i > 0 && !lines[i - 1].starts_with([' ', '\t']) {
        if let Some(w) = title(i - 1) {
            if width < w {
                out.push(format!("line {}: title underline too short", i + 1));
            }
        }
    }
    // An overline: text below, then an underline.
    if let (Some(w), Some(_)) = (title(i + 1), lines.get(i + 2).and_then(|l| adornment(l))) {
        if width < w {
            out.push(format!("line {}: title overline too short", i + 1));
        }
    }
}

/// Columns a title takes: East Asian wide characters count twice, as
/// docutils counts them.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn directive_checks(rest: &str, n: usize, out: &mut Vec<String>, targets: &mut Vec<String>) {
    if let Some(target) = rest.strip_prefix('_') {
        if let Some((name, _)) = target.split_once(':') {
            targets.push(name.trim_matches('`').to_string());
        }
        return;
    }
    let Some((name, _)) = rest.split_once("::") else {
        return; // a comment
    };
    let name = name.trim();
    if name.contains(char::is_whitespace) || name.starts_with('|') || name.starts_with('[') {
        return; // a comment, a substitution definition or a footnote
    }
    let lower = name.to_ascii_lowercase();
    if lower == "raw" || lower == "include" {
        out.push(format!(
            "line {n}: the `{name}` directive is disabled on the index"
        ));
    } else if !DIRECTIVES.contains(&lower.as_str()) {
        out.push(format!(
            "line {n}: unknown directive type `{name}` (Sphinx directives do not render on the index)"
        ));
    }
}

fn inline_checks(
    line: &str,
    n: usize,
    out: &mut Vec<String>,
    references: &mut Vec<(usize, String)>,
) {
    if line.matches("``").count() % 2 == 1 {
        out.push(format!(
            "line {n}: inline literal start-string without end-string"
        ));
    }
    let mut rest = line;
    while let Some(at) = rest.find(":`").or_else(|| rest.find("`_")) {
        let (before, after) = rest.split_at(at);
        if after.starts_with(":`") {
            let role = before
                .rsplit(|c: char| c.is_whitespace() || c == '(')
                .next()
                .unwrap_or("");
            if let Some(role) = role.strip_prefix(':') {
                if !role.is_empty() && !ROLES.contains(&role.to_ascii_lowercase().as_str()) {
                    out.push(format!("line {n}: unknown interpreted text role `{role}`"));
                }
            }
        } else if !after.starts_with("`__") {
            // `text`_ : a named reference, unless it embeds its URI.
            if let Some(open) = before.rfind('`') {
                let name = &before[open + 1..];
                if !name.ends_with('>') && !name.is_empty() {
                    references.push((n, name.split_whitespace().collect::<Vec<_>>().join(" ")));
                }
            }
        }
        rest = &rest[at + 2..];
    }
}

/// Section titles are implicit targets.
fn is_section(lines: &[&str], key: &str) -> bool {
    lines
        .windows(2)
        .any(|w| adornment(w[1]).is_some() && w[0].trim().to_lowercase() == key)
}

#[cfg(test)]
mod tests {
    use super::problems;

    #[test]
    fn good_rst_markdown_and_plain_pass() {
        let rst = "Demo\n====\n\nA *demo* with ``code`` and a `link <https://x>`_ and `Usage`_.\n\nUsage\n-----\n\n.. code-block:: python\n\n    x = `` unbalanced in code\n\n.. note:: fine\n\n.. _anchor: https://x\n\nSee `anchor`_::\n\n    .. raw:: html\n";
        assert_eq!(problems(None, rst), Vec::<String>::new());
        assert!(problems(Some("text/markdown"), "# x\n====\n``").is_empty());
        assert!(problems(Some("text/markdown; charset=UTF-8; variant=GFM"), "").is_empty());
        assert!(problems(Some("text/plain"), ".. raw:: html").is_empty());
    }

    #[test]
    fn rendering_failures_are_named_by_line() {
        let rst = "Demo project\n=====\n\nSee :ref:`install` and ``open.\n\n.. automodule:: demo\n\n.. raw:: html\n\n`missing`_\n";
        let found = problems(Some("text/x-rst"), rst);
        for expected in [
            "line 2: title underline too short",
            "line 4: unknown interpreted text role `ref`",
            "line 4: inline literal start-string",
            "line 6: unknown directive type `automodule`",
            "line 8: the `raw` directive is disabled",
            "line 10: unknown target name `missing`",
        ] {
            assert!(
                found.iter().any(|f| f.contains(expected)),
                "{expected}: {found:#?}"
            );
        }
        assert_eq!(found.len(), 6, "{found:#?}");
    }

    #[test]
    fn content_type_parameters_are_checked() {
        assert_eq!(
            problems(Some("text/markdown; variant=Original"), "").len(),
            1
        );
        assert_eq!(problems(Some("text/plain; charset=latin-1"), "").len(), 1);
        assert_eq!(problems(Some("text/html"), "").len(), 1);
    }
}
