//! Editing a topology: rename, add or remove a node (a device), add or remove a link between
//! two ports. Each edit runs in one writing transaction that locks the topology (PostgreSQL;
//! SQLite's `BEGIN IMMEDIATE` already admits one writer), checks the owner and the review
//! again, applies the port rules (`domain::bookings::topology`) to the nodes and links read
//! inside it, touches `updated_at`, and writes the audit entry. The database's triggers
//! (migration 0026) stay the last word on ports.

use super::DOMAIN;
use super::topologies::{LINKS, NODES, TopologyLink, TopologyNode, link_text};
use crate::domain::audit::Entry;
use crate::domain::bookings::ReviewStatus;
use crate::domain::bookings::topology::{Edit, LinkFacts, NodeFacts, TopologyError, check_link, check_node, may_edit};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Backend, Store, StoreError, on_pool};
use uuid::Uuid;

/// Who owns a topology, its name and the state of its review.
#[derive(Debug, Clone, PartialEq)]
pub struct TopologyHead {
    pub owner: Uuid,
    pub name: String,
    pub review: Option<ReviewStatus>,
}

const HEAD: &str = "SELECT t.user_id, t.name, r.status FROM topologies t \
     LEFT JOIN topology_reviews r ON r.topology_id = t.id WHERE t.id = $1";

/// The database's refusals of a link or node, as the rules word them.
fn refusal(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e {
        let msg = db.message();
        let c = db.constraint().unwrap_or_default();
        if msg.contains("topology port in use") || c == "topology_links_port_once" {
            return StoreError::Conflict("that port is already linked".into());
        }
        if msg.contains("topology link port does not exist") || c == "topology_links_ports" {
            return StoreError::Conflict("that port does not exist on the device".into());
        }
        if c == "topology_nodes_device_key" || msg.contains("topology_nodes.topology_id, topology_nodes.device_id") {
            return StoreError::Conflict("that device is already a node of this topology".into());
        }
    }
    e.into()
}

fn conflict(e: TopologyError) -> StoreError {
    StoreError::Conflict(e.to_string())
}

impl Store {
    pub async fn topology_head(&self, id: Uuid) -> Result<TopologyHead, StoreError> {
        let row: Option<(Uuid, String, Option<String>)> =
            on_pool!(self, p => sqlx::query_as(HEAD).bind(id).fetch_optional(p).await?);
        let (owner, name, review) = row.ok_or_else(|| StoreError::NotFound("topology".into()))?;
        Ok(TopologyHead { owner, name, review: review.as_deref().and_then(ReviewStatus::parse) })
    }

    /// Apply one edit for `actor`; returns what was done, for the toast.
    pub async fn edit_topology(
        &self,
        actor: &Actor,
        id: Uuid,
        edit: &Edit,
        audit: Entry,
    ) -> Result<String, StoreError> {
        actor.require(Resource::Topology, Action::Read)?;
        let now = time::now();
        let pg = self.backend() == Backend::Postgres;
        on_pool!(self, p => async {
            let mut tx = p.begin_write().await?;
            if pg {
                sqlx::query("SELECT id FROM topologies WHERE id = $1 FOR UPDATE").bind(id).execute(&mut *tx).await?;
            }
            let head: Option<(Uuid, String, Option<String>)> = sqlx::query_as(HEAD).bind(id).fetch_optional(&mut *tx).await?;
            let (owner, name, review) = head.ok_or_else(|| StoreError::NotFound("topology".into()))?;
            may_edit(actor, owner, review.as_deref().and_then(ReviewStatus::parse)).map_err(|e| match e {
                TopologyError::NotOwner => StoreError::Denied(crate::domain::rbac::Denied {
                    role: actor.role,
                    resource: Resource::Topology,
                    action: Action::Update,
                }),
                e => conflict(e),
            })?;
            let nodes: Vec<TopologyNode> = sqlx::query_as(NODES).bind(id).fetch_all(&mut *tx).await?;
            let links: Vec<TopologyLink> = sqlx::query_as(LINKS).bind(id).fetch_all(&mut *tx).await?;
            let facts: Vec<NodeFacts> = nodes.iter().map(TopologyNode::facts).collect();
            let link_facts: Vec<LinkFacts> = links.iter().map(TopologyLink::facts).collect();
            let label = |n: Uuid| nodes.iter().find(|x| x.id == n).map(|x| x.label.clone());
            let (done, details) = match edit {
                Edit::Rename { name: to } => {
                    if to.trim().is_empty() {
                        return Err(conflict(TopologyError::NoName));
                    }
                    sqlx::query("UPDATE topologies SET name = $2 WHERE id = $1").bind(id).bind(to).execute(&mut *tx).await?;
                    (format!("Renamed {name} to {to}."), serde_json::json!({ "from": name, "to": to }))
                }
                Edit::AddNode { device } => {
                    let dev: Option<(String, Option<chrono::DateTime<chrono::Utc>>)> =
                        sqlx::query_as("SELECT name, retired_at FROM devices WHERE id = $1")
                            .bind(device).fetch_optional(&mut *tx).await?;
                    let (dev_name, retired) = dev.ok_or_else(|| StoreError::NotFound("device".into()))?;
                    if retired.is_some() {
                        return Err(StoreError::Conflict(format!("{dev_name} is retired")));
                    }
                    check_node(&facts, *device, &dev_name).map_err(conflict)?;
                    sqlx::query("INSERT INTO topology_nodes (id, topology_id, device_id, label) VALUES ($1, $2, $3, $4)")
                        .bind(Uuid::now_v7()).bind(id).bind(device).bind(&dev_name).execute(&mut *tx).await.map_err(refusal)?;
                    (format!("Added {dev_name} to {name}."), serde_json::json!({ "device": dev_name }))
                }
                Edit::RemoveNode { node } => {
                    let what = label(*node).ok_or_else(|| conflict(TopologyError::NoSuchNode))?;
                    let gone = link_facts.iter().filter(|l| l.a.node == *node || l.b.node == *node).count();
                    sqlx::query("DELETE FROM topology_nodes WHERE id = $1 AND topology_id = $2")
                        .bind(node).bind(id).execute(&mut *tx).await?;
                    let with = if gone == 0 { String::new() } else { format!(" and its {gone} link(s)") };
                    (format!("Removed {what}{with} from {name}."), serde_json::json!({ "node": what, "links": gone }))
                }
                Edit::AddLink { a, b, label: text } => {
                    check_link(&facts, &link_facts, *a, *b).map_err(conflict)?;
                    let link = Uuid::now_v7();
                    sqlx::query("INSERT INTO topology_links (id, topology_id, from_node_id, to_node_id, from_port, to_port, label) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(link).bind(id).bind(a.node).bind(b.node).bind(a.port).bind(b.port).bind(text)
                        .execute(&mut *tx).await.map_err(refusal)?;
                    let l = TopologyLink { id: link, from_node_id: a.node, to_node_id: b.node, from_port: a.port, to_port: b.port, label: text.clone() };
                    let text = link_text(&nodes, &l);
                    (format!("Linked {text}."), serde_json::json!({ "link": text }))
                }
                Edit::RemoveLink { link } => {
                    let Some(l) = links.iter().find(|l| l.id == *link) else {
                        return Err(StoreError::NotFound("topology link".into()));
                    };
                    let text = link_text(&nodes, l);
                    sqlx::query("DELETE FROM topology_links WHERE id = $1 AND topology_id = $2")
                        .bind(link).bind(id).execute(&mut *tx).await?;
                    (format!("Unlinked {text}."), serde_json::json!({ "link": text }))
                }
            };
            sqlx::query("UPDATE topologies SET updated_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(id).details(details)).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await.map_err(refusal)?;
            Ok(done)
        }.await)
    }
}
