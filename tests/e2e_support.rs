//! End to end, as people would: a visitor starts a chat over HTTP (`labdeck serve --http`
//! against the demo's SQLite file), Sue sees it in the real console in tmux, claims it and
//! replies; the visitor receives the reply, then the closing reference.

mod common;

use common::tmux::{Tmux, demo_password};
use labdeck::store::testing::TempDir;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// `labdeck serve --http 127.0.0.1:0` on the given database; stopped when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Serve {
    fn start(db_url: &str, home: &TempDir) -> Serve {
        let h = home.path.display();
        let mut child = Command::new(env!("CARGO_BIN_EXE_labdeck"))
            .args(["--database-url", db_url, "serve", "--http", "127.0.0.1:0"])
            .env("XDG_STATE_HOME", format!("{h}/serve-state"))
            .env("XDG_CONFIG_HOME", format!("{h}/serve-config"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("labdeck serve starts");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout).read_line(&mut line).expect("serve prints its address");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .trim_end_matches('/')
            .to_string();
        Serve { child, base }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_visitor_chats_with_sue_in_the_console() {
    let home = TempDir::new();
    let db = format!("sqlite://{}/demo.db", home.path.display());
    let t = Tmux::start(&format!("--database-url {db} demo"));
    let screen = t.wait_for("demo accounts");
    let password = demo_password(&screen, "support", "sue");
    let serve = Serve::start(&db, &home);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
    let started: Value = rt.block_on(async {
        let body = json!({"name": "Eve Visitor", "email": "eve@example.com", "subject": "Cannot find the lab\u{1b}[2J", "message": "Where is room 4.12?"});
        http.post(format!("{}/api/chat", serve.base)).json(&body).send().await.unwrap().json().await.unwrap()
    });
    let token = started["token"].as_str().expect("a token").to_string();
    let reference = started["reference"].as_str().unwrap().to_string();
    let poll = |after: Option<&str>, wait: u64| -> Value {
        let mut url = format!("{}/api/chat/messages?wait={wait}", serve.base);
        if let Some(a) = after {
            url.push_str(&format!("&after={a}"));
        }
        rt.block_on(async { http.get(url).bearer_auth(&token).send().await.unwrap().json().await.unwrap() })
    };
    let first = poll(None, 0);
    let last_id = first["messages"].as_array().unwrap().last().unwrap()["id"].as_str().unwrap().to_string();

    // Sue signs in and lands on Support; the new chat is in the live queue.
    t.text("sue");
    t.keys(&["Tab"]);
    t.text(&password);
    t.keys(&["Enter"]);
    // A rep lands on Support (issue 14 #16); the palette opening it again changes nothing.
    t.wait_for("live chats");
    t.keys(&[":"]);
    t.text("support");
    t.keys(&["Enter"]);
    let queue = t.wait_for("Cannot find the lab[2J");
    assert!(queue.contains("live chats"), "{queue}");
    assert!(!queue.contains('\u{1b}'), "no escape reached the terminal");
    t.keys(&["/"]);
    t.text(&reference);
    t.keys(&["Enter"]);
    t.wait_for("live chats (1/");
    t.wait_for("Where is room 4.12?");
    t.keys(&["C"]);
    t.wait_for("Chat claimed");
    t.wait_for("with Sue Support");
    t.keys(&["Enter"]);
    t.wait_for("reply: enter sends");
    t.text("Hi Eve, Sue here. Room 4.12 is on the fourth floor.");
    t.keys(&["Enter"]);
    t.wait_for("Sue Support: Hi Eve, Sue here.");

    // The visitor's long-poll brings the claim and the reply.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut after = last_id;
    let mut texts: Vec<String> = Vec::new();
    while !texts.iter().any(|t| t.contains("Room 4.12 is on the fourth floor")) {
        assert!(Instant::now() < deadline, "the visitor never got the reply: {texts:?}");
        let v = poll(Some(&after), 5);
        for m in v["messages"].as_array().unwrap() {
            texts.push(format!("{}: {}", m["from"].as_str().unwrap(), m["text"].as_str().unwrap()));
            after = m["id"].as_str().unwrap().to_string();
        }
    }
    assert!(texts.iter().any(|t| t.starts_with("system: Sue joined")), "{texts:?}");
    assert!(texts.iter().any(|t| t == "rep: Hi Eve, Sue here. Room 4.12 is on the fourth floor."), "{texts:?}");

    // The visitor answers; Sue sees it; she closes and the visitor gets the reference.
    let sent = rt.block_on(async {
        http.post(format!("{}/api/chat/messages", serve.base))
            .bearer_auth(&token)
            .json(&json!({"text": "Thanks!"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(sent, 201);
    t.wait_for("Eve Visitor: Thanks!");
    t.keys(&["Escape"]);
    t.keys(&["X"]);
    t.wait_for(&format!("Close the chat {reference}"));
    t.keys(&["y"]);
    t.wait_for(&format!("the visitor's reference is {reference}"));
    let closing = poll(Some(&after), 10);
    assert_eq!(closing["status"], "closed");
    let last = closing["messages"].as_array().unwrap().last().unwrap()["text"].as_str().unwrap().to_string();
    assert!(last.contains(&reference), "{last}");

    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}

/// Issue 18: Tom, a tutor, opens his assignment's records in the real console, schedules a
/// meeting and marks it done; the table shows it completed.
#[test]
fn a_tutor_schedules_a_meeting_and_marks_it_done() {
    let t = common::tmux::sign_in("teacher", "tom");
    t.wait_for("classes (");
    t.keys(&[":"]);
    t.text("support");
    t.keys(&["Enter"]);
    t.wait_for("threads (");
    // Assignments: ASG-1004 is Tom's; its links show below, Enter opens its records.
    t.keys(&["]"]);
    t.wait_for("assignments (");
    t.keys(&["/"]);
    t.text("ASG-1004");
    t.keys(&["Enter"]);
    t.wait_for("Tutoring: shell scripting");
    t.keys(&["Enter"]);
    t.wait_for("of ASG-1004");
    // Meetings only, then a new one.
    t.keys(&["o", "o"]);
    t.wait_for("kind: meetings");
    t.keys(&["n"]);
    t.wait_for("new meeting");
    t.keys(&["Tab"]);
    t.text("2030-01-15 10:00");
    t.keys(&["Enter"]);
    t.wait_for("Added a meeting to ASG-1004.");
    let shown = t.wait_for("2030-01-15 10:00");
    let row = shown.lines().find(|l| l.contains("2030-01-15 10:00")).unwrap().to_string();
    assert!(row.contains("scheduled") && row.contains("MT-"), "{row}");
    // Mark it done: e offers the moves a tutor may make; → picks "completed".
    t.keys(&["/"]);
    t.text("2030-01-15");
    t.keys(&["Enter"]);
    t.keys(&["e"]);
    t.wait_for("meeting of ASG-1004 · scheduled");
    t.keys(&["Right", "Enter"]);
    t.wait_for("The meeting is completed.");
    let done = t.wait_for("completed   2030-01-15 10:00");
    assert!(done.contains("meeting"), "{done}");
    t.keys(&["Escape", "q"]);
    t.wait_for("EXITED:0");
}
