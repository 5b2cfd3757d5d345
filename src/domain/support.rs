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

/// Fill `{visitor}`, `{rep}`, `{reference}`, `{subject}` in a canned reply; unknown
/// variables stay as typed so a typo is visible before sending.
pub fn render_canned(body: &str, vars: &[(&str, &str)]) -> String {
    let mut out = body.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
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

    #[test]
    fn canned_variables() {
        let s = render_canned("Hi {visitor}, I'm {rep}. Ref {reference} {nope}", &[("visitor", "Eve"), ("rep", "Sue")]);
        assert_eq!(s, "Hi Eve, I'm Sue. Ref {reference} {nope}");
    }
}
