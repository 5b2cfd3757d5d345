//! What the Infrastructure tab, the CLI and the store know about each kind of record: its
//! fields (label, type, whether it is listed, typed in or computed) and the permission that
//! guards it. One table here serves listing, showing, forms and validation for every kind.

use crate::domain::rbac::Resource;

string_enum!(Kind {
    Providers => "providers",
    Sites => "sites",
    Pools => "pools",
    Machines => "machines",
    Boxes => "boxes",
    Instances => "instances",
    Vms => "vms",
    Systems => "systems",
    Images => "images",
    Templates => "templates",
    Sets => "sets",
    Storage => "storage",
    Volumes => "volumes",
    Partitions => "partitions",
    Disks => "disks",
    Networks => "networks",
    Subnets => "subnets",
    Addresses => "addresses",
    Places => "places",
    Tenants => "tenants",
    Groups => "groups",
});

/// What a reference points at: another kind, or a record outside the tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Kind(Kind),
    User,
    Os,
    Cluster,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of free text (sanitised).
    Text,
    /// A whole number within bounds.
    Int {
        min: i64,
        max: i64,
    },
    /// A capacity in bytes, typed with units (40G).
    Bytes,
    Bool,
    /// One of a closed set of words.
    Choice(&'static [&'static str]),
    /// Another record, typed by name (or id); stored as its id.
    Ref(Target),
    /// A CIDR block, stored canonical.
    Cidr,
    /// An IP address, stored canonical.
    Ip,
    /// An 802.1Q VLAN id.
    Vlan,
    /// Read-only, computed by the store: a count or sum.
    Count,
    SumBytes,
    Percent,
    Label,
}

impl FieldKind {
    pub fn computed(self) -> bool {
        matches!(self, FieldKind::Count | FieldKind::SumBytes | FieldKind::Percent | FieldKind::Label)
    }
    pub fn numeric(self) -> bool {
        matches!(
            self,
            FieldKind::Int { .. } | FieldKind::Bytes | FieldKind::Count | FieldKind::SumBytes | FieldKind::Percent
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// The column (for a reference, the id column) or the computed value's name.
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    /// Shown as a column of the list (else only in the detail pane and `show`).
    pub listed: bool,
    /// Must be given on create.
    pub required: bool,
}

const fn f(name: &'static str, label: &'static str, kind: FieldKind, listed: bool, required: bool) -> Field {
    Field { name, label, kind, listed, required }
}
const fn name(label: &'static str) -> Field {
    f("name", label, FieldKind::Text, true, true)
}
const fn text(col: &'static str, label: &'static str) -> Field {
    f(col, label, FieldKind::Text, false, false)
}
const fn listed(col: &'static str, label: &'static str, kind: FieldKind) -> Field {
    f(col, label, kind, true, false)
}
const fn hidden(col: &'static str, label: &'static str, kind: FieldKind) -> Field {
    f(col, label, kind, false, false)
}
const fn refers(col: &'static str, label: &'static str, to: Target, listed: bool, required: bool) -> Field {
    f(col, label, FieldKind::Ref(to), listed, required)
}
const fn choice(col: &'static str, label: &'static str, words: &'static [&'static str]) -> Field {
    f(col, label, FieldKind::Choice(words), true, false)
}
const CORES: FieldKind = FieldKind::Int { min: 0, max: 1_000_000 };
const COUNT: FieldKind = FieldKind::Int { min: 0, max: 1_000_000 };
const TENANT: Field = refers("tenant_id", "Tenant", Target::Kind(Kind::Tenants), true, false);

const PROVIDERS: &[Field] = &[name("Provider"), listed("sites", "Sites", FieldKind::Count)];
const SITES: &[Field] = &[
    name("Site"),
    refers("provider_id", "Provider", Target::Kind(Kind::Providers), true, false),
    listed("location", "Location", FieldKind::Text),
    choice("status", "Status", &["active", "offline", "maintenance"]),
    listed("machines", "Machines", FieldKind::Count),
    listed("cpu_cores", "Cores", FieldKind::Count),
    listed("memory", "Memory", FieldKind::SumBytes),
    listed("storage", "Storage", FieldKind::SumBytes),
    hidden("gpus", "GPUs", FieldKind::Count),
];
const POOLS: &[Field] = &[
    name("Pool"),
    refers("site_id", "Site", Target::Kind(Kind::Sites), true, true),
    choice("pool_type", "Type", &["compute", "storage", "ip_address"]),
    choice("status", "Status", &["active", "maintenance", "disabled"]),
    hidden("scheduling_policy", "Scheduling", FieldKind::Text),
    listed("total_cpu_cores", "Cores", CORES),
    listed("used_cpu_cores", "Used", FieldKind::Count),
    listed("total_memory_bytes", "Memory", FieldKind::Bytes),
    listed("used_memory", "Used", FieldKind::SumBytes),
    listed("total_storage_bytes", "Storage", FieldKind::Bytes),
    listed("used_storage", "Used", FieldKind::SumBytes),
    hidden("total_gpu_count", "GPUs", COUNT),
    text("description", "Description"),
];
const MACHINES: &[Field] = &[
    f("hostname", "Hostname", FieldKind::Text, true, true),
    name("Name"),
    refers("site_id", "Site", Target::Kind(Kind::Sites), true, true),
    refers("resource_pool_id", "Pool", Target::Kind(Kind::Pools), true, true),
    f("machine_type", "Type", FieldKind::Choice(&["cpu_server", "pc_farm", "gpu_server"]), false, true),
    f("rental_mode", "Rental", FieldKind::Choice(&["shared", "exclusive"]), true, true),
    f("hypervisor_type", "Hypervisor", FieldKind::Choice(&["kvm", "vmware", "hyper_v"]), false, true),
    f("cpu_cores", "Cores", CORES, true, true),
    f("memory_bytes", "Memory", FieldKind::Bytes, true, true),
    f("storage_bytes", "Storage", FieldKind::Bytes, false, true),
    hidden("gpu_count", "GPUs", COUNT),
    hidden("gpu_model", "GPU model", FieldKind::Text),
    f("management_ip", "Mgmt IP", FieldKind::Ip, false, true),
    hidden("business_ip", "Business IP", FieldKind::Ip),
    choice("status", "Status", &["active", "maintenance", "offline", "decommissioning"]),
    hidden("health_status", "Health", FieldKind::Choice(&["healthy", "warning", "critical"])),
    listed("instances", "Inst", FieldKind::Count),
    listed("node_status", "Node", FieldKind::Label),
    listed("node_cpu", "Live CPU", FieldKind::Percent),
    listed("node_mem", "Live mem", FieldKind::SumBytes),
];
const BOXES: &[Field] = &[
    name("Box"),
    f("serial_number", "Serial", FieldKind::Text, true, true),
    refers("site_id", "Site", Target::Kind(Kind::Sites), true, false),
    refers("subnet_id", "Subnet", Target::Kind(Kind::Subnets), false, false),
    choice("status", "Status", &["online", "offline", "initializing", "maintenance", "error"]),
    listed("ip_address", "IP", FieldKind::Ip),
    hidden("mac_address", "MAC", FieldKind::Text),
    hidden("model", "Model", FieldKind::Text),
    hidden("firmware_version", "Firmware", FieldKind::Text),
    listed("location", "Location", FieldKind::Text),
    refers("assigned_user_id", "User", Target::User, false, false),
    hidden("is_disabled", "Disabled", FieldKind::Bool),
];
const SIZE: [Field; 4] = [
    listed("cpu_cores", "Cores", CORES),
    listed("memory_bytes", "Memory", FieldKind::Bytes),
    listed("storage_bytes", "Storage", FieldKind::Bytes),
    hidden("gpu_count", "GPUs", COUNT),
];
const INSTANCES: &[Field] = &[
    name("Instance"),
    TENANT,
    refers("user_id", "Owner", Target::User, true, false),
    choice("status", "Status", &["creating", "starting", "running", "stopping", "stopped", "error", "deleted"]),
    SIZE[0],
    SIZE[1],
    SIZE[2],
    SIZE[3],
    refers("template_id", "Template", Target::Kind(Kind::Templates), false, false),
    refers("resource_pool_id", "Pool", Target::Kind(Kind::Pools), false, false),
    refers("compute_machine_id", "Machine", Target::Kind(Kind::Machines), false, false),
    hidden("rental_mode", "Rental", FieldKind::Choice(&["shared", "exclusive"])),
    listed("ips", "IPs", FieldKind::Count),
    listed("disks", "Disks", FieldKind::Count),
    listed("guest", "Guest", FieldKind::Label),
];
const VMS: &[Field] = &[
    name("VM"),
    choice(
        "status",
        "Status",
        &["creating", "starting", "running", "stopping", "stopped", "restarting", "error", "deleted", "unknown"],
    ),
    SIZE[0],
    SIZE[1],
    SIZE[2],
    SIZE[3],
    refers("owner_id", "Owner", Target::User, true, false),
    refers("os_id", "OS", Target::Os, true, false),
    listed("ip_address", "IP", FieldKind::Ip),
    refers("instance_id", "Instance", Target::Kind(Kind::Instances), false, false),
    refers("resource_pool_id", "Pool", Target::Kind(Kind::Pools), false, false),
    refers("compute_machine_id", "Machine", Target::Kind(Kind::Machines), false, false),
    hidden("instance_type", "Type", FieldKind::Text),
    hidden("vm_uuid", "UUID", FieldKind::Text),
    refers("pve_cluster_id", "PVE cluster", Target::Cluster, false, false),
    hidden("pve_vmid", "PVE vmid", FieldKind::Int { min: 100, max: 999_999_999 }),
    listed("guest", "Guest", FieldKind::Label),
];
const SYSTEMS: &[Field] =
    &[name("System"), listed("description", "Description", FieldKind::Text), listed("vms", "VMs", FieldKind::Count)];
const IMAGES: &[Field] = &[
    name("Image"),
    TENANT,
    refers("owner_id", "Owner", Target::User, false, false),
    f("image_type", "Type", FieldKind::Choice(&["os_base", "application_layer", "custom"]), true, true),
    listed("base_os", "OS", FieldKind::Text),
    hidden("os_version", "OS version", FieldKind::Text),
    hidden("architecture", "Arch", FieldKind::Text),
    listed("size_bytes", "Size", FieldKind::Bytes),
    choice("visibility", "Visibility", &["private", "public", "group_specific"]),
    choice("status", "Status", &["active", "deprecated", "archived"]),
    listed("versions", "Versions", FieldKind::Count),
    listed("latest", "Latest", FieldKind::Label),
    hidden("tags", "Tags", FieldKind::Count),
    text("description", "Description"),
];
const TEMPLATES: &[Field] = &[
    name("Template"),
    TENANT,
    refers("owner_id", "Owner", Target::User, false, false),
    refers("base_image_id", "Image", Target::Kind(Kind::Images), true, false),
    hidden(
        "use_case",
        "Use case",
        FieldKind::Choice(&[
            "general",
            "ai_application",
            "graphics_rendering",
            "gaming_high_performance",
            "lightweight_office",
            "web_server",
            "database",
            "development",
        ]),
    ),
    choice("template_type", "Type", &["instance", "instance_set"]),
    f("default_cpu_cores", "Cores", CORES, true, true),
    f("default_memory_bytes", "Memory", FieldKind::Bytes, true, true),
    f("default_storage_bytes", "Storage", FieldKind::Bytes, true, true),
    hidden("default_gpu_count", "GPUs", COUNT),
    hidden("visibility", "Visibility", FieldKind::Choice(&["private", "public", "group_specific"])),
    listed("version", "Version", FieldKind::Text),
    choice("status", "Status", &["active", "deprecated", "archived"]),
    listed("versions", "Versions", FieldKind::Count),
    text("description", "Description"),
];
const SETS: &[Field] = &[
    name("Instance set"),
    TENANT,
    refers("owner_id", "Owner", Target::User, true, false),
    refers("user_group_id", "Group", Target::Kind(Kind::Groups), true, false),
    choice("set_type", "Type", &["project", "department", "application", "training", "custom"]),
    choice("status", "Status", &["active", "archived", "deleted"]),
    listed("members", "Members", FieldKind::Count),
    text("description", "Description"),
];
const STORAGE: &[Field] = &[
    name("Device"),
    refers("resource_pool_id", "Pool", Target::Kind(Kind::Pools), true, true),
    f("capacity_bytes", "Capacity", FieldKind::Bytes, true, true),
    listed("used", "Used", FieldKind::SumBytes),
    listed("volumes", "Disks", FieldKind::Count),
];
const VOLUMES: &[Field] = &[
    refers("virtual_machine_id", "VM", Target::Kind(Kind::Vms), true, true),
    refers("storage_device_id", "Device", Target::Kind(Kind::Storage), true, true),
    f("size_bytes", "Size", FieldKind::Bytes, true, true),
    listed("partitions", "Partitions", FieldKind::Count),
];
const PARTITIONS: &[Field] = &[
    refers("disk_id", "Disk", Target::Kind(Kind::Volumes), true, true),
    f("size_bytes", "Size", FieldKind::Bytes, true, true),
    listed("filesystem", "Filesystem", FieldKind::Text),
];
const DISKS: &[Field] = &[
    name("Data disk"),
    TENANT,
    refers("user_id", "Owner", Target::User, true, false),
    f("size_bytes", "Size", FieldKind::Bytes, true, true),
    choice("disk_type", "Type", &["standard", "ssd", "nvme"]),
    choice("status", "Status", &["available", "attached", "creating", "deleting", "error"]),
    choice("share_mode", "Sharing", &["exclusive", "shared"]),
    hidden("max_attachments", "Max attach", FieldKind::Int { min: 1, max: 64 }),
    listed("attachments", "Attached", FieldKind::Count),
    hidden("rbd_image_name", "RBD image", FieldKind::Text),
];
const NETWORKS: &[Field] = &[
    name("VPC"),
    TENANT,
    f("cidr_block", "CIDR", FieldKind::Cidr, true, true),
    listed("vlan_id", "VLAN", FieldKind::Vlan),
    refers("site_id", "Site", Target::Kind(Kind::Sites), true, false),
    refers("user_id", "Owner", Target::User, false, false),
    choice("status", "Status", &["active", "disabled", "deleted"]),
    listed("subnets", "Subnets", FieldKind::Count),
    text("description", "Description"),
];
const SUBNETS: &[Field] = &[
    name("Subnet"),
    refers("vpc_id", "VPC", Target::Kind(Kind::Networks), true, true),
    f("cidr_block", "CIDR", FieldKind::Cidr, true, true),
    listed("gateway", "Gateway", FieldKind::Ip),
    listed("vlan_id", "VLAN", FieldKind::Vlan),
    hidden("availability_zone", "Zone", FieldKind::Text),
    hidden("is_public", "Public", FieldKind::Bool),
    choice("status", "Status", &["active", "disabled"]),
    listed("allocated", "Allocated", FieldKind::Count),
];
const ADDRESSES: &[Field] = &[
    f("address", "Address", FieldKind::Ip, true, true),
    refers("subnet_id", "Subnet", Target::Kind(Kind::Subnets), true, false),
    choice("status", "Status", &["available", "allocated", "reserved", "frozen"]),
    refers("instance_id", "Instance", Target::Kind(Kind::Instances), true, false),
    refers("virtual_machine_id", "VM", Target::Kind(Kind::Vms), true, false),
    hidden("mac_address", "MAC", FieldKind::Text),
    hidden("range_size", "Range", FieldKind::Int { min: 1, max: 65_536 }),
];
const PLACES: &[Field] = &[
    name("Place"),
    TENANT,
    refers("subnet_id", "Subnet", Target::Kind(Kind::Subnets), true, false),
    listed("location", "Location", FieldKind::Text),
    choice("status", "Status", &["active", "inactive", "disabled"]),
    text("description", "Description"),
];
const TENANTS: &[Field] = &[
    name("Tenant"),
    choice("status", "Status", &["active", "inactive", "suspended"]),
    refers("admin_user_id", "Admin", Target::User, true, false),
    listed("vlan_id", "VLAN", FieldKind::Vlan),
    listed("used_instances", "Inst", FieldKind::Count),
    listed("quota_instances", "Max", FieldKind::Int { min: 0, max: 1_000_000 }),
    listed("used_cpu_cores", "Cores", FieldKind::Count),
    listed("quota_cpu_cores", "Max", CORES),
    listed("used_memory", "Memory", FieldKind::SumBytes),
    listed("quota_memory_bytes", "Max", FieldKind::Bytes),
    listed("used_storage", "Storage", FieldKind::SumBytes),
    listed("quota_storage_bytes", "Max", FieldKind::Bytes),
    text("description", "Description"),
];
const GROUPS: &[Field] = &[
    name("Group"),
    TENANT,
    refers("parent_group_id", "Parent", Target::Kind(Kind::Groups), true, false),
    listed("members", "Members", FieldKind::Count),
    text("description", "Description"),
];

impl Kind {
    pub fn fields(self) -> &'static [Field] {
        match self {
            Kind::Providers => PROVIDERS,
            Kind::Sites => SITES,
            Kind::Pools => POOLS,
            Kind::Machines => MACHINES,
            Kind::Boxes => BOXES,
            Kind::Instances => INSTANCES,
            Kind::Vms => VMS,
            Kind::Systems => SYSTEMS,
            Kind::Images => IMAGES,
            Kind::Templates => TEMPLATES,
            Kind::Sets => SETS,
            Kind::Storage => STORAGE,
            Kind::Volumes => VOLUMES,
            Kind::Partitions => PARTITIONS,
            Kind::Disks => DISKS,
            Kind::Networks => NETWORKS,
            Kind::Subnets => SUBNETS,
            Kind::Addresses => ADDRESSES,
            Kind::Places => PLACES,
            Kind::Tenants => TENANTS,
            Kind::Groups => GROUPS,
        }
    }

    pub fn field(self, name: &str) -> Option<&'static Field> {
        self.fields().iter().find(|f| f.name == name)
    }

    /// The permission that guards this kind (seed 001's resources).
    pub fn resource(self) -> Resource {
        use Kind::*;
        match self {
            Providers | Sites => Resource::EdgeDc,
            Pools | Machines | Boxes => Resource::Server,
            Instances | Vms | Systems => Resource::Instance,
            Images => Resource::Image,
            Templates => Resource::Template,
            Sets => Resource::InstanceSet,
            Storage | Volumes | Partitions | Disks => Resource::Storage,
            Networks | Subnets | Addresses => Resource::Network,
            Places => Resource::Place,
            Tenants => Resource::Tenant,
            Groups => Resource::UserGroup,
        }
    }

    /// One record of this kind in words, for messages and audit entries.
    pub fn singular(self) -> &'static str {
        use Kind::*;
        match self {
            Providers => "provider",
            Sites => "site",
            Pools => "pool",
            Machines => "machine",
            Boxes => "cloud box",
            Instances => "instance",
            Vms => "VM",
            Systems => "system",
            Images => "image",
            Templates => "template",
            Sets => "instance set",
            Storage => "storage device",
            Volumes => "disk",
            Partitions => "partition",
            Disks => "data disk",
            Networks => "VPC",
            Subnets => "subnet",
            Addresses => "address",
            Places => "place",
            Tenants => "tenant",
            Groups => "group",
        }
    }

    /// Accept the CLI's words and a few synonyms (singular, seed names).
    pub fn from_word(word: &str) -> Option<Kind> {
        let w = word.trim().to_ascii_lowercase();
        Kind::parse(&w).or(match w.as_str() {
            "site" | "datacenters" | "dcs" => Some(Kind::Sites),
            "pool" => Some(Kind::Pools),
            "machine" | "servers" => Some(Kind::Machines),
            "box" | "cloudboxes" => Some(Kind::Boxes),
            "instance" => Some(Kind::Instances),
            "vm" => Some(Kind::Vms),
            "system" => Some(Kind::Systems),
            "image" => Some(Kind::Images),
            "template" => Some(Kind::Templates),
            "set" | "instance-sets" => Some(Kind::Sets),
            "devices" => Some(Kind::Storage),
            "volume" => Some(Kind::Volumes),
            "partition" => Some(Kind::Partitions),
            "disk" | "datadisks" => Some(Kind::Disks),
            "network" | "vpcs" | "vpc" => Some(Kind::Networks),
            "subnet" => Some(Kind::Subnets),
            "address" | "ips" | "ip" => Some(Kind::Addresses),
            "place" => Some(Kind::Places),
            "tenant" => Some(Kind::Tenants),
            "group" => Some(Kind::Groups),
            "provider" => Some(Kind::Providers),
            _ => None,
        })
    }

    /// The field that names a record in lists and references (`None`: the id does).
    pub fn label_field(self) -> Option<&'static str> {
        match self {
            Kind::Machines => Some("hostname"),
            Kind::Addresses => Some("address"),
            Kind::Volumes | Kind::Partitions => None,
            _ => Some("name"),
        }
    }

    /// Kinds deleted by marking them (their history stays): the status they take.
    pub fn soft_delete(self) -> Option<&'static str> {
        match self {
            Kind::Instances | Kind::Vms | Kind::Networks | Kind::Sets => Some("deleted"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_word_fields_and_a_unique_column_per_field() {
        for &k in Kind::ALL {
            assert_eq!(Kind::from_word(k.as_str()), Some(k));
            let names: std::collections::BTreeSet<_> = k.fields().iter().map(|f| f.name).collect();
            assert_eq!(names.len(), k.fields().len(), "{k}");
            assert!(k.fields().iter().any(|f| f.listed), "{k}");
            if let Some(label) = k.label_field() {
                assert!(k.field(label).is_some(), "{k}");
            }
        }
        assert_eq!(Kind::from_word("VPC"), Some(Kind::Networks));
    }
}
