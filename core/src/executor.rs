//! The trivial executor for synchronous hosts.
//!
//! Core futures await nothing but the host's store calls. When those calls are synchronous
//! (C callbacks, sync Python, the core's own `MemoryDirectory`), every core future
//! is ready on its first poll, so no runtime is needed: poll once with a no-op waker.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// Poll `future` exactly once; `Some(output)` if it completed, `None` if it would wait.
///
/// A `None` means the store returned a pending future: that host needs a real executor.
pub fn now_or_never<F: Future>(future: F) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_future_completes_and_pending_does_not() {
        assert_eq!(now_or_never(async { 7 }), Some(7));
        assert_eq!(now_or_never(std::future::pending::<u8>()), None);
    }
}
