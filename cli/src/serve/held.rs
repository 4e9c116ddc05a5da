//! A response body that keeps something alive until the last byte is sent or the client is
//! gone: a per-workspace request slot, or a connection's in-flight mark. A slot released when
//! the handler returns would let one tenant pile up answers that are still being written to
//! slow readers; held by the body, it bounds what is in memory, not only what is computed.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::{Body as HttpBody, Frame, SizeHint};

/// `body`, with `guard` dropped together with it.
pub struct Held<G> {
    body: Body,
    _guard: G,
}

impl<G: Send + Unpin + 'static> Held<G> {
    /// Wrap `body`.
    pub fn new(body: Body, guard: G) -> Self {
        Held { body, _guard: guard }
    }

    /// The same response with `guard` held by its body.
    pub fn response(response: axum::response::Response, guard: G) -> axum::response::Response {
        response.map(|body| Body::new(Held::new(body, guard)))
    }
}

impl<G: Unpin> HttpBody for Held<G> {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
