//! One audit log for every state change: who, in what role, did what to which entity,
//! with what outcome, from where.

use super::rbac::Actor;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Success,
    Failure,
    Denied,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Denied => "denied",
            Outcome::Error => "error",
        }
    }
}

/// Where a request came from: the local terminal, an SSH session (key fingerprint), HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Local {
        os_user: String,
    },
    Cli {
        os_user: String,
    },
    /// An `labdeck serve --ssh` session from `addr`, signed in by this key (none for a visitor).
    Ssh {
        addr: String,
        key_fingerprint: Option<String>,
    },
    Http {
        addr: String,
        user_agent: Option<String>,
    },
    Engine,
}

impl Source {
    pub fn label(&self) -> String {
        match self {
            Source::Local { os_user } => format!("tty:{os_user}"),
            Source::Cli { os_user } => format!("cli:{os_user}"),
            Source::Ssh { addr, .. } => format!("ssh:{addr}"),
            Source::Http { .. } => "http".into(),
            Source::Engine => "engine".into(),
        }
    }
    pub fn addr(&self) -> Option<&str> {
        match self {
            Source::Ssh { addr, .. } | Source::Http { addr, .. } => Some(addr),
            _ => None,
        }
    }
    /// The key login throttling counts per source.
    pub fn throttle_key(&self) -> String {
        self.addr().map(str::to_string).unwrap_or_else(|| self.label())
    }
    pub fn local() -> Source {
        Source::Local { os_user: os_user() }
    }
    pub fn cli() -> Source {
        Source::Cli { os_user: os_user() }
    }
}

fn os_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into())
}

/// An audit record about to be written, in the same transaction as the change it describes.
#[derive(Debug, Clone)]
pub struct Entry {
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub outcome: Outcome,
    pub message: Option<String>,
    pub details: Option<serde_json::Value>,
    pub source: Source,
}

impl Entry {
    pub fn by(actor: &Actor, source: &Source, action: &str, entity_type: &str) -> Entry {
        Entry {
            actor_id: (!actor.is_system()).then_some(actor.user_id),
            actor_name: actor.username.clone(),
            actor_role: Some(actor.role.as_str().into()),
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id: None,
            outcome: Outcome::Success,
            message: None,
            details: None,
            source: source.clone(),
        }
    }
    /// An entry for someone not (yet) signed in: failed sign-ins, invitation acceptance.
    pub fn anonymous(name: &str, source: &Source, action: &str, entity_type: &str) -> Entry {
        Entry {
            actor_id: None,
            actor_name: name.into(),
            actor_role: None,
            action: action.into(),
            entity_type: entity_type.into(),
            entity_id: None,
            outcome: Outcome::Success,
            message: None,
            details: None,
            source: source.clone(),
        }
    }
    pub fn entity(mut self, id: impl ToString) -> Self {
        self.entity_id = Some(id.to_string());
        self
    }
    pub fn outcome(mut self, o: Outcome) -> Self {
        self.outcome = o;
        self
    }
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.message = Some(m.into());
        self
    }
    pub fn details(mut self, d: serde_json::Value) -> Self {
        self.details = Some(d);
        self
    }
    /// A change of one value: `from` → `to` in the details (set_role admin → support).
    pub fn change(self, from: impl Into<serde_json::Value>, to: impl Into<serde_json::Value>) -> Self {
        self.detail("from", from).detail("to", to)
    }
    /// The entity's name beside its (whole) id, so the log reads without a lookup.
    pub fn named(self, name: impl Into<serde_json::Value>) -> Self {
        self.detail("entity_name", name)
    }
    /// Add one key to the details, keeping what the caller put there.
    pub fn detail(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        let mut map = match self.details.take() {
            Some(serde_json::Value::Object(m)) => m,
            Some(other) => serde_json::Map::from_iter([("details".to_string(), other)]),
            None => serde_json::Map::new(),
        };
        map.insert(key.into(), value.into());
        self.details = Some(serde_json::Value::Object(map));
        self
    }
}
