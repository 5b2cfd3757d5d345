//! The visitor chat API over real HTTP on both backends: start, send, long-poll a rep's
//! reply, and abuse — 10k messages, a 1 MB body, escape sequences, invalid UTF-8, bad
//! tokens — answered with clear JSON errors and 429 + Retry-After.

mod common;

use common::chat::{Server, client, rep, server};
use labdeck::domain::audit::Entry;
use labdeck::http::Limits;
use labdeck::store::Store;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

async fn get_json(c: &reqwest::Client, url: String, auth: &str) -> Value {
    c.get(url).header("authorization", auth).send().await.unwrap().json().await.unwrap()
}

async fn start(c: &reqwest::Client, s: &Server, body: Value) -> (String, Value) {
    let res = c.post(format!("{}/api/chat", s.base)).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.unwrap();
    (v["token"].as_str().unwrap().to_string(), v)
}

both!(a_visitor_chats_and_long_polls_the_reply, |store: Store| async move {
    let sue = rep(&store).await;
    let s = server(&store, Limits::default()).await;
    let c = client();
    let page = c.get(format!("{}/", s.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    assert!(page.text().await.unwrap().contains("Chat with support"));

    let (token, v) =
        start(&c, &s, json!({"name": "Eve", "email": "eve@example.com", "subject": "Pricing", "message": "hello"}))
            .await;
    assert_eq!(v["status"], "waiting");
    let reference = v["reference"].as_str().unwrap().to_string();
    let auth = format!("Bearer {token}");
    let first: Value = get_json(&c, format!("{}/api/chat/messages", s.base), &auth).await;
    let msgs = first["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 2);
    assert_eq!(msgs[1]["text"], "hello");
    let after = msgs[1]["id"].as_str().unwrap().to_string();

    // A long-poll waits; the rep's claim and reply (another "process": the store) end it.
    let poll = {
        let (c, url, auth) = (c.clone(), format!("{}/api/chat/messages?wait=20&after={after}", s.base), auth.clone());
        tokio::spawn(async move {
            let t0 = Instant::now();
            let v: Value = c.get(url).header("authorization", auth).send().await.unwrap().json().await.unwrap();
            (v, t0.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let session = store.visitor_queue(&sue).await.unwrap()[0].id;
    store
        .claim_visitor(
            &sue,
            session,
            Entry::by(&sue, &labdeck::domain::audit::Source::Engine, "claim_chat", "visitor_session"),
        )
        .await
        .unwrap();
    let (v, waited) = poll.await.unwrap();
    assert!(waited >= Duration::from_millis(250) && waited < Duration::from_secs(5), "{waited:?}");
    assert_eq!(v["status"], "active");
    assert_eq!(v["rep"], "Sue Support");
    assert!(v["messages"][0]["text"].as_str().unwrap().contains("joined"));
    store.rep_says(&sue, session, "Hi Eve!").await.unwrap();
    store
        .close_visitor(
            &sue,
            session,
            Entry::by(&sue, &labdeck::domain::audit::Source::Engine, "close_chat", "visitor_session"),
        )
        .await
        .unwrap();
    let last = v["messages"][0]["id"].as_str().unwrap();
    let v: Value = get_json(&c, format!("{}/api/chat/messages?wait=5&after={last}", s.base), &auth).await;
    let texts: Vec<&str> = v["messages"].as_array().unwrap().iter().map(|m| m["text"].as_str().unwrap()).collect();
    assert_eq!(texts[0], "Hi Eve!");
    assert!(texts[1].contains(&reference), "the visitor sees the reference: {texts:?}");
    assert_eq!(v["status"], "closed");
    let late = c
        .post(format!("{}/api/chat/messages", s.base))
        .header("authorization", &auth)
        .json(&json!({"text": "hello?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(late.status(), 409);
    assert_eq!(late.json::<Value>().await.unwrap()["code"], "conflict");
});

both!(abuse_is_refused_with_clear_json_errors, |store: Store| async move {
    let sue = rep(&store).await;
    let s = server(&store, Limits::default()).await;
    let c = client();
    let (token, _) =
        start(&c, &s, json!({"name": "Mallory\u{1b}]0;pwned\u{7}", "subject": "\u{1b}[2J\u{1b}[31mred"})).await;
    let auth = format!("Bearer {token}");
    let url = format!("{}/api/chat/messages", s.base);

    // Escape sequences never reach the rep's terminal.
    let res = c
        .post(&url)
        .header("authorization", &auth)
        .json(&json!({"text": "hi\u{1b}[2J\u{9b}31m\u{202e}\r\nthere\u{7}"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let queue = store.visitor_queue(&sue).await.unwrap();
    assert_eq!(queue[0].visitor_name, "Mallory]0;pwned");
    assert_eq!(queue[0].subject, "[2J[31mred");
    let transcript = store.visitor_transcript(&sue, queue[0].id).await.unwrap();
    assert_eq!(transcript.last().unwrap().content, "hi[2J31m\nthere");
    for m in &transcript {
        assert!(!m.content.chars().any(|c| c.is_control() && c != '\n'), "{:?}", m.content);
    }

    // Invalid UTF-8, not JSON, a 1 MB body, no token, a bad cursor.
    let bad = c
        .post(&url)
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(b"{\"text\":\"\xff\xfe\"}".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(bad.json::<Value>().await.unwrap()["code"], "bad_json");
    let junk = c.post(&url).header("authorization", &auth).body("text=hi").send().await.unwrap();
    assert_eq!(junk.status(), 415, "not declared as JSON");
    let junk = c
        .post(&url)
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body("text=hi")
        .send()
        .await
        .unwrap();
    assert_eq!(junk.status(), 400);
    let huge = c
        .post(&url)
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body(format!("{{\"text\":\"{}\"}}", "a".repeat(1 << 20)))
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    assert_eq!(huge.json::<Value>().await.unwrap()["code"], "too_large");
    let long =
        c.post(&url).header("authorization", &auth).json(&json!({"text": "b".repeat(5000)})).send().await.unwrap();
    assert_eq!(long.status(), 422, "over the message limit");
    let anon = c.post(&url).json(&json!({"text": "hi"})).send().await.unwrap();
    assert_eq!(anon.status(), 401);
    assert!(anon.json::<Value>().await.unwrap()["error"].as_str().unwrap().contains("Bearer"));
    let forged = c.get(&url).header("authorization", "Bearer AAAA").send().await.unwrap();
    assert_eq!(forged.status(), 401);
    let cursor = c.get(format!("{url}?after=not-a-uuid")).header("authorization", &auth).send().await.unwrap();
    assert_eq!(cursor.status(), 400);
    assert_eq!(c.get(format!("{}/nope", s.base)).send().await.unwrap().status(), 404);

    // 10k messages as fast as 8 connections go: a few are stored, the rest get 429s that
    // say when to come back; the server keeps answering.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for w in 0..8 {
        let (c, url, auth, sent) = (c.clone(), url.clone(), auth.clone(), sent.clone());
        workers.push(tokio::spawn(async move {
            let mut limited = 0;
            for i in 0..1250 {
                let res = c
                    .post(&url)
                    .header("authorization", &auth)
                    .json(&json!({"text": format!("spam {w}-{i}")}))
                    .send()
                    .await
                    .unwrap();
                match res.status().as_u16() {
                    201 => {
                        sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                    429 => {
                        let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                        assert!(retry >= 1);
                        assert_eq!(res.json::<Value>().await.unwrap()["code"], "rate_limited");
                        limited += 1;
                    }
                    other => panic!("unexpected status {other}"),
                }
            }
            limited
        }));
    }
    let mut limited = 0;
    for w in workers {
        limited += w.await.unwrap();
    }
    let stored = sent.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(stored + limited, 10_000);
    assert!(stored <= 40, "the limits held: {stored} stored");
    let n = store.visitor_transcript(&sue, queue[0].id).await.unwrap().len();
    assert!(n <= 45, "{n} messages in the chat");
});

both!(starting_chats_is_limited_per_address, |store: Store| async move {
    let s = server(&store, Limits::default()).await;
    let c = client();
    for i in 0..5 {
        start(&c, &s, json!({"name": format!("v{i}")})).await;
    }
    let res = c.post(format!("{}/api/chat", s.base)).json(&json!({"name": "v6"})).send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert!(res.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    let missing = c.post(format!("{}/api/chat", s.base)).json(&json!({"email": "x@example.com"})).send().await.unwrap();
    assert_eq!(missing.status(), 400, "a name is required");
});
