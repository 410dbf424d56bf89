//! Listeners and connections: plain or TLS, HTTP/1.1, one task per connection.
//!
//! Connections are served by hand (hyper + a per-connection kill switch) rather than
//! by `axum::serve`, so a fault can close a socket without any response or in the
//! middle of one (every connection runs through the fault plan's `Cutting`), and
//! shutdown can end never-ending event streams.

use std::net::SocketAddr;

use axum::Router;
use gatehouse_sim_faults::{CutOff, Cutting};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// Which listener a request came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerRole {
    Main,
    /// The role's "Streaming port".
    Stream,
}

/// Per-connection facts handed to handlers through request extensions.
#[derive(Debug, Clone)]
pub struct ConnectionContext {
    pub role: ListenerRole,
    /// Cancelling it closes this connection's socket at once.
    pub kill: CancellationToken,
    /// How many bytes of the current response may still be written; unlimited unless
    /// the fault plan says otherwise for this request.
    pub cut: CutOff,
}

/// Accepts connections until `shutdown`, serving each on its own task.
pub async fn serve(
    listener: TcpListener,
    role: ListenerRole,
    app: Router,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
    tasks: TaskTracker,
) {
    loop {
        let (socket, peer) = tokio::select! {
            _ = shutdown.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    continue;
                }
            },
        };
        let _ = socket.set_nodelay(true);
        let (app, tls, shutdown) = (app.clone(), tls.clone(), shutdown.clone());
        tasks.spawn(async move {
            match tls {
                None => connection(socket, peer, role, app, shutdown).await,
                Some(acceptor) => match acceptor.accept(socket).await {
                    Ok(stream) => connection(stream, peer, role, app, shutdown).await,
                    Err(error) => tracing::debug!(%error, %peer, "TLS handshake failed"),
                },
            }
        });
    }
}

async fn connection<S>(stream: S, peer: SocketAddr, role: ListenerRole, app: Router, shutdown: CancellationToken)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let context = ConnectionContext { role, kill: CancellationToken::new(), cut: CutOff::default() };
    let kill = context.kill.clone();
    let stream = Cutting::new(stream, context.cut.clone());
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // HTTP/1.1 answers one request at a time: the previous response is written by now.
        context.cut.limit(None);
        request.extensions_mut().insert(context.clone());
        app.clone().oneshot(request.map(axum::body::Body::new))
    });
    let connection = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        result = connection => {
            if let Err(error) = result {
                tracing::debug!(%error, %peer, "connection ended with an error");
            }
        }
        _ = kill.cancelled() => tracing::debug!(%peer, "connection dropped by fault injection"),
        _ = shutdown.cancelled() => {}
    }
}
