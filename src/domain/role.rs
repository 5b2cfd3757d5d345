use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The seven roles every seed's roles map onto (see docs/data-model.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Operator,
    Teacher,
    Student,
    Support,
    Approver,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Operator, Role::Teacher, Role::Student, Role::Support, Role::Approver, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Operator => "operator",
            Role::Teacher => "teacher",
            Role::Student => "student",
            Role::Support => "support",
            Role::Approver => "approver",
            Role::Viewer => "viewer",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Role::Admin => "everything, including users, settings and audit",
            Role::Operator => "runs clusters and guests, manages infrastructure records",
            Role::Teacher => "runs own and co-owned classes and their VM pools",
            Role::Student => "uses own VMs, joins classes, books devices",
            Role::Support => "answers tickets and visitor chats",
            Role::Approver => "approves bookings and topology reviews",
            Role::Viewer => "reads inventory and the booking calendar",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown role '{0}' (expected one of admin, operator, teacher, student, support, approver, viewer)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Role::ALL.into_iter().find(|r| r.as_str() == lower).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!(" Teacher ".parse::<Role>(), Ok(Role::Teacher));
        assert!("root".parse::<Role>().is_err());
    }
}
