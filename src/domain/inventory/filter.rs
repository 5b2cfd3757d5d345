//! The inventory filter: free words match fuzzily (in order, gaps allowed) against name,
//! vmid, node, cluster, tags and IP; `field:value` terms must match that field.
//! `status:running node:pve2 tag:lab cluster:east type:lxc template:yes web`
//! `ha:yes` (HA-managed), `ha:started` (that HA state), `stale:yes` (kept as last seen).

use super::{Guest, GuestStatus};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    words: Vec<String>,
    fields: Vec<(Field, String, bool)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Status,
    Node,
    Tag,
    Cluster,
    Type,
    Template,
    Name,
    Vmid,
    Ip,
    Pool,
    Lock,
    Ha,
    Stale,
}

impl Field {
    pub const ALL: [(&'static str, Field); 13] = [
        ("status", Field::Status),
        ("node", Field::Node),
        ("tag", Field::Tag),
        ("cluster", Field::Cluster),
        ("type", Field::Type),
        ("template", Field::Template),
        ("name", Field::Name),
        ("vmid", Field::Vmid),
        ("ip", Field::Ip),
        ("pool", Field::Pool),
        ("lock", Field::Lock),
        ("ha", Field::Ha),
        ("stale", Field::Stale),
    ];
}

impl Query {
    /// Parse what was typed. Unknown `x:y` terms are treated as words; `-field:value` negates.
    pub fn parse(text: &str) -> Query {
        let mut q = Query::default();
        for term in text.split_whitespace() {
            let lower = term.to_lowercase();
            let (negated, body) = match lower.strip_prefix('-') {
                Some(rest) if rest.contains(':') => (true, rest.to_string()),
                _ => (false, lower.clone()),
            };
            match body.split_once(':') {
                Some((name, value)) if !value.is_empty() => match Field::ALL.iter().find(|(n, _)| *n == name) {
                    Some((_, f)) => q.fields.push((*f, value.to_string(), negated)),
                    None => q.words.push(lower),
                },
                _ => q.words.push(lower),
            }
        }
        q
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.fields.is_empty()
    }

    pub fn matches(&self, g: &Guest) -> bool {
        self.fields.iter().all(|(f, v, negated)| field_matches(*f, v, g) != *negated)
            && self.words.iter().all(|w| word_matches(w, g))
    }
}

/// A free word matches when it is a fuzzy subsequence of one of the guest's fields (name,
/// vmid, node, cluster, tags, IP). Compared in place, case-insensitively, without building
/// any text: this runs 100k times per keystroke.
fn word_matches(w: &str, g: &Guest) -> bool {
    if fuzzy(w, &g.name) || fuzzy(w, &g.node) || fuzzy(w, &g.cluster) || fuzzy(w, &g.tags) {
        return true;
    }
    let numeric = w.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b':');
    numeric && (fuzzy(w, digits(g.vmid, &mut [0; 10])) || g.ip.is_some_and(|ip| fuzzy(w, &ip.to_string())))
}

/// `n` in decimal, written into `buf`.
fn digits(mut n: u32, buf: &mut [u8; 10]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).unwrap_or("")
}

/// ASCII-case-insensitive `contains` (`needle` is lowercase already).
fn contains_ci(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    n.is_empty() || h.windows(n.len()).any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

fn field_matches(f: Field, v: &str, g: &Guest) -> bool {
    let eq = |s: &str| s.eq_ignore_ascii_case(v);
    let has = |s: &str| contains_ci(s, v);
    match f {
        Field::Status => eq(g.status.as_str()) || (v == "up" && g.status == GuestStatus::Running),
        Field::Node => has(&g.node),
        Field::Tag => g.tag_list().any(eq),
        Field::Cluster => has(&g.cluster),
        Field::Type => {
            eq(g.guest_type.as_str())
                || (v == "vm" && g.guest_type == super::GuestType::Qemu)
                || (v == "ct" && g.guest_type == super::GuestType::Lxc)
        }
        Field::Template => matches!(v, "yes" | "true" | "1") == g.template,
        Field::Name => has(&g.name),
        Field::Vmid => g.vmid.to_string().starts_with(v),
        Field::Ip => g.ip.is_some_and(|ip| ip.to_string().starts_with(v)),
        Field::Pool => g.pool.as_deref().is_some_and(has),
        Field::Lock => g.lock.as_deref().is_some_and(eq) || (v == "yes" && g.lock.is_some()),
        Field::Ha => match v {
            "yes" | "true" | "1" => g.ha.is_some(),
            "no" | "false" | "0" => g.ha.is_none(),
            _ => g.ha.is_some_and(|h| eq(h.as_str())),
        },
        Field::Stale => matches!(v, "yes" | "true" | "1") == g.stale,
    }
}

/// The characters of `needle` (lowercase) appear in `hay` in order, ignoring case
/// (fzf-style subsequence).
pub fn fuzzy(needle: &str, hay: &str) -> bool {
    if needle.is_ascii() {
        let mut it = hay.bytes();
        return needle.bytes().all(|c| it.any(|h| h.to_ascii_lowercase() == c));
    }
    let mut it = hay.chars().flat_map(char::to_lowercase);
    needle.chars().all(|c| it.any(|h| h == c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::{GuestType, tests_support::guest};

    #[test]
    fn fields_and_fuzzy_words_combine() {
        let mut g = guest(101, "web-frontend", "pve2");
        g.tags = "lab;linux".into();
        g.status = GuestStatus::Running;
        let m = |q: &str| Query::parse(q).matches(&g);
        assert!(m(""));
        assert!(m("wbfr"), "fuzzy subsequence");
        assert!(m("status:running node:pve2 tag:lab"));
        assert!(m("STATUS:Running"));
        assert!(!m("status:stopped"));
        assert!(m("-status:stopped"));
        assert!(!m("tag:la"), "tags match whole");
        assert!(m("vmid:10 type:vm"));
        assert!(!m("type:lxc"));
        assert!(m("template:no"));
        assert!(m("cluster:ea"));
        assert!(!m("zzz"));
        let mut ct = g.clone();
        ct.guest_type = GuestType::Lxc;
        assert!(Query::parse("type:ct").matches(&ct));
    }

    #[test]
    fn ha_and_stale_filter() {
        let mut g = guest(101, "db", "pve1");
        let m = |q: &str, g: &Guest| Query::parse(q).matches(g);
        assert!(m("ha:no", &g) && !m("ha:yes", &g) && m("stale:no", &g));
        g.ha = Some(super::super::HaState::Started);
        g.stale = true;
        assert!(m("ha:yes", &g) && m("ha:started", &g) && !m("ha:error", &g) && m("stale:yes", &g));
    }

    #[test]
    fn unknown_fields_are_words() {
        let q = Query::parse("colour:red");
        assert!(!q.is_empty());
        assert!(!q.matches(&guest(1, "x", "n")));
    }
}
