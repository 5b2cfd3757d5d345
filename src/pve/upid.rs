//! Proxmox task ids: `UPID:node:pid:pstart:starttime:type:id:user:` (pid, pstart and starttime
//! in hex). The node a task runs on is only known from its UPID.

use super::PveError;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Upid(String);

impl Upid {
    pub fn parse(s: &str) -> Result<Upid, PveError> {
        let s = s.trim();
        let invalid = || PveError::Decode { endpoint: "task id".into(), message: format!("not a UPID: {s:?}") };
        let parts: Vec<&str> = s.splitn(9, ':').collect();
        if parts.len() < 8 || parts[0] != "UPID" || parts[1].is_empty() {
            return Err(invalid());
        }
        for hex in &parts[2..5] {
            if hex.is_empty() || u64::from_str_radix(hex, 16).is_err() {
                return Err(invalid());
            }
        }
        if parts[5].is_empty() || parts[7].is_empty() {
            return Err(invalid());
        }
        Ok(Upid(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn part(&self, i: usize) -> &str {
        self.0.splitn(9, ':').nth(i).unwrap_or("")
    }

    fn hex(&self, i: usize) -> u64 {
        u64::from_str_radix(self.part(i), 16).unwrap_or(0)
    }

    pub fn node(&self) -> &str {
        self.part(1)
    }
    pub fn pid(&self) -> u64 {
        self.hex(2)
    }
    pub fn pstart(&self) -> u64 {
        self.hex(3)
    }
    /// Unix seconds.
    pub fn starttime(&self) -> i64 {
        self.hex(4) as i64
    }
    /// e.g. `qmstart`, `qmclone`, `vzdump`.
    pub fn task_type(&self) -> &str {
        self.part(5)
    }
    /// Usually the VMID as a string (clones are filed under the source VMID); may be empty.
    pub fn id(&self) -> &str {
        self.part(6)
    }
    pub fn vmid(&self) -> Option<u32> {
        self.id().parse().ok()
    }
    /// `user@realm` or `user@realm!token`.
    pub fn user(&self) -> &str {
        self.part(7)
    }
}

impl fmt::Display for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Upid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Upid({})", self.0)
    }
}

impl std::str::FromStr for Upid {
    type Err = PveError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Upid::parse(s)
    }
}

impl Serialize for Upid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Upid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Upid::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_real_upid() {
        let u = Upid::parse("UPID:iaclab-01-01:00000DD3:1C419D88:6119FB65:srvreload:networking:root@pam:").unwrap();
        assert_eq!(u.node(), "iaclab-01-01");
        assert_eq!(u.pid(), 0xDD3);
        assert_eq!(u.pstart(), 0x1C419D88);
        assert_eq!(u.starttime(), 1629092709);
        assert_eq!(u.task_type(), "srvreload");
        assert_eq!(u.id(), "networking");
        assert_eq!(u.vmid(), None);
        assert_eq!(u.user(), "root@pam");
    }

    #[test]
    fn token_users_and_empty_ids() {
        let u = Upid::parse("UPID:pve1:0001E240:00BC614E:66000000:qmstart::root@pam!ci:").unwrap();
        assert_eq!(u.id(), "");
        assert_eq!(u.user(), "root@pam!ci");
        let json = serde_json::to_string(&u).unwrap();
        let back: Upid = serde_json::from_str(&json).unwrap();
        assert_eq!(back, u);
    }

    #[test]
    fn rejects_garbage() {
        for bad in ["", "UPID:", "TASK:a:1:2:3:x:1:u:", "UPID:n:zz:1:2:t:1:u:", "UPID:n:1:2:3:t:1"] {
            assert!(Upid::parse(bad).is_err(), "{bad}");
        }
    }
}
