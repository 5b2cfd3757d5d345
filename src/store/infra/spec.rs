//! Where each kind lives in the database: its table, the SQL of its computed fields and
//! references, and which rows a tenant-scoped actor may read and write. `{t}` in a scope
//! stands for the actor's tenant id parameter; the row's alias is always `t`.

use crate::domain::infra::{Field, FieldKind, Kind, Target};

pub(super) fn table(kind: Kind) -> &'static str {
    use Kind::*;
    match kind {
        Providers => "cloud_providers",
        Sites => "sites",
        Pools => "resource_pools",
        Machines => "compute_machines",
        Boxes => "cloud_boxes",
        Instances => "instances",
        Vms => "virtual_machines",
        Systems => "systems",
        Images => "images",
        Templates => "instance_templates",
        Sets => "instance_sets",
        Storage => "storage_devices",
        Volumes => "disks",
        Partitions => "partitions",
        Disks => "private_data_disks",
        Networks => "vpcs",
        Subnets => "subnets",
        Addresses => "ip_addresses",
        Places => "places",
        Tenants => "tenants",
        Groups => "user_groups",
    }
}

/// Which rows a tenant-scoped actor (a tenant admin) reaches. Unscoped actors reach all.
pub(super) enum Tenancy {
    /// Shared infrastructure: readable, changed only by unscoped actors.
    Shared,
    /// Not shown to tenant-scoped actors at all (it spans tenants).
    Hidden,
    /// Rows of the actor's tenant: `read` and `write` are SQL conditions on `t`.
    Owned { read: &'static str, write: &'static str },
    /// Rows of the actor's tenant to read; changed only by unscoped actors.
    ReadOwn(&'static str),
}

const VM_OF_TENANT: &str = "(t.instance_id IN (SELECT i.id FROM instances i WHERE i.tenant_id = {t}) \
     OR (t.instance_id IS NULL AND t.owner_id IN (SELECT u.id FROM users u WHERE u.tenant_id = {t})))";
const SUBNET_OF_TENANT: &str =
    "t.subnet_id IN (SELECT s.id FROM subnets s JOIN vpcs v ON v.id = s.vpc_id WHERE v.tenant_id = {t})";
const OWN: &str = "t.tenant_id = {t}";
const OWN_OR_PUBLIC: &str = "(t.tenant_id = {t} OR (t.tenant_id IS NULL AND t.visibility = 'public'))";

pub(super) fn tenancy(kind: Kind) -> Tenancy {
    use Kind::*;
    let owned = |cond: &'static str| Tenancy::Owned { read: cond, write: cond };
    match kind {
        Providers | Sites | Pools | Machines | Storage => Tenancy::Shared,
        Systems => Tenancy::Hidden,
        Instances | Sets | Disks | Networks | Places | Groups => owned(OWN),
        Images | Templates => Tenancy::Owned { read: OWN_OR_PUBLIC, write: OWN },
        Vms => owned(VM_OF_TENANT),
        Volumes => owned(
            "t.virtual_machine_id IN (SELECT v.id FROM virtual_machines v WHERE v.instance_id IN \
             (SELECT i.id FROM instances i WHERE i.tenant_id = {t}) OR (v.instance_id IS NULL AND v.owner_id IN \
             (SELECT u.id FROM users u WHERE u.tenant_id = {t})))",
        ),
        Partitions => owned(
            "t.disk_id IN (SELECT d.id FROM disks d JOIN virtual_machines v ON v.id = d.virtual_machine_id WHERE \
             v.instance_id IN (SELECT i.id FROM instances i WHERE i.tenant_id = {t}) OR (v.instance_id IS NULL AND \
             v.owner_id IN (SELECT u.id FROM users u WHERE u.tenant_id = {t})))",
        ),
        Boxes => owned(SUBNET_OF_TENANT),
        Subnets => owned("t.vpc_id IN (SELECT v.id FROM vpcs v WHERE v.tenant_id = {t})"),
        Addresses => owned(
            "(t.subnet_id IN (SELECT s.id FROM subnets s JOIN vpcs v ON v.id = s.vpc_id WHERE v.tenant_id = {t}) \
             OR t.instance_id IN (SELECT i.id FROM instances i WHERE i.tenant_id = {t}))",
        ),
        // A tenant admin sees their tenant and its usage; its quota is not theirs to change.
        Tenants => Tenancy::ReadOwn("t.id = {t}"),
    }
}

/// The column holding the owning user, filled with the acting user when not given.
pub(super) fn owner_column(kind: Kind) -> Option<&'static str> {
    use Kind::*;
    match kind {
        Instances | Networks | Disks => Some("user_id"),
        Images | Templates | Sets => Some("owner_id"),
        _ => None,
    }
}

/// Extra columns a row gets on insert besides its fields and `id`: timestamps, mostly.
pub(super) fn stamps(kind: Kind) -> &'static [&'static str] {
    use Kind::*;
    match kind {
        Providers | Sites | Pools | Machines | Boxes | Instances | Vms | Systems | Images | Templates | Storage
        | Volumes | Partitions | Places | Tenants | Groups | Sets | Disks | Networks | Subnets | Addresses => {
            &["created_at", "updated_at"]
        }
    }
}

/// SQL naming a row of `target` (alias `x`), and the table to find it in.
pub(super) fn target_sql(target: Target) -> (&'static str, &'static str) {
    match target {
        Target::User => ("users", "x.username"),
        Target::Os => ("operating_systems", "x.name"),
        Target::Cluster => ("pve_clusters", "x.cluster_key"),
        Target::Kind(k) => (table(k), label_sql(k)),
    }
}

/// SQL naming a row of `kind` (alias `x`).
pub(super) fn label_sql(kind: Kind) -> &'static str {
    match kind {
        Kind::Machines => "x.hostname",
        Kind::Addresses => "x.address",
        Kind::Volumes => "(SELECT v.name FROM virtual_machines v WHERE v.id = x.virtual_machine_id)",
        Kind::Partitions => "x.filesystem",
        _ => "x.name",
    }
}

const LIVE_INSTANCE: &str = "i.status <> 'deleted'";

/// A tenant's usage (`{id}`: the tenant's id SQL): live instances, plus VMs of its users
/// that belong to no instance, plus its data disks for storage.
pub(super) fn usage_sql(what: &str, id: &str) -> String {
    let inst = |col: &str| {
        format!(
            "(SELECT CAST(COALESCE(SUM(i.{col}), 0) AS BIGINT) FROM instances i WHERE i.tenant_id = {id} AND {LIVE_INSTANCE})"
        )
    };
    let vms = |col: &str| {
        format!(
            "(SELECT CAST(COALESCE(SUM(v.{col}), 0) AS BIGINT) FROM virtual_machines v JOIN users u ON u.id = v.owner_id \
             WHERE u.tenant_id = {id} AND v.instance_id IS NULL AND v.status <> 'deleted')"
        )
    };
    match what {
        "instances" => format!(
            "((SELECT count(*) FROM instances i WHERE i.tenant_id = {id} AND {LIVE_INSTANCE}) + (SELECT count(*) FROM virtual_machines v \
             JOIN users u ON u.id = v.owner_id WHERE u.tenant_id = {id} AND v.instance_id IS NULL AND v.status <> 'deleted'))"
        ),
        "cpu" => format!("({} + {})", inst("cpu_cores"), vms("cpu_cores")),
        "memory" => format!("({} + {})", inst("memory_bytes"), vms("memory_bytes")),
        _ => format!(
            "({} + {} + (SELECT CAST(COALESCE(SUM(d.size_bytes), 0) AS BIGINT) FROM private_data_disks d WHERE d.tenant_id = {id}))",
            inst("storage_bytes"),
            vms("storage_bytes")
        ),
    }
}

fn sum(col: &str, from: &str) -> String {
    format!("(SELECT CAST(COALESCE(SUM({col}), 0) AS BIGINT) FROM {from})")
}

fn count(from: &str) -> String {
    format!("(SELECT count(*) FROM {from})")
}

const NODE: &str = "pve_nodes n WHERE n.name = t.hostname OR t.hostname LIKE n.name || '.%'";
const GUEST: &str = "(SELECT c.cluster_key || '/' || CAST(g.vmid AS TEXT) || ' ' || g.status FROM pve_guests g \
     JOIN pve_clusters c ON c.id = g.cluster_id WHERE g.cluster_id = v.pve_cluster_id AND g.vmid = v.pve_vmid)";

/// The SQL of one field of a listed row.
pub(super) fn select_sql(kind: Kind, f: &Field) -> String {
    use Kind::*;
    let base = match f.kind {
        FieldKind::Ref(target) => {
            let (table, label) = target_sql(target);
            return format!("(SELECT {label} FROM {table} x WHERE x.id = t.{})", f.name);
        }
        FieldKind::Int { .. } | FieldKind::Bytes | FieldKind::Vlan => return format!("CAST(t.{} AS BIGINT)", f.name),
        k if !k.computed() => return format!("t.{}", f.name),
        _ => f.name,
    };
    let live = "status <> 'deleted'";
    match (kind, base) {
        (Providers, "sites") => count("sites x WHERE x.provider_id = t.id"),
        (Sites, "machines") => count("compute_machines x WHERE x.site_id = t.id"),
        (Sites, "cpu_cores") => sum("x.cpu_cores", "compute_machines x WHERE x.site_id = t.id"),
        (Sites, "memory") => sum("x.memory_bytes", "compute_machines x WHERE x.site_id = t.id"),
        (Sites, "gpus") => sum("x.gpu_count", "compute_machines x WHERE x.site_id = t.id"),
        (Sites, "storage") => format!(
            "({} + {})",
            sum("x.storage_bytes", "compute_machines x WHERE x.site_id = t.id"),
            sum(
                "d.capacity_bytes",
                "storage_devices d JOIN resource_pools p ON p.id = d.resource_pool_id WHERE p.site_id = t.id"
            )
        ),
        (Pools, "used_cpu_cores" | "used_memory" | "used_storage") => {
            let col = match base {
                "used_cpu_cores" => "cpu_cores",
                "used_memory" => "memory_bytes",
                _ => "storage_bytes",
            };
            let disks = if base == "used_storage" {
                format!(
                    " + {}",
                    sum(
                        "d.size_bytes",
                        "disks d JOIN storage_devices s ON s.id = d.storage_device_id WHERE s.resource_pool_id = t.id"
                    )
                )
            } else {
                String::new()
            };
            format!(
                "({} + {}{disks})",
                sum(&format!("i.{col}"), &format!("instances i WHERE i.resource_pool_id = t.id AND i.{live}")),
                sum(
                    &format!("v.{col}"),
                    &format!(
                        "virtual_machines v WHERE v.resource_pool_id = t.id AND v.instance_id IS NULL AND v.{live}"
                    )
                )
            )
        }
        (Machines, "instances") => format!(
            "({} + {})",
            count(&format!("instances i WHERE i.compute_machine_id = t.id AND i.{live}")),
            count(&format!(
                "virtual_machines v WHERE v.compute_machine_id = t.id AND v.instance_id IS NULL AND v.{live}"
            ))
        ),
        (Machines, "node_status") => format!("(SELECT n.status FROM {NODE} ORDER BY n.updated_at DESC LIMIT 1)"),
        (Machines, "node_cpu") => {
            format!("(SELECT CAST(ROUND(n.cpu * 100) AS BIGINT) FROM {NODE} ORDER BY n.updated_at DESC LIMIT 1)")
        }
        (Machines, "node_mem") => {
            format!("(SELECT CAST(n.mem AS BIGINT) FROM {NODE} ORDER BY n.updated_at DESC LIMIT 1)")
        }
        (Instances, "ips") => count("ip_addresses x WHERE x.instance_id = t.id"),
        (Instances, "disks") => count("private_data_disk_attachments x WHERE x.instance_id = t.id"),
        (Instances, "guest") => format!("(SELECT {GUEST} FROM virtual_machines v WHERE v.instance_id = t.id)"),
        (Vms, "guest") => format!("(SELECT {GUEST} FROM virtual_machines v WHERE v.id = t.id)"),
        (Systems, "vms") => count("system_virtual_machines x WHERE x.system_id = t.id"),
        (Images, "versions") => count("image_versions x WHERE x.image_id = t.id"),
        (Images, "latest") => {
            "(SELECT x.version_number FROM image_versions x WHERE x.image_id = t.id AND x.is_latest)".into()
        }
        (Images, "tags") => count("image_tags x WHERE x.image_id = t.id"),
        (Templates, "versions") => count("instance_template_versions x WHERE x.template_id = t.id"),
        (Sets, "members") => count("instance_set_members x WHERE x.set_id = t.id"),
        (Storage, "used") => sum("x.size_bytes", "disks x WHERE x.storage_device_id = t.id"),
        (Storage, "volumes") => count("disks x WHERE x.storage_device_id = t.id"),
        (Volumes, "partitions") => count("partitions x WHERE x.disk_id = t.id"),
        (Disks, "attachments") => count("private_data_disk_attachments x WHERE x.disk_id = t.id"),
        (Networks, "subnets") => count("subnets x WHERE x.vpc_id = t.id"),
        (Subnets, "allocated") => count("ip_addresses x WHERE x.subnet_id = t.id AND x.status = 'allocated'"),
        (Tenants, "used_instances") => usage_sql("instances", "t.id"),
        (Tenants, "used_cpu_cores") => usage_sql("cpu", "t.id"),
        (Tenants, "used_memory") => usage_sql("memory", "t.id"),
        (Tenants, "used_storage") => usage_sql("storage", "t.id"),
        (Groups, "members") => count("user_group_members x WHERE x.group_id = t.id"),
        _ => "NULL".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_computed_field_has_its_sql() {
        for &k in Kind::ALL {
            for f in k.fields() {
                assert_ne!(select_sql(k, f), "NULL", "{k}.{}", f.name);
            }
        }
    }
}
