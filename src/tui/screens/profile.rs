//! My profile in the Me tab (issue 18): seed 004's profile fields — names, contact, time
//! zone, subjects, bio — shown with an avatar (initials) and edited in one form.

use crate::domain::profile::Profile;
use crate::engine::accounts::Session;
use crate::engine::{AccountOp, Command};
use crate::tui::app::Effect;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form, Key};
use ratatui::text::{Line, Span};

const DISPLAY: Key = Key("Display name");
const FIRST: Key = Key("First name");
const LAST: Key = Key("Last name");
const PHONE: Key = Key("Phone");
const ZONE: Key = Key("Time zone");
const SUBJECTS: Key = Key("Subjects");
const BIO: Key = Key("Bio");

/// The profile form, filled with what is saved.
pub fn form(p: &Profile) -> Effect {
    let fields = [
        (DISPLAY, &p.display_name),
        (FIRST, &p.first_name),
        (LAST, &p.last_name),
        (PHONE, &p.phone),
        (ZONE, &p.time_zone),
        (SUBJECTS, &p.subjects),
        (BIO, &p.bio),
    ]
    .into_iter()
    .map(|(k, v)| Field::text(k).with_value(v))
    .collect();
    Effect::Form(
        Form::new("my profile", fields)
            .submit_label("save")
            .note("Others see your initials, name, role, time zone and subjects; your phone only you and support."),
    )
}

/// The submitted form as the command that saves it (the engine cleans and checks it).
pub fn command(form: &Form, me: &Session) -> Command {
    let profile = Profile {
        display_name: form.value(DISPLAY),
        first_name: form.value(FIRST),
        last_name: form.value(LAST),
        phone: form.value(PHONE),
        time_zone: form.value(ZONE),
        subjects: form.value(SUBJECTS),
        bio: form.value(BIO),
    };
    Command::new(&me.actor, AccountOp::SaveProfile { profile })
}

/// The profile's lines under the account's: avatar and names, contact, zone, subjects, bio.
pub fn lines(p: &Profile, email: Option<&str>, theme: &Theme) -> Vec<Line<'static>> {
    let field = |k: &str, v: String| {
        Line::from(vec![Span::styled(format!("{k:>12}  "), theme.dim()), Span::styled(v, theme.text())])
    };
    let names = [p.first_name.as_str(), p.last_name.as_str()].join(" ").trim().to_string();
    let or_dash = |s: &str| if s.is_empty() { "—".to_string() } else { s.to_string() };
    let contact = [email.unwrap_or(""), p.phone.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
    vec![
        Line::from(vec![
            Span::styled(format!("{:>12}  ", "profile"), theme.dim()),
            Span::styled(format!("[{}]", p.initials()), theme.accent()),
            Span::styled(format!(" {}", or_dash(&names)), theme.text()),
            Span::styled("  (E edits)", theme.dim()),
        ]),
        field("contact", or_dash(&contact.join(" · "))),
        field("time zone", or_dash(&p.time_zone)),
        field("subjects", or_dash(&p.subjects)),
        field("bio", or_dash(&p.bio)),
    ]
}
