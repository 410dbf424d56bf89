//! HTTPS with a self-signed certificate generated at start, as a new role ships
//! (spec §1). The PEM is exposed so clients can trust it explicitly instead of
//! switching verification off.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS: {0}")]
pub struct TlsError(String);

pub struct SelfSigned {
    pub cert_pem: String,
    pub acceptor: TlsAcceptor,
}

/// A fresh certificate for `hostnames` (DNS names or IP addresses).
pub fn self_signed(hostnames: &[String]) -> Result<SelfSigned, TlsError> {
    let certified = rcgen::generate_simple_self_signed(hostnames.to_vec()).map_err(|e| TlsError(e.to_string()))?;
    let cert_der: CertificateDer<'static> = certified.cert.der().clone();
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert_der], key_der)
        .map_err(|e| TlsError(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(SelfSigned { cert_pem: certified.cert.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) })
}
