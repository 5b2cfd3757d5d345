use super::role::Role;
use super::sanitize;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    Active,
    Inactive,
    Locked,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Active => "active",
            UserStatus::Inactive => "inactive",
            UserStatus::Locked => "locked",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [UserStatus::Active, UserStatus::Inactive, UserStatus::Locked].into_iter().find(|v| v.as_str() == s)
    }
}

/// A user as every screen sees it (never the password hash).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub status: UserStatus,
    pub tenant_id: Option<Uuid>,
    pub time_zone: String,
    pub must_change_password: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidUser {
    #[error("username must be 2–32 characters: lowercase letters, digits, '.', '_' or '-', starting with a letter")]
    Username,
    #[error("'{0}' is not a valid email address")]
    Email(String),
    #[error("display name is too long (at most 80 characters)")]
    DisplayName,
}

/// Usernames are stored lowercase so "Ann" and "ann" are one account.
pub fn normalize_username(raw: &str) -> Result<String, InvalidUser> {
    let name = raw.trim().to_lowercase();
    let ok_len = (2..=32).contains(&name.chars().count());
    let ok_first = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_chars = name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok_len && ok_first && ok_chars { Ok(name) } else { Err(InvalidUser::Username) }
}

pub fn normalize_email(raw: &str) -> Result<Option<String>, InvalidUser> {
    let e = raw.trim();
    if e.is_empty() {
        return Ok(None);
    }
    let valid = e.len() <= 254
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && matches!(e.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid { Ok(Some(e.to_lowercase())) } else { Err(InvalidUser::Email(sanitize::line(e))) }
}

pub fn normalize_display_name(raw: &str) -> Result<String, InvalidUser> {
    let d = sanitize::line(raw);
    if d.chars().count() > 80 { Err(InvalidUser::DisplayName) } else { Ok(d) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalized_and_checked() {
        assert_eq!(normalize_username(" Ann.Lee "), Ok("ann.lee".into()));
        assert!(normalize_username("1ann").is_err());
        assert!(normalize_username("a").is_err());
        assert!(normalize_username("ann lee").is_err());
        assert!(normalize_username("ann\x1b").is_err());
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(normalize_email(""), Ok(None));
        assert_eq!(normalize_email("Ann@Example.org"), Ok(Some("ann@example.org".into())));
        assert!(normalize_email("ann@localhost").is_err());
        assert!(normalize_email("@x.org").is_err());
    }
}
