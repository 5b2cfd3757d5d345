//! The device detail beside the device list: ports, maintenance, the ownership history
//! (transfers included), and health as a status strip and one sparkline per metric.

use super::BookingsScreen;
use crate::domain::bookings::Interval;
use crate::domain::bookings::health::{self, short, sparkline};
use crate::engine::read::bookings::{HealthRow, OwnershipRow};
use crate::tui::theme::Theme;
use crate::tui::widgets::truncate;
use chrono::Duration;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// A health status as one character of the strip.
fn status_glyph(s: &str) -> char {
    match s {
        "healthy" => '·',
        "warning" => '!',
        "critical" => '✖',
        _ => '?',
    }
}

/// Lines for the health of a device: snapshots given newest first, drawn oldest first.
pub fn health_lines(rows: &[HealthRow], width: usize) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let oldest_first: Vec<&HealthRow> = rows.iter().rev().collect();
    let Some(latest) = rows.first() else {
        return vec![("no health recorded".into(), false)];
    };
    const NAME_W: usize = 13;
    let bars = width.saturating_sub(NAME_W + 20).clamp(4, 48);
    let strip: String = oldest_first.iter().rev().take(bars).rev().map(|h| status_glyph(&h.status)).collect();
    out.push((format!("{:<NAME_W$}{strip} {}", "status", latest.status), latest.status != "healthy"));
    for s in health::series(oldest_first.iter().map(|h| h.metrics.as_deref())) {
        let last = s.last().map(short).unwrap_or_default();
        let line = format!(
            "{:<NAME_W$}{} {last} ({}–{})",
            truncate(&s.name, NAME_W - 1),
            sparkline(&s.values, bars),
            short(s.min()),
            short(s.max())
        );
        out.push((line, false));
    }
    out
}

/// Lines for the ownership history, newest first: who, since when, until when and by whom.
pub fn owner_lines(screen: &BookingsScreen, owners: &[OwnershipRow]) -> Vec<String> {
    if owners.is_empty() {
        return vec![" no owner ever".into()];
    }
    owners
        .iter()
        .map(|o| {
            let by = o.assigned_by.as_deref().map(|b| format!(" by {b}")).unwrap_or_default();
            match o.revoked_at {
                None => format!(" {} since {}{by} (now)", o.owner, screen.cal.stamp(o.assigned_at)),
                Some(t) => format!(
                    " {} {} → {}{by}, ended by {}",
                    o.owner,
                    screen.cal.stamp(o.assigned_at),
                    screen.cal.stamp(t),
                    o.revoked_by.as_deref().unwrap_or("?")
                ),
            }
        })
        .collect()
}

impl BookingsScreen {
    pub(super) fn draw_device_detail(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" detail ", theme.accent()));
        let width = block.inner(area).width as usize;
        let mut lines = Vec::new();
        if let Some(d) = self.devices.selected() {
            lines.push(Line::styled(format!("{} ({})", d.name, d.device_type), theme.accent()));
            lines.push(Line::raw(format!(
                "ip {}  ports in {} / out {}",
                d.ip_address.as_deref().unwrap_or("-"),
                d.in_port,
                d.out_port
            )));
            lines.push(Line::raw(format!("capacity {}  status {}", d.capacity, d.status)));
            let maint = self.cal.maintenance_in(
                d.id,
                Interval { start: self.now() - Duration::days(1), end: self.now() + Duration::days(60) },
            );
            for m in maint {
                lines.push(Line::styled(
                    format!(
                        "maintenance {} → {} {}",
                        self.cal.stamp(m.starts_at),
                        self.cal.stamp(m.ends_at),
                        m.reason.as_deref().unwrap_or("")
                    ),
                    theme.warn(),
                ));
            }
            if let Some((id, owners, health)) = &self.device_detail
                && *id == d.id
            {
                lines.push(Line::styled(format!("health ({} snapshots, oldest left)", health.len()), theme.header()));
                for (text, warn) in health_lines(health, width) {
                    lines.push(Line::styled(text, if warn { theme.warn() } else { theme.text() }));
                }
                lines.push(Line::styled("ownership history", theme.header()));
                lines.extend(owner_lines(self, owners).into_iter().map(Line::raw));
            }
        }
        f.render_widget(Paragraph::new(lines).block(block), area);
    }
}
