//! Support rules with no I/O: what a visitor may send, reference numbers, canned-reply
//! variables, and the closed vocabularies of threads and tutoring records (seed 004).

use super::sanitize;

/// A visitor's message, after sanitising, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Name, email, phone and subject of a visitor, in characters.
pub const MAX_FIELD_CHARS: usize = 200;

pub const THREAD_TYPES: [&str; 4] = ["support", "assignment", "invoice", "general"];
pub const THREAD_STATUSES: [&str; 4] = ["open", "pending", "resolved", "closed"];
pub const ASSIGNMENT_STATUSES: [&str; 6] = ["draft", "open", "in_progress", "submitted", "completed", "cancelled"];
pub const SERVICE_TYPES: [&str; 5] = ["writing", "homework", "exam", "tutoring", "other"];
pub const INVOICE_STATUSES: [&str; 5] = ["draft", "issued", "partially_paid", "paid", "void"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("{0} is required")]
    Missing(&'static str),
    #[error("{0} is too long (at most {1} characters)")]
    TooLong(&'static str, usize),
    #[error("'{1}' is not a valid {0}")]
    NotOneOf(&'static str, String),
    #[error("{{{0}}} is not a canned-reply variable (they are {vars})", vars = canned_variable_list())]
    UnknownVariable(String),
    #[error("this chat has no {1} for {{{0}}}")]
    NoValue(&'static str, &'static str),
}

/// A visitor's contact details as typed on the chat page, cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorIntro {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: String,
}

impl VisitorIntro {
    pub fn clean(name: &str, email: &str, phone: &str, subject: &str) -> Result<VisitorIntro, Invalid> {
        let name = field("name", name)?.ok_or(Invalid::Missing("name"))?;
        let optional = |what, v| field(what, v);
        Ok(VisitorIntro {
            name,
            email: optional("email", email)?,
            phone: optional("phone", phone)?,
            subject: field("subject", subject)?.unwrap_or_default(),
        })
    }
}

/// One line of visitor input: sanitised, bounded, empty becomes `None`.
fn field(what: &'static str, raw: &str) -> Result<Option<String>, Invalid> {
    let v = sanitize::line(raw);
    if v.chars().count() > MAX_FIELD_CHARS {
        return Err(Invalid::TooLong(what, MAX_FIELD_CHARS));
    }
    Ok((!v.is_empty()).then_some(v))
}

/// A chat or thread message: multi-line, sanitised, non-empty, bounded.
pub fn message(raw: &str) -> Result<String, Invalid> {
    let v = sanitize::multiline(raw);
    let v = v.trim_matches(|c: char| c == '\n' || c == ' ').to_string();
    if v.is_empty() {
        return Err(Invalid::Missing("message"));
    }
    if v.chars().count() > MAX_MESSAGE_CHARS {
        return Err(Invalid::TooLong("message", MAX_MESSAGE_CHARS));
    }
    Ok(v)
}

/// `PS-` and six digits from the given random number (100000..=999999).
pub fn reference(random: u32) -> String {
    format!("PS-{:06}", 100_000 + random % 900_000)
}

/// A fresh random reference.
pub fn new_reference() -> String {
    let mut b = [0u8; 4];
    getrandom::fill(&mut b).expect("the OS random source is available");
    reference(u32::from_le_bytes(b))
}

pub fn is_reference(s: &str) -> bool {
    s.len() == 9 && s.starts_with("PS-") && s[3..].bytes().all(|b| b.is_ascii_digit())
}

/// The one set of canned-reply variables: (name, what fills it). A reply is checked against
/// it when saved and filled from it when sent or previewed; nothing else is a variable.
pub const CANNED_VARIABLES: [(&str, &str); 6] = [
    ("visitor_name", "the visitor's name"),
    ("email", "the visitor's email"),
    ("phone", "the visitor's phone"),
    ("subject", "the chat's subject"),
    ("reference", "the chat's reference (PS-…)"),
    ("rep_name", "your name"),
];

/// "{visitor_name} {email} …", for messages and the dialog's note.
pub fn canned_variable_list() -> String {
    CANNED_VARIABLES.iter().map(|(n, _)| format!("{{{n}}}")).collect::<Vec<_>>().join(" ")
}

/// The values of one chat for the canned-reply variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CannedVars {
    pub visitor_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub subject: String,
    pub reference: String,
    pub rep_name: String,
}

impl CannedVars {
    /// The value of a known variable (`None` inside when this chat has none), or `None` for
    /// a name that is not a variable.
    fn value(&self, name: &str) -> Option<Result<&str, Invalid>> {
        let (key, what) = CANNED_VARIABLES.iter().find(|(n, _)| *n == name)?;
        let v = match *key {
            "visitor_name" => Some(self.visitor_name.as_str()),
            "email" => self.email.as_deref(),
            "phone" => self.phone.as_deref(),
            "subject" => Some(self.subject.as_str()),
            "reference" => Some(self.reference.as_str()),
            _ => Some(self.rep_name.as_str()),
        };
        Some(v.filter(|v| !v.trim().is_empty()).ok_or(Invalid::NoValue(key, what)))
    }
}

/// The pieces of a canned body: text, or a `{name}` (lowercase letters, digits, `_`). Any
/// other brace is text.
fn canned_pieces(body: &str) -> Vec<(bool, &str)> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        let name_len =
            after.find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')).unwrap_or(after.len());
        if name_len > 0 && after[name_len..].starts_with('}') {
            out.push((false, &rest[..open]));
            out.push((true, &after[..name_len]));
            rest = &after[name_len + 1..];
        } else {
            out.push((false, &rest[..=open]));
            rest = after;
        }
    }
    out.push((false, rest));
    out
}

/// Check a canned body at save time: every `{name}` must be one of `CANNED_VARIABLES`.
pub fn check_canned(body: &str) -> Result<(), Invalid> {
    for (var, name) in canned_pieces(body) {
        if var && !CANNED_VARIABLES.iter().any(|(n, _)| *n == name) {
            return Err(Invalid::UnknownVariable(name.to_string()));
        }
    }
    Ok(())
}

/// Fill every variable of a canned reply for one chat: the exact text that is sent (and
/// previewed). An unknown variable, or one this chat has no value for, is refused, so a
/// visitor never receives a raw `{placeholder}`.
pub fn render_canned(body: &str, vars: &CannedVars) -> Result<String, Invalid> {
    let mut out = String::with_capacity(body.len());
    for (var, piece) in canned_pieces(body) {
        if var {
            match vars.value(piece) {
                Some(v) => out.push_str(v?),
                None => return Err(Invalid::UnknownVariable(piece.to_string())),
            }
        } else {
            out.push_str(piece);
        }
    }
    Ok(out)
}

/// How a rep is named to visitors: their username, capitalised ("sue" → "Sue").
pub fn rep_display_name(username: &str) -> String {
    let mut c = username.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_else(|| "A rep".into())
}

/// Check a value against a closed vocabulary.
pub fn one_of(what: &'static str, value: &str, allowed: &[&str]) -> Result<String, Invalid> {
    let v = value.trim().to_ascii_lowercase();
    if allowed.contains(&v.as_str()) { Ok(v) } else { Err(Invalid::NotOneOf(what, value.to_string())) }
}

/// A username for a visitor turned account: their name's letters, then the reference's
/// digits, so two visitors called Sam get distinct names.
pub fn username_for(name: &str, reference: &str) -> String {
    let base: String = name.to_lowercase().chars().filter(|c| c.is_ascii_lowercase()).take(20).collect();
    let base = if base.is_empty() { "visitor".to_string() } else { base };
    let digits: String = reference.chars().filter(|c| c.is_ascii_digit()).collect();
    format!("{base}{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_ps_and_six_digits() {
        for r in [0, 1, 899_999, 900_000, u32::MAX] {
            assert!(is_reference(&reference(r)), "{}", reference(r));
        }
        assert!(is_reference(&new_reference()));
        assert!(!is_reference("PS-12345"));
    }

    #[test]
    fn visitor_text_is_cleaned_and_bounded() {
        let v = VisitorIntro::clean(" Eve\x1b[2J ", "", "", "help\n\x07me").unwrap();
        assert_eq!(v.name, "Eve[2J");
        assert_eq!(v.subject, "help me");
        assert_eq!(v.email, None);
        assert!(VisitorIntro::clean("\x1b", "", "", "").is_err());
        assert!(VisitorIntro::clean(&"x".repeat(201), "", "", "").is_err());
        assert_eq!(message("a\r\nb\x1b]0;x\x07").unwrap(), "a\nb]0;x");
        assert!(message(" \n ").is_err());
        assert!(message(&"y".repeat(MAX_MESSAGE_CHARS + 1)).is_err());
    }

    #[test]
    fn visitor_usernames_are_valid() {
        assert_eq!(username_for("Jamie Rivera", "PS-123456"), "jamierivera123456");
        assert_eq!(username_for("李 雷", "PS-654321"), "visitor654321");
        assert!(crate::domain::user::normalize_username(&username_for("Ø", "PS-100000")).is_ok());
    }

    fn vars() -> CannedVars {
        CannedVars {
            visitor_name: "Eve".into(),
            email: Some("eve@example.org".into()),
            phone: None,
            subject: "VPN".into(),
            reference: "PS-123456".into(),
            rep_name: "Sue".into(),
        }
    }

    #[test]
    fn canned_variables_are_filled_completely() {
        let s = render_canned("Hi {visitor_name}, I'm {rep_name}. {email} {subject} {reference} {x", &vars()).unwrap();
        assert_eq!(s, "Hi Eve, I'm Sue. eve@example.org VPN PS-123456 {x");
        assert_eq!(render_canned("{visitor}", &vars()), Err(Invalid::UnknownVariable("visitor".into())));
        assert_eq!(render_canned("call {phone}", &vars()), Err(Invalid::NoValue("phone", "the visitor's phone")));
        assert_eq!(render_canned("a { b } {} {A}", &vars()).unwrap(), "a { b } {} {A}");
    }

    #[test]
    fn unknown_variables_are_refused_at_save_time() {
        assert!(check_canned("Hi {visitor_name}").is_ok());
        let e = check_canned("Invoice {invoice_id}").unwrap_err();
        assert_eq!(e, Invalid::UnknownVariable("invoice_id".into()));
        assert!(e.to_string().contains("{visitor_name}"), "{e}");
    }
}
