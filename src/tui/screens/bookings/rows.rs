//! Table rows and columns for the Bookings tab's lists.

use crate::engine::read::bookings::{BookingRow, DeviceRow, FavoriteRow, PendingGroup, TopologyRow};
use crate::tui::widgets::table::TableRow;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::layout::Constraint;

/// Rows are built before the time zone is known to the row, so lists carry it along.
pub struct Local<T>(pub T, pub Tz);

fn at(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%a %m-%d %H:%M").to_string()
}

impl TableRow for DeviceRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.name.clone(),
            self.device_type.clone(),
            if self.retired_at.is_some() { "retired".into() } else { self.status.clone() },
            self.capacity.to_string(),
            self.health.clone().unwrap_or_else(|| "-".into()),
            self.owners.join(", "),
            self.tags.join(", "),
        ]
    }
}

pub fn device_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("device", Constraint::Length(14)),
        ("type", Constraint::Length(12)),
        ("status", Constraint::Length(11)),
        ("cap", Constraint::Length(3)),
        ("health", Constraint::Length(8)),
        ("owners", Constraint::Length(14)),
        ("tags", Constraint::Fill(1)),
    ]
}

impl TableRow for Local<BookingRow> {
    fn key(&self) -> String {
        self.0.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let b = &self.0;
        vec![
            at(self.1, b.starts_at),
            at(self.1, b.ends_at),
            b.device_name.clone(),
            b.username.clone(),
            b.status.clone(),
            b.title.clone(),
        ]
    }
}

pub fn booking_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("starts", Constraint::Length(15)),
        ("ends", Constraint::Length(15)),
        ("device", Constraint::Length(14)),
        ("who", Constraint::Length(10)),
        ("status", Constraint::Length(9)),
        ("title", Constraint::Fill(1)),
    ]
}

impl TableRow for Local<PendingGroup> {
    fn key(&self) -> String {
        self.0.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let g = &self.0;
        vec![at(self.1, g.starts_at), at(self.1, g.ends_at), g.devices.to_string(), g.username.clone(), g.title.clone()]
    }
}

pub fn pending_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("starts", Constraint::Length(15)),
        ("ends", Constraint::Length(15)),
        ("devices", Constraint::Length(7)),
        ("who", Constraint::Length(10)),
        ("title", Constraint::Fill(1)),
    ]
}

impl TableRow for FavoriteRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let devices: Vec<String> = self
            .devices
            .iter()
            .map(|(id, name, _)| if id.is_some() { name.clone() } else { format!("{name} (gone)") })
            .collect();
        vec![self.name.clone(), devices.len().to_string(), devices.join(", ")]
    }
}

pub fn favorite_columns() -> Vec<(&'static str, Constraint)> {
    vec![("favorite", Constraint::Length(20)), ("n", Constraint::Length(3)), ("devices", Constraint::Fill(1))]
}

impl TableRow for Local<TopologyRow> {
    fn key(&self) -> String {
        self.0.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let t = &self.0;
        let window = match (t.requested_starts_at, t.requested_ends_at) {
            (Some(s), Some(e)) => format!("{} → {}", at(self.1, s), at(self.1, e)),
            _ => String::new(),
        };
        vec![
            t.name.clone(),
            t.owner.clone(),
            format!("{}/{}", t.nodes, t.links),
            match (&t.review, t.changed()) {
                (None, _) => "draft".into(),
                (Some(r), true) => format!("{r}*"),
                (Some(r), false) => r.clone(),
            },
            t.conflict_count.map(|c| c.to_string()).unwrap_or_default(),
            window,
        ]
    }
}

pub fn topology_columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("topology", Constraint::Length(18)),
        ("owner", Constraint::Length(10)),
        ("nodes/links", Constraint::Length(11)),
        ("review", Constraint::Length(9)),
        ("conflicts", Constraint::Length(9)),
        ("window", Constraint::Fill(1)),
    ]
}
