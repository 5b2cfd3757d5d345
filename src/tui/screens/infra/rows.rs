//! A record as a table row: the listed fields' text, numbers for sorting, and the filter's
//! haystack made once (a filter key over 100k addresses must not rebuild it per row).

use crate::domain::infra::{FieldKind, Kind, Record};
use crate::tui::widgets::table::TableRow;
use ratatui::layout::Constraint;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct InfraRow {
    pub id: Uuid,
    pub record: Record,
    cells: Vec<String>,
    numbers: Vec<Option<i64>>,
    hay: String,
}

/// The fields a kind's table shows, by index into `kind.fields()`.
pub fn listed(kind: Kind) -> Vec<usize> {
    kind.fields().iter().enumerate().filter(|(_, f)| f.listed).map(|(i, _)| i).collect()
}

/// The table's columns: labels with a width fit for what they hold.
pub fn columns(kind: Kind) -> Vec<(&'static str, Constraint)> {
    listed(kind)
        .into_iter()
        .map(|i| {
            let f = &kind.fields()[i];
            let width = match f.kind {
                FieldKind::Count | FieldKind::Percent | FieldKind::Vlan | FieldKind::Int { .. } => {
                    Constraint::Length((f.label.len() as u16).max(5))
                }
                FieldKind::Bytes | FieldKind::SumBytes => Constraint::Length((f.label.len() as u16).max(7)),
                FieldKind::Choice(_) | FieldKind::Bool => Constraint::Length(12),
                FieldKind::Ip | FieldKind::Cidr => Constraint::Length(18),
                _ if Some(f.name) == kind.label_field() => Constraint::Fill(2),
                _ => Constraint::Fill(1),
            };
            (f.label, width)
        })
        .collect()
}

impl InfraRow {
    pub fn new(kind: Kind, record: Record) -> InfraRow {
        let idx = listed(kind);
        let cells: Vec<String> =
            idx.iter().map(|&i| record.cells.get(i).map(|c| c.show()).unwrap_or_default()).collect();
        let numbers = idx.iter().map(|&i| record.cells.get(i).and_then(|c| c.number())).collect();
        let hay = cells.join(" ").to_lowercase();
        InfraRow { id: record.id, record, cells, numbers, hay }
    }

    /// Compare by listed column `col`: numbers as numbers, text as text.
    pub fn cmp_by(&self, other: &InfraRow, col: usize) -> std::cmp::Ordering {
        match (self.numbers.get(col).copied().flatten(), other.numbers.get(col).copied().flatten()) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.cells.get(col).cmp(&other.cells.get(col)),
        }
    }
}

impl TableRow for InfraRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        self.cells.clone()
    }
    fn haystack(&self) -> String {
        self.hay.clone()
    }
}
