//! One method per API call the console uses. Paths and parameters follow the official schema
//! (reference/pve-api-subset.txt).

use super::Client;
use crate::pve::decode::{decode_agent_interfaces, decode_data, decode_each, decode_vmid};
use crate::pve::types::{
    CloneRequest, GuestConfig, GuestKind, GuestStatus, NetInterface, NodeStatus, NodeSummary, PowerAction, Resource,
    RrdPoint, Snapshot, StorageSummary, TaskLogLine, TaskStatus, TaskSummary, Version, Volume,
};
use crate::pve::{PveError, Upid};
use reqwest::Method;
use serde::de::DeserializeOwned;

/// Percent-encode one path segment (node names, snapshot names, UPIDs are safe already, but
/// names come from users).
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn guest_path(node: &str, kind: GuestKind, vmid: u32) -> String {
    format!("/nodes/{}/{}/{vmid}", seg(node), kind.as_str())
}

fn flag(b: bool) -> String {
    if b { "1" } else { "0" }.to_string()
}

impl Client {
    async fn get<T: DeserializeOwned>(&self, path: &str, query: &[(&str, String)]) -> Result<T, PveError> {
        let body = self.send(Method::GET, path, query, None).await?;
        decode_data(&format!("GET {path}"), &body)
    }

    /// A write that answers with a task id.
    async fn task(&self, method: Method, path: &str, form: &[(&str, String)]) -> Result<Upid, PveError> {
        let body = self.send(method.clone(), path, &[], Some(form)).await?;
        let endpoint = format!("{method} {path}");
        let raw: String = decode_data(&endpoint, &body)?;
        Upid::parse(&raw)
            .map_err(|_| PveError::Decode { endpoint, message: format!("expected a task id, got {raw:?}") })
    }

    /// Any GET, returning the raw `data` (for diagnostics and schema checks).
    pub async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<serde_json::Value, PveError> {
        let query: Vec<(&str, String)> = query.iter().map(|(k, v)| (*k, v.to_string())).collect();
        self.get(path, &query).await
    }

    pub async fn version(&self) -> Result<Version, PveError> {
        self.get("/version", &[]).await
    }

    /// Every node, storage, pool and guest of the cluster in one request.
    pub async fn cluster_resources(&self) -> Result<Vec<Resource>, PveError> {
        self.get("/cluster/resources", &[]).await
    }

    /// The same rows, each handed to `each` as it is decoded (the poller keeps only what it
    /// makes of them: 100k rows as a vector took as much memory as the body).
    pub async fn cluster_resources_each(&self, each: impl FnMut(Resource)) -> Result<usize, PveError> {
        let body = self.send(Method::GET, "/cluster/resources", &[], None).await?;
        decode_each("GET /cluster/resources", &body, each)
    }

    pub async fn nodes(&self) -> Result<Vec<NodeSummary>, PveError> {
        self.get("/nodes", &[]).await
    }

    pub async fn node_status(&self, node: &str) -> Result<NodeStatus, PveError> {
        self.get(&format!("/nodes/{}/status", seg(node)), &[]).await
    }

    /// The guests of one node (`GET /nodes/{node}/qemu` or `/lxc`).
    pub async fn guests(&self, node: &str, kind: GuestKind) -> Result<Vec<GuestStatus>, PveError> {
        self.get(&format!("/nodes/{}/{}", seg(node), kind.as_str()), &[]).await
    }

    pub async fn guest_status(&self, node: &str, kind: GuestKind, vmid: u32) -> Result<GuestStatus, PveError> {
        self.get(&format!("{}/status/current", guest_path(node, kind, vmid)), &[]).await
    }

    pub async fn guest_config(&self, node: &str, kind: GuestKind, vmid: u32) -> Result<GuestConfig, PveError> {
        self.get(&format!("{}/config", guest_path(node, kind, vmid)), &[]).await
    }

    pub async fn power(&self, node: &str, kind: GuestKind, vmid: u32, action: PowerAction) -> Result<Upid, PveError> {
        let path = format!("{}/status/{}", guest_path(node, kind, vmid), action.as_str());
        self.task(Method::POST, &path, &[]).await
    }

    /// Clone a QEMU guest or template.
    pub async fn clone_guest(&self, node: &str, vmid: u32, req: &CloneRequest) -> Result<Upid, PveError> {
        self.clone_guest_kind(node, GuestKind::Qemu, vmid, req).await
    }

    /// Clone a guest of either kind (containers call the name `hostname`).
    pub async fn clone_guest_kind(
        &self,
        node: &str,
        kind: GuestKind,
        vmid: u32,
        req: &CloneRequest,
    ) -> Result<Upid, PveError> {
        let mut form = vec![("newid", req.newid.to_string())];
        if let Some(name) = &req.name {
            let key = match kind {
                GuestKind::Qemu => "name",
                GuestKind::Lxc => "hostname",
            };
            form.push((key, name.clone()));
        }
        if let Some(target) = &req.target {
            form.push(("target", target.clone()));
        }
        if req.full {
            form.push(("full", flag(true)));
        }
        if let Some(pool) = &req.pool {
            form.push(("pool", pool.clone()));
        }
        if let Some(description) = &req.description {
            form.push(("description", description.clone()));
        }
        let path = format!("{}/clone", guest_path(node, kind, vmid));
        self.task(Method::POST, &path, &form).await
    }

    /// QEMU answers with a task; LXC converts at once and answers null.
    /// A write that answers with a task id on some versions or kinds and null on others.
    async fn maybe_task(&self, method: Method, path: &str, form: &[(&str, String)]) -> Result<Option<Upid>, PveError> {
        let body = self.send(method.clone(), path, &[], Some(form)).await?;
        let endpoint = format!("{method} {path}");
        let raw: Option<String> = decode_data(&endpoint, &body)?;
        raw.filter(|s| !s.is_empty())
            .map(|s| Upid::parse(&s))
            .transpose()
            .map_err(|_| PveError::Decode { endpoint, message: "expected a task id".into() })
    }

    /// QEMU answers with a task; LXC converts at once and answers null.
    pub async fn convert_to_template(&self, node: &str, kind: GuestKind, vmid: u32) -> Result<Option<Upid>, PveError> {
        self.maybe_task(Method::POST, &format!("{}/template", guest_path(node, kind, vmid)), &[]).await
    }

    /// Change settings (`cores`, `memory`…). QEMU's asynchronous `POST …/config` answers
    /// with a task, or null when the change applied at once; LXC has only the `PUT`.
    pub async fn update_config(
        &self,
        node: &str,
        kind: GuestKind,
        vmid: u32,
        settings: &[(&str, String)],
    ) -> Result<Option<Upid>, PveError> {
        let path = format!("{}/config", guest_path(node, kind, vmid));
        let method = if kind == GuestKind::Qemu { Method::POST } else { Method::PUT };
        self.maybe_task(method, &path, settings).await
    }

    /// Grow a disk to `size` (`32G`, or `+8G` to add). A task since PVE 8, null before.
    pub async fn resize_disk(
        &self,
        node: &str,
        kind: GuestKind,
        vmid: u32,
        disk: &str,
        size: &str,
    ) -> Result<Option<Upid>, PveError> {
        let path = format!("{}/resize", guest_path(node, kind, vmid));
        self.maybe_task(Method::PUT, &path, &[("disk", disk.to_string()), ("size", size.to_string())]).await
    }

    pub async fn delete_guest(&self, node: &str, kind: GuestKind, vmid: u32) -> Result<Upid, PveError> {
        let path = guest_path(node, kind, vmid);
        self.task(Method::DELETE, &path, &[]).await
    }

    pub async fn snapshots(&self, node: &str, kind: GuestKind, vmid: u32) -> Result<Vec<Snapshot>, PveError> {
        self.get(&format!("{}/snapshot", guest_path(node, kind, vmid)), &[]).await
    }

    pub async fn snapshot_create(
        &self,
        node: &str,
        kind: GuestKind,
        vmid: u32,
        name: &str,
        description: Option<&str>,
    ) -> Result<Upid, PveError> {
        let mut form = vec![("snapname", name.to_string())];
        if let Some(d) = description {
            form.push(("description", d.to_string()));
        }
        let path = format!("{}/snapshot", guest_path(node, kind, vmid));
        self.task(Method::POST, &path, &form).await
    }

    pub async fn snapshot_rollback(
        &self,
        node: &str,
        kind: GuestKind,
        vmid: u32,
        name: &str,
    ) -> Result<Upid, PveError> {
        let path = format!("{}/snapshot/{}/rollback", guest_path(node, kind, vmid), seg(name));
        self.task(Method::POST, &path, &[]).await
    }

    pub async fn snapshot_delete(&self, node: &str, kind: GuestKind, vmid: u32, name: &str) -> Result<Upid, PveError> {
        let path = format!("{}/snapshot/{}", guest_path(node, kind, vmid), seg(name));
        self.task(Method::DELETE, &path, &[]).await
    }

    /// The node is taken from the UPID: tasks are only known to the node that ran them.
    pub async fn task_status(&self, upid: &Upid) -> Result<TaskStatus, PveError> {
        let path = format!("/nodes/{}/tasks/{}/status", seg(upid.node()), seg(upid.as_str()));
        self.get(&path, &[]).await
    }

    /// Log lines from line offset `start` (0 = from the beginning).
    pub async fn task_log(&self, upid: &Upid, start: u64) -> Result<Vec<TaskLogLine>, PveError> {
        let path = format!("/nodes/{}/tasks/{}/log", seg(upid.node()), seg(upid.as_str()));
        self.get(&path, &[("start", start.to_string()), ("limit", "1000".into())]).await
    }

    /// Recent tasks of a node, newest first.
    pub async fn node_tasks(&self, node: &str, limit: u32) -> Result<Vec<TaskSummary>, PveError> {
        let path = format!("/nodes/{}/tasks", seg(node));
        self.get(&path, &[("limit", limit.to_string()), ("source", "all".into())]).await
    }

    /// The lowest free VMID (arrives as a string).
    pub async fn next_id(&self) -> Result<u32, PveError> {
        let body = self.send(Method::GET, "/cluster/nextid", &[], None).await?;
        decode_vmid("GET /cluster/nextid", &body)
    }

    pub async fn storages(&self, node: &str) -> Result<Vec<StorageSummary>, PveError> {
        self.get(&format!("/nodes/{}/storage", seg(node)), &[]).await
    }

    /// Volumes of a storage, optionally only one content type (`iso`, `vztmpl`, `images`…).
    pub async fn storage_content(
        &self,
        node: &str,
        storage: &str,
        content: Option<&str>,
    ) -> Result<Vec<Volume>, PveError> {
        let path = format!("/nodes/{}/storage/{}/content", seg(node), seg(storage));
        let query: Vec<(&str, String)> = content.map(|c| vec![("content", c.to_string())]).unwrap_or_default();
        self.get(&path, &query).await
    }

    /// Interfaces reported by the QEMU guest agent. Agent missing, not running or not
    /// supporting the command → `AgentUnavailable`.
    pub async fn agent_interfaces(&self, node: &str, vmid: u32) -> Result<Vec<NetInterface>, PveError> {
        let path = format!("{}/agent/network-get-interfaces", guest_path(node, GuestKind::Qemu, vmid));
        match self.send(Method::GET, &path, &[], None).await {
            Ok(body) => decode_agent_interfaces(&format!("GET {path}"), &body),
            Err(PveError::Http { status: 500, message, .. }) if is_agent_message(&message) => {
                Err(PveError::AgentUnavailable(message))
            }
            Err(e) => Err(e),
        }
    }

    /// Interfaces of a running container (no agent needed).
    pub async fn lxc_interfaces(&self, node: &str, vmid: u32) -> Result<Vec<NetInterface>, PveError> {
        let path = format!("{}/interfaces", guest_path(node, GuestKind::Lxc, vmid));
        self.get(&path, &[]).await
    }

    /// The privileges this token has on `path` (`GET /access/permissions?path=…`), e.g.
    /// `VM.Audit`. Proxmox answers a token without privileges with an empty list rather than
    /// 403, so this is how a suspiciously empty inventory is told apart from an empty cluster.
    pub async fn privileges(&self, path: &str) -> Result<Vec<String>, PveError> {
        let map: std::collections::BTreeMap<String, std::collections::BTreeMap<String, serde_json::Value>> =
            self.get("/access/permissions", &[("path", path.to_string())]).await?;
        let mut out: Vec<String> = map.get(path).map(|p| p.keys().cloned().collect()).unwrap_or_default();
        out.sort();
        Ok(out)
    }

    /// Metrics history; `timeframe` is hour, day, week, month or year.
    pub async fn rrddata(
        &self,
        node: &str,
        kind: GuestKind,
        vmid: u32,
        timeframe: &str,
    ) -> Result<Vec<RrdPoint>, PveError> {
        let path = format!("{}/rrddata", guest_path(node, kind, vmid));
        self.get(&path, &[("timeframe", timeframe.to_string()), ("cf", "AVERAGE".into())]).await
    }
}

/// "QEMU guest agent is not running", "No QEMU guest agent configured", "VM 100 is not running".
fn is_agent_message(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("agent") || m.contains("not running")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(seg("pve1"), "pve1");
        assert_eq!(
            seg("UPID:pve1:0001E240:00BC614E:66000000:qmstart:100:root@pam!ci:"),
            "UPID:pve1:0001E240:00BC614E:66000000:qmstart:100:root@pam!ci:"
        );
        assert_eq!(seg("a b/c"), "a%20b%2Fc");
    }
}
