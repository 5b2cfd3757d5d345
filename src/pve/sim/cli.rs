//! `labdeck sim`: run the simulator in the foreground until Ctrl-C, with faults switched on
//! from the command line and at run time through its control endpoint.

use super::control::PATH;
use super::{Fault, SimOptions, Simulator};
use crate::pve::PveError;
use std::net::SocketAddr;

pub async fn run(
    nodes: usize,
    guests: usize,
    bind: SocketAddr,
    task_secs: f64,
    faults: &[Fault],
) -> anyhow::Result<()> {
    let opts = SimOptions { nodes, guests, bind, task_secs, ..SimOptions::default() };
    opts.validate().map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = std::time::Instant::now();
    let (handle, server) = Simulator::bind(opts).await?;
    println!("Proxmox VE simulator ({nodes} nodes, {guests} guests, ready in {:?})", started.elapsed());
    println!("  url:          {}", handle.url);
    println!("  fingerprint:  {}", handle.fingerprint);
    println!("  token id:     {}", handle.token_id);
    println!("  token secret: {}", handle.token_secret);
    println!("  user:         {}  password: {}", handle.username, handle.password);
    let auth = format!("Authorization: PVEAPIToken={}={}", handle.token_id, handle.token_secret);
    println!("  try: curl -k -H '{auth}' {}/api2/json/cluster/resources", handle.url);
    for f in faults {
        println!("  fault: {}", handle.faults().apply(f)?);
    }
    println!("  faults at run time: curl -k -H '{auth}' -d fault=NAME {}{PATH}  (fault=clear ends them)", handle.url);
    println!("Ctrl-C to stop.");
    tokio::select! {
        () = server => Ok(()),
        signal = tokio::signal::ctrl_c() => {
            handle.shutdown();
            Ok(signal.map_err(|e| PveError::Connect(format!("waiting for Ctrl-C: {e}")))?)
        }
    }
}
