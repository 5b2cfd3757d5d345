//! One SSH session, from its channel opening to its close: wait for the terminal (pty-req)
//! and the shell, check the limits, then run the console or the visitor chat on the
//! channel's bytes until the user leaves or the client goes. Every refusal is a line of
//! text on the client's terminal and an exit status, never a silent drop.

use super::Shared;
use crate::engine::Services;
use crate::engine::accounts::Session as Account;
use crate::tui::app::App;
use crate::tui::remote::{self, Front, Input, RemoteOut};
use crate::tui::visitor::VisitorChat;
use russh::server::{Handle, Msg};
use russh::{Channel, ChannelMsg};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Who a connection signed in as.
#[derive(Clone)]
pub(crate) enum Who {
    User { session: Box<Account>, key: Option<String> },
    Visitor,
}

/// How long a client has, once the channel is open, to ask for a shell.
const SETUP: Duration = Duration::from_secs(10);
/// Frame bytes a client may leave unread before its session ends (a client that stopped
/// reading; a full 1000 × 500 repaint is about 3 MB).
const UNREAD_CAP: usize = 8 << 20;
/// How long a connection may stay open after its session closed.
const LINGER: Duration = Duration::from_secs(2);
/// After the console ends, how long its last bytes may take to reach the client.
const DRAIN: Duration = Duration::from_secs(5);

/// What the client asked for before the session starts.
struct Request {
    pty: Option<(u32, u32)>,
    shell: bool,
}

pub(crate) async fn run(
    shared: Arc<Shared>,
    svc: Services,
    who: Who,
    peer: SocketAddr,
    mut channel: Channel<Msg>,
    handle: Handle,
) {
    let id = channel.id();
    let code = match setup(&mut channel).await {
        None => 255,
        Some(req) => match refusal(&shared, &who, peer, &req) {
            Some(message) => {
                let _ = channel.data_bytes(format!("labdeck: {message}\r\n").into_bytes()).await;
                1
            }
            None => match shared.sessions.admit(peer.ip()) {
                None => {
                    let message = format!(
                        "labdeck: too many sessions (at most {} from one address, {} in all). Close one and try again.\r\n",
                        shared.opts.max_sessions_per_ip, shared.opts.max_sessions
                    );
                    let _ = channel.data_bytes(message.into_bytes()).await;
                    1
                }
                Some(_admission) => {
                    let size = req.pty.unwrap_or((80, 24));
                    serve(&shared, svc, who, channel, size).await
                }
            },
        },
    };
    let _ = handle.exit_status_request(id, code).await;
    let _ = handle.eof(id).await;
    let _ = handle.close(id).await;
    // One session per connection: a client that keeps the connection open after its
    // session closed (OpenSSH's does not) is disconnected, freeing its place.
    tokio::time::sleep(LINGER).await;
    let _ = handle.disconnect(russh::Disconnect::ByApplication, "session ended".into(), "en".into()).await;
}

/// Wait for `pty-req` and `shell` (or `exec`), within [`SETUP`]. `None`: the client went
/// away or asked for nothing in time.
async fn setup(channel: &mut Channel<Msg>) -> Option<Request> {
    let mut req = Request { pty: None, shell: false };
    let deadline = tokio::time::Instant::now() + SETUP;
    loop {
        let msg = match tokio::time::timeout_at(deadline, channel.wait()).await {
            Ok(Some(msg)) => msg,
            Ok(None) => return None,
            Err(_) => {
                let _ = channel.data_bytes(&b"labdeck: no shell was requested; closing.\r\n"[..]).await;
                return None;
            }
        };
        match msg {
            ChannelMsg::RequestPty { col_width, row_height, .. } => req.pty = Some((col_width, row_height)),
            ChannelMsg::WindowChange { col_width, row_height, .. } if req.pty.is_some() => {
                req.pty = Some((col_width, row_height))
            }
            ChannelMsg::RequestShell { .. } => {
                req.shell = true;
                return Some(req);
            }
            ChannelMsg::Exec { .. } => return Some(req),
            ChannelMsg::Eof | ChannelMsg::Close => return None,
            _ => {}
        }
    }
}

/// Why this session cannot start, if it cannot: in the words the client will read.
fn refusal(shared: &Shared, who: &Who, peer: SocketAddr, req: &Request) -> Option<String> {
    let Some((cols, rows)) = req.pty else {
        return Some(
            "this is a full-screen console and needs a terminal: connect with `ssh -t`, without a command.".into(),
        );
    };
    if !req.shell {
        return Some("there are no commands to run here: connect without one to open the console.".into());
    }
    if !remote::fits(cols, rows) {
        return Some(format!(
            "your terminal is {cols}×{rows}; labdeck draws at most {}×{}. Make the window smaller and connect again.",
            remote::MAX_COLS,
            remote::MAX_ROWS
        ));
    }
    if matches!(who, Who::Visitor)
        && let Err(wait) = shared.visitor_starts.take(&peer.ip(), Instant::now())
    {
        return Some(format!("too many chats from your address; try again in {wait} s."));
    }
    None
}

/// The session itself. Returns the exit status.
async fn serve(shared: &Shared, svc: Services, who: Who, channel: Channel<Msg>, (cols, rows): (u32, u32)) -> u32 {
    if let Who::User { session, .. } = &who {
        shared.hub.forget(session.user.id);
    }
    let (engine, mut events) = shared.hub.attach(svc);
    let backend = shared.svc.backend_name();
    let front = match who {
        Who::User { session, .. } => {
            let mut app = App::signed_in(
                shared.opts.keymap.clone(),
                shared.opts.theme.clone(),
                backend,
                shared.org.clone(),
                shared.opts.clock,
                *session,
            );
            app.mouse = shared.opts.mouse;
            Front::Console(Box::new(app))
        }
        Who::Visitor => Front::Visitor(Box::new(VisitorChat::new(shared.opts.theme.clone(), shared.org.clone()))),
    };
    let (mut read, write) = channel.split();
    let (in_tx, in_rx) = mpsc::channel::<Input>(64);
    let (out, mut out_rx) = RemoteOut::new(UNREAD_CAP);
    let ui = remote::run(front, in_rx, out, (cols, rows), &engine, &mut events);
    let idle = shared.opts.idle_timeout;
    let mut idled = false;
    // Keys and sizes in. At the end of input (or after `idle` without any) the console sees
    // its input end and stops.
    let pump_in = async {
        loop {
            let Ok(msg) = tokio::time::timeout(idle, read.wait()).await else {
                idled = true;
                break;
            };
            let Some(msg) = msg else { break };
            let input = match msg {
                ChannelMsg::Data { data } => Input::Bytes(data.to_vec()),
                ChannelMsg::WindowChange { col_width, row_height, .. } => {
                    Input::Resize { cols: col_width, rows: row_height }
                }
                ChannelMsg::Eof | ChannelMsg::Close => break,
                _ => continue,
            };
            if in_tx.send(input).await.is_err() {
                break;
            }
        }
        drop(in_tx);
        std::future::pending::<()>().await
    };
    // Frames out, as fast as the client's window lets them go.
    let pump_out = async {
        while let Some(bytes) = out_rx.recv().await {
            let n = bytes.len();
            if write.data_bytes(bytes).await.is_err() {
                return;
            }
            out_rx.sent(n);
        }
    };
    tokio::pin!(pump_out);
    let result = tokio::select! {
        r = ui => r,
        () = pump_in => Ok(()),
        () = &mut pump_out => Err(anyhow::anyhow!("the client went away")),
    };
    let _ = tokio::time::timeout(DRAIN, &mut pump_out).await;
    if idled {
        let message = format!("labdeck: closed after {} s without input.\r\n", idle.as_secs());
        let _ = tokio::time::timeout(DRAIN, write.data_bytes(message.into_bytes())).await;
    }
    match result {
        Ok(()) => 0,
        Err(e) => {
            tracing::info!(error = %e, "SSH session ended");
            1
        }
    }
}
