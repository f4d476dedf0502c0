//! The `control` file (deb-control(5), Policy §5.3 and §5.6): fields in
//! the order dpkg-gencontrol writes them, a Description with a synopsis and
//! an extended description, Installed-Size in KiB.

use crate::project::{Person, Project};
use crate::{Error, Result};

/// `Name <email>` split into its parts, when it has that shape.
pub fn parse_maintainer(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.trim().split_once('<')?;
    let email = rest.strip_suffix('>')?;
    let name = name.trim();
    let ok = !name.is_empty()
        && !name.contains([',', '<', '>', '\n'])
        && email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
        && !email.contains([' ', '<', '>']);
    ok.then(|| (name.to_string(), email.to_string()))
}

/// The Maintainer field: `tool.gradient.deb.maintainer`, else the first of
/// `project.maintainers`, then `project.authors`, with a name and an email.
pub fn maintainer(project: &Project) -> Result<String> {
    if let Some(m) = &project.settings.deb.maintainer {
        return Ok(m.clone());
    }
    let with_both = |p: &&Person| p.name.is_some() && p.email.is_some();
    let person = project
        .metadata
        .maintainers
        .iter()
        .find(with_both)
        .or_else(|| project.metadata.authors.iter().find(with_both));
    match person {
        Some(Person {
            name: Some(n),
            email: Some(e),
        }) => Ok(format!("{n} <{e}>")),
        _ => Err(Error::project(
            &project.pyproject_path,
            Some("project.maintainers"),
            "a Debian package names its Maintainer with a name and an email address (Policy 5.6.2); add `maintainers = [{ name = \"…\", email = \"…\" }]` to [project] (or authors), or set tool.gradient.deb.maintainer = \"Name <email>\"",
        )),
    }
}

/// The Description field's value: the synopsis (one line, under 80
/// characters, no final period), then each paragraph wrapped and indented,
/// paragraphs separated by ` .`.
pub fn description(synopsis: &str, paragraphs: &[String]) -> String {
    let mut synopsis = without_article(synopsis.trim().trim_end_matches('.')).to_string();
    if synopsis.chars().count() > 79 {
        let cut: String = synopsis.chars().take(76).collect();
        let at = cut.rfind(' ').unwrap_or(cut.len());
        synopsis = format!("{}...", &cut[..at]);
    }
    let mut out = synopsis;
    for (i, p) in paragraphs
        .iter()
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push_str("\n .");
        }
        for line in wrap(p, 78) {
            out.push_str("\n ");
            out.push_str(&line);
        }
    }
    out
}

/// The synopsis without a leading article (Developer's Reference 6.2.2:
/// "the synopsis ... should not start with an article").
fn without_article(synopsis: &str) -> &str {
    ["A ", "An ", "The "]
        .iter()
        .find_map(|a| synopsis.strip_prefix(a))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(synopsis)
}

/// Greedy word wrap at `width` columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The first prose paragraph of a readme (headings, badges, markup blocks
/// and link-only lines skipped), for the extended description.
pub fn readme_paragraph(text: &str) -> Option<String> {
    text.split("\n\n")
        .map(str::trim)
        .find(|p| {
            let first = p.chars().next().unwrap_or('#');
            !p.is_empty()
                && !"#=[<!`|.:-*>".contains(first)
                && !p.starts_with("..")
                && p.split_whitespace().count() >= 4
        })
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// `Name: value` lines; multi-line values are already indented.
pub fn render(fields: &[(&str, String)]) -> String {
    fields
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}: {v}\n"))
        .collect()
}

/// Installed-Size as dpkg-gencontrol counts it: each file's size in KiB
/// rounded up, plus one KiB for each directory and symbolic link.
pub fn installed_size(file_sizes: impl Iterator<Item = u64>, others: usize) -> u64 {
    file_sizes.map(|s| s.div_ceil(1024)).sum::<u64>() + others as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_synopsis_starts_without_an_article() {
        assert_eq!(description("A small tool.", &[]), "small tool");
        assert_eq!(description("The greeter", &[]), "greeter");
        assert_eq!(description("Anagram finder", &[]), "Anagram finder");
    }

    #[test]
    fn maintainers_parse() {
        assert_eq!(
            parse_maintainer("Ada Lovelace <ada@example.org>"),
            Some(("Ada Lovelace".into(), "ada@example.org".into()))
        );
        assert!(parse_maintainer("ada@example.org").is_none());
        assert!(parse_maintainer("Ada <ada>").is_none());
    }

    #[test]
    fn descriptions_are_formatted_as_policy_says() {
        let d = description(
            "A tool.",
            &["one two three ".repeat(10), "second paragraph".into()],
        );
        let mut lines = d.lines();
        assert_eq!(lines.next(), Some("tool"), "no article, no full stop");
        assert!(d
            .lines()
            .skip(1)
            .all(|l| l.starts_with(' ') && l.len() <= 79));
        assert!(d.contains("\n .\n second paragraph"), "{d}");
        let long = description(&"word ".repeat(30), &[]);
        assert!(long.len() < 80 && long.ends_with("..."), "{long}");
    }

    #[test]
    fn readme_first_prose() {
        let md = "# greet\n\n[![badge](x)](y)\n\nGreet prints a friendly greeting to whoever asks.\nIt is small.\n\n## Usage\n";
        assert_eq!(
            readme_paragraph(md).as_deref(),
            Some("Greet prints a friendly greeting to whoever asks. It is small.")
        );
    }

    #[test]
    fn installed_size_rounds_up_per_file() {
        assert_eq!(
            installed_size([1, 1024, 1025].into_iter(), 2),
            1 + 1 + 2 + 2
        );
    }
}
