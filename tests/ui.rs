//! The console's update/view without a terminal: messages in, commands and frames out.

use chrono::{TimeZone, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::domain::user::{User, UserStatus};
use labdeck::engine::accounts::Session;
use labdeck::engine::{AccountOp, AdminOp, Command, Event, Op, Reply, RequestId};
use labdeck::tui::app::{App, Msg, Overlay, Phase};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::screens::gate::DemoAccount;
use labdeck::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

fn user(name: &str, role: Role) -> User {
    User {
        id: Uuid::from_u128(name.len() as u128 * 7919 + name.bytes().map(|b| b as u128).sum::<u128>()),
        username: name.into(),
        email: Some(format!("{name}@example.org")),
        display_name: name.to_uppercase(),
        role,
        status: UserStatus::Active,
        tenant_id: None,
        time_zone: "UTC".into(),
        must_change_password: false,
        last_login_at: None,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn session(role: Role) -> Session {
    let u = user("ada", role);
    Session { actor: Actor::with_role_defaults(u.id, &u.username, role), user: u }
}

fn app() -> App {
    let demo =
        vec![DemoAccount { username: "ada".into(), password: "abcd-efgh-jkmn-pqrs".into(), role: "admin".into() }];
    let mut app = App::new(Keymap::default(), Theme::mono(), "sqlite", demo, labdeck::config::Clock::Off);
    assert!(matches!(app.take_commands().as_slice(), [Command { op: Op::Account(AccountOp::CheckSetup), .. }]));
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn reply(app: &mut App, r: Reply) {
    app.update(Msg::Engine(Event::Reply { id: RequestId::NONE, reply: r }));
}

fn render(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.view(f)).unwrap();
    t
}

/// The Admin tab by the palette, wherever it sits among the tabs.
fn open_admin(a: &mut App) {
    key(a, KeyCode::Char(':'));
    typed(a, "admin");
    key(a, KeyCode::Enter);
}

fn signed_in_admin() -> App {
    let mut a = app();
    reply(&mut a, Reply::Setup { needs_first_admin: false, org: None });
    reply(&mut a, Reply::SignedIn(Box::new(session(Role::Admin))));
    open_admin(&mut a);
    a.take_commands();
    reply(
        &mut a,
        Reply::Users(vec![user("ada", Role::Admin), user("sam", Role::Student), user("tess", Role::Teacher)]),
    );
    a
}

#[test]
fn sign_in_screen_sends_the_typed_credentials() {
    let mut a = app();
    reply(&mut a, Reply::Setup { needs_first_admin: false, org: None });
    insta::assert_snapshot!("sign_in", render(&mut a, 80, 24).backend());
    typed(&mut a, "ada");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "secret words");
    key(&mut a, KeyCode::Enter);
    let sent = a.take_commands();
    let id = sent[0].id;
    match sent.as_slice() {
        [Command { op: Op::Account(AccountOp::SignIn { username, password }), .. }] => {
            assert_eq!(username, "ada");
            assert_eq!(password.0, "secret words");
            assert_eq!(format!("{password:?}"), "Secret(***)", "passwords never reach Debug output");
        }
        other => panic!("{other:?}"),
    }
    a.update(Msg::Engine(Event::Failed { id, origin: "sign_in", message: "Invalid username or password.".into() }));
    let screen = format!("{}", render(&mut a, 80, 24).backend());
    assert!(screen.contains("Invalid username or password."));
    assert!(!screen.contains("••••"), "the password field is cleared after a failure");
}

#[test]
fn an_empty_database_asks_for_the_first_admin() {
    let mut a = app();
    reply(&mut a, Reply::Setup { needs_first_admin: true, org: None });
    typed(&mut a, "root");
    for _ in 0..3 {
        key(&mut a, KeyCode::Tab);
    }
    typed(&mut a, "long password");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "long passw0rd");
    key(&mut a, KeyCode::Enter);
    assert!(a.take_commands().is_empty(), "differing passwords are caught before the engine");
    assert!(format!("{}", render(&mut a, 80, 30).backend()).contains("The two passwords differ."));
}

#[test]
fn admin_shell_shows_users_and_tabs_by_role() {
    let mut a = signed_in_admin();
    insta::assert_snapshot!("admin_users", render(&mut a, 100, 20).backend());
    let Phase::Shell(shell) = &a.phase else { panic!("not in the shell") };
    assert_eq!(
        shell.tabs.iter().map(|t| t.title()).collect::<Vec<_>>(),
        ["Inventory", "Classes", "Bookings", "Support", "Admin", "Infrastructure", "Me"]
    );

    let mut s = app();
    reply(&mut s, Reply::Setup { needs_first_admin: false, org: None });
    reply(&mut s, Reply::SignedIn(Box::new(session(Role::Student))));
    let Phase::Shell(shell) = &s.phase else { panic!("not in the shell") };
    assert_eq!(
        shell.tabs.iter().map(|t| t.title()).collect::<Vec<_>>(),
        ["Classes", "Bookings", "Support", "Me"],
        "students have no Admin tab"
    );
}

#[test]
fn each_role_lands_on_its_own_tab() {
    for (role, tab, context) in [
        (Role::Admin, "Inventory", "inventory"),
        (Role::Operator, "Inventory", "inventory"),
        (Role::Support, "Support", "support"),
        (Role::Student, "Classes", "classes"),
        (Role::Teacher, "Classes", "classes"),
        (Role::Approver, "Bookings", "bookings › approvals"),
    ] {
        let mut a = app();
        reply(&mut a, Reply::Setup { needs_first_admin: false, org: None });
        reply(&mut a, Reply::SignedIn(Box::new(session(role))));
        let Phase::Shell(shell) = &a.phase else { panic!("not in the shell") };
        let front = shell.front().unwrap();
        assert_eq!(front.title(), tab, "{role:?} lands on {tab}");
        assert!(front.context().starts_with(context), "{role:?}: {}", front.context());
        if role == Role::Approver {
            assert!(
                a.take_commands().iter().any(|c| matches!(c.op, Op::Bookings(labdeck::engine::bookings::Op::Pending))),
                "the approval queue is asked for first"
            );
        }
    }
}

#[test]
fn the_status_bar_clock_follows_ui_clock() {
    use labdeck::config::Clock;
    // "12:34" or "12:34:56" at the right end of the status bar (the last line).
    let shown = |clock: Clock| {
        let mut a = App::new(Keymap::default(), Theme::mono(), "sqlite", vec![], clock);
        reply(&mut a, Reply::Setup { needs_first_admin: false, org: None });
        reply(&mut a, Reply::SignedIn(Box::new(session(Role::Admin))));
        let screen = format!("{}", render(&mut a, 100, 30).backend());
        let last = screen.lines().rfind(|l| !l.trim_matches(['"', ' ']).is_empty()).unwrap().to_string();
        let word = last.trim_matches(['"', ' ']).rsplit(' ').next().unwrap().to_string();
        let digits_and_colons = word.chars().all(|c| c.is_ascii_digit() || c == ':');
        (digits_and_colons && word.contains(':')).then_some(word.len())
    };
    assert_eq!(shown(Clock::Minutes), Some(5));
    assert_eq!(shown(Clock::Seconds), Some(8));
    assert_eq!(shown(Clock::Off), None);
}

#[test]
fn help_lists_the_live_keymap_for_the_context() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('?'));
    insta::assert_snapshot!("help_admin_users", render(&mut a, 100, 34).backend());
    let mut custom = App::new(
        Keymap::from_config(&[("new".to_string(), "ctrl+n".to_string())].into()).unwrap(),
        Theme::mono(),
        "sqlite",
        vec![],
        labdeck::config::Clock::Off,
    );
    reply(&mut custom, Reply::Setup { needs_first_admin: false, org: None });
    reply(&mut custom, Reply::SignedIn(Box::new(session(Role::Admin))));
    open_admin(&mut custom);
    key(&mut custom, KeyCode::Char('?'));
    assert!(format!("{}", render(&mut custom, 100, 34).backend()).contains("ctrl+n  New user"));
}

/// Issue 12: help grows with the terminal, and on a short one scrolls (saying where it is)
/// instead of losing its last rows.
#[test]
fn help_fits_short_terminals_and_scrolls() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('?'));
    let short = format!("{}", render(&mut a, 60, 14).backend());
    assert!(short.contains("↑↓ scroll (1–"), "{short}");
    assert!(!short.contains("Quit from anywhere"), "the last row is below: {short}");
    for _ in 0..40 {
        key(&mut a, KeyCode::Down);
    }
    let end = format!("{}", render(&mut a, 60, 14).backend());
    assert!(end.contains("Quit from anywhere"), "scrolled to the end: {end}");
    let wide = format!("{}", render(&mut a, 160, 50).backend());
    assert!(wide.contains("esc or ? closes") && !wide.contains("scroll"), "{wide}");
    key(&mut a, KeyCode::Esc);
    assert!(a.overlay.is_none());
}

#[test]
fn destructive_actions_confirm_naming_the_target() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Down);
    a.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(KeyCode::Char('L'), KeyModifiers::SHIFT))));
    let screen = format!("{}", render(&mut a, 100, 20).backend());
    assert!(screen.contains("Lock the account of sam (SAM)?"), "{screen}");
    assert!(a.take_commands().is_empty());
    key(&mut a, KeyCode::Char('y'));
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Admin(AdminOp::SetStatus { status: UserStatus::Locked, .. }), .. }]
    ));
}

#[test]
fn selection_survives_a_reload() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    reply(
        &mut a,
        Reply::Users(vec![
            user("aaron", Role::Viewer),
            user("ada", Role::Admin),
            user("sam", Role::Student),
            user("tess", Role::Teacher),
        ]),
    );
    let Phase::Shell(shell) = &a.phase else { panic!() };
    assert_eq!(admin(shell).users.selected().unwrap().username, "tess");
}

#[test]
fn filter_narrows_and_escape_clears() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('/'));
    typed(&mut a, "tea");
    let Phase::Shell(shell) = &a.phase else { panic!() };
    assert_eq!(admin(shell).users.len(), 1);
    key(&mut a, KeyCode::Esc);
    let Phase::Shell(shell) = &a.phase else { panic!() };
    assert_eq!(admin(shell).users.len(), 3);
}

#[test]
fn palette_completes_and_runs_commands() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char(':'));
    typed(&mut a, "aud");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.take_commands().as_slice(), [Command { op: Op::Admin(AdminOp::LoadAudit { .. }), .. }]));
    key(&mut a, KeyCode::Char(':'));
    typed(&mut a, "set org.name Lab One");
    key(&mut a, KeyCode::Enter);
    match a.take_commands().as_slice() {
        [Command { op: Op::Admin(AdminOp::PutSetting { key, raw, .. }), .. }] => {
            assert_eq!((key.as_str(), raw.as_str()), ("org.name", "Lab One"))
        }
        other => panic!("{other:?}"),
    }
    key(&mut a, KeyCode::Char(':'));
    typed(&mut a, "frobnicate");
    key(&mut a, KeyCode::Enter);
    assert!(format!("{}", render(&mut a, 100, 20).backend()).contains("Unknown command 'frobnicate'"));
}

#[test]
fn secrets_are_shown_once_and_forms_report_failures() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('n'));
    typed(&mut a, "newbie");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let sent = a.take_commands();
    assert!(matches!(
        sent.as_slice(),
        [Command { op: Op::Admin(AdminOp::CreateUser { role: Role::Student, .. }), .. }]
    ));
    let id = sent[0].id;
    a.update(Msg::Engine(Event::Failed { id, origin: "action", message: "username already exists".into() }));
    assert!(format!("{}", render(&mut a, 100, 24).backend()).contains("username already exists"));
    reply(&mut a, Reply::Secret { message: "Temporary password:".into(), secret: "wxyz-2345".into() });
    assert!(format!("{}", render(&mut a, 100, 24).backend()).contains("wxyz-2345"));
    key(&mut a, KeyCode::Char('q'));
    assert!(!a.quit, "the key that closes the secret does nothing else");
    assert!(!format!("{}", render(&mut a, 100, 24).backend()).contains("wxyz-2345"));
}

#[test]
fn tiny_and_huge_terminals_never_panic() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('?'));
    for (w, h) in [(1, 1), (2, 1), (1, 3), (29, 7), (30, 8), (80, 24), (400, 150)] {
        render(&mut a, w, h);
    }
    let tiny = format!("{}", render(&mut a, 20, 3).backend());
    assert!(tiny.contains("labdeck needs"), "{tiny}");
}

#[test]
fn the_engine_going_away_is_shown() {
    let mut a = signed_in_admin();
    a.update(Msg::Engine(Event::StoreDown("database is locked".into())));
    assert!(format!("{}", render(&mut a, 100, 20).backend()).contains("database unreachable"));
    a.update(Msg::Engine(Event::StoreUp));
    assert!(a.store_down.is_none());
}

/// A failure goes to the request that caused it: a background reload failing while a form
/// waits leaves the form alone (a toast says it), and the form's own failure lands in it.
#[test]
fn a_background_reload_failure_does_not_land_in_an_open_form() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('n'));
    typed(&mut a, "newbie");
    for _ in 0..4 {
        key(&mut a, KeyCode::Enter);
    }
    let create = a.take_commands();
    assert!(matches!(create.as_slice(), [Command { op: Op::Admin(AdminOp::CreateUser { .. }), .. }]));
    a.update(Msg::Engine(Event::Changed(vec!["users".into()])));
    let reload = a.take_commands();
    let [Command { id: reload_id, op: Op::Admin(AdminOp::LoadUsers), .. }] = reload.as_slice() else {
        panic!("a change reloads the users: {reload:?}")
    };
    a.update(Msg::Engine(Event::Failed {
        id: *reload_id,
        origin: "admin.users",
        message: "database is locked".into(),
    }));
    let form = |a: &App| match &a.overlay {
        Some(Overlay::Form(form)) => form.clone(),
        _ => panic!("the form stays open"),
    };
    assert!(form(&a).busy && form(&a).error.is_none(), "the form still waits for its own answer");
    assert!(a.toasts.items.iter().any(|t| t.text == "database is locked"), "the reload's failure is a toast");
    a.update(Msg::Engine(Event::Failed {
        id: create[0].id,
        origin: "action",
        message: "username already exists".into(),
    }));
    assert_eq!(form(&a).error.as_deref(), Some("username already exists"));
    // A confirmation of something else (another console's change, say) does not close it.
    reply(&mut a, Reply::Done("unrelated".into()));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))), "an answer to another request leaves the form open");
}

fn admin(shell: &labdeck::tui::app::Shell) -> &labdeck::tui::screens::admin::AdminScreen {
    shell.screen().expect("an Admin tab")
}

/// Issue #15, item 6: the cluster form waits behind its certificate prompt; a save that
/// fails (or a certificate not trusted) brings it back as typed, secret included.
#[test]
fn the_cluster_form_comes_back_as_typed_when_its_save_fails() {
    use labdeck::engine::InventoryOp;
    let mut a = signed_in_admin();
    // Users → invitations → roles → clusters.
    for _ in 0..3 {
        key(&mut a, KeyCode::Char(']'));
    }
    assert!(render(&mut a, 120, 30).backend().to_string().contains("clusters"));
    a.take_commands();
    key(&mut a, KeyCode::Char('n'));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))), "the cluster form opens");
    // Tab moves; Enter submits from any field (issue 14 #8).
    for text in ["east", "pve.lab", "", "root@pam!labdeck", "s3cret-0f", ""] {
        typed(&mut a, text);
        key(&mut a, KeyCode::Tab);
    }
    key(&mut a, KeyCode::Enter);
    let sent = a.take_commands();
    let [Command { id, op: Op::Inventory(InventoryOp::ProbeCluster { input, .. }), .. }] = sent.as_slice() else {
        panic!("the form probes the host: {sent:?}")
    };
    let input = labdeck::engine::read::inventory::ClusterInput { fingerprint: "AB:CD".into(), ..input.clone() };
    let prompt = |a: &mut App, id| {
        a.update(Msg::Engine(Event::Reply {
            id,
            reply: Reply::TrustPrompt { id: None, input: input.clone(), previous: None },
        }))
    };
    prompt(&mut a, *id);
    assert!(matches!(a.overlay, Some(Overlay::Confirm { .. })));
    key(&mut a, KeyCode::Char('y'));
    let sent = a.take_commands();
    let [Command { id: save, op: Op::Inventory(InventoryOp::SaveCluster { .. }), .. }] = sent.as_slice() else {
        panic!("trusting saves: {sent:?}")
    };
    a.update(Msg::Engine(Event::Failed {
        id: *save,
        origin: "action",
        message: "the disk holding the database is full".into(),
    }));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the form is back") };
    assert_eq!(
        (
            form.value(labdeck::tui::widgets::form::Key("Name")),
            form.value(labdeck::tui::widgets::form::Key("Token secret"))
        ),
        ("east".into(), "s3cret-0f".into())
    );
    assert_eq!(form.error.as_deref(), Some("the disk holding the database is full"));
    assert!(!form.busy);

    // Declining the certificate brings it back too; a confirmed save closes it.
    key(&mut a, KeyCode::Enter);
    let probe = a.take_commands()[0].id;
    prompt(&mut a, probe);
    key(&mut a, KeyCode::Char('n'));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the form is back") };
    assert!(form.error.as_deref().is_some_and(|e| e.contains("Not trusted")));
    key(&mut a, KeyCode::Enter);
    let probe = a.take_commands()[0].id;
    prompt(&mut a, probe);
    key(&mut a, KeyCode::Char('y'));
    let save = a.take_commands()[0].id;
    a.update(Msg::Engine(Event::Reply { id: save, reply: Reply::Done("Saved east.".into()) }));
    assert!(a.overlay.is_none());
}

#[test]
fn the_role_dialog_shows_its_role_field_below_the_descriptions() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char('r'));
    let Phase::Shell(_) = &a.phase else { panic!("not in the shell") };
    assert!(matches!(a.overlay, Some(Overlay::Form(_))), "r opens the role dialog");
    let s = format!("{}", render(&mut a, 100, 30).backend());
    assert!(s.contains("viewer:") && s.contains("inventory and the booking calendar"), "every role is described:\n{s}");
    assert!(s.contains("Role ‹ admin ›"), "the Role field is visible:\n{s}");
    assert!(s.contains("enter save · tab next · esc cancel"), "and so is the hint:\n{s}");
}

#[test]
fn enter_on_an_audit_entry_opens_it_in_full() {
    let mut a = signed_in_admin();
    key(&mut a, KeyCode::Char(':'));
    typed(&mut a, "audit");
    key(&mut a, KeyCode::Enter);
    a.take_commands();
    let id = Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0042);
    let record = labdeck::engine::read::admin::AuditRecord {
        id: Uuid::from_u128(77),
        at: Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap(),
        actor_name: "ada".into(),
        actor_role: Some("admin".into()),
        action: "set_role".into(),
        entity_type: "user".into(),
        entity_id: Some(id.to_string()),
        outcome: "success".into(),
        message: None,
        details: Some(sqlx::types::Json(serde_json::json!({"entity_name": "sam", "from": "admin", "to": "support"}))),
        source: "local:ada".into(),
    };
    reply(&mut a, Reply::Audit(vec![record]));
    key(&mut a, KeyCode::Enter);
    let Some(Overlay::Report { lines, .. }) = &a.overlay else { panic!("Enter opens the entry") };
    let text = lines.join("\n");
    assert!(text.contains(&id.to_string()), "the whole id: {text}");
    assert!(text.contains("sam"), "the entity's name: {text}");
    assert!(text.contains("admin → support"), "old → new: {text}");
}
