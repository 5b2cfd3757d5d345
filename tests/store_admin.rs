//! Settings, invitations, notifications and revisions: the same contract on both backends.

mod common;

use chrono::Duration;
use common::services;
use labdeck::domain::audit::Entry;
use labdeck::domain::rbac::Actor;
use labdeck::domain::{Role, invitation, time};
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::engine::{AppError, admin};
use labdeck::store::audit::AuditQuery;
use labdeck::store::invitations::NewInvitation;
use labdeck::store::{Store, StoreError};

fn form(name: &str) -> AccountForm {
    AccountForm { username: name.into(), email: String::new(), display_name: name.into() }
}

async fn add(store: &Store, name: &str, role: Role) -> Actor {
    let (u, _) = accounts::create_user(
        &services(store),
        &Actor::system("t"),
        &form(name),
        role,
        Some("correct horse battery".into()),
    )
    .await
    .unwrap();
    store.load_actor(u.id).await.unwrap()
}

both!(settings_are_typed_stored_and_audited, |store: Store| async move {
    let boss = add(&store, "boss", Role::Admin).await;
    let svc = services(&store);
    let defaults = admin::settings(&svc, &boss).await.unwrap();
    assert!(defaults.iter().any(|s| s.key == "bookings.require_approval" && s.updated_by.is_none()));
    admin::put_setting(&svc, &boss, "bookings.require_approval", "no").await.unwrap();
    admin::put_setting(&svc, &boss, "custom.colours", "[\"red\", \"blue\"]").await.unwrap();
    admin::put_setting(&svc, &boss, "bookings.require_approval", "yes").await.unwrap();
    assert_eq!(store.setting("bookings.require_approval").await.unwrap(), Some(serde_json::json!(true)));
    assert_eq!(store.setting("custom.colours").await.unwrap(), Some(serde_json::json!(["red", "blue"])));
    let listed = admin::settings(&svc, &boss).await.unwrap();
    let s = listed.iter().find(|s| s.key == "bookings.require_approval").unwrap();
    assert_eq!(s.updated_by.as_deref(), Some("boss"));
    assert!(matches!(admin::put_setting(&svc, &boss, "bookings.max_hours", "-3").await, Err(AppError::Invalid(_))));
    let student = add(&store, "stu", Role::Student).await;
    assert!(matches!(admin::put_setting(&svc, &student, "org.name", "mine").await, Err(AppError::Denied(_))));
    assert!(matches!(store.list_settings(&student).await, Err(StoreError::Denied(_))));
    let audit =
        store.query_audit(&boss, &AuditQuery { text: "put_setting".into(), ..Default::default() }).await.unwrap();
    assert_eq!(audit.iter().filter(|a| a.outcome == "success").count(), 3);
    // Each entry says what the setting was (the built-in default before the first write)
    // and what it became.
    let changes: Vec<(String, serde_json::Value, serde_json::Value)> = audit
        .iter()
        .filter(|a| a.outcome == "success")
        .filter_map(|a| {
            let d = &a.details.as_ref()?.0;
            Some((a.entity_id.clone()?, d["from"].clone(), d["to"].clone()))
        })
        .collect();
    let approval = |from, to| ("bookings.require_approval".to_string(), serde_json::json!(from), serde_json::json!(to));
    assert!(changes.contains(&approval(false, true)), "{changes:?}");
    assert!(changes.contains(&approval(true, false)), "{changes:?}");
    assert!(changes.contains(&(
        "custom.colours".to_string(),
        serde_json::Value::Null,
        serde_json::json!(["red", "blue"])
    )));
});

both!(invitations_are_single_use_and_expire, |store: Store| async move {
    let boss = add(&store, "boss", Role::Admin).await;
    let svc = services(&store);
    let (_, token) = admin::invite(&svc, &boss, "New.Teacher@Example.org", Role::Teacher, Some(3)).await.unwrap();
    let list = admin::invitations(&svc, &boss).await.unwrap();
    assert_eq!(list[0].email.as_deref(), Some("new.teacher@example.org"));
    assert_eq!(list[0].state, invitation::InvitationState::Pending);
    let s = accounts::accept_invitation(&svc, &token.to_lowercase(), &form("newt"), "correct horse battery".into())
        .await
        .unwrap();
    assert_eq!(s.user.role, Role::Teacher);
    let again = accounts::accept_invitation(&svc, &token, &form("newt2"), "correct horse battery".into()).await;
    assert!(
        matches!(&again, Err(AppError::Invalid(m)) if m.starts_with("no valid invitation has that code")),
        "{again:?}"
    );
    assert_eq!(admin::invitations(&svc, &boss).await.unwrap()[0].state, invitation::InvitationState::Accepted);

    // Expired and revoked codes are refused; a failed account creation keeps the code unused.
    let expired = invitation::new_token();
    let new = NewInvitation {
        email: None,
        handle: Some("late".into()),
        role: Role::Student,
        token_hash: invitation::token_hash(&expired),
        expires_at: time::now() - Duration::hours(1),
        invited_by: boss.user_id,
    };
    store.create_invitation(&new, Entry::by(&boss, &svc.source, "invite", "invitation")).await.unwrap();
    assert!(accounts::accept_invitation(&svc, &expired, &form("late"), "correct horse battery".into()).await.is_err());
    let (id, revoked) = admin::invite(&svc, &boss, "gone", Role::Student, None).await.unwrap();
    admin::revoke_invitation(&svc, &boss, id).await.unwrap();
    assert!(accounts::accept_invitation(&svc, &revoked, &form("gone"), "correct horse battery".into()).await.is_err());
    let (_, fresh) = admin::invite(&svc, &boss, "fresh", Role::Student, None).await.unwrap();
    let taken = accounts::accept_invitation(&svc, &fresh, &form("newt"), "correct horse battery".into()).await;
    assert!(matches!(taken, Err(AppError::Store(StoreError::Conflict(_)))), "{taken:?}");
    accounts::accept_invitation(&svc, &fresh, &form("freshie"), "correct horse battery".into()).await.unwrap();
});

both!(an_invitation_code_works_once_under_a_race, |store: Store| async move {
    let boss = add(&store, "boss", Role::Admin).await;
    let svc = services(&store);
    let (_, token) = admin::invite(&svc, &boss, "racer", Role::Student, None).await.unwrap();
    let (f1, f2) = (form("racer1"), form("racer2"));
    let (a, b) = tokio::join!(
        accounts::accept_invitation(&svc, &token, &f1, "correct horse battery".into()),
        accounts::accept_invitation(&svc, &token, &f2, "correct horse battery".into()),
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    assert_eq!(store.count_users().await.unwrap(), 2);
});

both!(notifications_are_private_and_counted, |store: Store| async move {
    let ann = add(&store, "ann", Role::Student).await;
    let bob = add(&store, "bob", Role::Student).await;
    let first = store.notify(ann.user_id, "info", "one", None).await.unwrap();
    store.notify(ann.user_id, "info", "two", Some("body")).await.unwrap();
    store.notify(bob.user_id, "info", "bob's", None).await.unwrap();
    assert_eq!(store.unread_count(&ann).await.unwrap(), 2);
    assert_eq!(store.my_notifications(&bob, 10).await.unwrap().len(), 1);
    assert_eq!(store.mark_read(&bob, Some(first)).await.unwrap(), 0, "nobody marks another's notification");
    assert_eq!(store.mark_read(&ann, Some(first)).await.unwrap(), 1);
    assert_eq!(store.unread_count(&ann).await.unwrap(), 1);
    assert_eq!(store.mark_read(&ann, None).await.unwrap(), 1);
    assert_eq!(store.unread_count(&ann).await.unwrap(), 0);
});

both!(every_write_bumps_its_domain_revision, |store: Store| async move {
    let before = store.revisions().await.unwrap();
    let boss = add(&store, "boss", Role::Admin).await;
    let svc = services(&store);
    admin::put_setting(&svc, &boss, "org.name", "Lab").await.unwrap();
    store.notify(boss.user_id, "info", "hi", None).await.unwrap();
    let after = store.revisions().await.unwrap();
    for d in ["users", "settings", "notifications"] {
        assert!(after.get(d) > before.get(d), "{d}: {before:?} → {after:?}");
    }

    // SQLite's files say whether anyone wrote, without a query: the watcher's cheap look.
    let Store::Sqlite(_) = &store else {
        assert_eq!(store.file_stamp(), None, "PostgreSQL pushes instead");
        return;
    };
    let quiet = store.file_stamp().expect("a SQLite file");
    assert_eq!(store.file_stamp(), Some(quiet), "no write, no change");
    store.revisions().await.unwrap();
    assert_eq!(store.file_stamp(), Some(quiet), "reads change nothing");
    store.notify(boss.user_id, "info", "again", None).await.unwrap();
    assert_ne!(store.file_stamp(), Some(quiet), "a write shows");
});

// Issue #14, item 15: an admin change is audited with the whole entity id, its name and
// the old → new value (set_role admin → support; lock active → locked).
both!(admin_changes_are_audited_with_names_and_old_and_new_values, |store: Store| async move {
    let boss = add(&store, "boss", Role::Admin).await;
    let ann = add(&store, "ann", Role::Admin).await;
    let svc = services(&store);
    admin::set_role(&svc, &boss, ann.user_id, Role::Support).await.unwrap();
    admin::set_status(&svc, &boss, ann.user_id, labdeck::domain::user::UserStatus::Locked).await.unwrap();
    let id = ann.user_id.to_string();
    let audit = store.query_audit(&boss, &AuditQuery { text: id.clone(), ..Default::default() }).await;
    let audit = audit.unwrap();
    let role = audit.iter().find(|a| a.action == "set_role").expect("set_role found by the user's id");
    assert_eq!(role.entity_id.as_deref(), Some(ann.user_id.to_string().as_str()), "the whole id");
    let d = &role.details.as_ref().unwrap().0;
    assert_eq!(
        (d["entity_name"].as_str(), d["from"].as_str(), d["to"].as_str()),
        (Some("ann"), Some("admin"), Some("support"))
    );
    let lock = audit.iter().find(|a| a.action == "lock_user").unwrap();
    let d = &lock.details.as_ref().unwrap().0;
    assert_eq!((d["from"].as_str(), d["to"].as_str()), (Some("active"), Some("locked")));
    assert_eq!(role.actor_name, "boss");
});
