//! Certificates like a Proxmox cluster's: a cluster CA (pve-root-ca) signs the node
//! certificate (pve-ssl) for 127.0.0.1 and localhost. Rotation issues a new node certificate
//! from the same CA, so CA-trusting clients carry on and fingerprint-pinning ones must not.

use crate::pve::PveError;
use crate::pve::tls::certificate_fingerprint;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

pub(crate) struct Authority {
    issuer: Issuer<'static, KeyPair>,
    der: CertificateDer<'static>,
    pub pem: String,
}

pub(crate) struct Leaf {
    pub config: Arc<ServerConfig>,
    pub fingerprint: String,
}

fn err(what: &str, e: impl std::fmt::Display) -> PveError {
    PveError::Tls(format!("simulator {what}: {e}"))
}

pub(crate) fn authority() -> Result<Authority, PveError> {
    let key = KeyPair::generate().map_err(|e| err("CA key", e))?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "Proxmox Virtual Environment");
    dn.push(DnType::OrganizationalUnitName, "labdeck simulator");
    dn.push(DnType::OrganizationName, "PVE Cluster Manager CA");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    let cert = params.self_signed(&key).map_err(|e| err("CA certificate", e))?;
    Ok(Authority { der: cert.der().clone(), pem: cert.pem(), issuer: Issuer::new(params, key) })
}

/// A fresh node certificate and the TLS server config that presents it.
pub(crate) fn leaf(ca: &Authority, serial: u64) -> Result<Leaf, PveError> {
    let key = KeyPair::generate().map_err(|e| err("node key", e))?;
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .map_err(|e| err("node certificate", e))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "pve1.labdeck.invalid");
    dn.push(DnType::OrganizationName, "PVE Cluster Node");
    params.distinguished_name = dn;
    params.serial_number = Some(SerialNumber::from_slice(&serial.to_be_bytes()));
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params.signed_by(&key, &ca.issuer).map_err(|e| err("node certificate", e))?;
    let fingerprint = certificate_fingerprint(cert.der());
    let chain = vec![cert.der().clone(), ca.der.clone()];
    let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(crate::pve::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| err("TLS", e))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        .map_err(|e| err("TLS", e))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Leaf { config: Arc::new(config), fingerprint })
}
