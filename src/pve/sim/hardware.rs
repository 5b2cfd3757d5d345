//! Changing a guest's hardware: `…/config` (cores, memory) and `…/resize` (grow a disk).
//! QEMU's `POST …/config` and every resize run as tasks (PVE 8); a `PUT …/config` applies
//! at once. A running guest takes the new values too: Proxmox keeps them as pending until
//! the next boot, and the config we render is the one with pending changes applied.

use super::http::SimError;
use super::state::{SimState, User};
use super::tasks::{Effect, LogPlan, task_type};
use crate::pve::GuestKind;
use std::collections::HashMap;

/// Parameters `…/config` accepts here; anything else is refused as the schema does.
const CONFIG_KEYS: [&str; 6] = ["cores", "memory", "sockets", "digest", "background_delay", "skiplock"];

fn integer(params: &HashMap<String, String>, key: &str, min: u64, max: u64) -> Result<Option<u64>, SimError> {
    let Some(raw) = params.get(key) else {
        return Ok(None);
    };
    let v: u64 =
        raw.trim().parse().map_err(|_| SimError::param(key, format!("type check ('integer') failed - got '{raw}'")))?;
    if v < min {
        return Err(SimError::param(key, format!("value must have a minimum value of {min}")));
    }
    if v > max {
        return Err(SimError::param(key, format!("value must have a maximum value of {max}")));
    }
    Ok(Some(v))
}

/// `32G`, `+8G`, `512M`, `1.5T` or bytes: (relative, GiB rounded up).
fn parse_size(raw: &str) -> Option<(bool, u64)> {
    let (relative, rest) = raw.strip_prefix('+').map_or((false, raw), |r| (true, r));
    let (num, unit) = rest.find(|c: char| c.is_ascii_alphabetic()).map_or((rest, ""), |i| rest.split_at(i));
    let n: f64 = num.parse().ok().filter(|n: &f64| n.is_finite() && *n >= 0.0)?;
    let gib = match unit {
        "" => n / (1024.0 * 1024.0 * 1024.0),
        "K" => n / (1024.0 * 1024.0),
        "M" => n / 1024.0,
        "G" => n,
        "T" => n * 1024.0,
        _ => return None,
    };
    Some((relative, gib.ceil() as u64))
}

impl SimState {
    /// `POST` (task, QEMU only) or `PUT` (at once) `…/config`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn configure(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        params: &HashMap<String, String>,
        as_task: bool,
        user: User,
        now: f64,
    ) -> Result<Option<String>, SimError> {
        let g = self.guest(node, kind, vmid)?;
        if let Some(key) = params.keys().find(|k| !CONFIG_KEYS.contains(&k.as_str())) {
            return Err(SimError::param(
                key,
                "property is not defined in schema and the schema does not allow additional properties",
            ));
        }
        let cores = integer(params, "cores", 1, 1024)?.map(|c| c as u32);
        let memory = integer(params, "memory", 16, 4 * 1024 * 1024)?;
        let failure = Self::lock_conflict(g);
        let effect = Effect::Config { vmid, cores, memory };
        if !as_task {
            if let Some(f) = failure {
                return Err(SimError::new(500, f));
            }
            self.apply_now(&effect)?;
            return Ok(None);
        }
        let mut lines = Vec::new();
        if let Some(c) = cores {
            lines.push(format!("update VM {vmid}: -cores {c}"));
        }
        if let Some(m) = memory {
            lines.push(format!("update VM {vmid}: -memory {m}"));
        }
        let duration = (self.task_secs * 0.2).max(0.01);
        let effect = Some(effect);
        Ok(Some(self.spawn(
            node,
            task_type(kind, "config"),
            vmid.to_string(),
            user,
            now,
            duration,
            effect,
            failure,
            LogPlan::Lines(lines),
        )))
    }

    /// `PUT …/resize`: grow the guest's disk (scsi0 or rootfs); shrinking is refused.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn resize(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        params: &HashMap<String, String>,
        user: User,
        now: f64,
    ) -> Result<Option<String>, SimError> {
        let g = self.guest(node, kind, vmid)?;
        let disk = params.get("disk").ok_or_else(|| SimError::missing("disk"))?;
        let raw = params.get("size").ok_or_else(|| SimError::missing("size"))?;
        let own = match kind {
            GuestKind::Qemu => "scsi0",
            GuestKind::Lxc => "rootfs",
        };
        if disk != own {
            return Err(SimError::new(500, format!("disk '{disk}' does not exist")));
        }
        let (relative, gib) = parse_size(raw)
            .ok_or_else(|| SimError::param("size", format!("value does not match the regex pattern - got '{raw}'")))?;
        let target = if relative { g.disk_gb + gib } else { gib };
        if target < g.disk_gb {
            return Err(SimError::new(500, "shrinking disks is not supported"));
        }
        if g.template {
            return Err(SimError::new(500, "you can't resize a base image"));
        }
        let failure = Self::lock_conflict(g);
        let lines = vec![format!("  Size of logical volume pve/{} changed to {target}.00 GiB.", g.disk_volume())];
        let effect = Some(Effect::Resize { vmid, gb: target });
        let duration = (self.task_secs * 0.3).max(0.01);
        Ok(Some(self.spawn(
            node,
            task_type(kind, "resize"),
            vmid.to_string(),
            user,
            now,
            duration,
            effect,
            failure,
            LogPlan::Lines(lines),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_like_the_schema_pattern() {
        assert_eq!(parse_size("32G"), Some((false, 32)));
        assert_eq!(parse_size("+8G"), Some((true, 8)));
        assert_eq!(parse_size("1.5T"), Some((false, 1536)));
        assert_eq!(parse_size("512M"), Some((false, 1)));
        assert_eq!(parse_size("10737418240"), Some((false, 10)));
        assert_eq!(parse_size("-4G"), None);
        assert_eq!(parse_size("4X"), None);
        assert_eq!(parse_size(""), None);
    }
}
