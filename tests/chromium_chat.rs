//! The visitor's chat page in headless Chromium: the page loads, starts a chat from a
//! prefilled link, and shows a rep's reply (read back through the DevTools HTTP endpoint's
//! page titles, which the page keeps up to date). Chromium comes from `.ci/run`
//! (apt-get install chromium); outside CI a missing browser skips the test loudly.

mod common;

use labdeck::domain::audit::{Entry, Source};
use labdeck::http::Limits;
use labdeck::store::testing::TempDir;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|b| {
        Command::new(b).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    })
}

struct Browser(Child);

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const FLAGS: [&str; 5] = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_page_works_in_headless_chromium() {
    let Some(bin) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Chromium is missing in CI: .ci/run installs it (apt-get install chromium)"
        );
        eprintln!(
            "\n*** SKIPPED: Chromium is not installed (apt-get install chromium); the chat page was NOT tested ***\n"
        );
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let b = common::sqlite().await;
    let store = b.store.clone();
    let sue = common::chat::rep(&store).await;
    let srv = common::chat::server(&store, Limits::default()).await;
    let base = srv.base.clone();

    // The page as served: the form is there, and the script is loaded from our origin.
    let dom = tokio::process::Command::new(bin)
        .args(FLAGS)
        .args(["--dump-dom", &format!("{base}/")])
        .stderr(Stdio::null())
        .output();
    let dom = tokio::time::timeout(Duration::from_secs(60), dom).await.expect("chromium dumps the DOM").unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("<form id=\"start\"") && dom.contains("/chat.js"), "{dom}");

    // A prefilled link starts the chat by itself; the rep's reply shows in the page.
    let profile = TempDir::new();
    let url = format!("{base}/?name=Eve%20Browser&subject=Lab%20hours&message=Hello%20from%20Chromium&start=1");
    let child = Command::new(bin)
        .args(FLAGS)
        .arg("--remote-debugging-port=0")
        .arg(format!("--user-data-dir={}", profile.path.display()))
        .arg(&url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _browser = Browser(child);
    let port_file = profile.path.join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(60);
    let port = loop {
        if let Some(p) = std::fs::read_to_string(&port_file).ok().and_then(|s| s.lines().next().map(str::to_string))
            && !p.is_empty()
        {
            break p;
        }
        assert!(Instant::now() < deadline, "chromium never opened its DevTools port");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let http = reqwest::Client::new();
    let titles = || {
        let http = http.clone();
        let port = port.clone();
        async move {
            let list: serde_json::Value = match http.get(format!("http://127.0.0.1:{port}/json/list")).send().await {
                Ok(r) => r.json().await.unwrap_or_default(),
                Err(_) => serde_json::Value::Null,
            };
            list.as_array()
                .map(|a| a.iter().filter_map(|t| t["title"].as_str().map(String::from)).collect::<Vec<_>>())
                .unwrap_or_default()
        }
    };
    let wait_title = |needle: &'static str| async move {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = titles().await;
            if now.iter().any(|t| t.contains(needle)) {
                return now;
            }
            assert!(Instant::now() < deadline, "no page title with {needle:?}: {now:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    };
    wait_title("Waiting for a support rep").await;
    let queue = store.visitor_queue(&sue).await.unwrap();
    let chat = queue.iter().find(|s| s.visitor_name == "Eve Browser").expect("the page started a chat");
    assert_eq!(chat.subject, "Lab hours");
    let transcript = store.visitor_transcript(&sue, chat.id).await.unwrap();
    assert!(transcript.iter().any(|m| m.content == "Hello from Chromium"));
    store
        .claim_visitor(&sue, chat.id, Entry::by(&sue, &Source::Engine, "claim_chat", "visitor_session"))
        .await
        .unwrap();
    store.rep_says(&sue, chat.id, "Hello Eve, the lab opens at nine.").await.unwrap();
    let now = wait_title("the lab opens at nine").await;
    assert!(now.iter().any(|t| t.contains("Chatting with Sue Support")), "{now:?}");
}
