//! Seed 001's RBAC: permissions are resource × action, granted to roles. The grants below
//! are the defaults written to `role_permissions`; the store loads the effective set (role
//! grants plus per-user overrides) into an [`Actor`] at sign-in, and every use case asks it.

use super::role::Role;
use std::collections::BTreeSet;
use uuid::Uuid;

string_enum!(Resource {
    Tenant => "tenant",
    User => "user",
    UserGroup => "user_group",
    Instance => "instance",
    InstanceSet => "instance_set",
    Storage => "storage",
    Network => "network",
    Image => "image",
    Server => "server",
    EdgeDc => "edge_dc",
    Place => "place",
    Template => "template",
    Cluster => "cluster",
    Guest => "guest",
    Class => "class",
    Device => "device",
    Booking => "booking",
    Topology => "topology",
    Thread => "thread",
    VisitorChat => "visitor_chat",
    Assignment => "assignment",
    Invoice => "invoice",
    Invitation => "invitation",
    Setting => "setting",
    Audit => "audit",
});

string_enum!(Action {
    Create => "create",
    Read => "read",
    Update => "update",
    Delete => "delete",
    Manage => "manage",
    Execute => "execute",
});

pub type Grant = (Resource, Action);

/// Default grants per role. `Manage` on a resource implies every action on it.
pub fn default_grants(role: Role) -> Vec<Grant> {
    use Action::*;
    use Resource::*;
    let all = |rs: &[Resource]| rs.iter().map(|&r| (r, Manage)).collect::<Vec<_>>();
    let read = |rs: &[Resource]| rs.iter().map(|&r| (r, Read)).collect::<Vec<_>>();
    match role {
        Role::Admin => all(Resource::ALL),
        Role::Operator => {
            let mut g = all(&[
                Cluster,
                Guest,
                Instance,
                InstanceSet,
                Storage,
                Network,
                Image,
                Server,
                EdgeDc,
                Place,
                Template,
                Device,
            ]);
            g.extend(read(&[Tenant, User, UserGroup, Class, Booking, Topology, Audit]));
            g.push((Booking, Create));
            g
        }
        Role::Teacher => {
            let mut g = all(&[Class]);
            g.extend([(Guest, Execute), (Guest, Read), (Template, Read), (Template, Create)]);
            g.extend([(Instance, Read), (Instance, Execute), (InstanceSet, Read)]);
            g.extend([(UserGroup, Read), (User, Read), (Device, Read), (Booking, Read)]);
            g.extend([(Booking, Create), (Topology, Create), (Topology, Read)]);
            g.extend([(Thread, Read), (Thread, Create), (Assignment, Read), (Assignment, Update)]);
            g
        }
        Role::Student => vec![
            (Class, Read),
            (Instance, Read),
            (Instance, Execute),
            (Guest, Read),
            (Guest, Execute),
            (Device, Read),
            (Booking, Read),
            (Booking, Create),
            (Topology, Read),
            (Topology, Create),
            (Thread, Read),
            (Thread, Create),
            (Assignment, Read),
            (Assignment, Create),
            (Invoice, Read),
        ],
        Role::Support => {
            let mut g = all(&[Thread, VisitorChat]);
            g.extend([(User, Read), (User, Create), (Assignment, Read), (Assignment, Update)]);
            g.extend([(Invoice, Read), (Invoice, Update), (Class, Read)]);
            g
        }
        Role::Approver => {
            let mut g = vec![(Booking, Manage), (Topology, Manage)];
            g.extend(read(&[Device, User, Audit]));
            g
        }
        // Viewers read the Infrastructure tab too (issue 16); changing it is for operators.
        Role::Viewer => read(&[
            Cluster,
            Guest,
            Device,
            Booking,
            Topology,
            Class,
            EdgeDc,
            Server,
            Instance,
            InstanceSet,
            Storage,
            Network,
            Image,
            Template,
            Place,
        ]),
    }
}

/// Who is acting, with the permissions they hold right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Uuid,
    pub username: String,
    pub role: Role,
    pub tenant_id: Option<Uuid>,
    pub grants: BTreeSet<Grant>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("permission denied: {role} may not {action} {resource}")]
pub struct Denied {
    pub role: Role,
    pub resource: Resource,
    pub action: Action,
}

impl Actor {
    /// An actor holding exactly its role's default grants (used by CLI and tests).
    pub fn with_role_defaults(user_id: Uuid, username: &str, role: Role) -> Actor {
        Actor {
            user_id,
            username: username.to_string(),
            role,
            tenant_id: None,
            grants: default_grants(role).into_iter().collect(),
        }
    }

    /// The program itself acting for an operator at the command line (no user row).
    pub fn system(name: &str) -> Actor {
        Actor { user_id: Uuid::nil(), ..Actor::with_role_defaults(Uuid::nil(), name, Role::Admin) }
    }

    pub fn is_system(&self) -> bool {
        self.user_id.is_nil()
    }

    pub fn can(&self, resource: Resource, action: Action) -> bool {
        self.grants.contains(&(resource, action)) || self.grants.contains(&(resource, Action::Manage))
    }

    pub fn require(&self, resource: Resource, action: Action) -> Result<(), Denied> {
        if self.can(resource, action) { Ok(()) } else { Err(Denied { role: self.role, resource, action }) }
    }
}

/// Apply per-user overrides (allow/deny) to a role's grants.
pub fn effective_grants(
    role_grants: impl IntoIterator<Item = Grant>,
    overrides: impl IntoIterator<Item = (Grant, bool)>,
) -> BTreeSet<Grant> {
    let mut set: BTreeSet<Grant> = role_grants.into_iter().collect();
    for (grant, allow) in overrides {
        if allow {
            set.insert(grant);
        } else {
            set.remove(&grant);
            if grant.1 == Action::Manage {
                set.retain(|g| g.0 != grant.0);
            }
        }
    }
    set
}

/// Every permission that exists: each resource with each action.
pub fn all_permissions() -> impl Iterator<Item = Grant> {
    Resource::ALL.iter().flat_map(|&r| Action::ALL.iter().map(move |&a| (r, a)))
}

pub fn permission_name(g: Grant) -> String {
    format!("{}:{}", g.0, g.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role) -> Actor {
        Actor::with_role_defaults(Uuid::nil(), "t", role)
    }

    #[test]
    fn admin_may_do_everything() {
        let a = actor(Role::Admin);
        for (r, act) in all_permissions() {
            assert!(a.can(r, act), "{r}:{act}");
        }
    }

    #[test]
    fn manage_implies_every_action_but_only_on_its_resource() {
        let t = actor(Role::Teacher);
        assert!(t.can(Resource::Class, Action::Delete));
        assert!(!t.can(Resource::User, Action::Update));
        assert!(t.require(Resource::Setting, Action::Update).is_err());
    }

    #[test]
    fn students_and_viewers_cannot_touch_users_settings_or_audit() {
        for role in [Role::Student, Role::Viewer] {
            let a = actor(role);
            assert!(!a.can(Resource::User, Action::Create));
            assert!(!a.can(Resource::Setting, Action::Read));
            assert!(!a.can(Resource::Audit, Action::Read));
        }
    }

    #[test]
    fn overrides_add_and_remove() {
        let g = effective_grants(
            default_grants(Role::Approver),
            [((Resource::Audit, Action::Read), false), ((Resource::Setting, Action::Read), true)],
        );
        assert!(!g.contains(&(Resource::Audit, Action::Read)));
        assert!(g.contains(&(Resource::Setting, Action::Read)));
        let g = effective_grants(default_grants(Role::Approver), [((Resource::Booking, Action::Manage), false)]);
        assert!(!g.iter().any(|x| x.0 == Resource::Booking));
    }
}
