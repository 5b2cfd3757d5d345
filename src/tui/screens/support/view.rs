//! Drawing Support: the view line, the table on the left, and beside it the chat (with
//! the compose box) or the thread with its tutoring context.

use super::{SupportScreen, View, visible_views};
use crate::domain::rbac::Actor;
use crate::engine::read::support::{ThreadMessage, TutoringContext, VisitorMessage, VisitorSession};
use crate::tui::theme::Theme;
use chrono::Local;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Message text wrapped to the pane (never narrower than 8 columns).
fn wrap(text: &str, width: usize) -> Vec<String> {
    crate::tui::widgets::wrap(text, width.max(8))
}

/// The last `height` lines: the compose box shows the end of the draft.
fn bottom(lines: Vec<Line<'static>>, height: usize) -> Vec<Line<'static>> {
    let skip = lines.len().saturating_sub(height);
    lines.into_iter().skip(skip).collect()
}

/// Messages in a pane of `height` rows, `scroll` lines back from the newest (clamped to the
/// oldest, and written back so "later" moves at once). Scrolled back, the last row says how
/// much is newer.
fn scrollback(lines: Vec<Line<'static>>, height: usize, scroll: &mut usize, theme: &Theme) -> Vec<Line<'static>> {
    if lines.len() <= height || height < 2 {
        *scroll = 0;
        return bottom(lines, height);
    }
    // The oldest line at the top, one row kept for the note.
    *scroll = (*scroll).min(lines.len() + 1 - height);
    if *scroll == 0 {
        return bottom(lines, height);
    }
    let newer = *scroll;
    let end = lines.len() - newer;
    let mut out = bottom(lines.into_iter().take(end).collect(), height - 1);
    out.push(Line::styled(format!("── {newer} newer lines · . later ──"), theme.dim()));
    out
}

fn chat_lines(s: Option<&VisitorSession>, msgs: &[VisitorMessage], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let visitor = s.map(|s| s.visitor_name.clone()).unwrap_or_else(|| "visitor".into());
    let mut out = Vec::new();
    for m in msgs {
        let (who, style) = match m.sender_type.as_str() {
            "visitor" => (visitor.clone(), theme.accent()),
            "rep" => (m.rep_name.clone().unwrap_or_else(|| "rep".into()), theme.ok()),
            _ => (String::new(), theme.dim()),
        };
        let time = m.created_at.with_timezone(&Local).format("%H:%M");
        let head = if who.is_empty() { format!("{time} · ") } else { format!("{time} {who}: ") };
        push_message(&mut out, head, &m.content, width, style, theme);
    }
    out
}

fn push_message(out: &mut Vec<Line<'static>>, head: String, text: &str, width: usize, style: Style, theme: &Theme) {
    // Continuation lines are indented under the text, so they wrap at the same width.
    let indent = head.chars().count().min(width / 2);
    let mut lines = wrap(text, width.saturating_sub(indent)).into_iter();
    let first = lines.next().unwrap_or_default();
    out.push(Line::from(vec![Span::styled(head, style), Span::styled(first, theme.text())]));
    for l in lines {
        out.push(Line::styled(format!("{}{l}", " ".repeat(indent)), theme.text()));
    }
}

/// A bordered panel with its title; returns the inside.
fn panel(f: &mut Frame, area: Rect, theme: &Theme, title: String) -> Rect {
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.border()).title(Span::styled(title, theme.header()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    inner
}

/// The compose box: a rule with the keys, then the draft's last lines.
fn render_compose(f: &mut Frame, area: Rect, theme: &Theme, compose: &super::Compose) {
    let title = match (&compose.pending, &compose.error) {
        (Some(_), _) => Span::styled(" sending… (the text stays until it is stored) ", theme.dim()),
        (None, Some(e)) => Span::styled(format!(" not sent: {e} · enter tries again "), theme.error()),
        (None, None) => Span::styled(" reply: enter sends · alt+enter/ctrl+j new line · esc away ", theme.dim()),
    };
    let block = Block::default().borders(Borders::TOP).border_style(theme.accent()).title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let lines: Vec<Line> = compose.lines().into_iter().map(Line::raw).collect();
    f.render_widget(Paragraph::new(bottom(lines, inner.height as usize)), inner);
}

fn thread_lines(msgs: &[ThreadMessage], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for m in msgs {
        let who = m.sender_name.clone().unwrap_or_else(|| "·".into());
        let head = format!("{} {who}: ", m.created_at.with_timezone(&Local).format("%m-%d %H:%M"));
        push_message(&mut out, head, &m.content, width, theme.accent(), theme);
        for a in &m.attachments {
            let kind = a.mime_type.clone().unwrap_or_else(|| "file".into());
            // A stored upload is named only; a link shows where it points.
            let at = if a.location.starts_with("stored:") { "" } else { a.location.as_str() };
            out.push(Line::styled(format!("      📎 {} ({kind}) {at}", a.name), theme.dim()));
        }
    }
    out
}

/// One line per person (at most three): "[TT] Tim Tutor  teacher · Europe/Berlin · Calculus".
fn people_lines(people: &[crate::engine::read::admin::PersonCard], theme: &Theme) -> Vec<Line<'static>> {
    let mut out: Vec<Line<'static>> = people
        .iter()
        .take(3)
        .map(|p| {
            let subjects = if p.subjects.is_empty() { String::new() } else { format!(" · {}", p.subjects) };
            Line::from(vec![
                Span::styled(format!("[{}]", p.initials), theme.accent()),
                Span::raw(format!(" {}  ", p.display_name)),
                Span::styled(format!("{} · {}{subjects}", p.role, p.time_zone), theme.dim()),
            ])
        })
        .collect();
    if people.len() > 3 {
        out.push(Line::styled(format!("and {} more", people.len() - 3), theme.dim()));
    }
    out
}

fn context_lines(ctx: &TutoringContext, theme: &Theme) -> Vec<Line<'static>> {
    ctx.items
        .iter()
        .map(|i| Line::from(vec![Span::styled(format!("{:<11}", i.kind), theme.dim()), Span::raw(i.text.clone())]))
        .collect()
}

impl SupportScreen {
    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme, actor: &Actor) {
        let [nav, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        let mut spans = vec![];
        for v in visible_views(actor) {
            let style = if v == self.view { theme.selected() } else { theme.dim() };
            spans.push(Span::styled(format!(" {} ", v.name()), style));
            spans.push(Span::raw(" "));
        }
        let info = match self.view {
            View::Queue => format!("  {} waiting{}", self.waiting, if self.bell { "  🔔" } else { "" }),
            View::Archive if !self.archive_query.is_empty() => format!("  search: {}", self.archive_query),
            View::Threads => {
                let search = if self.thread_query.is_empty() {
                    String::new()
                } else {
                    format!("  search: {}", self.thread_query)
                };
                format!("  type: {}  unread: {}{search}", self.type_filter.unwrap_or("all"), self.unread)
            }
            View::Records => {
                let of = self.record_scope.as_ref().map(|s| format!("  of {}", s.1)).unwrap_or_default();
                format!("  kind: {}{of}", self.record_kind.map(|k| k.plural()).unwrap_or("all"))
            }
            _ => String::new(),
        };
        spans.push(Span::styled(info, theme.dim()));
        f.render_widget(Paragraph::new(Line::from(spans)), nav);
        match self.view {
            View::Records => return self.records.render(f, body, theme, "records"),
            View::Assignments => {
                // The table keeps the full width; the selected assignment's links go below it.
                let n = self.links.as_ref().map(|l| l.1.items.len()).unwrap_or(0) as u16;
                let [top, bottom] = Layout::vertical([
                    Constraint::Fill(1),
                    Constraint::Length((n + 3).min(body.height.saturating_sub(5))),
                ])
                .areas(body);
                self.assignments.render(f, top, theme, "assignments");
                return self.render_links(f, bottom, theme);
            }
            View::Invoices => return self.invoices.render(f, body, theme, "invoices"),
            _ => {}
        }
        let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(body);
        match self.view {
            View::Queue => {
                self.queue.render(f, left, theme, "live chats");
                self.render_chat(f, right, theme, true);
            }
            View::Archive => {
                self.archive.render(f, left, theme, "closed chats");
                self.render_chat(f, right, theme, false);
            }
            View::Threads => {
                self.threads.render(f, left, theme, "threads");
                self.render_thread(f, right, theme);
            }
            View::Assignments | View::Records | View::Invoices => {}
        }
    }

    /// The selected assignment's records and invoices.
    fn render_links(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let selected = self.assignments.selected().map(|a| a.id);
        let links = self.links.as_ref().filter(|l| Some(l.0) == selected).map(|l| &l.1);
        let title = links.map(|c| format!(" {} ", c.title)).unwrap_or_else(|| " records ".into());
        let inner = panel(f, area, theme, title);
        let Some(ctx) = links else { return };
        let [list, foot] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(inner);
        f.render_widget(Paragraph::new(context_lines(ctx, theme)), list);
        f.render_widget(Line::styled("enter: its records · e status · n new assignment", theme.dim()), foot);
    }

    fn render_chat(&mut self, f: &mut Frame, area: Rect, theme: &Theme, live: bool) {
        let session = if live { self.queue.selected().cloned() } else { self.archive.selected().map(|a| a.0.clone()) };
        let title = match &session {
            Some(s) => format!(" {} · {} · {} ", s.reference, s.visitor_name, s.status),
            None => " chat ".into(),
        };
        let inner = panel(f, area, theme, title);
        let Some(s) = session else {
            f.render_widget(Paragraph::new(Line::styled("No chat selected.", theme.dim())), inner);
            return;
        };
        let compose_h = if live && self.composing { (self.compose.lines().len() as u16 + 2).clamp(3, 8) } else { 1 };
        let [head, log, foot] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1), Constraint::Length(compose_h)]).areas(inner);
        let contact =
            [s.visitor_email.clone(), s.visitor_phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · ");
        let rep = s.claimed_by_name.clone().map(|r| format!("with {r}")).unwrap_or_else(|| "unclaimed".into());
        f.render_widget(
            Paragraph::new(vec![
                Line::from(vec![Span::styled("subject ", theme.dim()), Span::raw(s.subject.clone())]),
                Line::styled(format!("{contact}  {rep}"), theme.dim()),
            ]),
            head,
        );
        let msgs = match &self.transcript {
            Some((id, m)) if *id == s.id => m.as_slice(),
            _ => &[],
        };
        let lines = chat_lines(Some(&s), msgs, log.width as usize, theme);
        self.log_height = log.height as usize;
        f.render_widget(Paragraph::new(scrollback(lines, self.log_height, &mut self.scroll, theme)), log);
        if live && self.composing {
            render_compose(f, foot, theme, &self.compose);
        } else if live {
            let hint = if s.status == "waiting" {
                "C claim · m canned · F transfer · X close · , . scroll"
            } else {
                "enter reply · m canned · F transfer · X close · U convert · , . scroll"
            };
            f.render_widget(Line::styled(hint, theme.dim()), foot);
        }
    }

    fn render_thread(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let selected = self.threads.selected().cloned();
        let open = self.thread.as_ref().filter(|t| selected.as_ref().is_some_and(|s| s.id == t.id));
        let title = match (&selected, open) {
            (Some(s), Some(_)) => format!(" {} ", s.subject),
            (Some(_), None) => " enter opens the thread ".into(),
            (None, _) => " thread ".into(),
        };
        let inner = panel(f, area, theme, title);
        let Some(open) = open else { return };
        // Who takes part, as avatars: "[TT] Tim Tutor (teacher, Europe/Berlin · Calculus)".
        let who = people_lines(&open.people, theme);
        let [people, inner] =
            Layout::vertical([Constraint::Length(who.len() as u16), Constraint::Fill(1)]).areas(inner);
        f.render_widget(Paragraph::new(who), people);
        let ctx_h =
            if open.context.items.is_empty() { 0 } else { (open.context.items.len() as u16 + 2).min(inner.height / 3) };
        let compose_h = if self.composing { (self.compose.lines().len() as u16 + 1).clamp(2, 7) } else { 0 };
        let [ctx, log, foot] =
            Layout::vertical([Constraint::Length(ctx_h), Constraint::Fill(1), Constraint::Length(compose_h)])
                .areas(inner);
        if ctx_h > 0 {
            let block = Block::default()
                .borders(Borders::BOTTOM)
                .border_style(theme.border())
                .title(Span::styled(format!(" {} ", open.context.title), theme.accent()));
            let inner = block.inner(ctx);
            f.render_widget(block, ctx);
            f.render_widget(Paragraph::new(context_lines(&open.context, theme)), inner);
        }
        let lines = thread_lines(&open.messages, log.width as usize, theme);
        self.log_height = log.height as usize;
        f.render_widget(Paragraph::new(scrollback(lines, self.log_height, &mut self.scroll, theme)), log);
        if self.composing {
            render_compose(f, foot, theme, &self.compose);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn wrapping_keeps_words_and_breaks_long_ones() {
        assert_eq!(super::wrap("one two three", 8), vec!["one two", "three"]);
        assert_eq!(super::wrap("abcdefghijkl", 8), vec!["abcdefgh", "ijkl"]);
        assert_eq!(super::wrap("a\nb", 8), vec!["a", "b"]);
    }

    #[test]
    fn scrolling_back_stops_at_the_oldest_line_and_says_what_is_newer() {
        let theme = crate::tui::theme::Theme::default();
        let lines = || (0..10).map(|i| ratatui::text::Line::raw(format!("m{i}"))).collect::<Vec<_>>();
        let text = |v: Vec<ratatui::text::Line>| v.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        let mut scroll = 0;
        assert_eq!(text(super::scrollback(lines(), 4, &mut scroll, &theme)), ["m6", "m7", "m8", "m9"]);
        scroll = 2;
        let shown = text(super::scrollback(lines(), 4, &mut scroll, &theme));
        assert_eq!(shown[..3], ["m5", "m6", "m7"]);
        assert!(shown[3].contains("2 newer lines"));
        scroll = 99;
        let shown = text(super::scrollback(lines(), 4, &mut scroll, &theme));
        assert_eq!((scroll, &shown[..3]), (7, &["m0".to_string(), "m1".into(), "m2".into()][..]));
        scroll = 5;
        assert_eq!(text(super::scrollback(lines(), 20, &mut scroll, &theme)).len(), 10);
        assert_eq!(scroll, 0, "a short transcript has nothing to scroll");
    }
}
