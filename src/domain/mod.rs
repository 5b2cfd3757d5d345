//! Types and rules with no I/O: roles and permissions, password and token rules,
//! login throttling, text sanitising. Everything above this layer calls in here to decide.

/// A closed set of names stored as text: `as_str`, `parse`, `ALL`, `Display`.
macro_rules! string_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.as_str() == s) }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

pub mod audit;
pub mod bookings;
pub mod classes;
pub mod digest;
pub mod glyph;
pub mod infra;
pub mod inventory;
pub mod invitation;
pub mod invoice;
pub mod notice;
pub mod password;
pub mod profile;
pub mod rbac;
pub mod role;
pub mod sanitize;
pub mod settings;
pub mod support;
pub mod throttle;
pub mod time;
pub mod tutoring;
pub mod user;

pub use rbac::{Action, Actor, Denied, Resource};
pub use role::Role;
