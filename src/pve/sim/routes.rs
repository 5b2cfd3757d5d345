//! Which path does what, as in the API schema. Unknown paths answer 501 like pveproxy.

use super::faults::Shape;
use super::http::{Reply, SimError, decode, flag, parse_form, parse_json_object};
use super::server::{Shared, now};
use super::state::SimState;
use super::{render, render_guest, render_storage};
use crate::pve::{GuestKind, PowerAction};
use axum::http::{HeaderMap, Method};
use std::collections::HashMap;

type Params = HashMap<String, String>;

pub(crate) fn dispatch(
    sh: &Shared,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Reply {
    let Some(api_path) = path.strip_prefix("/api2/json") else {
        // The web UI lives outside the API; a placeholder page is enough here.
        return Reply {
            status: if path == "/" { 200 } else { 404 },
            body: b"<!DOCTYPE html><title>Proxmox VE (labdeck simulator)</title>".to_vec(),
        };
    };
    let segs: Vec<String> =
        api_path.split('/').filter(|s| !s.is_empty()).map(|s| decode(s.as_bytes(), false)).collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    let mut params = parse_form(query.unwrap_or("").as_bytes());
    let is_json =
        headers.get("content-type").and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
    params.extend(if is_json { parse_json_object(body) } else { parse_form(body) });
    let now = now();
    if method == Method::POST && segs == ["access", "ticket"] {
        return sh.auth.login(&params, now);
    }
    let user = match sh.auth.check(headers, method, now) {
        Ok(user) => user,
        Err(reply) => return reply,
    };
    let fingerprint = sh.certs.fingerprint();
    let mut st = sh.lock_state();
    st.advance(now);
    let ctx = Ctx { method, params: &params, user: &user, now, shape: sh.faults.shape() };
    route(&mut st, &ctx, &segs, &fingerprint).unwrap_or_else(|e| Reply::error(&e))
}

struct Ctx<'a> {
    method: &'a Method,
    params: &'a Params,
    user: &'a str,
    now: f64,
    shape: Shape,
}

fn not_implemented(method: &Method, segs: &[&str]) -> SimError {
    SimError::new(501, format!("Method '{method} /{}' not implemented", segs.join("/")))
}

fn route(st: &mut SimState, c: &Ctx, segs: &[&str], fingerprint: &str) -> Result<Reply, SimError> {
    let get = c.method == Method::GET;
    match segs {
        ["version"] if get => Ok(render::version()),
        ["cluster", "resources"] if get => {
            Ok(render::cluster_resources(st, c.now, c.params.get("type").map(String::as_str), c.shape))
        }
        ["access", "permissions"] if get => Ok(render::permissions(c.params.get("path").map(String::as_str), c.shape)),
        ["cluster", "nextid"] if get => {
            let requested = match c.params.get("vmid") {
                None => None,
                Some(v) => Some(
                    v.parse()
                        .map_err(|_| SimError::param("vmid", format!("type check ('integer') failed - got '{v}'")))?,
                ),
            };
            // Proxmox sends the id as a string.
            Ok(Reply::data(&st.next_id(requested)?.to_string()))
        }
        ["nodes"] if get => Ok(render::nodes(st, c.now, fingerprint, c.shape)),
        ["nodes", node, rest @ ..] => {
            let n = st.node(node)?;
            if c.shape.vanished_node && n + 1 == st.nodes.len() {
                return Err(SimError::new(
                    500,
                    format!(
                        "hostname lookup '{node}' failed - failed to get address info for: {node}: Name or service not known"
                    ),
                ));
            }
            node_route(st, c, n, segs, rest)
        }
        _ => Err(not_implemented(c.method, segs)),
    }
}

fn node_route(st: &mut SimState, c: &Ctx, n: usize, segs: &[&str], rest: &[&str]) -> Result<Reply, SimError> {
    let get = c.method == Method::GET;
    match rest {
        ["status"] if get => Ok(render::node_status(st, n, c.now)),
        ["tasks"] if get => Ok(render::node_tasks(st, n, c.params)),
        ["tasks", upid, what] if get => {
            let task = st
                .tasks
                .get(*upid)
                .filter(|t| t.node == n)
                .ok_or_else(|| SimError::new(500, format!("no such task '{upid}'")))?;
            match *what {
                "status" => Ok(render::task_status(task)),
                "log" => Ok(render::task_log(task, c.now, c.params)),
                _ => Err(not_implemented(c.method, segs)),
            }
        }
        ["storage"] if get => Ok(render_storage::storages(st, n, c.now, c.params.get("content").map(String::as_str))),
        ["storage", storage, "content"] if get => {
            render_storage::content(st, n, storage, c.params.get("content").map(String::as_str))
        }
        [kind] if get => match kind.parse::<GuestKind>() {
            // A token without VM.Audit sees no guests (200 and `[]`, not 403).
            Ok(_) if c.shape.no_privilege => Ok(Reply::data(&Vec::<()>::new())),
            Ok(kind) => Ok(render_guest::list(st, n, kind, c.now)),
            Err(_) => Err(not_implemented(c.method, segs)),
        },
        [kind, vmid, rest @ ..] => match kind.parse::<GuestKind>() {
            Ok(kind) => {
                let vmid: u32 = vmid
                    .parse()
                    .map_err(|_| SimError::param("vmid", format!("type check ('integer') failed - got '{vmid}'")))?;
                guest_route(st, c, n, kind, vmid, segs, rest)
            }
            Err(_) => Err(not_implemented(c.method, segs)),
        },
        _ => Err(not_implemented(c.method, segs)),
    }
}

fn guest_route(
    st: &mut SimState,
    c: &Ctx,
    n: usize,
    kind: GuestKind,
    vmid: u32,
    segs: &[&str],
    rest: &[&str],
) -> Result<Reply, SimError> {
    let (user, now, p) = (c.user, c.now, c.params);
    match (c.method.as_str(), rest) {
        ("GET", ["status", "current"]) => Ok(render_guest::status(st.guest(n, kind, vmid)?, now)),
        ("POST", ["status", action]) => {
            let action = match *action {
                "start" => PowerAction::Start,
                "stop" => PowerAction::Stop,
                "shutdown" => PowerAction::Shutdown,
                "reboot" => PowerAction::Reboot,
                _ => return Err(not_implemented(c.method, segs)),
            };
            Ok(Reply::data(&st.power(n, kind, vmid, action, user, now)?))
        }
        ("GET", ["config"]) => Ok(render_guest::config(st.guest(n, kind, vmid)?)),
        ("POST", ["config"]) if kind == GuestKind::Qemu => {
            Ok(Reply::data(&st.configure(n, kind, vmid, p, true, user, now)?))
        }
        ("PUT", ["config"]) => Ok(Reply::data(&st.configure(n, kind, vmid, p, false, user, now)?)),
        ("PUT", ["resize"]) => Ok(Reply::data(&st.resize(n, kind, vmid, p, user, now)?)),
        ("POST", ["clone"]) => Ok(Reply::data(&st.clone_guest(n, kind, vmid, p, user, now)?)),
        ("POST", ["template"]) => Ok(Reply::data(&st.template(n, kind, vmid, user, now)?)),
        ("DELETE", []) => Ok(Reply::data(&st.delete(n, kind, vmid, user, now)?)),
        ("GET", ["snapshot"]) => Ok(render_guest::snapshots(st.guest(n, kind, vmid)?)),
        ("POST", ["snapshot"]) => Ok(Reply::data(&st.snapshot_create(n, kind, vmid, p, user, now)?)),
        ("POST", ["snapshot", name, "rollback"]) => {
            let start = flag(p, "start");
            Ok(Reply::data(&st.snapshot_rollback(n, kind, vmid, name, start, user, now)?))
        }
        ("DELETE", ["snapshot", name]) => Ok(Reply::data(&st.snapshot_delete(n, kind, vmid, name, user, now)?)),
        ("GET", ["agent", "network-get-interfaces"]) if kind == GuestKind::Qemu => {
            render_guest::agent_interfaces(st, st.guest(n, kind, vmid)?, now)
        }
        ("GET", ["interfaces"]) if kind == GuestKind::Lxc => render_guest::lxc_interfaces(st.guest(n, kind, vmid)?),
        ("GET", ["rrddata"]) => {
            let timeframe = p.get("timeframe").ok_or_else(|| SimError::missing("timeframe"))?;
            render_guest::rrddata(st.guest(n, kind, vmid)?, now, timeframe)
        }
        _ => Err(not_implemented(c.method, segs)),
    }
}
