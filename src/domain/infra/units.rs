//! Capacities are stored in bytes; people type and read them with binary units.

pub const KIB: i64 = 1 << 10;
pub const MIB: i64 = 1 << 20;
pub const GIB: i64 = 1 << 30;
pub const TIB: i64 = 1 << 40;

/// Bytes as a table shows them: 512M, 3.2G, 1.1T (the inventory's format).
pub fn show(bytes: i64) -> String {
    crate::domain::inventory::bytes(bytes.max(0) as u64)
}

/// "40G", "40 GiB", "1.5T", "512M", "2048" (bytes) → bytes. Decimal units (GB) are read as
/// binary: seed 002 and most people mean GiB when they write GB for memory and disks.
pub fn parse(input: &str) -> Result<i64, String> {
    let s = input.trim();
    let bad = || format!("'{s}' is not a size (like 40G, 512M, 1.5T or a number of bytes)");
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (num, unit) = (s[..split].trim(), s[split..].trim());
    let value: f64 = num.parse().map_err(|_| bad())?;
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => KIB,
        "m" | "mb" | "mib" => MIB,
        "g" | "gb" | "gib" => GIB,
        "t" | "tb" | "tib" => TIB,
        _ => return Err(bad()),
    };
    let bytes = value * factor as f64;
    if !bytes.is_finite() || bytes < 0.0 || bytes > i64::MAX as f64 {
        return Err(format!("'{s}' is too large"));
    }
    Ok(bytes.ceil() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_trip_in_binary_units() {
        assert_eq!(parse("40G").unwrap(), 40 * GIB);
        assert_eq!(parse(" 1.5 TiB").unwrap(), 3 * TIB / 2);
        assert_eq!(parse("512mb").unwrap(), 512 * MIB);
        assert_eq!(parse("2048").unwrap(), 2048);
        assert!(parse("lots").is_err() && parse("-4G").is_err() && parse("4 parsecs").is_err());
        assert!(parse("99999999999T").is_err());
        assert_eq!(show(4 * GIB), "4.0G");
        assert_eq!(show(2 * TIB), "2.0T");
    }
}
