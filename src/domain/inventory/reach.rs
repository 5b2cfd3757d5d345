//! Which guest addresses the poller may probe for SSH and RDP: only those inside the networks
//! the `pve.probe_networks` setting lists (CIDRs). Without the setting: loopback only, so a
//! fresh install never sends a packet to a network nobody allowed (the simulator's guests live
//! on 127.x, so the demo probes them).

use std::net::IpAddr;

/// The setting naming the networks to probe, a JSON list like `["10.20.0.0/16", "127.0.0.0/8"]`.
pub const SETTING: &str = "pve.probe_networks";

/// Probes per cycle at most (each guest costs two connection attempts).
pub const BUDGET: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Networks(Vec<(IpAddr, u8)>);

impl Default for Networks {
    fn default() -> Self {
        Networks::loopback()
    }
}

impl Networks {
    pub fn loopback() -> Networks {
        Networks(vec![(IpAddr::from([127, 0, 0, 0]), 8), (IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]), 128)])
    }

    /// From the setting's value; an entry that is not a CIDR is an error naming it.
    pub fn parse(value: &serde_json::Value) -> Result<Networks, String> {
        let items = value.as_array().ok_or_else(|| format!("{SETTING}: a list of networks like [\"10.0.0.0/8\"]"))?;
        let mut out = Vec::new();
        for item in items {
            let s = item.as_str().unwrap_or_default().trim();
            let (ip, bits) = s.split_once('/').unwrap_or((s, if s.contains(':') { "128" } else { "32" }));
            let ip: IpAddr = ip.parse().map_err(|_| format!("{SETTING}: {s:?} is not a network (like 10.0.0.0/8)"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits: u8 =
                bits.parse().ok().filter(|b| *b <= max).ok_or_else(|| format!("{SETTING}: bad prefix in {s:?}"))?;
            out.push((ip, bits));
        }
        Ok(Networks(out))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|&(net, bits)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), bits),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), bits),
            _ => false,
        })
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    if a[..whole] != b[..whole] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[whole] & mask == b[whole] & mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_networks_are_probed() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let d = Networks::default();
        assert!(d.contains(ip("127.100.0.5")) && d.contains(ip("::1")));
        assert!(!d.contains(ip("10.0.0.5")) && !d.contains(ip("192.168.1.1")), "nothing else by default");
        let n = Networks::parse(&serde_json::json!(["10.20.0.0/16", "192.168.1.7", "fd00::/8"])).unwrap();
        assert!(n.contains(ip("10.20.255.1")) && !n.contains(ip("10.21.0.1")));
        assert!(n.contains(ip("192.168.1.7")) && !n.contains(ip("192.168.1.8")));
        assert!(n.contains(ip("fd12::1")) && !n.contains(ip("127.0.0.1")));
        let odd = Networks::parse(&serde_json::json!(["10.0.0.0/12"])).unwrap();
        assert!(odd.contains(ip("10.15.0.1")) && !odd.contains(ip("10.16.0.1")));
        assert!(Networks::parse(&serde_json::json!(["10.0.0.0/33"])).is_err());
        assert!(Networks::parse(&serde_json::json!(["lab"])).unwrap_err().contains("\"lab\""));
        assert!(Networks::parse(&serde_json::json!("10.0.0.0/8")).is_err());
    }
}
