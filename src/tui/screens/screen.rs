//! The contract every tab keeps. The shell (`src/tui/app.rs`) holds the tabs as
//! `Box<dyn Screen>` and routes keys, replies and changes to them without knowing a domain.
//! Adding a tab is one file implementing [`Screen`] and one line in [`super::TABS`].
//!
//! A screen never does I/O: it answers with [`Effect`]s (a command for the engine, an overlay,
//! a toast). The shell numbers every command it sends for a screen and brings the answer back
//! to that screen, so a screen only ever sees replies to what it asked (or data nobody asked
//! for, as tests feed it). Everything is `&mut self`: the UI task alone owns UI state.

use crate::engine::accounts::Session;
use crate::engine::{Command, Reply, RequestId};
use crate::tui::app::Effect;
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::any::Any;

/// A screen's segment of the status bar ("⚑ 2 to approve"); `urgent` draws it as a warning.
pub struct Status {
    pub text: String,
    pub urgent: bool,
}

/// What a screen did with a reply.
pub enum Taken {
    /// It was this screen's; what follows from it.
    Done(Vec<Effect>),
    /// Not this screen's: given back whole.
    NotMine(Reply),
}

pub trait Screen: Any + Send {
    /// The tab's name ("Inventory").
    fn title(&self) -> &'static str;

    /// Where the user is inside the tab, for help and messages ("inventory › tasks").
    fn context(&self) -> String {
        self.title().to_lowercase()
    }

    /// The keys this screen answers now, with what each does: the help overlay lists them,
    /// and the keymap picks among actions sharing a key by them. `[`/`]` (`NextView`,
    /// `PrevView`) switch the screen's views.
    fn help(&self, me: &Session) -> Vec<(Action, &'static str)>;

    /// Whether `me`'s role lands on this tab on signing in (support on Support, students on
    /// Classes): the first tab that says so is shown first, else the first tab.
    fn home(&self, _me: &Session) -> bool {
        false
    }

    /// Ask for what the screen shows: on entering the tab, on `Refresh`.
    fn load(&mut self, me: &Session) -> Vec<Effect>;

    /// An action for this screen: a key the keymap resolved among `help`'s actions, or the
    /// palette's. `Back` comes here only when the filter is already clear.
    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect>;

    /// A key before the keymap and the shell see it. A screen typing text (a compose box)
    /// takes it whole with `Some`; every other screen returns `None`.
    fn on_key(&mut self, _key: &KeyEvent, _me: &Session) -> Option<Vec<Effect>> {
        None
    }

    /// The engine's answer to a request this screen sent (or data no request asked for),
    /// by value (a 100k-guest batch is moved, not copied). A reply that is not this screen's
    /// goes back (`NotMine`) for the shell to offer to the other tabs.
    fn on_reply(&mut self, reply: Reply, _me: &Session) -> Taken {
        Taken::NotMine(reply)
    }

    /// Request `id` this screen sent failed, with `message`; `load` is its kind when it was
    /// a load (`Op::load_kind`). True when the screen showed the failure itself (a form it
    /// keeps, like the compose box); otherwise the shell shows it.
    fn on_failed(&mut self, _id: RequestId, _load: Option<&'static str>, _message: &str) -> bool {
        false
    }

    /// Database domains changed. `front`: the tab is shown, reload what shows them; behind,
    /// refresh only what the tab title and the status bar show.
    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect>;

    /// Once, on signing in: what keeps `badge` and `status` true while the tab is behind.
    fn watch(&mut self, _me: &Session) -> Vec<Effect> {
        vec![]
    }

    /// Another tab comes to the front.
    fn leave(&mut self, _me: &Session) -> Vec<Effect> {
        vec![]
    }

    /// The filter typed on the `/` line; `enter` when the user pressed Enter (a screen may
    /// then search the database rather than the rows it holds).
    fn on_filter(&mut self, text: &str, enter: bool, me: &Session) -> Vec<Effect>;

    /// The filter now applied, to edit when `/` is pressed again.
    fn filter(&mut self) -> String;

    /// A palette command (`:users`, `:snapshot NAME`) this screen answers, or `None`.
    /// `front`: the tab is shown. The effects may bring the tab to the front
    /// ([`Effect::Front`]) and should then include its load when it was behind.
    /// A click at terminal cell (`x`, `y`) inside the screen: select what is drawn there.
    fn on_click(&mut self, _x: u16, _y: u16, _me: &Session) -> Vec<Effect> {
        vec![]
    }

    fn on_command(&mut self, _verb: Verb, _args: &[String], _front: bool, _me: &Session) -> Option<Vec<Effect>> {
        None
    }

    /// A form this screen opened ([`Effect::Form`]) was submitted: the command it becomes,
    /// or what to fix. The screen knows which of its forms it opened.
    fn on_form(&mut self, _form: &Form, _me: &Session) -> Result<Command, String> {
        Err("This form has nothing to send.".into())
    }

    /// A form this screen keeps itself (a compose box) was sent as request `id`
    /// ([`Effect::Submit`]).
    fn submitted(&mut self, _id: RequestId) {}

    /// Request `id` this screen sent was answered (before the reply itself is offered).
    fn answered(&mut self, _id: RequestId) {}

    /// A form this screen opened was edited (to refresh its note, say).
    fn form_edited(&mut self, _form: &mut Form) {}

    /// A count beside the tab's title when something waits for the user (0: nothing).
    fn badge(&self) -> i64 {
        0
    }

    /// The screen's segment of the status bar, shown whichever tab is in front.
    fn status(&self, _me: &Session) -> Option<Status> {
        None
    }

    /// Draw the tab's body.
    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, me: &Session);
}

/// A screen as its own type, for tests and for the rare look across tabs.
pub fn downcast<S: Screen>(s: &dyn Screen) -> Option<&S> {
    (s as &dyn Any).downcast_ref()
}

pub fn downcast_mut<S: Screen>(s: &mut dyn Screen) -> Option<&mut S> {
    (s as &mut dyn Any).downcast_mut()
}
