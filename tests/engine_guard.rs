//! The engine's panic guard: a handler that panics answers its request with a failure, and
//! the console shows it and keeps working (the form that waited is not left waiting forever).

mod common;

use common::ui::{chars, key, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::engine::guard::{answer, panic_is_caught};
use labdeck::engine::{AdminOp, Command, Event, Op, Reply};
use labdeck::tui::app::{Msg, Overlay, Phase};
use uuid::Uuid;

#[tokio::test]
async fn a_panicking_command_shows_an_error_and_the_console_keeps_working() {
    let mut a = signed_in(user(Uuid::from_u128(1), "ada", "Ada", Role::Admin));
    key(&mut a, KeyCode::Char(':'));
    chars(&mut a, "new-user");
    key(&mut a, KeyCode::Enter);
    a.take_commands();
    chars(&mut a, "newbie");
    for _ in 0..4 {
        key(&mut a, KeyCode::Enter);
    }
    let sent = a.take_commands();
    let [Command { id, op: Op::Admin(AdminOp::CreateUser { .. }), .. }] = sent.as_slice() else {
        panic!("the form sends one command: {sent:?}")
    };

    // The handler panics; the guard turns that into the request's failure.
    let handler = async {
        assert!(panic_is_caught(), "a panic here is caught: the terminal must stay as it is");
        // A bug in a handler: indexing past the end of an empty list.
        let words: Vec<&str> = "".split_whitespace().collect();
        Ok::<Reply, labdeck::engine::AppError>(Reply::Done(words[0].into()))
    };
    let event = answer(*id, "action", handler).await;
    assert!(!panic_is_caught(), "outside a guarded task a panic is the UI's own");
    let Event::Failed { id: failed, ref message, .. } = event else { panic!("a panic becomes Failed: {event:?}") };
    assert_eq!(failed, *id, "the failure names the request that caused it");
    assert!(!message.contains("out of bounds"), "the panic's text goes to the log, not the screen");
    a.update(Msg::Engine(event));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("the form stays open") };
    assert!(!form.busy, "the form no longer waits");
    assert!(form.error.as_deref().is_some_and(|e| e.contains("Internal error")), "{:?}", form.error);

    // The console keeps working: the form closes, the tabs move and load.
    key(&mut a, KeyCode::Esc);
    assert!(a.overlay.is_none());
    key(&mut a, KeyCode::Tab);
    assert!(!a.take_commands().is_empty(), "the next tab loads");
    assert!(matches!(a.phase, Phase::Shell(_)) && !a.quit);

    // A handler that does not panic answers as before.
    let ok = answer(*id, "action", async { Ok(Reply::Done("fine".into())) }).await;
    assert!(matches!(ok, Event::Reply { reply: Reply::Done(ref m), .. } if m == "fine"));
}
