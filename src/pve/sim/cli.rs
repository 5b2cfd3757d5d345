//! `labdeck sim`: run the simulator in the foreground until Ctrl-C.

use super::{SimOptions, Simulator};
use crate::pve::PveError;
use std::net::SocketAddr;

pub async fn run(nodes: usize, guests: usize, bind: SocketAddr, task_secs: f64) -> Result<(), PveError> {
    let opts = SimOptions { nodes, guests, bind, task_secs, ..SimOptions::default() };
    let started = std::time::Instant::now();
    let (handle, server) = Simulator::bind(opts).await?;
    println!("Proxmox VE simulator ({nodes} nodes, {guests} guests, ready in {:?})", started.elapsed());
    println!("  url:          {}", handle.url);
    println!("  fingerprint:  {}", handle.fingerprint);
    println!("  token id:     {}", handle.token_id);
    println!("  token secret: {}", handle.token_secret);
    println!("  user:         {}  password: {}", handle.username, handle.password);
    println!(
        "  try: curl -k -H 'Authorization: PVEAPIToken={}={}' {}/api2/json/cluster/resources",
        handle.token_id, handle.token_secret, handle.url
    );
    println!("Ctrl-C to stop.");
    tokio::select! {
        () = server => Ok(()),
        signal = tokio::signal::ctrl_c() => {
            handle.shutdown();
            signal.map_err(|e| PveError::Connect(format!("waiting for Ctrl-C: {e}")))
        }
    }
}
