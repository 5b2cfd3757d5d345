//! Seed 004's tutoring records: assignments with their teachers, files, invoices and
//! payments, meetings, writings, homework and exams. Students see their own, teachers the
//! ones they are assigned to, support and admins all.

use super::TUTORING;
use crate::domain::audit::Entry;
use crate::domain::invoice::format_cents;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: Uuid,
    pub assignment_code: String,
    pub title: String,
    pub student: String,
    pub service_type: String,
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
    pub teachers: i64,
    pub invoices: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewAssignment {
    pub code: String,
    pub student_id: Uuid,
    pub title: String,
    pub service_type: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// One line of context: what kind of record, and its text.
#[derive(Debug, Clone, PartialEq)]
pub struct TutoringItem {
    pub kind: &'static str,
    pub text: String,
}

/// Everything a thread's assignment or invoice brings along, for the side panel.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TutoringContext {
    pub title: String,
    pub items: Vec<TutoringItem>,
}

/// Which assignments the actor may see: all, or through the student/teacher link.
pub(super) const VISIBLE: &str = "($2 OR a.student_id = $1 OR EXISTS (SELECT 1 FROM teacher_assignments ta WHERE ta.assignment_id = a.id AND ta.teacher_id = $1))";

/// (code, title, service type, status, due)
type AssignmentHead = (String, String, String, String, Option<DateTime<Utc>>);
/// (id, total cents, currency, status, due)
type InvoiceHead = (Uuid, i64, String, String, Option<DateTime<Utc>>, Uuid);

pub(super) fn sees_all(actor: &Actor) -> bool {
    actor.can(Resource::Assignment, Action::Update) && actor.role != crate::domain::Role::Teacher
}

fn day(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into())
}

impl Store {
    pub async fn list_assignments(&self, actor: &Actor) -> Result<Vec<AssignmentRow>, StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let sql = format!(
            "SELECT a.id, a.assignment_code, a.title, u.display_name AS student, a.service_type, a.status, a.due_at, \
             (SELECT count(*) FROM teacher_assignments ta WHERE ta.assignment_id = a.id) AS teachers, \
             (SELECT count(*) FROM invoices i WHERE i.assignment_id = a.id AND ($3 OR i.status <> 'draft')) AS invoices \
             FROM assignments a JOIN users u ON u.id = a.student_id WHERE {VISIBLE} ORDER BY a.assignment_code"
        );
        let staff = super::invoices::sees_all(actor);
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(actor.user_id).bind(sees_all(actor)).bind(staff).fetch_all(p).await?))
    }

    /// Students create their own; admins for anyone.
    pub async fn create_assignment(
        &self,
        actor: &Actor,
        new: &NewAssignment,
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        actor.require(Resource::Assignment, Action::Create)?;
        if new.student_id != actor.user_id && !actor.can(Resource::Assignment, Action::Manage) {
            return Err(StoreError::Conflict("students open assignments for themselves only".into()));
        }
        let id = Uuid::now_v7();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO assignments (id, assignment_code, student_id, title, service_type, status, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $7)")
                .bind(id).bind(&new.code).bind(new.student_id).bind(&new.title).bind(&new.service_type).bind(new.due_at).bind(time::now())
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(id)).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Change an assignment's status (teachers on their assignments, support and admins on any).
    pub async fn set_assignment_status(
        &self,
        actor: &Actor,
        id: Uuid,
        status: &str,
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(Resource::Assignment, Action::Update)?;
        let sql = format!(
            "UPDATE assignments SET status = $3, updated_at = $4 WHERE id = $5 AND id IN (SELECT a.id FROM assignments a WHERE {VISIBLE})"
        );
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(actor.user_id).bind(sees_all(actor)).bind(status).bind(time::now()).bind(id)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound("assignment".into()));
            }
            tx.audit(&audit.entity(id).details(serde_json::json!({ "status": status }))).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The tutoring records behind a thread: its assignment with teachers, files, meetings,
    /// work items and invoices, or its invoice with payments.
    pub async fn tutoring_context(
        &self,
        actor: &Actor,
        assignment: Option<Uuid>,
        invoice: Option<Uuid>,
    ) -> Result<TutoringContext, StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let mut ctx = TutoringContext::default();
        let all = sees_all(actor);
        let invoice_assignment: Option<Uuid> = match (assignment, invoice) {
            (None, Some(inv)) => on_pool!(self, p => sqlx::query_scalar("SELECT assignment_id FROM invoices WHERE id = $1").bind(inv).fetch_optional(p).await?).flatten(),
            _ => None,
        };
        if let Some(a) = assignment.or(invoice_assignment) {
            let sql = format!(
                "SELECT a.assignment_code, a.title, a.service_type, a.status, a.due_at FROM assignments a WHERE a.id = $3 AND {VISIBLE}"
            );
            let row: Option<AssignmentHead> = on_pool!(self, p =>
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(actor.user_id).bind(all).bind(a).fetch_optional(p).await?);
            let Some((code, title, kind, status, due)) = row else { return Ok(ctx) };
            ctx.title = format!("{code} {title}");
            ctx.items.push(TutoringItem { kind: "assignment", text: format!("{kind}, {status}, due {}", day(due)) });
            let lines: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
                "SELECT 'teacher', u.display_name || ' (' || ta.status || ')' FROM teacher_assignments ta JOIN users u ON u.id = ta.teacher_id WHERE ta.assignment_id = $1 \
                 UNION ALL SELECT 'file', f.name || ' ' || coalesce(f.mime_type, '') FROM assignment_files f WHERE f.assignment_id = $1 \
                 UNION ALL SELECT 'meeting', m.meeting_code || ' ' || m.status FROM meetings m WHERE m.assignment_id = $1 \
                 UNION ALL SELECT 'writing', w.status FROM writings w WHERE w.assignment_id = $1 \
                 UNION ALL SELECT 'homework', 'homework' FROM homeworks h WHERE h.assignment_id = $1 \
                 UNION ALL SELECT 'exam', e.duration_minutes || ' min ' || e.status FROM exams e WHERE e.assignment_id = $1",
            ).bind(a).fetch_all(p).await?);
            ctx.items.extend(lines.into_iter().map(|(k, text)| TutoringItem { kind: kind_name(&k), text }));
        }
        if actor.can(Resource::Invoice, Action::Read) {
            let invoices: Vec<InvoiceHead> = on_pool!(self, p => sqlx::query_as(
                "SELECT id, total_cents, currency, status, due_at, student_id FROM invoices WHERE id = $1 OR ($2 IS NOT NULL AND assignment_id = $2) ORDER BY created_at",
            ).bind(invoice).bind(assignment.or(invoice_assignment)).fetch_all(p).await?);
            let staff = super::invoices::sees_all(actor);
            // Drafts are staff-only; students see their own invoices once issued.
            let shown =
                invoices.into_iter().filter(|i| crate::domain::invoice::visible(&i.3, i.5 == actor.user_id, staff));
            for (id, total, cur, status, due, _) in shown {
                if ctx.title.is_empty() {
                    ctx.title = format!("invoice {}", &id.to_string()[..8]);
                }
                ctx.items.push(TutoringItem {
                    kind: "invoice",
                    text: format!("{} {status}, due {}", format_cents(total, &cur), day(due)),
                });
                let pays: Vec<(i64, String, String)> = on_pool!(self, p => sqlx::query_as(
                    "SELECT amount_cents, payment_method, status FROM payments WHERE invoice_id = $1 ORDER BY created_at",
                ).bind(id).fetch_all(p).await?);
                ctx.items.extend(pays.into_iter().map(|(c, m, s)| TutoringItem {
                    kind: "payment",
                    text: format!("{} {m} {s}", format_cents(c, &cur)),
                }));
            }
        }
        Ok(ctx)
    }
}

fn kind_name(k: &str) -> &'static str {
    ["teacher", "file", "meeting", "writing", "homework", "exam"].into_iter().find(|n| *n == k).unwrap_or("record")
}
