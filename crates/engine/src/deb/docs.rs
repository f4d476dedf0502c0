//! The documentation a Debian package carries: `changelog.Debian.gz`
//! (Policy §12.7, format §4.4) and a manual page per command (§12.1), both
//! compressed as `gzip -9n` does (no name, no timestamp) so builds repeat.

use flate2::{Compression, GzBuilder};
use std::io::Write;

/// Bytes compressed like `gzip -9n`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut gz = GzBuilder::new().write(Vec::new(), Compression::best());
    // Writing into a Vec cannot fail.
    let _ = gz.write_all(data);
    gz.finish().unwrap_or_default()
}

/// `Thu, 01 Jan 1970 00:00:00 +0000` (RFC 5322, as the changelog wants).
pub fn rfc2822(secs: u64) -> String {
    let (y, m, d, _) = crate::epoch::civil(secs);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let t = secs % 86_400;
    format!(
        "{}, {d:02} {} {y} {:02}:{:02}:{:02} +0000",
        DAYS[(secs / 86_400 % 7) as usize],
        MONTHS[(m - 1) as usize],
        t / 3600,
        t / 60 % 60,
        t % 60
    )
}

/// `YYYY-MM-DD`.
pub fn iso_date(secs: u64) -> String {
    let (y, m, d, _) = crate::epoch::civil(secs);
    format!("{y}-{m:02}-{d:02}")
}

/// One changelog entry for this build.
pub fn changelog(package: &str, version: &str, note: &str, maintainer: &str, secs: u64) -> String {
    let mut text = format!("{package} ({version}) unstable; urgency=medium\n\n");
    let mut first = true;
    for line in super::control::wrap(note, 74) {
        text.push_str(if first { "  * " } else { "    " });
        text.push_str(&line);
        text.push('\n');
        first = false;
    }
    text.push_str(&format!("\n -- {maintainer}  {}\n", rfc2822(secs)));
    text
}

/// roff text with `-`, `\` and line-leading `.`/`'` escaped.
fn roff(text: &str) -> String {
    let t = text.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with(['.', '\'']) {
        format!("\\&{t}")
    } else {
        t
    }
}

/// A manual page (man(7)) for `command`.
pub fn manpage(
    command: &str,
    package: &str,
    version: &str,
    summary: &str,
    about: &str,
    secs: u64,
) -> String {
    format!(
        ".TH {} 1 \"{}\" \"{package} {version}\" \"User Commands\"\n.SH NAME\n{} \\- {}\n.SH SYNOPSIS\n.B {}\n[\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]\n.SH DESCRIPTION\n{}\n.PP\nRun\n.B {} \\-\\-help\nfor its options.\n",
        roff(&command.to_uppercase()),
        iso_date(secs),
        roff(command),
        roff(summary),
        roff(command),
        roff(about),
        roff(command),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc2822(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(315_532_800), "Tue, 01 Jan 1980 00:00:00 +0000");
        assert_eq!(rfc2822(1_709_210_096), "Thu, 29 Feb 2024 12:34:56 +0000");
        assert_eq!(iso_date(1_709_210_096), "2024-02-29");
    }

    #[test]
    fn gzip_is_deterministic_and_nameless() {
        let a = gzip(b"hello");
        assert_eq!(a, gzip(b"hello"));
        assert_eq!(&a[4..8], &[0, 0, 0, 0], "no timestamp");
        assert_eq!(a[3] & 0x08, 0, "no file name");
    }

    #[test]
    fn changelog_entry_shape() {
        let c = changelog("greet", "1.0-1", "Built from greet 1.0.", "A <a@b.org>", 0);
        assert_eq!(
            c,
            "greet (1.0-1) unstable; urgency=medium\n\n  * Built from greet 1.0.\n\n -- A <a@b.org>  Thu, 01 Jan 1970 00:00:00 +0000\n"
        );
    }
}
