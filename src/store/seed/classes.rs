//! Seed 000: the Proxmox cluster the built-in simulator answers for, its ISOs and VM
//! templates, and two classes. A class is an instance set of type training in the default
//! tenant that owns its students' user group (docs/data-model.md, "Classes"). Guests and
//! nodes are left to the poller: it fills `pve_nodes` and `pve_guests` from the cluster.

use super::{DEFAULT_TENANT, DemoPeople, SeedCounts, ids, ins, minutes, refuse_if_seeded, summary};
use crate::domain::audit::Entry;
use crate::domain::classes::vmid::{short_name, vm_name};
use crate::domain::invitation::{new_token, token_hash};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

/// Where `labdeck`'s Proxmox simulator listens.
pub const DEMO_CLUSTER_HOST: &str = "127.0.0.1";
pub const DEMO_CLUSTER_PORT: i64 = 8006;

const TENANT: &str = "INSERT INTO tenants (id, name, description, status, created_at, updated_at) \
     VALUES ($1, $2, $3, 'active', $4, $4) ON CONFLICT (name) DO NOTHING";
const TENANT_ID: &str = "SELECT id FROM tenants WHERE name = $1";
const CLUSTER: &str = "INSERT INTO pve_clusters (id, cluster_key, name, host, port, is_default, is_active, poll_interval_secs, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $8)";
const ISO: &str = "INSERT INTO iso_images (id, cluster_id, volid, name, size_bytes, node, storage, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)";
const VM_TEMPLATE: &str = "INSERT INTO vm_templates (id, cluster_id, created_by, name, vmid, node, cpu_cores, cpu_sockets, memory_mb, disk_size_gb, disk_storage, disk_path, disk_format, network_bridge, os_type, last_verified_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)";
/// A copy of a template: a replica on another node (where Proxmox clones locally), or a
/// class's own template derived from it.
const DERIVED_TEMPLATE: &str = "INSERT INTO vm_templates (id, cluster_id, class_id, original_template_id, created_by, name, vmid, node, is_replica, source_vmid, source_node, cpu_cores, cpu_sockets, memory_mb, disk_size_gb, disk_storage, disk_format, network_bridge, os_type, last_verified_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, 'local-lvm', 'raw', 'vmbr0', 'l26', $15, $16, $16)";
const GROUP: &str = "INSERT INTO user_groups (id, tenant_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const SET: &str = "INSERT INTO instance_sets (id, tenant_id, owner_id, user_group_id, name, description, set_type, status, tags, created_by, updated_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, 'training', 'active', $7, $8, $8, $9, $9)";
const CLASS: &str = "INSERT INTO classes (id, instance_set_id, group_id, template_id, deployment_cluster_id, deployment_node, pool_size, cpu_cores, memory_mb, disk_size_gb, vmid_prefix, allowed_start_minute, allowed_end_minute, time_zone, auto_shutdown_enabled, auto_shutdown_cpu_percent, auto_shutdown_idle_minutes, max_usage_hours, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)";
const CO_OWNER: &str = "INSERT INTO class_co_owners (class_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4)";
const TOKEN: &str = "INSERT INTO class_join_tokens (id, class_id, token_hash, token_hint, expires_at, disabled_at, created_by, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const ENROLLMENT: &str =
    "INSERT INTO class_enrollments (id, class_id, user_id, token_id, enrolled_at) VALUES ($1, $2, $3, $4, $5)";
const MEMBER: &str =
    "INSERT INTO user_group_members (id, group_id, user_id, added_by, joined_at) VALUES ($1, $2, $3, $4, $5)";
const WAITLIST: &str =
    "INSERT INTO class_waitlist (id, class_id, user_id, status, requested_at) VALUES ($1, $2, $3, 'waiting', $4)";
const CLASS_VM: &str = "INSERT INTO class_vms (id, class_id, cluster_id, assigned_user_id, vmid, node, vm_name, mac, role, status, usage_seconds, usage_last_reset_at, assigned_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)";

/// A class VM's vmid: the class prefix followed by two digits (prefix 41 -> 4100..4199).
pub fn class_vmid(prefix: i64, n: i64) -> i64 {
    prefix * 100 + n
}

impl Store {
    /// Seed 000 demo data: the "demo" cluster, ISOs, templates, two classes with
    /// enrollments, a token each, a deployed pool for the first and a waitlist on the second.
    /// Refused once any cluster exists.
    pub async fn seed_classes(&self, people: &DemoPeople, audit: Entry) -> Result<SeedCounts, StoreError> {
        let now = time::now();
        let ago = |m: i64| now - minutes(m);
        let day = 24 * 60;
        let mut counts = SeedCounts::default();
        let p = people;
        let [cluster, ubuntu_tpl, debian_tpl] = ids::<3>();
        let [linux, networks] = ids::<2>();
        let [linux_set, networks_set, linux_group, networks_group] = ids::<4>();
        let [linux_token, linux_old_token, networks_token] = ids::<3>();
        const LINUX_PREFIX: i64 = 41;
        const NETWORKS_PREFIX: i64 = 42;

        on_pool!(self, db => {
            let mut tx = db.begin_write().await?;
            refuse_if_seeded!(tx, "pve_clusters", "classes");

            // Classes live in the default tenant; the infrastructure seed may have made it.
            ins!(tx, counts, TENANT, Uuid::now_v7(), DEFAULT_TENANT, "Teaching labs, research groups and the campus data centre", ago(90 * day));
            let tenant: Uuid = sqlx::query_scalar(TENANT_ID).bind(DEFAULT_TENANT).fetch_one(&mut *tx).await?;

            ins!(tx, counts, CLUSTER, cluster, "demo", "demo", DEMO_CLUSTER_HOST, DEMO_CLUSTER_PORT, true, 5_i64, ago(60 * day));
            for (volid, size, node) in [
                ("local:iso/ubuntu-24.04.1-live-server-amd64.iso", 2_773_874_688_i64, "pve1"),
                ("local:iso/debian-12.7.0-amd64-netinst.iso", 661_651_456, "pve1"),
                ("local:iso/alpine-virt-3.20.3-x86_64.iso", 63_963_136, "pve2"),
                ("local:iso/virtio-win-0.1.262.iso", 708_837_376, "pve2"),
            ] {
                let name = volid.rsplit('/').next().unwrap_or(volid);
                ins!(tx, counts, ISO, Uuid::now_v7(), cluster, volid, name, size, node, "local", ago(45 * day));
            }
            // (id, name, vmid, cores, memory, disk, os type)
            for (id, name, vmid, cores, memory, disk, os_type) in [
                (ubuntu_tpl, "ubuntu-2404-base", 9000_i64, 2_i64, 2_048_i64, 32.0_f64, "l26"),
                (debian_tpl, "debian-12-netlab", 9001, 2, 1_024, 16.5, "l26"),
            ] {
                ins!(tx, counts, VM_TEMPLATE, id, cluster, Some(p.otto), name, vmid, "pve1", cores, 1_i64, memory, disk,
                    "local-lvm", format!("local-lvm:base-{vmid}-disk-0"), "raw", "vmbr0", os_type, Some(ago(day)), ago(40 * day));
            }

            // Each class: its students' group, its training instance set (name, description and
            // teacher live there), then the class row pinned to both.
            // (class, set, group, teacher, name, description, tags, template, pool size, cpu, memory, disk, prefix, hours, zone, auto shutdown, max hours)
            for (class, set, group, teacher, name, description, tags, template, pool_size, cpu, memory, disk, prefix, hours, zone, shutdown, max_hours) in [
                (linux, linux_set, linux_group, p.tess, "Linux Basics 101", "Shell, files, permissions and services on Ubuntu",
                    json!({"course": "LB101", "level": "beginner"}), ubuntu_tpl, 4_i64, 2_i64, 2_048_i64, 32_i64, LINUX_PREFIX, Some((8 * 60_i64, 20 * 60_i64)), "Europe/Berlin", true, Some(40_i64)),
                (networks, networks_set, networks_group, p.tom, "Networks Lab", "Routing, VLANs and firewalls on Debian",
                    json!({"course": "NL220", "level": "intermediate"}), debian_tpl, 2, 1, 1_024, 16, NETWORKS_PREFIX, None, "UTC", false, None),
            ] {
                ins!(tx, counts, GROUP, group, tenant, format!("{name} students"), format!("Students enrolled in {name}"), ago(30 * day));
                ins!(tx, counts, SET, set, tenant, teacher, Some(group), name, description, Json(tags), Some(teacher), ago(30 * day));
                ins!(tx, counts, CLASS, class, set, group, Some(template), Some(cluster), Some("pve1"), pool_size, cpu, memory, disk, Some(prefix),
                    hours.map(|h| h.0), hours.map(|h| h.1), zone, shutdown, 5.0_f64, 30_i64, max_hours, ago(30 * day));
            }
            // Seed 000's replicas (the base templates copied to pve2) and a class template
            // derived from the Ubuntu base, as the Classes tab's templates view shows them.
            // (class, original, name, vmid, node, replica, cores, memory, disk)
            for (class, original, name, vmid, node, replica, cores, memory, disk) in [
                (None, ubuntu_tpl, "ubuntu-2404-base", 9100_i64, "pve2", true, 2_i64, 2_048_i64, 32.0_f64),
                (None, debian_tpl, "debian-12-netlab", 9101, "pve2", true, 2, 1_024, 16.5),
                (Some(linux), ubuntu_tpl, "lb101-golden", 9010, "pve1", false, 2, 2_048, 32.0),
            ] {
                let source = if replica { Some(vmid - 100) } else { Some(9000) };
                ins!(tx, counts, DERIVED_TEMPLATE, Uuid::now_v7(), cluster, class, Some(original), Some(p.otto), name, vmid, node, replica,
                    source, Some("pve1"), cores, memory, disk, Some(ago(day)), ago(20 * day));
            }
            ins!(tx, counts, CO_OWNER, linux, p.tom, Some(p.tess), ago(29 * day));
            ins!(tx, counts, CO_OWNER, networks, p.tess, Some(p.tom), ago(29 * day));

            // Join tokens: only the hash is kept; the old Linux token was disabled and replaced.
            for (id, class, expires, disabled, by, age) in [
                (linux_old_token, linux, Some(ago(10 * day)), Some(ago(20 * day)), p.tess, 29 * day),
                (linux_token, linux, Some(now + minutes(14 * day)), None, p.tess, 20 * day),
                (networks_token, networks, None, None, p.tom, 28 * day),
            ] {
                let token = new_token();
                ins!(tx, counts, TOKEN, id, class, token_hash(&token), "", expires, disabled, Some(by), ago(age));
            }

            // Enrollment = enrollment row + membership of the class group, in this transaction.
            let enrollments = [
                (linux, linux_group, linux_token, p.sam, p.tess),
                (linux, linux_group, linux_token, p.sara, p.tess),
                (linux, linux_group, linux_token, p.sid, p.tess),
                (networks, networks_group, networks_token, p.sam, p.tom),
                (networks, networks_group, networks_token, p.sara, p.tom),
            ];
            for (i, (class, group, token, student, teacher)) in enrollments.into_iter().enumerate() {
                let at = ago((18 - i as i64) * day);
                ins!(tx, counts, ENROLLMENT, Uuid::now_v7(), class, student, Some(token), at);
                ins!(tx, counts, MEMBER, Uuid::now_v7(), group, student, Some(teacher), at);
            }
            // Networks Lab's pool is not deployed yet and will hold two seats: Sid joined last
            // (after Sam and Sara), so a deployment seats Sam and Sara and Sid waits. A waiting
            // student is always an enrolled one.
            ins!(tx, counts, ENROLLMENT, Uuid::now_v7(), networks, p.sid, Some(networks_token), ago(2 * day));
            ins!(tx, counts, MEMBER, Uuid::now_v7(), networks_group, p.sid, Some(p.tom), ago(2 * day));
            ins!(tx, counts, WAITLIST, Uuid::now_v7(), networks, p.sid, ago(2 * day));

            // Linux Basics is deployed: base VM, the teacher's VM and one VM per seat.
            let vms = [
                (None, "base", "available", 0_i64),
                (Some(p.tess), "teacher", "assigned", 6 * 3_600),
                (Some(p.sam), "student", "assigned", 11 * 3_600 + 1_260),
                (Some(p.sara), "student", "assigned", 4 * 3_600 + 300),
                (Some(p.sid), "student", "assigned", 19 * 3_600 + 2_940),
                (None, "student", "available", 0),
            ];
            for (n, (user, role, status, usage)) in vms.into_iter().enumerate() {
                let vmid = class_vmid(LINUX_PREFIX, n as i64);
                // The deployments' naming rule: "Linux Basics 101" → lb101-base, lb101-teacher, …
                let name = vm_name(&short_name("Linux Basics 101"), n as i64);
                let mac = format!("BC:24:11:41:{:02X}:{:02X}", n / 256, n % 256);
                ins!(tx, counts, CLASS_VM, Uuid::now_v7(), Some(linux), cluster, user, vmid, if n % 2 == 0 { "pve1" } else { "pve2" },
                    name, Some(mac), role, status, usage, Some(ago(14 * day)), user.map(|_| ago(12 * day - n as i64 * 60)), ago(15 * day));
            }

            // The infrastructure seed's campus VMs are this cluster's guests.
            for (vmid, name, _) in super::INFRA_GUESTS {
                sqlx::query("UPDATE virtual_machines SET pve_cluster_id = $1, pve_vmid = $2 WHERE name = $3")
                    .bind(cluster).bind(i64::from(vmid)).bind(name).execute(&mut *tx).await?;
            }
            tx.audit(&audit.details(counts.to_json()).message(summary("classes", &counts))).await?;
            tx.bump("classes").await?;
            tx.bump("proxmox").await?;
            tx.commit().await?;
        });
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn vmids_stay_in_the_prefix_range() {
        assert_eq!(super::class_vmid(41, 0), 4100);
        assert_eq!(super::class_vmid(41, 5), 4105);
    }
}
