//! Bookings on both backends: devices, all-or-nothing groups, the database's guards,
//! concurrent bookers, approvals with limits, extend, favorites, topologies, exports.

mod common;

use chrono::{DateTime, Duration, SubsecRound, TimeZone, Utc};
use common::{add, services};
use labdeck::domain::Role;
use labdeck::domain::bookings::Interval;
use labdeck::domain::rbac::Actor;
use labdeck::engine::bookings::{self, Format, Op, Out, Request, Scope};
use labdeck::engine::{AppError, Services};
use labdeck::store::bookings::DeviceInput;
use labdeck::store::{Store, StoreError};
use uuid::Uuid;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, 0, 0, 0).single().unwrap() + Duration::hours(h)
}
fn iv(a: i64, b: i64) -> Interval {
    Interval { start: t(a), end: t(b) }
}

async fn device(svc: &Services, admin: &Actor, name: &str, capacity: i64) -> Uuid {
    let input = DeviceInput {
        name: name.into(),
        device_type: "router".into(),
        out_port: 1,
        in_port: 2,
        status: "available".into(),
        capacity,
        tags: vec!["lab".into(), "Rack-A".into()],
        ..Default::default()
    };
    bookings::run(svc, admin, Op::SaveDevice { id: None, input }).await.unwrap();
    svc.store.device_id_by_name(admin, name).await.unwrap()
}

fn req(devices: Vec<Uuid>, at: Interval) -> Request {
    Request {
        devices,
        at,
        title: "lab".into(),
        collaborators: vec![],
        comment: String::new(),
        weeks: 1,
        tz: "UTC".into(),
    }
}

async fn book(svc: &Services, actor: &Actor, devices: Vec<Uuid>, at: Interval) -> Result<Uuid, AppError> {
    match bookings::run(svc, actor, Op::Book { request: req(devices, at) }).await? {
        Out::Booked { groups, .. } => Ok(groups[0]),
        other => panic!("unexpected {other:?}"),
    }
}

fn is_conflict(r: &Result<Uuid, AppError>) -> bool {
    matches!(r, Err(AppError::Store(StoreError::Conflict(_))))
}

both!(devices_have_tags_owners_health_and_maintenance, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let d = device(&svc, &ada, "rtr-1", 1).await;
    bookings::run(&svc, &ada, Op::Owner { device: d, username: "sam".into(), assign: true }).await.unwrap();
    bookings::run(&svc, &ada, Op::Owner { device: d, username: "sam".into(), assign: false }).await.unwrap();
    bookings::run(&svc, &ada, Op::Owner { device: d, username: "ada".into(), assign: true }).await.unwrap();
    bookings::run(&svc, &ada, Op::Health { device: d, status: "warning".into() }).await.unwrap();
    let list = store.devices(&sam).await.unwrap();
    let row = list.iter().find(|x| x.id == d).unwrap();
    assert_eq!(row.tags, vec!["lab".to_string(), "rack-a".to_string()]);
    assert_eq!(row.owners, vec!["ada".to_string()]);
    assert_eq!(row.health.as_deref(), Some("warning"));
    let history = store.ownership_history(&sam, d).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].owner, "sam");
    assert_eq!(history[1].revoked_by.as_deref(), Some("ada"));
    // Students may not change devices; the refusal is audited.
    let denied = bookings::run(&svc, &sam, Op::Health { device: d, status: "healthy".into() }).await;
    assert!(matches!(denied, Err(AppError::Denied(_))));
    // Maintenance refuses bookings inside it, in the code and in the database.
    bookings::run(&svc, &ada, Op::AddMaintenance { device: d, at: iv(10, 12), reason: "optics".into() }).await.unwrap();
    let r = book(&svc, &sam, vec![d], iv(11, 13)).await;
    assert!(is_conflict(&r), "{r:?}");
    assert!(book(&svc, &sam, vec![d], iv(12, 13)).await.is_ok(), "half-open: ending maintenance frees the device");
    let cal = store.calendar(&sam, t(0), t(24)).await.unwrap();
    assert_eq!(cal.maintenance.len(), 1);
    assert_eq!(cal.bookings.len(), 1);
});

both!(groups_are_all_or_nothing_and_conflicts_are_named, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let a = device(&svc, &ada, "a", 1).await;
    let b = device(&svc, &ada, "b", 1).await;
    book(&svc, &sam, vec![a, b], iv(9, 11)).await.unwrap();
    book(&svc, &sid, vec![b], iv(11, 12)).await.unwrap();
    // b is busy 11-12: a group over a and b at 10:30-11:30 books neither.
    let r = book(&svc, &sid, vec![a, b], Interval { start: t(11), end: t(11) + Duration::minutes(30) }).await;
    match &r {
        Err(AppError::Store(StoreError::Conflict(m))) => assert!(m.contains("b: booked"), "{m}"),
        other => panic!("{other:?}"),
    }
    let conflicts = store.conflicts(&sid, &[a, b], iv(10, 12), None).await.unwrap();
    assert_eq!(conflicts.len(), 3);
    assert!(conflicts.iter().any(|c| c.username == "sid"));
    let cal = store.calendar(&sam, t(0), t(24)).await.unwrap();
    assert_eq!(cal.bookings.len(), 3, "the refused group left nothing behind");
    // Capacity is data: a second slot lets two overlap, a third refuses.
    let c = device(&svc, &ada, "c", 2).await;
    book(&svc, &sam, vec![c], iv(9, 10)).await.unwrap();
    book(&svc, &sid, vec![c], iv(9, 10)).await.unwrap();
    assert!(is_conflict(&book(&svc, &ada, vec![c], iv(9, 10)).await));
    // A viewer may read but not book; support may not even read.
    let vic = add(&store, "vic", Role::Viewer).await;
    assert!(matches!(book(&svc, &vic, vec![a], iv(20, 21)).await, Err(AppError::Denied(_))));
    let sue = add(&store, "sue", Role::Support).await;
    assert!(matches!(store.calendar(&sue, t(0), t(24)).await, Err(StoreError::Denied(_))));
    // Too long, or no devices, is refused before the database.
    assert!(matches!(book(&svc, &sam, vec![a], iv(0, 24 * 40)).await, Err(AppError::Invalid(_))));
    assert!(matches!(book(&svc, &sam, vec![], iv(20, 21)).await, Err(AppError::Invalid(_))));
});

both!(the_database_itself_refuses_a_double_booking, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let a = device(&svc, &ada, "a", 1).await;
    let g = book(&svc, &ada, vec![a], iv(9, 11)).await.unwrap();
    // Bypass the code: a raw insert of an overlapping active booking on the same slot.
    const SQL: &str = "INSERT INTO bookings (id, group_id, device_id, user_id, starts_at, ends_at, status, slot, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'approved', $7, $8, $8)";
    let raw = |start: DateTime<Utc>, end: DateTime<Utc>, slot: i64| {
        let store = store.clone();
        let ada = ada.clone();
        async move {
            labdeck::on_pool!(&store, p => sqlx::query(SQL)
                .bind(Uuid::now_v7())
                .bind(g)
                .bind(a)
                .bind(ada.user_id)
                .bind(start)
                .bind(end)
                .bind(slot)
                .bind(t(0))
                .execute(p)
                .await
                .map(|_| ()))
        }
    };
    assert!(raw(t(10), t(12), 0).await.is_err(), "overlap on the same slot");
    assert!(raw(t(10), t(12), 1).await.is_err(), "slot beyond capacity");
    assert!(raw(t(11), t(12), 0).await.is_ok(), "touching is not overlapping");
});

both!(concurrent_bookers_never_double_book, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let cap = 2;
    let d = device(&svc, &ada, "hot", cap).await;
    let mut people = Vec::new();
    for i in 0..10 {
        people.push(add(&store, &format!("s{i}"), Role::Student).await);
    }
    let mut tasks = Vec::new();
    for (i, who) in people.into_iter().enumerate() {
        let svc = svc.clone();
        // Overlapping windows: every pair shares 10:00-11:00.
        let at =
            Interval { start: t(9) + Duration::minutes(i as i64 * 5), end: t(11) + Duration::minutes(i as i64 * 5) };
        tasks.push(tokio::spawn(async move { book(&svc, &who, vec![d], at).await }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(AppError::Store(StoreError::Conflict(m))) => assert!(m.contains("hot"), "a clear conflict: {m}"),
            Err(e) => panic!("a loser must get a conflict, got {e:?}"),
        }
    }
    assert_eq!(ok, cap, "exactly capacity bookings win");
    let cal = store.calendar(&ada, t(0), t(24)).await.unwrap();
    assert_eq!(cal.bookings.len() as i64, cap);
});

both!(approvals_respect_limits_and_are_audited, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let april = add(&store, "april", Role::Approver).await;
    let sam = add(&store, "sam", Role::Student).await;
    let a = device(&svc, &ada, "a", 1).await;
    let short = book(&svc, &sam, vec![a], iv(9, 11)).await.unwrap();
    let long = book(&svc, &sam, vec![a], iv(12, 20)).await.unwrap();
    assert_eq!(store.pending_count(&april).await.unwrap(), 2);
    assert_eq!(store.pending_count(&sam).await.unwrap(), 0);
    assert!(matches!(store.pending_groups(&sam).await, Err(StoreError::Denied(_))));
    // The JSON column is text on SQLite and jsonb on PostgreSQL: the one statement differs.
    match &store {
        Store::Sqlite(p) => sqlx::query("INSERT INTO user_profiles (user_id, approval_limits, created_at, updated_at) VALUES ($1, $2, $3, $3)")
            .bind(april.user_id).bind(r#"{"max_hours": 4}"#).bind(t(0)).execute(p).await.map(|_| ()).unwrap(),
        Store::Postgres(p) => sqlx::query("INSERT INTO user_profiles (user_id, approval_limits, created_at, updated_at) VALUES ($1, $2::jsonb, $3, $3)")
            .bind(april.user_id).bind(r#"{"max_hours": 4}"#).bind(t(0)).execute(p).await.map(|_| ()).unwrap(),
    }
    let decide = |g: Uuid, who: Actor, approve: bool| {
        let svc = &svc;
        async move { bookings::run(svc, &who, Op::Decide { group: g, approve, comment: "ok".into() }).await }
    };
    decide(short, april.clone(), true).await.unwrap();
    let over = decide(long, april.clone(), true).await;
    assert!(matches!(&over, Err(AppError::Invalid(m)) if m.contains("limit")), "{over:?}");
    decide(long, april.clone(), false).await.unwrap();
    assert_eq!(store.pending_count(&april).await.unwrap(), 0);
    let detail = store.group_detail(&sam, short).await.unwrap();
    assert_eq!(detail.status, "approved");
    assert_eq!(detail.approvals.len(), 1);
    assert_eq!(detail.approvals[0].0, "april");
    // The rejected booking freed its slot.
    assert!(book(&svc, &ada, vec![a], iv(12, 13)).await.is_ok());
    let audit = store.query_audit(&ada, &Default::default()).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "approve_booking"));
    assert!(audit.iter().any(|e| e.action == "reject_booking"));
});

both!(extend_stops_at_the_latest_possible_end, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let tom = add(&store, "tom", Role::Teacher).await;
    let a = device(&svc, &ada, "a", 1).await;
    let g = book(&svc, &sam, vec![a], iv(9, 10)).await.unwrap();
    book(&svc, &ada, vec![a], iv(13, 14)).await.unwrap();
    let detail = store.group_detail(&sam, g).await.unwrap();
    assert_eq!(detail.latest_end, Some(t(13)));
    let too_far = bookings::run(&svc, &sam, Op::Extend { group: g, until: t(14) }).await;
    assert!(matches!(&too_far, Err(AppError::Invalid(m)) if m.contains("latest possible end")), "{too_far:?}");
    bookings::run(&svc, &sam, Op::Extend { group: g, until: t(13) }).await.unwrap();
    // Someone else's booking: a teacher may not touch it.
    let r = bookings::run(&svc, &tom, Op::Cancel { group: g }).await;
    assert!(matches!(r, Err(AppError::Denied(_))));
    bookings::run(&svc, &sam, Op::Collaborator { group: g, username: "tom".into(), add: true }).await.unwrap();
    bookings::run(&svc, &tom, Op::Comment { group: g, body: "see you\x1b[31m there".into() }).await.unwrap();
    let detail = store.group_detail(&sam, g).await.unwrap();
    assert_eq!(detail.collaborators.len(), 1);
    assert_eq!(detail.comments[0].2, "see you[31m there", "escape sequences are dropped at ingestion");
    bookings::run(&svc, &sam, Op::Reschedule { group: g, at: iv(20, 21) }).await.unwrap();
    bookings::run(&svc, &sam, Op::Cancel { group: g }).await.unwrap();
    let cal = store.calendar(&sam, t(0), t(24)).await.unwrap();
    assert_eq!(cal.bookings.len(), 1);
});

both!(weekly_recurrence_skips_conflicting_dates, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let a = device(&svc, &ada, "a", 1).await;
    book(&svc, &ada, vec![a], iv(24 * 14 + 9, 24 * 14 + 10)).await.unwrap();
    let request = Request { weeks: 4, tz: "Europe/Berlin".into(), ..req(vec![a], iv(9, 10)) };
    match bookings::run(&svc, &ada, Op::Book { request }).await.unwrap() {
        Out::Booked { groups, skipped, .. } => {
            assert_eq!(groups.len(), 3);
            assert_eq!(skipped.len(), 1);
            assert_eq!(skipped[0].0, chrono::NaiveDate::from_ymd_opt(2030, 3, 18).unwrap());
        }
        other => panic!("{other:?}"),
    }
});

both!(favorites_rebook_and_topologies_count_conflicts, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let a = device(&svc, &ada, "a", 1).await;
    let b = device(&svc, &ada, "b", 1).await;
    let g = book(&svc, &sam, vec![a, b], iv(9, 10)).await.unwrap();
    bookings::run(&svc, &sam, Op::SaveFavorite { group: g, name: "pair".into() }).await.unwrap();
    let favs = store.favorites(&sam).await.unwrap();
    assert_eq!(favs.len(), 1);
    assert_eq!(favs[0].devices.len(), 2);
    assert!(store.favorites(&sid).await.unwrap().is_empty(), "favorites are private");
    let out = bookings::run(&svc, &sam, Op::Rebook { favorite: favs[0].id, at: iv(30, 31) }).await.unwrap();
    assert!(matches!(out, Out::Booked { .. }));
    bookings::run(&svc, &sid, Op::CreateTopology { name: "ring".into(), devices: vec![a, b] }).await.unwrap();
    let topo = store.topologies(&sid).await.unwrap();
    assert_eq!((topo[0].nodes, topo[0].links), (2, 1));
    let id = topo[0].id;
    let detail = store.topology(&sid, id).await.unwrap();
    assert_eq!(
        detail.adjacency(),
        vec![("a".to_string(), vec!["b".to_string()]), ("b".to_string(), vec!["a".to_string()])]
    );
    let out = bookings::run(&svc, &sid, Op::SubmitReview { id, at: iv(8, 31) }).await.unwrap();
    assert!(matches!(&out, Out::Done(m) if m.contains("4 conflicting")), "{out:?}");
    assert!(matches!(
        bookings::run(&svc, &sam, Op::ResolveReview { id, approve: true, notes: String::new() }).await,
        Err(AppError::Denied(_))
    ));
    bookings::run(&svc, &ada, Op::ResolveReview { id, approve: false, notes: "busy week".into() }).await.unwrap();
    assert_eq!(store.topologies(&sid).await.unwrap()[0].review.as_deref(), Some("rejected"));
});

both!(exports_are_valid_ical_and_safe_csv, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let a = device(&svc, &ada, "polatis-01", 1).await;
    let mut r = req(vec![a], iv(9, 10));
    r.title = "=HYPERLINK(\"x\"), loop; test".into();
    bookings::run(&svc, &sam, Op::Book { request: r }).await.unwrap();
    book(&svc, &ada, vec![a], iv(11, 12)).await.unwrap();
    let (ics, n) = bookings::export(&svc, &sam, Format::Ics, &Scope::Mine).await.unwrap();
    assert_eq!(n, 1);
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.contains("DTSTART:20300304T090000Z"));
    assert!(ics.contains("=HYPERLINK(\"x\")\\, loop\\; test"));
    let (_, n) = bookings::export(&svc, &sam, Format::Ics, &Scope::Device("polatis-01".into())).await.unwrap();
    assert_eq!(n, 2);
    let (csv, n) = bookings::export(&svc, &ada, Format::Csv, &Scope::All).await.unwrap();
    assert_eq!(n, 2);
    assert!(csv.contains("\"'=HYPERLINK(\"\"x\"\"), loop; test\""), "{csv}");
    let sue = add(&store, "sue", Role::Support).await;
    assert!(bookings::export(&svc, &sue, Format::Ics, &Scope::All).await.is_err());
});

both!(a_free_slot_is_found_from_the_chosen_devices_only, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let (a, b, other) =
        (device(&svc, &ada, "sw-a", 1).await, device(&svc, &ada, "sw-b", 1).await, device(&svc, &ada, "sw-c", 1).await);
    // sw-a is busy 0–4 h, sw-b 3–8 h; sw-c (not asked about) is busy 8–20 h.
    book(&svc, &ada, vec![a], iv(0, 4)).await.unwrap();
    book(&svc, &ada, vec![b], iv(3, 8)).await.unwrap();
    book(&svc, &ada, vec![other], iv(8, 20)).await.unwrap();
    let find = |devices: Vec<Uuid>| {
        bookings::run(&svc, &ada, Op::FindFree { devices, length: Duration::hours(2), from: t(0) })
    };
    match find(vec![a, b]).await.unwrap() {
        Out::FreeSlot(Some(at)) => assert_eq!(at, iv(8, 10), "both free from 8 h; sw-c does not matter"),
        other => panic!("unexpected {other:?}"),
    }
    let cal = store.calendar_of(&ada, &[a, b], t(0), t(24)).await.unwrap();
    assert_eq!(cal.bookings.len(), 2);
    assert!(cal.bookings.iter().all(|x| x.device_id == a || x.device_id == b));
    assert_eq!(cal.devices.len(), 2);
});

// Issue #14, item 5: a booking that already ended cannot be cancelled; a rejection needs a
// comment. Item 10: approving, rejecting and cancelling someone's booking notify its owner.
both!(ended_bookings_stay_and_rejections_say_why_and_owners_are_told, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let april = add(&store, "april", Role::Approver).await;
    let sam = add(&store, "sam", Role::Student).await;
    let a = device(&svc, &ada, "core-rtr-01", 1).await;

    // An ended booking (placed straight in the store: the engine books the future only).
    let now = labdeck::domain::time::now().trunc_subsecs(0);
    let past = Interval { start: now - Duration::hours(3), end: now - Duration::hours(1) };
    let group = labdeck::store::bookings::NewGroup {
        owner: sam.user_id,
        title: "yesterday".into(),
        devices: vec![a],
        at: past,
        collaborators: vec![],
        comment: None,
        approved: true,
    };
    let e = labdeck::domain::audit::Entry::by(&sam, &labdeck::domain::audit::Source::Engine, "book", "booking_group");
    let ended = store.create_group(&group, e).await.unwrap();
    let refused = bookings::run(&svc, &sam, Op::Cancel { group: ended }).await;
    assert!(
        matches!(&refused, Err(AppError::Store(StoreError::Conflict(m))) if m.contains("already ended")),
        "{refused:?}"
    );
    assert_eq!(store.group_detail(&sam, ended).await.unwrap().status, "approved", "history stays as it was");

    // A rejection with an empty (or blank) comment is refused; with one it goes through.
    let g = book(&svc, &sam, vec![a], iv(9, 11)).await.unwrap();
    for blank in ["", "  \n "] {
        let r = bookings::run(&svc, &april, Op::Decide { group: g, approve: false, comment: blank.into() }).await;
        assert!(matches!(&r, Err(AppError::Invalid(m)) if m.contains("needs a comment")), "{r:?}");
    }
    let e =
        labdeck::domain::audit::Entry::by(&april, &labdeck::domain::audit::Source::Engine, "reject", "booking_group");
    assert!(store.decide_group(g, april.user_id, false, Some(" "), e).await.is_err(), "the store refuses it too");
    assert_eq!(store.group_detail(&sam, g).await.unwrap().status, "pending");
    bookings::run(&svc, &april, Op::Decide { group: g, approve: false, comment: "rack moved".into() }).await.unwrap();
    let approved = book(&svc, &sam, vec![a], iv(12, 13)).await.unwrap();
    bookings::run(&svc, &april, Op::Decide { group: approved, approve: true, comment: String::new() }).await.unwrap();
    bookings::run(&svc, &ada, Op::Cancel { group: approved }).await.unwrap();
    let own = book(&svc, &sam, vec![a], iv(14, 15)).await.unwrap();
    bookings::run(&svc, &sam, Op::Cancel { group: own }).await.unwrap();

    let told = store.my_notifications(&sam, 20).await.unwrap();
    let kinds: Vec<&str> = told.iter().rev().map(|n| n.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["booking_rejected", "booking_approved", "booking_cancelled"],
        "not for his own cancel: {told:?}"
    );
    let rejected = told.iter().find(|n| n.kind == "booking_rejected").unwrap();
    assert_eq!(rejected.body.as_deref(), Some("rejected by april: rack moved"));
    let audit = store.query_audit(&ada, &Default::default()).await.unwrap();
    let reject = audit.iter().find(|e| e.action == "reject_booking").unwrap();
    let d = &reject.details.as_ref().unwrap().0;
    assert_eq!(
        (d["from"].as_str(), d["to"].as_str(), d["title"].as_str()),
        (Some("pending"), Some("rejected"), Some("lab"))
    );
    assert_eq!(reject.entity_id.as_deref(), Some(g.to_string().as_str()), "the whole id");
});

// Issue #14, item 3 (store side): the calendar delivers every booking of a device-day, so
// the week view has all of them to show.
both!(the_calendar_delivers_every_booking_of_a_device_day, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sara = add(&store, "sara", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let a = device(&svc, &ada, "core-rtr-01", 1).await;
    book(&svc, &sara, vec![a], iv(13, 17)).await.unwrap();
    book(&svc, &sid, vec![a], iv(17, 19)).await.unwrap();
    let cal = store.calendar(&ada, t(0), t(24 * 7)).await.unwrap();
    let day: Vec<(&str, i64)> = cal
        .bookings
        .iter()
        .filter(|b| b.device_id == a)
        .map(|b| (b.username.as_str(), (b.ends_at - b.starts_at).num_hours()))
        .collect();
    assert_eq!(day, [("sara", 4), ("sid", 2)]);
});
