//! Untrusted text is cleaned once, where it enters: no control or escape sequence may ever
//! reach a terminal. Newlines and tabs survive only where the field is multi-line.

/// One-line fields (names, subjects, tags): controls and line breaks become nothing/space.
pub fn line(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out.trim().to_string()
}

/// Multi-line fields (messages, comments): keep `\n`, turn `\t` into spaces, drop the rest.
pub fn multiline(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.replace("\r\n", "\n").chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if is_unsafe(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// C0/C1 controls, DEL, and the bidi overrides that can make text lie about its order.
fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_never_survive() {
        let evil = "hi\x1b]0;pwned\x07\x1b[2J\u{9b}31m there\u{202E}";
        let clean = line(evil);
        assert!(!clean.chars().any(|c| c.is_control()), "{clean:?}");
        assert_eq!(clean, "hi]0;pwned[2J31m there");
    }

    #[test]
    fn multiline_keeps_newlines_only() {
        assert_eq!(multiline("a\r\nb\tc\x00"), "a\nb    c");
        assert_eq!(line(" a\nb "), "a b");
    }
}
