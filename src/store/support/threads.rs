//! Ticket threads: lists by type and status with unread counts from each participant's read
//! cursor, messages with attachments (records: name, location, type), search.

use super::THREADS;
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ThreadRow {
    pub id: Uuid,
    pub subject: String,
    pub thread_type: String,
    pub status: String,
    pub assignment_id: Option<Uuid>,
    pub assignment_code: Option<String>,
    pub invoice_id: Option<Uuid>,
    pub created_by_name: Option<String>,
    pub updated_at: DateTime<Utc>,
    pub messages: i64,
    /// Messages by others after the actor's read cursor.
    pub unread: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ThreadMessage {
    pub id: Uuid,
    pub sender_name: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Attachment {
    pub message_id: Uuid,
    pub name: String,
    pub location: String,
    pub mime_type: Option<String>,
}

#[derive(Clone, PartialEq)]
pub struct NewAttachment {
    pub name: String,
    pub location: String,
    pub mime_type: Option<String>,
    /// An upload's bytes, kept in the row (`location` is then `stored:<id>`).
    pub content: Option<Vec<u8>>,
}

impl std::fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self.content.as_ref().map(Vec::len);
        write!(f, "NewAttachment({:?}, {:?}, {:?}, {size:?} bytes)", self.name, self.location, self.mime_type)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ThreadFilter {
    pub thread_type: Option<String>,
    pub status: Option<String>,
    /// Words in the subject or any message.
    pub search: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewThread {
    pub subject: String,
    pub thread_type: String,
    pub assignment_id: Option<Uuid>,
    pub invoice_id: Option<Uuid>,
    pub first_message: String,
    pub participants: Vec<Uuid>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    sender_name: Option<String>,
    content: String,
    created_at: DateTime<Utc>,
}

/// Support staff (manage threads) see every thread; everyone else the ones they take part in.
fn sees_all(actor: &Actor) -> bool {
    actor.can(Resource::Thread, Action::Manage)
}

const UNREAD: &str = "(SELECT count(*) FROM messages m WHERE m.thread_id = t.id AND (m.sender_id IS NULL OR m.sender_id <> $1) \
     AND (tp.last_read_at IS NULL OR m.created_at > tp.last_read_at))";

impl Store {
    pub async fn list_threads(&self, actor: &Actor, f: &ThreadFilter) -> Result<Vec<ThreadRow>, StoreError> {
        actor.require(Resource::Thread, Action::Read)?;
        let like = f.search.as_deref().map(|s| format!("%{}%", s.trim().to_lowercase()));
        let sql = format!(
            "SELECT t.id, t.subject, t.thread_type, t.status, t.assignment_id, a.assignment_code, t.invoice_id, \
             u.display_name AS created_by_name, t.updated_at, \
             (SELECT count(*) FROM messages m WHERE m.thread_id = t.id) AS messages, \
             CASE WHEN tp.id IS NULL THEN 0 ELSE {UNREAD} END AS unread \
             FROM threads t LEFT JOIN thread_participants tp ON tp.thread_id = t.id AND tp.user_id = $1 \
             LEFT JOIN assignments a ON a.id = t.assignment_id LEFT JOIN users u ON u.id = t.created_by \
             WHERE ($2 OR tp.id IS NOT NULL) AND ($3 IS NULL OR t.thread_type = $3) AND ($4 IS NULL OR t.status = $4) \
             AND ($5 IS NULL OR lower(t.subject) LIKE $5 OR EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = t.id AND lower(m.content) LIKE $5)) \
             ORDER BY t.updated_at DESC"
        );
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(actor.user_id).bind(sees_all(actor)).bind(&f.thread_type).bind(&f.status).bind(&like)
            .fetch_all(p).await?))
    }

    /// Unread messages over every thread the actor takes part in (tab title, status bar).
    pub async fn unread_messages(&self, actor: &Actor) -> Result<i64, StoreError> {
        if !actor.can(Resource::Thread, Action::Read) {
            return Ok(0);
        }
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT count(*) FROM thread_participants tp JOIN threads t ON t.id = tp.thread_id \
             JOIN messages m ON m.thread_id = t.id WHERE tp.user_id = $1 AND (m.sender_id IS NULL OR m.sender_id <> $1) \
             AND (tp.last_read_at IS NULL OR m.created_at > tp.last_read_at)",
        ).bind(actor.user_id).fetch_one(p).await?))
    }

    pub(crate) async fn may_see_thread(&self, actor: &Actor, thread: Uuid) -> Result<(), StoreError> {
        actor.require(Resource::Thread, Action::Read)?;
        let exists: Option<i64> = on_pool!(self, p => sqlx::query_scalar(
            "SELECT count(tp.id) FROM threads t LEFT JOIN thread_participants tp ON tp.thread_id = t.id AND tp.user_id = $2 WHERE t.id = $1 GROUP BY t.id",
        ).bind(thread).bind(actor.user_id).fetch_optional(p).await?);
        match exists {
            None => Err(StoreError::NotFound("thread".into())),
            Some(0) if !sees_all(actor) => Err(StoreError::NotFound("thread".into())),
            Some(_) => Ok(()),
        }
    }

    /// A thread's messages, oldest first, each with its attachments.
    pub async fn thread_messages(&self, actor: &Actor, thread: Uuid) -> Result<Vec<ThreadMessage>, StoreError> {
        self.may_see_thread(actor, thread).await?;
        let (rows, files): (Vec<MessageRow>, Vec<Attachment>) = on_pool!(self, p => {
            let rows = sqlx::query_as("SELECT m.id, u.display_name AS sender_name, m.content, m.created_at FROM messages m \
                 LEFT JOIN users u ON u.id = m.sender_id WHERE m.thread_id = $1 ORDER BY m.created_at, m.id")
                .bind(thread).fetch_all(p).await?;
            let files = sqlx::query_as("SELECT a.message_id, a.name, a.location, a.mime_type FROM message_attachments a \
                 JOIN messages m ON m.id = a.message_id WHERE m.thread_id = $1 ORDER BY a.created_at")
                .bind(thread).fetch_all(p).await?;
            (rows, files)
        });
        Ok(rows
            .into_iter()
            .map(|r| ThreadMessage {
                attachments: files.iter().filter(|a| a.message_id == r.id).cloned().collect(),
                id: r.id,
                sender_name: r.sender_name,
                content: r.content,
                created_at: r.created_at,
            })
            .collect())
    }

    /// Open a thread with its first message; the actor and `participants` take part.
    pub async fn create_thread(&self, actor: &Actor, new: &NewThread, audit: Entry) -> Result<Uuid, StoreError> {
        actor.require(Resource::Thread, Action::Create)?;
        let id = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO threads (id, subject, thread_type, status, assignment_id, invoice_id, created_by, created_at, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $7)")
                .bind(id).bind(&new.subject).bind(&new.thread_type).bind(new.assignment_id).bind(new.invoice_id).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await?;
            for user in std::iter::once(&actor.user_id).chain(&new.participants) {
                sqlx::query("INSERT INTO thread_participants (id, thread_id, user_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (thread_id, user_id) DO NOTHING")
                    .bind(Uuid::now_v7()).bind(id).bind(user).bind(now).execute(&mut *tx).await?;
            }
            tx.audit(&audit.clone().entity(id)).await?;
            tx.commit().await?;
        });
        let post = Entry { action: "post_message".into(), ..audit };
        self.post_message(actor, id, &new.first_message, &[], post).await?;
        Ok(id)
    }

    /// Post to a thread (content already sanitised). Staff who post join the thread; the
    /// poster's cursor moves past their own message; the others are notified.
    pub async fn post_message(
        &self,
        actor: &Actor,
        thread: Uuid,
        content: &str,
        files: &[NewAttachment],
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        actor.require(Resource::Thread, Action::Create)?;
        self.may_see_thread(actor, thread).await?;
        let id = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO messages (id, thread_id, sender_id, content, created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(id).bind(thread).bind(actor.user_id).bind(content).bind(now).execute(&mut *tx).await?;
            for f in files {
                let file_id = Uuid::now_v7();
                let location = if f.content.is_some() { format!("stored:{file_id}") } else { f.location.clone() };
                let size = f.content.as_ref().map(|c| c.len() as i64);
                sqlx::query("INSERT INTO message_attachments (id, message_id, name, location, mime_type, size_bytes, created_at, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(file_id).bind(id).bind(&f.name).bind(location).bind(&f.mime_type).bind(size).bind(now).bind(&f.content)
                    .execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO thread_participants (id, thread_id, user_id, last_read_message_id, last_read_at, created_at) VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (thread_id, user_id) DO UPDATE SET last_read_message_id = $4, last_read_at = $5")
                .bind(Uuid::now_v7()).bind(thread).bind(actor.user_id).bind(id).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE threads SET updated_at = $2 WHERE id = $1").bind(thread).bind(now).execute(&mut *tx).await?;
            let others: Vec<Uuid> = sqlx::query_scalar("SELECT user_id FROM thread_participants WHERE thread_id = $1 AND user_id <> $2")
                .bind(thread).bind(actor.user_id).fetch_all(&mut *tx).await?;
            let preview: String = content.chars().take(200).collect();
            for user in others {
                sqlx::query("INSERT INTO notifications (id, user_id, title, body, kind, created_at) VALUES ($1, $2, $3, $4, 'message', $5)")
                    .bind(Uuid::now_v7()).bind(user).bind(format!("New message from {}", actor.username)).bind(&preview).bind(now)
                    .execute(&mut *tx).await?;
            }
            tx.audit(&audit.entity(thread)).await?;
            tx.bump("notifications").await?;
            tx.bump(THREADS).await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Move the actor's read cursor to the thread's newest message.
    pub async fn mark_thread_read(&self, actor: &Actor, thread: Uuid) -> Result<(), StoreError> {
        self.may_see_thread(actor, thread).await?;
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let last: Option<(Uuid, DateTime<Utc>)> = sqlx::query_as("SELECT id, created_at FROM messages WHERE thread_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1")
                .bind(thread).fetch_optional(&mut *tx).await?;
            let Some((last, at)) = last else { return Ok(()) };
            let at = at.max(now);
            let moved = sqlx::query("UPDATE thread_participants SET last_read_message_id = $3, last_read_at = $4 WHERE thread_id = $1 AND user_id = $2 \
                 AND (last_read_message_id IS NULL OR last_read_message_id <> $3)")
                .bind(thread).bind(actor.user_id).bind(last).bind(at).execute(&mut *tx).await?.rows_affected();
            if moved > 0 {
                tx.bump(THREADS).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn set_thread_status(
        &self,
        actor: &Actor,
        thread: Uuid,
        status: &str,
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(Resource::Thread, Action::Update)?;
        self.may_see_thread(actor, thread).await?;
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE threads SET status = $2, updated_at = $3 WHERE id = $1").bind(thread).bind(status).bind(time::now())
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(thread).details(serde_json::json!({ "status": status }))).await?;
            tx.bump(THREADS).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
