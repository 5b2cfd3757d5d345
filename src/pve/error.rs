//! One error type for everything the Proxmox VE client can hit, worded for the console's user.

use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PveError {
    #[error("cannot reach the Proxmox VE API: {0}")]
    Connect(String),
    #[error("the Proxmox VE API did not answer in time")]
    Timeout,
    #[error(
        "the server's certificate changed: expected fingerprint {expected}, found {found}; check it on the node (pvenode cert info) and trust the new one only if the change is expected"
    )]
    CertificateChanged { expected: String, found: String },
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("authentication failed: {0}")]
    Unauthorized(String),
    #[error("permission denied: {0}")]
    Forbidden(String),
    #[error("Proxmox VE answered {status}: {}", http_detail(message, errors))]
    Http { status: u16, message: String, errors: BTreeMap<String, String> },
    #[error("unexpected answer from {endpoint}: {message}")]
    Decode { endpoint: String, message: String },
    #[error("guest agent not available: {0}")]
    AgentUnavailable(String),
    #[error("invalid endpoint: {0}")]
    InvalidEndpoint(String),
}

impl PveError {
    /// The HTTP status, when Proxmox answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            PveError::Http { status, .. } => Some(*status),
            PveError::Unauthorized(_) => Some(401),
            PveError::Forbidden(_) => Some(403),
            _ => None,
        }
    }

    /// Worth retrying later without changing anything (network, timeouts, 5xx).
    pub fn is_transient(&self) -> bool {
        match self {
            PveError::Connect(_) | PveError::Timeout | PveError::Decode { .. } => true,
            PveError::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

fn http_detail(message: &str, errors: &BTreeMap<String, String>) -> String {
    if errors.is_empty() {
        return message.to_string();
    }
    let params: Vec<String> = errors.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("{message} ({})", params.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_errors_list_their_parameters() {
        let mut errors = BTreeMap::new();
        errors.insert("newid".to_string(), "VM 105 already exists".to_string());
        let e = PveError::Http { status: 400, message: "Parameter verification failed.".into(), errors };
        assert_eq!(
            e.to_string(),
            "Proxmox VE answered 400: Parameter verification failed. (newid: VM 105 already exists)"
        );
        assert_eq!(e.status(), Some(400));
        assert!(!e.is_transient());
    }
}
