//! Things drawn over a screen: help, the command palette, confirmations, one-time secrets,
//! and toasts.

use super::{centered, truncate, wrap};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use std::time::{Duration, Instant};
use unicode_width::UnicodeWidthStr;

fn framed<'a>(title: &str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent())
        .title(Span::styled(format!(" {title} "), theme.accent()))
}

/// Help: (keys, what) pairs for the current context, as wide as its longest line allows
/// (long lines wrap under their text) and scrolled by `scroll` rows when taller than the
/// terminal.
pub fn render_help(f: &mut Frame, area: Rect, theme: &Theme, context: &str, rows: &[(String, String)], scroll: usize) {
    let key_w = rows.iter().map(|(k, _)| k.width()).max().unwrap_or(0).min(24);
    let what_w = rows.iter().map(|(_, w)| w.width()).max().unwrap_or(0);
    let title = format!("keys: {context}");
    // Borders, a blank either side and two between keys and text: key_w + 6 around the text.
    let w = (key_w + what_w + 6).max(title.width() + 4).max(40).min(area.width as usize) as u16;
    // Each row wrapped to the box: the text column is what is left beside the keys.
    let text_w = (w as usize).saturating_sub(key_w + 6).max(1);
    let mut lines: Vec<Line> = Vec::new();
    for (k, what) in rows {
        for (n, part) in wrap(what, text_w).into_iter().enumerate() {
            let key = if n == 0 { k.as_str() } else { "" };
            lines.push(Line::from(vec![
                Span::styled(format!(" {key:>key_w$}  "), theme.accent()),
                Span::styled(part, theme.text()),
            ]));
        }
    }
    let r = centered(area, w, lines.len() as u16 + 3);
    let room = r.height.saturating_sub(3) as usize;
    let scroll = scroll.min(lines.len().saturating_sub(room));
    let more = lines.len() > room;
    let hint = if more {
        format!(" ↑↓ scroll ({}–{} of {}) · esc or ? closes", scroll + 1, (scroll + room).min(lines.len()), lines.len())
    } else {
        " esc or ? closes".into()
    };
    let mut shown: Vec<Line> = lines.into_iter().skip(scroll).take(room).collect();
    shown.push(Line::styled(hint, theme.dim()));
    f.render_widget(Clear, r);
    f.render_widget(Paragraph::new(shown).block(framed(&title, theme)), r);
}

pub struct ConfirmView<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

pub fn render_confirm(f: &mut Frame, area: Rect, theme: &Theme, c: &ConfirmView) {
    let w = 76u16.min(area.width);
    let text_lines = (c.message.chars().count() as u16 / w.saturating_sub(4).max(1)) + 1;
    let r = centered(area, w, text_lines + 5);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::styled(c.message.to_string(), theme.text()),
        Line::raw(""),
        Line::from(vec![
            Span::styled("y", theme.accent()),
            Span::styled(" yes   ", theme.text()),
            Span::styled("n/esc", theme.accent()),
            Span::styled(" no", theme.text()),
        ]),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(framed(c.title, theme)), r);
}

pub fn render_secret(f: &mut Frame, area: Rect, theme: &Theme, message: &str, secret: &str) {
    let r = centered(area, 72, 8);
    f.render_widget(Clear, r);
    let lines = vec![
        Line::styled(message.to_string(), theme.text()),
        Line::raw(""),
        Line::styled(secret.to_string(), theme.accent().add_modifier(Modifier::BOLD)),
        Line::raw(""),
        Line::styled("Shown once: copy it now. Any key closes.", theme.dim()),
    ];
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(framed("one-time secret", theme)), r);
}

/// Read-only lines with a scroll position (bulk results, task logs).
pub fn render_report(f: &mut Frame, area: Rect, theme: &Theme, title: &str, lines: &[String], scroll: usize) {
    let h = (lines.len() as u16 + 3).clamp(5, area.height.saturating_sub(2).max(5));
    let r = centered(area, area.width.saturating_sub(4).min(110), h);
    f.render_widget(Clear, r);
    let block = framed(title, theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(inner.height.saturating_sub(1) as usize)
        .map(|l| Line::styled(truncate(l, inner.width as usize), theme.text()))
        .collect();
    let mut all = shown;
    all.push(Line::styled(
        format!("↑↓ scroll · esc closes · {}/{}", (scroll + 1).min(lines.len()), lines.len()),
        theme.dim(),
    ));
    f.render_widget(Paragraph::new(all), inner);
}

/// The palette: an input line and the matching commands.
pub fn render_palette(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    input: &str,
    cursor: usize,
    matches: &[(String, String)],
    chosen: usize,
) {
    let h = (matches.len() as u16).min(10) + 3;
    let w = area.width.min(70);
    let r = Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + 2.min(area.height),
        width: w,
        height: h.min(area.height.saturating_sub(2)),
    };
    if r.height < 3 {
        return;
    }
    f.render_widget(Clear, r);
    let block = framed("command", theme);
    let inner = block.inner(r);
    f.render_widget(block, r);
    let mut lines =
        vec![Line::from(vec![Span::styled(":", theme.accent()), Span::styled(input.to_string(), theme.text())])];
    for (i, (name, what)) in matches.iter().take(10).enumerate() {
        let style = if i == chosen { theme.selected() } else { theme.text() };
        let text = truncate(&format!("{name:<22} {what}"), inner.width as usize);
        lines.push(Line::styled(text, style));
    }
    f.render_widget(Paragraph::new(lines), inner);
    f.set_cursor_position((inner.x + 1 + cursor as u16, inner.y));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Info,
    Error,
}

#[derive(Debug, Clone)]
pub struct Toast {
    pub text: String,
    pub kind: ToastKind,
    pub until: Instant,
}

#[derive(Debug, Default)]
pub struct Toasts {
    pub items: Vec<Toast>,
}

impl Toasts {
    pub fn push(&mut self, kind: ToastKind, text: impl Into<String>) {
        let ttl = if kind == ToastKind::Error { Duration::from_secs(8) } else { Duration::from_secs(4) };
        self.items.push(Toast { text: text.into(), kind, until: Instant::now() + ttl });
        if self.items.len() > 4 {
            self.items.remove(0);
        }
    }
    /// Drop expired toasts; true if any went.
    pub fn expire(&mut self, now: Instant) -> bool {
        let before = self.items.len();
        self.items.retain(|t| t.until > now);
        before != self.items.len()
    }
    pub fn next_expiry(&self) -> Option<Instant> {
        self.items.iter().map(|t| t.until).min()
    }
    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let mut y = area.bottom().saturating_sub(2);
        for t in self.items.iter().rev() {
            let w = (t.text.chars().count() as u16 + 4).min(area.width.saturating_sub(2)).min(80);
            if y <= area.y + 1 || w < 5 {
                break;
            }
            let r = Rect { x: area.right().saturating_sub(w + 1), y: y.saturating_sub(2), width: w, height: 3 };
            f.render_widget(Clear, r);
            let style = if t.kind == ToastKind::Error { theme.error() } else { theme.ok() };
            let block = Block::default().borders(Borders::ALL).border_style(style);
            f.render_widget(Paragraph::new(Span::styled(truncate(&t.text, w as usize - 2), style)).block(block), r);
            y = y.saturating_sub(3);
        }
    }
}
