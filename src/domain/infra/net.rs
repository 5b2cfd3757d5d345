//! Subnets and addresses: CIDR parsing (host bits must be zero), a gateway inside its subnet,
//! VLAN ids, and IPAM's rule for the next free address (never the network or broadcast
//! address, never outside the CIDR, never one already taken or inside a reserved range).

use std::collections::HashSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// An IPv4 or IPv6 network: `10.40.1.0/24`, `2001:db8::/64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr {
    pub network: IpAddr,
    pub prefix: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("'{0}' is not a CIDR block (like 10.40.1.0/24)")]
    NotCidr(String),
    #[error("'{0}' has host bits set; the network is {1}")]
    HostBits(String, Cidr),
    #[error("'{0}' is not an IP address")]
    NotAddress(String),
    #[error("{0} is outside {1}")]
    Outside(IpAddr, Cidr),
    #[error("{0} is the network address of {1}")]
    Network(IpAddr, Cidr),
    #[error("{0} is the broadcast address of {1}")]
    Broadcast(IpAddr, Cidr),
    #[error("VLAN {0} is out of range (1–4094)")]
    Vlan(i64),
    #[error("{0} is not inside the VPC's block {1}")]
    NotInside(Cidr, Cidr),
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(a) => (u32::from(a) as u128, 32),
        IpAddr::V6(a) => (u128::from(a), 128),
    }
}

fn from_bits(v: u128, width: u8) -> IpAddr {
    if width == 32 { IpAddr::V4(Ipv4Addr::from(v as u32)) } else { IpAddr::V6(Ipv6Addr::from(v)) }
}

impl Cidr {
    pub fn parse(s: &str) -> Result<Cidr, NetError> {
        let s = s.trim();
        let bad = || NetError::NotCidr(s.to_string());
        let (addr, prefix) = s.split_once('/').ok_or_else(bad)?;
        let ip: IpAddr = addr.parse().map_err(|_| bad())?;
        let prefix: u8 = prefix.parse().map_err(|_| bad())?;
        let (_, width) = bits(ip);
        if prefix > width {
            return Err(bad());
        }
        let c = Cidr { network: ip, prefix };
        let net = Cidr { network: from_bits(bits(ip).0 & c.mask(), width), prefix };
        if net.network != ip {
            return Err(NetError::HostBits(s.to_string(), net));
        }
        Ok(net)
    }

    fn width(&self) -> u8 {
        bits(self.network).1
    }

    fn mask(&self) -> u128 {
        let w = self.width();
        let host = w - self.prefix;
        let all = if w == 32 { u32::MAX as u128 } else { u128::MAX };
        if host >= 128 { 0 } else { all & !((1u128 << host) - 1) }
    }

    fn first(&self) -> u128 {
        bits(self.network).0
    }

    fn last(&self) -> u128 {
        let w = self.width();
        let host = w - self.prefix;
        if host >= 128 { u128::MAX } else { self.first() | ((1u128 << host) - 1) }
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let (v, w) = bits(ip);
        w == self.width() && v >= self.first() && v <= self.last()
    }

    /// Whether `inner` lies wholly inside this block.
    pub fn covers(&self, inner: &Cidr) -> bool {
        inner.width() == self.width() && inner.prefix >= self.prefix && self.contains(inner.network)
    }

    /// IPv4 blocks of /30 and wider keep their first (network) and last (broadcast) address
    /// out of use; /31, /32 and IPv6 have none.
    fn has_edges(&self) -> bool {
        self.width() == 32 && self.prefix <= 30
    }

    /// May `ip` be given to a host? Refused outside the block, and for its network or
    /// broadcast address.
    pub fn check_host(&self, ip: IpAddr) -> Result<(), NetError> {
        if !self.contains(ip) {
            return Err(NetError::Outside(ip, *self));
        }
        let v = bits(ip).0;
        if self.has_edges() && v == self.first() {
            return Err(NetError::Network(ip, *self));
        }
        if self.has_edges() && v == self.last() {
            return Err(NetError::Broadcast(ip, *self));
        }
        Ok(())
    }

    /// The lowest host address not in `taken` and not inside any of `ranges` (start, size).
    /// Walks at most `limit` candidates, so a huge IPv6 block costs what a /16 does.
    pub fn next_free(&self, taken: &HashSet<IpAddr>, ranges: &[(IpAddr, u64)], limit: u64) -> Option<IpAddr> {
        let w = self.width();
        let (mut v, last) =
            if self.has_edges() { (self.first() + 1, self.last() - 1) } else { (self.first(), self.last()) };
        let spans: Vec<(u128, u128)> = ranges
            .iter()
            .filter(|(ip, _)| bits(*ip).1 == w)
            .map(|(ip, n)| {
                let s = bits(*ip).0;
                (s, s.saturating_add((*n).max(1) as u128 - 1))
            })
            .collect();
        let mut walked = 0;
        while v <= last && walked < limit {
            walked += 1;
            if let Some(&(_, end)) = spans.iter().find(|(s, e)| v >= *s && v <= *e) {
                v = end.checked_add(1)?;
                continue;
            }
            let ip = from_bits(v, w);
            if !taken.contains(&ip) {
                return Some(ip);
            }
            v = v.checked_add(1)?;
        }
        None
    }

    /// Host addresses the block can give out.
    pub fn host_count(&self) -> u128 {
        let host = (self.width() - self.prefix) as u32;
        let all = if host >= 128 { u128::MAX } else { 1u128 << host };
        if self.has_edges() { all - 2 } else { all }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// An address as typed: trimmed, parsed, and written back canonically.
pub fn parse_ip(s: &str) -> Result<IpAddr, NetError> {
    s.trim().parse().map_err(|_| NetError::NotAddress(s.trim().to_string()))
}

/// A gateway must be a host address of its subnet.
pub fn check_gateway(subnet: &Cidr, gateway: &str) -> Result<IpAddr, NetError> {
    let ip = parse_ip(gateway)?;
    subnet.check_host(ip)?;
    Ok(ip)
}

/// 802.1Q VLAN ids: 1–4094 (0 and 4095 are reserved).
pub fn check_vlan(v: i64) -> Result<i64, NetError> {
    if (1..=4094).contains(&v) { Ok(v) } else { Err(NetError::Vlan(v)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cidrs_parse_and_refuse_host_bits() {
        let c = Cidr::parse(" 10.40.1.0/24 ").unwrap();
        assert_eq!(c.to_string(), "10.40.1.0/24");
        assert!(
            matches!(Cidr::parse("10.40.1.7/24"), Err(NetError::HostBits(_, n)) if n.to_string() == "10.40.1.0/24")
        );
        assert!(matches!(Cidr::parse("10.40.1.0"), Err(NetError::NotCidr(_))));
        assert!(matches!(Cidr::parse("10.40.1.0/33"), Err(NetError::NotCidr(_))));
        assert!(matches!(Cidr::parse("banana/8"), Err(NetError::NotCidr(_))));
        assert_eq!(Cidr::parse("2001:db8:5::/64").unwrap().to_string(), "2001:db8:5::/64");
        assert_eq!(Cidr::parse("0.0.0.0/0").unwrap().host_count(), (1u128 << 32) - 2);
        assert_eq!(Cidr::parse("10.0.0.0/24").unwrap().host_count(), 254);
    }

    #[test]
    fn gateway_inside_and_not_an_edge() {
        let c = Cidr::parse("10.40.1.0/24").unwrap();
        assert!(check_gateway(&c, "10.40.1.1").is_ok());
        assert!(matches!(check_gateway(&c, "10.40.2.1"), Err(NetError::Outside(..))));
        assert!(matches!(check_gateway(&c, "10.40.1.0"), Err(NetError::Network(..))));
        assert!(matches!(check_gateway(&c, "10.40.1.255"), Err(NetError::Broadcast(..))));
        assert!(matches!(check_gateway(&c, "2001:db8::1"), Err(NetError::Outside(..))));
        assert!(Cidr::parse("10.40.0.0/16").unwrap().covers(&c));
        assert!(!c.covers(&Cidr::parse("10.40.0.0/16").unwrap()));
    }

    #[test]
    fn vlans_in_range() {
        assert!(check_vlan(1).is_ok() && check_vlan(4094).is_ok());
        assert!(check_vlan(0).is_err() && check_vlan(4095).is_err() && check_vlan(-3).is_err());
    }

    #[test]
    fn next_free_skips_taken_ranges_and_edges() {
        let c = Cidr::parse("10.0.0.0/29").unwrap();
        let mut taken: HashSet<IpAddr> = [ip("10.0.0.1")].into();
        assert_eq!(c.next_free(&taken, &[], 1000), Some(ip("10.0.0.2")));
        assert_eq!(c.next_free(&taken, &[(ip("10.0.0.2"), 3)], 1000), Some(ip("10.0.0.5")));
        taken.extend(["10.0.0.5", "10.0.0.6"].map(ip));
        assert_eq!(c.next_free(&taken, &[(ip("10.0.0.2"), 3)], 1000), None, "10.0.0.7 is broadcast");
        let tiny = Cidr::parse("10.0.0.4/31").unwrap();
        assert_eq!(tiny.next_free(&HashSet::new(), &[], 10), Some(ip("10.0.0.4")));
        let v6 = Cidr::parse("2001:db8::/64").unwrap();
        assert_eq!(v6.next_free(&[ip("2001:db8::")].into(), &[], 10), Some(ip("2001:db8::1")));
    }
}
