//! The fault suite (issue 15): slow and idle HTTP clients, connection caps, parallel
//! sign-in guesses, a failed transaction's connection, PostgreSQL cut off behind a proxy
//! and back, and a full disk on a small tmpfs where this machine allows mounting one.
//!
//! Bounds here are generous upper limits on when something must have *ended* (a server
//! that never closes a connection fails them by minutes), not measurements.

mod common;

use common::chat::server;
use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::Actor;
use labdeck::engine::accounts::{self, AccountForm, BAD_CREDENTIALS};
use labdeck::engine::{AppError, Services};
use labdeck::http::Limits;
use labdeck::store::{ConnectOptions, Store, StoreError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---- slow and idle HTTP clients ---------------------------------------------------------

fn tight() -> Limits {
    Limits {
        header_timeout: Duration::from_secs(1),
        body_timeout: Duration::from_secs(1),
        max_connections_per_ip: 4,
        ..Limits::default()
    }
}

/// Read until the server closes the connection (or `within` passes); what it sent, and
/// whether it closed.
async fn read_until_closed(s: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + within;
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

fn addr_of(base: &str) -> String {
    base.trim_start_matches("http://").to_string()
}

/// The bound within which a 1 s header or body timeout must have closed a connection.
const CLOSED_WITHIN: Duration = Duration::from_secs(6);

both!(silent_half_sent_stalled_and_idle_connections_are_closed, |store: Store| async move {
    let s = server(&store, tight()).await;
    let addr = addr_of(&s.base);

    // Connected, and never a byte.
    let mut silent = TcpStream::connect(&addr).await.unwrap();
    // Half the headers, then nothing.
    let mut partial = TcpStream::connect(&addr).await.unwrap();
    partial.write_all(b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Ty").await.unwrap();
    // The headers of a 1,000-byte body, 10 bytes of it, then nothing.
    let mut stalled = TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(
            b"POST /api/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":\"",
        )
        .await
        .unwrap();
    // One whole request answered, then idle on a kept-alive connection.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /chat.css HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();

    let t0 = Instant::now();
    let (said, closed) = read_until_closed(&mut silent, CLOSED_WITHIN).await;
    assert!(closed, "a silent connection was still open after {:?}", t0.elapsed());
    assert!(said.is_empty() || said.starts_with("HTTP/1.1 408"), "{said}");
    let (said, closed) = read_until_closed(&mut partial, CLOSED_WITHIN).await;
    assert!(closed, "half-sent headers: still open after {:?}", t0.elapsed());
    assert!(!said.contains("201"), "{said}");
    let (said, closed) = read_until_closed(&mut stalled, CLOSED_WITHIN).await;
    assert!(closed, "a stalled body: still open after {:?}", t0.elapsed());
    assert!(said.starts_with("HTTP/1.1 408"), "the stalled request is answered 408: {said}");
    assert!(said.contains("\"code\":\"timeout\""), "{said}");
    let (said, closed) = read_until_closed(&mut idle, CLOSED_WITHIN).await;
    assert!(closed, "an idle kept-alive connection: still open after {:?}", t0.elapsed());
    assert!(said.starts_with("HTTP/1.1 200"), "the request before the idle time was answered: {said}");

    // The server still serves.
    let res = common::chat::client().get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(res.status(), 200);
});

both!(connections_beyond_the_per_address_cap_are_refused, |store: Store| async move {
    // Long timeouts, so that only the cap can close anything here.
    let limits = Limits { header_timeout: Duration::from_secs(60), max_connections_per_ip: 4, ..Limits::default() };
    let s = server(&store, limits).await;
    let addr = addr_of(&s.base);
    // Five silent connections from one address: the server closes one of them (whichever
    // it admits last; only the cap can close anything here), and the four others are served.
    let mut conns = Vec::new();
    for _ in 0..5 {
        conns.push(Some(TcpStream::connect(&addr).await.unwrap()));
    }
    let deadline = Instant::now() + CLOSED_WITHIN;
    let mut refused = 0;
    while refused == 0 && Instant::now() < deadline {
        for slot in &mut conns {
            let Some(c) = slot else { continue };
            let mut byte = [0u8; 1];
            if let Ok(r) = tokio::time::timeout(Duration::from_millis(20), c.read(&mut byte)).await {
                assert!(!matches!(r, Ok(n) if n > 0), "the server spoke first");
                *slot = None;
                refused += 1;
            }
        }
    }
    assert_eq!(refused, 1, "one of five connections from one address is refused");
    for c in conns.iter_mut().flatten() {
        c.write_all(b"GET /chat.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let (said, _) = read_until_closed(c, CLOSED_WITHIN).await;
        assert!(said.starts_with("HTTP/1.1 200"), "the four admitted are served: {said}");
    }
    // Four held open (idle) fill the cap: a fifth is refused while they stay. (First let
    // the server finish dropping the five above.)
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut extra = TcpStream::connect(&addr).await.unwrap();
    let _ = extra.write_all(b"GET /chat.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    let (said, closed) = read_until_closed(&mut extra, CLOSED_WITHIN).await;
    assert!(closed && said.is_empty(), "idle connections count against the cap: {said:?}");
    // A closed connection frees its place.
    held.remove(0);
    let mut again = None;
    for _ in 0..50 {
        let mut c = TcpStream::connect(&addr).await.unwrap();
        c.write_all(b"GET /chat.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
        let (said, _) = read_until_closed(&mut c, CLOSED_WITHIN).await;
        if said.starts_with("HTTP/1.1 200") {
            again = Some(said);
            break;
        }
        // The server may not have seen the close yet.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(again.is_some(), "a place freed by a closed connection is taken again");
});

both!(starting_a_chat_needs_json_from_an_allowed_origin, |store: Store| async move {
    let limits = Limits { allowed_origins: vec!["https://school.example".into()], ..Limits::default() };
    let s = server(&store, limits).await;
    let c = common::chat::client();
    let url = format!("{}/api/chat", s.base);
    let body = r#"{"name":"Eve","message":"hi"}"#;
    for kind in ["text/plain", "application/x-www-form-urlencoded", "application/xml", "multipart/form-data"] {
        let res = c.post(&url).header("content-type", kind).body(body).send().await.unwrap();
        assert_eq!(res.status(), 415, "{kind}");
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(v["code"], "unsupported_media_type");
    }
    let res = c.post(&url).body(body).send().await.unwrap();
    assert_eq!(res.status(), 415, "no content type");
    let json = |origin: Option<&str>| {
        let mut r = c.post(&url).header("content-type", "application/json; charset=utf-8").body(body);
        if let Some(o) = origin {
            r = r.header("origin", o);
        }
        r
    };
    let evil = json(Some("https://evil.example")).send().await.unwrap();
    assert_eq!(evil.status(), 403);
    assert_eq!(evil.json::<serde_json::Value>().await.unwrap()["code"], "origin_not_allowed");
    assert_eq!(json(Some("https://school.example")).send().await.unwrap().status(), 201, "a listed origin");
    assert_eq!(json(Some(&s.base)).send().await.unwrap().status(), 201, "the server's own page");
    assert_eq!(json(None).send().await.unwrap().status(), 201, "no origin: not a browser");
    let n = count(&store, "SELECT count(*) FROM visitor_sessions").await;
    assert_eq!(n, 3, "only the three allowed requests started chats");
});

// ---- parallel sign-in -------------------------------------------------------------------

async fn student(store: &Store, name: &str, password: &str) {
    let form = AccountForm { username: name.into(), email: String::new(), display_name: name.into() };
    accounts::create_user(&common::services(store), &Actor::system("t"), &form, Role::Student, Some(password.into()))
        .await
        .unwrap();
}

async fn count(store: &Store, sql: &'static str) -> i64 {
    labdeck::on_pool!(store, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await.unwrap())
}

both!(parallel_wrong_passwords_reach_verification_at_most_six_times, |store: Store| async move {
    student(&store, "ann", "correct horse battery").await;
    let svc = common::services(&store);
    let mut tries = Vec::new();
    for i in 0..20 {
        let svc = svc.clone();
        tries.push(tokio::spawn(async move {
            accounts::sign_in(&svc, "ann", format!("wrong password {i}")).await.map(|_| ())
        }));
    }
    let (mut verified, mut throttled) = (0, 0);
    for t in tries {
        match t.await.unwrap() {
            Err(AppError::Auth(m)) if m == BAD_CREDENTIALS => verified += 1,
            Err(AppError::Auth(m)) if m.starts_with("Too many failed attempts") => throttled += 1,
            other => panic!("unexpected: {other:?}"),
        }
    }
    let designed = labdeck::domain::throttle::FREE_ATTEMPTS + 1;
    assert!(verified >= 1 && verified <= designed, "{verified} of 20 reached password verification");
    assert_eq!(verified + throttled, 20);
    // Refusals are audited once per block, not once per try.
    let refusals =
        count(&store, "SELECT count(*) FROM audit_log WHERE action = 'sign_in' AND outcome = 'denied'").await;
    assert!(refusals <= 2, "{refusals} audit rows for {throttled} refused tries");
    // Once the block is over, the right password works, and the next audit row sums up
    // the refused tries.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    accounts::sign_in(&svc, "ann", "correct horse battery".into()).await.unwrap();
    let summary = count(
        &store,
        "SELECT count(*) FROM audit_log WHERE action = 'sign_in' AND message LIKE '% tries refused while throttled'",
    )
    .await;
    assert_eq!(summary, 1);
});

both!(a_right_password_gives_back_its_count_on_the_shared_source, |store: Store| async move {
    // Everyone signing in from one place (one source key): 12 good sign-ins in a row must
    // not block the next person.
    student(&store, "bob", "correct horse battery").await;
    let svc = common::services(&store);
    for _ in 0..12 {
        accounts::sign_in(&svc, "bob", "correct horse battery".into()).await.unwrap();
    }
    let src = labdeck::domain::throttle::source_key(&svc.source.throttle_key());
    let state = store.throttle_state(&src).await.unwrap();
    assert!(state.as_ref().is_none_or(|s| s.failures == 0 && s.blocked_until.is_none()), "{state:?}");
});

// ---- a failed transaction's connection --------------------------------------------------

/// End the transaction under sqlx's feet on every pooled connection at once — what SQLite
/// does by itself on a full disk or an I/O error — so that the rollback sqlx sends when the
/// transaction is dropped fails.
async fn break_transactions(store: &Store) {
    labdeck::on_pool!(store, p => {
        let n = p.options().get_max_connections() as usize;
        let mut open = Vec::new();
        for _ in 0..n {
            let mut tx = p.begin().await.unwrap();
            sqlx::query("SELECT 1").execute(&mut *tx).await.unwrap();
            open.push(tx);
        }
        for tx in &mut open {
            sqlx::query("ROLLBACK").execute(&mut **tx).await.unwrap();
        }
        drop(open);
    });
}

both!(connections_are_usable_after_a_failed_transaction, |store: Store| async move {
    break_transactions(&store).await;
    let svc = common::services(&store);
    let mut failures = Vec::new();
    for i in 0..20 {
        let entry = Entry::by(&Actor::system("t"), &svc.source, "probe", "test").message(format!("call {i}"));
        if let Err(e) = store.audit(entry).await {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{} of 20 calls failed: {:?}", failures.len(), failures.first());
});

// ---- PostgreSQL behind a proxy that is cut ----------------------------------------------

/// A TCP proxy to PostgreSQL that can be cut (every open connection dropped, new ones
/// closed at once) and restored.
struct Proxy {
    addr: std::net::SocketAddr,
    up: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cut: tokio::sync::watch::Sender<u64>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        use std::sync::atomic::Ordering;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let (cut, cuts) = tokio::sync::watch::channel(0u64);
        let flag = up.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else { continue };
                if !flag.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let mut cuts = cuts.clone();
                // Only cuts after this connection opened end it.
                cuts.borrow_and_update();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(&upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cuts.changed() => {}
                    }
                });
            }
        });
        Proxy { addr, up, cut, task }
    }

    fn cut(&self) {
        self.up.store(false, std::sync::atomic::Ordering::SeqCst);
        self.cut.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_outage_reads_as_one_and_the_store_recovers() {
    let Some(url) = common::postgres_url() else { return };
    let (head, db) = url.rsplit_once('/').unwrap();
    let host = head.rsplit_once('@').map_or(head.trim_start_matches("postgres://"), |(_, h)| h);
    let proxy = Proxy::start(host.to_string()).await;
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin =
        Store::connect(&ConnectOptions { max_connections: 1, ..ConnectOptions::new(url.clone()) }).await.unwrap();
    labdeck::on_pool!(&admin, p => {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(p).await.unwrap();
    });
    admin.close().await;
    let user = head.split_once("://").and_then(|(_, r)| r.split_once('@')).map_or("postgres", |(u, _)| u);
    let through = format!("postgres://{user}@{}/{db}", proxy.addr);
    let store = Store::connect(&ConnectOptions {
        search_path: Some(schema),
        max_connections: 2,
        ..ConnectOptions::new(through)
    })
    .await
    .unwrap();
    store.migrate().await.unwrap();
    store.sync_permissions().await.unwrap();
    let svc = Services::new(store.clone(), Source::Cli { os_user: "test".into() });
    let probe = |i: u32| Entry::by(&Actor::system("t"), &svc.source, "probe", "test").message(format!("call {i}"));
    store.audit(probe(0)).await.unwrap();

    proxy.cut();
    let e = store.audit(probe(1)).await.unwrap_err();
    let shown = AppError::from(e).to_string();
    assert!(shown.contains("cannot be reached"), "the outage reads: {shown}");
    assert!(!shown.contains("busy") && !shown.contains("lock"), "the outage reads: {shown}");
    // A use case says the same to the console.
    let e = accounts::sign_in(&svc, "nobody", "whatever password".into()).await.unwrap_err().to_string();
    assert!(e.contains("cannot be reached"), "{e}");

    proxy.restore();
    let mut recovered = false;
    for i in 0..30 {
        if store.audit(probe(10 + i)).await.is_ok() {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(recovered, "the store works again once PostgreSQL is back");
    for i in 0..20 {
        store.audit(probe(100 + i)).await.unwrap();
    }
}

// ---- a full disk ------------------------------------------------------------------------

/// A small tmpfs, unmounted when dropped; `None` (with the reason) where mounting is not allowed.
struct SmallDisk {
    dir: std::path::PathBuf,
}

impl SmallDisk {
    fn mount(size: &str) -> Result<SmallDisk, String> {
        let dir = std::env::temp_dir().join(format!("labdeck-full-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(SmallDisk { dir })
        } else {
            let _ = std::fs::remove_dir(&dir);
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// Fill the disk with a file until the file system says it is full.
fn fill(path: &std::path::Path) -> std::fs::File {
    use std::io::Write;
    let mut f = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 * 1024];
    loop {
        if f.write_all(&block).is_err() {
            break;
        }
    }
    let small = [0u8; 512];
    while f.write_all(&small).is_ok() {}
    f
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_reads_as_one_and_writes_work_again_once_space_is_freed() {
    let disk = match SmallDisk::mount("8m") {
        Ok(d) => d,
        Err(why) => {
            println!("faults: full-disk test skipped: this machine does not allow mounting a tmpfs ({why})");
            return;
        }
    };
    let url = format!("sqlite://{}/full.db", disk.dir.display());
    let store = Store::connect(&ConnectOptions::new(url)).await.unwrap();
    store.migrate().await.unwrap();
    store.sync_permissions().await.unwrap();
    let svc = common::services(&store);
    let probe = |i: u32| {
        Entry::by(&Actor::system("t"), &svc.source, "probe", "test").message(format!("{i} {}", "x".repeat(2000)))
    };
    store.audit(probe(0)).await.unwrap();

    let filler_path = disk.dir.join("filler");
    let filler = fill(&filler_path);
    let mut seen = None;
    for i in 1..200 {
        if let Err(e) = store.audit(probe(i)).await {
            seen = Some(e);
            break;
        }
    }
    let e = seen.expect("writes fail on a full disk");
    assert!(matches!(e, StoreError::DiskFull), "{e:?}");
    let shown = e.to_string();
    assert!(shown.contains("disk") && shown.contains("full") && !shown.contains("code"), "{shown}");

    drop(filler);
    std::fs::remove_file(&filler_path).unwrap();
    let mut failures = Vec::new();
    for i in 0..20 {
        if let Err(e) = store.audit(probe(1000 + i)).await {
            failures.push(e.to_string());
        }
    }
    assert!(failures.is_empty(), "{} of 20 calls failed after space was freed: {:?}", failures.len(), failures);
    store.close().await;
}

// ---- bad input at the command line ------------------------------------------------------

/// Run labdeck with a fresh home; (succeeded or still running after 20 s, what it said).
fn labdeck(args: &[&str]) -> (bool, String) {
    use std::io::Read;
    let dir = labdeck::store::testing::TempDir::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_labdeck"))
        .args(args)
        .env("HOME", &dir.path)
        .env("XDG_CONFIG_HOME", dir.path.join("config"))
        .env("XDG_DATA_HOME", dir.path.join("data"))
        .env("XDG_STATE_HOME", dir.path.join("state"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > deadline {
            // A server that started with a bad limit runs on: that is acceptance.
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut said = String::new();
    let _ = child.stdout.take().unwrap().read_to_string(&mut said);
    let _ = child.stderr.take().unwrap().read_to_string(&mut said);
    (status.is_none_or(|s| s.success()), said)
}

#[test]
fn bad_limits_and_urls_are_refused_with_one_clear_message() {
    for rate in ["NaN", "inf", "-5", "0"] {
        let (ok, said) = labdeck(&["serve", "--http", "127.0.0.1:0", &format!("--ip-rate={rate}")]);
        assert!(!ok, "--ip-rate {rate} was accepted: {said}");
        assert!(said.contains("--ip-rate") && said.contains(rate), "{said}");
    }
    let (ok, said) = labdeck(&["--database-url", "sqlite://", "db", "status"]);
    assert!(!ok && said.contains("names no database file"), "{said}");
    assert!(!said.contains("no such table"), "{said}");
    let (ok, said) =
        labdeck(&["--database-url", "postgres://nobody@127.0.0.1:1/x?password=hunter2-secret", "db", "status"]);
    assert!(!ok, "{said}");
    assert!(!said.contains("hunter2-secret") && said.contains("password=***"), "{said}");
}
