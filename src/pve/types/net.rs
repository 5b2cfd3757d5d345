//! Guest network interfaces, from the QEMU guest agent or LXC's `/interfaces`.

use super::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NetInterface {
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    /// Agent: `hardware-address`; LXC sends both it and `hwaddr`.
    #[serde(rename = "hardware-address", deserialize_with = "lenient::opt_string")]
    pub hardware_address: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub hwaddr: Option<String>,
    /// May be missing (interfaces without addresses).
    #[serde(rename = "ip-addresses")]
    pub ip_addresses: Vec<IpAddress>,
    /// LXC: `10.0.0.5/24`.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub inet: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub inet6: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct IpAddress {
    #[serde(rename = "ip-address", deserialize_with = "lenient::string")]
    pub ip_address: String,
    /// `ipv4`/`ipv6` (agent) or `inet`/`inet6` (LXC).
    #[serde(rename = "ip-address-type", deserialize_with = "lenient::string")]
    pub ip_address_type: String,
    #[serde(deserialize_with = "lenient::opt_u32")]
    pub prefix: Option<u32>,
}

impl IpAddress {
    pub fn is_ipv4(&self) -> bool {
        matches!(self.ip_address_type.as_str(), "ipv4" | "inet")
            || (self.ip_address_type.is_empty() && self.ip_address.contains('.'))
    }
}

impl NetInterface {
    pub fn mac(&self) -> Option<String> {
        self.hardware_address
            .as_deref()
            .or(self.hwaddr.as_deref())
            .filter(|m| !m.is_empty())
            .map(str::to_ascii_uppercase)
    }

    /// The loopback interface: `lo`, or Windows' "Loopback Pseudo-Interface 1", known by
    /// name or by carrying exactly 127.0.0.1 / ::1. (Other 127/8 addresses on a real NIC
    /// are rare but real — and the simulator's address plan uses them.)
    pub fn is_loopback(&self) -> bool {
        self.name == "lo"
            || self.name.starts_with("Loopback")
            || self.ip_addresses.iter().any(|a| a.ip_address == "127.0.0.1" || a.ip_address == "::1")
    }

    /// IPv4 addresses, without the prefix. Containers on older Proxmox send only `inet`
    /// (`10.0.0.5/24`, sometimes several separated by spaces or commas).
    pub fn ipv4(&self) -> Vec<&str> {
        let listed: Vec<&str> =
            self.ip_addresses.iter().filter(|a| a.is_ipv4()).map(|a| a.ip_address.as_str()).collect();
        if !listed.is_empty() {
            return listed;
        }
        cidrs(self.inet.as_deref()).map(|(ip, _)| ip).collect()
    }

    /// The first IPv4 address worth showing: not loopback, not link-local.
    pub fn first_ipv4(&self) -> Option<String> {
        if self.is_loopback() {
            return None;
        }
        self.ipv4().into_iter().find(|ip| *ip != "127.0.0.1" && !ip.starts_with("169.254.")).map(str::to_string)
    }

    /// Every address as `ip/prefix` (loopback interfaces skipped).
    pub fn addresses(&self) -> Vec<String> {
        if self.is_loopback() {
            return Vec::new();
        }
        let listed: Vec<String> = self
            .ip_addresses
            .iter()
            .filter(|a| !a.ip_address.is_empty())
            .map(|a| match a.prefix {
                Some(p) => format!("{}/{p}", a.ip_address),
                None => a.ip_address.clone(),
            })
            .collect();
        if !listed.is_empty() {
            return listed;
        }
        cidrs(self.inet.as_deref())
            .chain(cidrs(self.inet6.as_deref()))
            .map(|(ip, p)| p.map_or_else(|| ip.to_string(), |p| format!("{ip}/{p}")))
            .collect()
    }
}

/// `10.0.0.5/24 10.0.1.5/24` → (address, prefix) pairs; anything that is not an address is skipped.
fn cidrs(raw: Option<&str>) -> impl Iterator<Item = (&str, Option<u32>)> {
    raw.unwrap_or_default().split([' ', ',']).filter_map(|c| {
        let (ip, prefix) = match c.trim().split_once('/') {
            Some((ip, p)) => (ip, Some(p.parse::<u32>().ok()?)),
            None => (c.trim(), None),
        };
        ip.parse::<std::net::IpAddr>().is_ok().then_some((ip, prefix))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_without_ip_addresses_use_their_inet_cidrs() {
        // The shape of /nodes/{node}/lxc/{vmid}/interfaces on Proxmox before `ip-addresses`.
        let ifaces: Vec<NetInterface> = serde_json::from_str(
            r#"[{"name":"lo","hwaddr":"00:00:00:00:00:00","inet":"127.0.0.1/8","inet6":"::1/128"},
                {"name":"eth0","hwaddr":"bc:24:11:aa:bb:cc","inet":"192.168.1.50/24","inet6":"fe80::1/64"},
                {"name":"eth1","hwaddr":"bc:24:11:aa:bb:cd","inet":"not-an-ip/99"}]"#,
        )
        .unwrap();
        assert_eq!(ifaces[0].first_ipv4(), None, "loopback");
        assert_eq!(ifaces[1].first_ipv4().as_deref(), Some("192.168.1.50"));
        assert_eq!(ifaces[1].addresses(), ["192.168.1.50/24", "fe80::1/64"]);
        assert_eq!(ifaces[1].mac().as_deref(), Some("BC:24:11:AA:BB:CC"));
        assert_eq!(ifaces[2].first_ipv4(), None);
    }
}
