//! Identity, RBAC, sign-in and throttling: the same contract on SQLite and PostgreSQL.

mod common;

use common::services;
use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::{self, Action, Actor, Resource};
use labdeck::domain::user::UserStatus;
use labdeck::engine::accounts::{self, AccountForm, BAD_CREDENTIALS};
use labdeck::engine::{AppError, admin};
use labdeck::store::audit::AuditQuery;
use labdeck::store::{Store, StoreError};

fn form(name: &str) -> AccountForm {
    AccountForm { username: name.into(), email: format!("{name}@example.org"), display_name: name.to_uppercase() }
}

fn system() -> Actor {
    Actor::system("test")
}

async fn add(store: &Store, name: &str, role: Role, pw: &str) -> Actor {
    let (u, _) = accounts::create_user(&services(store), &system(), &form(name), role, Some(pw.into())).await.unwrap();
    store.load_actor(u.id).await.unwrap()
}

both!(users_are_unique_and_normalized, |store: Store| async move {
    let a = add(&store, "Ann", Role::Teacher, "long enough pw").await;
    assert_eq!(a.username, "ann");
    let other_email = AccountForm { email: "other@example.org".into(), ..form("ANN") };
    let dup = accounts::create_user(
        &services(&store),
        &system(),
        &other_email,
        Role::Student,
        Some("another long pw".into()),
    )
    .await;
    match dup {
        Err(AppError::Store(StoreError::Conflict(m))) => assert_eq!(m, "username already exists"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let bad = accounts::create_user(
        &services(&store),
        &system(),
        &form("1bad"),
        Role::Student,
        Some("long enough pw".into()),
    )
    .await;
    assert!(matches!(bad, Err(AppError::Invalid(_))));
    let weak =
        accounts::create_user(&services(&store), &system(), &form("bob"), Role::Student, Some("short".into())).await;
    assert!(matches!(weak, Err(AppError::Invalid(_))));
    assert_eq!(store.count_users().await.unwrap(), 1);
});

both!(sign_in_never_tells_who_exists, |store: Store| async move {
    add(&store, "carol", Role::Student, "lorac-secret-phrase").await;
    let svc = services(&store);
    let wrong = accounts::sign_in(&svc, "carol", "nope nope nope".into()).await.unwrap_err().to_string();
    let unknown = accounts::sign_in(&svc, "nobody", "nope nope nope".into()).await.unwrap_err().to_string();
    assert_eq!(wrong, BAD_CREDENTIALS);
    assert_eq!(unknown, BAD_CREDENTIALS);
    let ok = accounts::sign_in(&svc, "Carol", "lorac-secret-phrase".into()).await.unwrap();
    assert_eq!(ok.user.username, "carol");
    assert!(ok.user.last_login_at.is_none(), "the session shows the previous sign-in");
    let audit =
        store.query_audit(&system(), &AuditQuery { text: "sign_in".into(), ..Default::default() }).await.unwrap();
    let outcomes: Vec<&str> = audit.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["success", "failure", "failure"], "newest first");
});

both!(failed_sign_ins_are_throttled_but_not_for_long, |store: Store| async move {
    add(&store, "dave", Role::Student, "evad-secret-phrase").await;
    let svc = services(&store);
    for _ in 0..labdeck::domain::throttle::FREE_ATTEMPTS {
        assert_eq!(
            accounts::sign_in(&svc, "dave", "wrong password".into()).await.unwrap_err().to_string(),
            BAD_CREDENTIALS
        );
    }
    accounts::sign_in(&svc, "dave", "wrong password".into()).await.unwrap_err();
    let blocked = accounts::sign_in(&svc, "dave", "evad-secret-phrase".into()).await.unwrap_err().to_string();
    assert!(blocked.starts_with("Too many failed attempts"), "{blocked}");
    let state = store.throttle_state("user:dave").await.unwrap().unwrap();
    let wait = (state.blocked_until.unwrap() - state.first_failure).num_seconds();
    assert!(wait <= labdeck::domain::throttle::MAX_USER_BLOCK_SECS, "a stranger can block the account only briefly");
});

both!(locked_accounts_cannot_sign_in, |store: Store| async move {
    let admin_actor = add(&store, "root1", Role::Admin, "toor-secret-phrase").await;
    let erin = add(&store, "erin", Role::Student, "nire-secret-phrase").await;
    let svc = services(&store);
    admin::set_status(&svc, &admin_actor, erin.user_id, UserStatus::Locked).await.unwrap();
    let msg = accounts::sign_in(&svc, "erin", "nire-secret-phrase".into()).await.unwrap_err().to_string();
    assert!(msg.contains("locked"), "{msg}");
    admin::set_status(&svc, &admin_actor, erin.user_id, UserStatus::Active).await.unwrap();
    accounts::sign_in(&svc, "erin", "nire-secret-phrase".into()).await.unwrap();
    let own = admin::set_status(&svc, &admin_actor, admin_actor.user_id, UserStatus::Locked).await;
    assert!(matches!(own, Err(AppError::Invalid(_))));
});

both!(only_one_first_admin_even_when_racing, |store: Store| async move {
    let svc = services(&store);
    let (f1, f2) = (form("first"), form("second"));
    let (a, b) = tokio::join!(
        accounts::create_first_admin(&svc, &f1, "tsrif-secret-phrase".into()),
        accounts::create_first_admin(&svc, &f2, "dnoces-secret-phrase".into()),
    );
    assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{a:?} {b:?}");
    assert_eq!(store.count_users().await.unwrap(), 1);
    let later = accounts::create_first_admin(&svc, &form("third"), "driht-secret-phrase".into()).await;
    assert!(later.is_err());
});

both!(rbac_is_checked_in_the_domain_and_where_data_is_read, |store: Store| async move {
    let student = add(&store, "stu", Role::Student, "uts-secret-phrase").await;
    let svc = services(&store);
    assert_eq!(student.grants, rbac::default_grants(Role::Student).into_iter().collect());
    assert!(matches!(store.list_users(&student).await, Err(StoreError::Denied(_))));
    assert!(matches!(store.query_audit(&student, &AuditQuery::default()).await, Err(StoreError::Denied(_))));
    let denied = admin::set_role(&svc, &student, student.user_id, Role::Admin).await;
    assert!(matches!(denied, Err(AppError::Denied(_))));
    let refusals = store
        .query_audit(&system(), &AuditQuery { outcome: Some("denied".into()), ..Default::default() })
        .await
        .unwrap();
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].action, "set_role");
    assert_eq!(refusals[0].actor_name, "stu");
});

both!(role_grants_can_be_changed_and_overrides_apply, |store: Store| async move {
    let boss = add(&store, "boss", Role::Admin, "ssob-secret-phrase").await;
    let viewer = add(&store, "vera", Role::Viewer, "arev-secret-phrase").await;
    let svc = services(&store);
    assert!(!viewer.can(Resource::Audit, Action::Read));
    admin::set_role_grant(&svc, &boss, Role::Viewer, (Resource::Audit, Action::Read), true).await.unwrap();
    assert!(store.load_actor(viewer.user_id).await.unwrap().can(Resource::Audit, Action::Read));
    admin::set_role_grant(&svc, &boss, Role::Viewer, (Resource::Audit, Action::Read), false).await.unwrap();
    assert!(!store.load_actor(viewer.user_id).await.unwrap().can(Resource::Audit, Action::Read));
    assert!(admin::set_role_grant(&svc, &boss, Role::Admin, (Resource::Audit, Action::Read), false).await.is_err());
    store.sync_permissions().await.unwrap();
    let grants = store.role_grants(&boss).await.unwrap();
    assert!(!grants.contains(&(Role::Viewer, (Resource::Audit, Action::Read))), "sync keeps admin edits");
});

both!(roles_and_passwords_change_with_audit, |store: Store| async move {
    let boss = add(&store, "chief", Role::Admin, "feihc-secret-phrase").await;
    let fred = add(&store, "fred", Role::Student, "derf-secret-phrase").await;
    let svc = services(&store);
    admin::set_role(&svc, &boss, fred.user_id, Role::Teacher).await.unwrap();
    assert_eq!(store.user_by_id(fred.user_id).await.unwrap().unwrap().role, Role::Teacher);
    let temp = admin::reset_password(&svc, &boss, fred.user_id).await.unwrap();
    assert_eq!(
        accounts::sign_in(&svc, "fred", "derf-secret-phrase".into()).await.unwrap_err().to_string(),
        BAD_CREDENTIALS
    );
    let s = accounts::sign_in(&svc, "fred", temp.clone()).await.unwrap();
    assert!(s.user.must_change_password);
    assert!(
        accounts::change_password(&svc, &s.actor, "not it at all".into(), "derf-new-secret-phrase".into())
            .await
            .is_err()
    );
    accounts::change_password(&svc, &s.actor, temp, "derf-new-secret-phrase".into()).await.unwrap();
    let s = accounts::sign_in(&svc, "fred", "derf-new-secret-phrase".into()).await.unwrap();
    assert!(!s.user.must_change_password);
    let actions: Vec<String> =
        store.query_audit(&boss, &AuditQuery::default()).await.unwrap().into_iter().map(|a| a.action).collect();
    for a in ["set_role", "reset_password", "change_password", "create_user"] {
        assert!(actions.iter().any(|x| x == a), "{a} missing from {actions:?}");
    }
});

both!(audit_is_filtered_by_text_and_outcome, |store: Store| async move {
    let boss = add(&store, "auditor", Role::Admin, "rotidua-secret-phrase").await;
    let src = Source::Cli { os_user: "t".into() };
    store
        .audit(Entry::by(&boss, &src, "approve_booking", "booking").entity("b-42").message("looks fine"))
        .await
        .unwrap();
    store
        .audit(Entry::by(&boss, &src, "delete_user", "user").outcome(labdeck::domain::audit::Outcome::Failure))
        .await
        .unwrap();
    let q = |text: &str, outcome: Option<&str>| AuditQuery {
        text: text.into(),
        outcome: outcome.map(String::from),
        limit: 50,
    };
    assert_eq!(store.query_audit(&boss, &q("B-42", None)).await.unwrap().len(), 1);
    assert_eq!(store.query_audit(&boss, &q("LOOKS", None)).await.unwrap().len(), 1);
    assert_eq!(store.query_audit(&boss, &q("", Some("failure"))).await.unwrap()[0].action, "delete_user");
    assert!(store.query_audit(&boss, &q("nothing-like-this", None)).await.unwrap().is_empty());
});

both!(a_newer_schema_is_refused, |store: Store| async move {
    let sql = "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (99999, 'from the future', CURRENT_TIMESTAMP, true, $1, 0)";
    labdeck::on_pool!(&store, p => sqlx::query(sql).bind(vec![0u8; 48]).execute(p).await.map(|_| ()).unwrap());
    match store.migrate().await {
        Err(StoreError::SchemaTooNew { found: 99999, .. }) => {}
        other => panic!("expected SchemaTooNew, got {other:?}"),
    }
});
