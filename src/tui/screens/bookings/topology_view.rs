//! Drawing topologies: beside the list, the selected one drawn (or its adjacency when the
//! drawing does not fit); the editor, full width, with the drawing above its node and link
//! list.

use super::graph::{self, GLink, GNode};
use super::topology::{Item, items};
use super::{BookingsScreen, Editor};
use crate::engine::read::bookings::{TopologyDetail, TopologyRow};
use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// The drawing of `t` in `width` columns, or `None` when not even one box fits.
pub fn drawing(t: &TopologyDetail, width: usize) -> Option<graph::Drawing> {
    let nodes: Vec<GNode> = t.nodes.iter().map(|n| GNode { id: n.id, label: n.label.clone() }).collect();
    let links: Vec<GLink> = t
        .links
        .iter()
        .map(|l| GLink {
            a: l.from_node_id,
            pa: t.port_label(l.from_node_id, l.from_port),
            b: l.to_node_id,
            pb: t.port_label(l.to_node_id, l.to_port),
        })
        .collect();
    graph::draw(&nodes, &links, width)
}

/// "submitted", "approved (changed since)", "draft".
pub fn review_text(r: &TopologyRow) -> String {
    match &r.review {
        None => "draft".into(),
        Some(s) if r.changed() => format!("{s} (changed since)"),
        Some(s) => s.clone(),
    }
}

impl BookingsScreen {
    /// Beside the list: the selected topology drawn, or as adjacency when it does not fit.
    pub(super) fn draw_topology(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" topology (enter opens) ", theme.accent()));
        let inner = block.inner(area);
        let mut lines = Vec::new();
        if let (Some(sel), Some(t)) = (self.topologies.selected(), &self.topology)
            && sel.0.id == t.row.id
        {
            match drawing(t, inner.width as usize) {
                Some(d) if !d.lines.is_empty() && d.undrawn == 0 => {
                    lines.extend(d.lines.into_iter().map(|l| Line::styled(l, theme.text())));
                }
                _ => {
                    for (node, next) in t.adjacency() {
                        lines.push(Line::raw(format!(
                            "{node} → {}",
                            if next.is_empty() { "(none)".into() } else { next.join(", ") }
                        )));
                    }
                }
            }
        }
        f.render_widget(Paragraph::new(lines).block(block), area);
    }

    /// The editor: a header, the drawing, then every node and link (the selected one marked).
    pub(super) fn draw_editor(&self, f: &mut Frame, area: Rect, theme: &Theme, editor: Editor) {
        let Some(t) = self.editing() else {
            f.render_widget(Paragraph::new(Line::styled("loading…", theme.dim())), area);
            return;
        };
        let rows = items(t);
        let drawn = drawing(t, area.width as usize);
        let picture: Vec<String> = drawn.as_ref().map(|d| d.lines.clone()).unwrap_or_default();
        // The list keeps at least 5 rows (or all it has); the drawing takes what is left.
        let list_min = (rows.len() as u16 + 2).clamp(3, 7);
        let pic_h = (picture.len() as u16).min(area.height.saturating_sub(list_min + 1));
        let [head, pic, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(pic_h), Constraint::Fill(1)]).areas(area);
        let r = &t.row;
        let head_text = format!(
            " {} · {} · review: {} · {} node(s), {} link(s)",
            r.name,
            r.owner,
            review_text(r),
            t.nodes.len(),
            t.links.len()
        );
        f.render_widget(Span::styled(truncate(&head_text, area.width as usize), theme.accent()), head);
        f.render_widget(
            Paragraph::new(picture.into_iter().map(|l| Line::styled(l, theme.text())).collect::<Vec<_>>()),
            pic,
        );
        let title = match &drawn {
            None => " nodes and links (too narrow to draw) ".to_string(),
            Some(d) if d.undrawn > 0 => format!(" nodes and links ({} between rows, listed only) ", d.undrawn),
            Some(_) => " nodes and links ".to_string(),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(title, theme.accent()));
        let inner = block.inner(list);
        let height = inner.height as usize;
        let first = editor.item.saturating_sub(height.saturating_sub(1));
        let links = t.link_facts();
        let lines: Vec<Line> = rows
            .iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(k, item)| {
                let text = match *item {
                    Item::Node(i) => {
                        let n = &t.nodes[i];
                        let facts = n.facts();
                        let ports = match &facts.ports {
                            None => "not a device".to_string(),
                            Some(ps) => {
                                let free = crate::domain::bookings::topology::free_ports(&facts, &links);
                                ps.iter()
                                    .map(|p| format!("{p}{}", if free.contains(p) { " free" } else { "" }))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                        };
                        format!("node  {} ({})  {ports}", n.label, n.device_type.as_deref().unwrap_or("-"))
                    }
                    Item::Link(i) => {
                        let l = &t.links[i];
                        let label = l.label.as_deref().map(|x| format!("  {x}")).unwrap_or_default();
                        format!("link  {}{label}", t.link_text(l))
                    }
                };
                let style = if k == editor.item { theme.selected() } else { theme.text() };
                Line::styled(truncate(&text, inner.width as usize), style)
            })
            .collect();
        let empty = rows.is_empty();
        f.render_widget(block, list);
        if empty {
            f.render_widget(Paragraph::new(Line::styled("no nodes yet: n adds one", theme.dim())), inner);
        } else {
            f.render_widget(Paragraph::new(lines), inner);
        }
    }
}
