//! `labdeck demo`: realistic data for every screen, on an empty database. Passwords are
//! generated per run and returned so they can be shown once.

use crate::domain::audit::Entry;
use crate::domain::rbac::Actor;
use crate::domain::{Role, invitation, time};
use crate::engine::Services;
use crate::engine::accounts::{self, AccountForm};
use crate::store::invitations::NewInvitation;
use crate::store::seed::DemoPeople;
use crate::tui::screens::gate::DemoAccount;
use anyhow::bail;
use chrono::Duration;

pub const PEOPLE: &[(&str, &str, Role)] = &[
    ("ada", "Ada Lovelace", Role::Admin),
    ("otto", "Otto Operator", Role::Operator),
    ("tess", "Tess Teacher", Role::Teacher),
    ("tom", "Tom Tutor", Role::Teacher),
    ("sam", "Sam Student", Role::Student),
    ("sara", "Sara Student", Role::Student),
    ("sid", "Sid Student", Role::Student),
    ("sue", "Sue Support", Role::Support),
    ("april", "April Approver", Role::Approver),
    ("vic", "Vic Viewer", Role::Viewer),
];

pub async fn seed(svc: &Services) -> anyhow::Result<Vec<DemoAccount>> {
    if svc.store.count_users().await? > 0 {
        bail!("the database already has users; the demo seeds only an empty database");
    }
    let system = Actor::system("demo");
    let mut accounts = Vec::new();
    let mut admin = None;
    let mut ids = Vec::new();
    for (username, name, role) in PEOPLE {
        let password = crate::domain::password::generate();
        let form = AccountForm {
            username: username.to_string(),
            email: format!("{username}@northfield.example"),
            display_name: name.to_string(),
        };
        let (user, _) = accounts::create_user(svc, &system, &form, *role, Some(password.clone())).await?;
        ids.push((*username, user.id));
        if *role == Role::Admin && admin.is_none() {
            admin = Some(svc.store.load_actor(user.id).await?);
        }
        svc.store
            .notify(
                user.id,
                "welcome",
                &format!("Welcome to labdeck, {name}"),
                Some("Press ? on any screen for its keys."),
            )
            .await?;
        accounts.push(DemoAccount { username: username.to_string(), password, role: role.to_string() });
    }
    let admin = admin.expect("PEOPLE has an admin");
    seed_admin_records(svc, &admin).await?;
    seed_domains(svc, &admin, &DemoPeople::from_usernames(ids)?).await?;
    Ok(accounts)
}

/// Every other domain, each in one transaction with one audit entry (src/store/seed/).
async fn seed_domains(svc: &Services, admin: &Actor, people: &DemoPeople) -> anyhow::Result<()> {
    let entry = |domain: &str| Entry::by(admin, &svc.source, "seed_demo", domain);
    let store = &svc.store;
    let seeded = [
        store.seed_infrastructure(people, entry("infrastructure")).await?,
        store.seed_classes(people, entry("classes")).await?,
        store.seed_bookings(people, entry("bookings")).await?,
        store.seed_support(people, entry("support")).await?,
    ];
    for counts in seeded {
        tracing::info!(rows = counts.total(), "demo data seeded: {counts}");
    }
    Ok(())
}

async fn seed_admin_records(svc: &Services, admin: &Actor) -> anyhow::Result<()> {
    let entry = |action: &str, entity: &str| Entry::by(admin, &svc.source, action, entity);
    svc.store
        .put_setting(
            "org.name",
            &serde_json::json!("Northfield Lab"),
            Some(admin.user_id),
            entry("put_setting", "setting"),
        )
        .await?;
    svc.store
        .put_setting("bookings.max_hours", &serde_json::json!(48), Some(admin.user_id), entry("put_setting", "setting"))
        .await?;
    let now = time::now();
    for (to, role, days) in [
        ("new.teacher@northfield.example", Role::Teacher, 7),
        ("lab-helper", Role::Operator, 3),
        ("late.student@northfield.example", Role::Student, -2),
    ] {
        let (email, handle) =
            if to.contains('@') { (Some(to.to_string()), None) } else { (None, Some(to.to_string())) };
        let new = NewInvitation {
            email,
            handle,
            role,
            token_hash: invitation::token_hash(&invitation::new_token()),
            expires_at: now + Duration::days(days),
            invited_by: admin.user_id,
        };
        svc.store.create_invitation(&new, entry("invite", "invitation")).await?;
    }
    svc.store
        .notify(admin.user_id, "invitation", "An invitation expired unused", Some("late.student@northfield.example"))
        .await?;
    Ok(())
}
