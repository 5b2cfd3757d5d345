//! Drawing the Inventory: summary of clusters and nodes, the guest table (only the rows that
//! fit are built), the detail pane, and the tasks / ISO / template tables.

use super::{InventoryScreen, View};
use crate::domain::inventory::{Guest, GuestStatus, bytes};
use crate::domain::time::compact_age;
use crate::engine::read::inventory::{Iso, Task};
use crate::tui::theme::Theme;
use crate::tui::widgets::columns::{self, Col};
use crate::tui::widgets::table::TableRow;
use crate::tui::widgets::truncate;
use chrono::{Local, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Sparkline, Table, Wrap};

/// The guest table's columns. On a narrow terminal the name, state and address stay longest
/// (rank 0–2); empty columns (no guest on screen has an address, say) are left out.
const GUEST_COLUMNS: [Col; 15] = [
    Col::new("", 1, 0).always(),
    Col::new("cluster", 12, 6),
    Col::new("vmid", 6, 1),
    Col::new("name", 24, 0).cut_to(10),
    Col::new("type", 4, 7),
    Col::new("node", 12, 4),
    Col::new("status", 8, 0),
    Col::new("ha", 3, 8),
    Col::new("cpu", 4, 5),
    Col::new("mem", 4, 5),
    Col::new("max", 6, 6),
    Col::new("up", 5, 7),
    Col::new("ip", 15, 2),
    Col::new("reach", 7, 3),
    Col::new("tags", 200, 9).cut_to(8),
];

pub fn task_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("state", Constraint::Length(10)),
        ("task", Constraint::Length(14)), // "qmdelsnapshot" whole
        ("vmid", Constraint::Length(7)),
        ("node", Constraint::Length(8)),
        ("by", Constraint::Length(10)),
        ("started", Constraint::Length(16)),
        ("result", Constraint::Fill(1)),
    ]
}

pub fn iso_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("name", Constraint::Fill(1)),
        ("size", Constraint::Length(8)),
        ("node", Constraint::Length(8)),
        ("storage", Constraint::Length(10)),
        ("volume", Constraint::Fill(1)),
    ]
}

pub fn template_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("cluster", Constraint::Length(10)),
        ("vmid", Constraint::Length(7)),
        ("name", Constraint::Fill(1)),
        ("node", Constraint::Length(8)),
        ("cpus", Constraint::Length(5)),
        ("memory", Constraint::Length(8)),
        ("disk", Constraint::Length(8)),
    ]
}

/// A text gauge: `▰▰▰▱▱▱` for a fraction.
fn bar(frac: f64, width: usize) -> String {
    let full = ((frac.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    format!("{}{}", "▰".repeat(full), "▱".repeat(width - full))
}

impl TableRow for Task {
    fn key(&self) -> String {
        self.upid.clone()
    }
    fn cells(&self) -> Vec<String> {
        let state = match (self.status.as_str(), self.progress) {
            ("running", Some(p)) => format!("{} {:>3.0}%", bar(p, 4), p * 100.0),
            ("running", None) => "running".into(),
            // Proxmox says "stopped" for every ended task; how it ended is in its exit status.
            ("stopped", _) => match self.exit_status.as_deref() {
                Some("OK") => "done".into(),
                Some(e) if e.starts_with("WARNINGS") => "done, warn".into(),
                _ => "failed".into(),
            },
            (s, _) => s.to_string(),
        };
        vec![
            state,
            self.task_type.clone(),
            self.vmid.map(|v| v.to_string()).unwrap_or_default(),
            self.node.clone(),
            self.started_by.clone().unwrap_or_else(|| "-".into()),
            self.started_at.with_timezone(&Local).format("%m-%d %H:%M:%S").to_string(),
            self.exit_status.clone().unwrap_or_default(),
        ]
    }
}

impl TableRow for Iso {
    fn key(&self) -> String {
        format!("{}:{}", self.cluster_id, self.volid)
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.size_bytes.map(|b| bytes(b.max(0) as u64)).unwrap_or_default(),
            self.node.clone(),
            self.storage.clone(),
            self.volid.clone(),
        ]
    }
}

impl TableRow for Guest {
    fn key(&self) -> String {
        format!("{}:{}", self.cluster_id, self.vmid)
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.cluster.to_string(),
            self.vmid.to_string(),
            self.name.to_string(),
            self.node.to_string(),
            self.maxcpu.to_string(),
            bytes(self.maxmem),
            bytes(self.maxdisk),
        ]
    }
}

fn status_style(s: GuestStatus, theme: &Theme) -> Style {
    match s {
        GuestStatus::Running => theme.ok(),
        GuestStatus::Stopped => theme.dim(),
        GuestStatus::Unknown => theme.error(),
        _ => theme.warn(),
    }
}

impl InventoryScreen {
    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let summary_h = (self.overview.clusters.len() + self.overview.nodes.len()).clamp(1, 8) as u16 + 2;
        let [nav, summary, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(summary_h), Constraint::Fill(1)]).areas(area);
        let mut spans = vec![];
        for v in View::ALL {
            spans.push(Span::styled(
                format!(" {} ", v.name()),
                if v == self.view { theme.selected() } else { theme.dim() },
            ));
            spans.push(Span::raw(" "));
        }
        if self.view == View::Guests {
            let sort = self.list.sort.map(|k| k.name()).unwrap_or("cluster");
            spans.push(Span::styled(
                format!("  sort: {sort}{}", if self.list.descending { " ↓" } else { " ↑" }),
                theme.dim(),
            ));
            if !self.list.marks.is_empty() {
                spans.push(Span::styled(format!("  {} marked", self.list.marks.len()), theme.warn()));
            }
        }
        f.render_widget(Line::from(spans), nav);
        self.render_summary(f, summary, theme);
        match self.view {
            View::Guests if self.detail_open && body.width >= 60 => {
                let [table, detail] =
                    Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(body);
                self.render_guests(f, table, theme);
                self.render_detail(f, detail, theme);
            }
            View::Guests => self.render_guests(f, body, theme),
            View::Tasks => self.tasks.render(f, body, theme, "tasks"),
            View::Isos => self.isos.render(f, body, theme, "ISO images"),
            View::Templates => self.templates.render(f, body, theme, "templates"),
        }
    }

    fn render_summary(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let now = Utc::now();
        let mut lines = Vec::new();
        if self.overview.clusters.is_empty() {
            lines.push(Line::styled("No cluster yet: add one in Admin › clusters.", theme.dim()));
        }
        for (c, h) in &self.overview.clusters {
            let (total, running) = self.list.counts(c.id);
            let age = h
                .last_success_at
                .map(|t| format!("data {} old", compact_age((now - t).num_seconds())))
                .unwrap_or_else(|| "no data yet".into());
            let poller = poller_text(h, now);
            // The cluster's name comes first, then what is wrong with it (issue 14 #17): an
            // error that repeats "cluster <name>" drops that prefix.
            let (health, style) = match (&h.last_error, &h.warning) {
                (Some(e), _) => {
                    let e = e.strip_prefix(&format!("cluster {} ", c.name)).unwrap_or(e);
                    (format!("✗ {}", truncate(e, 60)), theme.error())
                }
                // Polling works but something is off (a token without VM.Audit): say what.
                (None, Some(w)) => (format!("! {}", truncate(w, 90)), theme.warn()),
                (None, None) if h.last_success_at.is_some() => ("✓".to_string(), theme.ok()),
                (None, None) => ("…".to_string(), theme.dim()),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{:<10} ", c.name), theme.accent()),
                Span::styled(health, style),
                Span::styled(
                    format!(
                        " · {total} guests, {running} running · {age}{} · {poller}",
                        h.last_duration_ms.map(|d| format!(" ({d} ms)")).unwrap_or_default()
                    ),
                    theme.text(),
                ),
            ]));
            for n in self.overview.nodes.iter().filter(|n| n.cluster_id == c.id) {
                let cpu = n.cpu.unwrap_or(0.0);
                let mem = match (n.mem, n.maxmem) {
                    (Some(m), Some(x)) if x > 0 => m as f64 / x as f64,
                    _ => 0.0,
                };
                let st = if n.status == "online" { theme.ok() } else { theme.error() };
                // A node missing from the latest answer: how long since it was last seen.
                let seen = match n.last_seen_at {
                    Some(t) if n.status != "online" => format!(" seen {} ago", compact_age((now - t).num_seconds())),
                    _ => String::new(),
                };
                lines.push(Line::from(vec![
                    Span::raw("    "),
                    Span::styled(format!("{:<8} {:<8}{seen}", n.name, n.status), st),
                    Span::styled(format!(" cpu {} {:>3.0}%", bar(cpu, 10), cpu * 100.0), theme.text()),
                    Span::styled(
                        format!(
                            "  mem {} {:>3.0}% of {}",
                            bar(mem, 10),
                            mem * 100.0,
                            bytes(n.maxmem.unwrap_or(0).max(0) as u64)
                        ),
                        theme.text(),
                    ),
                ]));
            }
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" clusters ", theme.accent()));
        f.render_widget(Paragraph::new(lines).block(block), area);
    }

    fn render_guests(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let title = if self.filter.is_empty() {
            format!(" guests ({}) ", self.list.len())
        } else {
            format!(" guests ({}/{}) /{} ", self.list.len(), self.list.total(), self.filter)
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(title, theme.accent()));
        let height = block.inner(area).height.saturating_sub(1) as usize;
        self.guests_drawn = (area, height);
        let cursor = self.list.cursor();
        if cursor < self.list.offset {
            self.list.offset = cursor;
        } else if height > 0 && cursor >= self.list.offset + height {
            self.list.offset = cursor + 1 - height;
        }
        let offset = self.list.offset;
        let lines: Vec<_> = self
            .list
            .window(offset, height)
            .enumerate()
            .map(|(n, g)| {
                let marked = self.list.marks.contains(&g.key());
                let row_style = if offset + n == cursor { theme.selected() } else { theme.text() };
                let mem = g.mem_fraction().map(|m| format!("{:>3.0}%", m * 100.0)).unwrap_or_default();
                let cpu =
                    if g.status == GuestStatus::Running { format!("{:>3.0}%", g.cpu * 100.0) } else { String::new() };
                let kind = if g.template { "tmpl" } else { g.guest_type.as_str() };
                // The node's own state beside the guest's (never instead of it).
                let node_down = self
                    .overview
                    .nodes
                    .iter()
                    .any(|n| n.cluster_id == g.cluster_id && *n.name == *g.node && n.status != "online");
                let node = if node_down { format!("{}?", g.node) } else { g.node.to_string() };
                // Stale: kept as last seen, missing from the latest answer.
                let status = if g.stale { format!("{}~", g.status.as_str()) } else { g.status.as_str().to_string() };
                let ha = match g.ha {
                    None => "",
                    Some(h) if h.is_trouble() => "ha!",
                    Some(_) => "ha",
                };
                let reach = match (g.ssh, g.rdp) {
                    (true, true) => "ssh rdp",
                    (true, false) => "ssh",
                    (false, true) => "rdp",
                    _ => "",
                };
                let cells: [(String, Style); 15] = [
                    ((if marked { "●" } else { " " }).into(), row_style),
                    (g.cluster.to_string(), row_style),
                    (g.vmid.to_string(), row_style),
                    (g.name.to_string(), row_style),
                    (kind.into(), row_style),
                    (node, if node_down { theme.warn() } else { theme.text() }),
                    (status, if g.stale { theme.dim() } else { status_style(g.status, theme) }),
                    (ha.into(), row_style),
                    (cpu, row_style),
                    (mem, row_style),
                    (bytes(g.maxmem), row_style),
                    (if g.uptime > 0 { compact_age(g.uptime as i64) } else { String::new() }, row_style),
                    (g.ip.map(|ip| ip.to_string()).unwrap_or_default(), row_style),
                    (reach.into(), row_style),
                    (g.lock.as_deref().map(|l| format!("🔒{l} ")).unwrap_or_default() + &g.tags, row_style),
                ];
                (cells, row_style)
            })
            .collect();
        let widest = columns::widest(
            GUEST_COLUMNS.len(),
            lines.iter().map(|(c, _)| c.iter().map(|(t, _)| t.as_str()).collect()),
        );
        // Columns only grow until the next full load: scrolling and filtering then rewrite
        // rows, not the whole table (and the layout does not jump under the reader's eyes).
        self.guest_widths.resize(GUEST_COLUMNS.len(), 0);
        for (kept, now) in self.guest_widths.iter_mut().zip(widest) {
            *kept = (*kept).max(now);
        }
        let shown = columns::fit(&GUEST_COLUMNS, &self.guest_widths, block.inner(area).width);
        let rows: Vec<Row> = lines
            .into_iter()
            .map(|(mut cells, style)| {
                let cell = |c: &mut (String, Style)| Cell::from(Span::styled(std::mem::take(&mut c.0), c.1));
                Row::new(shown.iter().map(|&(i, _)| cell(&mut cells[i]))).style(style)
            })
            .collect();
        let widths = shown.iter().map(|&(_, w)| Constraint::Length(w));
        let header = Row::new(shown.iter().map(|&(i, _)| GUEST_COLUMNS[i].header)).style(theme.header());
        let empty = rows.is_empty();
        f.render_widget(Table::new(rows, widths).header(header).block(block).column_spacing(columns::SPACING), area);
        if empty && area.height > 3 && area.width > 4 {
            let msg = if !self.list.loaded {
                "loading…"
            } else if self.list.total() == 0 {
                "no guests (yet): the poller fills this in"
            } else {
                "no guest matches the filter"
            };
            f.render_widget(
                Span::styled(msg, theme.dim()),
                Rect { x: area.x + 2, y: area.y + 2, width: area.width - 4, height: 1 },
            );
        }
    }

    fn render_detail(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        let Some(g) = self.list.selected() else {
            return;
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(format!(" {} ({}) ", g.name, g.vmid), theme.accent()));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let Some(d) = &self.detail else {
            f.render_widget(Paragraph::new("fetching from Proxmox…").style(theme.dim()), inner);
            return;
        };
        let [spark, text] = Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(inner);
        let peak = d.cpu.iter().copied().max().unwrap_or(0);
        f.render_widget(
            Sparkline::default()
                .data(&d.cpu)
                .max(100)
                .style(theme.ok())
                .block(Block::default().title(Span::styled(format!("cpu, last hour (peak {peak}%)"), theme.dim()))),
            spark,
        );
        let mut lines: Vec<Line> = Vec::new();
        let ips = if d.ips.is_empty() { "—".to_string() } else { d.ips.join(", ") };
        lines.push(Line::from(vec![Span::styled("ips  ", theme.dim()), Span::styled(ips, theme.text())]));
        if let Some(r) = d.rates {
            let rate = |b: f64| format!("{}/s", bytes(b.max(0.0) as u64));
            lines.push(Line::from(vec![
                Span::styled("disk ", theme.dim()),
                Span::styled(format!("read {} write {}", rate(r.diskread), rate(r.diskwrite)), theme.text()),
            ]));
            lines.push(Line::from(vec![
                Span::styled("net  ", theme.dim()),
                Span::styled(format!("in {} out {}", rate(r.netin), rate(r.netout)), theme.text()),
            ]));
        }
        if g.stale {
            lines.push(Line::styled("stale: missing from Proxmox's latest answer, shown as last seen", theme.warn()));
        }
        for n in &d.notes {
            lines.push(Line::styled(n.clone(), theme.dim()));
        }
        lines.push(Line::styled(format!("snapshots ({})", d.snapshots.len()), theme.header()));
        for (name, when) in &d.snapshots {
            lines.push(Line::from(vec![
                Span::styled(format!("  {name:<16} "), theme.text()),
                Span::styled(when.clone(), theme.dim()),
            ]));
        }
        lines.push(Line::styled("config", theme.header()));
        for (k, v) in &d.config {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<10} "), theme.dim()),
                Span::styled(v.clone(), theme.text()),
            ]));
        }
        for p in &d.problems {
            lines.push(Line::styled(p.clone(), theme.warn()));
        }
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ended_tasks_read_done_or_failed() {
        let task = |status: &str, exit: Option<&str>| Task {
            id: uuid::Uuid::nil(),
            upid: "UPID:pve1:1:2:3:qmstart:100:root@pam:".into(),
            cluster_id: uuid::Uuid::nil(),
            node: "pve1".into(),
            task_type: "qmstart".into(),
            vmid: Some(100),
            status: status.into(),
            exit_status: exit.map(String::from),
            progress: None,
            started_by: None,
            started_at: Utc::now(),
            ended_at: None,
        };
        let state = |status, exit| task(status, exit).cells()[0].clone();
        assert_eq!(state("stopped", Some("OK")), "done");
        assert_eq!(state("stopped", Some("WARNINGS: 2")), "done, warn");
        assert_eq!(state("stopped", Some("command 'qm start 100' failed: exit code 1")), "failed");
        assert_eq!(state("stopped", None), "failed");
        assert_eq!(state("running", None), "running");
        assert_eq!(state("unknown", Some("unreadable UPID")), "unknown");
    }
}

/// Who polls a cluster, in plain words: a poller backing off after failures says when it
/// tries again (its lease may lapse meanwhile; it is not gone).
pub fn poller_text(h: &crate::engine::read::inventory::PollHealth, now: chrono::DateTime<Utc>) -> String {
    let owner = match (&h.lease_owner, h.lease_expires_at) {
        (Some(o), Some(exp)) if exp > now => Some(o.split(':').next().unwrap_or(o)),
        _ => None,
    };
    let failures = h.consecutive_failures;
    match (owner, h.next_poll_at) {
        (owner, Some(next)) if failures > 0 && next > now => {
            let wait = compact_age((next - now).num_seconds().max(1));
            let who = owner.map(|o| format!(" ({o})")).unwrap_or_default();
            let times = if failures == 1 { "once".to_string() } else { format!("{failures} times in a row") };
            format!("poller backing off{who}: failed {times}, next try in {wait}")
        }
        (Some(o), _) => format!("polled by {o}"),
        (None, _) if failures > 0 => "poller failing, retrying now".into(),
        (None, _) => "no poller running".into(),
    }
}

#[cfg(test)]
mod poller_tests {
    use super::poller_text;
    use crate::engine::read::inventory::PollHealth;
    use chrono::{Duration, Utc};

    #[test]
    fn a_backing_off_poller_says_so_and_when_it_tries_again() {
        let now = Utc::now();
        let live = |failures, next: Option<i64>, lease: i64| PollHealth {
            lease_owner: Some("host-a:42".into()),
            lease_expires_at: Some(now + Duration::seconds(lease)),
            next_poll_at: next.map(|s| now + Duration::seconds(s)),
            consecutive_failures: failures,
            ..PollHealth::default()
        };
        assert_eq!(poller_text(&live(0, Some(5), 20), now), "polled by host-a");
        assert_eq!(
            poller_text(&live(3, Some(40), -1), now),
            "poller backing off: failed 3 times in a row, next try in 40s"
        );
        assert_eq!(poller_text(&live(1, Some(8), 20), now), "poller backing off (host-a): failed once, next try in 8s");
        assert_eq!(poller_text(&live(2, Some(-1), -1), now), "poller failing, retrying now");
        assert_eq!(poller_text(&PollHealth::default(), now), "no poller running");
    }
}
