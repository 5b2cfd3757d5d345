//! Support use cases: the rep's side (queue, claim, chat, canned replies, close, convert,
//! threads, tutoring records) as one `Op` → `Out`, and the visitor's side as plain
//! functions the HTTP front door calls. Untrusted text is sanitised here, at ingestion.

use super::accounts::{self, AccountForm};
use super::admin::authorize;
use super::{AppError, Reply, Services};
use crate::domain::audit::{Entry, Source};
use crate::domain::invitation::{new_token, token_hash};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::support::{self as rules, VisitorIntro};
use crate::domain::{Role, invoice, sanitize};
use crate::store::support::{
    AssignmentRow, CannedReply, InvoiceRow, NewInvoice, RecordRow, ThreadFilter, ThreadMessage, ThreadRow,
    TutoringContext, VisitorMessage, VisitorSession,
};
use uuid::Uuid;

/// A rep's (or any signed-in user's) support request.
#[derive(Debug, Clone)]
pub enum Op {
    LoadQueue,
    LoadArchive {
        query: String,
    },
    LoadTranscript {
        session: Uuid,
    },
    Claim {
        session: Uuid,
    },
    Transfer {
        session: Uuid,
        to: String,
    },
    Reply {
        session: Uuid,
        text: String,
    },
    /// Send a canned reply with its variables filled for this chat.
    Canned {
        session: Uuid,
        reply: Uuid,
    },
    Close {
        session: Uuid,
    },
    /// Turn a visitor into a student account and/or a support thread holding the chat (the
    /// account first, so the thread includes its new user).
    Convert {
        session: Uuid,
        account: bool,
        thread: bool,
    },
    LoadCanned,
    SaveCanned {
        title: String,
        body: String,
    },
    LoadThreads {
        filter: ThreadFilter,
    },
    /// A thread's messages and tutoring context; marks it read.
    OpenThread {
        thread: Uuid,
        assignment: Option<Uuid>,
        invoice: Option<Uuid>,
    },
    Post {
        thread: Uuid,
        text: String,
    },
    /// A new thread with its first message, to support (and whoever `to` names, by
    /// username), optionally about an assignment (by code).
    CreateThread {
        thread_type: String,
        subject: String,
        to: String,
        assignment: String,
        text: String,
    },
    SetThreadStatus {
        thread: Uuid,
        status: String,
    },
    LoadAssignments,
    /// A student for themselves; admins for anyone (by username).
    CreateAssignment {
        code: String,
        title: String,
        service: String,
        student: String,
        due: Option<chrono::NaiveDate>,
    },
    SetAssignmentStatus {
        id: Uuid,
        status: String,
    },
    LoadInvoices,
    /// A draft invoice to an assignment's student, the assignment named by its code.
    CreateInvoice {
        assignment: String,
        amount: String,
        currency: String,
        due: Option<chrono::NaiveDate>,
    },
    SetInvoiceStatus {
        id: Uuid,
        status: String,
    },
    RecordPayment {
        invoice: Uuid,
        amount: String,
        method: String,
    },
    LoadUnread,
    /// Tutoring records: meetings, writings, homework, exams, files, tutors.
    Records(super::records::Op),
}

impl Op {
    /// Which kind of data a load reads (see `engine::Op::load_kind`); `None` for changes.
    pub fn load_kind(&self) -> Option<&'static str> {
        Some(match self {
            Op::LoadQueue => "support.queue",
            Op::LoadArchive { .. } => "support.archive",
            Op::LoadTranscript { .. } => "support.transcript",
            Op::LoadCanned => "support.canned",
            Op::LoadThreads { .. } => "support.threads",
            Op::OpenThread { .. } => "support.thread",
            Op::LoadAssignments => "support.assignments",
            Op::LoadInvoices => "support.invoices",
            Op::LoadUnread => "support.unread",
            Op::Records(op) => return op.load_kind(),
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Out {
    Queue(Vec<VisitorSession>),
    Archive(Vec<VisitorSession>),
    Transcript {
        session: Uuid,
        messages: Vec<VisitorMessage>,
    },
    Canned(Vec<CannedReply>),
    Threads(Vec<ThreadRow>),
    Thread {
        thread: Uuid,
        messages: Vec<ThreadMessage>,
        context: Box<TutoringContext>,
        /// Who takes part, with their initials, role, time zone and subjects.
        people: Vec<crate::store::profiles::PersonCard>,
    },
    Assignments(Vec<AssignmentRow>),
    Invoices(Vec<InvoiceRow>),
    /// Unread thread messages and chats waiting, for the tab title and status bar.
    Unread {
        messages: i64,
        waiting: i64,
    },
    Records(Vec<RecordRow>),
    /// An assignment's records and invoices.
    Links {
        assignment: Uuid,
        context: Box<TutoringContext>,
    },
}

fn audit(svc: &Services, actor: &Actor, action: &str, entity: &str) -> Entry {
    Entry::by(actor, &svc.source, action, entity)
}

/// The exact text a canned reply sends in a chat, every variable filled (the same function
/// sends it, so the preview a rep sees is what the visitor gets). Refused when the body has
/// an unknown variable or the chat has no value for one.
pub fn preview_canned(body: &str, chat: &VisitorSession, rep: &Actor) -> Result<String, AppError> {
    let vars = rules::CannedVars {
        visitor_name: chat.visitor_name.clone(),
        email: chat.visitor_email.clone(),
        phone: chat.visitor_phone.clone(),
        subject: chat.subject.clone(),
        reference: chat.reference.clone(),
        rep_name: rules::rep_display_name(&rep.username),
    };
    Ok(rules::message(&rules::render_canned(body, &vars)?)?)
}

pub async fn execute(svc: &Services, actor: &Actor, op: Op) -> Result<Reply, AppError> {
    let a = actor;
    let store = &svc.store;
    let out = |o: Out| Ok(Reply::Support(o));
    match op {
        Op::LoadQueue => out(Out::Queue(store.visitor_queue(a).await?)),
        Op::LoadArchive { query } => out(Out::Archive(store.visitor_archive(a, &query, 200).await?)),
        Op::LoadTranscript { session } => {
            out(Out::Transcript { session, messages: store.visitor_transcript(a, session).await? })
        }
        Op::Claim { session } => {
            authorize(svc, a, Resource::VisitorChat, Action::Update, "claim_chat").await?;
            store.claim_visitor(a, session, audit(svc, a, "claim_chat", "visitor_session")).await?;
            Ok(Reply::Done("Chat claimed: you have it.".into()))
        }
        Op::Transfer { session, to } => {
            authorize(svc, a, Resource::VisitorChat, Action::Update, "transfer_chat").await?;
            let to = to.trim().to_lowercase();
            let users = store.list_users(a).await?;
            let target = users
                .iter()
                .find(|u| u.username == to)
                .ok_or_else(|| AppError::Invalid(format!("no user named '{}'", sanitize::line(&to))))?;
            let name = store
                .transfer_visitor(a, session, target.id, audit(svc, a, "transfer_chat", "visitor_session"))
                .await?;
            Ok(Reply::Done(format!("Chat handed to {name}.")))
        }
        Op::Reply { session, text } => {
            store.rep_says(a, session, &rules::message(&text)?).await?;
            out(Out::Transcript { session, messages: store.visitor_transcript(a, session).await? })
        }
        Op::Canned { session, reply } => {
            let canned = store.canned_replies(a).await?;
            let c = canned
                .iter()
                .find(|c| c.id == reply)
                .ok_or_else(|| AppError::Invalid("that canned reply is gone".into()))?;
            let s = store.visitor_chat(a, session).await?;
            let text = preview_canned(&c.body, &s, a)?;
            store.rep_says(a, session, &text).await?;
            // Done closes the dialog (it no longer waits on "working…"); the transcript
            // reloads with the change, like any other.
            Ok(Reply::Done(format!("Sent '{}' to {}.", c.title, s.visitor_name)))
        }
        Op::Close { session } => {
            authorize(svc, a, Resource::VisitorChat, Action::Update, "close_chat").await?;
            let reference = store.close_visitor(a, session, audit(svc, a, "close_chat", "visitor_session")).await?;
            Ok(Reply::Done(format!("Chat closed; the visitor's reference is {reference}.")))
        }
        Op::Convert { session, account, thread } => {
            let mut secret = None;
            let mut done = Vec::new();
            if account {
                let (message, password) = convert_to_user(svc, a, session).await?;
                done.push(message);
                secret = password;
            }
            if thread {
                authorize(svc, a, Resource::Thread, Action::Create, "chat_to_thread").await?;
                store.visitor_to_thread(a, session, audit(svc, a, "chat_to_thread", "visitor_session")).await?;
                done.push("The chat is now a support thread.".into());
            }
            let message = done.join(" ");
            Ok(match secret {
                Some(secret) => Reply::Secret { message: format!("{message} Temporary password:"), secret },
                None => Reply::Done(if message.is_empty() { "Nothing to convert.".into() } else { message }),
            })
        }
        Op::LoadCanned => out(Out::Canned(store.canned_replies(a).await?)),
        Op::SaveCanned { title, body } => {
            authorize(svc, a, Resource::VisitorChat, Action::Manage, "save_canned_reply").await?;
            let title = sanitize::line(&title);
            if title.is_empty() {
                return Err(AppError::Invalid("a canned reply needs a title".into()));
            }
            let body = rules::message(&body)?;
            rules::check_canned(&body)?;
            store
                .save_canned(
                    a,
                    &title,
                    &body,
                    audit(svc, a, "save_canned_reply", "canned_reply").detail("title", title.as_str()),
                )
                .await?;
            Ok(Reply::Done(format!("Saved canned reply '{title}'.")))
        }
        Op::LoadThreads { filter } => out(Out::Threads(store.list_threads(a, &filter).await?)),
        Op::OpenThread { thread, assignment, invoice } => {
            let messages = store.thread_messages(a, thread).await?;
            store.mark_thread_read(a, thread).await?;
            let context = if (assignment.is_some() || invoice.is_some()) && a.can(Resource::Assignment, Action::Read) {
                store.tutoring_context(a, assignment, invoice).await?
            } else {
                TutoringContext::default()
            };
            let people = store.thread_people(a, thread).await?;
            out(Out::Thread { thread, messages, context: Box::new(context), people })
        }
        Op::Post { thread, text } => {
            authorize(svc, a, Resource::Thread, Action::Create, "post_message").await?;
            store
                .post_message(a, thread, &rules::message(&text)?, &[], audit(svc, a, "post_message", "thread"))
                .await?;
            Ok(Reply::Done("Message sent.".into()))
        }
        Op::CreateThread { thread_type, subject, to, assignment, text } => {
            authorize(svc, a, Resource::Thread, Action::Create, "create_thread").await?;
            let subject = sanitize::line(&subject);
            if subject.is_empty() {
                return Err(AppError::Invalid("a thread needs a subject".into()));
            }
            let names: Vec<String> =
                to.split([',', ' ']).map(|n| sanitize::line(n).to_lowercase()).filter(|n| !n.is_empty()).collect();
            let mut participants = Vec::new();
            if !names.is_empty() {
                if !a.can(Resource::User, Action::Read) {
                    let why = "leave 'To' empty: your thread goes to support, who bring in whoever it needs";
                    return Err(AppError::Invalid(why.into()));
                }
                let users = store.list_users(a).await?;
                for n in &names {
                    let u = users.iter().find(|u| &u.username == n);
                    participants.push(u.ok_or_else(|| AppError::Invalid(format!("no user named '{n}'")))?.id);
                }
            }
            let assignment_id = match sanitize::line(&assignment).is_empty() {
                true => None,
                false => Some(assignment_by_code(svc, a, &assignment).await?.id),
            };
            let new = crate::store::support::NewThread {
                subject: subject.clone(),
                thread_type: rules::one_of("thread type", &thread_type, &rules::THREAD_TYPES)?,
                assignment_id,
                invoice_id: None,
                first_message: rules::message(&text)?,
                participants,
            };
            store.create_thread(a, &new, audit(svc, a, "create_thread", "thread")).await?;
            Ok(Reply::Done(format!("Thread '{subject}' opened.")))
        }
        Op::SetThreadStatus { thread, status } => {
            authorize(svc, a, Resource::Thread, Action::Update, "set_thread_status").await?;
            let status = rules::one_of("thread status", &status, &rules::THREAD_STATUSES)?;
            store.set_thread_status(a, thread, &status, audit(svc, a, "set_thread_status", "thread")).await?;
            Ok(Reply::Done(format!("Thread marked {status}.")))
        }
        Op::LoadAssignments => out(Out::Assignments(store.list_assignments(a).await?)),
        Op::CreateAssignment { code, title, service, student, due } => {
            authorize(svc, a, Resource::Assignment, Action::Create, "create_assignment").await?;
            let code = sanitize::line(&code).to_uppercase();
            let title = sanitize::line(&title);
            if code.is_empty() || title.is_empty() {
                return Err(AppError::Invalid("an assignment needs a code and a title".into()));
            }
            let student = sanitize::line(&student).to_lowercase();
            let student_id = if student.is_empty() || student == a.username {
                a.user_id
            } else {
                let users = store.list_users(a).await?;
                users
                    .iter()
                    .find(|u| u.username == student)
                    .map(|u| u.id)
                    .ok_or_else(|| AppError::Invalid(format!("no user named '{student}'")))?
            };
            let new = crate::store::support::NewAssignment {
                code: code.clone(),
                student_id,
                title,
                service_type: rules::one_of("service type", &service, &rules::SERVICE_TYPES)?,
                due_at: end_of(due),
            };
            store.create_assignment(a, &new, audit(svc, a, "create_assignment", "assignment")).await?;
            Ok(Reply::Done(format!("Created assignment {code}.")))
        }
        Op::SetAssignmentStatus { id, status } => {
            authorize(svc, a, Resource::Assignment, Action::Update, "set_assignment_status").await?;
            let status = rules::one_of("assignment status", &status, &rules::ASSIGNMENT_STATUSES)?;
            store.set_assignment_status(a, id, &status, audit(svc, a, "set_assignment_status", "assignment")).await?;
            Ok(Reply::Done(format!("Assignment marked {}.", status.replace('_', " "))))
        }
        Op::LoadInvoices => out(Out::Invoices(store.list_invoices(a).await?)),
        Op::CreateInvoice { assignment, amount, currency, due } => {
            authorize(svc, a, Resource::Invoice, Action::Create, "create_invoice").await?;
            let row = assignment_by_code(svc, a, &assignment).await?;
            let new = NewInvoice {
                assignment_id: row.id,
                total_cents: invoice::parse_amount(&amount).map_err(AppError::Invalid)?,
                currency: invoice::currency(&currency).map_err(AppError::Invalid)?,
                due_at: end_of(due),
            };
            store.create_invoice(a, &new, audit(svc, a, "create_invoice", "invoice")).await?;
            let total = invoice::format_cents(new.total_cents, &new.currency);
            Ok(Reply::Done(format!("Draft invoice of {total} for {} ({}).", row.assignment_code, row.student)))
        }
        Op::SetInvoiceStatus { id, status } => {
            authorize(svc, a, Resource::Invoice, Action::Update, "set_invoice_status").await?;
            let status = rules::one_of("invoice status", &status, &rules::INVOICE_STATUSES)?;
            store.set_invoice_status(a, id, &status, audit(svc, a, "set_invoice_status", "invoice")).await?;
            Ok(Reply::Done(format!("Invoice marked {status}.")))
        }
        Op::RecordPayment { invoice: id, amount, method } => {
            authorize(svc, a, Resource::Invoice, Action::Update, "record_payment").await?;
            let cents = invoice::parse_amount(&amount).map_err(AppError::Invalid)?;
            let method = rules::one_of("payment method", &method, &invoice::PAYMENT_METHODS)?;
            let status =
                store.record_payment(a, id, cents, &method, audit(svc, a, "record_payment", "invoice")).await?;
            Ok(Reply::Done(format!("Payment recorded; the invoice is {}.", status.replace('_', " "))))
        }
        Op::LoadUnread => {
            let messages = store.unread_messages(a).await?;
            let waiting = if a.can(Resource::VisitorChat, Action::Read) {
                store.visitor_queue(a).await?.iter().filter(|s| s.status == "waiting").count() as i64
            } else {
                0
            };
            out(Out::Unread { messages, waiting })
        }
        Op::Records(op) => super::records::execute(svc, a, op).await,
    }
}

/// A student account for a visitor; returns the message and the one-time password.
async fn convert_to_user(svc: &Services, a: &Actor, session: Uuid) -> Result<(String, Option<String>), AppError> {
    authorize(svc, a, Resource::User, Action::Create, "convert_visitor").await?;
    let s = svc.store.visitor_chat(a, session).await?;
    if s.converted_user_id.is_some() {
        return Err(AppError::Invalid("this visitor already has an account".into()));
    }
    let form = AccountForm {
        username: rules::username_for(&s.visitor_name, &s.reference),
        email: s.visitor_email.clone().unwrap_or_default(),
        display_name: s.visitor_name.clone(),
    };
    let (user, password) = accounts::create_user(svc, a, &form, Role::Student, None).await?;
    svc.store.link_visitor_user(a, session, user.id, audit(svc, a, "convert_visitor", "visitor_session")).await?;
    Ok((format!("{} is now the student account {}.", s.visitor_name, user.username), password))
}

/// What a visitor gets back when starting a chat: the token is shown once and never stored.
#[derive(Debug, Clone)]
pub struct Started {
    pub session: VisitorSession,
    pub token: String,
}

/// A visitor starts a chat from the web page (`source` says from where).
pub async fn visitor_start(
    svc: &Services,
    source: &Source,
    name: &str,
    email: &str,
    phone: &str,
    subject: &str,
    first_message: Option<&str>,
) -> Result<Started, AppError> {
    let intro = VisitorIntro::clean(name, email, phone, subject)?;
    let first = first_message.filter(|m| !m.trim().is_empty()).map(rules::message).transpose()?;
    let token = new_token();
    let entry = Entry::anonymous(&intro.name, source, "start_chat", "visitor_session");
    let session = svc.store.start_visitor(&intro, &token_hash(&token), entry).await?;
    if let Some(text) = first {
        svc.store.visitor_says(session.id, &text).await?;
    }
    Ok(Started { session, token })
}

/// The session a visitor's token opens.
pub async fn visitor_session(svc: &Services, token: &str) -> Result<VisitorSession, AppError> {
    svc.store
        .visitor_by_token(&token_hash(token))
        .await?
        .ok_or_else(|| AppError::Auth("unknown or expired chat token".into()))
}

pub async fn visitor_session_by_id(svc: &Services, id: Uuid) -> Result<VisitorSession, AppError> {
    Ok(svc.store.visitor_session(id).await?)
}

pub async fn visitor_send(svc: &Services, session: &VisitorSession, text: &str) -> Result<VisitorMessage, AppError> {
    Ok(svc.store.visitor_says(session.id, &rules::message(text)?).await?)
}

pub async fn visitor_messages(
    svc: &Services,
    session: &VisitorSession,
    after: Option<Uuid>,
) -> Result<Vec<VisitorMessage>, AppError> {
    Ok(svc.store.visitor_messages_after(session.id, after, 500).await?)
}

/// A due date means the end of that day.
fn end_of(day: Option<chrono::NaiveDate>) -> Option<chrono::DateTime<chrono::Utc>> {
    day.and_then(|d| d.and_hms_opt(23, 59, 0)).map(|t| t.and_utc())
}

/// The assignment `raw` names by its code (as typed: trimmed, any case), among those `a` can see.
pub(super) async fn assignment_by_code(svc: &Services, a: &Actor, raw: &str) -> Result<AssignmentRow, AppError> {
    let code = sanitize::line(raw).to_uppercase();
    let found = svc.store.list_assignments(a).await?.into_iter().find(|r| r.assignment_code == code);
    found.ok_or_else(|| AppError::Invalid(format!("no assignment '{code}' that you can see")))
}
