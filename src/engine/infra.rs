//! Infrastructure use cases: one `Op::Infra(Op)` in, one `Reply::Infra(Out)` out. The
//! permission is checked here first (a refusal is audited) and again by the store, which
//! also keeps a tenant admin inside their tenant.

use super::admin::authorize;
use super::{AppError, Services};
use crate::domain::audit::Entry;
use crate::domain::infra::{Input, Kind, Record, Target, net, parse_input};
use crate::domain::rbac::{Action, Actor};
use crate::domain::sanitize;
pub use crate::store::infra::{Detail, Membership};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Op {
    List {
        kind: Kind,
    },
    Detail {
        kind: Kind,
        id: Uuid,
    },
    /// Field name → text as typed; checked against the kind's fields here.
    Create {
        kind: Kind,
        values: Vec<(String, String)>,
    },
    Update {
        kind: Kind,
        id: Uuid,
        values: Vec<(String, String)>,
    },
    Delete {
        kind: Kind,
        id: Uuid,
    },
    /// The next free address of `subnet` (name or id), or `address` when given.
    Allocate {
        subnet: String,
        address: Option<String>,
        instance: Option<String>,
    },
    Release {
        id: Uuid,
    },
    Attach {
        disk: String,
        instance: String,
        mount_path: String,
        read_only: bool,
    },
    Detach {
        disk: String,
        instance: String,
    },
    Member {
        kind: Kind,
        parent: Uuid,
        member: String,
        add: bool,
    },
}

impl Op {
    pub fn load_kind(&self) -> Option<&'static str> {
        match self {
            Op::List { .. } => Some("infra.list"),
            Op::Detail { .. } => Some("infra.detail"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub enum Out {
    List {
        kind: Kind,
        records: Vec<Record>,
    },
    Detail {
        kind: Kind,
        detail: Box<Detail>,
    },
    Done(String),
    /// An address was allocated.
    Allocated {
        id: Uuid,
        address: String,
    },
}

fn entry(svc: &Services, actor: &Actor, action: &str, kind: Kind) -> Entry {
    Entry::by(actor, &svc.source, action, crate::store::infra::entity(kind))
}

/// Check every typed value against its field; the first problem is the answer.
pub fn check_values(kind: Kind, values: &[(String, String)]) -> Result<Vec<(String, Input)>, AppError> {
    values
        .iter()
        .map(|(name, raw)| {
            let field = kind
                .field(name.trim())
                .ok_or_else(|| AppError::Invalid(format!("a {} has no field '{}'", kind.singular(), name.trim())))?;
            let input = parse_input(field, raw).map_err(AppError::Invalid)?;
            Ok((field.name.to_string(), input))
        })
        .collect()
}

fn label(kind: Kind, values: &[(String, Input)]) -> String {
    let key = kind.label_field().unwrap_or("name");
    values
        .iter()
        .find_map(|(n, v)| match v {
            Input::Text(s) if n == key => Some(s.clone()),
            _ => None,
        })
        .unwrap_or_else(|| kind.singular().to_string())
}

pub async fn run(svc: &Services, actor: &Actor, op: Op) -> Result<Out, AppError> {
    let store = &svc.store;
    Ok(match op {
        Op::List { kind } => Out::List { kind, records: store.infra_list(actor, kind).await? },
        Op::Detail { kind, id } => Out::Detail { kind, detail: Box::new(store.infra_detail(actor, kind, id).await?) },
        Op::Create { kind, values } => {
            authorize(svc, actor, kind.resource(), Action::Create, "infra_create").await?;
            let values = check_values(kind, &values)?;
            let name = label(kind, &values);
            let id = store
                .infra_create(actor, kind, &values, entry(svc, actor, "create", kind).named(name.as_str()))
                .await?;
            Out::Done(format!("Created {} {name} ({id}).", kind.singular()))
        }
        Op::Update { kind, id, values } => {
            authorize(svc, actor, kind.resource(), Action::Update, "infra_update").await?;
            let values = check_values(kind, &values)?;
            let changed: Vec<String> = values.iter().map(|(n, _)| n.clone()).collect();
            let e = entry(svc, actor, "update", kind).details(serde_json::json!({ "fields": changed }));
            store.infra_update(actor, kind, id, &values, e).await?;
            Out::Done(format!("Saved {} ({}).", kind.singular(), changed.join(", ")))
        }
        Op::Delete { kind, id } => {
            authorize(svc, actor, kind.resource(), Action::Delete, "infra_delete").await?;
            store.infra_delete(actor, kind, id, entry(svc, actor, "delete", kind)).await?;
            let how = if kind.soft_delete().is_some() { "Marked deleted" } else { "Deleted" };
            Out::Done(format!("{how}: {} {id}.", kind.singular()))
        }
        Op::Allocate { subnet, address, instance } => {
            authorize(svc, actor, Kind::Addresses.resource(), Action::Create, "allocate_address").await?;
            let subnet = store.infra_resolve(actor, Target::Kind(Kind::Subnets), &sanitize::line(&subnet)).await?;
            let want = match address.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                Some(a) => Some(net::parse_ip(a).map_err(|e| AppError::Invalid(e.to_string()))?),
                None => None,
            };
            let instance = match instance.as_deref().map(str::trim).filter(|i| !i.is_empty()) {
                Some(i) => Some(store.infra_resolve(actor, Target::Kind(Kind::Instances), &sanitize::line(i)).await?),
                None => None,
            };
            let e = entry(svc, actor, "allocate", Kind::Addresses);
            let (id, ip) = store.allocate_address(actor, subnet, want, instance, e).await?;
            Out::Allocated { id, address: ip.to_string() }
        }
        Op::Release { id } => {
            authorize(svc, actor, Kind::Addresses.resource(), Action::Update, "release_address").await?;
            let addr = store.release_address(actor, id, entry(svc, actor, "release", Kind::Addresses)).await?;
            Out::Done(format!("Released {addr}."))
        }
        Op::Attach { disk, instance, mount_path, read_only } => {
            authorize(svc, actor, Kind::Disks.resource(), Action::Update, "attach_disk").await?;
            let d = store.infra_resolve(actor, Target::Kind(Kind::Disks), &sanitize::line(&disk)).await?;
            let i = store.infra_resolve(actor, Target::Kind(Kind::Instances), &sanitize::line(&instance)).await?;
            let path = sanitize::line(&mount_path);
            store.attach_disk(actor, d, i, &path, read_only, entry(svc, actor, "attach", Kind::Disks)).await?;
            Out::Done(format!("Attached {} to {} at {path}.", disk.trim(), instance.trim()))
        }
        Op::Detach { disk, instance } => {
            authorize(svc, actor, Kind::Disks.resource(), Action::Update, "detach_disk").await?;
            let d = store.infra_resolve(actor, Target::Kind(Kind::Disks), &sanitize::line(&disk)).await?;
            let i = store.infra_resolve(actor, Target::Kind(Kind::Instances), &sanitize::line(&instance)).await?;
            store.detach_disk(actor, d, i, entry(svc, actor, "detach", Kind::Disks)).await?;
            Out::Done(format!("Detached {} from {}.", disk.trim(), instance.trim()))
        }
        Op::Member { kind, parent, member, add } => {
            let m = Membership::of(kind)
                .ok_or_else(|| AppError::Invalid(format!("a {} has no members", kind.singular())))?;
            authorize(svc, actor, kind.resource(), Action::Update, "set_member").await?;
            let who = store.infra_resolve(actor, m.member(), &sanitize::line(&member)).await?;
            let e = entry(svc, actor, if add { "add_member" } else { "remove_member" }, kind);
            store.set_member(actor, m, parent, who, add, e).await?;
            Out::Done(format!(
                "{} {} {} the {}.",
                if add { "Added" } else { "Removed" },
                member.trim(),
                if add { "to" } else { "from" },
                kind.singular()
            ))
        }
    })
}
