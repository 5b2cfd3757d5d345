//! Adding and looking after clusters: like ssh, the first contact shows the certificate's
//! fingerprint and asks to trust it; a changed certificate later is a hard error.

use super::admin::authorize;
use super::guests::client_for;
use super::{AppError, Services};
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::sanitize;
use crate::pve::fetch_fingerprint;
use crate::store::pve::{ClusterAccess, ClusterInput};
use std::time::Duration;
use uuid::Uuid;

/// What a person typed in the cluster form, checked.
pub fn validate(mut input: ClusterInput) -> Result<ClusterInput, AppError> {
    input.name = sanitize::line(&input.name);
    input.host = input.host.trim().to_string();
    input.key = if input.key.trim().is_empty() {
        input.name.to_lowercase().replace(' ', "-")
    } else {
        input.key.trim().to_lowercase()
    };
    if input.name.is_empty() || input.name.chars().count() > 40 {
        return Err(AppError::Invalid("Name: 1–40 characters.".into()));
    }
    if !input.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::Invalid("Key: letters, digits, '-' and '_'.".into()));
    }
    if input.host.is_empty() || input.host.contains(['/', ' ', '@']) {
        return Err(AppError::Invalid("Host: a name or address, without https:// or a path.".into()));
    }
    if input.port == 0 {
        return Err(AppError::Invalid("Port: 1–65535 (Proxmox uses 8006).".into()));
    }
    let token = input.token_id.trim();
    if !(token.contains('@') && token.contains('!')) {
        return Err(AppError::Invalid(
            "Token ID looks like user@realm!tokenname (Datacenter › Permissions › API Tokens).".into(),
        ));
    }
    input.token_id = token.to_string();
    if !(1..=3600).contains(&input.poll_interval_secs) {
        return Err(AppError::Invalid("Poll every 1–3600 seconds.".into()));
    }
    Ok(input)
}

/// First contact: the certificate's fingerprint, for a person to compare and trust.
pub async fn probe(svc: &Services, actor: &Actor, host: &str, port: u16) -> Result<String, AppError> {
    authorize(svc, actor, Resource::Cluster, Action::Create, "probe_cluster").await?;
    fetch_fingerprint(&format!("https://{}:{port}", host.trim()), Duration::from_secs(5))
        .await
        .map_err(|e| AppError::Invalid(format!("{host}:{port}: {e}")))
}

/// Save a cluster after proving the token works against the pinned certificate.
pub async fn save(svc: &Services, actor: &Actor, id: Option<Uuid>, input: ClusterInput) -> Result<String, AppError> {
    authorize(
        svc,
        actor,
        Resource::Cluster,
        if id.is_some() { Action::Update } else { Action::Create },
        "save_cluster",
    )
    .await?;
    let input = validate(input)?;
    let secret = match (&input.token_secret, id) {
        (Some(s), _) if !s.trim().is_empty() => Some(s.trim().to_string()),
        (_, Some(id)) => svc.store.cluster_access(id).await?.token_secret,
        _ => None,
    };
    let Some(secret) = secret else {
        return Err(AppError::Invalid("Token secret: paste the secret Proxmox showed when the token was made.".into()));
    };
    let access = ClusterAccess {
        cluster: crate::store::pve::Cluster {
            id: id.unwrap_or_else(Uuid::nil),
            key: input.key.clone(),
            name: input.name.clone(),
            host: input.host.clone(),
            port: input.port,
            is_default: false,
            is_active: true,
            token_id: Some(input.token_id.clone()),
            fingerprint: Some(input.fingerprint.clone()),
            has_ca: false,
            poll_interval_secs: input.poll_interval_secs,
        },
        token_secret: Some(secret.clone()),
        ca_pem: None,
    };
    let version = client_for(&access)?.version().await.map_err(|e| first_contact_error(&input, e))?;
    let entry = Entry::by(actor, &svc.source, if id.is_some() { "edit_cluster" } else { "add_cluster" }, "cluster");
    let name = input.name.clone();
    svc.store.save_cluster(id, &ClusterInput { token_secret: Some(secret), ..input }, entry).await?;
    Ok(format!("Saved {name}: Proxmox VE {}.", version.version))
}

/// On first contact (or an edit) a certificate that does not match is the fingerprint the
/// person typed, not a certificate that changed.
fn first_contact_error(input: &ClusterInput, e: crate::pve::PveError) -> AppError {
    match e {
        crate::pve::PveError::CertificateChanged { expected, found } => AppError::Invalid(format!(
            "{}: {}:{} presents SHA-256 {found}, not the fingerprint you gave ({expected}); compare it with the node's \
             certificate (pvenode cert info) and give that one",
            input.name, input.host, input.port
        )),
        e => AppError::Invalid(format!("{}: {e}", input.name)),
    }
}

pub async fn test(svc: &Services, actor: &Actor, id: Uuid) -> Result<String, AppError> {
    authorize(svc, actor, Resource::Cluster, Action::Read, "test_cluster").await?;
    let access = svc.store.cluster_access(id).await?;
    let client = client_for(&access)?;
    let started = std::time::Instant::now();
    let version = client.version().await.map_err(|e| AppError::Invalid(format!("{}: {e}", access.cluster.name)))?;
    let nodes = client.nodes().await.map(|n| n.len()).unwrap_or(0);
    Ok(format!(
        "{} answers: Proxmox VE {}, {nodes} node(s), {} ms.",
        access.cluster.name,
        version.version,
        started.elapsed().as_millis()
    ))
}

pub async fn remove(svc: &Services, actor: &Actor, id: Uuid) -> Result<String, AppError> {
    authorize(svc, actor, Resource::Cluster, Action::Delete, "remove_cluster").await?;
    let name = svc.store.cluster_access(id).await?.cluster.name;
    svc.store.delete_cluster(id, Entry::by(actor, &svc.source, "remove_cluster", "cluster")).await?;
    Ok(format!("Removed {name} (Proxmox itself is untouched)."))
}
