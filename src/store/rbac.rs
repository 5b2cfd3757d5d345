use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::audit::Entry;
use crate::domain::rbac::{self, Action, Actor, Grant, Resource};
use crate::domain::{Role, time};
use uuid::Uuid;

impl Store {
    /// Make sure every permission exists, and give each role its default grants the first
    /// time (later edits by an admin are kept).
    pub async fn sync_permissions(&self) -> Result<(), StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let seeded: i64 = sqlx::query_scalar("SELECT count(*) FROM role_permissions").fetch_one(&mut *tx).await?;
            for (resource, action) in rbac::all_permissions() {
                sqlx::query(
                    "INSERT INTO permissions (id, resource, action, name, created_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (resource, action) DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(resource.as_str())
                .bind(action.as_str())
                .bind(rbac::permission_name((resource, action)))
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            if seeded == 0 {
                for role in Role::ALL {
                    for (resource, action) in rbac::default_grants(role) {
                        sqlx::query(
                            "INSERT INTO role_permissions (id, role, permission_id) \
                             SELECT $1, $2, id FROM permissions WHERE resource = $3 AND action = $4",
                        )
                        .bind(Uuid::now_v7())
                        .bind(role.as_str())
                        .bind(resource.as_str())
                        .bind(action.as_str())
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                tx.bump("rbac").await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The actor for a user: role grants from the database plus per-user overrides.
    pub async fn load_actor(&self, user_id: Uuid) -> Result<Actor, StoreError> {
        let user = self.user_by_id(user_id).await?.ok_or_else(|| StoreError::NotFound("user".into()))?;
        let role_rows: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT pm.resource, pm.action FROM role_permissions rp JOIN permissions pm ON pm.id = rp.permission_id WHERE rp.role = $1",
        ).bind(user.role.as_str()).fetch_all(p).await?);
        let override_rows: Vec<(String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT pm.resource, pm.action, o.effect FROM user_permission_overrides o JOIN permissions pm ON pm.id = o.permission_id WHERE o.user_id = $1",
        ).bind(user_id).fetch_all(p).await?);
        let role_grants = role_rows.iter().filter_map(|(r, a)| parse_grant(r, a));
        let overrides = override_rows.iter().filter_map(|(r, a, e)| Some((parse_grant(r, a)?, e == "allow")));
        Ok(Actor {
            user_id,
            username: user.username,
            role: user.role,
            tenant_id: user.tenant_id,
            grants: rbac::effective_grants(role_grants, overrides),
        })
    }

    /// The grants of every role, for the Admin screen's roles view.
    pub async fn role_grants(&self, actor: &Actor) -> Result<Vec<(Role, Grant)>, StoreError> {
        actor.require(Resource::User, Action::Read)?;
        let rows: Vec<(String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT rp.role, pm.resource, pm.action FROM role_permissions rp JOIN permissions pm ON pm.id = rp.permission_id ORDER BY rp.role, pm.resource, pm.action",
        ).fetch_all(p).await?);
        Ok(rows.iter().filter_map(|(role, r, a)| Some((role.parse().ok()?, parse_grant(r, a)?))).collect())
    }

    /// Grant or revoke one permission for a role.
    pub async fn set_role_grant(
        &self,
        role: Role,
        grant: Grant,
        granted: bool,
        audit: Entry,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            if granted {
                sqlx::query(
                    "INSERT INTO role_permissions (id, role, permission_id) SELECT $1, $2, id FROM permissions WHERE resource = $3 AND action = $4 \
                     ON CONFLICT (role, permission_id) DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(role.as_str())
                .bind(grant.0.as_str())
                .bind(grant.1.as_str())
                .execute(&mut *tx)
                .await?;
            } else {
                sqlx::query(
                    "DELETE FROM role_permissions WHERE role = $1 AND permission_id IN (SELECT id FROM permissions WHERE resource = $2 AND action = $3)",
                )
                .bind(role.as_str())
                .bind(grant.0.as_str())
                .bind(grant.1.as_str())
                .execute(&mut *tx)
                .await?;
            }
            tx.audit(&audit.entity(format!("{role}:{}", rbac::permission_name(grant)))).await?;
            tx.bump("rbac").await?;
            tx.commit().await?;
        });
        Ok(())
    }
}

fn parse_grant(resource: &str, action: &str) -> Option<Grant> {
    Some((Resource::parse(resource)?, Action::parse(action)?))
}
