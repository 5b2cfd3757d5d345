//! Failures on demand, for tests and demos: latency, error statuses, hangs, broken bodies,
//! expired tickets, offline nodes and a changed certificate.

use super::server::Shared;
use crate::pve::PveError;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

#[derive(Default)]
pub(crate) struct FaultState {
    latency_us: AtomicU64,
    fail: AtomicU32,
    fail_status: AtomicU16,
    hang: AtomicU32,
    malformed: AtomicU32,
}

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

    /// Back to normal (latency, pending failures, hangs and broken bodies cleared).
    pub fn clear(&self) {
        self.set_latency(Duration::ZERO);
        self.fail_next(0, 500);
        self.hang_next(0);
        self.malformed_next(0);
    }
}
