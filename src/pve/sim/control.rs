//! The simulator's control endpoint: switch faults at run time from a shell or a test,
//! authenticated with the simulator's API token like any other request.
//!
//! ```text
//! curl -k -H 'Authorization: PVEAPIToken=ID=SECRET' -d fault=no-privilege https://127.0.0.1:8006/_sim/fault
//! curl -k -H 'Authorization: PVEAPIToken=ID=SECRET' https://127.0.0.1:8006/_sim/fault   # what is on
//! curl -k -H 'Authorization: PVEAPIToken=ID=SECRET' https://127.0.0.1:8006/_sim/requests # counts by path
//! ```
//! It is outside `/api2/json` (no real Proxmox has it) and answers even while the faults it
//! switched make every API request fail or hang.

use super::faults::{FAULT_NAMES, Fault, Faults};
use super::http::{Reply, SimError, parse_form, parse_json_object};
use super::server::{Shared, now};
use axum::http::{HeaderMap, Method};
use std::sync::Arc;

pub(crate) const PATH: &str = "/_sim/fault";
/// Requests served so far, by path (benchmarks count what a poller asks for).
pub(crate) const REQUESTS: &str = "/_sim/requests";

pub(crate) fn requests(sh: &Arc<Shared>, method: &Method, headers: &HeaderMap) -> Reply {
    if let Err(reply) = sh.auth.check(headers, method, now()) {
        return reply;
    }
    let counts = sh.counters.lock().map(|c| c.clone()).unwrap_or_default();
    Reply::data(&serde_json::json!({ "total": counts.values().sum::<u64>(), "by_path": counts }))
}

pub(crate) fn handle(sh: &Arc<Shared>, method: &Method, headers: &HeaderMap, body: &[u8]) -> Reply {
    if let Err(reply) = sh.auth.check(headers, method, now()) {
        return reply;
    }
    let faults = Faults { shared: sh.clone() };
    if method == Method::GET {
        return Reply::data(&serde_json::json!({"active": faults.active(), "faults": FAULT_NAMES}));
    }
    if method != Method::POST {
        return Reply::error(&SimError::new(501, format!("Method '{method} {PATH}' not implemented")));
    }
    let is_json =
        headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    let params = if is_json { parse_json_object(body) } else { parse_form(body) };
    let Some(name) = params.get("fault") else {
        return Reply::error(&SimError::param("fault", format!("property is missing: one of {FAULT_NAMES}")));
    };
    match Fault::parse(name) {
        Err(e) => Reply::error(&SimError::param("fault", e)),
        Ok(fault) => match faults.apply(&fault) {
            Ok(done) => Reply::data(&done),
            Err(e) => Reply::error(&SimError::new(500, e.to_string())),
        },
    }
}
