//! TLS the way TDS 7.x does it: the handshake records travel inside PRELOGIN (0x12) packets,
//! and only after the handshake do TLS records flow raw over TCP.
//!
//! [`PreloginFramed`] sits between rustls and the socket and adds/removes the packet headers
//! while the handshake runs; [`PreloginFramed::finish_handshake`] switches it to pass-through.
//! The server certificate is self-signed and generated at start, like the one SQL Server makes
//! for itself when none is configured.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

use super::packet::{encode_message, PacketType, DEFAULT_PACKET_SIZE, HEADER_LEN};

/// The server's certificate and a ready acceptor.
#[derive(Clone)]
pub struct TlsIdentity {
    pub cert_pem: String,
    pub acceptor: TlsAcceptor,
}

#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("generating the self-signed certificate failed: {0}")]
    Certificate(#[from] rcgen::Error),
    #[error("configuring TLS failed: {0}")]
    Config(#[from] rustls::Error),
}

impl TlsIdentity {
    /// A fresh self-signed certificate for `localhost`, `127.0.0.1` and `extra_names`.
    pub fn self_signed(extra_names: &[String]) -> Result<Self, TlsSetupError> {
        let mut names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        names.extend(extra_names.iter().cloned());
        let certified = rcgen::generate_simple_self_signed(names)?;
        let cert_der: CertificateDer<'static> = certified.cert.der().clone();
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        // ASSUMPTION: SQL Server negotiates TLS 1.2 inside TDS 7.x PRELOGIN framing (TLS 1.3
        // arrives with TDS 8's strict mode, which this simulator does not speak).
        let config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(vec![cert_der], key_der)?;
        Ok(TlsIdentity { cert_pem: certified.cert.pem(), acceptor: TlsAcceptor::from(Arc::new(config)) })
    }
}

/// Frames TLS handshake bytes in PRELOGIN packets, then passes bytes through untouched.
pub struct PreloginFramed<S> {
    inner: S,
    handshaking: bool,
    header: [u8; HEADER_LEN],
    header_filled: usize,
    /// Payload bytes left in the client packet being read.
    body_left: usize,
    /// Handshake bytes rustls wrote since the last flush.
    unframed: Vec<u8>,
    /// Packets ready to go out, and how much of them went.
    framed: Vec<u8>,
    framed_sent: usize,
}

impl<S> PreloginFramed<S> {
    pub fn new(inner: S) -> Self {
        PreloginFramed {
            inner,
            handshaking: true,
            header: [0; HEADER_LEN],
            header_filled: 0,
            body_left: 0,
            unframed: Vec::new(),
            framed: Vec::new(),
            framed_sent: 0,
        }
    }

    /// From now on TLS records go straight over the socket.
    pub fn finish_handshake(&mut self) {
        self.handshaking = false;
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for PreloginFramed<S> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.handshaking {
            return Pin::new(&mut this.inner).poll_read(cx, buf);
        }
        loop {
            if this.body_left > 0 {
                let want = this.body_left.min(buf.remaining());
                let mut limited = ReadBuf::new(buf.initialize_unfilled_to(want));
                ready!(Pin::new(&mut this.inner).poll_read(cx, &mut limited))?;
                let n = limited.filled().len();
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
                buf.advance(n);
                this.body_left -= n;
                return Poll::Ready(Ok(()));
            }
            while this.header_filled < HEADER_LEN {
                let mut rest = ReadBuf::new(&mut this.header[this.header_filled..]);
                ready!(Pin::new(&mut this.inner).poll_read(cx, &mut rest))?;
                let n = rest.filled().len();
                if n == 0 {
                    return if this.header_filled == 0 {
                        Poll::Ready(Ok(()))
                    } else {
                        Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()))
                    };
                }
                this.header_filled += n;
            }
            this.header_filled = 0;
            if this.header[0] != PacketType::PreLogin.byte() {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("TLS handshake packet has type {:#04x}, expected PRELOGIN", this.header[0]),
                )));
            }
            let length = u16::from_be_bytes([this.header[2], this.header[3]]) as usize;
            if length < HEADER_LEN {
                return Poll::Ready(Err(io::Error::new(io::ErrorKind::InvalidData, "TLS handshake packet too short")));
            }
            this.body_left = length - HEADER_LEN;
        }
    }
}

impl<S: AsyncWrite + Unpin> PreloginFramed<S> {
    fn poll_send_framed(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.framed_sent < self.framed.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.framed[self.framed_sent..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.framed_sent += n;
        }
        self.framed.clear();
        self.framed_sent = 0;
        Poll::Ready(Ok(()))
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for PreloginFramed<S> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if !this.handshaking {
            ready!(this.poll_send_framed(cx))?;
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        this.unframed.extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.framed.is_empty() && !this.unframed.is_empty() {
            this.framed = encode_message(PacketType::PreLogin, &this.unframed, DEFAULT_PACKET_SIZE, 0);
            this.unframed.clear();
        }
        ready!(this.poll_send_framed(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_send_framed(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn handshake_bytes_are_framed_and_unframed_then_passed_through() {
        let (a, mut b) = tokio::io::duplex(64 * 1024);
        let mut framed = PreloginFramed::new(a);
        framed.write_all(b"server hello").await.unwrap();
        framed.flush().await.unwrap();
        let mut header = [0u8; 8];
        b.read_exact(&mut header).await.unwrap();
        assert_eq!((header[0], header[1], header[3] as usize), (0x12, 0x01, 8 + 12));
        let mut body = [0u8; 12];
        b.read_exact(&mut body).await.unwrap();
        assert_eq!(&body, b"server hello");

        b.write_all(&[0x12, 0x01, 0, 13, 0, 0, 1, 0, b'c', b'l', b'i', b'e', b'n']).await.unwrap();
        let mut got = [0u8; 5];
        framed.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"clien");

        framed.finish_handshake();
        framed.write_all(b"raw").await.unwrap();
        framed.flush().await.unwrap();
        let mut raw = [0u8; 3];
        b.read_exact(&mut raw).await.unwrap();
        assert_eq!(&raw, b"raw");
    }

    #[test]
    fn generates_a_pem_certificate() {
        let identity = TlsIdentity::self_signed(&[]).unwrap();
        assert!(identity.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
