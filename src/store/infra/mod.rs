//! Infrastructure records (seeds 001 and 002) for every kind the tab and the CLI show: one
//! generic list/show/create/update/delete driven by [`Kind`]'s fields and [`spec`], with each
//! kind's rules (CIDR inside its VPC, gateway inside its subnet, no group loops, quotas)
//! checked inside the writing transaction, and IPAM, attachments and memberships beside it.
//! Every read takes the actor: a tenant admin reaches their tenant's rows only.

mod ipam;
mod links;
mod read;
mod rules;
mod spec;
mod write;

pub use links::Membership;
pub use read::Detail;

use crate::domain::infra::Kind;
use crate::domain::rbac::{Action, Actor, Denied};
use crate::store::StoreError;
use spec::Tenancy;
use uuid::Uuid;

/// The revision domain open consoles watch for these records.
pub const DOMAIN: &str = "infrastructure";

/// The SQL condition (alias `t`) limiting `actor` to the rows of `kind` they may read (or
/// write), with `{t}` numbered as parameter `n`; empty when every row is theirs. The tenant
/// to bind comes back beside it.
pub(crate) fn scope(actor: &Actor, kind: Kind, write: bool, n: usize) -> Result<(String, Option<Uuid>), StoreError> {
    let Some(tenant) = actor.tenant_id else { return Ok((String::new(), None)) };
    let denied = || {
        StoreError::Denied(Denied {
            role: actor.role,
            resource: kind.resource(),
            action: if write { Action::Update } else { Action::Read },
        })
    };
    let cond = match spec::tenancy(kind) {
        Tenancy::Shared if !write => return Ok((String::new(), None)),
        Tenancy::ReadOwn(read) if !write => read,
        Tenancy::Shared | Tenancy::Hidden | Tenancy::ReadOwn(_) => return Err(denied()),
        Tenancy::Owned { read, write: w } => {
            if write {
                w
            } else {
                read
            }
        }
    };
    Ok((cond.replace("{t}", &format!("${n}")), Some(tenant)))
}

/// Whether the actor's tenant scope hides `kind` entirely (lists come back empty).
pub(crate) fn hidden_from(actor: &Actor, kind: Kind) -> bool {
    actor.tenant_id.is_some() && matches!(spec::tenancy(kind), Tenancy::Hidden)
}

/// The audit log's entity type for a kind: its table.
pub fn entity(kind: Kind) -> &'static str {
    spec::table(kind)
}
