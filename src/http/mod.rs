//! The visitor's front door: a small JSON API and the chat page, over HTTP (axum). Same
//! app, another transport: handlers call the engine's support use cases; the engine's
//! change feed (revision polling on SQLite, LISTEN/NOTIFY on PostgreSQL) wakes long-polls.

mod api;
mod conns;
mod error;
pub mod limits;

pub use limits::{Limits, Rate};

use crate::engine::{Engine, EngineOptions, Event, Services};
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use limits::Buckets;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use uuid::Uuid;

#[derive(Clone)]
pub struct ChatState {
    svc: Services,
    limits: Arc<Limits>,
    per_ip: Arc<Buckets<IpAddr>>,
    starts: Arc<Buckets<IpAddr>>,
    per_session: Arc<Buckets<Uuid>>,
    /// Bumped whenever the visitor chat changed in the database.
    changes: watch::Receiver<u64>,
}

/// The routes, with security headers on every answer.
pub fn router(svc: Services, limits: Limits, changes: watch::Receiver<u64>) -> Router {
    let body_timeout = limits.body_timeout;
    let state = ChatState {
        per_ip: Arc::new(Buckets::new(limits.per_ip)),
        starts: Arc::new(Buckets::new(limits.starts_per_ip)),
        per_session: Arc::new(Buckets::new(limits.per_session)),
        svc,
        limits: Arc::new(limits),
        changes,
    };
    Router::new()
        .route("/", get(api::page))
        .route("/chat.js", get(api::script))
        .route("/chat.css", get(api::style))
        .route("/api/chat", post(api::start))
        .route("/api/chat/messages", post(api::send).get(api::poll))
        .fallback(api::not_found)
        // A body that stops arriving for this long ends its request (408, connection closed).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(body_timeout))
        .layer(axum::middleware::map_response(secure))
        .with_state(state)
}

async fn secure(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    res
}

/// Serve until `shutdown` resolves. The engine (started here, without pollers) watches the
/// database; its `Changed` events are turned into the change feed the long-polls wait on.
///
/// Connections are bounded by hyper's and axum-server's own settings: HTTP/1 only; complete
/// headers within `header_timeout` of the connection opening or of the previous answer (so
/// a silent, half-sent or idle kept-alive connection is closed); bodies by the body timeout
/// layer; and the connection caps, in all and per address, at accept.
pub async fn serve(
    svc: Services,
    listener: tokio::net::TcpListener,
    limits: Limits,
    watch_every: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (engine, events) = Engine::start(svc.clone(), EngineOptions { watch_every, pollers: false });
    let result = serve_on(svc, listener, limits, events, shutdown).await;
    engine.shutdown().await;
    result
}

/// Serve with the change feed of an engine the caller runs (`serve --http --ssh` shares
/// one engine between both front doors).
pub async fn serve_on(
    svc: Services,
    listener: tokio::net::TcpListener,
    limits: Limits,
    events: mpsc::UnboundedReceiver<Event>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (tx, rx) = watch::channel(0u64);
    let caps = crate::admission::Caps::new(limits.max_connections, limits.max_connections_per_ip);
    let header_timeout = limits.header_timeout;
    let app = router(svc, limits, rx).into_make_service_with_connect_info::<SocketAddr>();
    let handle = axum_server::Handle::new();
    let mut server = axum_server::from_tcp(listener.into_std()?)?
        .acceptor(conns::CapAcceptor(caps))
        .handle(handle.clone())
        .http1_only();
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    // Only the engine spawns tasks: shutdown is one more branch here, and the server is then
    // given up to 5 s to finish what is open.
    let serving = server.serve(app);
    tokio::pin!(serving);
    tokio::select! {
        r = &mut serving => r.map_err(anyhow::Error::from),
        () = forward(events, tx) => Ok(()),
        () = shutdown => {
            handle.graceful_shutdown(Some(Duration::from_secs(5)));
            (&mut serving).await.map_err(anyhow::Error::from)
        }
    }
}

/// Wake the waiting long-polls when the chat changed, at most once per `COALESCE`: every
/// wake makes each of them look for its messages, so a burst of changes costs one look.
async fn forward(mut events: mpsc::UnboundedReceiver<Event>, tx: watch::Sender<u64>) {
    const COALESCE: Duration = Duration::from_millis(50);
    let chat =
        |ev: &Event| matches!(ev, Event::Changed(d) if d.iter().any(|d| d == crate::engine::read::support::CHAT));
    let wake = || tx.send_modify(|n| *n = n.wrapping_add(1));
    while let Some(ev) = events.recv().await {
        if !chat(&ev) {
            continue;
        }
        wake();
        tokio::time::sleep(COALESCE).await;
        let mut more = false;
        while let Ok(ev) = events.try_recv() {
            more |= chat(&ev);
        }
        if more {
            wake();
        }
    }
}
