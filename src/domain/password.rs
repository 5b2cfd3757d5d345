//! argon2id hashing (OWASP minimum: 19 MiB, t=2, p=1). CPU-heavy: callers run these on the
//! blocking pool with bounded concurrency (see engine::auth), never on the async executor.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;
pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("static params are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the OS random source is available");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes is a valid salt");
    argon2().hash_password(password.as_bytes(), &salt).expect("argon2 with valid params does not fail").to_string()
}

/// Verify against a stored PHC string. A malformed stored hash verifies as false.
pub fn verify(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

/// A real argon2id hash made with exactly the parameters of [`hash`] (a test holds it to
/// that), of a password nobody types. Unknown users are verified against it: the same
/// function, the same cost, from the very first sign-in of a process — nothing is hashed
/// on the first use, which once made "unknown user" the slow answer.
pub const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$yOWP0rVErdoy4vvM3zytWQ$pBkGyMVq/DwkC1p84bLqoqMB2EEz5eZLFljjtLzmytY";

/// Spend the same time as a real verification, for unknown users (no enumeration by timing).
/// Always false.
pub fn verify_dummy(password: &str) -> bool {
    std::hint::black_box(verify(password, DUMMY_HASH));
    false
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Weak {
    #[error("password must be at least {MIN_LEN} characters")]
    TooShort,
    #[error("password must be at most {MAX_LEN} characters")]
    TooLong,
    #[error("password must not contain the username")]
    ContainsUsername,
    #[error("password must not contain control characters")]
    ControlCharacters,
    #[error("password must not be only spaces")]
    Blank,
}

pub fn check_policy(username: &str, password: &str) -> Result<(), Weak> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(Weak::TooShort);
    }
    if n > MAX_LEN {
        return Err(Weak::TooLong);
    }
    if password.chars().any(char::is_control) {
        return Err(Weak::ControlCharacters);
    }
    if password.chars().all(char::is_whitespace) {
        return Err(Weak::Blank);
    }
    if !username.is_empty() && password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(Weak::ContainsUsername);
    }
    Ok(())
}

/// A readable random password (for demo accounts and admin resets): 4 groups of 4.
pub fn generate() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    let chars: Vec<char> = bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_the_required_cost_and_verifies() {
        let h = hash("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery", &h));
        assert!(!verify("wrong horse battery", &h));
        assert!(!verify("x", "not a phc string"));
    }

    #[test]
    fn the_dummy_is_verified_with_the_same_function_and_parameters_as_real_hashes() {
        let real = hash("anything at all");
        let dummy = PasswordHash::new(DUMMY_HASH).expect("the dummy is a PHC string");
        let parsed = PasswordHash::new(&real).unwrap();
        assert_eq!(dummy.algorithm, parsed.algorithm);
        assert_eq!(dummy.version, parsed.version);
        assert_eq!(dummy.params, parsed.params, "same m, t, p as a real hash");
        assert_eq!(dummy.hash.map(|h| h.len()), parsed.hash.map(|h| h.len()));
        assert_eq!(dummy.salt.map(|s| s.len()), parsed.salt.map(|s| s.len()));
        // The dummy really is verified (not a string that fails to parse at once): a
        // malformed hash would answer false without any argon2 work.
        assert!(verify(DUMMY_PASSWORD_FOR_TESTS, DUMMY_HASH));
        assert!(!verify_dummy(DUMMY_PASSWORD_FOR_TESTS), "the dummy never signs anyone in");
        assert!(!verify_dummy("guess"));
    }

    /// What [`DUMMY_HASH`] hashes; only the tests know it.
    const DUMMY_PASSWORD_FOR_TESTS: &str = "labdeck-dummy-password-for-timing";

    #[test]
    fn policy_rejects_weak_passwords() {
        assert_eq!(check_policy("ann", "short"), Err(Weak::TooShort));
        assert_eq!(check_policy("annabelle", "xxAnnabelle123"), Err(Weak::ContainsUsername));
        assert_eq!(check_policy("ann", "long enough\u{7}"), Err(Weak::ControlCharacters));
        assert_eq!(check_policy("ann", &" ".repeat(10)), Err(Weak::Blank));
        assert_eq!(check_policy("ann", "\u{3000}\u{a0}         "), Err(Weak::Blank));
        assert!(check_policy("ann", &generate()).is_ok());
    }
}
