//! Listing and showing records within the actor's scope, and finding one by name or id.

use super::{hidden_from, scope, spec};
use crate::domain::infra::{Cell, FieldKind, Kind, Record, Target};
use crate::domain::rbac::{Action, Actor};
use crate::store::{Store, StoreError, on_pool};
use sqlx::Row;
use uuid::Uuid;

/// A record with what hangs below it (members, versions, attachments), for `show` and the
/// detail pane.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub record: Record,
    /// (heading, one line per item)
    pub sections: Vec<(String, Vec<String>)>,
}

/// Decode a row of `SELECT t.id, <field sql>…` into a record.
macro_rules! decode {
    ($row:expr, $kind:expr) => {{
        let row = $row;
        let mut cells = Vec::with_capacity($kind.fields().len());
        for (i, f) in $kind.fields().iter().enumerate() {
            let i = i + 1;
            cells.push(match f.kind {
                FieldKind::Int { .. } | FieldKind::Vlan | FieldKind::Count | FieldKind::Percent => {
                    row.try_get::<Option<i64>, _>(i)?.map_or(Cell::Null, Cell::Int)
                }
                FieldKind::Bytes | FieldKind::SumBytes => {
                    row.try_get::<Option<i64>, _>(i)?.map_or(Cell::Null, Cell::Bytes)
                }
                FieldKind::Bool => row.try_get::<Option<bool>, _>(i)?.map_or(Cell::Null, Cell::Bool),
                _ => row.try_get::<Option<String>, _>(i)?.map_or(Cell::Null, Cell::Text),
            });
        }
        Record { id: row.try_get::<Uuid, _>(0)?, cells }
    }};
}

pub(super) fn select(kind: Kind) -> String {
    let cols: Vec<String> = kind.fields().iter().map(|f| spec::select_sql(kind, f)).collect();
    format!("SELECT t.id, {} FROM {} t", cols.join(", "), spec::table(kind))
}

fn order(kind: Kind) -> String {
    match kind.label_field() {
        Some(l) => format!(" ORDER BY t.{l}, t.id"),
        None => " ORDER BY t.id".into(),
    }
}

impl Store {
    /// Every record of `kind` the actor may read.
    pub async fn infra_list(&self, actor: &Actor, kind: Kind) -> Result<Vec<Record>, StoreError> {
        actor.require(kind.resource(), Action::Read)?;
        if hidden_from(actor, kind) {
            return Ok(vec![]);
        }
        let (cond, tenant) = scope(actor, kind, false, 1)?;
        let mut sql = select(kind);
        if !cond.is_empty() {
            sql.push_str(&format!(" WHERE {cond}"));
        }
        sql.push_str(&order(kind));
        on_pool!(self, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(t) = tenant {
                q = q.bind(t);
            }
            let rows = q.fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in &rows {
                out.push(decode!(row, kind));
            }
            Ok(out)
        })
    }

    /// One record by id, within the actor's scope.
    pub async fn infra_get(&self, actor: &Actor, kind: Kind, id: Uuid) -> Result<Record, StoreError> {
        actor.require(kind.resource(), Action::Read)?;
        let not_found = || StoreError::NotFound(kind.singular().into());
        if hidden_from(actor, kind) {
            return Err(not_found());
        }
        let (cond, tenant) = scope(actor, kind, false, 2)?;
        let mut sql = format!("{} WHERE t.id = $1", select(kind));
        if !cond.is_empty() {
            sql.push_str(&format!(" AND {cond}"));
        }
        on_pool!(self, p => {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
            if let Some(t) = tenant {
                q = q.bind(t);
            }
            match q.fetch_optional(p).await? {
                Some(row) => Ok(decode!(&row, kind)),
                None => Err(not_found()),
            }
        })
    }

    /// The id of the record of `target` named `key` (or with id `key`) the actor may read.
    pub async fn infra_resolve(&self, actor: &Actor, target: Target, key: &str) -> Result<Uuid, StoreError> {
        let (table, label) = spec::target_sql(target);
        let what = match target {
            Target::Kind(k) => k.singular(),
            Target::User => "user",
            Target::Os => "operating system",
            Target::Cluster => "cluster",
        };
        let (mut cond, tenant) = match target {
            Target::Kind(k) => {
                actor.require(k.resource(), Action::Read)?;
                if hidden_from(actor, k) {
                    return Err(StoreError::NotFound(format!("{what} '{key}'")));
                }
                let (c, t) = scope(actor, k, false, 2)?;
                let c = if c.is_empty() { c } else { format!("x.id IN (SELECT t.id FROM {table} t WHERE {c})") };
                (c, t)
            }
            Target::User => match actor.tenant_id {
                Some(t) => ("x.tenant_id = $2".to_string(), Some(t)),
                None => (String::new(), None),
            },
            Target::Os | Target::Cluster => (String::new(), None),
        };
        if !cond.is_empty() {
            cond = format!(" AND {cond}");
        }
        let by_id = Uuid::parse_str(key.trim()).ok();
        let sql = if by_id.is_some() {
            format!("SELECT x.id FROM {table} x WHERE x.id = $1{cond}")
        } else {
            format!("SELECT x.id FROM {table} x WHERE {label} = $1{cond} LIMIT 2")
        };
        let ids: Vec<Uuid> = on_pool!(self, p => {
            let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql));
            let q = match by_id {
                Some(id) => q.bind(id),
                None => q.bind(key.trim().to_string()),
            };
            let q = match tenant {
                Some(t) => q.bind(t),
                None => q,
            };
            q.fetch_all(p).await?
        });
        match ids.as_slice() {
            [one] => Ok(*one),
            [] => Err(StoreError::NotFound(format!("{what} '{key}'"))),
            _ => Err(StoreError::Conflict(format!("more than one {what} is named '{key}'; give its id"))),
        }
    }

    /// A record and what hangs below it.
    pub async fn infra_detail(&self, actor: &Actor, kind: Kind, id: Uuid) -> Result<Detail, StoreError> {
        let record = self.infra_get(actor, kind, id).await?;
        let queries: &[(&str, &str)] = match kind {
            Kind::Systems => &[(
                "VMs",
                "SELECT v.name FROM system_virtual_machines s JOIN virtual_machines v ON v.id = s.virtual_machine_id WHERE s.system_id = $1 ORDER BY v.name",
            )],
            Kind::Sets => &[(
                "Members",
                "SELECT i.name || ' (' || m.role || ')' FROM instance_set_members m JOIN instances i ON i.id = m.instance_id WHERE m.set_id = $1 ORDER BY i.name",
            )],
            Kind::Groups => &[
                (
                    "Members",
                    "SELECT u.username FROM user_group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.username",
                ),
                ("Subgroups", "SELECT g.name FROM user_groups g WHERE g.parent_group_id = $1 ORDER BY g.name"),
            ],
            Kind::Images => &[
                (
                    "Versions",
                    "SELECT v.version_number || ' ' || v.status || CASE WHEN v.is_latest THEN ' latest' ELSE '' END || CASE WHEN v.is_default THEN ' default' ELSE '' END FROM image_versions v WHERE v.image_id = $1 ORDER BY v.created_at",
                ),
                (
                    "Tags",
                    "SELECT g.tag_name || ' → ' || v.version_number FROM image_tags g JOIN image_versions v ON v.id = g.version_id WHERE g.image_id = $1 ORDER BY g.tag_name",
                ),
            ],
            Kind::Templates => &[(
                "Versions",
                "SELECT v.version_number || CASE WHEN v.is_latest THEN ' latest' ELSE '' END || COALESCE(' — ' || v.changelog, '') FROM instance_template_versions v WHERE v.template_id = $1 ORDER BY v.created_at",
            )],
            Kind::Instances => &[
                (
                    "Data disks",
                    "SELECT d.name || ' at ' || a.mount_path || ' (' || a.mount_mode || ')' FROM private_data_disk_attachments a JOIN private_data_disks d ON d.id = a.disk_id WHERE a.instance_id = $1 ORDER BY d.name",
                ),
                ("Addresses", "SELECT a.address FROM ip_addresses a WHERE a.instance_id = $1 ORDER BY a.address"),
                (
                    "Sets",
                    "SELECT s.name FROM instance_set_members m JOIN instance_sets s ON s.id = m.set_id WHERE m.instance_id = $1 ORDER BY s.name",
                ),
            ],
            Kind::Disks => &[(
                "Attached to",
                "SELECT i.name || ' at ' || a.mount_path FROM private_data_disk_attachments a JOIN instances i ON i.id = a.instance_id WHERE a.disk_id = $1 ORDER BY i.name",
            )],
            Kind::Storage => &[(
                "Disks",
                "SELECT v.name FROM disks d JOIN virtual_machines v ON v.id = d.virtual_machine_id WHERE d.storage_device_id = $1 ORDER BY v.name",
            )],
            Kind::Volumes => &[(
                "Partitions",
                "SELECT COALESCE(p.filesystem, '?') FROM partitions p WHERE p.disk_id = $1 ORDER BY p.created_at",
            )],
            Kind::Networks => &[(
                "Subnets",
                "SELECT s.name || ' ' || s.cidr_block FROM subnets s WHERE s.vpc_id = $1 ORDER BY s.cidr_block",
            )],
            Kind::Subnets => &[("Places", "SELECT p.name FROM places p WHERE p.subnet_id = $1 ORDER BY p.name")],
            Kind::Vms => &[(
                "Systems",
                "SELECT s.name FROM system_virtual_machines m JOIN systems s ON s.id = m.system_id WHERE m.virtual_machine_id = $1 ORDER BY s.name",
            )],
            Kind::Sites => &[(
                "Pools",
                "SELECT p.name || ' (' || p.pool_type || ')' FROM resource_pools p WHERE p.site_id = $1 ORDER BY p.name",
            )],
            Kind::Pools => &[(
                "Machines",
                "SELECT m.hostname FROM compute_machines m WHERE m.resource_pool_id = $1 ORDER BY m.hostname",
            )],
            _ => &[],
        };
        let mut sections = Vec::new();
        for (heading, sql) in queries {
            let lines: Vec<Option<String>> =
                on_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(*sql)).bind(id).fetch_all(p).await?);
            sections.push((heading.to_string(), lines.into_iter().flatten().collect()));
        }
        Ok(Detail { record, sections })
    }
}
