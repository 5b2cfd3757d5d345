//! Support on both backends: the visitor chat (start, claim race, transfer, reply, close with
//! a reference, archive search, conversion), canned replies, threads with read cursors and
//! unread counts, and the tutoring records by role.

mod common;

use common::{add, services};
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::Actor;
use labdeck::domain::{Role, support as rules};
use labdeck::engine::support::{self, Op, Out};
use labdeck::engine::{AppError, Reply};
use labdeck::store::support::{NewAssignment, NewThread, ThreadFilter};
use labdeck::store::{Store, StoreError};

fn web() -> Source {
    Source::Http { addr: "127.0.0.1".into(), user_agent: Some("test".into()) }
}

async fn run(store: &Store, actor: &Actor, op: Op) -> Result<Reply, AppError> {
    support::execute(&services(store), actor, op).await
}

both!(a_visitor_chat_from_start_to_closed_reference, |store: Store| async move {
    let svc = services(&store);
    let sue = add(&store, "sue", Role::Support).await;
    let started = support::visitor_start(
        &svc,
        &web(),
        "Eve\x1b]0;owned\x07",
        "eve@example.com",
        "",
        "Pricing?\x1b[2J",
        Some("hello\x1b[31m"),
    )
    .await
    .unwrap();
    let s = &started.session;
    assert!(rules::is_reference(&s.reference), "{}", s.reference);
    assert_eq!(s.visitor_name, "Eve]0;owned");
    assert_eq!(s.subject, "Pricing?[2J");
    assert_eq!(s.status, "waiting");
    // The token opens the session; only its hash is stored.
    let again = support::visitor_session(&svc, &started.token).await.unwrap();
    assert_eq!(again.id, s.id);
    assert!(support::visitor_session(&svc, "nope").await.is_err());
    let msgs = support::visitor_messages(&svc, s, None).await.unwrap();
    assert_eq!(msgs.len(), 2, "greeting and first message");
    assert!(msgs.iter().all(|m| !m.content.chars().any(|c| c.is_control())));

    let queue = store.visitor_queue(&sue).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].messages, 2);
    // A rep cannot reply before claiming.
    assert!(matches!(
        run(&store, &sue, Op::Reply { session: s.id, text: "hi".into() }).await,
        Err(AppError::Store(StoreError::Conflict(_)))
    ));
    run(&store, &sue, Op::Claim { session: s.id }).await.unwrap();
    let last = msgs.last().unwrap().id;
    run(&store, &sue, Op::Reply { session: s.id, text: "Hi Eve\r\nhow can I help?\x1b[2J".into() }).await.unwrap();
    let new = support::visitor_messages(&svc, s, Some(last)).await.unwrap();
    assert_eq!(new.iter().map(|m| m.sender_type.as_str()).collect::<Vec<_>>(), ["system", "rep"]);
    assert_eq!(new[1].content, "Hi Eve\nhow can I help?[2J");
    assert_eq!(new[1].rep_name.as_deref(), Some("sue"));

    store
        .save_canned(
            &sue,
            "thanks",
            "Thanks {visitor_name}, your reference is {reference}.",
            Entry::by(&sue, &web(), "save", "canned"),
        )
        .await
        .unwrap();
    let canned = store.canned_replies(&sue).await.unwrap();
    run(&store, &sue, Op::Canned { session: s.id, reply: canned[0].id }).await.unwrap();
    let all = store.visitor_transcript(&sue, s.id).await.unwrap();
    assert_eq!(all.last().unwrap().content, format!("Thanks Eve]0;owned, your reference is {}.", s.reference));

    let Ok(Reply::Done(msg)) = run(&store, &sue, Op::Close { session: s.id }).await else { panic!("closed") };
    assert!(msg.contains(&s.reference), "{msg}");
    let tail = support::visitor_messages(&svc, s, None).await.unwrap();
    assert!(tail.last().unwrap().content.contains(&s.reference), "the visitor sees the reference");
    assert!(support::visitor_send(&svc, s, "still there?").await.is_err(), "closed chats take no messages");
    assert!(store.visitor_queue(&sue).await.unwrap().is_empty());
    let found = store.visitor_archive(&sue, &s.reference, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(store.visitor_archive(&sue, "how can i help", 10).await.unwrap().len(), 1, "archive searches text");
    assert!(store.visitor_archive(&sue, "nothing like this", 10).await.unwrap().is_empty());

    // A student sees no chats at all.
    let stu = add(&store, "stu", Role::Student).await;
    assert!(matches!(store.visitor_queue(&stu).await, Err(StoreError::Denied(_))));
});

both!(the_first_claim_wins_and_the_others_see_who, |store: Store| async move {
    let svc = services(&store);
    let mut reps = Vec::new();
    for n in 0..6 {
        reps.push(add(&store, &format!("rep{n}"), Role::Support).await);
    }
    for round in 0..5 {
        let s = support::visitor_start(&svc, &web(), &format!("v{round}"), "", "", "race", None).await.unwrap().session;
        let tasks: Vec<_> = reps
            .iter()
            .map(|r| {
                let (store, r) = (store.clone(), r.clone());
                tokio::spawn(async move {
                    store.claim_visitor(&r, s.id, Entry::by(&r, &web(), "claim_chat", "visitor_session")).await
                })
            })
            .collect();
        let mut won = 0;
        let mut lost = Vec::new();
        for t in tasks {
            match t.await.unwrap() {
                Ok(()) => won += 1,
                Err(StoreError::Conflict(m)) => lost.push(m),
                Err(StoreError::Busy) => lost.push("already claimed by (busy)".into()),
                Err(e) => panic!("unexpected: {e}"),
            }
        }
        assert_eq!(won, 1, "exactly one claim wins");
        assert_eq!(lost.len(), reps.len() - 1);
        let holder = store.visitor_chat(&reps[0], s.id).await.unwrap();
        assert_eq!(holder.status, "active");
        let name = holder.claimed_by_name.unwrap();
        assert!(lost.iter().all(|m| m.contains("already claimed by")), "{lost:?}");
        assert!(lost.iter().any(|m| m.contains(&name)), "losers are told who: {lost:?}");
        let joined = store.visitor_transcript(&reps[0], s.id).await.unwrap();
        assert_eq!(joined.iter().filter(|m| m.content.contains("joined")).count(), 1);
    }
});

both!(transfer_convert_and_rbac, |store: Store| async move {
    let svc = services(&store);
    let sue = add(&store, "sue", Role::Support).await;
    let sal = add(&store, "sal", Role::Support).await;
    let tim = add(&store, "tim", Role::Teacher).await;
    let s = support::visitor_start(
        &svc,
        &web(),
        "Jamie Rivera",
        "jamie@example.com",
        "+1 555",
        "Evening classes",
        Some("hi"),
    )
    .await
    .unwrap()
    .session;
    run(&store, &sue, Op::Claim { session: s.id }).await.unwrap();
    let again = run(&store, &sal, Op::Claim { session: s.id }).await;
    assert!(
        matches!(&again, Err(AppError::Store(StoreError::Conflict(m))) if m == "already claimed by sue"),
        "{again:?}"
    );
    assert!(
        run(&store, &sue, Op::Transfer { session: s.id, to: "tim".into() }).await.is_err(),
        "teachers take no chats"
    );
    assert!(
        run(&store, &sal, Op::Transfer { session: s.id, to: "sal".into() }).await.is_err(),
        "only the holder transfers"
    );
    run(&store, &sue, Op::Transfer { session: s.id, to: "sal".into() }).await.unwrap();
    assert!(run(&store, &sue, Op::Reply { session: s.id, text: "x".into() }).await.is_err());
    run(&store, &sal, Op::Reply { session: s.id, text: "Sal here".into() }).await.unwrap();

    let Ok(Reply::Secret { message, .. }) =
        run(&store, &sal, Op::Convert { session: s.id, account: true, thread: false }).await
    else {
        panic!("account")
    };
    assert!(message.contains("jamierivera"), "{message}");
    run(&store, &sal, Op::Convert { session: s.id, account: false, thread: true }).await.unwrap();
    assert!(
        run(&store, &sal, Op::Convert { session: s.id, account: false, thread: true }).await.is_err(),
        "converts once"
    );
    let s2 = store.visitor_chat(&sal, s.id).await.unwrap();
    let thread = s2.converted_thread_id.unwrap();
    let msgs = store.thread_messages(&sal, thread).await.unwrap();
    assert!(msgs.iter().any(|m| m.content == "[Jamie Rivera] hi"), "{msgs:?}");
    // The new student takes part in the thread and sees it.
    let jamie = store.load_actor(s2.converted_user_id.unwrap()).await.unwrap();
    assert_eq!(jamie.role, Role::Student);
    let theirs = store.list_threads(&jamie, &ThreadFilter::default()).await.unwrap();
    assert_eq!(theirs.len(), 1);
    assert!(matches!(store.visitor_chat(&tim, s.id).await, Err(StoreError::Denied(_))));
    let audit = store
        .query_audit(
            &Actor::system("t"),
            &labdeck::store::audit::AuditQuery { text: "chat".into(), ..Default::default() },
        )
        .await
        .unwrap();
    for action in ["start_chat", "claim_chat", "transfer_chat", "chat_to_thread"] {
        assert!(audit.iter().any(|a| a.action == action), "{action} audited");
    }
});

both!(threads_unread_counts_read_cursors_and_search, |store: Store| async move {
    let sue = add(&store, "sue", Role::Support).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let e = |a: &Actor| Entry::by(a, &web(), "create_thread", "thread");
    let new = NewThread {
        subject: "VM unreachable".into(),
        thread_type: "support".into(),
        assignment_id: None,
        invoice_id: None,
        first_message: "ssh times out".into(),
        participants: vec![sue.user_id],
    };
    let t = store.create_thread(&sam, &new, e(&sam)).await.unwrap();
    assert_eq!(store.unread_messages(&sue).await.unwrap(), 1);
    assert_eq!(store.unread_messages(&sam).await.unwrap(), 0, "own messages are read");
    run(&store, &sue, Op::Post { thread: t, text: "Restarted it.\nTry again?".into() }).await.unwrap();
    run(&store, &sue, Op::Post { thread: t, text: "Any luck?".into() }).await.unwrap();
    let rows = store.list_threads(&sam, &ThreadFilter::default()).await.unwrap();
    assert_eq!((rows.len(), rows[0].unread, rows[0].messages), (1, 2, 3));
    assert!(store.my_notifications(&sam, 10).await.unwrap().iter().any(|n| n.kind == "message"));
    let Ok(Reply::Support(Out::Thread { messages, .. })) =
        run(&store, &sam, Op::OpenThread { thread: t, assignment: None, invoice: None }).await
    else {
        panic!("opened")
    };
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[1].content, "Restarted it.\nTry again?");
    assert_eq!(store.unread_messages(&sam).await.unwrap(), 0, "opening moves the cursor");
    // Sid takes no part: he neither lists nor opens it; support sees everything.
    assert!(store.list_threads(&sid, &ThreadFilter::default()).await.unwrap().is_empty());
    assert!(matches!(store.thread_messages(&sid, t).await, Err(StoreError::NotFound(_))));
    let by_type = |ty: &str| ThreadFilter { thread_type: Some(ty.into()), ..Default::default() };
    assert_eq!(store.list_threads(&sue, &by_type("support")).await.unwrap().len(), 1);
    assert!(store.list_threads(&sue, &by_type("invoice")).await.unwrap().is_empty());
    let search = |q: &str| ThreadFilter { search: Some(q.into()), ..Default::default() };
    assert_eq!(store.list_threads(&sue, &search("any LUCK")).await.unwrap().len(), 1, "searches messages");
    assert_eq!(store.list_threads(&sue, &search("unreach")).await.unwrap().len(), 1, "and subjects");
    assert!(store.list_threads(&sue, &search("nothing")).await.unwrap().is_empty());
    run(&store, &sue, Op::SetThreadStatus { thread: t, status: "resolved".into() }).await.unwrap();
    assert!(run(&store, &sam, Op::SetThreadStatus { thread: t, status: "closed".into() }).await.is_err());
    assert!(run(&store, &sue, Op::SetThreadStatus { thread: t, status: "bogus".into() }).await.is_err());
    let closed = ThreadFilter { status: Some("resolved".into()), ..Default::default() };
    assert_eq!(store.list_threads(&sue, &closed).await.unwrap().len(), 1);
});

both!(threads_are_opened_from_the_console_to_support_or_to_named_people, |store: Store| async move {
    let sue = add(&store, "sue", Role::Support).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let tess = add(&store, "tess", Role::Teacher).await;
    let open = |to: &str, assignment: &str, subject: &str| Op::CreateThread {
        thread_type: "general".into(),
        subject: subject.into(),
        to: to.into(),
        assignment: assignment.into(),
        text: "Can we meet on Friday?\x1b[2J".into(),
    };
    // A student writes to support; naming people is for those who may look users up.
    run(&store, &sam, open("", "", "Friday")).await.unwrap();
    assert!(run(&store, &sam, open("sid", "", "Gossip")).await.is_err());
    assert!(run(&store, &sam, open("", "", "  ")).await.is_err(), "a subject is needed");
    assert!(run(&store, &sam, open("", "ASG-404", "Lost")).await.is_err(), "only assignments they can see");
    let seen = |a: &Actor| {
        let (store, a) = (store.clone(), a.clone());
        async move { store.list_threads(&a, &ThreadFilter::default()).await.unwrap() }
    };
    let sues = seen(&sue).await;
    assert_eq!(sues.len(), 1, "support sees the student's thread");
    assert_eq!(sues[0].thread_type, "general");
    let first = store.thread_messages(&sue, sues[0].id).await.unwrap();
    assert_eq!(first[0].content, "Can we meet on Friday?[2J", "the first message, sanitised");
    assert!(seen(&sid).await.is_empty());

    // A teacher brings in a student by username; he sees it and is notified.
    run(&store, &tess, open("sid, ", "", "Your lab report")).await.unwrap();
    assert_eq!(seen(&sid).await.len(), 1);
    assert_eq!(store.unread_messages(&sid).await.unwrap(), 1);
    assert!(run(&store, &tess, open("nobody", "", "x")).await.is_err(), "unknown usernames are refused");
});

both!(tutoring_records_by_role, |store: Store| async move {
    let sue = add(&store, "sue", Role::Support).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let tess = add(&store, "tess", Role::Teacher).await;
    let e = |a: &Actor| Entry::by(a, &web(), "create_assignment", "assignment");
    let new = |code: &str, student: &Actor| NewAssignment {
        code: code.into(),
        student_id: student.user_id,
        title: "Essay".into(),
        service_type: "writing".into(),
        due_at: None,
    };
    let a = store.create_assignment(&sam, &new("ASG-1", &sam), e(&sam)).await.unwrap();
    assert!(store.create_assignment(&sam, &new("ASG-2", &sid), e(&sam)).await.is_err(), "only for themselves");
    assert_eq!(store.list_assignments(&sam).await.unwrap().len(), 1);
    assert!(store.list_assignments(&sid).await.unwrap().is_empty());
    assert!(store.list_assignments(&tess).await.unwrap().is_empty(), "not assigned to her");
    assert_eq!(store.list_assignments(&sue).await.unwrap().len(), 1);
    assert!(run(&store, &tess, Op::SetAssignmentStatus { id: a, status: "completed".into() }).await.is_err());
    assert!(run(&store, &sam, Op::SetAssignmentStatus { id: a, status: "completed".into() }).await.is_err());
    run(&store, &sue, Op::SetAssignmentStatus { id: a, status: "in_progress".into() }).await.unwrap();
    let create = |code: &str, student: &str| Op::CreateAssignment {
        code: code.into(),
        title: "Lab report\x1b[2J".into(),
        service: "writing".into(),
        student: student.into(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 24),
    };
    run(&store, &sam, create("asg-9", "")).await.unwrap();
    assert!(run(&store, &sam, create("ASG-10", "sid")).await.is_err(), "students open their own only");
    assert!(
        matches!(run(&store, &sue, create("ASG-11", "sam")).await, Err(AppError::Denied(_))),
        "support does not create"
    );
    assert!(run(&store, &sam, create("ASG-12", "")).await.is_ok());
    assert!(
        run(
            &store,
            &sam,
            Op::CreateAssignment {
                code: "ASG-13".into(),
                title: "t".into(),
                service: "cooking".into(),
                student: String::new(),
                due: None
            }
        )
        .await
        .is_err()
    );
    let mine = store.list_assignments(&sam).await.unwrap();
    let made = mine.iter().find(|r| r.assignment_code == "ASG-9").expect("created, code upper-cased");
    assert_eq!(made.title, "Lab report[2J");
    assert!(made.due_at.is_some());
    let ctx = store.tutoring_context(&sue, Some(a), None).await.unwrap();
    assert_eq!(ctx.title, "ASG-1 Essay");
    assert!(ctx.items[0].text.contains("in_progress"), "{ctx:?}");
});

both!(invoices_are_issued_paid_in_parts_and_never_overpaid, |store: Store| async move {
    let ada = add(&store, "ada", Role::Admin).await;
    let sue = add(&store, "sue", Role::Support).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let asg = NewAssignment {
        code: "ASG-7".into(),
        student_id: sam.user_id,
        title: "Thesis".into(),
        service_type: "writing".into(),
        due_at: None,
    };
    store.create_assignment(&sam, &asg, Entry::by(&sam, &web(), "create_assignment", "assignment")).await.unwrap();
    let create = |amount: &str, code: &str| Op::CreateInvoice {
        assignment: code.into(),
        amount: amount.into(),
        currency: "eur".into(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 31),
    };
    assert!(
        matches!(run(&store, &sue, create("100", "ASG-7")).await, Err(AppError::Denied(_))),
        "support does not bill"
    );
    assert!(run(&store, &ada, create("12.345", "ASG-7")).await.is_err(), "at most two decimals");
    assert!(run(&store, &ada, create("100", "ASG-404")).await.is_err(), "no such assignment");
    run(&store, &ada, create("100.00", "asg-7")).await.unwrap();

    let invoices = |a: &Actor| {
        let (store, a) = (store.clone(), a.clone());
        async move { store.list_invoices(&a).await.unwrap() }
    };
    let all = invoices(&sue).await;
    assert_eq!(all.len(), 1, "billed to the assignment's student");
    // Issue #14, item 4: drafts are staff-only; the student sees it once issued.
    assert!(invoices(&sam).await.is_empty(), "students never see a draft");
    assert!(invoices(&sid).await.is_empty(), "students see their own invoices only");
    let inv = &all[0];
    assert_eq!((inv.total_cents, inv.currency.as_str(), inv.status.as_str()), (10_000, "EUR", "draft"));
    assert_eq!(inv.assignment_code.as_deref(), Some("ASG-7"));
    let pay = |amount: &str| Op::RecordPayment { invoice: inv.id, amount: amount.into(), method: "card".into() };
    let status = |to: &str| Op::SetInvoiceStatus { id: inv.id, status: to.into() };

    assert!(run(&store, &sue, pay("10")).await.is_err(), "a draft takes no payment");
    assert!(run(&store, &sam, status("issued")).await.is_err(), "students do not issue");
    run(&store, &sue, status("issued")).await.unwrap();
    assert_eq!(invoices(&sam).await.len(), 1, "issued: the student sees it");
    assert!(invoices(&sid).await.is_empty());
    assert!(run(&store, &sue, status("paid")).await.is_err(), "paid follows from payments");
    assert!(run(&store, &sam, pay("10")).await.is_err(), "students do not record payments");
    run(&store, &sue, pay("40")).await.unwrap();
    assert!(run(&store, &sue, pay("60.01")).await.is_err(), "never more than is owed");
    assert!(run(&store, &sue, status("void")).await.is_err(), "payments were taken");
    let now = &invoices(&sue).await[0];
    assert_eq!((now.paid_cents, now.payments, now.status.as_str()), (4_000, 1, "partially_paid"));

    // Two reps recording the rest at once: one settles it, the other is refused.
    let (a, b) = tokio::join!(run(&store, &sue, pay("60")), run(&store, &ada, pay("60")));
    assert!(a.is_ok() != b.is_ok(), "exactly one of two concurrent payments lands: {a:?} {b:?}");
    let now = &invoices(&sam).await[0];
    assert_eq!((now.paid_cents, now.status.as_str()), (10_000, "paid"));
    assert!(run(&store, &sue, status("void")).await.is_err(), "a paid invoice is settled");

    let q = labdeck::store::audit::AuditQuery { text: "record_payment".into(), outcome: None, limit: 10 };
    let audited = store.query_audit(&ada, &q).await.unwrap();
    assert_eq!(audited.iter().filter(|r| r.outcome == "success").count(), 2, "{audited:?}");
});

/// PostgreSQL pushes changes (LISTEN/NOTIFY): with polling set to a minute, a write still
/// reaches the engine's event stream at once. SQLite relies on the polling alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_pushes_changes_without_waiting_for_the_poll() {
    use labdeck::engine::{Engine, EngineOptions, Event};
    let Some(b) = common::postgres().await else { return };
    let store = b.store.clone();
    let opts = EngineOptions { watch_every: std::time::Duration::from_secs(60), pollers: false };
    let (_engine, mut events) = Engine::start(services(&store), opts);
    // The first check records the starting revisions.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let t0 = std::time::Instant::now();
    support::visitor_start(&services(&store), &web(), "Pat", "", "", "push", None).await.unwrap();
    let changed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        loop {
            if let Some(Event::Changed(d)) = events.recv().await
                && d.iter().any(|d| d == "visitor_chat")
            {
                return;
            }
        }
    })
    .await;
    assert!(changed.is_ok(), "no push within 5 s");
    assert!(t0.elapsed() < std::time::Duration::from_secs(2), "{:?}", t0.elapsed());
}

// Issue #14, item 4: a student never sees a draft invoice, in the invoice list, the
// assignment's invoice count or a thread's tutoring context; issuing shows it and tells
// them (item 10), in the same transaction.
both!(students_never_see_draft_invoices_and_are_told_when_one_is_issued, |store: Store| async move {
    let ada = add(&store, "ada", Role::Admin).await;
    let sue = add(&store, "sue", Role::Support).await;
    let sam = add(&store, "sam", Role::Student).await;
    let asg = NewAssignment {
        code: "ASG-9".into(),
        student_id: sam.user_id,
        title: "Lab report".into(),
        service_type: "writing".into(),
        due_at: None,
    };
    let a =
        store.create_assignment(&sam, &asg, Entry::by(&sam, &web(), "create_assignment", "assignment")).await.unwrap();
    let create = Op::CreateInvoice {
        assignment: "ASG-9".into(),
        amount: "25".into(),
        currency: "EUR".into(),
        due: chrono::NaiveDate::from_ymd_opt(2026, 12, 24),
    };
    run(&store, &ada, create).await.unwrap();
    let id = store.list_invoices(&sue).await.unwrap()[0].id;
    assert!(store.list_invoices(&sam).await.unwrap().is_empty());
    let mine = store.list_assignments(&sam).await.unwrap();
    assert_eq!(mine[0].invoices, 0, "a draft is not counted for the student");
    assert_eq!(store.list_assignments(&ada).await.unwrap()[0].invoices, 1);
    let ctx = store.tutoring_context(&sam, Some(a), None).await.unwrap();
    assert!(!ctx.items.iter().any(|i| i.kind == "invoice"), "{ctx:?}");
    let ctx = store.tutoring_context(&sam, None, Some(id)).await.unwrap();
    assert!(!ctx.items.iter().any(|i| i.kind == "invoice"), "not even by its id: {ctx:?}");
    assert!(store.my_notifications(&sam, 10).await.unwrap().is_empty());

    run(&store, &sue, Op::SetInvoiceStatus { id, status: "issued".into() }).await.unwrap();
    assert_eq!(store.list_invoices(&sam).await.unwrap().len(), 1);
    let ctx = store.tutoring_context(&sam, Some(a), None).await.unwrap();
    assert!(ctx.items.iter().any(|i| i.kind == "invoice"), "{ctx:?}");
    let told = store.my_notifications(&sam, 10).await.unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "invoice_issued");
    assert_eq!(told[0].body.as_deref(), Some("25.00 EUR, due 2026-12-24"));
    // Back to draft: hidden again.
    run(&store, &sue, Op::SetInvoiceStatus { id, status: "draft".into() }).await.unwrap();
    assert!(store.list_invoices(&sam).await.unwrap().is_empty());
});

// Issue #14, item 2: one set of canned-reply variables. Every seeded text is valid against
// it and fills completely; an unknown `{name}` is refused at save time; the preview is the
// exact text sent. Item 10: a transferred chat notifies the rep who gets it.
both!(canned_replies_use_one_set_of_variables_filled_completely, |store: Store| async move {
    let svc = services(&store);
    labdeck::demo::seed(&svc).await.unwrap();
    let sue = store.load_actor(store.user_id_by_name("sue").await.unwrap()).await.unwrap();
    let canned = store.canned_replies(&sue).await.unwrap();
    assert!(canned.len() >= 4);
    let s =
        support::visitor_start(&svc, &web(), "Eve", "eve@example.org", "", "VPN", Some("hi")).await.unwrap().session;
    run(&store, &sue, Op::Claim { session: s.id }).await.unwrap();
    let chat = store.visitor_chat(&sue, s.id).await.unwrap();
    for c in &canned {
        rules::check_canned(&c.body).unwrap_or_else(|e| panic!("seeded '{}' is invalid: {e}", c.title));
        let text = support::preview_canned(&c.body, &chat, &sue).unwrap();
        assert!(!text.contains('{'), "'{}' left a placeholder: {text}", c.title);
    }
    let greeting = canned.iter().find(|c| c.title == "Greeting").unwrap();
    let preview = support::preview_canned(&greeting.body, &chat, &sue).unwrap();
    assert!(preview.starts_with("Hi Eve, thanks") && preview.contains("I'm Sue"), "{preview}");
    // Done closes the rep's dialog (a transcript answer left it on "working…").
    let done = run(&store, &sue, Op::Canned { session: s.id, reply: greeting.id }).await;
    assert!(matches!(&done, Ok(Reply::Done(m)) if m.contains("Greeting")), "{done:?}");
    let sent = store.visitor_transcript(&sue, s.id).await.unwrap();
    assert_eq!(sent.last().unwrap().content, preview, "the preview is what the visitor gets");

    let bad =
        run(&store, &sue, Op::SaveCanned { title: "Owed".into(), body: "Invoice {invoice_id} is due".into() }).await;
    assert!(
        matches!(&bad, Err(AppError::Invalid(m)) if m.contains("{invoice_id}") && m.contains("{visitor_name}")),
        "{bad:?}"
    );
    assert!(!store.canned_replies(&sue).await.unwrap().iter().any(|c| c.title == "Owed"), "nothing saved");
    run(&store, &sue, Op::SaveCanned { title: "Call".into(), body: "We'll call {phone}.".into() }).await.unwrap();
    let call = store.canned_replies(&sue).await.unwrap().into_iter().find(|c| c.title == "Call").unwrap();
    let none = run(&store, &sue, Op::Canned { session: s.id, reply: call.id }).await;
    assert!(matches!(&none, Err(AppError::Invalid(m)) if m.contains("phone")), "no phone given: {none:?}");

    // Transferring the chat tells the rep who gets it.
    let sal = add(&store, "sal", Role::Support).await;
    run(&store, &sue, Op::Transfer { session: s.id, to: "sal".into() }).await.unwrap();
    let told = store.my_notifications(&sal, 10).await.unwrap();
    assert!(told.iter().any(|n| n.kind == "chat_transferred" && n.title.contains("Eve")), "{told:?}");
});
