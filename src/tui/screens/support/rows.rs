//! How support records show as table rows.

use crate::domain::invoice::format_cents;
use crate::domain::time::compact_age;
use crate::engine::read::support::{AssignmentRow, InvoiceRow, ThreadRow, VisitorSession};
use crate::tui::widgets::table::TableRow;
use chrono::{DateTime, Local, Utc};

fn age(t: DateTime<Utc>) -> String {
    compact_age((Utc::now() - t).num_seconds())
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%m-%d %H:%M").to_string()
}

/// A chat in the live queue: how long the visitor has waited (or been served).
impl TableRow for VisitorSession {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.reference.clone(),
            self.status.clone(),
            age(self.started_at),
            self.visitor_name.clone(),
            self.subject.clone(),
            self.claimed_by_name.clone().unwrap_or_else(|| "—".into()),
            self.messages.to_string(),
        ]
    }
}

/// A closed chat in the archive.
pub struct Archived(pub VisitorSession);

impl TableRow for Archived {
    fn key(&self) -> String {
        self.0.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let s = &self.0;
        let contact = s.visitor_email.clone().or(s.visitor_phone.clone()).unwrap_or_default();
        vec![
            s.reference.clone(),
            s.closed_at.map(local).unwrap_or_default(),
            s.visitor_name.clone(),
            contact,
            s.subject.clone(),
            s.claimed_by_name.clone().unwrap_or_else(|| "—".into()),
        ]
    }
}

impl TableRow for ThreadRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.thread_type.clone(),
            self.status.clone(),
            if self.unread > 0 { format!("● {}", self.unread) } else { String::new() },
            self.subject.clone(),
            self.assignment_code.clone().unwrap_or_default(),
            self.messages.to_string(),
            age(self.updated_at),
        ]
    }
}

impl TableRow for AssignmentRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.assignment_code.clone(),
            self.service_type.clone(),
            self.status.replace('_', " "),
            self.title.clone(),
            self.student.clone(),
            self.due_at.map(|d| d.with_timezone(&Local).format("%Y-%m-%d").to_string()).unwrap_or_default(),
            self.teachers.to_string(),
            self.invoices.to_string(),
        ]
    }
}

impl TableRow for InvoiceRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            super::short(self.id),
            self.assignment_code.clone().unwrap_or_else(|| "—".into()),
            self.student.clone(),
            format_cents(self.total_cents, &self.currency),
            format_cents(self.paid_cents, &self.currency),
            self.status.replace('_', " "),
            self.due_at.map(|d| d.with_timezone(&Local).format("%Y-%m-%d").to_string()).unwrap_or_default(),
            self.payments.to_string(),
        ]
    }
}

/// A tutoring record of any kind.
impl TableRow for crate::engine::read::support::RecordRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let (when, detail) = super::records::cells(self);
        vec![
            self.assignment_code.clone(),
            self.kind.clone(),
            self.status.replace('_', " "),
            when,
            self.person.clone().unwrap_or_default(),
            detail,
        ]
    }
}
