//! Topologies: devices as nodes and cabling as links, listed with their review state.
//! Editing them is `topology_edit.rs`.

use crate::domain::audit::Entry;
use crate::domain::bookings::ReviewStatus;
use crate::domain::bookings::topology::{End, LinkFacts, NodeFacts, Port, TopologyError, chain, ports};
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
    pub owner_id: Uuid,
    pub owner: String,
    pub nodes: i64,
    pub links: i64,
    pub review: Option<String>,
    pub conflict_count: Option<i64>,
    pub requested_starts_at: Option<DateTime<Utc>>,
    pub requested_ends_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
    /// When its review was last submitted or decided.
    pub review_updated_at: Option<DateTime<Utc>>,
}

impl TopologyRow {
    /// Edited after its review was last submitted or decided.
    pub fn changed(&self) -> bool {
        self.review_updated_at.is_some_and(|r| self.updated_at > r)
    }

    pub fn review_status(&self) -> Option<ReviewStatus> {
        self.review.as_deref().and_then(ReviewStatus::parse)
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopologyNode {
    pub id: Uuid,
    pub device_id: Option<Uuid>,
    pub label: String,
    /// The device's type, and its ports (`None` on a node that is not a device).
    pub device_type: Option<String>,
    pub in_port: Option<i64>,
    pub out_port: Option<i64>,
}

impl TopologyNode {
    /// The node's ports (none when it is not a device).
    pub fn ports(&self) -> Option<Vec<Port>> {
        match (self.device_id, self.in_port, self.out_port) {
            (Some(_), Some(i), Some(o)) => Some(ports(i, o)),
            _ => None,
        }
    }

    /// What the rules know of it.
    pub fn facts(&self) -> NodeFacts {
        NodeFacts { id: self.id, label: self.label.clone(), device: self.device_id, ports: self.ports() }
    }
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TopologyLink {
    pub id: Uuid,
    pub from_node_id: Uuid,
    pub to_node_id: Uuid,
    pub from_port: Option<i64>,
    pub to_port: Option<i64>,
    pub label: Option<String>,
}

impl TopologyLink {
    pub fn facts(&self) -> LinkFacts {
        LinkFacts {
            id: self.id,
            a: End { node: self.from_node_id, port: self.from_port },
            b: End { node: self.to_node_id, port: self.to_port },
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopologyDetail {
    pub row: TopologyRow,
    pub nodes: Vec<TopologyNode>,
    pub links: Vec<TopologyLink>,
}

impl TopologyDetail {
    pub fn node(&self, id: Uuid) -> Option<&TopologyNode> {
        self.nodes.iter().find(|n| n.id == id)
    }

    pub fn link_facts(&self) -> Vec<LinkFacts> {
        self.links.iter().map(TopologyLink::facts).collect()
    }

    /// A link as one line: "a o1 ── i98 b".
    pub fn link_text(&self, l: &TopologyLink) -> String {
        link_text(&self.nodes, l)
    }

    /// A port of a node as drawn ("o1"), or "" without one.
    pub fn port_label(&self, node: Uuid, port: Option<i64>) -> String {
        port_label(&self.nodes, node, port)
    }

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

/// A port of a node as drawn ("o1"), or "" without one.
pub fn port_label(nodes: &[TopologyNode], node: Uuid, port: Option<i64>) -> String {
    let Some(n) = port else { return String::new() };
    nodes
        .iter()
        .find(|x| x.id == node)
        .and_then(|x| x.ports())
        .and_then(|ps| ps.into_iter().find(|p| p.number == n))
        .map_or_else(|| n.to_string(), |p| p.short())
}

/// A link as one line: "a o1 ── i98 b".
pub fn link_text(nodes: &[TopologyNode], l: &TopologyLink) -> String {
    let name = |id: Uuid| nodes.iter().find(|n| n.id == id).map_or("?", |n| n.label.as_str()).to_string();
    let mut s = name(l.from_node_id);
    let from = port_label(nodes, l.from_node_id, l.from_port);
    if !from.is_empty() {
        s = format!("{s} {from}");
    }
    s.push_str(" ── ");
    let to = port_label(nodes, l.to_node_id, l.to_port);
    if !to.is_empty() {
        s = format!("{s}{to} ");
    }
    s + &name(l.to_node_id)
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTopology {
    pub owner: Uuid,
    pub name: String,
    /// Devices, each a node labelled with the device's name.
    pub devices: Vec<Uuid>,
    /// Chain the devices in the order given, each one's out port to the next one's in port.
    pub chain: bool,
}

const LIST: &str = "SELECT t.id, t.name, t.user_id AS owner_id, u.username AS owner, \
     (SELECT count(*) FROM topology_nodes n WHERE n.topology_id = t.id) AS nodes, \
     (SELECT count(*) FROM topology_links l WHERE l.topology_id = t.id) AS links, \
     r.status AS review, r.conflict_count, r.requested_starts_at, r.requested_ends_at, \
     t.updated_at, r.updated_at AS review_updated_at \
     FROM topologies t JOIN users u ON u.id = t.user_id LEFT JOIN topology_reviews r ON r.topology_id = t.id ";

pub(super) const NODES: &str = "SELECT n.id, n.device_id, n.label, d.device_type, d.in_port, d.out_port \
     FROM topology_nodes n LEFT JOIN devices d ON d.id = n.device_id WHERE n.topology_id = $1 ORDER BY n.label, n.id";
pub(super) const LINKS: &str = "SELECT id, from_node_id, to_node_id, from_port, to_port, label FROM topology_links \
     WHERE topology_id = $1 ORDER BY id";

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
        let nodes = on_pool!(self, p => sqlx::query_as(NODES).bind(id).fetch_all(p).await?);
        let links = on_pool!(self, p => sqlx::query_as(LINKS).bind(id).fetch_all(p).await?);
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
            let mut ports_of = Vec::with_capacity(t.devices.len());
            for d in &t.devices {
                let head: Option<(String, i64, i64)> =
                    sqlx::query_as("SELECT name, in_port, out_port FROM devices WHERE id = $1")
                        .bind(d)
                        .fetch_optional(&mut *tx)
                        .await?;
                let (name, i, o) = head.ok_or_else(|| StoreError::NotFound("device".into()))?;
                if nodes.iter().any(|(_, dev)| dev == d) {
                    return Err(StoreError::Conflict(TopologyError::DeviceTwice(name).to_string()));
                }
                let node = Uuid::now_v7();
                sqlx::query("INSERT INTO topology_nodes (id, topology_id, device_id, label) VALUES ($1, $2, $3, $4)")
                    .bind(node)
                    .bind(id)
                    .bind(d)
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                nodes.push((node, *d));
                ports_of.push(ports(i, o));
            }
            let links = if t.chain { chain(&ports_of) } else { vec![] };
            for ((a, pa), (b, pb)) in links {
                sqlx::query(
                    "INSERT INTO topology_links (id, topology_id, from_node_id, to_node_id, from_port, to_port) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Uuid::now_v7())
                .bind(id)
                .bind(nodes[a].0)
                .bind(nodes[b].0)
                .bind(pa)
                .bind(pb)
                .execute(&mut *tx)
                .await?;
            }
        });
        Ok(id)
    }
}
