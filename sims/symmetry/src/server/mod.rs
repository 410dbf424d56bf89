//! The TDS listener: accepts connections and runs each through its opening (`handshake`) and
//! then its request loop (`requests`).

mod handshake;
mod requests;

use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::state::SimState;
use crate::tds::packet::ReadError;
use crate::tds::ProtocolError;

/// A byte stream a connection runs over: plain TCP or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Why a connection ended early. None of these affect other connections.
#[derive(Debug, thiserror::Error)]
pub enum ConnectionError {
    #[error("the client closed the connection")]
    Closed,
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("TLS handshake failed: {0}")]
    Tls(std::io::Error),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

impl From<ReadError> for ConnectionError {
    fn from(e: ReadError) -> Self {
        match e {
            ReadError::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => ConnectionError::Closed,
            ReadError::Io(io) => ConnectionError::Io(io),
            ReadError::Protocol(p) => ConnectionError::Protocol(p),
        }
    }
}

/// Accepts connections until `shutdown` fires; then drops every open connection.
pub async fn serve(state: Arc<SimState>, listener: TcpListener, mut shutdown: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let _ = tcp.set_nodelay(true);
                    let state = state.clone();
                    connections.spawn(async move {
                        if let Err(error) = run_connection(state, tcp).await {
                            tracing::debug!(%peer, %error, "TDS connection ended");
                        }
                    });
                }
                Err(error) => tracing::warn!(%error, "accepting a TDS connection failed"),
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            _ = shutdown.changed() => break,
        }
    }
    connections.shutdown().await;
}

async fn run_connection(state: Arc<SimState>, tcp: tokio::net::TcpStream) -> Result<(), ConnectionError> {
    match handshake::establish(&state, tcp).await? {
        Some(established) => requests::run(state, established).await,
        None => Ok(()),
    }
}
