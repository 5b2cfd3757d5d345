//! The pre-sign-in chat: a visitor starts a session (waiting), a rep claims it (active; the
//! first claim wins by a conditional UPDATE), they talk, the rep closes it with its reference.

use super::CHAT;
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::support::VisitorIntro;
use crate::domain::{notice, time};
use crate::store::notifications::insert_notification;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VisitorSession {
    pub id: Uuid,
    pub reference: String,
    pub visitor_name: String,
    pub visitor_email: Option<String>,
    pub visitor_phone: Option<String>,
    pub subject: String,
    pub status: String,
    pub claimed_by: Option<Uuid>,
    pub claimed_by_name: Option<String>,
    pub started_at: DateTime<Utc>,
    pub last_activity_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub converted_user_id: Option<Uuid>,
    pub converted_thread_id: Option<Uuid>,
    pub messages: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VisitorMessage {
    pub id: Uuid,
    pub session_id: Uuid,
    /// visitor, rep or system
    pub sender_type: String,
    pub rep_name: Option<String>,
    pub content: String,
    pub created_at: DateTime<Utc>,
}

const SESSION_COLUMNS: &str = "SELECT s.id, s.reference, s.visitor_name, s.visitor_email, s.visitor_phone, s.subject, s.status, \
     s.claimed_by, u.display_name AS claimed_by_name, s.started_at, s.last_activity_at, s.closed_at, s.converted_user_id, \
     s.converted_thread_id, (SELECT count(*) FROM visitor_messages m WHERE m.session_id = s.id) AS messages \
     FROM visitor_sessions s LEFT JOIN users u ON u.id = s.claimed_by";
const MESSAGE_COLUMNS: &str = "SELECT m.id, m.session_id, m.sender_type, u.display_name AS rep_name, m.content, m.created_at \
     FROM visitor_messages m LEFT JOIN users u ON u.id = m.rep_id";
const INSERT_MESSAGE: &str = "INSERT INTO visitor_messages (id, session_id, sender_type, rep_id, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
const TOUCH: &str = "UPDATE visitor_sessions SET last_activity_at = $2 WHERE id = $1";

fn require(actor: &Actor, action: Action) -> Result<(), StoreError> {
    Ok(actor.require(Resource::VisitorChat, action)?)
}

impl Store {
    /// Open a waiting session. Only the token's hash is stored; the reference is retried on
    /// the (unlikely) clash with an existing one.
    pub async fn start_visitor(
        &self,
        intro: &VisitorIntro,
        token_hash: &str,
        audit: Entry,
    ) -> Result<VisitorSession, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        let mut last = None;
        for _ in 0..5 {
            let reference = crate::domain::support::new_reference();
            let done: Result<(), StoreError> = on_pool!(self, p => {
                let mut tx = p.begin_write().await?;
                sqlx::query("INSERT INTO visitor_sessions (id, reference, access_token_hash, visitor_name, visitor_email, visitor_phone, subject, status, started_at, last_activity_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'waiting', $8, $8)")
                    .bind(id).bind(&reference).bind(token_hash).bind(&intro.name).bind(&intro.email)
                    .bind(&intro.phone).bind(&intro.subject).bind(now)
                    .execute(&mut *tx).await?;
                sqlx::query(INSERT_MESSAGE).bind(Uuid::now_v7()).bind(id).bind("system").bind(None::<Uuid>)
                    .bind(format!("Thanks, {}. A support rep will be with you shortly. Your reference is {reference}.", intro.name))
                    .bind(now).execute(&mut *tx).await?;
                tx.audit(&audit.clone().entity(id)).await?;
                tx.bump(CHAT).await?;
                tx.commit().await?;
                Ok(())
            });
            match done {
                Ok(()) => return self.visitor_session(id).await,
                Err(StoreError::Conflict(m)) if m.starts_with("reference") => last = Some(StoreError::Conflict(m)),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| StoreError::Conflict("reference already exists".into())))
    }

    /// The session a visitor's token opens (by its hash), if any.
    pub async fn visitor_by_token(&self, token_hash: &str) -> Result<Option<VisitorSession>, StoreError> {
        let sql = format!("{SESSION_COLUMNS} WHERE s.access_token_hash = $1");
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await?))
    }

    /// One session by id (for the visitor's own front door, which holds its token).
    pub async fn visitor_session(&self, id: Uuid) -> Result<VisitorSession, StoreError> {
        let sql = format!("{SESSION_COLUMNS} WHERE s.id = $1");
        let found: Option<VisitorSession> =
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        found.ok_or_else(|| StoreError::NotFound("chat".into()))
    }

    /// One session for a rep.
    pub async fn visitor_chat(&self, actor: &Actor, id: Uuid) -> Result<VisitorSession, StoreError> {
        require(actor, Action::Read)?;
        self.visitor_session(id).await
    }

    /// A message from the visitor (already sanitised). Refused once the chat is closed.
    pub async fn visitor_says(&self, session: Uuid, content: &str) -> Result<VisitorMessage, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let status: Option<String> = sqlx::query_scalar("SELECT status FROM visitor_sessions WHERE id = $1")
                .bind(session).fetch_optional(&mut *tx).await?;
            match status.as_deref() {
                None => return Err(StoreError::NotFound("chat".into())),
                Some("closed") => return Err(StoreError::Conflict("this chat is closed".into())),
                Some(_) => {}
            }
            sqlx::query(INSERT_MESSAGE).bind(id).bind(session).bind("visitor").bind(None::<Uuid>).bind(content).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query(TOUCH).bind(session).bind(now).execute(&mut *tx).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
        });
        Ok(VisitorMessage {
            id,
            session_id: session,
            sender_type: "visitor".into(),
            rep_name: None,
            content: content.into(),
            created_at: now,
        })
    }

    /// Messages of a session after `after` (a message id; UUID v7 sort by time), oldest first.
    pub async fn visitor_messages_after(
        &self,
        session: Uuid,
        after: Option<Uuid>,
        limit: i64,
    ) -> Result<Vec<VisitorMessage>, StoreError> {
        let sql =
            format!("{MESSAGE_COLUMNS} WHERE m.session_id = $1 AND ($2 IS NULL OR m.id > $2) ORDER BY m.id LIMIT $3");
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(session).bind(after).bind(limit).fetch_all(p).await?),
        )
    }

    /// A chat's whole transcript for a rep.
    pub async fn visitor_transcript(&self, actor: &Actor, session: Uuid) -> Result<Vec<VisitorMessage>, StoreError> {
        require(actor, Action::Read)?;
        self.visitor_messages_after(session, None, 10_000).await
    }

    /// The live queue: waiting chats oldest first, then active ones.
    pub async fn visitor_queue(&self, actor: &Actor) -> Result<Vec<VisitorSession>, StoreError> {
        require(actor, Action::Read)?;
        let sql = format!(
            "{SESSION_COLUMNS} WHERE s.status <> 'closed' ORDER BY CASE s.status WHEN 'waiting' THEN 0 ELSE 1 END, s.started_at"
        );
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(p).await?))
    }

    /// Closed chats, newest first, matching `q` in the reference, visitor, subject or text.
    pub async fn visitor_archive(&self, actor: &Actor, q: &str, limit: i64) -> Result<Vec<VisitorSession>, StoreError> {
        require(actor, Action::Read)?;
        let like = format!("%{}%", q.trim().to_lowercase());
        let sql = format!(
            "{SESSION_COLUMNS} WHERE s.status = 'closed' AND (lower(s.reference) LIKE $1 OR lower(s.visitor_name) LIKE $1 \
             OR lower(coalesce(s.visitor_email, '')) LIKE $1 OR lower(s.subject) LIKE $1 \
             OR EXISTS (SELECT 1 FROM visitor_messages m WHERE m.session_id = s.id AND lower(m.content) LIKE $1)) \
             ORDER BY s.closed_at DESC LIMIT $2"
        );
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(like).bind(limit).fetch_all(p).await?))
    }

    /// Claim a waiting chat. Exactly one of several racing reps wins: the UPDATE only
    /// matches while the chat is still waiting; the others learn who has it.
    pub async fn claim_visitor(&self, actor: &Actor, session: Uuid, audit: Entry) -> Result<(), StoreError> {
        require(actor, Action::Update)?;
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let won = sqlx::query("UPDATE visitor_sessions SET status = 'active', claimed_by = $1, claimed_at = $2, last_activity_at = $2 WHERE id = $3 AND status = 'waiting'")
                .bind(actor.user_id).bind(now).bind(session).execute(&mut *tx).await?.rows_affected() == 1;
            if !won {
                let holder: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT s.status, u.display_name FROM visitor_sessions s LEFT JOIN users u ON u.id = s.claimed_by WHERE s.id = $1",
                ).bind(session).fetch_optional(&mut *tx).await?;
                return Err(match holder {
                    None => StoreError::NotFound("chat".into()),
                    Some((status, _)) if status == "closed" => StoreError::Conflict("this chat is already closed".into()),
                    Some((_, who)) => StoreError::Conflict(format!("already claimed by {}", who.unwrap_or_else(|| "another rep".into()))),
                });
            }
            sqlx::query(INSERT_MESSAGE).bind(Uuid::now_v7()).bind(session).bind("system").bind(None::<Uuid>)
                .bind(format!("{} joined the chat.", display_name(actor))).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(session)).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Hand an active chat to another rep. Only its holder (or a manager of chats who is
    /// not a support rep, i.e. an admin) may.
    pub async fn transfer_visitor(
        &self,
        actor: &Actor,
        session: Uuid,
        to: Uuid,
        audit: Entry,
    ) -> Result<String, StoreError> {
        require(actor, Action::Update)?;
        let now = time::now();
        let name = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let target: Option<(String, String, String)> = sqlx::query_as("SELECT display_name, role, status FROM users WHERE id = $1")
                .bind(to).fetch_optional(&mut *tx).await?;
            let Some((name, role, status)) = target else { return Err(StoreError::NotFound("user".into())) };
            if status != "active" || !(role == "support" || role == "admin") {
                return Err(StoreError::Conflict(format!("{name} cannot take chats (needs an active support or admin account)")));
            }
            let moved = sqlx::query("UPDATE visitor_sessions SET claimed_by = $1, claimed_at = $2 WHERE id = $3 AND status = 'active' AND (claimed_by = $4 OR $5)")
                .bind(to).bind(now).bind(session).bind(actor.user_id).bind(actor.role == crate::domain::Role::Admin)
                .execute(&mut *tx).await?.rows_affected() == 1;
            if !moved {
                return Err(StoreError::Conflict("only the rep holding an active chat can transfer it".into()));
            }
            sqlx::query(INSERT_MESSAGE).bind(Uuid::now_v7()).bind(session).bind("system").bind(None::<Uuid>)
                .bind(format!("{} handed the chat to {name}.", display_name(actor))).bind(now).execute(&mut *tx).await?;
            let (visitor, reference): (String, String) = sqlx::query_as("SELECT visitor_name, reference FROM visitor_sessions WHERE id = $1")
                .bind(session).fetch_one(&mut *tx).await?;
            if to != actor.user_id {
                let (t, b) = notice::chat_transferred(&visitor, &reference, &display_name(actor));
                insert_notification!(tx, to, notice::CHAT_TRANSFERRED, &t, Some(b.as_str()), "visitor_session", session, now).await?;
                tx.bump("notifications").await?;
            }
            let details = serde_json::json!({ "to": to, "to_name": name, "visitor": visitor, "reference": reference });
            tx.audit(&audit.entity(session).details(details)).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
            name
        });
        Ok(name)
    }

    /// A rep's reply (already sanitised): only the rep holding the active chat may reply.
    pub async fn rep_says(&self, actor: &Actor, session: Uuid, content: &str) -> Result<(), StoreError> {
        require(actor, Action::Update)?;
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let holds = sqlx::query("UPDATE visitor_sessions SET last_activity_at = $2 WHERE id = $1 AND status = 'active' AND claimed_by = $3")
                .bind(session).bind(now).bind(actor.user_id).execute(&mut *tx).await?.rows_affected() == 1;
            if !holds {
                return Err(StoreError::Conflict("claim the chat before replying (it is waiting, closed, or someone else's)".into()));
            }
            sqlx::query(INSERT_MESSAGE).bind(Uuid::now_v7()).bind(session).bind("rep").bind(actor.user_id).bind(content).bind(now)
                .execute(&mut *tx).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Close a chat; the visitor is told its reference. Returns the reference.
    pub async fn close_visitor(&self, actor: &Actor, session: Uuid, audit: Entry) -> Result<String, StoreError> {
        require(actor, Action::Update)?;
        let now = time::now();
        let reference = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let reference: Option<String> = sqlx::query_scalar(
                "UPDATE visitor_sessions SET status = 'closed', closed_at = $2, last_activity_at = $2 \
                 WHERE id = $1 AND status <> 'closed' AND (claimed_by IS NULL OR claimed_by = $3 OR $4) RETURNING reference",
            ).bind(session).bind(now).bind(actor.user_id).bind(actor.role == crate::domain::Role::Admin)
                .fetch_optional(&mut *tx).await?;
            let Some(reference) = reference else {
                return Err(StoreError::Conflict("the chat is already closed or held by another rep".into()));
            };
            sqlx::query(INSERT_MESSAGE).bind(Uuid::now_v7()).bind(session).bind("system").bind(None::<Uuid>)
                .bind(format!("Chat closed by {}. Your reference is {reference}; quote it if you get in touch again.", display_name(actor)))
                .bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(session).details(serde_json::json!({ "reference": reference }))).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
            reference
        });
        Ok(reference)
    }

    /// Record that a visitor became a user account.
    pub async fn link_visitor_user(
        &self,
        actor: &Actor,
        session: Uuid,
        user: Uuid,
        audit: Entry,
    ) -> Result<(), StoreError> {
        require(actor, Action::Update)?;
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE visitor_sessions SET converted_user_id = $1 WHERE id = $2").bind(user).bind(session)
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(session).details(serde_json::json!({ "user": user }))).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Turn a chat into a support thread holding its transcript; the rep (and the converted
    /// user, if any) take part. Returns the thread's id; a chat converts once.
    pub async fn visitor_to_thread(&self, actor: &Actor, session: Uuid, audit: Entry) -> Result<Uuid, StoreError> {
        require(actor, Action::Update)?;
        actor.require(Resource::Thread, Action::Create)?;
        let s = self.visitor_session(session).await?;
        if let Some(t) = s.converted_thread_id {
            return Err(StoreError::Conflict(format!("already converted to thread {}", &t.to_string()[..8])));
        }
        let transcript = self.visitor_messages_after(session, None, 10_000).await?;
        let thread = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO threads (id, subject, thread_type, status, visitor_session_id, created_by, created_at, updated_at) VALUES ($1, $2, 'support', 'open', $3, $4, $5, $5)")
                .bind(thread).bind(format!("{} ({}): {}", s.visitor_name, s.reference, s.subject)).bind(session).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await?;
            for m in &transcript {
                let who = match m.sender_type.as_str() {
                    "visitor" => s.visitor_name.clone(),
                    "rep" => m.rep_name.clone().unwrap_or_else(|| "rep".into()),
                    _ => "system".into(),
                };
                sqlx::query("INSERT INTO messages (id, thread_id, sender_id, content, created_at) VALUES ($1, $2, NULL, $3, $4)")
                    .bind(Uuid::now_v7()).bind(thread).bind(format!("[{who}] {}", m.content)).bind(m.created_at)
                    .execute(&mut *tx).await?;
            }
            for user in std::iter::once(actor.user_id).chain(s.converted_user_id) {
                sqlx::query("INSERT INTO thread_participants (id, thread_id, user_id, last_read_at, created_at) VALUES ($1, $2, $3, $4, $4) ON CONFLICT (thread_id, user_id) DO NOTHING")
                    .bind(Uuid::now_v7()).bind(thread).bind(user).bind(now).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE visitor_sessions SET converted_thread_id = $1 WHERE id = $2").bind(thread).bind(session)
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(session).details(serde_json::json!({ "thread": thread }))).await?;
            tx.bump(CHAT).await?;
            tx.bump(super::THREADS).await?;
            tx.commit().await?;
        });
        Ok(thread)
    }
}

/// How a rep is named to a visitor: the first word of the username is all we have here.
fn display_name(actor: &Actor) -> String {
    crate::domain::support::rep_display_name(&actor.username)
}
