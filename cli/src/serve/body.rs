//! Request bodies, read whole under a size cap and a deadline: a client that sends its body a
//! byte at a time holds a connection for at most the body timeout.

use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body::Body as _;
use http_body_util::{BodyExt as _, Limited};

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// More than the cap (413).
    TooLarge,
    /// Not all there before the deadline (408).
    TimedOut,
    /// The connection failed mid-body.
    Failed,
}

/// The whole body, if it is at most `limit` bytes and arrives within `timeout`.
pub async fn read(body: Body, limit: usize, timeout: Duration) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Err(_) => Err(BodyError::TimedOut),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Failed),
    }
}
