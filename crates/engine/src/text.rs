//! Showing strings that come from an artifact or a project (member names,
//! metadata, file names, error messages quoting them) to a person. Such a
//! string may hold terminal control sequences (colours, hidden text, window
//! titles, OSC 52 clipboard writes), line breaks that forge extra report
//! lines, or bidirectional overrides that reorder what is read. [`shown`]
//! makes each of them visible as an escape instead; machine output (JSON)
//! keeps the exact strings.

use std::borrow::Cow;

/// `s` with every control character (C0, DEL, C1), line or paragraph
/// separator, bidirectional control and invisible format character written
/// as a visible escape: `\n`, `\r`, `\t`, `\x1b`, `\u{202e}`. Other text,
/// backslashes included, is unchanged, so applying it twice changes nothing.
pub fn shown(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) && (c as u32) < 0x100 => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2069}'
                | '\u{feff}'
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_sequences_become_visible() {
        let forged = "\nverifies: 0 errors, 0 warnings\x1b[8m";
        assert_eq!(shown(forged), "\\nverifies: 0 errors, 0 warnings\\x1b[8m");
        let osc52 = "a\x1b]52;c;ZWNobyBoaQ==\x07b";
        assert_eq!(shown(osc52), "a\\x1b]52;c;ZWNobyBoaQ==\\x07b");
        assert_eq!(shown("\u{9b}31m"), "\\x9b31m");
        assert_eq!(shown("abc\u{202e}fdp.exe"), "abc\\u{202e}fdp.exe");
        assert_eq!(shown("tab\there\r"), "tab\\there\\r");
    }

    #[test]
    fn plain_text_is_untouched_and_escaping_is_idempotent() {
        assert!(matches!(shown("pkg/mödule.py"), Cow::Borrowed(_)));
        assert_eq!(shown("back\\slash"), "back\\slash");
        let once = shown("x\x1by\n").into_owned();
        assert_eq!(shown(&once), once);
    }
}
