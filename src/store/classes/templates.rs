//! Seed 000's VM templates as the Classes tab shows them (issue 18): every live template
//! with its cluster and node, the replicas of it on other nodes, what it was derived from,
//! the class that owns it (class templates) and how many classes deploy from it.

use crate::domain::rbac::{Action, Actor, Resource};
use crate::store::{Store, StoreError, on_pool};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TemplateRow {
    pub id: Uuid,
    pub name: String,
    pub vmid: i64,
    pub cluster: String,
    pub node: String,
    pub is_replica: bool,
    /// The template this one was derived from (or is a replica of).
    pub original_id: Option<Uuid>,
    /// The original's name and VMID, "ubuntu-22 (9000)".
    pub derived_from: Option<String>,
    /// The class owning a class template.
    pub class_name: Option<String>,
    pub cpu_cores: Option<i64>,
    pub memory_mb: Option<i64>,
    pub disk_size_gb: Option<f64>,
    /// Classes deploying from it.
    pub used_by: i64,
}

impl TemplateRow {
    /// How a picker names it: "ubuntu-22 · 9000 on demo/pve1".
    pub fn label(&self) -> String {
        format!("{} · {} on {}/{}", self.name, self.vmid, self.cluster, self.node)
    }
}

const SELECT: &str = "SELECT t.id, t.name, t.vmid, c.name AS cluster, t.node, t.is_replica, t.original_template_id AS original_id, \
   o.name || ' (' || CAST(o.vmid AS TEXT) || ')' AS derived_from, s.name AS class_name, t.cpu_cores, t.memory_mb, t.disk_size_gb, \
   (SELECT count(*) FROM classes k WHERE k.template_id = t.id AND k.archived_at IS NULL) AS used_by \
   FROM vm_templates t JOIN pve_clusters c ON c.id = t.cluster_id \
   LEFT JOIN vm_templates o ON o.id = t.original_template_id \
   LEFT JOIN classes cl ON cl.id = t.class_id LEFT JOIN instance_sets s ON s.id = cl.instance_set_id \
   WHERE t.archived_at IS NULL ORDER BY t.name, t.vmid";

impl Store {
    /// Live templates, each followed by its replicas (by node): the order the tab lists
    /// them in. Replicas whose original is gone come last.
    pub async fn list_templates(&self, actor: &Actor) -> Result<Vec<TemplateRow>, StoreError> {
        actor.require(Resource::Template, Action::Read)?;
        let rows: Vec<TemplateRow> = on_pool!(self, p => sqlx::query_as(SELECT).fetch_all(p).await?);
        Ok(grouped(rows))
    }
}

/// Originals in name order, each followed by its replicas ordered by node.
fn grouped(rows: Vec<TemplateRow>) -> Vec<TemplateRow> {
    let (mut replicas, bases): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.is_replica);
    replicas.sort_by(|a, b| (&a.node, a.vmid).cmp(&(&b.node, b.vmid)));
    let mut out = Vec::with_capacity(bases.len() + replicas.len());
    for base in bases {
        let id = base.id;
        out.push(base);
        let (mine, rest): (Vec<_>, Vec<_>) = replicas.into_iter().partition(|r| r.original_id == Some(id));
        out.extend(mine);
        replicas = rest;
    }
    out.extend(replicas);
    out
}
