//! Drawing the tab: the views line, the open view's table, and the detail pane beside it.

use super::InfraScreen;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn render(s: &mut InfraScreen, f: &mut Frame, area: Rect, theme: &Theme) {
    let [nav, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    // Every heading; the open one's views beside it, the open view marked.
    let nav_items = s.nav();
    let open_group = nav_items.iter().find(|(_, _, open)| *open).map(|(g, _, _)| *g).unwrap_or("");
    let mut spans = vec![];
    let mut last_group = "";
    for (group, kind, open) in nav_items {
        if group != last_group {
            let style = if group == open_group { theme.accent() } else { theme.dim() };
            spans.push(Span::styled(format!(" {group}"), style));
            spans.push(Span::raw(if group == open_group { ":" } else { " " }));
            last_group = group;
        }
        if group == open_group {
            let style = if open { theme.selected() } else { theme.dim() };
            spans.push(Span::styled(format!(" {kind} "), style));
        }
    }
    f.render_widget(Paragraph::new(Line::from(spans)), nav);
    let kind = s.kind();
    let title = kind.as_str();
    if !s.detail_open {
        s.table().render(f, body, theme, title);
        return;
    }
    let [list, pane] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body);
    s.table().render(f, list, theme, title);
    let selected = s.table().selected().map(|r| r.id);
    let mut lines: Vec<Line> = vec![];
    match &s.detail {
        Some((k, d)) if *k == kind && Some(d.record.id) == selected => {
            for (field, cell) in kind.fields().iter().zip(&d.record.cells) {
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<12} ", field.label), theme.dim()),
                    Span::raw(cell.show()),
                ]));
            }
            for (heading, items) in &d.sections {
                lines.push(Line::from(Span::styled(format!("{heading} ({})", items.len()), theme.dim())));
                lines.extend(items.iter().map(|i| Line::from(format!("  {i}"))));
            }
        }
        _ if selected.is_none() => lines.push(Line::from(Span::styled("nothing selected", theme.dim()))),
        _ => lines.push(Line::from(Span::styled("loading…", theme.dim()))),
    }
    let block = Block::default().borders(Borders::ALL).title(format!(" {} ", kind.singular()));
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), pane);
}
