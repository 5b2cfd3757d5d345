//! Request and answer plumbing shaped like pveproxy: `{"data": …}` bodies, errors with a
//! status, a message and per-parameter `errors`.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A refused request, as Proxmox would answer it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SimError {
    pub status: u16,
    pub message: String,
    pub errors: BTreeMap<String, String>,
}

impl SimError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> SimError {
        SimError { status, message: message.into(), errors: BTreeMap::new() }
    }

    /// 400 "Parameter verification failed." with one parameter's complaint.
    pub(crate) fn param(name: &str, message: impl Into<String>) -> SimError {
        let mut errors = BTreeMap::new();
        errors.insert(name.to_string(), message.into());
        SimError { status: 400, message: "Parameter verification failed.".into(), errors }
    }

    pub(crate) fn missing(name: &str) -> SimError {
        SimError::param(name, "property is missing and it is not optional")
    }
}

#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    data: &'a T,
}

impl Reply {
    pub(crate) fn data<T: Serialize>(value: &T) -> Reply {
        // Serializing plain structs into a Vec cannot fail; fall back to a 500 if it ever does.
        match serde_json::to_vec(&Envelope { data: value }) {
            Ok(body) => Reply { status: 200, body },
            Err(e) => Reply::error(&SimError::new(500, format!("serializing: {e}"))),
        }
    }

    /// A body already shaped as `{"data": …}`.
    pub(crate) fn raw(body: Vec<u8>) -> Reply {
        Reply { status: 200, body }
    }

    /// PVE ≥ 9 puts the message in the body as well as in the reason phrase; the simulator
    /// cannot set a custom reason phrase through axum, so the body carries it.
    pub(crate) fn error(e: &SimError) -> Reply {
        #[derive(Serialize)]
        struct ErrorBody<'a> {
            data: Option<()>,
            message: String,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            errors: &'a BTreeMap<String, String>,
        }
        let body =
            serde_json::to_vec(&ErrorBody { data: None, message: format!("{}\n", e.message), errors: &e.errors })
                .unwrap_or_default();
        Reply { status: e.status, body }
    }

    /// pveproxy's 401s for missing or bad credentials have an empty body.
    pub(crate) fn unauthorized() -> Reply {
        Reply { status: 401, body: Vec::new() }
    }
}

/// `application/x-www-form-urlencoded` or a query string.
pub(crate) fn parse_form(raw: &[u8]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in raw.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &b""[..]),
        };
        out.insert(decode(k, true), decode(v, true));
    }
    out
}

/// A JSON object body (Proxmox accepts those too), values flattened to text.
pub(crate) fn parse_json_object(raw: &[u8]) -> HashMap<String, String> {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(raw) else {
        return HashMap::new();
    };
    map.into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Bool(b) => if b { "1" } else { "0" }.to_string(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

/// Percent-decoding; `plus_is_space` for forms and queries, not for paths.
pub(crate) fn decode(raw: &[u8], plus_is_space: bool) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < raw.len() => {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Proxmox booleans in parameters: 1/0, true/false, yes/no, on/off.
pub(crate) fn flag(params: &HashMap<String, String>, key: &str) -> bool {
    params.get(key).is_some_and(|v| matches!(v.as_str(), "1" | "true" | "yes" | "on"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_escapes() {
        let f = parse_form(b"newid=105&name=web-01&description=a+b%21&full");
        assert_eq!(f["newid"], "105");
        assert_eq!(f["description"], "a b!");
        assert_eq!(f["full"], "");
        assert_eq!(decode(b"a%2Fb+c", false), "a/b+c");
        assert_eq!(decode(b"100%", false), "100%");
        assert_eq!(decode(b"%zz", false), "%zz");
    }

    #[test]
    fn error_bodies() {
        let r = Reply::error(&SimError::param("newid", "VM 105 already exists"));
        assert_eq!(r.status, 400);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["data"], serde_json::Value::Null);
        assert_eq!(v["errors"]["newid"], "VM 105 already exists");
    }
}
