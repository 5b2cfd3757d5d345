//! Seed 003's invitations: an expiring, single-use token. Only its SHA-256 is stored, so a
//! leaked database cannot be used to accept pending invitations.

use chrono::{DateTime, Duration, Utc};

pub const DEFAULT_VALID_DAYS: i64 = 7;
pub const MAX_VALID_DAYS: i64 = 90;

/// A fresh token: 20 random bytes, base32 (no padding), easy to read aloud and paste.
pub fn new_token() -> String {
    let mut bytes = [0u8; 20];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    base32(&bytes)
}

pub fn token_hash(token: &str) -> String {
    super::digest::sha256_hex(&token.trim().to_ascii_uppercase())
}

pub fn expiry(now: DateTime<Utc>, days: i64) -> DateTime<Utc> {
    now + Duration::days(days.clamp(1, MAX_VALID_DAYS))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationState {
    Pending,
    Accepted,
    Expired,
    Revoked,
}

impl InvitationState {
    pub fn of(expires_at: DateTime<Utc>, accepted: bool, revoked: bool, now: DateTime<Utc>) -> Self {
        if accepted {
            Self::Accepted
        } else if revoked {
            Self::Revoked
        } else if expires_at <= now {
            Self::Expired
        } else {
            Self::Pending
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Expired => "expired",
            Self::Revoked => "revoked",
        }
    }
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            out.push(ALPHABET[((buffer >> (bits - 5)) & 31) as usize] as char);
            bits -= 5;
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buffer << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_case_insensitively() {
        let a = new_token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_token());
        assert_eq!(token_hash(&a), token_hash(&format!(" {} ", a.to_lowercase())));
    }

    #[test]
    fn state_follows_time_and_flags() {
        let now = Utc::now();
        assert_eq!(InvitationState::of(now + Duration::hours(1), false, false, now), InvitationState::Pending);
        assert_eq!(InvitationState::of(now, false, false, now), InvitationState::Expired);
        assert_eq!(InvitationState::of(now, true, false, now), InvitationState::Accepted);
        assert_eq!(InvitationState::of(now + Duration::hours(1), false, true, now), InvitationState::Revoked);
        assert_eq!(expiry(now, 1000), now + Duration::days(MAX_VALID_DAYS));
    }
}
