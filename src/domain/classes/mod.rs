//! Classes (seed 000): allowed hours in the class's zone, usage accounting, join codes, VMID
//! ranges, and what a student or teacher may do to a class VM. Pure rules, no I/O.

pub mod hours;
pub mod policy;
pub mod token;
pub mod usage;
pub mod vmid;

use super::rbac::{Action, Actor, Resource};
use super::role::Role;

/// Which classes an actor sees: teachers their own and co-owned ones, students those they
/// are enrolled in, everyone else with `class:read` all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    All,
    Teaching,
    Enrolled,
    None,
}

impl Scope {
    pub fn of(actor: &Actor) -> Scope {
        if !actor.can(Resource::Class, Action::Read) {
            return Scope::None;
        }
        match actor.role {
            Role::Admin => Scope::All,
            Role::Teacher => Scope::Teaching,
            Role::Student => Scope::Enrolled,
            _ => Scope::All,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Teaching => "teaching",
            Scope::Enrolled => "enrolled",
            Scope::None => "none",
        }
    }
}

/// Who may change a class: its teacher, a co-owner, or an admin (class:manage for all).
pub fn may_manage(actor: &Actor, is_owner_or_co_owner: bool) -> bool {
    actor.can(Resource::Class, Action::Update) && (is_owner_or_co_owner || actor.role == Role::Admin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn scopes_by_role() {
        let a = |r| Actor::with_role_defaults(Uuid::nil(), "x", r);
        assert_eq!(Scope::of(&a(Role::Teacher)), Scope::Teaching);
        assert_eq!(Scope::of(&a(Role::Student)), Scope::Enrolled);
        assert_eq!(Scope::of(&a(Role::Viewer)), Scope::All);
        assert_eq!(Scope::of(&a(Role::Approver)), Scope::None);
        assert!(may_manage(&a(Role::Teacher), true));
        assert!(!may_manage(&a(Role::Teacher), false));
        assert!(may_manage(&a(Role::Admin), false));
        assert!(!may_manage(&a(Role::Operator), true));
    }
}
