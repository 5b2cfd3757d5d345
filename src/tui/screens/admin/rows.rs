//! The admin tables' rows: users, invitations, settings, audit records, clusters with their
//! poller's health, and permissions by role.

use crate::domain::rbac::{Action as Perm, Grant, Resource};
use crate::domain::user::User;
use crate::domain::{Role, settings as known_settings};
use crate::engine::read::admin::{AuditRecord, Invitation, Setting};
use crate::tui::widgets::table::TableRow;
use chrono::{DateTime, Local, Utc};

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

impl TableRow for User {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.username.clone(),
            self.display_name.clone(),
            self.role.to_string(),
            self.status.as_str().into(),
            self.email.clone().unwrap_or_default(),
            self.last_login_at.map(local).unwrap_or_else(|| "never".into()),
        ]
    }
}

impl TableRow for Invitation {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.email.clone().or(self.handle.clone()).unwrap_or_default(),
            self.role.to_string(),
            self.state.as_str().into(),
            local(self.expires_at),
            self.invited_by.clone().unwrap_or_default(),
        ]
    }
}

impl TableRow for Setting {
    fn key(&self) -> String {
        self.key.clone()
    }
    fn cells(&self) -> Vec<String> {
        let description = known_settings::known(&self.key).map(|k| k.description).unwrap_or("");
        let by = match &self.updated_by {
            Some(u) => format!("{u}, {}", local(self.updated_at)),
            None => "default".into(),
        };
        vec![self.key.clone(), known_settings::display(&self.value), by, description.into()]
    }
}

impl TableRow for AuditRecord {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let entity = match &self.entity_id {
            Some(id) => format!("{}:{}", self.entity_type, id.chars().take(8).collect::<String>()),
            None => self.entity_type.clone(),
        };
        vec![
            self.at.with_timezone(&Local).format("%m-%d %H:%M:%S").to_string(),
            format!("{} ({})", self.actor_name, self.actor_role.clone().unwrap_or_else(|| "-".into())),
            self.action.clone(),
            entity,
            self.outcome.clone(),
            self.source.clone(),
            self.message.clone().unwrap_or_default(),
        ]
    }
}

/// A cluster with its poller's health.
pub struct ClusterRow(pub crate::engine::read::inventory::Cluster, pub crate::engine::read::inventory::PollHealth);

impl TableRow for ClusterRow {
    fn key(&self) -> String {
        self.0.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let (c, h) = (&self.0, &self.1);
        let state = match (&h.last_error, h.last_success_at) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(t)) => {
                format!("ok, data {} old", crate::domain::time::compact_age((Utc::now() - t).num_seconds()))
            }
            (None, None) => "never polled".into(),
        };
        vec![
            c.name.clone(),
            format!("{}:{}", c.host, c.port),
            c.token_id.clone().unwrap_or_default(),
            c.fingerprint
                .as_deref()
                .map(|f| f.chars().take(23).collect::<String>() + "…")
                .unwrap_or_else(|| "untrusted".into()),
            format!("{}s", c.poll_interval_secs),
            state,
        ]
    }
}

/// One line per resource: which actions each role holds (C R U D M X).
pub struct RoleRow {
    pub resource: Resource,
    pub by_role: Vec<String>,
}

impl TableRow for RoleRow {
    fn key(&self) -> String {
        self.resource.to_string()
    }
    fn cells(&self) -> Vec<String> {
        std::iter::once(self.resource.to_string()).chain(self.by_role.iter().cloned()).collect()
    }
}

pub fn role_rows(grants: &[(Role, Grant)]) -> Vec<RoleRow> {
    Resource::ALL
        .iter()
        .map(|&resource| RoleRow {
            resource,
            by_role: Role::ALL
                .iter()
                .map(|&role| {
                    let has = |a: Perm| grants.iter().any(|(r, g)| *r == role && g.0 == resource && g.1 == a);
                    if has(Perm::Manage) {
                        return "all".into();
                    }
                    [
                        (Perm::Create, 'c'),
                        (Perm::Read, 'r'),
                        (Perm::Update, 'u'),
                        (Perm::Delete, 'd'),
                        (Perm::Execute, 'x'),
                    ]
                    .iter()
                    .map(|&(a, c)| if has(a) { c } else { '·' })
                    .collect()
                })
                .collect(),
        })
        .collect()
}

/// An audit entry in full (Enter on the audit log): whole ids, the entity's name, old → new,
/// and every other detail recorded with it.
pub fn audit_detail(r: &AuditRecord) -> (String, Vec<String>) {
    let mut lines = vec![
        format!("id       {}", r.id),
        format!("when     {}", r.at.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S %Z")),
        format!("who      {} ({})", r.actor_name, r.actor_role.as_deref().unwrap_or("-")),
        format!("action   {}", r.action),
        format!("entity   {} {}", r.entity_type, r.entity_id.as_deref().unwrap_or("")),
        format!("outcome  {}", r.outcome),
        format!("source   {}", r.source),
    ];
    if let Some(m) = &r.message {
        lines.push(format!("message  {m}"));
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(serde_json::Value::Object(map)) = r.details.as_ref().map(|d| &d.0) {
        if let Some(name) = map.get("entity_name") {
            lines.push(format!("name     {}", text(name)));
        }
        if map.contains_key("from") || map.contains_key("to") {
            let side = |k: &str| map.get(k).map(text).unwrap_or_else(|| "-".into());
            lines.push(format!("change   {} → {}", side("from"), side("to")));
        }
        for (k, v) in map.iter().filter(|(k, _)| !matches!(k.as_str(), "entity_name" | "from" | "to")) {
            lines.push(format!("{k:<8} {}", text(v)));
        }
    }
    (format!("audit entry: {} {}", r.action, r.entity_type), lines)
}
