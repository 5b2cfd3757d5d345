//! Class join tokens: a short code a teacher reads out or pastes into a chat, "labdeck join
//! CODE". Only a keyed tag of it is stored (HMAC with the secret key, see store/secrets.rs):
//! at about 50 bits, a plain hash of it is reversed in seconds.

use chrono::{DateTime, Duration, Utc};

/// No 0/O, 1/I/L: codes are read aloud and typed from a projector.
const ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const LEN: usize = 10;
pub const MAX_VALID_DAYS: i64 = 365;

/// A fresh code, "ABCDE-FGHJK" (about 50 bits; joining is also throttled by expiry and
/// the teacher can disable a leaked code at once).
pub fn new_code() -> String {
    let mut bytes = [0u8; LEN];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    let chars: String = bytes.iter().map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// How codes were stored before keyed tags (unsalted SHA-256 of the normalised code): such a
/// code still works once, and is then stored as a keyed tag.
pub fn legacy_hash(code: &str) -> String {
    crate::domain::digest::sha256_hex(&normalize(code))
}

/// Case, spaces and dashes do not matter when typing the code.
pub fn normalize(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Whether text looks like a code at all (checked before touching the database).
pub fn plausible(code: &str) -> bool {
    let n = normalize(code);
    n.len() == LEN && n.bytes().all(|b| ALPHABET.contains(&b))
}

pub fn join_command(code: &str) -> String {
    format!("labdeck join {code}")
}

/// `None` = never expires.
pub fn expiry(now: DateTime<Utc>, days: Option<i64>) -> Option<DateTime<Utc>> {
    days.map(|d| now + Duration::days(d.clamp(1, MAX_VALID_DAYS)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenState {
    Active,
    Expired,
    Disabled,
}

impl TokenState {
    pub fn of(expires_at: Option<DateTime<Utc>>, disabled: bool, now: DateTime<Utc>) -> Self {
        if disabled {
            TokenState::Disabled
        } else if expires_at.is_some_and(|e| e <= now) {
            TokenState::Expired
        } else {
            TokenState::Active
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            TokenState::Active => "active",
            TokenState::Expired => "expired",
            TokenState::Disabled => "disabled",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_typable_and_hash_forgivingly() {
        let c = new_code();
        assert_eq!(c.len(), 11);
        assert!(plausible(&c));
        assert_ne!(c, new_code());
        assert_eq!(normalize(&c), normalize(&c.to_lowercase().replace('-', " ")));
        assert!(!plausible("ABCDE-FGHJ0"));
        assert!(!plausible("short"));
        assert_eq!(join_command("ABCDE-FGHJK"), "labdeck join ABCDE-FGHJK");
    }

    #[test]
    fn expiry_and_state() {
        let now = Utc::now();
        assert_eq!(expiry(now, None), None);
        assert_eq!(expiry(now, Some(0)), Some(now + Duration::days(1)));
        assert_eq!(expiry(now, Some(10_000)), Some(now + Duration::days(MAX_VALID_DAYS)));
        assert_eq!(TokenState::of(None, false, now), TokenState::Active);
        assert_eq!(TokenState::of(Some(now), false, now), TokenState::Expired);
        assert_eq!(TokenState::of(Some(now + Duration::hours(1)), true, now), TokenState::Disabled);
    }
}
