//! Drawing the Classes tab: the class list; one class with its facts, deployment progress
//! and VM table; the per-VM report (how to connect).

use super::Op;
use super::{ClassesScreen, Level};
use crate::domain::classes::token::TokenState;
use crate::domain::rbac::Actor;
use crate::domain::time;
use crate::engine::Command;
use crate::engine::read::classes::{Class, ClassVm};
use crate::tui::app::{Effect, Overlay};
use crate::tui::theme::Theme;
use crate::tui::widgets::table::TableRow;
use chrono::Local;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn class_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("class", Constraint::Fill(2)),
        ("teacher", Constraint::Length(10)),
        ("hours", Constraint::Length(26)),
        ("VMs", Constraint::Length(7)),
        ("students", Constraint::Length(12)),
        ("deployment", Constraint::Length(16)),
        ("state", Constraint::Length(9)),
    ]
}

pub fn vm_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        (" ", Constraint::Length(1)),
        ("student", Constraint::Length(12)),
        ("VM", Constraint::Fill(1)),
        ("vmid", Constraint::Length(6)),
        ("status", Constraint::Length(9)),
        ("IP", Constraint::Length(15)),
        ("usage", Constraint::Length(12)),
        ("last seen", Constraint::Length(11)),
        ("connect", Constraint::Fill(1)),
    ]
}

fn hours_label(c: &Class) -> String {
    match c.hours() {
        Some(h) => format!("{} {}", h.label(), c.time_zone),
        None => "any time".into(),
    }
}

fn deployment_label(c: &Class) -> String {
    match (c.steps_open, c.steps_failed) {
        (0, 0) if c.steps_total == 0 => "-".into(),
        (0, 0) => "done".into(),
        (_, f) if f > 0 => format!("{f} failed"),
        _ => format!("{}/{} steps", c.steps_done, c.steps_total),
    }
}

impl TableRow for Class {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let waiting = if self.waiting > 0 { format!(" +{} wait", self.waiting) } else { String::new() };
        vec![
            self.name.clone(),
            self.teacher.clone(),
            hours_label(self),
            format!("{}/{}", self.seats, self.pool_size),
            format!("{}{waiting}", self.enrolled),
            deployment_label(self),
            if self.archived_at.is_some() { "archived" } else { "open" }.into(),
        ]
    }
}

fn status_label(v: &ClassVm) -> String {
    if v.status == "deleting" {
        return "removing".into();
    }
    match (&v.lock, &v.guest_status) {
        (Some(l), _) => l.clone(),
        (None, Some(s)) => s.clone(),
        (None, None) => "unknown".into(),
    }
}

/// A VM row of the table: the VM and whether it is marked.
#[derive(Debug, Clone, PartialEq)]
pub struct VmRow {
    pub vm: ClassVm,
    pub marked: bool,
}

impl TableRow for VmRow {
    fn key(&self) -> String {
        self.vm.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let mut cells = vm_cells(&self.vm);
        cells[0] = if self.marked { "●".into() } else { String::new() };
        cells
    }
}

fn vm_cells(v: &ClassVm) -> Vec<String> {
    v.cells_inner()
}

impl ClassVm {
    fn cells_inner(&self) -> Vec<String> {
        let who = match (self.role.as_str(), &self.username) {
            ("student", Some(u)) => u.clone(),
            ("student", None) => "(free)".into(),
            (role, _) => format!("({role})"),
        };
        let seen =
            self.last_login_at.map(|t| t.with_timezone(&Local).format("%m-%d %H:%M").to_string()).unwrap_or("-".into());
        vec![
            String::new(),
            who,
            self.vm_name.clone(),
            self.vmid.to_string(),
            status_label(self),
            self.ip.clone().unwrap_or_else(|| "-".into()),
            self.usage().label(),
            seen,
            self.connect_hint(),
        ]
    }
}

impl ClassesScreen {
    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        match self.level {
            Level::List => self.classes.render(f, area, theme, "classes"),
            Level::Class => self.class_view(f, area, theme),
            Level::Templates => self.templates.render(f, area, theme, "templates (replicas under each)"),
        }
    }

    fn class_view(&mut self, f: &mut Frame, area: Rect, theme: &Theme) {
        let lines = self.detail_lines(theme);
        let [head, table] =
            Layout::vertical([Constraint::Length(lines.len() as u16 + 2), Constraint::Fill(1)]).areas(area);
        let title = self.detail.as_ref().map(|d| d.class.name.clone()).unwrap_or_else(|| "class".into());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(format!(" {title} "), theme.accent()));
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).block(block), head);
        let title = if self.marks.is_empty() { "VMs".to_string() } else { format!("VMs, {} marked", self.marks.len()) };
        self.vms.render(f, table, theme, &title);
    }

    fn detail_lines(&self, theme: &Theme) -> Vec<Line<'static>> {
        let Some(d) = &self.detail else { return vec![Line::styled("loading…", theme.dim())] };
        let c = &d.class;
        let now = time::now();
        let mut lines = Vec::new();
        let template = match (&c.template_name, c.template_vmid) {
            (Some(n), Some(v)) => format!("{n} ({v})"),
            _ => "no template".into(),
        };
        let co =
            if d.co_owners.is_empty() { String::new() } else { format!(" · co-owners {}", d.co_owners.join(", ")) };
        lines.push(Line::from(vec![
            Span::styled(format!("teacher {}{co}", c.teacher), theme.text()),
            Span::styled(format!(" · {template} on {}", c.node().unwrap_or("?")), theme.dim()),
            Span::styled(
                format!(" · VMIDs {}", c.vmid_prefix.map(|p| format!("{p}00-{p}99")).unwrap_or_default()),
                theme.dim(),
            ),
        ]));
        let open_now = match c.hours() {
            Some(h) if h.is_open(c.zone(), now) => Span::styled(" open now", theme.ok()),
            Some(h) => Span::styled(
                format!(" closed, opens {}", h.next_open(c.zone(), now).with_timezone(&c.zone()).format("%a %H:%M")),
                theme.warn(),
            ),
            None => Span::raw(""),
        };
        let shutdown = if c.auto_shutdown_enabled {
            format!("idle shutdown below {}% for {} min", c.auto_shutdown_cpu_percent, c.auto_shutdown_idle_minutes)
        } else {
            "no idle shutdown".into()
        };
        let max = c.max_usage_hours.map(|h| format!("max {h} h each")).unwrap_or("no usage limit".into());
        let lead = c.power_on_lead_minutes.map(|m| format!(" · power on {m} min before")).unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("hours {}", hours_label(c)), theme.text()),
            open_now,
            Span::styled(format!(" · {shutdown} · {max}{lead}"), theme.dim()),
        ]));
        if c.teaches || !d.tokens.is_empty() {
            let code = match d.tokens.iter().find(|t| t.state == TokenState::Active) {
                Some(t) => {
                    let until = t
                        .expires_at
                        .map(|e| format!("until {}", e.with_timezone(&Local).format("%Y-%m-%d")))
                        .unwrap_or("never expires".into());
                    let issued = t.created_at.with_timezone(&Local).format("%Y-%m-%d");
                    Span::styled(
                        format!("join code of {issued} ({until}, {} joined) — i issues a new one", t.uses),
                        theme.text(),
                    )
                }
                None => Span::styled("no active join code — press i to issue one", theme.warn()),
            };
            lines.push(Line::from(vec![
                code,
                Span::styled(
                    format!(" · {} students, {} waiting · {} free VMs", c.enrolled, c.waiting, c.free_seats),
                    theme.dim(),
                ),
            ]));
        }
        if !d.progress.is_empty() {
            let done = d.progress.iter().filter(|p| p.done == p.total).count();
            let mut spans =
                vec![Span::styled(format!("deployment {done}/{} VMs ready", d.progress.len()), theme.text())];
            for p in d.progress.iter().filter(|p| p.done < p.total).take(6) {
                let style = if p.state == "failed" { theme.error() } else { theme.warn() };
                let what = match (&p.current, &p.error) {
                    (Some(k), Some(e)) if p.state == "failed" => format!("{k} failed: {e}"),
                    (Some(k), _) => format!("{k} {} ({}/{})", p.state, p.done, p.total),
                    _ => String::new(),
                };
                spans.push(Span::styled(format!(" · {} {what}", p.vmid), style));
            }
            if d.progress.iter().any(|p| p.state == "failed") {
                spans.push(Span::styled(" — y retries", theme.dim()));
            }
            lines.push(Line::from(spans));
        }
        if !c.teaches {
            lines.push(Line::styled(
                "s start · S stop · D shut down · v revert to baseline · enter: how to connect".to_string(),
                theme.dim(),
            ));
        }
        lines
    }
}

/// Everything about one VM, for the report overlay (Enter).
pub fn vm_report(class: &Class, v: &ClassVm) -> Overlay {
    let mut lines = vec![
        format!("VM         {} ({}) on {}", v.vm_name, v.vmid, v.node),
        format!("student    {}", v.username.clone().unwrap_or_else(|| "(none)".into())),
        format!("state      {}", status_label(v)),
        format!("IP         {}", v.ip.clone().unwrap_or_else(|| "-".into())),
        format!("connect    {}", v.connect_hint()),
        format!("usage      {}", v.usage().label()),
        format!("hours      {}", hours_label(class)),
    ];
    if let Some(ip) = v.ip.as_deref() {
        lines.push(String::new());
        lines.push(format!("ssh        ssh {}@{ip}", v.username.as_deref().unwrap_or("student")));
        lines.push(format!("RDP        {ip}:3389 (mstsc /v:{ip} or xfreerdp /v:{ip})"));
    }
    Overlay::Report { title: format!("{} · {}", class.name, v.vm_name), lines, scroll: 0 }
}

pub(super) fn confirm_deploy(c: &Class, actor: &Actor) -> Effect {
    Effect::Open(Overlay::Confirm {
        title: "deploy class".into(),
        message: format!(
            "Deploy {}: a teacher VM and {} student VMs (linked clones of {}) with a baseline snapshot each?",
            c.name,
            c.pool_size,
            c.template_name.as_deref().unwrap_or("its template")
        ),
        on_yes: Command::new(actor, Op::Scale { class_id: c.id, size: None }),
    })
}

/// "sam's lb-student-01 (4102), …" — what a confirmation names.
pub(super) fn names(vms: &[ClassVm]) -> String {
    let shown: Vec<String> = vms
        .iter()
        .take(5)
        .map(|v| match &v.username {
            Some(u) => format!("{u}'s {} ({})", v.vm_name, v.vmid),
            None => format!("{} ({})", v.vm_name, v.vmid),
        })
        .collect();
    let more = if vms.len() > 5 { format!(" and {} more", vms.len() - 5) } else { String::new() };
    format!("{}{more}", shown.join(", "))
}
