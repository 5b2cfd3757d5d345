pub mod columns;
pub mod form;
pub mod overlay;
pub mod table;

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A centred box of at most `w`×`h`, shrunk to fit `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(area);
    let [cell] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(row);
    cell
}

/// Cut `s` to `width` terminal columns with an ellipsis (a wide character counts two).
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// Split `text` into lines of at most `width` terminal columns, breaking at spaces where it
/// can and inside a word longer than a line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let mut line = String::new();
        for word in raw.split(' ') {
            if !line.is_empty() && line.width() + 1 + word.width() > width {
                out.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
            while line.width() > width {
                let (mut head, mut used) = (String::new(), 0);
                let mut rest = line.chars().peekable();
                while let Some(&c) = rest.peek() {
                    let w = c.width().unwrap_or(0);
                    if used + w > width && !head.is_empty() {
                        break;
                    }
                    used += w;
                    head.push(c);
                    rest.next();
                }
                line = rest.collect();
                out.push(head);
            }
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_and_wrapping_count_terminal_columns() {
        assert_eq!(truncate("日本語テキスト", 7), "日本語…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(wrap("日本語 テキスト", 6), ["日本語", "テキス", "ト"]);
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert!(wrap("👩‍🔬👩‍🔬👩‍🔬 x", 4).iter().all(|l| l.width() <= 4));
    }
}
