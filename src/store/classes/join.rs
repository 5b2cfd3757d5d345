//! Joining a class and the seats of its pool. Atomic: a student gets exactly one free student
//! VM, and two students joining at once never get the same one. The claim is one guarded
//! UPDATE (`… AND status = 'available'`); SQLite serialises writers (BEGIN IMMEDIATE), and on
//! PostgreSQL a loser of the row race sees zero rows and picks the next free VM. A full pool
//! puts the student on the waiting list, served in order when VMs appear.

use crate::domain::audit::Entry;
use crate::domain::classes::token;
use crate::domain::{notice, time};
use crate::store::notifications::insert_notification;
use crate::store::secrets;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// Enrolled with a VM (or already was).
    Seated { class_id: Uuid, class_name: String, vmid: i64, vm_name: String },
    /// Enrolled; the pool is full, so they wait (position 1 = next).
    Waiting { class_id: Uuid, class_name: String, position: i64 },
}

const CLAIM: &str = "UPDATE class_vms SET assigned_user_id = $2, status = 'assigned', assigned_at = $3, updated_at = $3 \
  WHERE id = (SELECT id FROM class_vms WHERE class_id = $1 AND role = 'student' AND status = 'available' AND deleted_at IS NULL ORDER BY vmid LIMIT 1) \
  AND status = 'available' AND deleted_at IS NULL RETURNING vmid, vm_name";
const FREE_LEFT: &str = "SELECT count(*) FROM class_vms WHERE class_id = $1 AND role = 'student' AND status = 'available' AND deleted_at IS NULL";
const OWN_SEAT: &str = "SELECT vmid, vm_name FROM class_vms WHERE class_id = $1 AND assigned_user_id = $2 AND role = 'student' AND deleted_at IS NULL";

/// Inside a write transaction: give `user` the lowest free student VM of `class`, retrying
/// while concurrent claims win the row; `None` when the pool has no free VM.
macro_rules! claim_seat {
    ($tx:expr, $class:expr, $user:expr, $now:expr) => {
        async {
            for _ in 0..100 {
                let row: Option<(i64, String)> =
                    sqlx::query_as(CLAIM).bind($class).bind($user).bind($now).fetch_optional(&mut *$tx).await?;
                if row.is_some() {
                    return Ok::<_, sqlx::Error>(row);
                }
                let left: i64 = sqlx::query_scalar(FREE_LEFT).bind($class).fetch_one(&mut *$tx).await?;
                if left == 0 {
                    return Ok(None);
                }
            }
            Ok(None)
        }
    };
}

/// Inside a write transaction: the enrollment row and the class-group membership, together.
macro_rules! enroll_row {
    ($tx:expr, $class:expr, $user:expr, $token:expr, $by:expr, $now:expr) => {
        async {
            let done = sqlx::query(
                "INSERT INTO class_enrollments (id, class_id, user_id, token_id, enrolled_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (class_id, user_id) DO NOTHING",
            )
            .bind(Uuid::now_v7()).bind($class).bind($user).bind($token).bind($now)
            .execute(&mut *$tx).await?;
            sqlx::query(
                "INSERT INTO user_group_members (id, group_id, user_id, added_by, joined_at) \
                 SELECT $1, group_id, $2, $3, $4 FROM classes WHERE id = $5 ON CONFLICT (group_id, user_id) DO NOTHING",
            )
            .bind(Uuid::now_v7()).bind($user).bind($by).bind($now).bind($class)
            .execute(&mut *$tx).await?;
            Ok::<_, sqlx::Error>(done.rows_affected() == 1)
        }
    };
}

/// Inside a write transaction: the next enrolled student without a live VM, in enrolment
/// order. Waiting-list entries of people who are not enrolled never get a VM.
const NEXT_UNSEATED: &str = "SELECT e.user_id FROM class_enrollments e JOIN users u ON u.id = e.user_id WHERE e.class_id = $1 AND u.role = 'student' \
  AND NOT EXISTS (SELECT 1 FROM class_vms v WHERE v.class_id = e.class_id AND v.assigned_user_id = e.user_id AND v.deleted_at IS NULL) \
  ORDER BY e.enrolled_at, e.id LIMIT 1";

/// Inside a write transaction: give free student VMs to enrolled students without one, in
/// enrolment order, while free VMs last; each seated student's waiting-list entry is
/// resolved and they are told their VM is ready. Returns (user, vmid, VM name).
macro_rules! seat_in_order {
    ($tx:expr, $class:expr, $class_name:expr, $now:expr) => {
        async {
            let mut seated: Vec<(Uuid, i64, String)> = Vec::new();
            loop {
                let next: Option<Uuid> = sqlx::query_scalar(NEXT_UNSEATED).bind($class).fetch_optional(&mut *$tx).await?;
                let Some(user) = next else { break };
                let Some((vmid, vm_name)) = claim_seat!($tx, $class, user, $now).await? else { break };
                sqlx::query("UPDATE class_waitlist SET status = 'admitted', resolved_at = $3 WHERE class_id = $1 AND user_id = $2 AND status = 'waiting'")
                    .bind($class).bind(user).bind($now).execute(&mut *$tx).await?;
                let (title, body) = notice::class_vm_ready($class_name, &vm_name, vmid);
                insert_notification!($tx, user, notice::CLASS_VM_READY, &title, Some(body.as_str()), "class_vm", vmid, $now).await?;
                seated.push((user, vmid, vm_name));
            }
            Ok::<_, sqlx::Error>(seated)
        }
    };
}

/// Inside a write transaction: seat the student or queue them. Students enrolled earlier
/// without a VM are served first (enrolment order), so a join never jumps the queue.
macro_rules! seat_or_wait {
    ($tx:expr, $class:expr, $name:expr, $user:expr, $now:expr) => {
        async {
            let own: Option<(i64, String)> = sqlx::query_as(OWN_SEAT).bind($class).bind($user).fetch_optional(&mut *$tx).await?;
            let seat = match own {
                Some(s) => Some(s),
                None => {
                    let seated = seat_in_order!($tx, $class, &$name, $now).await?;
                    match seated.into_iter().find(|s| s.0 == $user) {
                        Some((_, vmid, vm_name)) => Some((vmid, vm_name)),
                        // Not a student (no queue of theirs to keep), or no VM left.
                        None => sqlx::query_as(OWN_SEAT).bind($class).bind($user).fetch_optional(&mut *$tx).await?,
                    }
                }
            };
            Ok::<_, sqlx::Error>(match seat {
                Some((vmid, vm_name)) => {
                    sqlx::query("UPDATE class_waitlist SET status = 'admitted', resolved_at = $3 WHERE class_id = $1 AND user_id = $2 AND status = 'waiting'")
                        .bind($class).bind($user).bind($now).execute(&mut *$tx).await?;
                    JoinOutcome::Seated { class_id: $class, class_name: $name, vmid, vm_name }
                }
                None => {
                    sqlx::query(
                        "INSERT INTO class_waitlist (id, class_id, user_id, status, requested_at) VALUES ($1, $2, $3, 'waiting', $4) \
                         ON CONFLICT (class_id, user_id) DO UPDATE SET status = 'waiting', resolved_at = NULL, \
                         requested_at = CASE WHEN class_waitlist.status = 'waiting' THEN class_waitlist.requested_at ELSE excluded.requested_at END",
                    )
                    .bind(Uuid::now_v7()).bind($class).bind($user).bind($now).execute(&mut *$tx).await?;
                    let position: i64 = sqlx::query_scalar(
                        "SELECT count(*) FROM class_waitlist w JOIN class_enrollments e ON e.class_id = w.class_id AND e.user_id = w.user_id \
                         WHERE w.class_id = $1 AND w.status = 'waiting' \
                         AND e.enrolled_at <= (SELECT enrolled_at FROM class_enrollments WHERE class_id = $1 AND user_id = $2)",
                    ).bind($class).bind($user).fetch_one(&mut *$tx).await?;
                    JoinOutcome::Waiting { class_id: $class, class_name: $name, position }
                }
            })
        }
    };
}

/// A join code with its class: (token, class, class name, expires, disabled, archived, stored tag).
type TokenRow = (Uuid, Uuid, String, Option<When>, Option<When>, Option<When>, String);
type When = chrono::DateTime<chrono::Utc>;

fn outcome_details(o: &JoinOutcome) -> serde_json::Value {
    match o {
        JoinOutcome::Seated { vmid, vm_name, class_name, .. } => {
            json!({"class": class_name, "seated": true, "vmid": vmid, "vm_name": vm_name})
        }
        JoinOutcome::Waiting { position, class_name, .. } => {
            json!({"class": class_name, "seated": false, "waitlist_position": position})
        }
    }
}

impl Store {
    /// A student joins with a code. Refused codes say why, without telling apart "never
    /// existed" from "disabled" for codes nobody holds. The code is looked up by its keyed tag
    /// under each key of the keyring, and by its plain hash from before tags (such a row is
    /// re-tagged here, so it is in the clear-hash form no longer).
    pub async fn join_class(&self, user: Uuid, code: &str, audit: Entry) -> Result<JoinOutcome, StoreError> {
        let now = time::now();
        let code = token::normalize(code);
        let ring = secrets::keyring(true)?;
        let legacy = token::legacy_hash(&code);
        let mut candidates = ring.tags(&code);
        candidates.push(legacy.clone());
        let marks: Vec<String> = (1..=candidates.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT t.id, c.id, s.name, t.expires_at, t.disabled_at, c.archived_at, t.token_hash FROM class_join_tokens t \
             JOIN classes c ON c.id = t.class_id JOIN instance_sets s ON s.id = c.instance_set_id WHERE t.token_hash IN ({})",
            marks.join(", ")
        );
        let out = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for c in &candidates {
                q = q.bind(c);
            }
            let token: Option<TokenRow> = q.fetch_optional(&mut *tx).await?;
            let Some((token_id, class_id, class_name, expires, disabled, archived, stored)) = token else {
                return Err(StoreError::NotFound("a class with that code (check the code with your teacher)".into()));
            };
            if stored == legacy {
                sqlx::query("UPDATE class_join_tokens SET token_hash = $2, token_hint = '' WHERE id = $1")
                    .bind(token_id).bind(ring.tag(&code)).execute(&mut *tx).await?;
            }
            if disabled.is_some() || archived.is_some() {
                return Err(StoreError::Conflict("that code is no longer valid; ask your teacher for the current one".into()));
            }
            if expires.is_some_and(|e| e <= now) {
                return Err(StoreError::Conflict("that code has expired; ask your teacher for a new one".into()));
            }
            enroll_row!(tx, class_id, user, Some(token_id), Some(user), now).await?;
            let out = seat_or_wait!(tx, class_id, class_name, user, now).await?;
            tx.audit(&audit.entity(class_id).details(outcome_details(&out))).await?;
            tx.bump("classes").await?;
            tx.bump("notifications").await?;
            tx.commit().await?;
            out
        });
        Ok(out)
    }

    /// A teacher enrolls a student directly (no code).
    pub async fn enroll(
        &self,
        class_id: Uuid,
        username: &str,
        by: Uuid,
        audit: Entry,
    ) -> Result<JoinOutcome, StoreError> {
        let now = time::now();
        let out = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let user: Option<(Uuid, String)> = sqlx::query_as("SELECT id, role FROM users WHERE username = $1")
                .bind(username).fetch_optional(&mut *tx).await?;
            let Some((user, role)) = user else { return Err(StoreError::NotFound(format!("user {username}"))) };
            if role != "student" {
                return Err(StoreError::Conflict(format!("{username} is a {role}, not a student")));
            }
            let name: String = sqlx::query_scalar("SELECT s.name FROM classes c JOIN instance_sets s ON s.id = c.instance_set_id WHERE c.id = $1")
                .bind(class_id).fetch_one(&mut *tx).await?;
            enroll_row!(tx, class_id, user, None::<Uuid>, Some(by), now).await?;
            let out = seat_or_wait!(tx, class_id, name, user, now).await?;
            tx.audit(&audit.entity(class_id).details({
                let mut d = outcome_details(&out);
                d["student"] = json!(username);
                d
            })).await?;
            tx.bump("classes").await?;
            tx.bump("notifications").await?;
            tx.commit().await?;
            out
        });
        Ok(out)
    }

    /// Remove a student: enrollment, group membership, waitlist entry; their VM goes back to
    /// the pool (the engine reverts it to baseline) and the next waiting student gets it.
    /// Returns the freed VM's vmid.
    pub async fn unenroll(&self, class_id: Uuid, username: &str, audit: Entry) -> Result<Option<i64>, StoreError> {
        let now = time::now();
        let freed = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let user: Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE username = $1").bind(username).fetch_optional(&mut *tx).await?;
            let Some(user) = user else { return Err(StoreError::NotFound(format!("user {username}"))) };
            let done = sqlx::query("DELETE FROM class_enrollments WHERE class_id = $1 AND user_id = $2").bind(class_id).bind(user).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("{username} in this class")));
            }
            sqlx::query("DELETE FROM user_group_members WHERE user_id = $2 AND group_id = (SELECT group_id FROM classes WHERE id = $1)")
                .bind(class_id).bind(user).execute(&mut *tx).await?;
            sqlx::query("UPDATE class_waitlist SET status = 'cancelled', resolved_at = $3 WHERE class_id = $1 AND user_id = $2 AND status = 'waiting'")
                .bind(class_id).bind(user).bind(now).execute(&mut *tx).await?;
            let freed: Option<i64> = sqlx::query_scalar(
                "UPDATE class_vms SET assigned_user_id = NULL, status = 'available', assigned_at = NULL, usage_seconds = 0, usage_last_reset_at = $3, usage_counted_at = NULL, updated_at = $3 \
                 WHERE class_id = $1 AND assigned_user_id = $2 AND role = 'student' AND deleted_at IS NULL RETURNING vmid",
            ).bind(class_id).bind(user).bind(now).fetch_optional(&mut *tx).await?;
            tx.audit(&audit.entity(class_id).details(json!({"student": username, "freed_vmid": freed}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
            freed
        });
        Ok(freed)
    }

    /// Give free VMs to enrolled students without one, in enrolment order, while free VMs
    /// last, in one transaction. A waiting-list entry of someone not enrolled is never served.
    /// Returns who got a VM.
    pub async fn serve_waitlist(&self, class_id: Uuid, audit: Entry) -> Result<Vec<(Uuid, i64)>, StoreError> {
        let now = time::now();
        let seated = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let name: Option<String> = sqlx::query_scalar("SELECT s.name FROM classes c JOIN instance_sets s ON s.id = c.instance_set_id WHERE c.id = $1")
                .bind(class_id).fetch_optional(&mut *tx).await?;
            let Some(name) = name else { return Err(StoreError::NotFound("class".into())) };
            let seated = seat_in_order!(tx, class_id, &name, now).await?;
            if !seated.is_empty() {
                let list: Vec<_> = seated.iter().map(|(u, v, n)| json!({"user_id": u, "vmid": v, "vm_name": n})).collect();
                tx.audit(&audit.entity(class_id).details(json!({"class": name, "admitted": list}))).await?;
                tx.bump("classes").await?;
                tx.bump("notifications").await?;
            }
            tx.commit().await?;
            seated.into_iter().map(|(u, v, _)| (u, v)).collect::<Vec<_>>()
        });
        Ok(seated)
    }

    /// Students of a class: (username, display name, waiting for a VM).
    pub async fn class_roster(&self, class_id: Uuid) -> Result<Vec<(String, Option<String>, bool)>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT u.username, u.display_name, EXISTS (SELECT 1 FROM class_waitlist w WHERE w.class_id = e.class_id AND w.user_id = e.user_id AND w.status = 'waiting') \
             FROM class_enrollments e JOIN users u ON u.id = e.user_id WHERE e.class_id = $1 ORDER BY u.username",
        ).bind(class_id).fetch_all(p).await?))
    }
}
