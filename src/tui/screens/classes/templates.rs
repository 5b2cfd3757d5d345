//! The templates view of the Classes tab (seed 000, issue 18): every VM template with its
//! replicas on other nodes under it, what it was derived from and which class owns it; and
//! the template picker of the class form, which lists the same templates.

use crate::engine::read::classes::TemplateRow;
use crate::tui::widgets::table::TableRow;
use ratatui::layout::Constraint;
use uuid::Uuid;

/// The picker's entry for "no template yet".
pub const NONE: &str = "none yet";

pub fn columns() -> Vec<(&'static str, Constraint)> {
    vec![
        ("template", Constraint::Fill(1)),
        ("vmid", Constraint::Length(6)),
        ("cluster/node", Constraint::Length(14)),
        ("derived from", Constraint::Length(26)),
        ("class", Constraint::Length(18)),
        ("size", Constraint::Length(13)),
        ("classes", Constraint::Length(7)),
    ]
}

impl TableRow for TemplateRow {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let name = if self.is_replica { format!("  ↳ replica on {}", self.node) } else { self.name.clone() };
        let size = match (self.cpu_cores, self.memory_mb, self.disk_size_gb) {
            (Some(c), Some(m), Some(d)) => format!("{c} CPU {}G {d:.0}G", m / 1024),
            _ => String::new(),
        };
        vec![
            name,
            self.vmid.to_string(),
            format!("{}/{}", self.cluster, self.node),
            if self.is_replica { String::new() } else { self.derived_from.clone().unwrap_or_default() },
            self.class_name.clone().unwrap_or_default(),
            size,
            self.used_by.to_string(),
        ]
    }
}

/// What the picker offers: "none yet", then every template a class can deploy from (the
/// originals: a replica is where Proxmox clones on another node, not a choice of its own).
pub fn choices(templates: &[TemplateRow]) -> Vec<String> {
    let mut out = vec![NONE.to_string()];
    out.extend(templates.iter().filter(|t| !t.is_replica).map(|t| t.label()));
    out
}

/// The picker's entry for a template (by id), or "none yet".
pub fn chosen(templates: &[TemplateRow], id: Option<Uuid>) -> String {
    id.and_then(|id| templates.iter().find(|t| t.id == id)).map(|t| t.label()).unwrap_or_else(|| NONE.into())
}

/// The form's value for a picked entry: the template's id, or empty for none.
pub fn picked(templates: &[TemplateRow], label: &str) -> String {
    templates.iter().find(|t| !t.is_replica && t.label() == label).map(|t| t.id.to_string()).unwrap_or_default()
}
