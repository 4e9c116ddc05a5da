//! Connections: accepted up to a cap, each watched for a slow request head and for idleness,
//! and all closed by a deadline after a shutdown signal (README "Serving on the open
//! internet"). HTTP/1.1 only, by hyper; the router sees each request with the peer address
//! (`ConnectInfo`).
//!
//! Timeouts are kept by a watchdog per connection rather than by hyper's
//! `header_read_timeout`, which since hyper 1.6 also runs while a kept-alive connection waits
//! for its next request: one setting could not be a short head timeout and a longer idle one.
//! The body-read timeout is the handlers' (they read bodies themselves, see `body.rs`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt as _;

use super::held::Held;

/// The connection settings of `serve`.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    /// Most open connections.
    pub max_connections: usize,
    /// From a request head's first byte (or the connection's opening) to its end.
    pub header_timeout: Duration,
    /// From the end of a response to the next request's first byte.
    pub idle_timeout: Duration,
    /// From the shutdown signal to closing every connection.
    pub shutdown_timeout: Duration,
}

/// What is known of one connection's traffic.
struct State {
    in_flight: usize,
    idle_since: Instant,
    head_started: Option<Instant>,
}

/// Shared between the connection's reader, its requests and its watchdog.
struct Activity(Mutex<State>);

impl Activity {
    fn new() -> Arc<Activity> {
        // A new connection must deliver its first head within the head timeout.
        let now = Instant::now();
        Arc::new(Activity(Mutex::new(State { in_flight: 0, idle_since: now, head_started: Some(now) })))
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_bytes(&self) {
        let mut s = self.state();
        if s.in_flight == 0 && s.head_started.is_none() {
            s.head_started = Some(Instant::now());
        }
    }

    fn begin(self: &Arc<Self>) -> InFlight {
        self.state().in_flight += 1;
        InFlight(self.clone())
    }

    /// When the connection is to be closed if nothing changes; `None` while a request is in
    /// progress (its handler reads the body under its own timeout).
    fn deadline(&self, limits: &ConnLimits) -> Option<Instant> {
        let s = self.state();
        match (s.in_flight, s.head_started) {
            (0, Some(started)) => Some(started + limits.header_timeout),
            (0, None) => Some(s.idle_since + limits.idle_timeout),
            _ => None,
        }
    }
}

/// A request in progress on its connection, until its response body is dropped.
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.0.state();
        s.in_flight = s.in_flight.saturating_sub(1);
        if s.in_flight == 0 {
            s.idle_since = Instant::now();
            s.head_started = None;
        }
    }
}

/// The socket, noting when bytes arrive.
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(result, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read_bytes();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

/// Accept and serve until `shutdown` completes; then stop accepting, let requests in
/// progress finish, and return once every connection is closed or the shutdown deadline has
/// passed (the caller then drops the runtime, which closes the rest).
pub async fn serve(listener: TcpListener, router: Router, limits: ConnLimits, shutdown: impl Future<Output = ()>) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of descriptors or memory: the listener stays readable, so pause
                    // rather than spin; the connections we hold will close by their timeouts.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        match slots.clone().try_acquire_owned() {
            Ok(permit) => {
                tokio::spawn(connection(stream, peer, router.clone(), limits, stopping.clone(), permit));
            }
            Err(_) => refuse(&stream),
        }
    }
    drop(listener);
    let _ = stop.send(true);
    let every = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    match tokio::time::timeout(limits.shutdown_timeout, slots.acquire_many(every)).await {
        Ok(_) => tracing::info!("every connection is closed"),
        Err(_) => tracing::warn!(
            open = limits.max_connections - slots.available_permits(),
            "shutdown deadline passed; closing the remaining connections"
        ),
    }
}

/// Over the connection cap: say so and close (a closed socket frees its descriptor at once;
/// leaving the client in the listen backlog would not).
fn refuse(stream: &TcpStream) {
    tracing::warn!("connection refused: the connection cap is reached");
    let _ = stream.try_write(
        b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    limits: ConnLimits,
    mut stopping: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
) {
    let _ = stream.set_nodelay(true);
    let activity = Activity::new();
    let io = TokioIo::new(Watched { stream, activity: activity.clone() });
    let requests = activity.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        let in_flight = requests.begin();
        request.extensions_mut().insert(ConnectInfo(peer));
        let router = router.clone();
        async move {
            let response = router.oneshot(request).await.unwrap_or_else(|never: Infallible| match never {});
            Ok::<_, Infallible>(Held::response(response, in_flight))
        }
    });
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::pin!(conn);
    let mut shutting_down = *stopping.borrow();
    if shutting_down {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        // Re-read at least twice a second: a request ending moves the deadline.
        let tick = Instant::now() + Duration::from_millis(500);
        let deadline = activity.deadline(&limits);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            changed = stopping.changed(), if !shutting_down => {
                shutting_down = true;
                if changed.is_ok() {
                    conn.as_mut().graceful_shutdown();
                }
            }
            () = tokio::time::sleep_until(deadline.map_or(tick, |d| d.min(tick))) => {
                if deadline.is_some_and(|d| d <= Instant::now()) {
                    tracing::debug!(%peer, "connection closed: the client was too slow or idle too long");
                    return;
                }
            }
        }
    }
}
