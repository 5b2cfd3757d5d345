//! Infrastructure (seeds 001 and 002): what each kind of record holds, and the rules with
//! no I/O — CIDR and VLAN checks, IPAM's next free address, quotas, group hierarchy, sizes.

pub mod groups;
pub mod kind;
pub mod net;
pub mod quota;
pub mod units;
mod value;

pub use kind::{Field, FieldKind, Kind, Target};
pub use value::{Cell, Input, Record, parse_input};
