//! Values of records: a cell as read (for tables, the detail pane and JSON) and an input as
//! typed (checked and made canonical here, before the store sees it).

use super::kind::{Field, FieldKind};
use super::{net, units};
use crate::domain::sanitize;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Int(i64),
    Bytes(i64),
    Bool(bool),
}

impl Cell {
    /// As a table shows it.
    pub fn show(&self) -> String {
        match self {
            Cell::Null => "-".into(),
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Bytes(n) => units::show(*n),
            Cell::Bool(b) => if *b { "yes" } else { "no" }.into(),
        }
    }

    /// For sorting: numbers compare as numbers.
    pub fn number(&self) -> Option<i64> {
        match self {
            Cell::Int(n) | Cell::Bytes(n) => Some(*n),
            _ => None,
        }
    }

    pub fn json(&self) -> serde_json::Value {
        match self {
            Cell::Null => serde_json::Value::Null,
            Cell::Text(s) => s.clone().into(),
            Cell::Int(n) | Cell::Bytes(n) => (*n).into(),
            Cell::Bool(b) => (*b).into(),
        }
    }
}

/// One record of a kind: its id and a cell per field of `kind.fields()`, in that order.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: Uuid,
    pub cells: Vec<Cell>,
}

impl Record {
    pub fn get(&self, fields: &[Field], name: &str) -> &Cell {
        fields.iter().position(|f| f.name == name).and_then(|i| self.cells.get(i)).unwrap_or(&Cell::Null)
    }

    /// Field name → value, ids as text: what `--json` prints.
    pub fn json(&self, fields: &[Field]) -> serde_json::Value {
        let mut m = serde_json::Map::new();
        m.insert("id".into(), self.id.to_string().into());
        for (f, c) in fields.iter().zip(&self.cells) {
            m.insert(f.name.trim_end_matches("_id").into(), c.json());
        }
        serde_json::Value::Object(m)
    }
}

/// A value as typed for one field, checked: `Ref` still holds the name (or id) the store
/// resolves within the actor's scope; an empty input clears an optional field.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Null,
    Text(String),
    Int(i64),
    Bool(bool),
    Ref(String),
}

/// Check one typed value against its field. The message names the field and what is wrong.
pub fn parse_input(field: &Field, raw: &str) -> Result<Input, String> {
    let s = sanitize::line(raw);
    let s = s.trim();
    let label = field.label;
    if s.is_empty() || s == "-" {
        return if field.required { Err(format!("{label} is required")) } else { Ok(Input::Null) };
    }
    let bad = |e: String| format!("{label}: {e}");
    Ok(match field.kind {
        FieldKind::Text => {
            if s.chars().count() > 200 {
                return Err(format!("{label} is longer than 200 characters"));
            }
            Input::Text(s.to_string())
        }
        FieldKind::Int { min, max } => {
            let n: i64 = s.parse().map_err(|_| format!("{label}: '{s}' is not a whole number"))?;
            if n < min || n > max {
                return Err(format!("{label}: {n} is outside {min}–{max}"));
            }
            Input::Int(n)
        }
        FieldKind::Bytes => Input::Int(units::parse(s).map_err(bad)?),
        FieldKind::Bool => match s.to_ascii_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "on" => Input::Bool(true),
            "no" | "n" | "false" | "0" | "off" => Input::Bool(false),
            _ => return Err(format!("{label}: say yes or no")),
        },
        FieldKind::Choice(words) => {
            let w = s.to_ascii_lowercase();
            if !words.contains(&w.as_str()) {
                return Err(format!("{label}: '{s}' is not one of {}", words.join(", ")));
            }
            Input::Text(w)
        }
        FieldKind::Ref(_) => Input::Ref(s.to_string()),
        FieldKind::Cidr => Input::Text(net::Cidr::parse(s).map_err(|e| bad(e.to_string()))?.to_string()),
        FieldKind::Ip => Input::Text(net::parse_ip(s).map_err(|e| bad(e.to_string()))?.to_string()),
        FieldKind::Vlan => {
            let n: i64 = s.parse().map_err(|_| format!("{label}: '{s}' is not a VLAN id"))?;
            Input::Int(net::check_vlan(n).map_err(|e| bad(e.to_string()))?)
        }
        FieldKind::Count | FieldKind::SumBytes | FieldKind::Percent | FieldKind::Label => {
            return Err(format!("{label} is computed, not typed"));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::infra::Kind;

    #[test]
    fn inputs_are_checked_and_canonical() {
        let subnet = |n| Kind::Subnets.field(n).unwrap();
        assert_eq!(parse_input(subnet("cidr_block"), " 10.1.0.0/16 "), Ok(Input::Text("10.1.0.0/16".into())));
        assert!(parse_input(subnet("cidr_block"), "10.1.0.9/16").unwrap_err().contains("host bits"));
        assert!(parse_input(subnet("vlan_id"), "5000").unwrap_err().contains("1–4094"));
        assert_eq!(parse_input(subnet("vlan_id"), ""), Ok(Input::Null));
        assert!(parse_input(subnet("cidr_block"), "").unwrap_err().contains("required"));
        assert!(parse_input(subnet("allocated"), "3").is_err());
        let mem = Kind::Machines.field("memory_bytes").unwrap();
        assert_eq!(parse_input(mem, "256G"), Ok(Input::Int(256 << 30)));
        let status = Kind::Sites.field("status").unwrap();
        assert!(parse_input(status, "burning").unwrap_err().contains("active, offline, maintenance"));
        let name = Kind::Sites.field("name").unwrap();
        assert_eq!(parse_input(name, "Lab\x1b[2J A"), Ok(Input::Text("Lab[2J A".into())));
    }
}
