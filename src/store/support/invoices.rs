//! Seed 004's invoices and payments. Students see their own; whoever may update invoices
//! (support, admins) sees all. Paid and partly paid follow from the payments recorded, in
//! the same transaction as the payment.

use super::TUTORING;
use crate::domain::audit::Entry;
use crate::domain::invoice;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::{notice, time};
use crate::store::notifications::insert_notification;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: Uuid,
    pub assignment_code: Option<String>,
    pub student: String,
    pub total_cents: i64,
    pub currency: String,
    pub status: String,
    pub due_at: Option<DateTime<Utc>>,
    /// Succeeded payments, in cents.
    pub paid_cents: i64,
    pub payments: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewInvoice {
    pub assignment_id: Uuid,
    pub total_cents: i64,
    pub currency: String,
    pub due_at: Option<DateTime<Utc>>,
}

const PAID: &str = "CAST(COALESCE((SELECT sum(p.amount_cents) FROM payments p WHERE p.invoice_id = i.id AND p.status = 'succeeded'), 0) AS BIGINT)";

/// Which invoices the actor may see: all (staff), or their own once issued — drafts are
/// staff-only (`domain::invoice::visible`, the same rule).
pub(super) const VISIBLE: &str = "($2 OR (i.student_id = $1 AND i.status <> 'draft'))";

pub(super) fn sees_all(actor: &Actor) -> bool {
    actor.can(Resource::Invoice, Action::Update)
}

impl Store {
    pub async fn list_invoices(&self, actor: &Actor) -> Result<Vec<InvoiceRow>, StoreError> {
        actor.require(Resource::Invoice, Action::Read)?;
        let sql = format!(
            "SELECT i.id, a.assignment_code, u.display_name AS student, i.total_cents, i.currency, i.status, i.due_at, \
             {PAID} AS paid_cents, (SELECT count(*) FROM payments p WHERE p.invoice_id = i.id) AS payments \
             FROM invoices i JOIN users u ON u.id = i.student_id LEFT JOIN assignments a ON a.id = i.assignment_id \
             WHERE {VISIBLE} ORDER BY i.created_at DESC, i.id"
        );
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(actor.user_id).bind(sees_all(actor)).fetch_all(p).await?),
        )
    }

    /// A draft invoice to the student of an assignment.
    pub async fn create_invoice(&self, actor: &Actor, new: &NewInvoice, audit: Entry) -> Result<Uuid, StoreError> {
        actor.require(Resource::Invoice, Action::Create)?;
        let id = Uuid::now_v7();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let student: Option<Uuid> = sqlx::query_scalar("SELECT student_id FROM assignments WHERE id = $1")
                .bind(new.assignment_id).fetch_optional(&mut *tx).await?;
            let Some(student) = student else { return Err(StoreError::NotFound("assignment".into())) };
            sqlx::query("INSERT INTO invoices (id, assignment_id, student_id, total_cents, currency, status, due_at, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, 'draft', $6, $7, $7)")
                .bind(id).bind(new.assignment_id).bind(student).bind(new.total_cents).bind(&new.currency).bind(new.due_at).bind(time::now())
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(id).detail("total_cents", new.total_cents).detail("currency", new.currency.as_str())).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Issue, void or return an invoice to draft, as the domain's rules allow.
    pub async fn set_invoice_status(&self, actor: &Actor, id: Uuid, to: &str, audit: Entry) -> Result<(), StoreError> {
        actor.require(Resource::Invoice, Action::Update)?;
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let (from, _, paid) = found(sqlx::query_as(sqlx::AssertSqlSafe(locked_sql(self))).bind(id).fetch_optional(&mut *tx).await?)?;
            invoice::may_set(&from, to, paid).map_err(StoreError::Conflict)?;
            sqlx::query("UPDATE invoices SET status = $2, updated_at = $3 WHERE id = $1").bind(id).bind(to).bind(now).execute(&mut *tx).await?;
            let (student, total, currency, due): (Uuid, i64, String, Option<DateTime<Utc>>) =
                sqlx::query_as("SELECT student_id, total_cents, currency, due_at FROM invoices WHERE id = $1").bind(id).fetch_one(&mut *tx).await?;
            if to == "issued" {
                let due = due.map(|d| d.format("%Y-%m-%d").to_string());
                let (t, b) = notice::invoice_issued(&invoice::short_id(id), &invoice::format_cents(total, &currency), due.as_deref());
                insert_notification!(tx, student, notice::INVOICE_ISSUED, &t, Some(b.as_str()), "invoice", id, now).await?;
                tx.bump("notifications").await?;
            }
            tx.audit(&audit.entity(id).detail("from", from).detail("to", to).detail("student_id", student.to_string())).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Record a succeeded payment; the invoice becomes partly paid or paid with it. Returns
    /// the invoice's new status.
    pub async fn record_payment(
        &self,
        actor: &Actor,
        id: Uuid,
        amount_cents: i64,
        method: &str,
        audit: Entry,
    ) -> Result<&'static str, StoreError> {
        actor.require(Resource::Invoice, Action::Update)?;
        let now = time::now();
        let status = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let (from, total, paid) = found(sqlx::query_as(sqlx::AssertSqlSafe(locked_sql(self))).bind(id).fetch_optional(&mut *tx).await?)?;
            let status = invoice::after_payment(&from, total, paid, amount_cents).map_err(StoreError::Conflict)?;
            sqlx::query("INSERT INTO payments (id, invoice_id, amount_cents, payment_method, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, 'succeeded', $5, $5)")
                .bind(Uuid::now_v7()).bind(id).bind(amount_cents).bind(method).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE invoices SET status = $2, updated_at = $3 WHERE id = $1").bind(id).bind(status).bind(now).execute(&mut *tx).await?;
            let e = audit.entity(id).detail("amount_cents", amount_cents).detail("method", method).detail("status", status);
            tx.audit(&e).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
            status
        });
        Ok(status)
    }
}

/// An invoice's status, total and succeeded payments, read under a lock so two payments
/// never both see the old balance (a row lock on PostgreSQL; SQLite's write transaction
/// already holds the database).
fn locked_sql(store: &Store) -> String {
    let lock = if matches!(store, Store::Postgres(_)) { " FOR UPDATE OF i" } else { "" };
    format!("SELECT i.status, i.total_cents, {PAID} FROM invoices i WHERE i.id = $1{lock}")
}

fn found(row: Option<(String, i64, i64)>) -> Result<(String, i64, i64), StoreError> {
    row.ok_or_else(|| StoreError::NotFound("invoice".into()))
}
