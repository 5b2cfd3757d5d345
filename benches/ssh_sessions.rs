//! `labdeck serve --ssh` under load, over loopback only, bounded in count and time: the
//! server is the release binary on a demo SQLite database (no cluster polled); clients are
//! an SSH library in this process, signed in as ada by key, each a full console at 120×40.
//! Measures: time from TCP connect to the first frame (10 sessions, one after another), the
//! server's RSS per extra session (0 → 10 → 100), its idle CPU with 10 idle sessions (30 s,
//! all threads, from schedstat), and keystroke → frame latency with 100 sessions each
//! pressing `?` and Esc (help on, help off) 20 times, concurrently.
//! Run: cargo bench --bench ssh_sessions

use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{PrivateKey, PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh::{ChannelMsg, client};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SESSIONS: usize = 100;
const PRESSES: usize = 20;
/// The whole load phase stops after this, done or not.
const LIMIT: Duration = Duration::from_secs(120);

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

struct Console {
    _session: client::Handle<Trusting>,
    channel: russh::Channel<client::Msg>,
}

impl Console {
    /// Wait for output that contains `needle` (bytes gathered since the call).
    async fn until(&mut self, needle: &str) -> Option<Instant> {
        let mut seen = Vec::new();
        loop {
            match tokio::time::timeout(Duration::from_secs(30), self.channel.wait()).await.ok()?? {
                ChannelMsg::Data { data } => {
                    seen.extend_from_slice(&data);
                    if String::from_utf8_lossy(&seen).contains(needle) {
                        return Some(Instant::now());
                    }
                }
                ChannelMsg::Close | ChannelMsg::Eof => return None,
                _ => {}
            }
        }
    }
}

async fn open(port: u16, key: &Arc<PrivateKey>) -> Console {
    let config = Arc::new(client::Config::default());
    let mut session = client::connect(config, ("127.0.0.1", port), Trusting).await.expect("connect");
    let auth =
        session.authenticate_publickey("ada", PrivateKeyWithHashAlg::new(key.clone(), None)).await.expect("auth");
    assert!(auth.success(), "ada's key signs in");
    let channel = session.channel_open_session().await.expect("channel");
    channel.request_pty(false, "xterm-256color", 120, 40, 0, 0, &[]).await.unwrap();
    channel.request_shell(false).await.unwrap();
    Console { _session: session, channel }
}

fn status(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field))?.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

/// CPU time of every thread of `pid`, in nanoseconds.
fn cpu_ns(pid: u32) -> u64 {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap().flatten() {
        if let Ok(s) = std::fs::read_to_string(task.path().join("schedstat")) {
            total += s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    total
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_labdeck");
    let home = std::env::temp_dir().join(format!("labdeck-ssh-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).unwrap();
    let db = format!("sqlite://{}/demo.db", home.display());
    let env = |c: &mut Command| {
        c.env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_CONFIG_HOME", home.join("config"));
    };
    let mut seed = Command::new(bin);
    env(&mut seed);
    assert!(
        seed.args(["--database-url", &db, "demo", "--seed-only"]).stdout(Stdio::null()).status().unwrap().success()
    );
    let key = Arc::new(PrivateKey::new(KeypairData::Ed25519(Ed25519Keypair::from_seed(&[7; 32])), "bench").unwrap());
    let mut add = Command::new(bin);
    env(&mut add);
    let mut child = add
        .args(["--database-url", &db, "user", "key", "add", "ada", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(key.public_key().to_openssh().unwrap().as_bytes()).unwrap();
    assert!(child.wait().unwrap().success());
    let mut serve = Command::new(bin);
    env(&mut serve);
    let mut server = serve
        .args(["--database-url", &db, "serve", "--ssh", "127.0.0.1:0", "--ssh-max-sessions-per-ip", "1000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = server.id();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let port: u16 = loop {
        let line = lines.next().expect("serve prints its address").unwrap();
        if let Some(rest) = line.strip_prefix("console over SSH on 127.0.0.1:") {
            break rest.split(':').next().unwrap().parse().unwrap();
        }
    };
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("load average at start: {}", load.trim());

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let rss0 = status(pid, "VmRSS:");
        // Connect → first frame (the Inventory tab's title), one session at a time.
        let mut consoles = Vec::new();
        let mut firsts = Vec::new();
        for _ in 0..10 {
            let t0 = Instant::now();
            let mut c = open(port, &key).await;
            let at = c.until("Inventory").await.expect("a first frame");
            firsts.push(at - t0);
            consoles.push(c);
        }
        firsts.sort();
        println!("ssh connect → first frame (10 sessions, sequential): median {:?}, max {:?}", firsts[5], firsts[9]);
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss10 = status(pid, "VmRSS:");
        println!(
            "server RSS: {} KiB idle, {} KiB with 10 sessions: {} KiB per session",
            rss0,
            rss10,
            (rss10.saturating_sub(rss0)) / 10
        );

        // Idle CPU with 10 sessions open (the minute clock off-screen: no frame is due).
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (c0, t0) = (cpu_ns(pid), Instant::now());
        tokio::time::sleep(Duration::from_secs(30)).await;
        let share = (cpu_ns(pid) - c0) as f64 / t0.elapsed().as_nanos() as f64 * 100.0;
        println!("server idle CPU with 10 idle sessions, 30 s: {share:.3} % of one core");

        for _ in consoles.len()..SESSIONS {
            let mut c = open(port, &key).await;
            c.until("Inventory").await.expect("a first frame");
            consoles.push(c);
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        let rss100 = status(pid, "VmRSS:");
        println!(
            "server RSS with {SESSIONS} sessions: {} KiB ({} KiB per session over the idle server)",
            rss100,
            rss100.saturating_sub(rss0) / SESSIONS as u64
        );

        // Keystroke → frame, all sessions at once: `?` opens the help, Esc closes it.
        let deadline = Instant::now() + LIMIT;
        let mut tasks = tokio::task::JoinSet::new();
        for mut c in consoles {
            tasks.spawn(async move {
                let mut samples = Vec::new();
                for i in 0..PRESSES {
                    if Instant::now() > deadline {
                        break;
                    }
                    let key: &[u8] = if i % 2 == 0 { b"?" } else { b"\x1b" };
                    let t0 = Instant::now();
                    if c.channel.data(key).await.is_err() {
                        break;
                    }
                    // A frame is whole when its synchronized update ends.
                    match c.until("\x1b[?2026l").await {
                        Some(at) => samples.push(at - t0),
                        None => break,
                    }
                }
                samples
            });
        }
        let mut all = Vec::new();
        while let Some(r) = tasks.join_next().await {
            all.extend(r.unwrap_or_default());
        }
        all.sort();
        if all.is_empty() {
            println!("keystroke → frame: no samples");
        } else {
            println!(
                "keystroke → frame with {SESSIONS} sessions ({} samples): p50 {:?}, p99 {:?}, max {:?}",
                all.len(),
                percentile(&all, 0.5),
                percentile(&all, 0.99),
                all[all.len() - 1]
            );
        }
    });
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&home);
}
