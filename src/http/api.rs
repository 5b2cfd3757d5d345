//! The visitor chat API. A visitor holds a bearer token (returned once when the chat
//! starts); everything they send is sanitised by the engine before it is stored.

use super::ChatState;
use super::error::ApiError;
use crate::domain::audit::Source;
use crate::engine::read::support::{VisitorMessage, VisitorSession};
use crate::engine::support as uc;
use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use uuid::Uuid;

#[derive(Deserialize)]
pub struct StartRequest {
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct SendRequest {
    text: String,
}

#[derive(Deserialize)]
pub struct PollQuery {
    after: Option<Uuid>,
    /// Seconds to wait for something new (long-poll); 0 answers at once.
    wait: Option<u64>,
}

type ApiResult = Result<Response, ApiError>;

/// Every request counts against its address first.
fn guard(state: &ChatState, addr: &SocketAddr) -> Result<(), ApiError> {
    state.per_ip.take(&addr.ip(), Instant::now()).map_err(|s| ApiError::rate_limited(s, "requests from your address"))
}

/// Bodies past the limit are still read up to this much, so the client (which is still
/// sending) gets the 413 instead of a reset connection; beyond it the connection is dropped.
const DRAIN_MAX: usize = 2 << 20;

/// Requests that change something must say they are JSON (a page elsewhere cannot send
/// that without a CORS preflight, which this server never grants) and, when the browser
/// names the page's origin, come from this server's own page or a configured origin.
fn json_from_allowed_origin(state: &ChatState, headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the request as JSON with 'Content-Type: application/json'.",
        ));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let origin = origin.to_str().unwrap_or_default().trim_end_matches('/');
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let own = !host.is_empty() && origin.split_once("://").is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host));
    let listed = state.limits.allowed_origins.iter().any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin));
    if own || listed {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::FORBIDDEN, "origin_not_allowed", "Chats cannot be started from that site."))
    }
}

/// A JSON body of at most `max` bytes that arrives within the body timeout, with a JSON
/// error for a body too large, too slow, not UTF-8, or not the expected shape.
async fn parse<T: DeserializeOwned>(body: Body, max: usize, within: Duration) -> Result<T, ApiError> {
    match tokio::time::timeout(within, read_body(body, max)).await {
        Ok(read) => read,
        Err(_) => Err(too_slow()),
    }
}

fn too_slow() -> ApiError {
    ApiError::new(StatusCode::REQUEST_TIMEOUT, "timeout", "The request body did not arrive in time.")
}

/// Whether a body read failed because the body timeout layer ended it.
fn timed_out(e: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<tower_http::timeout::TimeoutError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

async fn read_body<T: DeserializeOwned>(body: Body, max: usize) -> Result<T, ApiError> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let (mut buf, mut total) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| {
            if timed_out(&e) {
                too_slow()
            } else {
                ApiError::new(StatusCode::BAD_REQUEST, "bad_body", format!("Cannot read the request: {e}"))
            }
        })?;
        total += chunk.len();
        if total <= max {
            buf.extend_from_slice(&chunk);
        } else if total > DRAIN_MAX {
            break;
        }
    }
    if total > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("The request is too large (at most {max} bytes)."),
        ));
    }
    serde_json::from_slice(&buf)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_json", format!("The request is not valid JSON: {e}")))
}

fn source(addr: &SocketAddr, headers: &HeaderMap) -> Source {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| crate::domain::sanitize::line(s).chars().take(200).collect());
    Source::Http { addr: addr.ip().to_string(), user_agent }
}

async fn session_of(state: &ChatState, headers: &HeaderMap) -> Result<VisitorSession, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Send the chat token as 'Authorization: Bearer <token>'.",
            )
        })?;
    Ok(uc::visitor_session(&state.svc, token.trim()).await?)
}

fn message_json(m: &VisitorMessage) -> serde_json::Value {
    serde_json::json!({
        "id": m.id,
        "from": m.sender_type,
        "name": m.rep_name,
        "text": m.content,
        "at": m.created_at,
    })
}

fn session_json(s: &VisitorSession) -> serde_json::Value {
    serde_json::json!({ "status": s.status, "reference": s.reference, "rep": s.claimed_by_name, "subject": s.subject })
}

pub async fn start(
    State(state): State<ChatState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    guard(&state, &addr)?;
    json_from_allowed_origin(&state, &headers)?;
    let req: StartRequest = parse(body, state.limits.max_body, state.limits.body_timeout).await?;
    state
        .starts
        .take(&addr.ip(), Instant::now())
        .map_err(|s| ApiError::rate_limited(s, "new chats from your address"))?;
    let started = uc::visitor_start(
        &state.svc,
        &source(&addr, &headers),
        &req.name,
        &req.email,
        &req.phone,
        &req.subject,
        req.message.as_deref(),
    )
    .await?;
    let mut body = session_json(&started.session);
    body["token"] = started.token.into();
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn send(
    State(state): State<ChatState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult {
    guard(&state, &addr)?;
    json_from_allowed_origin(&state, &headers)?;
    let session = session_of(&state, &headers).await?;
    let req: SendRequest = parse(body, state.limits.max_body, state.limits.body_timeout).await?;
    state
        .per_session
        .take(&session.id, Instant::now())
        .map_err(|s| ApiError::rate_limited(s, "messages in this chat"))?;
    let m = uc::visitor_send(&state.svc, &session, &req.text).await?;
    Ok((StatusCode::CREATED, Json(message_json(&m))).into_response())
}

/// New messages after `after`; with `wait`, hold the request until there are some (or the
/// wait ends). The engine's change feed wakes waiting requests.
pub async fn poll(
    State(state): State<ChatState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<PollQuery>, QueryRejection>,
) -> ApiResult {
    guard(&state, &addr)?;
    let Query(q) = query.map_err(|r| ApiError::new(StatusCode::BAD_REQUEST, "bad_query", r.body_text()))?;
    let mut session = session_of(&state, &headers).await?;
    let wait = Duration::from_secs(q.wait.unwrap_or(0)).min(state.limits.max_wait);
    let deadline = tokio::time::Instant::now() + wait;
    let mut changes = state.changes.clone();
    loop {
        changes.borrow_and_update();
        let messages = uc::visitor_messages(&state.svc, &session, q.after).await?;
        if !messages.is_empty() || session.status == "closed" || tokio::time::Instant::now() >= deadline {
            if !messages.is_empty() {
                session = uc::visitor_session_by_id(&state.svc, session.id).await?;
            }
            let mut body = session_json(&session);
            body["messages"] = messages.iter().map(message_json).collect();
            return Ok(Json(body).into_response());
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) | Err(_) => {}
            // The change feed is gone (shutting down): answer with what there is.
            Ok(Err(_)) => tokio::time::sleep_until(deadline).await,
        }
    }
}

pub async fn page() -> Response {
    asset("text/html; charset=utf-8", include_str!("../../assets/chat.html"))
}

pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../assets/chat.js"))
}

pub async fn style() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../assets/chat.css"))
}

fn asset(kind: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "No such page.")
}
