//! Seed 003's scheduler: devices (tags, ownership history, health, maintenance), booking
//! groups over several devices (all or nothing), collaborators, comments, approvals,
//! favorites and topologies with review. Every write is audited and bumps "bookings".
//! Reads check `booking:read` / `device:read` again here, whoever called.

/// Run `$body` (statements on `$tx`) in one writing transaction that also writes the audit
/// entry and bumps the bookings revision: a change and its audit land together or not at all.
/// `out => audit` lets the audit entry use what the body returned.
macro_rules! audited {
    ($store:expr, $tx:ident, $out:ident => $audit:expr, $body:block) => {
        crate::store::on_pool!($store, p => {
            let mut $tx = p.begin_write().await?;
            let $out = $body;
            $tx.audit(&$audit).await?;
            $tx.bump(crate::store::bookings::DOMAIN).await?;
            $tx.commit().await?;
            $out
        })
    };
    ($store:expr, $tx:ident, $audit:expr, $body:block) => {
        audited!($store, $tx, _out => $audit, $body)
    };
}

mod book;
mod calendar;
mod devices;
mod favorites;
mod guard;
mod review;
mod topologies;
mod topology_edit;

pub use book::{GroupEdit, NewGroup};
pub use calendar::{BookingRow, Calendar, ConflictRow, GroupDetail, PendingGroup};
pub use devices::{DeviceInput, DeviceRow, HealthRow, MaintenanceRow, OwnershipRow};
pub use favorites::FavoriteRow;
pub use topologies::{NewTopology, TopologyDetail, TopologyLink, TopologyNode, TopologyRow, link_text, port_label};
pub use topology_edit::TopologyHead;

use super::StoreError;

/// The domain every bookings write bumps, so open consoles re-query.
pub const DOMAIN: &str = "bookings";

impl super::Store {
    /// The approval limits recorded for a user (none recorded: no limits).
    pub async fn approval_limits(
        &self,
        user: uuid::Uuid,
    ) -> Result<crate::domain::bookings::approval::ApprovalLimits, StoreError> {
        let raw: Option<Option<String>> = super::on_pool!(self, p => sqlx::query_scalar(
            "SELECT CAST(approval_limits AS TEXT) FROM user_profiles WHERE user_id = $1").bind(user).fetch_optional(p).await?);
        Ok(crate::domain::bookings::approval::ApprovalLimits::from_json(raw.flatten().as_deref()))
    }

    /// Every active user who may approve bookings (approvers and admins), with their limits.
    pub async fn approvers(
        &self,
        actor: &crate::domain::rbac::Actor,
    ) -> Result<Vec<crate::domain::bookings::approval::Approver>, StoreError> {
        use crate::domain::bookings::approval::{ApprovalLimits, Approver};
        actor.require(crate::domain::rbac::Resource::Booking, crate::domain::rbac::Action::Read)?;
        let rows: Vec<(String, String, Option<String>)> = super::on_pool!(self, p => sqlx::query_as(
            "SELECT u.username, u.role, CAST(p.approval_limits AS TEXT) FROM users u LEFT JOIN user_profiles p ON p.user_id = u.id \
             WHERE u.role IN ('approver','admin') AND u.status = 'active' ORDER BY u.role DESC, u.username").fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(username, role, raw)| Approver {
                admin: role == "admin",
                username,
                limits: ApprovalLimits::from_json(raw.as_deref()),
            })
            .collect())
    }
}
