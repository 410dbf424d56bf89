//! "Drop after N bytes": a connection wrapper that lets through so many bytes of a response and
//! then fails every write, so the server closes the socket with the answer half sent — what a
//! client sees when a server or a middlebox dies mid-reply.
//!
//! The simulator wraps each accepted connection in [`Cutting`] and keeps its [`CutOff`]; before
//! writing a response it sets the limit the plan decided (`None` for the usual unlimited answer).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// No limit.
const UNLIMITED: u64 = u64::MAX;

/// The switch of one connection's cut: how many more bytes it may write.
#[derive(Debug, Clone)]
pub struct CutOff(Arc<AtomicU64>);

impl Default for CutOff {
    fn default() -> Self {
        CutOff(Arc::new(AtomicU64::new(UNLIMITED)))
    }
}

impl CutOff {
    /// From now on the connection writes at most `bytes` more, then fails; `None` lifts the limit.
    pub fn limit(&self, bytes: Option<u64>) {
        self.0.store(bytes.map_or(UNLIMITED, |b| b.min(UNLIMITED - 1)), Ordering::Relaxed);
    }

    /// Whether the limit has been reached: every further write fails.
    pub fn is_cut(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 0
    }

    fn remaining(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn spend(&self, bytes: usize) {
        let _ = self.0.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
            (left != UNLIMITED).then(|| left.saturating_sub(bytes as u64))
        });
    }
}

/// A stream whose writes stop at its [`CutOff`]'s limit; reads pass through.
#[derive(Debug)]
pub struct Cutting<S> {
    inner: S,
    cut: CutOff,
}

impl<S> Cutting<S> {
    pub fn new(inner: S, cut: CutOff) -> Self {
        Cutting { inner, cut }
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Cutting<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Cutting<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let remaining = self.cut.remaining();
        if remaining == 0 {
            // What got through reaches the peer (a TLS layer below holds it until flushed).
            ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "the fault plan cut the connection here",
            )));
        }
        let allowed = buf.len().min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let written = ready!(Pin::new(&mut self.inner).poll_write(cx, &buf[..allowed]))?;
        self.cut.spend(written);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn a_limit_lets_that_many_bytes_through_then_every_write_fails() {
        let cut = CutOff::default();
        let mut stream = Cutting::new(Vec::new(), cut.clone());
        stream.write_all(b"before the limit, ").await.unwrap();
        cut.limit(Some(5));
        let error = stream.write_all(b"hello world").await.unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::ConnectionAborted);
        assert!(cut.is_cut());
        assert!(stream.write_all(b"more").await.is_err(), "still cut");
        assert_eq!(stream.into_inner(), b"before the limit, hello");
    }

    #[tokio::test]
    async fn a_response_shorter_than_the_limit_passes_and_lifting_it_restores_the_connection() {
        let cut = CutOff::default();
        let mut stream = Cutting::new(Vec::new(), cut.clone());
        cut.limit(Some(100));
        stream.write_all(b"short answer").await.unwrap();
        assert!(!cut.is_cut());
        cut.limit(Some(0));
        assert!(stream.write_all(b"x").await.is_err(), "a limit of 0 cuts before any byte");
        cut.limit(None);
        stream.write_all(b"; next answer").await.unwrap();
        assert_eq!(stream.into_inner(), b"short answer; next answer");
    }

    #[tokio::test]
    async fn reads_pass_through() {
        let mut stream = Cutting::new(&b"request"[..], CutOff::default());
        let mut read = String::new();
        stream.read_to_string(&mut read).await.unwrap();
        assert_eq!(read, "request");
    }
}
