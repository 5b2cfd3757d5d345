//! Profiles on both backends (issue 18): each user saves their own (cleaned, bounded, a
//! real time zone), audited; a thread's people carry their initials, role, zone and subjects.

mod common;

use common::services;
use labdeck::domain::Role;
use labdeck::domain::profile::Profile;
use labdeck::domain::rbac::Actor;
use labdeck::engine::Reply;
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::engine::support::{self, Op, Out};
use labdeck::store::Store;

async fn add(store: &Store, name: &str, role: Role) -> Actor {
    let form = AccountForm { username: name.into(), email: format!("{name}@example.org"), display_name: name.into() };
    let (u, _) =
        accounts::create_user(&services(store), &Actor::system("t"), &form, role, Some("correct horse battery".into()))
            .await
            .unwrap();
    store.load_actor(u.id).await.unwrap()
}

both!(each_user_keeps_a_profile_others_see_as_a_card, |store: Store| async move {
    let svc = services(&store);
    let tim = add(&store, "tim", Role::Teacher).await;
    let sue = add(&store, "sue", Role::Support).await;
    let empty = store.my_profile(&tim).await.unwrap();
    assert_eq!((empty.display_name.as_str(), empty.first_name.as_str(), empty.initials().as_str()), ("tim", "", "T"));

    let typed = Profile {
        display_name: "Tim Tutor".into(),
        first_name: "Tim\x1b[31m".into(),
        last_name: "Turing".into(),
        phone: "+49 30 1234".into(),
        time_zone: "Europe/Berlin".into(),
        subjects: "Calculus, Physics".into(),
        bio: "Ten years of exam prep.".into(),
    };
    let bad = Profile { time_zone: "Mars/Olympus".into(), ..typed.clone() };
    assert!(accounts::save_profile(&svc, &tim, &bad).await.is_err(), "not a time zone");
    accounts::save_profile(&svc, &tim, &typed).await.unwrap();
    let saved = store.my_profile(&tim).await.unwrap();
    assert_eq!(saved.first_name, "Tim[31m", "sanitised at ingestion");
    assert_eq!((saved.initials().as_str(), saved.time_zone.as_str()), ("TT", "Europe/Berlin"));
    assert_eq!(saved.bio, typed.bio);
    // Saving again updates the same row.
    accounts::save_profile(&svc, &tim, &Profile { subjects: "Calculus".into(), ..typed }).await.unwrap();
    assert_eq!(store.my_profile(&tim).await.unwrap().subjects, "Calculus");
    let q = labdeck::store::audit::AuditQuery { text: "save_profile".into(), outcome: None, limit: 10 };
    let admin = Actor::system("t");
    assert_eq!(store.query_audit(&admin, &q).await.unwrap().iter().filter(|r| r.outcome == "success").count(), 2);

    // In a thread, Tim shows as a card: initials, name, role, zone, subjects.
    support::execute(
        &svc,
        &sue,
        Op::CreateThread {
            thread_type: "general".into(),
            subject: "Schedule".into(),
            to: "tim".into(),
            assignment: String::new(),
            text: "When can you meet?".into(),
        },
    )
    .await
    .unwrap();
    let thread = store.list_threads(&tim, &Default::default()).await.unwrap()[0].id;
    let open = Op::OpenThread { thread, assignment: None, invoice: None };
    let Ok(Reply::Support(Out::Thread { people, .. })) = support::execute(&svc, &tim, open).await else {
        panic!("the thread")
    };
    let card = people.iter().find(|p| p.user_id == tim.user_id).unwrap();
    assert_eq!(
        (card.initials.as_str(), card.display_name.as_str(), card.role.as_str()),
        ("TT", "Tim Tutor", "teacher")
    );
    assert_eq!((card.time_zone.as_str(), card.subjects.as_str()), ("Europe/Berlin", "Calculus"));
    assert_eq!(people.len(), 2);
});
