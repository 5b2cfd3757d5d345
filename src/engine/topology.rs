//! Topology and device-ownership use cases of the Bookings domain: editing a topology (its
//! owner, or an approver/admin; never under an open review), booking every device of a
//! topology at once, and handing a device over to a new owner.

use super::admin::authorize;
use super::bookings::{Out, Request, book as book_request};
use super::{AppError, Services};
use crate::domain::audit::{Entry, Outcome};
use crate::domain::bookings::Interval;
use crate::domain::bookings::topology::{Edit, TopologyError, may_edit};
use crate::domain::rbac::{Action, Actor, Denied, Resource};
use crate::domain::sanitize;
use uuid::Uuid;

fn entry(svc: &Services, actor: &Actor, action: &str, entity: &str) -> Entry {
    Entry::by(actor, &svc.source, action, entity)
}

/// Refuse (and audit) someone who may not change this topology; word an open review.
async fn may_change(svc: &Services, actor: &Actor, id: Uuid, what: &str) -> Result<(), AppError> {
    let head = svc.store.topology_head(id).await?;
    match may_edit(actor, head.owner, head.review) {
        Ok(()) => Ok(()),
        Err(TopologyError::NotOwner) => {
            let denied = Denied { role: actor.role, resource: Resource::Topology, action: Action::Update };
            let e = entry(svc, actor, what, "topology").entity(id).outcome(Outcome::Denied).message(denied.to_string());
            svc.store.audit(e).await?;
            Err(denied.into())
        }
        Err(e) => Err(AppError::Invalid(e.to_string())),
    }
}

/// One edit of a topology; text is sanitised here.
pub async fn edit(svc: &Services, actor: &Actor, id: Uuid, edit: Edit) -> Result<Out, AppError> {
    may_change(svc, actor, id, edit.action()).await?;
    let edit = match edit {
        Edit::Rename { name } => {
            let name = sanitize::line(&name);
            if name.is_empty() {
                return Err(AppError::Invalid(TopologyError::NoName.to_string()));
            }
            Edit::Rename { name }
        }
        Edit::AddLink { a, b, label } => {
            Edit::AddLink { a, b, label: label.map(|l| sanitize::line(&l)).filter(|l| !l.is_empty()) }
        }
        other => other,
    };
    let action = edit.action();
    let done = svc.store.edit_topology(actor, id, &edit, entry(svc, actor, action, "topology")).await?;
    Ok(Out::Done(done))
}

/// Book every device of a topology over one window: all of them or none, the conflict naming
/// the device that blocks. Nodes that are not devices are not booked.
pub async fn book(svc: &Services, actor: &Actor, id: Uuid, at: Interval) -> Result<Out, AppError> {
    let t = svc.store.topology(actor, id).await?;
    let devices: Vec<Uuid> = t.nodes.iter().filter_map(|n| n.device_id).collect();
    if devices.is_empty() {
        return Err(AppError::Invalid(format!("{} has no device to book: add one first", t.row.name)));
    }
    let request = Request {
        devices,
        at,
        title: t.row.name.clone(),
        collaborators: vec![],
        comment: String::new(),
        weeks: 1,
        tz: "UTC".into(),
    };
    match book_request(svc, actor, request).await? {
        Out::Booked { groups, skipped, message } => {
            Ok(Out::Booked { groups, skipped, message: format!("{}: {message}", t.row.name) })
        }
        other => Ok(other),
    }
}

/// Hand a device to `username`: an admin/operator (device:update) or one of its current
/// owners may; the history keeps every owner.
pub async fn transfer(svc: &Services, actor: &Actor, device: Uuid, username: &str) -> Result<Out, AppError> {
    let owns = svc.store.owners_of(device).await?.contains(&actor.user_id);
    if !owns {
        authorize(svc, actor, Resource::Device, Action::Update, "transfer_device").await?;
    }
    let username = sanitize::line(username);
    if username.is_empty() {
        return Err(AppError::Invalid("to whom? name a user".into()));
    }
    let to = svc.store.user_id_by_name(&username).await?;
    let e = entry(svc, actor, "transfer_device", "device").details(serde_json::json!({ "to": username }));
    let from = svc.store.transfer_owner(device, to, actor.user_id, e).await?;
    Ok(Out::Done(if from.is_empty() {
        format!("Now owned by {username}.")
    } else {
        format!("Handed over from {} to {username}.", from.join(", "))
    }))
}
