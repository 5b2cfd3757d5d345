//! Turning Proxmox answers into values or errors: the `{"data": …}` envelope, the error shapes
//! (400 with `errors`, a message in the reason phrase or, since PVE 9, in the body), and the
//! guest agent's errors-inside-a-200.

use super::PveError;
use super::types::NetInterface;
use super::types::lenient::Lenient;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Envelope<T> {
    data: T,
}

/// The `data` of a successful answer.
pub fn decode_data<T: DeserializeOwned>(endpoint: &str, body: &[u8]) -> Result<T, PveError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(PveError::Decode { endpoint: endpoint.to_string(), message: "empty body".into() });
    }
    serde_json::from_slice::<Envelope<T>>(body)
        .map(|e| e.data)
        .map_err(|e| PveError::Decode { endpoint: endpoint.to_string(), message: e.to_string() })
}

/// Each element of a `data` array, handed to `each` as it is decoded, so a large answer never
/// exists twice (as a vector of rows beside the rows made of them). Returns the count.
pub fn decode_each<T: DeserializeOwned>(endpoint: &str, body: &[u8], each: impl FnMut(T)) -> Result<usize, PveError> {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::marker::PhantomData;

    struct Elements<T, F>(F, PhantomData<T>);
    impl<'de, T: DeserializeOwned, F: FnMut(T)> DeserializeSeed<'de> for Elements<T, F> {
        type Value = usize;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_seq(self)
        }
    }
    impl<'de, T: DeserializeOwned, F: FnMut(T)> Visitor<'de> for Elements<T, F> {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while let Some(item) = seq.next_element::<T>()? {
                (self.0)(item);
                n += 1;
            }
            Ok(n)
        }
    }
    struct Data<T, F>(Option<F>, PhantomData<T>);
    impl<'de, T: DeserializeOwned, F: FnMut(T)> Visitor<'de> for Data<T, F> {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object with `data`")
        }
        fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<usize, A::Error> {
            let mut count = None;
            while let Some(key) = map.next_key::<std::borrow::Cow<str>>()? {
                match self.0.take_if(|_| key == "data") {
                    Some(each) => count = Some(map.next_value_seed(Elements(each, PhantomData))?),
                    None => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            count.ok_or_else(|| serde::de::Error::missing_field("data"))
        }
    }

    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(PveError::Decode { endpoint: endpoint.to_string(), message: "empty body".into() });
    }
    let mut d = serde_json::Deserializer::from_slice(body);
    d.deserialize_map(Data(Some(each), PhantomData))
        .and_then(|n| d.end().map(|()| n))
        .map_err(|e| PveError::Decode { endpoint: endpoint.to_string(), message: e.to_string() })
}

/// `/cluster/nextid` answers `"100"` (a string) where the schema says integer.
pub fn decode_vmid(endpoint: &str, body: &[u8]) -> Result<u32, PveError> {
    decode_data::<Lenient<u32>>(endpoint, body)?
        .0
        .ok_or_else(|| PveError::Decode { endpoint: endpoint.to_string(), message: "not a VMID".into() })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ErrorBody {
    message: Option<String>,
    errors: Option<BTreeMap<String, serde_json::Value>>,
}

/// An error answer: `status`, the reason phrase if it was not the standard one, and the body.
pub fn error_from_parts(status: u16, reason: Option<&str>, body: &[u8]) -> PveError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let canonical = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
    let message = parsed
        .message
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .or_else(|| reason.map(str::trim).filter(|r| !r.is_empty()).map(String::from))
        .or_else(|| canonical.map(String::from))
        .unwrap_or_else(|| format!("HTTP {status}"));
    let errors: BTreeMap<String, String> = parsed
        .errors
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                serde_json::Value::String(s) => s.trim().to_string(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect();
    match status {
        401 => PveError::Unauthorized(message),
        403 => PveError::Forbidden(message),
        _ => PveError::Http { status, message, errors },
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum AgentResult {
    Interfaces(Vec<NetInterface>),
    Error { error: AgentError },
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AgentError {
    class: String,
    desc: String,
}

#[derive(Deserialize)]
struct AgentData {
    result: Option<AgentResult>,
}

/// `…/agent/network-get-interfaces` data: `{"result": [...]}` or `{"result": {"error": …}}`.
pub fn decode_agent_interfaces(endpoint: &str, body: &[u8]) -> Result<Vec<NetInterface>, PveError> {
    let data: Option<AgentData> = decode_data(endpoint, body)?;
    match data.and_then(|d| d.result) {
        Some(AgentResult::Interfaces(list)) => Ok(list),
        Some(AgentResult::Error { error }) => {
            Err(PveError::AgentUnavailable(match (error.desc.is_empty(), error.class.is_empty()) {
                (false, false) => format!("{} ({})", error.desc, error.class),
                (false, true) => error.desc,
                _ => error.class,
            }))
        }
        None => Err(PveError::AgentUnavailable("the agent returned nothing".into())),
    }
}

/// Pull the server's reason phrase out of reqwest's status error text
/// ("HTTP status server error (501 Method 'X' not implemented)"): reqwest keeps hyper's
/// reason phrase only there, and Proxmox puts its error message in it.
pub(crate) fn reason_from_status_error(text: &str, status: u16) -> Option<String> {
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let inner = text.get(open + 1..close)?;
    let rest = inner.strip_prefix(&status.to_string())?.trim();
    // Without a custom phrase reqwest prints "501 Not Implemented" from the status code.
    let canonical = reqwest::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason());
    (!rest.is_empty() && Some(rest) != canonical).then(|| unescape(rest))
}

/// Undo reqwest's byte escaping of a reason phrase (`\"` for a quote, `\xc3\xa9` for the bytes of
/// `é`), so quotes read as quotes and UTF-8 text as text; control characters become spaces.
fn unescape(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'x' if i + 3 < b.len() => {
                    if let Some(v) =
                        std::str::from_utf8(&b[i + 2..i + 4]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
                    {
                        out.push(v);
                        i += 4;
                        continue;
                    }
                }
                b'n' | b'r' | b't' | b'0' => {
                    out.push(b' ');
                    i += 2;
                    continue;
                }
                c @ (b'\\' | b'"') => {
                    out.push(c);
                    i += 2;
                    continue;
                }
                _ => {}
            }
        }
        out.push(b[i]);
        i += 1;
    }
    crate::domain::sanitize::line(&String::from_utf8_lossy(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_phrases() {
        assert_eq!(
            reason_from_status_error("HTTP status server error (501 Method 'GET /nodes/x/foo' not implemented)", 501)
                .as_deref(),
            Some("Method 'GET /nodes/x/foo' not implemented")
        );
        assert_eq!(reason_from_status_error("HTTP status server error (500 Internal Server Error)", 500), None);
        assert_eq!(reason_from_status_error("HTTP status server error (595)", 595), None);
        // reqwest escapes quotes and non-ASCII bytes; the message shows them as they were sent.
        assert_eq!(
            reason_from_status_error(
                r#"HTTP status server error (500 VM \"web\" mit ID 100: Zugriff verweigert \xc3\xa4)"#,
                500
            )
            .as_deref(),
            Some("VM \"web\" mit ID 100: Zugriff verweigert ä")
        );
    }

    #[test]
    fn error_shapes() {
        let e = error_from_parts(501, Some("Method 'GET /x' not implemented"), br#"{"data":null}"#);
        assert_eq!(
            e,
            PveError::Http { status: 501, message: "Method 'GET /x' not implemented".into(), errors: BTreeMap::new() }
        );
        let e = error_from_parts(401, None, b"");
        assert_eq!(e, PveError::Unauthorized("Unauthorized".into()));
        let e = error_from_parts(500, None, b"garbage");
        assert_eq!(e.status(), Some(500));
    }

    #[test]
    fn arrays_are_decoded_one_element_at_a_time() {
        let mut seen = Vec::new();
        let n = decode_each::<u32>("x", br#"{"other":[1,{"a":2}],"data":[3,4,5]}"#, |v| seen.push(v)).unwrap();
        assert_eq!((n, seen), (3, vec![3, 4, 5]));
        let err = |body: &[u8]| decode_each::<u32>("GET /x", body, |_| {}).unwrap_err().to_string();
        assert!(err(br#"{"data":[1,2"#).contains("GET /x"), "a truncated body is an error");
        assert!(err(br#"{"nodata":[]}"#).contains("data"));
        assert!(err(b"  ").contains("empty body"));
    }

    #[test]
    fn nextid_as_string_or_number() {
        assert_eq!(decode_vmid("x", br#"{"data":"100"}"#).unwrap(), 100);
        assert_eq!(decode_vmid("x", br#"{"data":101}"#).unwrap(), 101);
        assert!(decode_vmid("x", br#"{"data":null}"#).is_err());
    }

    #[test]
    fn truncated_bodies_name_the_endpoint() {
        match decode_data::<Vec<serde_json::Value>>("GET /cluster/resources", br#"{"data":[{"id""#) {
            Err(PveError::Decode { endpoint, .. }) => {
                assert_eq!(endpoint, "GET /cluster/resources")
            }
            other => panic!("{other:?}"),
        }
    }
}
