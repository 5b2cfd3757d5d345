//! The console's ledger of requests in flight (gitui's `AsyncSingleJob`, per kind of load):
//! every command gets a fresh id; a load supersedes the older load of the same kind, whose
//! answer, when it comes, is dropped. Changes are never superseded: each answers for itself.
//! The ledger also remembers which tab sent a request, so its answer goes back there.

use crate::engine::{Command, Op, RequestId};
use std::collections::{BTreeMap, HashMap};

/// Loads whose answers are still outstanding, at most this many (the engine answers every
/// request, so this bounds only a misbehaving engine).
const KEEP: usize = 4096;

#[derive(Debug, Default)]
pub struct Requests {
    last: u64,
    /// The newest load of each kind.
    latest: HashMap<&'static str, RequestId>,
    /// Loads not yet fully answered, with their kind.
    kind_of: BTreeMap<RequestId, &'static str>,
    /// Requests of a tab not yet fully answered, with the tab's index.
    owner_of: BTreeMap<RequestId, usize>,
}

impl Requests {
    /// Number `cmd`, sent for tab `owner` (or the shell), and note it; returns its id.
    pub fn issue(&mut self, cmd: &mut Command, owner: Option<usize>) -> RequestId {
        self.last += 1;
        let id = RequestId(self.last);
        cmd.id = id;
        // Watching closely is a hint with no answer; nothing to route back.
        if let Some(tab) = owner
            && !matches!(cmd.op, Op::WatchClosely(_))
        {
            self.owner_of.insert(id, tab);
            while self.owner_of.len() > KEEP {
                self.owner_of.pop_first();
            }
        }
        if let Some(kind) = cmd.op.load_kind() {
            self.latest.insert(kind, id);
            self.kind_of.insert(id, kind);
            while self.kind_of.len() > KEEP {
                self.kind_of.pop_first();
            }
        }
        id
    }

    /// Whether an answer to `id` is still wanted: not when a newer load of its kind was sent.
    pub fn wanted(&self, id: RequestId) -> bool {
        match self.kind_of.get(&id) {
            Some(kind) => self.latest.get(kind) == Some(&id),
            None => true,
        }
    }

    /// The kind of load `id` was, if it was one.
    pub fn kind(&self, id: RequestId) -> Option<&'static str> {
        self.kind_of.get(&id).copied()
    }

    /// The tab that sent request `id`, while it is not fully answered.
    pub fn owner(&self, id: RequestId) -> Option<usize> {
        self.owner_of.get(&id).copied()
    }

    /// Request `id` is fully answered (its last part, or its failure, arrived).
    pub fn done(&mut self, id: RequestId) {
        self.kind_of.remove(&id);
        self.owner_of.remove(&id);
    }
}
