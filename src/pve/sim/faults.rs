//! Failures on demand, for tests and demos: latency, error statuses, hangs, broken bodies,
//! expired tickets, offline nodes, a changed certificate, and the answer shapes real clusters
//! send that surprise clients (no node rows, a token without privileges, a node that vanished).
//! Reachable from tests through [`Faults`], and from `labdeck sim --fault …` and its
//! `POST /_sim/fault` control endpoint through [`Fault::parse`] and [`Faults::apply`].

use super::server::Shared;
use crate::pve::PveError;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub(crate) struct FaultState {
    latency_us: AtomicU64,
    fail: AtomicU32,
    fail_status: AtomicU16,
    hang: AtomicU32,
    malformed: AtomicU32,
    no_node_rows: AtomicBool,
    no_privilege: AtomicBool,
    node_vanishes: AtomicBool,
}

/// How `/cluster/resources` (and the lists beside it) are cut, per the shape faults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Shape {
    /// No `type: node` rows (as a `?type=vm` answer, or some proxies and versions send).
    pub no_node_rows: bool,
    /// The token lacks VM.Audit: node rows but no guests, and `/access/permissions` says so.
    pub no_privilege: bool,
    /// The last node is gone from every answer, with its guests and storages.
    pub vanished_node: bool,
}

/// Requests a persistent fault fails: in effect until cleared.
const FOREVER: u32 = u32::MAX;

fn take(counter: &AtomicU32) -> bool {
    counter.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok()
}

impl FaultState {
    pub(crate) fn latency(&self) -> Duration {
        Duration::from_micros(self.latency_us.load(Ordering::Relaxed))
    }
    pub(crate) fn take_hang(&self) -> bool {
        take(&self.hang)
    }
    pub(crate) fn take_failure(&self) -> Option<u16> {
        take(&self.fail).then(|| self.fail_status.load(Ordering::SeqCst))
    }
    pub(crate) fn take_malformed(&self) -> bool {
        take(&self.malformed)
    }
    pub(crate) fn shape(&self) -> Shape {
        Shape {
            no_node_rows: self.no_node_rows.load(Ordering::Relaxed),
            no_privilege: self.no_privilege.load(Ordering::Relaxed),
            vanished_node: self.node_vanishes.load(Ordering::Relaxed),
        }
    }
}

/// One fault switch by name, as `labdeck sim --fault` and `POST /_sim/fault` take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Every request fails with this status (500, 503, 401…) until cleared.
    Status(u16),
    /// Every answer's body is cut in half.
    BadJson,
    /// Requests get no answer.
    Hang,
    /// Every answer is delayed.
    Latency(Duration),
    /// The last node goes offline (its guests report `unknown`).
    NodeOffline,
    /// A new node certificate (same CA): a pinned fingerprint no longer matches.
    CertChange,
    /// `/cluster/resources` without node rows.
    NoNodeRows,
    /// A token without VM.Audit: 200 with node rows and no guests.
    NoPrivilege,
    /// The last node disappears from the answers, with its guests.
    NodeVanishes,
    /// Back to normal.
    Clear,
}

/// The names `Fault::parse` accepts, for help texts and errors.
pub const FAULT_NAMES: &str =
    "500|503|401|bad-json|hang|latency=MS|node-offline|cert-change|no-node-rows|no-privilege|node-vanishes|clear";

impl Fault {
    pub fn parse(s: &str) -> Result<Fault, String> {
        let s = s.trim();
        let f = match s {
            "bad-json" => Fault::BadJson,
            "hang" => Fault::Hang,
            "node-offline" => Fault::NodeOffline,
            "cert-change" => Fault::CertChange,
            "no-node-rows" => Fault::NoNodeRows,
            "no-privilege" => Fault::NoPrivilege,
            "node-vanishes" => Fault::NodeVanishes,
            "clear" => Fault::Clear,
            _ => {
                if let Some(ms) = s.strip_prefix("latency=") {
                    match ms.parse::<u64>() {
                        Ok(ms) if ms <= 600_000 => Fault::Latency(Duration::from_millis(ms)),
                        _ => return Err(format!("latency=MS takes 0–600000 milliseconds, not {ms:?}")),
                    }
                } else if let Ok(status) = s.parse::<u16>()
                    && (400..=599).contains(&status)
                {
                    Fault::Status(status)
                } else {
                    return Err(format!("unknown fault {s:?}: one of {FAULT_NAMES}"));
                }
            }
        };
        Ok(f)
    }
}

/// Handle to inject faults into a running simulator.
#[derive(Clone)]
pub struct Faults {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Faults")
    }
}

impl Faults {
    fn state(&self) -> &FaultState {
        &self.shared.faults
    }

    /// Delay every answer by `d`.
    pub fn set_latency(&self, d: Duration) {
        self.state().latency_us.store(d.as_micros().min(u128::from(u64::MAX)) as u64, Ordering::Relaxed);
    }

    /// The next `n` requests fail with `status` (500, 503, 595…) and a Proxmox-style body.
    pub fn fail_next(&self, n: u32, status: u16) {
        self.state().fail_status.store(status, Ordering::SeqCst);
        self.state().fail.store(n, Ordering::SeqCst);
    }

    /// The next `n` requests never get an answer (until shutdown).
    pub fn hang_next(&self, n: u32) {
        self.state().hang.store(n, Ordering::SeqCst);
    }

    /// The next `n` successful answers are cut in half (invalid JSON).
    pub fn malformed_next(&self, n: u32) {
        self.state().malformed.store(n, Ordering::SeqCst);
    }

    /// Every ticket issued so far is refused: the next ticket-authenticated request gets 401.
    pub fn expire_tickets(&self) {
        self.shared.auth.expire_tickets();
    }

    /// Take a node off the network (or bring it back). Returns false for an unknown node.
    pub fn set_node_offline(&self, node: &str, offline: bool) -> bool {
        let mut state = self.shared.lock_state();
        match state.node_index(node) {
            Some(i) => {
                state.nodes[i].online = !offline;
                true
            }
            None => false,
        }
    }

    /// Present a new node certificate (same cluster CA) and drop open connections; returns the
    /// new fingerprint.
    pub fn rotate_certificate(&self) -> Result<String, PveError> {
        self.shared.certs.rotate(&self.shared.conns)
    }

    /// `/cluster/resources` leaves out node rows (or puts them back).
    pub fn set_no_node_rows(&self, on: bool) {
        self.state().no_node_rows.store(on, Ordering::Relaxed);
    }

    /// Answer as to a token without VM.Audit: node rows, no guests, `[]` per node, and
    /// `/access/permissions` without VM.Audit (or back to full privileges).
    pub fn set_no_privilege(&self, on: bool) {
        self.state().no_privilege.store(on, Ordering::Relaxed);
    }

    /// The last node disappears from every answer, with its guests (or comes back).
    pub fn set_node_vanishes(&self, on: bool) {
        self.state().node_vanishes.store(on, Ordering::Relaxed);
    }

    /// Switch one fault on (persistent ones stay until [`Fault::Clear`]); says what it did.
    pub fn apply(&self, fault: &Fault) -> Result<String, PveError> {
        Ok(match fault {
            Fault::Status(status) => {
                self.fail_next(FOREVER, *status);
                format!("every request fails with HTTP {status}")
            }
            Fault::BadJson => {
                self.malformed_next(FOREVER);
                "every answer is cut in half".into()
            }
            Fault::Hang => {
                self.hang_next(FOREVER);
                "requests hang".into()
            }
            Fault::Latency(d) => {
                self.set_latency(*d);
                format!("every answer waits {} ms", d.as_millis())
            }
            Fault::NodeOffline => {
                let node = self.last_node();
                self.set_node_offline(&node, true);
                format!("{node} is offline")
            }
            Fault::CertChange => format!("new certificate, SHA-256 {}", self.rotate_certificate()?),
            Fault::NoNodeRows => {
                self.set_no_node_rows(true);
                "/cluster/resources has no node rows".into()
            }
            Fault::NoPrivilege => {
                self.set_no_privilege(true);
                "the token lacks VM.Audit: no guests are listed".into()
            }
            Fault::NodeVanishes => {
                self.set_node_vanishes(true);
                format!("{} vanished from the answers", self.last_node())
            }
            Fault::Clear => {
                self.clear();
                "back to normal".into()
            }
        })
    }

    /// The faults in effect, by name.
    pub fn active(&self) -> Vec<String> {
        let st = self.state();
        let mut out = Vec::new();
        if st.fail.load(Ordering::SeqCst) > 0 {
            out.push(st.fail_status.load(Ordering::SeqCst).to_string());
        }
        if st.malformed.load(Ordering::SeqCst) > 0 {
            out.push("bad-json".into());
        }
        if st.hang.load(Ordering::SeqCst) > 0 {
            out.push("hang".into());
        }
        let latency = st.latency();
        if !latency.is_zero() {
            out.push(format!("latency={}", latency.as_millis()));
        }
        let offline = self.shared.lock_state().nodes.iter().any(|n| !n.online);
        if offline {
            out.push("node-offline".into());
        }
        let shape = st.shape();
        for (on, name) in [
            (shape.no_node_rows, "no-node-rows"),
            (shape.no_privilege, "no-privilege"),
            (shape.vanished_node, "node-vanishes"),
        ] {
            if on {
                out.push(name.into());
            }
        }
        out
    }

    fn last_node(&self) -> String {
        self.shared.lock_state().nodes.last().map(|n| n.name.clone()).unwrap_or_default()
    }

    /// Back to normal: latency, pending failures, hangs, broken bodies and answer shapes
    /// cleared, every node online (a rotated certificate stays).
    pub fn clear(&self) {
        self.set_latency(Duration::ZERO);
        self.fail_next(0, 500);
        self.hang_next(0);
        self.malformed_next(0);
        self.set_no_node_rows(false);
        self.set_no_privilege(false);
        self.set_node_vanishes(false);
        for n in self.shared.lock_state().nodes.iter_mut() {
            n.online = true;
        }
    }
}
