//! One engine for many front doors. The pollers, the revision watcher and PostgreSQL's
//! LISTEN run once; each front door that attaches (the local console, or every SSH session
//! of `labdeck serve --ssh`) gets its own command loop, with its own audit source, and its
//! own event channel: replies go to the session that asked, database changes to all.

use super::command::{Command, Event, Op};
use super::{EngineOptions, Services};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::{Notify, mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};

/// The events every attached front door hears (changes, the store going down and up),
/// sent to each of them.
#[derive(Clone)]
pub(super) struct Fanout {
    subscribers: Arc<Mutex<Vec<mpsc::UnboundedSender<Event>>>>,
    stop: watch::Receiver<bool>,
    /// A single console's engine ends with its console (the receiver dropped); a hub ends
    /// when told to stop.
    only: Option<mpsc::UnboundedSender<Event>>,
}

impl Fanout {
    pub(super) fn send(&self, ev: Event) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subs.retain(|tx| tx.send(ev.clone()).is_ok());
    }

    pub(super) fn is_closed(&self) -> bool {
        *self.stop.borrow() || self.only.as_ref().is_some_and(|tx| tx.is_closed())
    }

    pub(super) async fn closed(mut self) {
        match self.only.take() {
            Some(tx) => tx.closed().await,
            None => {
                let _ = self.stop.wait_for(|stop| *stop).await;
            }
        }
    }
}

/// The shared part of an engine (a cheap handle: clones share it).
#[derive(Clone)]
pub struct Hub {
    fanout: Fanout,
    poke: Arc<Notify>,
    /// How many attached front doors show live data (`Op::WatchClosely`).
    live: Arc<AtomicUsize>,
    stop: Arc<watch::Sender<bool>>,
    pollers: Arc<tokio::sync::Mutex<Option<JoinHandle<()>>>>,
    /// Front-door tasks run for the hub (SSH sessions); aborted at shutdown if still open.
    tasks: Arc<Mutex<JoinSet<()>>>,
    /// Who may still act: every front door's commands are re-checked against it.
    sessions: Arc<super::session::Sessions>,
}

impl Hub {
    /// Start the shared tasks: pollers (when asked), the revision watcher and LISTEN.
    pub fn start(services: Services, opts: EngineOptions) -> Hub {
        Hub::start_inner(services, opts, None)
    }

    /// `only`: the one console this engine serves; the shared tasks end when it goes.
    pub(super) fn start_inner(
        services: Services,
        opts: EngineOptions,
        only: Option<mpsc::UnboundedSender<Event>>,
    ) -> Hub {
        let (stop_tx, stop_rx) = watch::channel(false);
        let pollers = opts.pollers.then(|| {
            tokio::spawn(super::poller::supervise(services.clone(), super::poller::owner_id(), stop_rx.clone()))
        });
        let fanout = Fanout { subscribers: Arc::default(), stop: stop_rx, only };
        let poke = Arc::new(Notify::new());
        let live = Arc::new(AtomicUsize::new(0));
        let sessions = Arc::new(super::session::Sessions::default());
        tokio::spawn(super::push::listen(services.store.clone(), poke.clone(), fanout.clone().closed()));
        tokio::spawn(super::runtime::watch_revisions(
            services,
            fanout.clone(),
            opts.watch_every,
            poke.clone(),
            live.clone(),
            sessions.clone(),
        ));
        Hub {
            fanout,
            poke,
            live,
            stop: Arc::new(stop_tx),
            pollers: Arc::new(tokio::sync::Mutex::new(pollers)),
            tasks: Arc::default(),
            sessions,
        }
    }

    /// A front door of its own: commands run with `services` (its audit source), replies
    /// come back on the receiver, with every database change. Dropping both ends it.
    pub fn attach(&self, services: Services) -> (super::EngineHandle, mpsc::UnboundedReceiver<Event>) {
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        (self.attach_to(services, ev_tx), ev_rx)
    }

    pub(super) fn attach_to(&self, services: Services, events: mpsc::UnboundedSender<Event>) -> super::EngineHandle {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel::<Command>();
        self.fanout.subscribers.lock().unwrap_or_else(|p| p.into_inner()).push(events.clone());
        tokio::spawn(commands(services, cmd_rx, events, self.poke.clone(), self.live.clone(), self.sessions.clone()));
        super::EngineHandle::new(cmd_tx)
    }

    /// Run a front door's task (an SSH session) under the hub: the engine is the only place
    /// that spawns, and `shutdown` ends what is still open.
    pub fn run(&self, task: impl Future<Output = ()> + Send + 'static) {
        let mut tasks = self.tasks.lock().unwrap_or_else(|p| p.into_inner());
        while tasks.try_join_next().is_some() {}
        tasks.spawn(task);
    }

    /// `user` signed in at a front door that signs in by itself (an SSH key or password):
    /// what the session checks remember of an earlier session of theirs is stale, as after
    /// a console's own sign-in.
    pub fn forget(&self, user: uuid::Uuid) {
        self.sessions.forget(user);
    }

    /// Stop: the front-door tasks first (given `grace` to end on their own), then the
    /// pollers, which hand their leases back.
    pub async fn shutdown(&self, grace: std::time::Duration) {
        let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|p| p.into_inner()));
        let _ = tokio::time::timeout(grace, async { while tasks.join_next().await.is_some() {} }).await;
        tasks.abort_all();
        self.stop_pollers().await;
    }

    pub(super) async fn stop_pollers(&self) {
        let _ = self.stop.send(true);
        if let Some(h) = self.pollers.lock().await.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), h).await;
        }
    }
}

/// One front door's command loop: each command runs in its own guarded task.
async fn commands(
    svc: Services,
    mut cmd_rx: mpsc::UnboundedReceiver<Command>,
    events: mpsc::UnboundedSender<Event>,
    poke: Arc<Notify>,
    live: Arc<AtomicUsize>,
    sessions: Arc<super::session::Sessions>,
) {
    let mut watching = false;
    while let Some(cmd) = cmd_rx.recv().await {
        if let Op::WatchClosely(on) = cmd.op {
            if watching != on {
                watching = on;
                if on {
                    live.fetch_add(1, Ordering::Relaxed);
                } else {
                    live.fetch_sub(1, Ordering::Relaxed);
                }
                poke.notify_one();
            }
            continue;
        }
        let svc = svc.clone();
        let events = events.clone();
        let sessions = sessions.clone();
        tokio::spawn(async move {
            let (id, origin) = (cmd.id, cmd.op.origin());
            let event = super::guard::answer(id, origin, super::runtime::execute(&svc, &sessions, cmd, &events)).await;
            let _ = events.send(event);
        });
    }
    if watching {
        live.fetch_sub(1, Ordering::Relaxed);
    }
}
