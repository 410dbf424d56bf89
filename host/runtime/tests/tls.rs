//! The install decides whom to trust over TLS: by default only public CAs;
//! optionally a custom CA, or any certificate (self-signed appliances).

mod support;

use std::net::SocketAddr;
use std::sync::Arc;

use gatehouse_runtime::InstallGrant;
use rcgen::{BasicConstraints, CertificateParams, CertifiedKey, IsCa, KeyPair};
use rustls::pki_types::PrivateKeyDer;
use serde_json::json;
use support::{attack, detail, grant, TestHost};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate for 127.0.0.1 and localhost, and the PEM of whoever signed it.
struct ServerIdentity {
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    issuer_pem: String,
}

fn server_names() -> Vec<String> {
    vec!["127.0.0.1".into(), "localhost".into()]
}

fn self_signed() -> ServerIdentity {
    let CertifiedKey { cert, signing_key } = rcgen::generate_simple_self_signed(server_names()).unwrap();
    ServerIdentity {
        chain: vec![cert.der().clone()],
        key: PrivateKeyDer::Pkcs8(signing_key.serialize_der().into()),
        issuer_pem: cert.pem(),
    }
}

fn signed_by_own_ca() -> ServerIdentity {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(server_names()).unwrap().signed_by(&server_key, &issuer).unwrap();
    ServerIdentity {
        chain: vec![server.der().clone()],
        key: PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
        issuer_pem: ca.pem(),
    }
}

/// An HTTPS server answering every request with 200 "ok".
async fn https_server(identity: &ServerIdentity) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(identity.chain.clone(), identity.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut request = [0u8; 4096];
                let _ = tls.read(&mut request).await;
                let response = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    address
}

async fn hostile_granted(server: SocketAddr) -> (TestHost, InstallGrant, String) {
    let host = TestHost::new().await;
    let plugin_id = host.load_active("hostile").await;
    let mut grant = grant("install-a", &plugin_id);
    grant.http.base_urls = vec![format!("https://{server}/").parse().unwrap()];
    grant.http.allow_loopback = true;
    (host, grant, format!("https://{server}/status"))
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error() {
    let (host, grant, url) = hostile_granted(https_server(&self_signed()).await).await;
    let outcome = attack(&host, &grant, json!({"attack": "http", "url": url})).await.unwrap();
    let error = detail(&outcome)["error"].as_str().unwrap().to_owned();
    assert!(error.starts_with("tls:"), "{error}");
}

#[tokio::test]
async fn an_install_that_accepts_self_signed_certificates_reaches_the_appliance() {
    let (host, mut grant, url) = hostile_granted(https_server(&self_signed()).await).await;
    grant.http.tls.accept_self_signed = true;
    let outcome = attack(&host, &grant, json!({"attack": "http", "url": url})).await.unwrap();
    assert_eq!(detail(&outcome), json!({"ok": 200}));
}

#[tokio::test]
async fn an_install_with_a_custom_ca_trusts_what_it_signed() {
    let identity = signed_by_own_ca();
    let (host, mut grant, url) = hostile_granted(https_server(&identity).await).await;
    grant.http.tls.custom_ca_pem = Some(identity.issuer_pem.clone());
    let outcome = attack(&host, &grant, json!({"attack": "http", "url": url})).await.unwrap();
    assert_eq!(detail(&outcome), json!({"ok": 200}));
}
