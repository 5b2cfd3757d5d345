//! An open console whose account is locked or demoted meanwhile: its next command ends the
//! session (a change at once, a load once the revision watcher saw the change), and a
//! revoked grant applies to the next command without a sign-out. Both backends.

mod common;

use common::ui::{signed_in, user};
use common::{add, services};
use labdeck::domain::Role;
use labdeck::domain::rbac::{Action, Actor, Resource};
use labdeck::domain::user::UserStatus;
use labdeck::engine::{AccountOp, AdminOp, Command, Engine, EngineOptions, Event, Reply, RequestId, admin};
use labdeck::store::Store;
use labdeck::store::audit::AuditQuery;
use labdeck::tui::app::{Msg, Phase};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;
use uuid::Uuid;

/// Send `op` as request `n` and wait for the event that answers it.
async fn ask(
    engine: &labdeck::engine::EngineHandle,
    events: &mut UnboundedReceiver<Event>,
    n: u64,
    actor: &Actor,
    op: impl Into<labdeck::engine::Op>,
) -> Event {
    let mut cmd = Command::new(actor, op);
    cmd.id = RequestId(n);
    engine.send(cmd);
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.expect("an answer").unwrap();
        match &ev {
            Event::Reply { id, .. } | Event::Failed { id, .. } | Event::SessionEnded { id, .. } if id.0 == n => {
                return ev;
            }
            _ => {}
        }
    }
}

fn ended(ev: &Event) -> Option<&str> {
    match ev {
        Event::SessionEnded { message, .. } => Some(message),
        _ => None,
    }
}

both!(a_locked_or_demoted_console_is_signed_out_at_its_next_action, |store: Store| async move {
    let boss = add(&store, "boss", Role::Admin).await;
    let sue = add(&store, "sue", Role::Support).await;
    let tom = add(&store, "tom", Role::Teacher).await;
    let svc = services(&store);
    let opts = EngineOptions { watch_every: Duration::from_millis(50), pollers: false };
    let (engine, mut events) = Engine::start(svc.clone(), opts);

    // Sue works as usual: a load and a change go through.
    let ev = ask(&engine, &mut events, 1, &sue, AccountOp::LoadUnread).await;
    assert!(matches!(ev, Event::Reply { reply: Reply::Unread(_), .. }), "{ev:?}");
    let ev = ask(&engine, &mut events, 2, &sue, AccountOp::MarkRead { id: None }).await;
    assert!(matches!(ev, Event::Reply { reply: Reply::Done(_), .. }), "{ev:?}");

    // Locked while her console is open: her next change is refused at once, and audited.
    admin::set_status(&svc, &boss, sue.user_id, UserStatus::Locked).await.unwrap();
    let ev = ask(&engine, &mut events, 3, &sue, AccountOp::MarkRead { id: None }).await;
    assert!(ended(&ev).is_some_and(|m| m.contains("locked")), "{ev:?}");
    let q = AuditQuery { text: "session_ended".into(), outcome: None, limit: 50 };
    let refused = store.query_audit(&boss, &q).await.unwrap();
    assert!(refused.iter().any(|a| a.action == "session_ended" && a.actor_name == "sue"));
    // A load ends it too, whether or not the watcher has seen the change yet.
    let ev = ask(&engine, &mut events, 4, &sue, AccountOp::LoadUnread).await;
    assert!(ended(&ev).is_some(), "{ev:?}");
    // Signing out still goes through.
    let ev = ask(&engine, &mut events, 5, &sue, AccountOp::SignOut).await;
    assert!(matches!(ev, Event::Reply { reply: Reply::SignedOut, .. }), "{ev:?}");

    // Demoted: a load that comes after the watcher saw the change ends the session.
    let ev = ask(&engine, &mut events, 6, &tom, AccountOp::LoadUnread).await;
    assert!(matches!(ev, Event::Reply { .. }), "{ev:?}");
    admin::set_role(&svc, &boss, tom.user_id, Role::Student).await.unwrap();
    let mut n = 7;
    let message = loop {
        let ev = ask(&engine, &mut events, n, &tom, AccountOp::LoadUnread).await;
        if let Some(m) = ended(&ev) {
            break m.to_string();
        }
        assert!(n < 200, "the watcher (every 50 ms) sees the change within 10 s");
        n += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(message.contains("teacher to student"), "{message}");

    // A grant revoked from a role applies to the next command, without a sign-out.
    let ev = ask(&engine, &mut events, 1000, &sue, AdminOp::LoadUsers).await;
    assert!(ended(&ev).is_some(), "sue is still locked: {ev:?}");
    admin::set_status(&svc, &boss, sue.user_id, UserStatus::Active).await.unwrap();
    let mut sign_in = Command::anonymous(AccountOp::SignIn {
        username: "sue".into(),
        password: labdeck::engine::Secret("correct horse battery".into()),
    });
    sign_in.id = RequestId(999);
    engine.send(sign_in);
    let signed_in = loop {
        match tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap() {
            Event::Reply { id: RequestId(999), reply: Reply::SignedIn(s) } => break s.actor,
            ev @ Event::Failed { id: RequestId(999), .. } => panic!("{ev:?}"),
            _ => {}
        }
    };
    let ev = ask(&engine, &mut events, 1001, &signed_in, AdminOp::LoadRoles).await;
    assert!(matches!(ev, Event::Reply { .. }), "unlocked and signed in again, she reads again: {ev:?}");
    admin::set_role_grant(&svc, &boss, Role::Support, (Resource::User, Action::Read), false).await.unwrap();
    let mut n = 1002;
    loop {
        let ev = ask(&engine, &mut events, n, &signed_in, AdminOp::LoadRoles).await;
        if let Event::Failed { message, .. } = &ev {
            assert!(message.contains("permission denied"), "{message}");
            break;
        }
        assert!(matches!(ev, Event::Reply { .. }), "no sign-out for a changed grant: {ev:?}");
        assert!(n < 1200, "the watcher (every 50 ms) sees the change within 10 s");
        n += 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    engine.shutdown().await;
});

#[test]
fn the_console_turns_an_ended_session_into_the_sign_in_gate_with_the_message() {
    let mut a = signed_in(user(Uuid::from_u128(7), "sue", "Sue", Role::Support));
    let sent = a.take_commands();
    let id = sent.first().expect("the shell loads").id;
    let message = "Your account was locked by an administrator; you have been signed out.";
    a.update(Msg::Engine(Event::SessionEnded { id, message: message.into() }));
    let Phase::Gate(gate) = &a.phase else { panic!("back at the gate") };
    assert_eq!(gate.form.error.as_deref(), Some(message));
    assert!(a.overlay.is_none());
    // Other loads in flight end the same way; they leave the gate (and what is typed) alone.
    common::ui::chars(&mut a, "sue");
    let other = sent.last().unwrap().id;
    a.update(Msg::Engine(Event::SessionEnded { id: other, message: message.into() }));
    let Phase::Gate(gate) = &a.phase else { panic!("still at the gate") };
    assert_eq!(gate.form.value(labdeck::tui::widgets::form::Key("Username")), "sue");
}
