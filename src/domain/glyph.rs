//! What a terminal cell may hold so that every terminal draws it at the width the layout
//! gave it. Terminals size text one code point at a time (a zero-width one joins the cell
//! before it); layout sizes whole grapheme clusters. Where the two disagree (ZWJ emoji,
//! flags, skin tones, soft hyphens, Bidi controls) the rest of the row shifts, so a cell
//! keeps only what both agree on, and a cell left with nothing shows a placeholder.
//! Classified by Unicode property (ICU data), never by a hand-kept list.

use super::sanitize::{Class, class};
use icu_properties::props::{EmojiModifier, GeneralCategory, GeneralCategoryGroup};
use icu_properties::{CodePointMapData, CodePointSetData};
use std::borrow::Cow;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Drawn as a placeholder: what sanitising shows as one (default-ignorables, private use),
/// and unassigned code points, whose width no two terminals agree on.
fn needs_placeholder(c: char) -> bool {
    class(c) == Class::Placeholder || CodePointMapData::<GeneralCategory>::new().get(c) == GeneralCategory::Unassigned
}

/// A mark that terminals join to the cell before it.
fn joins_previous(c: char) -> bool {
    GeneralCategoryGroup::Mark.contains(CodePointMapData::<GeneralCategory>::new().get(c))
        && c.width() == Some(0)
        && !CodePointSetData::new::<EmojiModifier>().contains(c)
}

/// The symbol a cell laid out for `symbol` must hold instead, if any: one visible base
/// character of the same width plus the marks that join it, or a placeholder that width.
pub fn cell_symbol(symbol: &str) -> Option<Cow<'static, str>> {
    let Some(first) = symbol.chars().next() else {
        // An empty cell still takes its column: drawn as nothing, it would shift the row.
        return Some(Cow::Borrowed(" "));
    };
    if symbol.len() == 1 && (first.is_ascii_graphic() || first == ' ') {
        return None;
    }
    let width = symbol.width();
    let mut kept = String::with_capacity(symbol.len());
    for c in symbol.chars() {
        if class(c) == Class::Drop {
            continue;
        }
        if kept.is_empty() {
            if needs_placeholder(c) || c.width() != Some(width) {
                break;
            }
            kept.push(c);
        } else if joins_previous(c) {
            kept.push(c);
        }
    }
    if kept == symbol {
        return None;
    }
    if kept.is_empty() || kept.width() != width {
        // A cell of its own takes a column even when its characters have no width (a tab,
        // a lone Bidi mark): a blank then, a placeholder for what was meant to be seen.
        return Some(Cow::Borrowed(match width {
            0 => " ",
            1 => "\u{25CC}",
            _ => "\u{FF1F}",
        }));
    }
    Some(Cow::Owned(kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_wide_letters_stay() {
        for s in ["a", " ", "é", "学", "😀", "e\u{301}", "한"] {
            assert_eq!(cell_symbol(s), None, "{s:?}");
        }
    }

    #[test]
    fn what_terminals_disagree_on_is_made_one_width() {
        // ZWJ sequence: the first person, at the cluster's width.
        assert_eq!(cell_symbol("👩\u{200d}💻").as_deref(), Some("👩"));
        // Skin tone: the hand alone.
        assert_eq!(cell_symbol("👍🏽").as_deref(), Some("👍"));
        // A flag: two one-column letters laid out as one wide cell.
        assert_eq!(cell_symbol("🇩🇪").as_deref(), Some("\u{FF1F}"));
        // Invisible ones that took a column show a placeholder.
        for s in ["\u{ad}", "\u{3164}", "\u{e000}", "\t", "\u{61c}", ""] {
            let placeholder = cell_symbol(s).unwrap();
            assert_eq!(placeholder.width(), s.width().max(1), "{s:?} → {placeholder:?}");
        }
    }
}
