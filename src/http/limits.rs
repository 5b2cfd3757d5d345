//! The limits the visitor chat's HTTP server enforces (the token buckets and connection
//! caps themselves are in [`crate::admission`], shared with the SSH server).

pub use crate::admission::{Buckets, Rate};
use std::time::Duration;

/// The limits a server enforces. The defaults suit one public chat page.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Every request from one address.
    pub per_ip: Rate,
    /// Chats started from one address.
    pub starts_per_ip: Rate,
    /// Messages sent in one chat.
    pub per_session: Rate,
    /// Request bodies, in bytes.
    pub max_body: usize,
    /// Longest long-poll a visitor may ask for.
    pub max_wait: Duration,
    /// A connection must deliver a request's complete headers within this long of being
    /// opened or of its previous answer; this is also how long an idle kept-alive
    /// connection stays open.
    pub header_timeout: Duration,
    /// A request's body must arrive completely within this long.
    pub body_timeout: Duration,
    /// Open connections in all; further ones are closed at once.
    pub max_connections: usize,
    /// Open connections from one address; further ones are closed at once.
    pub max_connections_per_ip: usize,
    /// Origins (`https://example.org`) whose pages may start chats, besides the server's
    /// own; a request that names another origin is refused.
    pub allowed_origins: Vec<String>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_ip: Rate::new(120.0, 20.0),
            starts_per_ip: crate::admission::VISITOR_STARTS,
            per_session: crate::admission::VISITOR_MESSAGES,
            max_body: 16 * 1024,
            max_wait: Duration::from_secs(25),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 32,
            allowed_origins: Vec::new(),
        }
    }
}
