//! Seed 004's tutoring records as one list: teacher assignments, meetings, writings,
//! homework, exams and files of the assignments the actor may see, each with how the actor
//! stands to it (student, tutor, staff). Creating, editing and moving a record asks the
//! domain's rules (`domain::tutoring`) with that relation, worked out again inside the
//! writing transaction; every change is audited. A file's bytes are kept in its row.

use super::TUTORING;
use super::tutoring::{VISIBLE, sees_all};
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::domain::tutoring::{self as rules, Edit, RecordKind, Rel};
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One tutoring record of any kind, as the records list shows it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RecordRow {
    pub id: Uuid,
    pub kind: String,
    pub assignment_id: Uuid,
    pub assignment_code: String,
    /// Empty for kinds without a status (homework, files).
    pub status: String,
    /// A meeting's time, homework's due time, when a tutor was offered, a file uploaded, or
    /// a writing or exam last changed.
    pub at: Option<DateTime<Utc>>,
    /// The tutor (or a file's uploader).
    pub person: Option<String>,
    /// A meeting's code, or a file's name and type.
    pub detail: String,
    pub minutes: Option<i64>,
    pub size_bytes: Option<i64>,
    /// The tutor of the row, or a file's uploader.
    pub who: Option<Uuid>,
    /// The actor's standing: "student", "tutor", "staff" or "other".
    pub rel: String,
}

impl RecordRow {
    pub fn kind(&self) -> Option<RecordKind> {
        RecordKind::parse(&self.kind)
    }
    pub fn rel(&self) -> Rel {
        rel_of(&self.rel)
    }
}

fn rel_of(s: &str) -> Rel {
    match s {
        "staff" => Rel::Staff,
        "student" => Rel::Student,
        "tutor" => Rel::Tutor,
        _ => Rel::Other,
    }
}

/// A file as uploaded: its display name (already cleaned) and bytes.
#[derive(Clone, PartialEq)]
pub struct NewFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for NewFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewFile({:?}, {} bytes)", self.name, self.bytes.len())
    }
}

/// A record to add to an assignment; each kind reads the fields it has.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub kind: RecordKind,
    pub assignment_id: Uuid,
    /// A meeting's time or homework's due time.
    pub when: Option<DateTime<Utc>>,
    /// An exam's duration.
    pub minutes: Option<i64>,
    /// The tutor offered (teacher assignments).
    pub teacher_id: Option<Uuid>,
    pub file: Option<NewFile>,
}

/// What an edit changes (the kind's `Edit` field).
#[derive(Debug, Clone, PartialEq)]
pub enum RecordEdit {
    When(DateTime<Utc>),
    Minutes(i64),
    Name(String),
}

/// A kind's table, and its status column (homework and files have none).
fn table(kind: RecordKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        RecordKind::Teacher => ("teacher_assignments", "status", "teacher_id"),
        RecordKind::Meeting => ("meetings", "status", "NULL"),
        RecordKind::Writing => ("writings", "status", "teacher_id"),
        RecordKind::Homework => ("homeworks", "''", "teacher_id"),
        RecordKind::Exam => ("exams", "status", "teacher_id"),
        RecordKind::File => ("assignment_files", "''", "uploaded_by"),
    }
}

const RECORDS: &str = "SELECT ta.id, 'teacher' AS kind, ta.assignment_id, ta.status, ta.assigned_at AS at, u.display_name AS person, \
       '' AS detail, CAST(NULL AS BIGINT) AS minutes, CAST(NULL AS BIGINT) AS size_bytes, ta.teacher_id AS who \
       FROM teacher_assignments ta JOIN users u ON u.id = ta.teacher_id \
     UNION ALL SELECT m.id, 'meeting', m.assignment_id, m.status, m.scheduled_at, NULL, m.meeting_code, NULL, NULL, NULL FROM meetings m \
     UNION ALL SELECT w.id, 'writing', w.assignment_id, w.status, w.updated_at, u.display_name, '', NULL, NULL, w.teacher_id \
       FROM writings w LEFT JOIN users u ON u.id = w.teacher_id \
     UNION ALL SELECT h.id, 'homework', h.assignment_id, '', h.due_at, u.display_name, '', NULL, NULL, h.teacher_id \
       FROM homeworks h LEFT JOIN users u ON u.id = h.teacher_id \
     UNION ALL SELECT e.id, 'exam', e.assignment_id, e.status, e.updated_at, u.display_name, '', e.duration_minutes, NULL, e.teacher_id \
       FROM exams e LEFT JOIN users u ON u.id = e.teacher_id \
     UNION ALL SELECT f.id, 'file', f.assignment_id, '', f.created_at, u.display_name, f.name || '  ' || coalesce(f.mime_type, '?'), NULL, f.size_bytes, f.uploaded_by \
       FROM assignment_files f LEFT JOIN users u ON u.id = f.uploaded_by";

/// A tutor of an assignment acts on it once they accepted it.
const TUTOR: &str = "EXISTS (SELECT 1 FROM teacher_assignments t2 WHERE t2.assignment_id = a.id AND t2.teacher_id = $1 AND t2.status IN ('accepted','completed'))";

/// How `actor` stands to an assignment, and its student, read in the transaction `$tx`:
/// an assignment they may not see is not found.
macro_rules! standing {
    ($tx:ident, $actor:expr, $assignment:expr) => {{
        let row: Option<(Uuid, i64, i64)> = sqlx::query_as(
            "SELECT a.student_id, (SELECT count(*) FROM teacher_assignments t WHERE t.assignment_id = a.id AND t.teacher_id = $2 \
             AND t.status IN ('accepted','completed')), (SELECT count(*) FROM teacher_assignments t WHERE t.assignment_id = a.id AND t.teacher_id = $2) \
             FROM assignments a WHERE a.id = $1",
        )
        .bind($assignment)
        .bind($actor.user_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let (student, tutor, offered) = row.ok_or_else(|| StoreError::NotFound("assignment".into()))?;
        let rel = if sees_all($actor) {
            Rel::Staff
        } else if student == $actor.user_id {
            Rel::Student
        } else if tutor > 0 {
            Rel::Tutor
        } else if offered > 0 {
            Rel::Other
        } else {
            return Err(StoreError::NotFound("assignment".into()));
        };
        (rel, student)
    }};
}

impl Store {
    /// The records of every assignment the actor may see, or of one.
    pub async fn list_records(&self, actor: &Actor, assignment: Option<Uuid>) -> Result<Vec<RecordRow>, StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let sql = format!(
            "SELECT x.id, x.kind, a.id AS assignment_id, a.assignment_code, x.status, x.at, x.person, x.detail, x.minutes, x.size_bytes, x.who, \
             CASE WHEN $2 THEN 'staff' \
                  WHEN x.kind = 'teacher' AND x.who = $1 THEN 'tutor' \
                  WHEN a.student_id = $1 THEN 'student' \
                  WHEN x.kind <> 'teacher' AND {TUTOR} THEN 'tutor' ELSE 'other' END AS rel \
             FROM ({RECORDS}) x JOIN assignments a ON a.id = x.assignment_id \
             WHERE {VISIBLE} AND ($3 IS NULL OR a.id = $3) ORDER BY a.assignment_code, x.kind, x.at, x.id"
        );
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(actor.user_id).bind(sees_all(actor)).bind(assignment).fetch_all(p).await?))
    }

    /// Add a record to an assignment, if the actor's standing to it allows that kind.
    pub async fn create_record(&self, actor: &Actor, new: &NewRecord, audit: Entry) -> Result<Uuid, StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let id = Uuid::now_v7();
        let now = time::now();
        let mut audit =
            audit.entity(id).detail("kind", new.kind.as_str()).detail("assignment_id", new.assignment_id.to_string());
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let (rel, student) = standing!(tx, actor, new.assignment_id);
            rules::may_create(new.kind, rel).map_err(StoreError::Conflict)?;
            let me = (rel == Rel::Tutor).then_some(actor.user_id);
            let missing = |what: &str| StoreError::Conflict(format!("a {} needs {what}", new.kind));
            match new.kind {
                RecordKind::Teacher => {
                    let teacher = new.teacher_id.ok_or_else(|| missing("a tutor"))?;
                    sqlx::query("INSERT INTO teacher_assignments (id, assignment_id, teacher_id, status, assigned_at, created_at, updated_at) VALUES ($1, $2, $3, 'offered', $4, $4, $4)")
                        .bind(id).bind(new.assignment_id).bind(teacher).bind(now).execute(&mut *tx).await?;
                    audit = audit.detail("teacher_id", teacher.to_string());
                }
                RecordKind::Meeting => {
                    let at = new.when.ok_or_else(|| missing("a time"))?;
                    let code = rules::meeting_code(random());
                    sqlx::query("INSERT INTO meetings (id, assignment_id, meeting_code, scheduled_at, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'scheduled', $5, $5)")
                        .bind(id).bind(new.assignment_id).bind(&code).bind(at).bind(now).execute(&mut *tx).await?;
                    for user in std::iter::once(student).chain(me) {
                        sqlx::query("INSERT INTO meeting_participants (meeting_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT (meeting_id, user_id) DO NOTHING")
                            .bind(id).bind(user).bind(now).execute(&mut *tx).await?;
                    }
                    audit = audit.detail("meeting_code", code).detail("scheduled_at", at.to_rfc3339());
                }
                RecordKind::Writing => {
                    sqlx::query("INSERT INTO writings (id, assignment_id, teacher_id, status, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $4)")
                        .bind(id).bind(new.assignment_id).bind(me).bind(now).execute(&mut *tx).await?;
                }
                RecordKind::Homework => {
                    sqlx::query("INSERT INTO homeworks (id, assignment_id, teacher_id, due_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                        .bind(id).bind(new.assignment_id).bind(me).bind(new.when).bind(now).execute(&mut *tx).await?;
                }
                RecordKind::Exam => {
                    let minutes = new.minutes.filter(|m| rules::EXAM_MINUTES.contains(m)).ok_or_else(|| missing("a duration of 1 to 600 minutes"))?;
                    sqlx::query("INSERT INTO exams (id, assignment_id, teacher_id, duration_minutes, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'scheduled', $5, $5)")
                        .bind(id).bind(new.assignment_id).bind(me).bind(minutes).bind(now).execute(&mut *tx).await?;
                    audit = audit.detail("duration_minutes", minutes);
                }
                RecordKind::File => {
                    let file = new.file.as_ref().ok_or_else(|| missing("a file"))?;
                    rules::check_size(file.bytes.len()).map_err(StoreError::Conflict)?;
                    let name = rules::display_name(&file.name).map_err(StoreError::Conflict)?;
                    let mime = rules::sniff(&file.bytes);
                    sqlx::query("INSERT INTO assignment_files (id, assignment_id, uploaded_by, name, location, mime_type, size_bytes, created_at, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                        .bind(id).bind(new.assignment_id).bind(actor.user_id).bind(&name).bind(format!("stored:{id}")).bind(mime)
                        .bind(file.bytes.len() as i64).bind(now).bind(&file.bytes).execute(&mut *tx).await?;
                    audit = audit.detail("name", name).detail("mime_type", mime).detail("size_bytes", file.bytes.len() as i64);
                }
            }
            tx.audit(&audit).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Change a record's time, duration or name, as its kind and status allow.
    pub async fn edit_record(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: Uuid,
        edit: &RecordEdit,
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let (tbl, status_col, who_col) = table(kind);
        let read = format!("SELECT assignment_id, {status_col}, {who_col} FROM {tbl} WHERE id = $1");
        let (column, audit) = match (kind.edit(), edit) {
            (Edit::When, RecordEdit::When(t)) => (
                if kind == RecordKind::Meeting { "scheduled_at" } else { "due_at" },
                audit.detail("to", t.to_rfc3339()),
            ),
            (Edit::Minutes, RecordEdit::Minutes(m)) if rules::EXAM_MINUTES.contains(m) => {
                ("duration_minutes", audit.detail("to", *m))
            }
            (Edit::Name, RecordEdit::Name(n)) => ("name", audit.detail("to", n.as_str())),
            _ => return Err(StoreError::Conflict(format!("that is not how a {kind} is edited"))),
        };
        let write = format!(
            "UPDATE {tbl} SET {column} = $2{} WHERE id = $1",
            if kind == RecordKind::File { "" } else { ", updated_at = $3" }
        );
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row: Option<(Uuid, String, Option<Uuid>)> =
                sqlx::query_as(sqlx::AssertSqlSafe(read)).bind(id).fetch_optional(&mut *tx).await?;
            let (assignment, status, who) = row.ok_or_else(|| StoreError::NotFound(kind.to_string()))?;
            let (rel, _) = standing!(tx, actor, assignment);
            rules::may_edit(kind, rel, &status, who == Some(actor.user_id)).map_err(StoreError::Conflict)?;
            let q = sqlx::query(sqlx::AssertSqlSafe(write)).bind(id);
            let q = match edit {
                RecordEdit::When(t) => q.bind(*t),
                RecordEdit::Minutes(m) => q.bind(*m),
                RecordEdit::Name(n) => q.bind(rules::display_name(n).map_err(StoreError::Conflict)?),
            };
            q.bind(time::now()).execute(&mut *tx).await?;
            tx.audit(&audit.entity(id).detail("kind", kind.as_str()).detail("field", column)).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Move a record to another status, as the kind's moves and the actor's standing allow.
    pub async fn set_record_status(
        &self,
        actor: &Actor,
        kind: RecordKind,
        id: Uuid,
        to: &str,
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let (tbl, status_col, who_col) = table(kind);
        let read = format!("SELECT assignment_id, {status_col}, {who_col} FROM {tbl} WHERE id = $1");
        let write = format!("UPDATE {tbl} SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4");
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row: Option<(Uuid, String, Option<Uuid>)> =
                sqlx::query_as(sqlx::AssertSqlSafe(read)).bind(id).fetch_optional(&mut *tx).await?;
            let (assignment, from, who) = row.ok_or_else(|| StoreError::NotFound(kind.to_string()))?;
            let (mut rel, _) = standing!(tx, actor, assignment);
            // On a teacher assignment, "tutor" is the tutor of that row only.
            if kind == RecordKind::Teacher && rel != Rel::Staff {
                rel = if who == Some(actor.user_id) { Rel::Tutor } else { Rel::Other };
            }
            rules::may_move(kind, rel, &from, to).map_err(StoreError::Conflict)?;
            let n = sqlx::query(sqlx::AssertSqlSafe(write)).bind(id).bind(to).bind(time::now()).bind(&from)
                .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::Conflict(format!("the {kind} changed meanwhile; look again")));
            }
            tx.audit(&audit.entity(id).detail("kind", kind.as_str()).detail("from", from).detail("to", to)).await?;
            tx.bump(TUTORING).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// A stored file's name, type and bytes, for whoever may see its assignment.
    pub async fn file_content(&self, actor: &Actor, id: Uuid) -> Result<(String, String, Vec<u8>), StoreError> {
        actor.require(Resource::Assignment, Action::Read)?;
        let sql = format!(
            "SELECT f.name, coalesce(f.mime_type, 'application/octet-stream'), f.content FROM assignment_files f \
             JOIN assignments a ON a.id = f.assignment_id WHERE f.id = $3 AND {VISIBLE}"
        );
        let row: Option<(String, String, Option<Vec<u8>>)> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(actor.user_id).bind(sees_all(actor)).bind(id).fetch_optional(p).await?);
        match row {
            Some((name, mime, Some(bytes))) => Ok((name, mime, bytes)),
            Some(_) => Err(StoreError::NotFound("stored content of that file (it is a link)".into())),
            None => Err(StoreError::NotFound("file".into())),
        }
    }
}

fn random() -> u32 {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random source is available");
    u32::from_le_bytes(b)
}
