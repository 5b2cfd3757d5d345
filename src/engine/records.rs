//! Tutoring records (issue 18): list, create, edit and move the teacher assignments,
//! meetings, writings, homework, exams and files of an assignment, and an assignment's links
//! (its records and invoices). The relation rules live in `domain::tutoring` and are checked
//! by the store inside each write; this layer resolves names (assignment codes, usernames),
//! reads an upload from the console's own machine, and audits.

use super::support::Out;
use super::{AppError, Reply, Services};
use crate::domain::audit::{Entry, Source};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::tutoring::{self as rules, Edit, RecordKind};
use crate::domain::{Role, sanitize};
use crate::store::support::{NewFile, NewRecord, RecordEdit};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Op {
    /// Every record the actor may see, or one assignment's.
    Load {
        assignment: Option<Uuid>,
    },
    /// One assignment's records and invoices, for the assignments view's side pane.
    Links {
        assignment: Uuid,
    },
    /// Add a record to the assignment named by its code. `teacher` is a username (tutors
    /// offered); `path` a file on the machine running the console (uploads).
    Create {
        kind: RecordKind,
        assignment: String,
        when: Option<DateTime<Utc>>,
        minutes: Option<i64>,
        teacher: String,
        path: String,
    },
    Edit {
        kind: RecordKind,
        id: Uuid,
        edit: RecordEdit,
    },
    SetStatus {
        kind: RecordKind,
        id: Uuid,
        status: String,
    },
    /// Post a file from the console's machine to a thread, as a message with the attachment.
    Attach {
        thread: Uuid,
        path: String,
    },
}

impl Op {
    pub fn load_kind(&self) -> Option<&'static str> {
        match self {
            Op::Load { .. } => Some("support.records"),
            Op::Links { .. } => Some("support.links"),
            _ => None,
        }
    }
}

fn audit(svc: &Services, actor: &Actor, action: &str) -> Entry {
    Entry::by(actor, &svc.source, action, "tutoring_record")
}

pub async fn execute(svc: &Services, a: &Actor, op: Op) -> Result<Reply, AppError> {
    let store = &svc.store;
    match op {
        Op::Load { assignment } => Ok(Reply::Support(Out::Records(store.list_records(a, assignment).await?))),
        Op::Links { assignment } => {
            let context = store.tutoring_context(a, Some(assignment), None).await?;
            Ok(Reply::Support(Out::Links { assignment, context: Box::new(context) }))
        }
        Op::Create { kind, assignment, when, minutes, teacher, path } => {
            let row = super::support::assignment_by_code(svc, a, &assignment).await?;
            let mut new = NewRecord { kind, assignment_id: row.id, when, minutes, teacher_id: None, file: None };
            match kind {
                RecordKind::Teacher => new.teacher_id = Some(tutor_named(svc, a, &teacher).await?),
                RecordKind::Meeting if when.is_none() => {
                    return Err(AppError::Invalid("a meeting needs a time".into()));
                }
                RecordKind::Exam if minutes.is_none() => {
                    return Err(AppError::Invalid("an exam needs its duration in minutes".into()));
                }
                RecordKind::File => new.file = Some(read_upload(&svc.source, &path).await?),
                _ => {}
            }
            store.create_record(a, &new, audit(svc, a, "create_tutoring_record")).await?;
            Ok(Reply::Done(format!("Added a {kind} to {}.", row.assignment_code)))
        }
        Op::Edit { kind, id, edit } => {
            let edit = match edit {
                RecordEdit::Name(n) => RecordEdit::Name(rules::display_name(&n).map_err(AppError::Invalid)?),
                RecordEdit::Minutes(m) if !rules::EXAM_MINUTES.contains(&m) => {
                    return Err(AppError::Invalid("an exam lasts 1 to 600 minutes".into()));
                }
                e => e,
            };
            if matches!((kind.edit(), &edit), (Edit::Nothing, _)) {
                return Err(AppError::Invalid(format!("a {kind} has nothing to edit but its status")));
            }
            store.edit_record(a, kind, id, &edit, audit(svc, a, "edit_tutoring_record")).await?;
            Ok(Reply::Done(format!("The {kind} is changed.")))
        }
        Op::Attach { thread, path } => {
            super::admin::authorize(svc, a, Resource::Thread, Action::Create, "post_message").await?;
            let file = read_upload(&svc.source, &path).await?;
            let mime = rules::sniff(&file.bytes).to_string();
            let text = format!("📎 {} ({mime}, {})", file.name, rules::size_label(file.bytes.len() as i64));
            let attachment = crate::store::support::NewAttachment {
                name: file.name.clone(),
                location: String::new(),
                mime_type: Some(mime),
                content: Some(file.bytes),
            };
            let e = Entry::by(a, &svc.source, "post_message", "thread").detail("attachment", file.name.as_str());
            store.post_message(a, thread, &text, &[attachment], e).await?;
            Ok(Reply::Done(format!("Attached {}.", file.name)))
        }
        Op::SetStatus { kind, id, status } => {
            let status = crate::domain::support::one_of("status", &status, kind.statuses())?;
            store.set_record_status(a, kind, id, &status, audit(svc, a, "set_tutoring_record_status")).await?;
            Ok(Reply::Done(format!("The {kind} is {}.", status.replace('_', " "))))
        }
    }
}

/// The tutor a username names (staff offer assignments to tutors).
async fn tutor_named(svc: &Services, a: &Actor, name: &str) -> Result<Uuid, AppError> {
    if !a.can(Resource::User, Action::Read) {
        return Err(AppError::Invalid("tutors are offered assignments by support".into()));
    }
    let name = sanitize::line(name).to_lowercase();
    let users = svc.store.list_users(a).await?;
    match users.iter().find(|u| u.username == name) {
        Some(u) if u.role == Role::Teacher => Ok(u.id),
        Some(_) => Err(AppError::Invalid(format!("'{name}' is not a tutor"))),
        None => Err(AppError::Invalid(format!("no user named '{name}'"))),
    }
}

/// Read an upload from the machine the console runs on. Over SSH or the web the path would
/// name a file on the server, not the user's: refused. The path is only read; the bytes are
/// kept by the store under the record's id, and only the path's last part is shown.
pub async fn read_upload(source: &Source, path: &str) -> Result<NewFile, AppError> {
    if !matches!(source, Source::Local { .. } | Source::Cli { .. }) {
        return Err(AppError::Invalid("uploads come from the console's own machine; not over SSH or the web".into()));
    }
    let path = path.trim().to_string();
    if path.is_empty() {
        return Err(AppError::Invalid("name the file to upload".into()));
    }
    let name = rules::display_name(&path).map_err(AppError::Invalid)?;
    let bytes = tokio::task::spawn_blocking(move || read_bounded(std::path::Path::new(&path)))
        .await
        .map_err(|_| AppError::Invalid("reading the file failed".into()))?
        .map_err(AppError::Invalid)?;
    rules::check_size(bytes.len()).map_err(AppError::Invalid)?;
    Ok(NewFile { name, bytes })
}

/// At most one byte over the limit is read, so a huge file is refused without reading it.
fn read_bounded(path: &std::path::Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot open the file: {}", e.kind()))?;
    let meta = file.metadata().map_err(|e| format!("cannot read the file: {}", e.kind()))?;
    if !meta.is_file() {
        return Err("that is not a regular file".into());
    }
    let mut bytes = Vec::new();
    file.take(rules::MAX_FILE_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the file: {}", e.kind()))?;
    Ok(bytes)
}
