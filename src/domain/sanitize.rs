//! Untrusted text is cleaned once, where it enters: no control or escape sequence may ever
//! reach a terminal. Newlines and tabs survive only where the field is multi-line.
//!
//! What is invisible is decided by Unicode character properties (the ICU data compiled
//! into `icu_properties`), never by a hand-kept list:
//! - controls (C0, C1, DEL) are dropped;
//! - `Bidi_Control` (the marks, embeddings, overrides and isolates that can make text lie
//!   about its order, U+061C included) is dropped, and so are `Join_Control` (ZWJ, ZWNJ) and
//!   `Variation_Selector`, which only change how the characters beside them are drawn;
//! - every other `Default_Ignorable_Code_Point` (soft hyphen, Hangul fillers, tags,
//!   zero-width space, word joiner, BOM, …) and every private-use character becomes
//!   [`PLACEHOLDER`], one visible cell, so a name's width on screen is what it looks like.

use icu_properties::props::{BidiControl, DefaultIgnorableCodePoint, GeneralCategory, JoinControl, VariationSelector};
use icu_properties::{CodePointMapData, CodePointSetData};

/// What an invisible or private-use character is shown as: a dotted circle, one column in
/// every terminal (U+FFFD is East Asian "ambiguous", two columns in CJK locales, and VT
/// emulators treat it as a decoding error rather than a character).
pub const PLACEHOLDER: char = '\u{25CC}';

/// One-line fields (names, subjects, tags): controls and line breaks become nothing/space.
pub fn line(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c => push_clean(&mut out, c),
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
            c => push_clean(&mut out, c),
        }
    }
    out
}

/// What becomes of one character of untrusted text (and of a terminal cell's, see
/// [`super::glyph`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Keep,
    Drop,
    Placeholder,
}

fn push_clean(out: &mut String, c: char) {
    match class(c) {
        Class::Keep => out.push(c),
        Class::Drop => {}
        Class::Placeholder => out.push(PLACEHOLDER),
    }
}

pub fn class(c: char) -> Class {
    if c.is_ascii() {
        // The common case, without a table look-up.
        return if c.is_ascii_control() { Class::Drop } else { Class::Keep };
    }
    if c.is_control()
        || CodePointSetData::new::<BidiControl>().contains(c)
        || CodePointSetData::new::<JoinControl>().contains(c)
        || CodePointSetData::new::<VariationSelector>().contains(c)
    {
        Class::Drop
    } else if CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
        || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::PrivateUse
    {
        Class::Placeholder
    } else {
        Class::Keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn bidi_controls_go_by_property() {
        // U+061C ARABIC LETTER MARK was missed by the old hand list.
        for c in ['\u{061C}', '\u{200E}', '\u{200F}', '\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            assert_eq!(line(&format!("a{c}b")), "ab", "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn invisible_and_private_use_characters_show_as_a_placeholder() {
        let p = PLACEHOLDER;
        // Soft hyphen, Hangul fillers, a tag character, zero-width space, private use.
        for c in ['\u{00AD}', '\u{115F}', '\u{3164}', '\u{FFA0}', '\u{E0041}', '\u{200B}', '\u{E000}', '\u{F0000}'] {
            assert_eq!(line(&format!("a{c}b")), format!("a{p}b"), "U+{:04X}", c as u32);
        }
        // Joiners and variation selectors only shape their neighbours: dropped.
        assert_eq!(line("\u{2764}\u{FE0F}"), "\u{2764}");
        assert_eq!(line("a\u{200D}b"), "ab");
        // Ordinary text of every script stays as it is.
        assert_eq!(line("Zoë Ωμέγα 中文 العربية हिन्दी 한국어 🙂"), "Zoë Ωμέγα 中文 العربية हिन्दी 한국어 🙂");
    }

    fn forbidden(c: char) -> bool {
        c.is_control()
            || CodePointSetData::new::<BidiControl>().contains(c)
            || CodePointSetData::new::<DefaultIgnorableCodePoint>().contains(c)
            || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::PrivateUse
    }

    proptest! {
        #[test]
        fn no_forbidden_character_survives(s in "\\PC*|[\\x00-\\x{10FFFF}]{0,64}") {
            for out in [line(&s), multiline(&s)] {
                for c in out.chars() {
                    prop_assert!(c == '\n' || !forbidden(c), "U+{:04X} survived in {:?}", c as u32, out);
                }
            }
        }

        #[test]
        fn every_character_is_kept_dropped_or_replaced_one_for_one(s in "[\\x20-\\x{10FFFF}]{0,64}") {
            // No line breaks or tabs in the input: each character maps to itself, nothing,
            // or one placeholder, so the output is never longer than the input.
            let out = multiline(&s);
            let expected: String = s
                .chars()
                .filter_map(|c| match class(c) {
                    Class::Keep => Some(c),
                    Class::Drop => None,
                    Class::Placeholder => Some(PLACEHOLDER),
                })
                .collect();
            prop_assert_eq!(&out, &expected);
            prop_assert!(out.chars().count() <= s.chars().count());
            // Sanitising is idempotent: clean text stays as it is.
            prop_assert_eq!(multiline(&out), out.clone());
        }
    }
}
