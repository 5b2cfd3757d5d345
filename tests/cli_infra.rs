//! `labdeck infra …` as a script uses it: create a tenant, a VPC and a subnet, allocate an
//! address (printed), attach a disk, list as JSON; refusals in one line; a tenant admin
//! (`--as`) sees their tenant only; every write audited as the CLI's OS user.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn run(home: &Path, args: &[&str]) -> Output {
    let db = format!("sqlite://{}/t.db", home.display());
    Command::new(env!("CARGO_BIN_EXE_labdeck"))
        .args(["--database-url", &db])
        .args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("LABDECK_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn ok(home: &Path, args: &[&str]) -> String {
    let o = run(home, args);
    assert!(o.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(home: &Path, args: &[&str]) -> String {
    let o = run(home, args);
    assert!(!o.status.success(), "{args:?} should fail; stdout: {}", String::from_utf8_lossy(&o.stdout));
    let e = String::from_utf8_lossy(&o.stderr).trim().to_string();
    assert_eq!(e.lines().count(), 1, "one clear message, got:\n{e}");
    e
}

#[test]
fn a_script_builds_a_network_allocates_and_attaches() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    ok(h, &["user", "add", "root", "--role", "admin"]);
    ok(h, &["user", "add", "alice", "--role", "admin"]);
    ok(
        h,
        &["infra", "tenants", "create", "--set", "name=Alpha", "--set", "vlan_id=100", "--set", "admin_user_id=alice"],
    );
    ok(h, &["infra", "tenants", "create", "--set", "name=Beta", "--set", "quota_storage_bytes=50G"]);
    ok(
        h,
        &[
            "infra",
            "networks",
            "create",
            "--set",
            "name=beta-net",
            "--set",
            "tenant_id=Beta",
            "--set",
            "cidr_block=10.2.0.0/16",
            "--set",
            "user_id=root",
        ],
    );
    let e = err(
        h,
        &[
            "infra",
            "subnets",
            "create",
            "--set",
            "name=s",
            "--set",
            "vpc_id=beta-net",
            "--set",
            "cidr_block=10.2.1.0/24",
            "--set",
            "gateway=10.3.0.1",
        ],
    );
    assert!(e.contains("gateway 10.3.0.1") && e.contains("outside 10.2.1.0/24"), "{e}");
    ok(
        h,
        &[
            "infra",
            "subnets",
            "create",
            "--set",
            "name=servers",
            "--set",
            "vpc_id=beta-net",
            "--set",
            "cidr_block=10.2.1.0/24",
            "--set",
            "gateway=10.2.1.1",
        ],
    );
    assert_eq!(ok(h, &["infra", "addresses", "allocate", "servers"]).trim(), "10.2.1.2");
    assert_eq!(ok(h, &["infra", "addresses", "allocate", "servers"]).trim(), "10.2.1.3");
    let e = err(h, &["infra", "addresses", "allocate", "servers", "--address", "10.2.1.255"]);
    assert!(e.contains("broadcast"), "{e}");

    ok(
        h,
        &[
            "infra",
            "instances",
            "create",
            "--set",
            "name=db-1",
            "--set",
            "tenant_id=Beta",
            "--set",
            "user_id=root",
            "--set",
            "storage_bytes=40G",
        ],
    );
    // Beta's data disk, of a size.
    let disk = |size: &'static str| {
        [
            "infra",
            "disks",
            "create",
            "--set",
            "name=data",
            "--set",
            "tenant_id=Beta",
            "--set",
            "user_id=root",
            "--set",
            size,
        ]
    };
    let e = err(h, &disk("size_bytes=20G"));
    assert!(e.contains("storage 40.0G used + 20.0G asked > 50.0G allowed"), "{e}");
    ok(h, &disk("size_bytes=10G"));
    ok(h, &["infra", "disks", "attach", "data", "db-1", "--at", "/srv/data"]);
    ok(h, &["infra", "instances", "create", "--set", "name=db-2", "--set", "tenant_id=Beta", "--set", "user_id=root"]);
    let e = err(h, &["infra", "disks", "attach", "data", "db-2"]);
    assert!(e.contains("exclusive and already attached to db-1"), "{e}");

    let json: serde_json::Value =
        serde_json::from_str(&ok(h, &["infra", "instances", "show", "db-1", "--json"])).unwrap();
    assert_eq!(json["data_disks"][0], "data at /srv/data (rw)");
    let list: serde_json::Value = serde_json::from_str(&ok(h, &["infra", "subnets", "list", "--json"])).unwrap();
    assert_eq!(list[0]["cidr_block"], "10.2.1.0/24");
    assert_eq!(list[0]["allocated"], 2);
    let table = ok(h, &["infra", "subnets", "list"]);
    assert!(table.lines().next().unwrap().starts_with("Subnet"), "{table}");

    // Alice administers Alpha: Beta's records are not hers to see or change.
    assert_eq!(ok(h, &["infra", "--as", "alice", "subnets", "list"]).lines().count(), 1, "header only");
    let e = err(h, &["infra", "--as", "alice", "addresses", "allocate", "servers"]);
    assert!(e.contains("not found"), "{e}");
    let e = err(h, &["infra", "--as", "alice", "instances", "delete", "db-1"]);
    assert!(e.contains("not found"), "{e}");
    let e = err(h, &["infra", "widgets", "list"]);
    assert!(e.contains("no kind 'widgets'"), "{e}");

    let db = format!("sqlite://{}/t.db", h.display());
    let rows: Vec<(String, String, String)> = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let store = labdeck::store::Store::connect(&labdeck::store::ConnectOptions::new(db)).await.unwrap();
        labdeck::on_pool!(&store, p => sqlx::query_as(
            "SELECT action, entity_type, source FROM audit_log WHERE entity_type IN ('subnets', 'ip_addresses', 'private_data_disks') AND outcome = 'success' ORDER BY at")
            .fetch_all(p).await.unwrap())
    });
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["create", "allocate", "allocate", "create", "attach"], "{rows:?}");
    let me = format!("cli:{}", labdeck::paths::os_user());
    assert!(rows.iter().all(|r| r.2 == me), "{rows:?}");
}
