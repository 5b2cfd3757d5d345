//! Seeds 001 and 002: tenants, groups, sites, pools, machines, VMs, storage, images,
//! instance templates, instances, instance sets, VPC/subnets/places, IPAM, cloud boxes and
//! private data disks. Two sites: an on-premises campus data centre (seed 001 style, with
//! machines and IPAM) and a rented provider site (seed 002 style, VMs in a pool).

use super::{DEFAULT_TENANT, DemoPeople, SeedCounts, checksum, ids, ins, mac, minutes, refuse_if_seeded, summary};
use crate::domain::audit::Entry;
use crate::domain::infra::units::{GIB, MIB};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use serde_json::{Value, json};
use sqlx::types::Json;
use uuid::Uuid;

const TENANT: &str = "INSERT INTO tenants (id, name, description, status, admin_user_id, vlan_id, quota_instances, quota_cpu_cores, quota_memory_bytes, quota_storage_bytes, created_by, created_at, updated_at) \
     VALUES ($1, $2, $3, 'active', $4, $5, $6, $7, $8, $9, $10, $11, $11) ON CONFLICT (name) DO NOTHING";
const TENANT_ID: &str = "SELECT id FROM tenants WHERE name = $1";
const GROUP: &str = "INSERT INTO user_groups (id, tenant_id, parent_group_id, name, description, quota, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
const MEMBER: &str =
    "INSERT INTO user_group_members (id, group_id, user_id, added_by, joined_at) VALUES ($1, $2, $3, $4, $5)";
const PROVIDER: &str = "INSERT INTO cloud_providers (id, name, created_at, updated_at) VALUES ($1, $2, $3, $3)";
const SITE: &str = "INSERT INTO sites (id, provider_id, name, location, status, network_config, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'active', $5, $6, $6)";
const POOL: &str = "INSERT INTO resource_pools (id, site_id, name, description, pool_type, scheduling_policy, status, total_cpu_cores, total_memory_bytes, total_storage_bytes, total_gpu_count, ip_pool_config, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)";
const MACHINE: &str = "INSERT INTO compute_machines (id, site_id, resource_pool_id, hostname, name, machine_type, rental_mode, hypervisor_type, cpu_cores, memory_bytes, storage_bytes, gpu_count, gpu_model, management_ip, business_ip, status, health_status, connection_config, tags, last_heartbeat_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)";
const OS: &str = "INSERT INTO operating_systems (id, name, created_at) VALUES ($1, $2, $3)";
const IMAGE: &str = "INSERT INTO images (id, tenant_id, owner_id, name, description, image_type, base_os, os_version, architecture, size_bytes, min_cpu_cores, min_memory_bytes, min_storage_bytes, recommended_cpu_cores, recommended_memory_bytes, visibility, status, file_path, checksum_md5, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)";
const IMAGE_VERSION: &str = "INSERT INTO image_versions (id, image_id, parent_version_id, version_number, version_name, is_latest, is_default, size_bytes, file_path, checksum_md5, release_notes, status, created_by, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
const IMAGE_TAG: &str = "INSERT INTO image_tags (id, image_id, version_id, tag_name, is_immutable, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $6)";
const TEMPLATE: &str = "INSERT INTO instance_templates (id, tenant_id, owner_id, base_image_id, name, description, use_case, template_type, default_cpu_cores, default_memory_bytes, default_storage_bytes, default_gpu_count, default_bandwidth_gbps, network_config, user_data, tags, visibility, version, status, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20)";
const TEMPLATE_VERSION: &str = "INSERT INTO instance_template_versions (id, template_id, version_number, is_latest, config_snapshot, changelog, created_by, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
const INSTANCE: &str = "INSERT INTO instances (id, tenant_id, user_id, template_id, resource_pool_id, compute_machine_id, name, status, config, rental_mode, cpu_cores, memory_bytes, storage_bytes, gpu_count, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)";
const VM: &str = "INSERT INTO virtual_machines (id, compute_machine_id, resource_pool_id, instance_id, owner_id, os_id, vm_uuid, name, instance_type, custom_os, cpu_cores, memory_bytes, storage_bytes, gpu_count, status, ip_address, mac_address, config, pve_cluster_id, pve_vmid, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)";
const STORAGE_DEVICE: &str = "INSERT INTO storage_devices (id, resource_pool_id, name, capacity_bytes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const DISK: &str = "INSERT INTO disks (id, virtual_machine_id, storage_device_id, size_bytes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const PARTITION: &str = "INSERT INTO partitions (id, disk_id, size_bytes, filesystem, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const SYSTEM: &str = "INSERT INTO systems (id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)";
const SYSTEM_VM: &str = "INSERT INTO system_virtual_machines (system_id, virtual_machine_id) VALUES ($1, $2)";
const VPC: &str = "INSERT INTO vpcs (id, tenant_id, user_id, site_id, name, description, cidr_block, vlan_id, enable_dns, dns_servers, status, created_by, updated_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $13)";
const SUBNET: &str = "INSERT INTO subnets (id, vpc_id, ip_pool_id, name, cidr_block, availability_zone, gateway, vlan_id, is_public, auto_assign_ip, status, created_by, updated_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'active', $11, $11, $12, $12)";
const PLACE: &str = "INSERT INTO places (id, tenant_id, subnet_id, name, description, location, status, created_by, updated_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $9)";
const IP: &str = "INSERT INTO ip_addresses (id, address, family, ip_pool_id, subnet_id, instance_id, virtual_machine_id, vlan, status, mac_address, allocated_at, allocated_by, lease_expires_at, is_range_start, range_size, tags, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)";
const CLOUD_BOX: &str = "INSERT INTO cloud_boxes (id, site_id, subnet_id, temporary_instance_id, assigned_user_id, name, serial_number, status, ip_address, mac_address, firmware_version, model, manufacturer, hardware_config, location, tags, network_mode, gateway, subnet_mask, dns_servers, is_disabled, temporary_bind_expires_at, cpu_usage_percent, memory_usage_percent, disk_usage_percent, temperature, uptime_seconds, last_boot_at, last_heartbeat_at, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $30)";
const DATA_DISK: &str = "INSERT INTO private_data_disks (id, tenant_id, user_id, name, size_bytes, disk_type, status, share_mode, max_attachments, rbd_image_name, rbd_pool, created_by, updated_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $13)";
const ATTACHMENT: &str = "INSERT INTO private_data_disk_attachments (id, instance_id, disk_id, mount_path, mount_mode, status, attached_by, attached_at, updated_at, exclusive) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)";
const SET: &str = "INSERT INTO instance_sets (id, tenant_id, owner_id, user_group_id, name, description, set_type, status, tags, created_by, updated_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $8, $9, $9, $10, $10)";
const SET_MEMBER: &str = "INSERT INTO instance_set_members (id, set_id, instance_id, role, added_by, joined_at) VALUES ($1, $2, $3, $4, $5, $6)";

fn j(v: Value) -> Json<Value> {
    Json(v)
}

/// The primary address of demo VM `i`: campus VMs on the server subnet, the rest at the provider.
fn vm_ip(i: usize) -> String {
    if i < 3 { format!("10.40.1.{}", 10 + i) } else { format!("172.16.5.{}", 8 + i) }
}

/// One `ip_addresses` row; a range starts at `address` when `range_size` > 1.
struct IpRow {
    address: String,
    family: &'static str,
    pool: Option<Uuid>,
    subnet: Option<Uuid>,
    instance: Option<Uuid>,
    vm: Option<Uuid>,
    vlan: &'static str,
    status: &'static str,
    mac: Option<String>,
    range_size: i64,
    tags: Option<Value>,
}

impl IpRow {
    fn new(address: String, subnet: Option<Uuid>, vlan: &'static str, status: &'static str) -> IpRow {
        IpRow {
            family: if address.contains(':') { "ipv6" } else { "ipv4" },
            address,
            pool: None,
            subnet,
            instance: None,
            vm: None,
            vlan,
            status,
            mac: None,
            range_size: 1,
            tags: None,
        }
    }
}

/// IPAM: the gateway (reserved), the campus VMs' addresses (allocated), free ones, a frozen
/// one, a DHCP range for the lab clients, and the provider VMs' addresses in both families.
fn ip_plan(pool: Uuid, servers: Uuid, clients: Uuid, instance: &[Uuid; 6], vm: &[Uuid; 8]) -> Vec<IpRow> {
    let server = |host: usize, status| IpRow {
        pool: Some(pool),
        ..IpRow::new(format!("10.40.1.{host}"), Some(servers), "141", status)
    };
    let mut ips = vec![IpRow { tags: Some(json!({"role": "gateway"})), ..server(1, "reserved") }];
    for i in 0..3 {
        ips.push(IpRow {
            instance: Some(instance[i]),
            vm: Some(vm[i]),
            mac: Some(mac(1, i)),
            ..server(10 + i, "allocated")
        });
    }
    ips.extend((13..=19).map(|host| server(host, "available")));
    ips.push(IpRow { tags: Some(json!({"reason": "duplicate ARP seen"})), ..server(20, "frozen") });
    ips.push(IpRow {
        range_size: 50,
        tags: Some(json!({"role": "dhcp"})),
        ..IpRow::new("10.40.2.100".into(), Some(clients), "142", "reserved")
    });
    for b in 0..3 {
        ips.push(IpRow {
            mac: Some(mac(2, b)),
            tags: Some(json!({"cloud_box": format!("cbx-lab-a-0{}", b + 1)})),
            ..IpRow::new(format!("10.40.2.{}", 11 + b), Some(clients), "142", "allocated")
        });
    }
    // Provider VMs: no pool or subnet (seed 002); its three own VMs have IPv6 too.
    for i in 3..8 {
        ips.push(IpRow {
            instance: (i < 5).then(|| instance[i]),
            vm: Some(vm[i]),
            mac: Some(mac(1, i)),
            ..IpRow::new(vm_ip(i), None, "vlan-305", "allocated")
        });
        if i >= 5 {
            ips.push(IpRow {
                vm: Some(vm[i]),
                mac: Some(mac(1, i)),
                ..IpRow::new(format!("2001:db8:5::{}", 8 + i), None, "vlan-305", "allocated")
            });
        }
    }
    ips
}

impl Store {
    /// Seeds 001/002 demo inventory. Refused once any site exists.
    pub async fn seed_infrastructure(&self, people: &DemoPeople, audit: Entry) -> Result<SeedCounts, StoreError> {
        let now = time::now();
        let ago = |m: i64| now - minutes(m);
        let days = |d: i64| minutes(d * 24 * 60);
        let mut counts = SeedCounts::default();
        let p = people;

        // Tenants, groups, provider, sites, pools.
        let [orbit, staff, operators, teaching, orbit_eng, provider, campus, fra] = ids::<8>();
        // Pools: campus compute, campus gpu, campus ceph, campus ipv4, fra compute, fra ssd.
        let pool = ids::<6>();
        // Machines: pve1, pve2 (the simulator's nodes), pcfarm-01, pve3 (GPU), fra-hv-01.
        let machine = ids::<5>();
        let os = ids::<4>();
        let image = ids::<4>();
        let template = ids::<5>();
        let instance = ids::<6>();
        let vm = ids::<8>();
        let [ceph1, ceph2, san, vpc, servers, clients, research_set, web_set] = ids::<8>();

        on_pool!(self, db => {
            let mut tx = db.begin_write().await?;
            refuse_if_seeded!(tx, "sites", "infrastructure");

            ins!(tx, counts, TENANT, Uuid::now_v7(), DEFAULT_TENANT,
                "Teaching labs, research groups and the campus data centre", Some(p.ada), 100_i64,
                Some(200_i64), Some(512_i64), Some(1_048_576 * MIB), Some(20_000 * GIB),
                p.ada, ago(90 * 24 * 60));
            let northfield: Uuid = sqlx::query_scalar(TENANT_ID).bind(DEFAULT_TENANT).fetch_one(&mut *tx).await?;
            ins!(tx, counts, TENANT, orbit, "Orbit Robotics",
                "Partner start-up renting GPU time and web hosting", None::<Uuid>, 200_i64,
                Some(20_i64), Some(64_i64), Some(262_144 * MIB), Some(4_000 * GIB),
                p.ada, ago(40 * 24 * 60));

            for (id, tenant, parent, name, description, quota) in [
                (staff, northfield, None, "Staff", "Everyone who runs the lab", Some(json!({"max_instances": 40}))),
                (operators, northfield, Some(staff), "Lab operators", "On-call rota for the campus DC", None),
                (teaching, northfield, Some(staff), "Teaching staff", "Teachers and tutors", Some(json!({"max_instances": 10, "max_gpu_count": 2}))),
                (orbit_eng, orbit, None, "Orbit engineering", "Orbit Robotics engineers", None),
            ] {
                ins!(tx, counts, GROUP, id, tenant, parent, name, description, quota.map(j), ago(60 * 24 * 60));
            }
            for (group, user) in [(staff, p.ada), (operators, p.otto), (teaching, p.tess), (teaching, p.tom), (orbit_eng, p.vic), (orbit_eng, p.april)] {
                ins!(tx, counts, MEMBER, Uuid::now_v7(), group, user, Some(p.ada), ago(59 * 24 * 60));
            }

            ins!(tx, counts, PROVIDER, provider, "Helix Cloud", ago(120 * 24 * 60));
            ins!(tx, counts, SITE, campus, None::<Uuid>, "North Campus DC", "Building 4, basement, Northfield",
                j(json!({"uplink_gbps": 40, "mgmt_cidr": "10.10.0.0/24", "vlans": [100, 140, 200]})), ago(120 * 24 * 60));
            ins!(tx, counts, SITE, fra, Some(provider), "Helix FRA-2", "Frankfurt am Main, DE",
                j(json!({"uplink_gbps": 10, "mgmt_cidr": "172.16.0.0/24", "vlans": [305]})), ago(100 * 24 * 60));

            let ip_cfg = json!({"cidr": "10.40.1.0/24", "gateway": "10.40.1.1", "range_start": "10.40.1.10", "range_end": "10.40.1.200", "dns": ["10.40.0.2"]});
            for (i, (site, name, description, kind, policy, status, total, _used, cfg)) in [
                (campus, "campus-compute", "General-purpose KVM hosts", "compute", "load_balance", "active", [176_i64, 622_592, 10_000, 0], [44_i64, 98_304, 1_600, 0], None),
                (campus, "campus-gpu", "GPU servers for AI coursework", "compute", "bin_pack", "active", [64, 524_288, 8_000, 8], [16, 131_072, 1_000, 4], None),
                (campus, "campus-ceph", "Ceph RBD pool for VM disks", "storage", "spread", "active", [0, 0, 150_000, 0], [0, 0, 41_200, 0], None),
                (campus, "campus-ipv4", "Server addresses on the campus VPC", "ip_address", "sequential", "active", [0, 0, 0, 0], [0, 0, 0, 0], Some(ip_cfg)),
                (fra, "fra-general", "Rented VMware capacity", "compute", "load_balance", "active", [128, 524_288, 20_000, 0], [14, 53_248, 900, 0], None),
                (fra, "fra-ssd", "All-flash SAN", "storage", "spread", "maintenance", [0, 0, 60_000, 0], [0, 0, 1_500, 0], None),
            ].into_iter().enumerate() {
                ins!(tx, counts, POOL, pool[i], site, name, description, kind, policy, status,
                    total[0], total[1] * MIB, total[2] * GIB, total[3], cfg.map(j), ago(110 * 24 * 60));
            }

            // (site, pool, host, name, type, rental, hypervisor, [cpu, mem, disk, gpu], gpu model, mgmt, business, used, status, health, rack)
            for (i, (site, pl, host, name, kind, rental, hv, size, gpu_model, mgmt, business, _used, status, health, rack)) in [
                (campus, pool[0], "pve1", "Compute node 01", "cpu_server", "shared", "kvm", [64_i64, 262_144, 4_000, 0], None, "10.10.0.11", Some("10.41.0.11"), [24_i64, 65_536, 800, 0], "active", "healthy", "B4-01"),
                (campus, pool[0], "pve2", "Compute node 02", "cpu_server", "shared", "kvm", [64, 262_144, 4_000, 0], None, "10.10.0.12", Some("10.41.0.12"), [20, 32_768, 800, 0], "active", "warning", "B4-01"),
                (campus, pool[0], "pcfarm-01", "Lab PC farm", "pc_farm", "shared", "hyper_v", [48, 98_304, 2_000, 0], None, "10.10.0.13", None, [0, 0, 0, 0], "maintenance", "warning", "B4-02"),
                (campus, pool[1], "pve3", "GPU node 01", "gpu_server", "exclusive", "kvm", [64, 524_288, 8_000, 8], Some("NVIDIA A100 80GB"), "10.10.0.21", Some("10.41.0.21"), [16, 131_072, 1_000, 4], "active", "healthy", "B4-03"),
                (fra, pool[4], "fra-hv-01", "Helix host 01", "cpu_server", "shared", "vmware", [128, 524_288, 20_000, 0], None, "172.16.0.21", Some("172.16.5.2"), [14, 53_248, 900, 0], "active", "healthy", "FRA2-R12"),
            ].into_iter().enumerate() {
                let fqdn = if site == fra { format!("{host}.fra2.helix.example") } else { format!("{host}.campus.northfield.example") };
                ins!(tx, counts, MACHINE, machine[i], site, pl, fqdn, name, kind, rental, hv,
                    size[0], size[1] * MIB, size[2] * GIB, size[3], gpu_model, mgmt, business, status, health,
                    j(json!({"protocol": if hv == "kvm" { "libvirt+ssh" } else { "https" }, "port": if hv == "kvm" { 22 } else { 443 }, "user": "labdeck"})),
                    j(json!({"rack": rack, "row": rack.split('-').next()})),
                    Some(ago(i as i64 + 1)), ago(100 * 24 * 60));
            }

            for (i, name) in ["Ubuntu 24.04 LTS", "Rocky Linux 9", "Debian 12", "Windows Server 2022"].into_iter().enumerate() {
                ins!(tx, counts, OS, os[i], name, ago(100 * 24 * 60));
            }

            // Images with their versions and tags.
            // (tenant, owner, name, description, type, os, os version, size, [min cpu, min mem, min disk, rec cpu, rec mem], visibility, versions)
            for (i, (tenant, owner, name, description, kind, base_os, os_version, size, req, visibility, versions)) in [
                (None, p.otto, "ubuntu-24.04-server", "Ubuntu Server 24.04 LTS with cloud-init", "os_base", "ubuntu", "24.04", 2_560_i64, [1_i64, 1_024, 10, 2, 4_096], "public", &["1.0.0", "1.1.0"][..]),
                (None, p.otto, "rocky-9-minimal", "Rocky Linux 9 minimal install", "os_base", "rocky", "9.4", 1_900, [1, 1_024, 10, 2, 2_048], "public", &["1.0.0", "1.1.0"][..]),
                (Some(northfield), p.tess, "jupyter-lab-gpu", "JupyterLab with CUDA 12 and PyTorch", "application_layer", "ubuntu", "24.04", 11_264, [4, 16_384, 60, 8, 32_768], "group_specific", &["1.0.0", "1.1.0", "1.2.0"][..]),
                (Some(orbit), p.vic, "ros2-humble-sim", "ROS 2 Humble with Gazebo simulation", "custom", "ubuntu", "22.04", 8_700, [4, 8_192, 40, 8, 16_384], "private", &["1.0.0", "1.1.0"][..]),
            ].into_iter().enumerate() {
                let file = format!("/images/{name}/{name}.qcow2");
                ins!(tx, counts, IMAGE, image[i], tenant, owner, name, description, kind, base_os, os_version, "x86_64", size * MIB,
                    req[0], req[1] * MIB, req[2] * GIB, req[3], req[4] * MIB, visibility, "active", &file, checksum(&file), ago(80 * 24 * 60));
                let version_ids: Vec<Uuid> = versions.iter().map(|_| Uuid::now_v7()).collect();
                let last = versions.len() - 1;
                // The newest version is latest; the one before it stays the default until promoted.
                let default = if versions.len() > 2 { last - 1 } else { last };
                for (v, number) in versions.iter().enumerate() {
                    let vfile = format!("/images/{name}/{name}-{number}.qcow2");
                    let status = if v + 1 < versions.len() && v != default { "deprecated" } else { "active" };
                    ins!(tx, counts, IMAGE_VERSION, version_ids[v], image[i], v.checked_sub(1).map(|parent| version_ids[parent]),
                        format!("v{number}"), format!("{name} {number}"), v == last, v == default,
                        (size - 256 * (last - v) as i64) * MIB, &vfile, checksum(&vfile),
                        if v == 0 { "Initial build".to_string() } else { format!("Security updates and package refresh for {number}") },
                        status, Some(owner), ago((80 - 20 * v as i64) * 24 * 60));
                }
                for (tag, v, immutable) in [("latest", last, false), ("stable", default, false), ("v1.0.0", 0, true)] {
                    ins!(tx, counts, IMAGE_TAG, Uuid::now_v7(), image[i], version_ids[v], tag, immutable, ago(20 * 24 * 60));
                }
            }

            // Instance templates and their versions.
            // (tenant, owner, image, name, description, use case, type, [cpu, mem, disk, gpu], bandwidth, visibility, versions, status)
            for (i, (tenant, owner, img, name, description, use_case, kind, size, gbps, visibility, versions, status)) in [
                (None, p.otto, image[0], "Ubuntu small", "2 vCPU, 4 GiB: the everyday lab VM", "general", "instance", [2_i64, 4_096, 40, 0], 1.0_f64, "public", &["v1.0.0", "v1.1.0"][..], "active"),
                (Some(northfield), p.tess, image[2], "GPU notebook", "JupyterLab on one A100", "ai_application", "instance", [8, 65_536, 200, 1], 10.0, "group_specific", &["v1.0.0", "v2.0.0"][..], "active"),
                (Some(orbit), p.vic, image[0], "Web server", "nginx behind the Helix load balancer", "web_server", "instance", [2, 4_096, 40, 0], 1.0, "private", &["v1.0.0"][..], "active"),
                (Some(northfield), p.otto, image[1], "Course lab set", "One VM per student, cloned for a course", "development", "instance_set", [2, 2_048, 32, 0], 1.0, "public", &["v1.0.0"][..], "active"),
                (Some(northfield), p.otto, image[1], "Office desktop", "Thin-client desktop, replaced by Ubuntu small", "lightweight_office", "instance", [2, 4_096, 60, 0], 0.5, "public", &["v1.0.0"][..], "deprecated"),
            ].into_iter().enumerate() {
                let latest = versions[versions.len() - 1];
                ins!(tx, counts, TEMPLATE, template[i], tenant, owner, Some(img), name, description, use_case, kind,
                    size[0], size[1] * MIB, size[2] * GIB, size[3], gbps,
                    j(json!({"subnet": "servers", "public_ip": false, "security_groups": ["default"]})),
                    Some("#cloud-config\npackage_update: true\n"),
                    j(json!({"tier": if size[0] > 4 { "large" } else { "small" }})),
                    visibility, latest, status, ago(70 * 24 * 60));
                for (v, number) in versions.iter().enumerate() {
                    ins!(tx, counts, TEMPLATE_VERSION, Uuid::now_v7(), template[i], *number, v + 1 == versions.len(),
                        j(json!({"cpu_cores": size[0], "memory_mb": size[1], "storage_gb": size[2], "gpu_count": size[3], "image": img})),
                        if v == 0 { "First version" } else { "Bigger root disk, newer image" },
                        Some(owner), ago((70 - 30 * v as i64) * 24 * 60));
                }
            }

            // Instances (the last one soft-deleted) and their VMs; three more VMs are seed 002
            // style: in a provider pool, without a machine or an instance.
            // (tenant, user, template, pool, machine, name, status, rental, [cpu, mem, disk, gpu], os)
            let instances = [
                (northfield, p.tess, template[1], pool[1], Some(machine[3]), "jupyter-tess", "running", "exclusive", [8_i64, 65_536, 200, 1], os[0]),
                (northfield, p.sam, template[0], pool[0], Some(machine[0]), "lab-sam-01", "running", "shared", [2, 4_096, 40, 0], os[0]),
                (northfield, p.otto, template[0], pool[0], Some(machine[1]), "build-otto", "stopped", "shared", [4, 8_192, 80, 0], os[0]),
                (orbit, p.vic, template[2], pool[4], Some(machine[4]), "web-orbit-01", "running", "shared", [2, 4_096, 40, 0], os[2]),
                (orbit, p.vic, template[2], pool[4], Some(machine[4]), "web-orbit-02", "error", "shared", [2, 4_096, 40, 0], os[2]),
                (northfield, p.tom, template[3], pool[0], None, "old-course-demo", "deleted", "shared", [2, 2_048, 32, 0], os[1]),
            ];
            for (i, (tenant, user, tpl, pl, m, name, status, rental, size, _)) in instances.iter().enumerate() {
                ins!(tx, counts, INSTANCE, instance[i], *tenant, *user, Some(*tpl), Some(*pl), *m, *name, *status,
                    j(json!({"cpu_cores": size[0], "memory_mb": size[1], "storage_gb": size[2], "gpu_count": size[3]})),
                    Some(*rental), size[0], size[1] * MIB, size[2] * GIB, size[3], ago((30 - i as i64) * 24 * 60), ago(i as i64 * 90));
            }
            // VMs 0..5 belong to the live instances; 5..8 are the provider VMs.
            let provider_vms = [
                ("fra-db-01", p.otto, os[1], [8_i64, 32_768, 500], "running"),
                ("fra-app-01", p.otto, os[2], [4, 8_192, 80], "running"),
                ("fra-app-02", p.april, os[3], [4, 16_384, 120], "unknown"),
            ];
            for i in 0..8 {
                let (m, pl, inst, owner, os_id, name, size, gpu, status) = if i < 5 {
                    let (_, user, _, pl, m, name, status, _, size, os_id) = instances[i];
                    (m, Some(pl), Some(instance[i]), user, os_id, name, [size[0], size[1], size[2]], size[3], status)
                } else {
                    let (name, owner, os_id, size, status) = provider_vms[i - 5];
                    (None, Some(pool[4]), None, owner, os_id, name, size, 0, status)
                };
                let custom_os = (i == 7).then_some("Windows Server 2022 Datacenter (eval)");
                ins!(tx, counts, VM, vm[i], m, pl, inst, Some(owner), Some(os_id), Uuid::now_v7().to_string(), name,
                    Some(if gpu > 0 { "g1.2xlarge" } else if size[0] >= 8 { "m1.2xlarge" } else { "m1.medium" }), custom_os,
                    size[0], size[1] * MIB, size[2] * GIB, gpu, status, Some(vm_ip(i)), Some(mac(1, i)),
                    j(json!({"boot": "uefi", "machine": "q35", "autostart": status == "running"})), None::<Uuid>, None::<i64>, ago((29 - i as i64) * 24 * 60));
            }

            // Storage devices, one disk per VM with boot and root partitions.
            for (id, pl, name, capacity) in [(ceph1, pool[2], "ceph-osd-01", 75_000_i64), (ceph2, pool[2], "ceph-osd-02", 75_000), (san, pool[5], "fra-san-01", 60_000)] {
                ins!(tx, counts, STORAGE_DEVICE, id, pl, name, capacity * GIB, ago(100 * 24 * 60));
            }
            for i in 0..8 {
                let disk = Uuid::now_v7();
                let size_gb = if i < 5 { instances[i].8[2] } else { provider_vms[i - 5].3[2] };
                let device = if i >= 3 { san } else if i % 2 == 0 { ceph1 } else { ceph2 };
                ins!(tx, counts, DISK, disk, vm[i], device, size_gb * GIB, ago(28 * 24 * 60));
                let root_fs = if i == 7 { "ntfs" } else if i == 5 { "xfs" } else { "ext4" };
                for (size, fs) in [(1_024_i64, if i == 7 { "ntfs" } else { "vfat" }), (size_gb * 1024 - 1_024, root_fs)] {
                    ins!(tx, counts, PARTITION, Uuid::now_v7(), disk, size * MIB, fs, ago(28 * 24 * 60));
                }
            }
            let [payroll, portal] = ids::<2>();
            ins!(tx, counts, SYSTEM, payroll, "Payroll service", "HR payroll: database and one app server", ago(25 * 24 * 60));
            ins!(tx, counts, SYSTEM, portal, "Course portal", "Public course pages and sign-up", ago(25 * 24 * 60));
            for (system, v) in [(payroll, vm[5]), (payroll, vm[6]), (portal, vm[7]), (portal, vm[5]), (portal, vm[3])] {
                ins!(tx, counts, SYSTEM_VM, system, v);
            }

            // Campus VPC with a server subnet (backed by the IP pool) and a lab-client subnet.
            ins!(tx, counts, VPC, vpc, northfield, p.otto, Some(campus), "northfield-main", "Campus VPC for lab servers and clients",
                "10.40.0.0/16", Some(140_i64), true, j(json!(["10.40.0.2", "1.1.1.1"])), "active", Some(p.otto), ago(90 * 24 * 60));
            ins!(tx, counts, SUBNET, servers, vpc, Some(pool[3]), "servers", "10.40.1.0/24", "campus-a", "10.40.1.1", Some(141_i64), false, true, Some(p.otto), ago(90 * 24 * 60));
            ins!(tx, counts, SUBNET, clients, vpc, None::<Uuid>, "lab-clients", "10.40.2.0/24", "campus-b", "10.40.2.1", Some(142_i64), false, true, Some(p.otto), ago(90 * 24 * 60));
            for (tenant, subnet, name, description, location, status) in [
                (northfield, Some(servers), "Server room B4", "Racks B4-01 to B4-03", "Building 4, basement", "active"),
                (northfield, Some(clients), "Lab A (room 1.12)", "24 seats with cloud boxes", "Building 1, first floor", "active"),
                (orbit, None, "Orbit office", "Partner desks, no campus network", "Innovation hub, unit 7", "inactive"),
            ] {
                ins!(tx, counts, PLACE, Uuid::now_v7(), tenant, subnet, name, description, location, status, Some(p.otto), ago(85 * 24 * 60));
            }

            // IPAM: the gateway (reserved), addresses of the campus VMs (allocated), free ones,
            // a frozen one, a DHCP range for the lab clients, and provider VMs in both families.
            let ips = ip_plan(pool[3], servers, clients, &instance, &vm);
            for ip in ips {
                let allocated = ip.status == "allocated";
                ins!(tx, counts, IP, Uuid::now_v7(), ip.address, ip.family, ip.pool, ip.subnet, ip.instance, ip.vm, ip.vlan, ip.status, ip.mac,
                    allocated.then(|| ago(20 * 24 * 60)), allocated.then_some(p.otto),
                    (allocated && ip.subnet == Some(clients)).then(|| now + days(1)),
                    ip.range_size > 1, ip.range_size, ip.tags.map(j), ago(60 * 24 * 60));
            }

            // Cloud boxes (thin clients) in Lab A; one is temporarily bound to Sam's instance.
            for (b, (status, user, bound, cpu, temp)) in [
                ("online", Some(p.sam), Some(instance[1]), 23.5_f64, 41.0_f64),
                ("offline", None, None, 0.0, 22.0),
                ("maintenance", None, None, 3.1, 38.5),
            ].into_iter().enumerate() {
                let online = status != "offline";
                ins!(tx, counts, CLOUD_BOX, Uuid::now_v7(), Some(campus), Some(clients), bound, user,
                    format!("cbx-lab-a-0{}", b + 1), format!("NF-CB-{:05}", 1041 + b * 7), status,
                    Some(format!("10.40.2.{}", 11 + b)), Some(mac(2, b)), Some(if b == 2 { "2.3.0-rc1" } else { "2.2.4" }),
                    Some("CB-200"), Some("Thinbox"), j(json!({"cpu": "ARM Cortex-A72", "memory_mb": 4_096, "storage_gb": 32, "displays": 2})),
                    Some(format!("Lab A, seat {}", 3 + b * 5)), j(json!({"lab": "A", "row": b + 1})), Some("dhcp"), Some("10.40.2.1"), Some("255.255.255.0"),
                    j(json!(["10.40.0.2"])), b == 2, bound.map(|_| now + minutes(120)),
                    online.then_some(cpu), online.then_some(35.0 + 10.0 * b as f64), online.then_some(12.5), Some(temp),
                    online.then_some(86_400_i64 * (b as i64 + 1) + 3_600), Some(ago(24 * 60 * (b as i64 + 1))),
                    Some(if online { ago(1) } else { ago(3 * 24 * 60) }), ago(50 * 24 * 60));
            }

            // Private data disks: one attached to Tess's notebook, one unattached.
            let [datasets, sim_cache] = ids::<2>();
            ins!(tx, counts, DATA_DISK, datasets, northfield, p.tess, "tess-datasets", 500 * GIB, "nvme", "attached", "exclusive", 1_i64,
                "pdd-northfield-tess-datasets", "private-data-disks", Some(p.tess), ago(20 * 24 * 60));
            ins!(tx, counts, DATA_DISK, sim_cache, orbit, p.vic, "orbit-sim-cache", 200 * GIB, "ssd", "available", "shared", 4_i64,
                "pdd-orbit-sim-cache", "private-data-disks", Some(p.vic), ago(12 * 24 * 60));
            ins!(tx, counts, ATTACHMENT, Uuid::now_v7(), instance[0], datasets, "/mnt/datasets", "rw", "attached", Some(p.tess), ago(19 * 24 * 60), true);

            // Instance sets (non-training; classes add theirs) with members.
            ins!(tx, counts, SET, research_set, northfield, p.otto, Some(staff), "Research compute", "Long-running research instances",
                "project", j(json!({"cost_centre": "RES-114"})), Some(p.otto), ago(30 * 24 * 60));
            ins!(tx, counts, SET, web_set, orbit, p.vic, Some(orbit_eng), "Orbit web tier", "Public web servers behind the load balancer",
                "application", j(json!({"env": "production"})), Some(p.vic), ago(30 * 24 * 60));
            for (set, inst, role) in [(research_set, instance[0], "primary"), (research_set, instance[2], "member"), (web_set, instance[3], "primary"), (web_set, instance[4], "replica")] {
                ins!(tx, counts, SET_MEMBER, Uuid::now_v7(), set, inst, role, Some(p.otto), ago(29 * 24 * 60));
            }

            tx.audit(&audit.details(counts.to_json()).message(summary("infrastructure", &counts))).await?;
            tx.bump("infrastructure").await?;
            tx.commit().await?;
        });
        Ok(counts)
    }
}
