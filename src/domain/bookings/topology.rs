//! Topology editing rules, with no I/O: a device's ports, which link ends are still free,
//! who may edit a topology, and what an open review forbids.
//!
//! Seed 003 devices are patched through an optical switch by two fibres: `in_port` and
//! `out_port` are the device's ports (one port when both carry the same number). A link joins
//! a port of one node to a port of another node of the same topology; a port carries at most
//! one link in a topology, so a device is a node at most once. A node that is not a device
//! (an "Internet uplink") has no ports: its link ends name none, and it may carry many links.
//!
//! Review: a topology whose review is open (submitted) cannot be edited — the approver decides
//! on what was submitted. Once decided it may be edited again; the review then shows as
//! changed since its decision until it is submitted again.

use super::ReviewStatus;
use crate::domain::rbac::{Action, Actor, Resource};
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

/// Which way a port's fibre runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Dir {
    In,
    Out,
    /// In and out share the number.
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Port {
    pub number: i64,
    pub dir: Dir,
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dir = match self.dir {
            Dir::In => "in",
            Dir::Out => "out",
            Dir::Both => "in/out",
        };
        write!(f, "{dir} {}", self.number)
    }
}

impl Port {
    /// The short form drawn on a link ("o1", "i97", "io5").
    pub fn short(&self) -> String {
        let dir = match self.dir {
            Dir::In => "i",
            Dir::Out => "o",
            Dir::Both => "io",
        };
        format!("{dir}{}", self.number)
    }
}

/// The ports of a device with these in and out port numbers: out first.
pub fn ports(in_port: i64, out_port: i64) -> Vec<Port> {
    if in_port == out_port {
        vec![Port { number: in_port, dir: Dir::Both }]
    } else {
        vec![Port { number: out_port, dir: Dir::Out }, Port { number: in_port, dir: Dir::In }]
    }
}

/// One end of a link: a node and the port used there (`None` on a node that is not a device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct End {
    pub node: Uuid,
    pub port: Option<i64>,
}

/// What the rules know of a node: its label and, for a device, its ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeFacts {
    pub id: Uuid,
    pub label: String,
    pub device: Option<Uuid>,
    /// `None`: the node is not a device.
    pub ports: Option<Vec<Port>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkFacts {
    pub id: Uuid,
    pub a: End,
    pub b: End,
}

/// One change to a topology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Edit {
    Rename {
        name: String,
    },
    AddNode {
        device: Uuid,
    },
    /// Remove a node and the links at it.
    RemoveNode {
        node: Uuid,
    },
    AddLink {
        a: End,
        b: End,
        label: Option<String>,
    },
    RemoveLink {
        link: Uuid,
    },
}

impl Edit {
    /// The audit action of this edit.
    pub fn action(&self) -> &'static str {
        match self {
            Edit::Rename { .. } => "rename_topology",
            Edit::AddNode { .. } => "add_topology_node",
            Edit::RemoveNode { .. } => "remove_topology_node",
            Edit::AddLink { .. } => "add_topology_link",
            Edit::RemoveLink { .. } => "remove_topology_link",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopologyError {
    #[error("only the topology's owner or an approver/admin may change it")]
    NotOwner,
    #[error("this topology is under review: it cannot change until the approver decides")]
    UnderReview,
    #[error("a topology needs a name")]
    NoName,
    #[error("{0} is already a node of this topology")]
    DeviceTwice(String),
    #[error("a link joins two different nodes")]
    SameNode,
    #[error("that node is not in this topology")]
    NoSuchNode,
    #[error("{node} has no port {port}")]
    NoSuchPort { node: String, port: i64 },
    #[error("pick a port of {0}")]
    PortNeeded(String),
    #[error("{0} is not a device: it has no ports")]
    NotADevice(String),
    #[error("{node} {port} is already linked")]
    PortInUse { node: String, port: Port },
}

/// Whether `actor` may change a topology owned by `owner` whose review is `review`: its owner
/// (who may create topologies) or anyone who may update topologies (approvers, admins); never
/// while its review is open.
pub fn may_edit(actor: &Actor, owner: Uuid, review: Option<ReviewStatus>) -> Result<(), TopologyError> {
    let owns = owner == actor.user_id && actor.can(Resource::Topology, Action::Create);
    if !owns && !actor.can(Resource::Topology, Action::Update) {
        return Err(TopologyError::NotOwner);
    }
    if review == Some(ReviewStatus::Submitted) {
        return Err(TopologyError::UnderReview);
    }
    Ok(())
}

fn uses(l: &LinkFacts, node: Uuid, port: i64) -> bool {
    [l.a, l.b].iter().any(|e| e.node == node && e.port == Some(port))
}

/// The ports of `node` no link uses yet.
pub fn free_ports(node: &NodeFacts, links: &[LinkFacts]) -> Vec<Port> {
    node.ports.iter().flatten().copied().filter(|p| !links.iter().any(|l| uses(l, node.id, p.number))).collect()
}

/// May a link join `a` and `b`, given the topology's nodes and links?
pub fn check_link(nodes: &[NodeFacts], links: &[LinkFacts], a: End, b: End) -> Result<(), TopologyError> {
    if a.node == b.node {
        return Err(TopologyError::SameNode);
    }
    for end in [a, b] {
        let node = nodes.iter().find(|n| n.id == end.node).ok_or(TopologyError::NoSuchNode)?;
        match (&node.ports, end.port) {
            (None, None) => {}
            (None, Some(_)) => return Err(TopologyError::NotADevice(node.label.clone())),
            (Some(_), None) => return Err(TopologyError::PortNeeded(node.label.clone())),
            (Some(ports), Some(n)) => {
                let port = ports
                    .iter()
                    .find(|p| p.number == n)
                    .ok_or_else(|| TopologyError::NoSuchPort { node: node.label.clone(), port: n })?;
                if links.iter().any(|l| uses(l, node.id, n)) {
                    return Err(TopologyError::PortInUse { node: node.label.clone(), port: *port });
                }
            }
        }
    }
    Ok(())
}

/// A device may be added when it is not a node yet.
pub fn check_node(nodes: &[NodeFacts], device: Uuid, name: &str) -> Result<(), TopologyError> {
    if nodes.iter().any(|n| n.device == Some(device)) {
        return Err(TopologyError::DeviceTwice(name.to_string()));
    }
    Ok(())
}

/// Links for devices given in order, chained: each device's out port to the next one's in
/// port (a chain uses each port once). Positions index `ports`.
pub fn chain(ports: &[Vec<Port>]) -> Vec<((usize, i64), (usize, i64))> {
    let pick = |p: &[Port], dir: Dir| p.iter().find(|x| x.dir == dir || x.dir == Dir::Both).map(|x| x.number);
    let mut used: Vec<(usize, i64)> = Vec::new();
    let mut out = Vec::new();
    for i in 1..ports.len() {
        let (Some(a), Some(b)) = (pick(&ports[i - 1], Dir::Out), pick(&ports[i], Dir::In)) else { continue };
        if used.contains(&(i - 1, a)) || used.contains(&(i, b)) {
            continue;
        }
        used.extend([(i - 1, a), (i, b)]);
        out.push(((i - 1, a), (i, b)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Role;

    fn node(n: u128, label: &str, ports: Option<Vec<Port>>) -> NodeFacts {
        NodeFacts { id: Uuid::from_u128(n), label: label.into(), device: Some(Uuid::from_u128(100 + n)), ports }
    }

    fn end(n: u128, port: Option<i64>) -> End {
        End { node: Uuid::from_u128(n), port }
    }

    #[test]
    fn a_device_has_its_out_and_in_port_or_one_shared() {
        assert_eq!(ports(97, 1).iter().map(|p| p.to_string()).collect::<Vec<_>>(), ["out 1", "in 97"]);
        assert_eq!(ports(5, 5), vec![Port { number: 5, dir: Dir::Both }]);
        assert_eq!(ports(5, 5)[0].short(), "io5");
    }

    #[test]
    fn links_use_existing_free_ports_of_two_nodes() {
        let nodes = vec![node(1, "a", Some(ports(97, 1))), node(2, "b", Some(ports(98, 2))), node(3, "net", None)];
        let mut links = vec![];
        assert_eq!(check_link(&nodes, &links, end(1, Some(1)), end(1, Some(97))), Err(TopologyError::SameNode));
        assert_eq!(
            check_link(&nodes, &links, end(1, Some(7)), end(2, Some(98))),
            Err(TopologyError::NoSuchPort { node: "a".into(), port: 7 })
        );
        assert_eq!(
            check_link(&nodes, &links, end(1, None), end(2, Some(98))),
            Err(TopologyError::PortNeeded("a".into()))
        );
        assert_eq!(
            check_link(&nodes, &links, end(3, Some(1)), end(2, Some(98))),
            Err(TopologyError::NotADevice("net".into()))
        );
        assert_eq!(check_link(&nodes, &links, end(9, None), end(2, Some(98))), Err(TopologyError::NoSuchNode));
        assert_eq!(check_link(&nodes, &links, end(1, Some(1)), end(2, Some(98))), Ok(()));
        links.push(LinkFacts { id: Uuid::from_u128(50), a: end(1, Some(1)), b: end(2, Some(98)) });
        // Port 1 of a is taken, whichever end of a link it would be.
        assert_eq!(
            check_link(&nodes, &links, end(2, Some(2)), end(1, Some(1))),
            Err(TopologyError::PortInUse { node: "a".into(), port: Port { number: 1, dir: Dir::Out } })
        );
        assert_eq!(free_ports(&nodes[0], &links), vec![Port { number: 97, dir: Dir::In }]);
        // A node that is not a device takes many links, with no port.
        assert_eq!(check_link(&nodes, &links, end(3, None), end(1, Some(97))), Ok(()));
        links.push(LinkFacts { id: Uuid::from_u128(51), a: end(3, None), b: end(1, Some(97)) });
        assert_eq!(check_link(&nodes, &links, end(3, None), end(2, Some(2))), Ok(()));
        assert_eq!(check_node(&nodes, Uuid::from_u128(101), "a"), Err(TopologyError::DeviceTwice("a".into())));
        assert_eq!(check_node(&nodes, Uuid::from_u128(999), "z"), Ok(()));
    }

    #[test]
    fn owners_edit_their_own_approvers_any_and_nobody_during_review() {
        let sam = Actor::with_role_defaults(Uuid::from_u128(1), "sam", Role::Student);
        let sid = Actor::with_role_defaults(Uuid::from_u128(2), "sid", Role::Student);
        let april = Actor::with_role_defaults(Uuid::from_u128(3), "april", Role::Approver);
        let ada = Actor::with_role_defaults(Uuid::from_u128(4), "ada", Role::Admin);
        let viewer = Actor::with_role_defaults(Uuid::from_u128(1), "vic", Role::Viewer);
        let owner = sam.user_id;
        assert_eq!(may_edit(&sam, owner, None), Ok(()));
        assert_eq!(may_edit(&sam, owner, Some(ReviewStatus::Approved)), Ok(()));
        assert_eq!(may_edit(&sid, owner, None), Err(TopologyError::NotOwner));
        assert_eq!(may_edit(&viewer, owner, None), Err(TopologyError::NotOwner), "owning needs topology:create");
        assert_eq!(may_edit(&april, owner, Some(ReviewStatus::Rejected)), Ok(()));
        assert_eq!(may_edit(&ada, owner, None), Ok(()));
        for a in [&sam, &april, &ada] {
            assert_eq!(may_edit(a, owner, Some(ReviewStatus::Submitted)), Err(TopologyError::UnderReview));
        }
    }

    #[test]
    fn a_chain_links_each_out_port_to_the_next_in_port() {
        let p = vec![ports(97, 1), ports(98, 2), ports(3, 3)];
        assert_eq!(chain(&p), vec![((0, 1), (1, 98)), ((1, 2), (2, 3))]);
        assert!(chain(&p[..1]).is_empty());
    }
}
