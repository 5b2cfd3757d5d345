//! Proxmox sends booleans as 0/1 (sometimes `true` or "1"), numbers as numbers or strings, and
//! leaves fields out when they do not apply. These deserializers accept all of that; a value of
//! the wrong shape becomes `None` rather than failing a whole list.

use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::marker::PhantomData;

pub(crate) trait FromScalar: Sized {
    fn from_u64(v: u64) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_f64(v: f64) -> Option<Self>;
    fn from_bool(v: bool) -> Option<Self>;
    fn from_str(v: &str) -> Option<Self>;
}

impl FromScalar for u64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v)
    }
    fn from_i64(v: i64) -> Option<Self> {
        u64::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        (v.is_finite() && v >= 0.0).then_some(v as u64)
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v as u64)
    }
    fn from_str(v: &str) -> Option<Self> {
        let v = v.trim();
        v.parse().ok().or_else(|| v.parse::<f64>().ok().and_then(Self::from_f64))
    }
}

impl FromScalar for u32 {
    fn from_u64(v: u64) -> Option<Self> {
        u32::try_from(v).ok()
    }
    fn from_i64(v: i64) -> Option<Self> {
        u32::try_from(v).ok()
    }
    fn from_f64(v: f64) -> Option<Self> {
        u64::from_f64(v).and_then(Self::from_u64)
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v as u32)
    }
    fn from_str(v: &str) -> Option<Self> {
        u64::from_str(v).and_then(Self::from_u64)
    }
}

impl FromScalar for i64 {
    fn from_u64(v: u64) -> Option<Self> {
        i64::try_from(v).ok()
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v)
    }
    fn from_f64(v: f64) -> Option<Self> {
        v.is_finite().then_some(v as i64)
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v as i64)
    }
    fn from_str(v: &str) -> Option<Self> {
        let v = v.trim();
        v.parse().ok().or_else(|| v.parse::<f64>().ok().and_then(Self::from_f64))
    }
}

impl FromScalar for f64 {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v as f64)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v)
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(if v { 1.0 } else { 0.0 })
    }
    fn from_str(v: &str) -> Option<Self> {
        v.trim().parse().ok()
    }
}

impl FromScalar for bool {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v != 0)
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v != 0)
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v != 0.0)
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(v)
    }
    fn from_str(v: &str) -> Option<Self> {
        match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Some(true),
            "0" | "false" | "no" | "off" | "" => Some(false),
            _ => None,
        }
    }
}

impl FromScalar for String {
    fn from_u64(v: u64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_i64(v: i64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_f64(v: f64) -> Option<Self> {
        Some(v.to_string())
    }
    fn from_bool(v: bool) -> Option<Self> {
        Some(if v { "1" } else { "0" }.to_string())
    }
    fn from_str(v: &str) -> Option<Self> {
        Some(v.to_string())
    }
}

struct LenientVisitor<T>(PhantomData<T>);

impl<'de, T: FromScalar> Visitor<'de> for LenientVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number, boolean or string")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(T::from_bool(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(T::from_u64(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(T::from_i64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(T::from_f64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(T::from_str(v))
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    // Objects and arrays where a scalar belongs: skip them rather than fail the whole row.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

fn lenient<'de, D: Deserializer<'de>, T: FromScalar>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_any(LenientVisitor::<T>(PhantomData))
}

pub(crate) fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    lenient(d)
}
pub(crate) fn opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    lenient(d)
}
pub(crate) fn opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    lenient(d)
}
pub(crate) fn opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    lenient(d)
}
pub(crate) fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    lenient(d)
}
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    lenient(d)
}
pub(crate) fn bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(lenient::<D, bool>(d)?.unwrap_or(false))
}
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(lenient::<D, String>(d)?.unwrap_or_default())
}
pub(crate) fn u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    Ok(lenient::<D, u64>(d)?.unwrap_or(0))
}
pub(crate) fn u32<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    Ok(lenient::<D, u32>(d)?.unwrap_or(0))
}
pub(crate) fn i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(lenient::<D, i64>(d)?.unwrap_or(0))
}
pub(crate) fn f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(lenient::<D, f64>(d)?.unwrap_or(0.0))
}

/// A list of numbers that may arrive as strings (`loadavg: ["0.42", "0.35", "0.37"]`).
pub(crate) fn f64_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    struct ListVisitor;
    impl<'de> Visitor<'de> for ListVisitor {
        type Value = Vec<f64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of numbers")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = seq.next_element::<Lenient<f64>>()? {
                out.extend(v.0);
            }
            Ok(out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(ListVisitor)
}

/// A lenient scalar as a standalone value (list elements, `/cluster/nextid`).
pub(crate) struct Lenient<T>(pub Option<T>);

impl<'de, T: FromScalar> serde::Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Lenient(lenient(d)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Row {
        #[serde(default, deserialize_with = "opt_bool")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "opt_u64")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "opt_f64")]
        f: Option<f64>,
        #[serde(default, deserialize_with = "opt_string")]
        s: Option<String>,
    }

    fn row(json: &str) -> Row {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn booleans_in_every_spelling() {
        for (j, want) in [
            (r#"{"b":1}"#, Some(true)),
            (r#"{"b":0}"#, Some(false)),
            (r#"{"b":true}"#, Some(true)),
            (r#"{"b":"1"}"#, Some(true)),
            (r#"{"b":"0"}"#, Some(false)),
            (r#"{"b":null}"#, None),
            (r#"{}"#, None),
        ] {
            assert_eq!(row(j).b, want, "{j}");
        }
    }

    #[test]
    fn numbers_as_strings_and_floats() {
        assert_eq!(row(r#"{"n":"100"}"#).n, Some(100));
        assert_eq!(row(r#"{"n":4.0}"#).n, Some(4));
        assert_eq!(row(r#"{"n":-1}"#).n, None);
        assert_eq!(row(r#"{"n":"x"}"#).n, None);
        assert_eq!(row(r#"{"f":"3400.000"}"#).f, Some(3400.0));
        assert_eq!(row(r#"{"s":101}"#).s.as_deref(), Some("101"));
        assert_eq!(row(r#"{"s":{"a":1}}"#).s, None);
    }
}
