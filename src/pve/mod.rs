//! Proxmox VE: an API client (token or ticket auth, pinned or CA-verified TLS, lenient
//! decoding of what real clusters send) and a stateful simulator that speaks the same API for
//! the demo and the tests.

mod client;
pub mod decode;
mod error;
pub mod sim;
pub mod tls;
pub mod types;
mod upid;

pub use client::{Client, Credentials, Endpoint, Trust};
pub use error::PveError;
pub use tls::fetch_fingerprint;
pub use types::*;
pub use upid::Upid;
