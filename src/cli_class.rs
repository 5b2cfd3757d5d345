//! `labdeck join CODE`: a student joins a class with the code their teacher sent, from a
//! shell. They sign in (throttled and audited like the console), then join.

use crate::engine::Services;
use crate::engine::accounts;
use crate::engine::classes::manage;

pub async fn join(svc: &Services, code: &str, username: &str, password: String) -> anyhow::Result<()> {
    let session = accounts::sign_in(svc, username, password).await?;
    let message = manage::join(svc, &session.actor, code).await?;
    println!("{message}");
    for vm in svc.store.my_class_vms(&session.actor).await? {
        println!("  {:<24} {:<10} {:>6}  {}", vm.class_name, vm.vm_name, vm.vmid, vm.connect_hint());
    }
    Ok(())
}
