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
    seed_domains(svc, &admin, &DemoPeople::from_usernames(ids.clone())?).await?;
    seed_profiles_and_upload(svc, &ids).await?;
    Ok(accounts)
}

/// Seed 004's profile fields of the tutoring people: (username, first, last, phone, zone,
/// subjects, bio). Zones stay UTC: the demo's calendars and scripted runs read times in them.
const PROFILES: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    ("tess", "Tess", "Teacher", "+49 30 5550 101", "UTC", "Linux, Operating systems", "Runs the Linux labs."),
    ("tom", "Tom", "Tutor", "+44 20 5550 102", "UTC", "Networking, Shell scripting", "Ten years of exam prep."),
    ("sam", "Sam", "Student", "+1 212 555 0103", "UTC", "Networking", "Second year, evening classes."),
    ("sara", "Sara", "Student", "", "UTC", "Networking", ""),
    ("sid", "Sid", "Student", "", "UTC", "Operating systems", ""),
    ("sue", "Sue", "Support", "+49 30 5550 100", "UTC", "", "Support desk, weekdays 8-18."),
];

/// The people's profiles (each saved as that person), and one file Sam uploaded to his essay
/// assignment, stored by the store like any upload (its type read from its bytes).
async fn seed_profiles_and_upload(svc: &Services, ids: &[(&str, uuid::Uuid)]) -> anyhow::Result<()> {
    let find = |name: &str| ids.iter().find(|(n, _)| *n == name).map(|(_, id)| *id);
    for (username, first, last, phone, zone, subjects, bio) in PROFILES {
        let Some(id) = find(username) else { continue };
        let me = svc.store.load_actor(id).await?;
        let display = PEOPLE.iter().find(|p| p.0 == *username).map(|p| p.1).unwrap_or(username);
        let profile = crate::domain::profile::Profile {
            display_name: display.to_string(),
            first_name: first.to_string(),
            last_name: last.to_string(),
            phone: phone.to_string(),
            time_zone: zone.to_string(),
            subjects: subjects.to_string(),
            bio: bio.to_string(),
        };
        accounts::save_profile(svc, &me, &profile).await?;
    }
    let sam = svc.store.load_actor(find("sam").expect("PEOPLE has sam")).await?;
    let essay = svc.store.list_assignments(&sam).await?.into_iter().find(|a| a.assignment_code == "ASG-1001");
    if let Some(essay) = essay {
        let outline = "Outline\n1. ARPANET and the IMPs\n2. Baran and Davies\n3. From NCP to TCP/IP\n";
        let new = crate::store::support::NewRecord {
            kind: crate::domain::tutoring::RecordKind::File,
            assignment_id: essay.id,
            when: None,
            minutes: None,
            teacher_id: None,
            file: Some(crate::store::support::NewFile {
                name: "outline.txt".into(),
                bytes: outline.as_bytes().to_vec(),
            }),
        };
        svc.store
            .create_record(&sam, &new, Entry::by(&sam, &svc.source, "create_tutoring_record", "tutoring_record"))
            .await?;
    }
    Ok(())
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
