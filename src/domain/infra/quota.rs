//! Tenant quotas: a limit per resource (none: unlimited) against what the tenant's live
//! instances and data disks use. A request that would pass a limit is refused with the numbers.

use super::units::show;

/// Limits; `None` means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Quota {
    pub cpu_cores: Option<i64>,
    pub memory_bytes: Option<i64>,
    pub storage_bytes: Option<i64>,
    pub instances: Option<i64>,
}

/// What is in use, or what a request adds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    pub cpu_cores: i64,
    pub memory_bytes: i64,
    pub storage_bytes: i64,
    pub instances: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("over {tenant}'s quota: {}", .over.join("; "))]
pub struct OverQuota {
    pub tenant: String,
    pub over: Vec<String>,
}

impl Quota {
    /// Refuse `add` on top of `used` when any limit would be passed; the message names each
    /// resource with its limit, what is used and what was asked.
    pub fn admit(&self, tenant: &str, used: Usage, add: Usage) -> Result<(), OverQuota> {
        let mut over = Vec::new();
        let mut check = |what: &str, limit: Option<i64>, used: i64, add: i64, fmt: fn(i64) -> String| {
            if let Some(limit) = limit
                && add > 0
                && used.saturating_add(add) > limit
            {
                over.push(format!("{what} {} used + {} asked > {} allowed", fmt(used), fmt(add), fmt(limit)));
            }
        };
        let n = |v: i64| v.to_string();
        check("instances", self.instances, used.instances, add.instances, n);
        check("CPU cores", self.cpu_cores, used.cpu_cores, add.cpu_cores, n);
        check("memory", self.memory_bytes, used.memory_bytes, add.memory_bytes, show);
        check("storage", self.storage_bytes, used.storage_bytes, add.storage_bytes, show);
        if over.is_empty() { Ok(()) } else { Err(OverQuota { tenant: tenant.to_string(), over }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::infra::units::GIB;

    #[test]
    fn refusals_carry_the_numbers() {
        let q = Quota { cpu_cores: Some(8), memory_bytes: Some(16 * GIB), storage_bytes: None, instances: Some(2) };
        let used = Usage { cpu_cores: 6, memory_bytes: 8 * GIB, storage_bytes: 100 * GIB, instances: 1 };
        assert!(
            q.admit("t", used, Usage { cpu_cores: 2, memory_bytes: 8 * GIB, storage_bytes: 1, instances: 1 }).is_ok()
        );
        let e = q
            .admit("Orbit", used, Usage { cpu_cores: 4, memory_bytes: GIB, storage_bytes: 0, instances: 1 })
            .unwrap_err();
        assert_eq!(e.to_string(), "over Orbit's quota: CPU cores 6 used + 4 asked > 8 allowed");
        let e = q.admit("t", used, Usage { memory_bytes: 9 * GIB, instances: 2, ..Usage::default() }).unwrap_err();
        assert_eq!(e.over.len(), 2, "{e}");
        assert!(e.to_string().contains("memory 8.0G used + 9.0G asked > 16.0G allowed"), "{e}");
    }
}
