//! Topologies: devices as nodes and cabling as links, listed with their review state.

use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopologyRow {
    pub id: Uuid,
    pub name: String,
    pub owner: String,
    pub nodes: i64,
    pub links: i64,
    pub review: Option<String>,
    pub conflict_count: Option<i64>,
    pub requested_starts_at: Option<DateTime<Utc>>,
    pub requested_ends_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopologyNode {
    pub id: Uuid,
    pub device_id: Option<Uuid>,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopologyLink {
    pub from_node_id: Uuid,
    pub to_node_id: Uuid,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopologyDetail {
    pub row: TopologyRow,
    pub nodes: Vec<TopologyNode>,
    pub links: Vec<TopologyLink>,
}

impl TopologyDetail {
    /// Each node's label with the labels of the nodes it links to.
    pub fn adjacency(&self) -> Vec<(String, Vec<String>)> {
        let label = |id: Uuid| self.nodes.iter().find(|n| n.id == id).map(|n| n.label.clone()).unwrap_or_default();
        self.nodes
            .iter()
            .map(|n| {
                let mut next: Vec<String> = self
                    .links
                    .iter()
                    .filter_map(|l| {
                        if l.from_node_id == n.id {
                            Some(label(l.to_node_id))
                        } else if l.to_node_id == n.id {
                            Some(label(l.from_node_id))
                        } else {
                            None
                        }
                    })
                    .collect();
                next.sort();
                (n.label.clone(), next)
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTopology {
    pub owner: Uuid,
    pub name: String,
    /// Devices, each a node labelled with the device's name.
    pub devices: Vec<Uuid>,
    /// Links between positions in `devices`.
    pub links: Vec<(usize, usize)>,
}

const LIST: &str = "SELECT t.id, t.name, u.username AS owner, \
     (SELECT count(*) FROM topology_nodes n WHERE n.topology_id = t.id) AS nodes, \
     (SELECT count(*) FROM topology_links l WHERE l.topology_id = t.id) AS links, \
     r.status AS review, r.conflict_count, r.requested_starts_at, r.requested_ends_at \
     FROM topologies t JOIN users u ON u.id = t.user_id LEFT JOIN topology_reviews r ON r.topology_id = t.id ";

impl Store {
    pub async fn topologies(&self, actor: &Actor) -> Result<Vec<TopologyRow>, StoreError> {
        actor.require(Resource::Topology, Action::Read)?;
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{LIST} ORDER BY t.name"))).fetch_all(p).await?),
        )
    }

    pub async fn topology(&self, actor: &Actor, id: Uuid) -> Result<TopologyDetail, StoreError> {
        actor.require(Resource::Topology, Action::Read)?;
        let row: Option<TopologyRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(format!("{LIST} WHERE t.id = $1")))
            .bind(id).fetch_optional(p).await?);
        let row = row.ok_or_else(|| StoreError::NotFound("topology".into()))?;
        let nodes = on_pool!(self, p => sqlx::query_as("SELECT id, device_id, label FROM topology_nodes WHERE topology_id = $1 ORDER BY label")
            .bind(id).fetch_all(p).await?);
        let links = on_pool!(self, p => sqlx::query_as("SELECT from_node_id, to_node_id, label FROM topology_links WHERE topology_id = $1")
            .bind(id).fetch_all(p).await?);
        Ok(TopologyDetail { row, nodes, links })
    }

    pub async fn create_topology(&self, t: &NewTopology, audit: Entry) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        audited!(self, tx, audit.entity(id), {
            sqlx::query(
                "INSERT INTO topologies (id, user_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
            )
            .bind(id)
            .bind(t.owner)
            .bind(&t.name)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let mut nodes = Vec::with_capacity(t.devices.len());
            for d in &t.devices {
                let name: Option<String> = sqlx::query_scalar("SELECT name FROM devices WHERE id = $1")
                    .bind(d)
                    .fetch_optional(&mut *tx)
                    .await?;
                let name = name.ok_or_else(|| StoreError::NotFound("device".into()))?;
                let node = Uuid::now_v7();
                sqlx::query("INSERT INTO topology_nodes (id, topology_id, device_id, label) VALUES ($1, $2, $3, $4)")
                    .bind(node)
                    .bind(id)
                    .bind(d)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                nodes.push(node);
            }
            for &(a, b) in &t.links {
                let (Some(from), Some(to)) = (nodes.get(a), nodes.get(b)) else {
                    return Err(StoreError::NotFound("topology node".into()));
                };
                sqlx::query(
                    "INSERT INTO topology_links (id, topology_id, from_node_id, to_node_id) VALUES ($1, $2, $3, $4)",
                )
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(from)
                .bind(to)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(id)
    }
}
