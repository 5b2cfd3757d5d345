//! TLS towards Proxmox: pinning the node certificate's SHA-256 fingerprint (what the web UI
//! shows) or trusting the cluster CA. There is deliberately no "accept any certificate".

use super::PveError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};
use sha2::{Digest, Sha256};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Parse a SHA-256 fingerprint: hex in any case, colons (or spaces) optional.
pub fn parse_fingerprint(s: &str) -> Result<[u8; 32], PveError> {
    let hex: String = s.chars().filter(|c| !matches!(c, ':' | ' ' | '-')).collect();
    let bad =
        || PveError::InvalidEndpoint(format!("'{s}' is not a SHA-256 fingerprint (64 hex digits, colons optional)"));
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// `AB:CD:…`, upper case, the way Proxmox shows fingerprints.
pub fn format_fingerprint(bytes: &[u8]) -> String {
    let parts: Vec<String> = bytes.iter().map(|b| format!("{b:02X}")).collect();
    parts.join(":")
}

/// The SHA-256 fingerprint of a DER certificate, formatted like Proxmox.
pub fn certificate_fingerprint(der: &[u8]) -> String {
    format_fingerprint(&Sha256::digest(der))
}

/// Carried inside the rustls error so the client can tell "certificate changed" apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FingerprintMismatch {
    pub expected: String,
    pub found: String,
}

impl std::fmt::Display for FingerprintMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "certificate fingerprint {} does not match the pinned {}", self.found, self.expected)
    }
}

impl std::error::Error for FingerprintMismatch {}

/// Accepts exactly one leaf certificate (by SHA-256) and still checks that the server proves
/// possession of its key (handshake signatures).
#[derive(Debug)]
pub(crate) struct PinnedVerifier {
    expected: [u8; 32],
    algorithms: WebPkiSupportedAlgorithms,
    last_mismatch: Mutex<Option<FingerprintMismatch>>,
}

impl PinnedVerifier {
    pub(crate) fn new(expected: [u8; 32], provider: &CryptoProvider) -> Self {
        PinnedVerifier {
            expected,
            algorithms: provider.signature_verification_algorithms,
            last_mismatch: Mutex::new(None),
        }
    }

    /// The last mismatch seen, for errors whose source chain lost the detail.
    pub(crate) fn last_mismatch(&self) -> Option<FingerprintMismatch> {
        self.last_mismatch.lock().ok().and_then(|m| m.clone())
    }
}

/// The handshake-signature half of a verifier, the same for both of ours: whatever the leaf
/// check decides, the server must still prove it holds the certificate's key.
macro_rules! handshake_signatures_checked {
    () => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.algorithms.supported_schemes()
        }
    };
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let found: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if found == self.expected {
            if let Ok(mut slot) = self.last_mismatch.lock() {
                *slot = None;
            }
            return Ok(ServerCertVerified::assertion());
        }
        let mismatch =
            FingerprintMismatch { expected: format_fingerprint(&self.expected), found: format_fingerprint(&found) };
        if let Ok(mut slot) = self.last_mismatch.lock() {
            *slot = Some(mismatch.clone());
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(mismatch)))))
    }

    handshake_signatures_checked!();
}

/// Records the leaf's fingerprint and then refuses the handshake, so no request is ever sent
/// to a server that is not trusted yet.
#[derive(Debug)]
struct CapturingVerifier {
    algorithms: WebPkiSupportedAlgorithms,
    captured: Mutex<Option<String>>,
}

#[derive(Debug)]
struct Captured;

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fingerprint captured; certificate not trusted yet")
    }
}

impl std::error::Error for Captured {}

impl ServerCertVerifier for CapturingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut slot) = self.captured.lock() {
            *slot = Some(certificate_fingerprint(end_entity.as_ref()));
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(OtherError(Arc::new(Captured)))))
    }

    handshake_signatures_checked!();
}

fn builder(
    provider: Arc<CryptoProvider>,
) -> Result<rustls::ConfigBuilder<rustls::ClientConfig, rustls::WantsVerifier>, PveError> {
    rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| PveError::Tls(e.to_string()))
}

fn finish(mut config: rustls::ClientConfig) -> rustls::ClientConfig {
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config
}

/// A client config pinning one leaf fingerprint.
pub(crate) fn pinned_config(fingerprint: &str) -> Result<(rustls::ClientConfig, Arc<PinnedVerifier>), PveError> {
    let expected = parse_fingerprint(fingerprint)?;
    let provider = provider();
    let verifier = Arc::new(PinnedVerifier::new(expected, &provider));
    let config =
        builder(provider)?.dangerous().with_custom_certificate_verifier(verifier.clone()).with_no_client_auth();
    Ok((finish(config), verifier))
}

/// A client config trusting the CA(s) in `pem` (e.g. the cluster's pve-root-ca.pem).
pub fn ca_config(pem: &str) -> Result<rustls::ClientConfig, PveError> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
        let cert = cert.map_err(|e| PveError::InvalidEndpoint(format!("CA certificate: {e}")))?;
        roots.add(cert).map_err(|e| PveError::InvalidEndpoint(format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(PveError::InvalidEndpoint("no certificate found in the CA PEM".into()));
    }
    let config = builder(provider())?.with_root_certificates(roots).with_no_client_auth();
    Ok(finish(config))
}

/// Trust on first use: the server's leaf certificate fingerprint as `AB:CD:…`, to show the
/// user for confirmation before pinning it. Nothing but the handshake is sent.
pub async fn fetch_fingerprint(base_url: &str, timeout: Duration) -> Result<String, PveError> {
    let url = super::client::normalize_base_url(base_url)?;
    let provider = provider();
    let verifier = Arc::new(CapturingVerifier {
        algorithms: provider.signature_verification_algorithms,
        captured: Mutex::new(None),
    });
    let config =
        builder(provider)?.dangerous().with_custom_certificate_verifier(verifier.clone()).with_no_client_auth();
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(finish(config))
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(|e| PveError::InvalidEndpoint(e.to_string()))?;
    let result = http.get(format!("{url}/")).send().await;
    if let Some(fp) = verifier.captured.lock().ok().and_then(|c| c.clone()) {
        return Ok(fp);
    }
    match result {
        Ok(_) => Err(PveError::Tls("the server presented no certificate".into())),
        Err(e) => Err(super::client::transport_error(&e, None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_in_any_spelling() {
        let colon = "80:D4:F2:DF:64:95:CD:8D:A0:82:82:AC:48:BA:C0:7A:1B:6B:87:8B:FE:B9:83:1C:95:4E:79:58:77:99:69:F5";
        let plain = colon.replace(':', "").to_lowercase();
        assert_eq!(parse_fingerprint(colon).unwrap(), parse_fingerprint(&plain).unwrap());
        assert_eq!(format_fingerprint(&parse_fingerprint(&plain).unwrap()), colon);
        assert!(parse_fingerprint("AB:CD").is_err());
        assert!(parse_fingerprint(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn ca_pem_must_hold_a_certificate() {
        assert!(matches!(ca_config("not a pem"), Err(PveError::InvalidEndpoint(_))));
    }
}
