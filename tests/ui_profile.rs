//! My profile in the Me tab (issue 18) without a terminal: shown with its avatar (initials),
//! contact, time zone, subjects and bio, and edited in one form.

mod common;

use common::ui::{chars as typed, key, reply, screen, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::domain::profile::Profile;
use labdeck::engine::{AccountOp, Command, Op, Reply};
use labdeck::tui::app::{App, Overlay};
use labdeck::tui::widgets::form::FieldKind;
use uuid::Uuid;

fn me() -> App {
    let mut a = signed_in(user(Uuid::from_u128(5), "tim", "Tim Tutor", Role::Teacher));
    a.take_commands();
    typed(&mut a, ":me");
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    assert!(
        cmds.iter().any(|c| matches!(c, Command { op: Op::Account(AccountOp::LoadProfile), .. })),
        "the profile loads with the tab: {cmds:?}"
    );
    a
}

#[test]
fn the_me_tab_shows_and_edits_my_profile() {
    let mut a = me();
    let profile = Profile {
        display_name: "Tim Tutor".into(),
        first_name: "Tim".into(),
        last_name: "Turing".into(),
        phone: "+49 30 1234".into(),
        time_zone: "Europe/Berlin".into(),
        subjects: "Calculus, Physics".into(),
        bio: "Ten years of exam preparation.".into(),
    };
    reply(&mut a, Reply::Profile(Box::new(profile)));
    let s = screen(&mut a, 120, 16);
    assert!(s.contains("[TT] Tim Turing") && s.contains("Europe/Berlin") && s.contains("Calculus, Physics"), "{s}");
    insta::assert_snapshot!("me_profile", s);

    key(&mut a, KeyCode::Char('E'));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the profile form") };
    assert!(form.fields.iter().all(|f| f.kind == FieldKind::Text));
    // Subjects: the sixth field.
    for _ in 0..5 {
        key(&mut a, KeyCode::Tab);
    }
    typed(&mut a, ", Statistics");
    for _ in 0..2 {
        key(&mut a, KeyCode::Enter);
    }
    let cmds = a.take_commands();
    let saved: Vec<&Profile> = cmds
        .iter()
        .filter_map(|c| match &c.op {
            Op::Account(AccountOp::SaveProfile { profile }) => Some(profile),
            _ => None,
        })
        .collect();
    assert!(
        matches!(saved.as_slice(), [p] if p.subjects == "Calculus, Physics, Statistics" && p.time_zone == "Europe/Berlin"),
        "{cmds:?}"
    );
}
