//! Support: visitor message → rep's screen latency with 100 concurrent visitors, and memory
//! with 100 open chats of 500 messages. Visitors talk to the real HTTP server (its own
//! engine); the rep is the console's `App` on its own engine, drawn to a 200×60 test
//! terminal after every update, as the TUI does. On SQLite and, when
//! LABDECK_TEST_POSTGRES_URL is set, on PostgreSQL.
//! Run: LABDECK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench support_chat

use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::engine::accounts::{self, AccountForm, Session};
use labdeck::engine::{Engine, EngineOptions, Services};
use labdeck::http::{Limits, Rate};
use labdeck::store::Store;
use labdeck::tui::app::{App, Msg, Phase};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::screens::support::SupportScreen;
use labdeck::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const VISITORS: usize = 100;
const RUN: Duration = Duration::from_secs(30);
/// The console's revision polling (config `engine.watch_interval_ms`, default 1000; the
/// engine looks every 250 ms while the live queue is on screen).
const REP_WATCH: Duration = Duration::from_millis(1000);

type Sent = Arc<Mutex<HashMap<String, Vec<Instant>>>>;

fn svc(store: &Store) -> Services {
    Services::new(store.clone(), labdeck::domain::audit::Source::Engine)
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn rep_app(store: &Store) -> App {
    let form = AccountForm { username: "sue".into(), email: String::new(), display_name: "Sue Support".into() };
    let (user, _) = accounts::create_user(
        &svc(store),
        &Actor::system("bench"),
        &form,
        Role::Support,
        Some("correct horse battery".into()),
    )
    .await
    .expect("rep");
    let actor = store.load_actor(user.id).await.expect("actor");
    let mut app = App::new(Keymap::default(), Theme::mono(), "bench", vec![], labdeck::config::Clock::Off);
    app.take_commands();
    use labdeck::engine::{Event, Reply, RequestId};
    app.update(Msg::Engine(Event::Reply {
        id: RequestId::NONE,
        reply: Reply::Setup { needs_first_admin: false, org: None },
    }));
    app.update(Msg::Engine(Event::Reply {
        id: RequestId::NONE,
        reply: Reply::SignedIn(Box::new(Session { actor, user })),
    }));
    app
}

async fn server(store: &Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    // One address plays 100 visitors here: lift the per-address limits, keep the rest.
    let limits = Limits {
        per_ip: Rate::new(1e6, 1e6),
        starts_per_ip: Rate::new(1e6, 1e6),
        max_connections_per_ip: 100_000,
        ..Limits::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let s = svc(store);
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        let _ = labdeck::http::serve(s, listener, limits, Duration::from_millis(100), shutdown).await;
    });
    (base, stop)
}

/// Start visitor `i`'s chat: its token and reference.
async fn start_chat(http: &reqwest::Client, base: &str, i: usize) -> (String, String) {
    let started: serde_json::Value = http
        .post(format!("{base}/api/chat"))
        .json(&serde_json::json!({"name": format!("Visitor {i}"), "subject": format!("question {i}")}))
        .send()
        .await
        .expect("start")
        .json()
        .await
        .expect("json");
    let field = |k: &str| started[k].as_str().expect("token and reference").to_string();
    (field("token"), field("reference"))
}

/// One visitor: start a chat, long-poll for replies, send a message every 1–3 s.
async fn visitor(i: usize, base: String, sent: Sent, until: Instant) {
    let http = reqwest::Client::new();
    let (token, reference) = start_chat(&http, &base, i).await;
    let poller = {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let mut after = String::new();
            while Instant::now() < until {
                let q = if after.is_empty() { String::new() } else { format!("&after={after}") };
                let Ok(r) = http.get(format!("{base}/api/chat/messages?wait=10{q}")).bearer_auth(&token).send().await
                else {
                    continue;
                };
                let v: serde_json::Value = r.json().await.unwrap_or_default();
                if let Some(id) = v["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["id"].as_str()) {
                    after = id.to_string();
                }
            }
        }
    };
    let talker = async {
        let mut k = 0u64;
        while Instant::now() < until {
            let pause = 1000 + (i as u64 * 7919 + k * 104_729) % 2000;
            tokio::time::sleep(Duration::from_millis(pause)).await;
            let t0 = Instant::now();
            sent.lock().expect("lock").entry(reference.clone()).or_default().push(t0);
            let r = http
                .post(format!("{base}/api/chat/messages"))
                .bearer_auth(&token)
                .json(&serde_json::json!({"text": format!("message {k} from visitor {i}")}))
                .send()
                .await;
            if !r.is_ok_and(|r| r.status() == 201) {
                sent.lock().expect("lock").get_mut(&reference).map(|v| v.pop());
            }
            k += 1;
        }
    };
    tokio::join!(poller, talker);
}

async fn latency(name: &str, store: Store) {
    let (base, stop) = server(&store).await;
    let mut app = rep_app(&store).await;
    let (engine, mut events) = Engine::start(svc(&store), EngineOptions { watch_every: REP_WATCH, pollers: false });
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let sent: Sent = Arc::default();
    let until = Instant::now() + RUN;
    for i in 0..VISITORS {
        tokio::spawn(visitor(i, base.clone(), sent.clone(), until));
    }
    // A visitor message is on the rep's screen once the queue row counts it (greeting + k + 1).
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut lat: Vec<Duration> = Vec::new();
    for c in app.take_commands() {
        engine.send(c);
    }
    let end = until + Duration::from_secs(3);
    while Instant::now() < end {
        let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(200), events.recv()).await else { continue };
        if app.update(Msg::Engine(ev)) {
            term.draw(|f| app.view(f)).expect("draw");
        }
        for c in app.take_commands() {
            engine.send(c);
        }
        let now = Instant::now();
        let Phase::Shell(shell) = &app.phase else { continue };
        let sent = sent.lock().expect("lock");
        let Some(support) = shell.screen::<SupportScreen>() else { continue };
        for row in support.queue.rows() {
            let shown = (row.messages as usize).saturating_sub(1);
            let seen = seen.entry(row.reference.clone()).or_default();
            if let Some(times) = sent.get(&row.reference) {
                for t in times.iter().take(shown.min(times.len())).skip(*seen) {
                    lat.push(now - *t);
                }
                *seen = (*seen).max(shown.min(times.len()));
            }
        }
    }
    let _ = stop.send(());
    engine.shutdown().await;
    let total: usize = sent.lock().expect("lock").values().map(Vec::len).sum();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or_default()
    };
    println!(
        "{name:<9} {VISITORS} visitors, {total} messages in {}s, {} seen by the rep: p50 {:>4} ms  p95 {:>4} ms  p99 {:>4} ms  max {:>4} ms",
        RUN.as_secs(),
        lat.len(),
        pct(0.50).as_millis(),
        pct(0.95).as_millis(),
        pct(0.99).as_millis(),
        lat.last().copied().unwrap_or_default().as_millis()
    );
}

/// 100 chats of 500 messages: the rep opens each transcript in turn; 100 visitors hold a
/// long-poll open. Reports the process's RSS at each step.
async fn memory(store: Store) {
    let before = rss_kib();
    let (base, stop) = server(&store).await;
    let mut app = rep_app(&store).await;
    let (engine, mut events) = Engine::start(svc(&store), EngineOptions { watch_every: REP_WATCH, pollers: false });
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for i in 0..VISITORS {
        tokens.push(start_chat(&http, &base, i).await.0);
    }
    // 499 more messages per chat, written in bulk (the HTTP path is what the latency run measures).
    let Store::Sqlite(pool) = &store else { return };
    let ids: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT id FROM visitor_sessions").fetch_all(pool).await.expect("ids");
    let mut tx = pool.begin().await.expect("tx");
    for (sid,) in &ids {
        for k in 0..499 {
            sqlx::query("INSERT INTO visitor_messages (id, session_id, sender_type, content, created_at) VALUES ($1, $2, 'visitor', $3, $4)")
                .bind(uuid::Uuid::now_v7())
                .bind(sid)
                .bind(format!("message {k}: a line of chat about booking the lab for next week's course"))
                .bind(labdeck::domain::time::now())
                .execute(&mut *tx)
                .await
                .expect("insert");
        }
    }
    tx.commit().await.expect("commit");
    let seeded = rss_kib();
    let polls: Vec<_> = tokens
        .iter()
        .map(|t| {
            let (http, url, t) = (http.clone(), format!("{base}/api/chat/messages?wait=20"), t.clone());
            tokio::spawn(async move { http.get(url).bearer_auth(t).send().await.map(|r| r.status()) })
        })
        .collect();
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut peak = 0;
    // The rep opens every chat: down, wait for its transcript, draw.
    for c in app.take_commands() {
        engine.send(c);
    }
    for step in 0..=VISITORS {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let Ok(Some(ev)) = tokio::time::timeout(Duration::from_millis(100), events.recv()).await else {
                if Instant::now() > deadline { break } else { continue }
            };
            app.update(Msg::Engine(ev));
            for c in app.take_commands() {
                engine.send(c);
            }
            let Phase::Shell(shell) = &app.phase else { continue };
            let Some(support) = shell.screen::<SupportScreen>() else { continue };
            let want = support.queue.selected().map(|s| s.id);
            if want.is_some() && support.transcript.as_ref().map(|t| t.0) == want {
                break;
            }
        }
        term.draw(|f| app.view(f)).expect("draw");
        peak = peak.max(rss_kib());
        if step < VISITORS {
            use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
            app.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(KeyCode::Down, KeyModifiers::NONE))));
            for c in app.take_commands() {
                engine.send(c);
            }
        }
    }
    let opened = rss_kib();
    let _ = stop.send(());
    for p in polls {
        let _ = p.await;
    }
    engine.shutdown().await;
    println!(
        "memory    {VISITORS} open chats × 500 messages (sqlite): RSS {} MiB before, {} MiB with the chats and 100 long-polls, {} MiB after the rep opened all 100 transcripts (peak {} MiB)",
        before / 1024,
        seeded / 1024,
        opened / 1024,
        peak / 1024
    );
}

fn main() {
    // As the binary does (src/cli.rs): two malloc arenas.
    labdeck::mem::limit_arenas();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        // Memory first, while the process holds nothing else.
        let (store, _dir) = labdeck::store::testing::sqlite().await.expect("sqlite");
        memory(store).await;
        let (store, _dir) = labdeck::store::testing::sqlite().await.expect("sqlite");
        latency("sqlite", store).await;
        if let Some(store) = labdeck::store::testing::postgres().await.expect("postgres") {
            latency("postgres", store).await;
        } else {
            println!("postgres  skipped: set LABDECK_TEST_POSTGRES_URL");
        }
    });
}
