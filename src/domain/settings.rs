//! Seed 003's key/value settings. Known keys are typed and described; values are JSON.

use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Bool,
    Integer { min: i64, max: i64 },
}

pub struct Known {
    pub key: &'static str,
    pub kind: Kind,
    pub default: fn() -> Value,
    pub description: &'static str,
}

pub const KNOWN: &[Known] = &[
    Known {
        key: "org.name",
        kind: Kind::Text,
        default: || Value::from("labdeck"),
        description: "Organisation name shown in the status bar",
    },
    Known {
        key: "auth.invitation_days",
        kind: Kind::Integer { min: 1, max: 90 },
        default: || Value::from(7),
        description: "Days an invitation stays valid",
    },
    Known {
        key: "auth.session_idle_minutes",
        kind: Kind::Integer { min: 0, max: 1440 },
        default: || Value::from(0),
        description: "Sign out after this many idle minutes (0 = never)",
    },
    Known {
        key: "bookings.require_approval",
        kind: Kind::Bool,
        default: || Value::from(true),
        description: "New bookings wait for an approver",
    },
    Known {
        key: "bookings.max_hours",
        kind: Kind::Integer { min: 1, max: 24 * 31 },
        default: || Value::from(72),
        description: "Longest single booking in hours",
    },
    Known {
        key: "support.reference_prefix",
        kind: Kind::Text,
        default: || Value::from("PS-"),
        description: "Prefix of closed-chat reference numbers",
    },
    Known {
        key: "support.bell",
        kind: Kind::Bool,
        default: || Value::from(false),
        description: "Ring the terminal bell on new visitor messages",
    },
    Known {
        key: "classes.default_max_usage_hours",
        kind: Kind::Integer { min: 0, max: 10_000 },
        default: || Value::from(40),
        description: "Usage budget for new classes (0 = unlimited)",
    },
];

pub fn known(key: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.key == key)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidSetting {
    #[error("setting keys are 1–100 characters of a-z, 0-9, '.', '_' or '-'")]
    Key,
    #[error("{key} expects {expected}")]
    Value { key: String, expected: String },
}

pub fn validate_key(key: &str) -> Result<(), InvalidSetting> {
    let ok = (1..=100).contains(&key.len())
        && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
    if ok { Ok(()) } else { Err(InvalidSetting::Key) }
}

/// Parse what an admin typed into the value to store. Known keys are typed; other keys take
/// JSON, or plain text when it is not JSON.
pub fn parse_value(key: &str, raw: &str) -> Result<Value, InvalidSetting> {
    validate_key(key)?;
    let raw = raw.trim();
    let bad = |expected: String| InvalidSetting::Value { key: key.into(), expected };
    match known(key).map(|k| k.kind) {
        Some(Kind::Text) => Ok(Value::from(super::sanitize::line(raw.trim_matches('"')))),
        Some(Kind::Bool) => match raw.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(Value::from(true)),
            "false" | "no" | "off" | "0" => Ok(Value::from(false)),
            _ => Err(bad("true or false".into())),
        },
        Some(Kind::Integer { min, max }) => match raw.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Value::from(n)),
            _ => Err(bad(format!("a whole number from {min} to {max}"))),
        },
        None => Ok(serde_json::from_str(raw).unwrap_or_else(|_| Value::from(super::sanitize::line(raw)))),
    }
}

/// How a value reads in a table cell.
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_keys_are_typed() {
        assert_eq!(parse_value("bookings.require_approval", "off"), Ok(Value::from(false)));
        assert!(parse_value("bookings.max_hours", "0").is_err());
        assert_eq!(parse_value("bookings.max_hours", "12"), Ok(Value::from(12)));
        assert_eq!(parse_value("org.name", "\"Lab\x1b[31m\""), Ok(Value::from("Lab[31m")));
    }

    #[test]
    fn other_keys_take_json_or_text() {
        assert_eq!(parse_value("x.list", "[1,2]"), Ok(serde_json::json!([1, 2])));
        assert_eq!(parse_value("x.word", "hello there"), Ok(Value::from("hello there")));
        assert_eq!(parse_value("Bad Key", "1"), Err(InvalidSetting::Key));
    }

    #[test]
    fn defaults_are_valid_for_their_kind() {
        for k in KNOWN {
            let raw = display(&(k.default)());
            assert_eq!(parse_value(k.key, &raw), Ok((k.default)()), "{}", k.key);
        }
    }
}
