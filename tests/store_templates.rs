//! Seed 000's VM templates on both backends (issue 18): the demo's templates listed with
//! their replicas per node under each, what a class template was derived from and the class
//! owning it; students, who deploy nothing, do not read them; a class picks its template by id.

mod common;

use common::services;
use labdeck::domain::Role;
use labdeck::engine::classes::{self, ClassForm, Op};
use labdeck::store::{Store, StoreError};

both!(templates_list_with_their_replicas_and_origin, |store: Store| async move {
    let svc = services(&store);
    labdeck::demo::seed(&svc).await.unwrap();
    let actor = |name: &str| {
        let store = store.clone();
        let name = name.to_string();
        async move { store.load_actor(store.user_id_by_name(&name).await.unwrap()).await.unwrap() }
    };
    let tess = actor("tess").await;
    let rows = store.list_templates(&tess).await.unwrap();
    let shown: Vec<(String, i64, String, bool)> =
        rows.iter().map(|r| (r.name.clone(), r.vmid, r.node.clone(), r.is_replica)).collect();
    assert_eq!(
        shown,
        [
            ("debian-12-netlab".to_string(), 9001, "pve1".to_string(), false),
            ("debian-12-netlab".into(), 9101, "pve2".into(), true),
            ("lb101-golden".into(), 9010, "pve1".into(), false),
            ("ubuntu-2404-base".into(), 9000, "pve1".into(), false),
            ("ubuntu-2404-base".into(), 9100, "pve2".into(), true),
        ],
        "each original followed by its replicas"
    );
    let golden = rows.iter().find(|r| r.name == "lb101-golden").unwrap();
    assert_eq!(golden.derived_from.as_deref(), Some("ubuntu-2404-base (9000)"));
    assert_eq!(golden.class_name.as_deref(), Some("Linux Basics 101"));
    let ubuntu = rows.iter().find(|r| r.vmid == 9000).unwrap();
    assert_eq!((ubuntu.used_by, ubuntu.cluster.as_str()), (1, "demo"));
    assert_eq!(rows.iter().find(|r| r.vmid == 9100).unwrap().original_id, Some(ubuntu.id));

    let sam = actor("sam").await;
    assert!(matches!(store.list_templates(&sam).await, Err(StoreError::Denied(_))));
    assert_eq!(sam.role, Role::Student);

    // The class form's picker sends the template's id: the class deploys from that one.
    let form = ClassForm {
        name: "Golden Lab".into(),
        template: golden.id.to_string(),
        node: "pve1".into(),
        pool_size: "2".into(),
        cpu_cores: "2".into(),
        memory_mb: "2048".into(),
        disk_gb: "32".into(),
        time_zone: "UTC".into(),
        auto_shutdown: "off".into(),
        ..ClassForm::default()
    };
    classes::execute(&svc, &tess, Op::Create { form: Box::new(form.clone()) }).await.unwrap();
    let made = store.list_classes(&tess).await.unwrap().into_iter().find(|c| c.name == "Golden Lab").unwrap();
    assert_eq!((made.template_id, made.template_vmid), (Some(golden.id), Some(9010)));
    let gone = ClassForm { name: "Nope".into(), template: uuid::Uuid::now_v7().to_string(), ..form };
    assert!(classes::execute(&svc, &tess, Op::Create { form: Box::new(gone) }).await.is_err());
});
