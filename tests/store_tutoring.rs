//! Tutoring records on both backends (issue 18): tutors offered and accepting, meetings,
//! writings, homework, exams and uploaded files of an assignment, each created, edited and
//! moved by the role the seed gives it; hidden from whoever is not on the assignment;
//! audited; files kept by the store with their type read from the bytes.

mod common;

use common::services;
use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::Actor;
use labdeck::domain::tutoring::{MAX_FILE_BYTES, RecordKind};
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::engine::records::Op as R;
use labdeck::engine::support::{self, Op};
use labdeck::engine::{AppError, Reply, Services};
use labdeck::store::Store;
use labdeck::store::support::{NewAssignment, RecordEdit, RecordRow};
use labdeck::store::testing::TempDir;

async fn add(store: &Store, name: &str, role: Role) -> Actor {
    let form = AccountForm { username: name.into(), email: String::new(), display_name: name.into() };
    let (u, _) =
        accounts::create_user(&services(store), &Actor::system("t"), &form, role, Some("correct horse battery".into()))
            .await
            .unwrap();
    store.load_actor(u.id).await.unwrap()
}

async fn run_as(svc: &Services, actor: &Actor, op: R) -> Result<Reply, AppError> {
    support::execute(svc, actor, Op::Records(op)).await
}

/// A new record of ASG-1 with the fields its kind reads.
#[derive(Default)]
struct New {
    when: Option<chrono::DateTime<chrono::Utc>>,
    minutes: Option<i64>,
    teacher: String,
    path: String,
}

fn make(kind: RecordKind, n: New) -> R {
    R::Create { kind, assignment: "asg-1".into(), when: n.when, minutes: n.minutes, teacher: n.teacher, path: n.path }
}

fn create(kind: RecordKind) -> R {
    make(kind, New::default())
}

async fn records(store: &Store, a: &Actor) -> Vec<RecordRow> {
    store.list_records(a, None).await.unwrap()
}

async fn one(store: &Store, a: &Actor, kind: &str) -> RecordRow {
    records(store, a).await.into_iter().find(|r| r.kind == kind).unwrap_or_else(|| panic!("no {kind}"))
}

fn status(kind: RecordKind, id: uuid::Uuid, to: &str) -> R {
    R::SetStatus { kind, id, status: to.into() }
}

both!(each_record_kind_is_kept_by_the_role_the_seed_gives_it, |store: Store| async move {
    let svc = services(&store);
    let run = |a: &Actor, op: R| {
        let (svc, a) = (svc.clone(), a.clone());
        async move { run_as(&svc, &a, op).await }
    };
    let ada = add(&store, "ada", Role::Admin).await;
    let sue = add(&store, "sue", Role::Support).await;
    let tim = add(&store, "tim", Role::Teacher).await;
    let tom = add(&store, "tom", Role::Teacher).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let new = NewAssignment {
        code: "ASG-1".into(),
        student_id: sam.user_id,
        title: "Calculus".into(),
        service_type: "tutoring".into(),
        due_at: None,
    };
    let asg = store.create_assignment(&sam, &new, Entry::by(&sam, &Source::cli(), "create_assignment", "assignment"));
    let asg = asg.await.unwrap();

    // Tutors: support offers, only the tutor accepts.
    let offer = |who: &str| make(RecordKind::Teacher, New { teacher: who.into(), ..New::default() });
    assert!(run(&sam, offer("tim")).await.is_err(), "students do not pick tutors");
    assert!(run(&sue, offer("sid")).await.is_err(), "only a teacher is a tutor");
    run(&sue, offer("tim")).await.unwrap();
    let ta = one(&store, &sue, "teacher").await;
    assert_eq!((ta.status.as_str(), ta.person.as_deref(), ta.rel.as_str()), ("offered", Some("tim"), "staff"));
    assert_eq!(one(&store, &tim, "teacher").await.rel, "tutor");
    let at = chrono::Utc::now() + chrono::Duration::days(2);
    let meeting = make(RecordKind::Meeting, New { when: Some(at), ..New::default() });
    assert!(run(&tim, meeting.clone()).await.is_err(), "an offered tutor has not accepted yet");
    assert!(run(&sue, status(RecordKind::Teacher, ta.id, "accepted")).await.is_err(), "the tutor accepts");
    run(&tim, status(RecordKind::Teacher, ta.id, "accepted")).await.unwrap();

    // Meetings: the tutor schedules, reschedules while scheduled, and marks it done.
    assert!(run(&sam, meeting.clone()).await.is_err(), "students do not schedule meetings");
    run(&tim, meeting).await.unwrap();
    let m = one(&store, &sam, "meeting").await;
    assert!(m.detail.starts_with("MT-"), "{m:?}");
    assert_eq!((m.status.as_str(), m.rel.as_str()), ("scheduled", "student"));
    assert_eq!(m.at.map(|t| t.timestamp()), Some(at.timestamp()));
    let later = at + chrono::Duration::hours(1);
    let moved = R::Edit { kind: RecordKind::Meeting, id: m.id, edit: RecordEdit::When(later) };
    assert!(run(&sam, moved.clone()).await.is_err());
    run(&tim, moved.clone()).await.unwrap();
    assert!(run(&sam, status(RecordKind::Meeting, m.id, "completed")).await.is_err());
    run(&tim, status(RecordKind::Meeting, m.id, "completed")).await.unwrap();
    assert!(run(&tim, moved).await.is_err(), "a completed meeting is not rescheduled");
    assert!(run(&tim, status(RecordKind::Meeting, m.id, "scheduled")).await.is_err(), "no way back");

    // Writings: the student submits, the tutor returns or reviews.
    run(&sam, create(RecordKind::Writing)).await.unwrap();
    let w = one(&store, &sam, "writing").await.id;
    assert!(run(&tim, status(RecordKind::Writing, w, "submitted")).await.is_err());
    run(&sam, status(RecordKind::Writing, w, "submitted")).await.unwrap();
    assert!(run(&sam, status(RecordKind::Writing, w, "reviewed")).await.is_err());
    run(&tim, status(RecordKind::Writing, w, "returned")).await.unwrap();
    run(&sam, status(RecordKind::Writing, w, "submitted")).await.unwrap();
    run(&tim, status(RecordKind::Writing, w, "reviewed")).await.unwrap();

    // Homework: the tutor sets and moves its due time.
    let due = make(RecordKind::Homework, New { when: Some(at), ..New::default() });
    assert!(run(&sam, due.clone()).await.is_err());
    run(&tim, due).await.unwrap();
    let h = one(&store, &tim, "homework").await.id;
    run(&tim, R::Edit { kind: RecordKind::Homework, id: h, edit: RecordEdit::When(later) }).await.unwrap();
    assert!(run(&tim, status(RecordKind::Homework, h, "done")).await.is_err(), "homework has no status");

    // Exams: the tutor starts, the student completes, the tutor grades.
    assert!(run(&tim, make(RecordKind::Exam, New { minutes: Some(0), ..New::default() })).await.is_err());
    run(&tim, make(RecordKind::Exam, New { minutes: Some(90), ..New::default() })).await.unwrap();
    let e = one(&store, &tim, "exam").await;
    assert_eq!(e.minutes, Some(90));
    run(&tim, R::Edit { kind: RecordKind::Exam, id: e.id, edit: RecordEdit::Minutes(60) }).await.unwrap();
    assert!(run(&sam, status(RecordKind::Exam, e.id, "in_progress")).await.is_err());
    run(&tim, status(RecordKind::Exam, e.id, "in_progress")).await.unwrap();
    run(&sam, status(RecordKind::Exam, e.id, "completed")).await.unwrap();
    run(&tim, status(RecordKind::Exam, e.id, "graded")).await.unwrap();
    assert_eq!(one(&store, &sam, "exam").await.minutes, Some(60));

    // Nobody outside the assignment sees or touches its records.
    assert!(records(&store, &sid).await.is_empty());
    assert!(records(&store, &tom).await.is_empty());
    assert!(run(&tom, status(RecordKind::Exam, e.id, "cancelled")).await.is_err());
    assert!(run(&sid, create(RecordKind::Writing)).await.is_err());
    assert_eq!(records(&store, &sam).await.len(), 5);
    assert_eq!(records(&store, &ada).await.len(), 5);

    // The assignment links its meetings, exams and invoices.
    let inv = Op::CreateInvoice { assignment: "ASG-1".into(), amount: "80".into(), currency: "EUR".into(), due: None };
    support::execute(&svc, &ada, inv).await.unwrap();
    let links = support::execute(&svc, &ada, Op::Records(R::Links { assignment: asg })).await.unwrap();
    let Reply::Support(support::Out::Links { context, .. }) = links else { panic!("{links:?}") };
    for kind in ["teacher", "meeting", "exam", "writing", "homework", "invoice"] {
        assert!(context.items.iter().any(|i| i.kind == kind), "{kind} missing: {context:?}");
    }

    // Every change is audited.
    let q = labdeck::store::audit::AuditQuery { text: "tutoring_record".into(), outcome: None, limit: 100 };
    let audited = store.query_audit(&ada, &q).await.unwrap();
    assert!(audited.iter().filter(|r| r.outcome == "success").count() >= 17, "{}", audited.len());
});

both!(files_are_kept_by_the_store_typed_by_their_bytes_and_bounded, |store: Store| async move {
    let svc = services(&store);
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let sue = add(&store, "sue", Role::Support).await;
    let new = NewAssignment {
        code: "ASG-1".into(),
        student_id: sam.user_id,
        title: "Essay".into(),
        service_type: "writing".into(),
        due_at: None,
    };
    store.create_assignment(&sam, &new, Entry::by(&sam, &Source::cli(), "x", "assignment")).await.unwrap();
    let dir = TempDir::new();
    let path = dir.path.join("essay.txt\x1b[2J");
    std::fs::write(&path, b"%PDF-1.7 pretend").unwrap();
    let upload =
        |p: &std::path::Path| make(RecordKind::File, New { path: p.to_string_lossy().into_owned(), ..New::default() });
    run_as(&svc, &sam, upload(&path)).await.unwrap();
    let f = one(&store, &sam, "file").await;
    assert_eq!(f.detail, "essay.txt[2J  application/pdf", "named for display, typed by the bytes");
    assert_eq!(f.size_bytes, Some(16));
    assert_eq!(f.who, Some(sam.user_id));
    let (name, mime, bytes) = store.file_content(&sue, f.id).await.unwrap();
    assert_eq!(
        (name.as_str(), mime.as_str(), bytes.as_slice()),
        ("essay.txt[2J", "application/pdf", &b"%PDF-1.7 pretend"[..])
    );
    assert!(store.file_content(&sid, f.id).await.is_err(), "not theirs");

    // Renamed by its uploader; the name stays a name.
    let rename = |n: &str| R::Edit { kind: RecordKind::File, id: f.id, edit: RecordEdit::Name(n.into()) };
    run_as(&svc, &sam, rename("../../final.pdf")).await.unwrap();
    assert!(one(&store, &sam, "file").await.detail.starts_with("final.pdf "));
    assert!(run_as(&svc, &sid, rename("x")).await.is_err());

    // Too big, empty, a directory, or over SSH: refused, nothing stored.
    let big = dir.path.join("big.bin");
    std::fs::write(&big, vec![b'a'; MAX_FILE_BYTES + 1]).unwrap();
    let refused = run_as(&svc, &sam, upload(&big)).await;
    assert!(matches!(&refused, Err(AppError::Invalid(m)) if m.contains("KiB")), "{refused:?}");
    let empty = dir.path.join("empty");
    std::fs::write(&empty, b"").unwrap();
    assert!(run_as(&svc, &sam, upload(&empty)).await.is_err());
    assert!(run_as(&svc, &sam, upload(&dir.path)).await.is_err());
    let ssh =
        Services::new(store.clone(), Source::Ssh { key_fingerprint: Some("SHA256:x".into()), addr: "10.0.0.9".into() });
    let over_ssh = run_as(&ssh, &sam, upload(&path)).await;
    assert!(matches!(&over_ssh, Err(AppError::Invalid(m)) if m.contains("SSH")), "{over_ssh:?}");
    assert_eq!(records(&store, &sam).await.len(), 1);

    // A file attached to a thread: a message naming it, the bytes kept with the attachment.
    let open = Op::CreateThread {
        thread_type: "assignment".into(),
        subject: "My essay".into(),
        to: String::new(),
        assignment: "ASG-1".into(),
        text: "Draft attached next.".into(),
    };
    support::execute(&svc, &sam, open).await.unwrap();
    let thread = store.list_threads(&sam, &Default::default()).await.unwrap()[0].id;
    let attach = |p: &std::path::Path| R::Attach { thread, path: p.to_string_lossy().into_owned() };
    assert!(run_as(&ssh, &sam, attach(&path)).await.is_err(), "not over SSH");
    assert!(run_as(&svc, &sid, attach(&path)).await.is_err(), "not someone else's thread");
    run_as(&svc, &sam, attach(&path)).await.unwrap();
    let msgs = store.thread_messages(&sue, thread).await.unwrap();
    let last = msgs.last().unwrap();
    assert!(last.content.starts_with("📎 essay.txt[2J (application/pdf"), "{}", last.content);
    let a = &last.attachments[0];
    assert_eq!((a.name.as_str(), a.mime_type.as_deref()), ("essay.txt[2J", Some("application/pdf")));
    assert!(a.location.starts_with("stored:"), "{}", a.location);
});
