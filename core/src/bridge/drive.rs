//! Driving a core future from the host's own thread, store calls handed out as steps.
//!
//! Core futures await nothing but store calls. A host with an event loop (Node's JS thread, a
//! Python asyncio loop) can therefore run a request without any runtime or thread of ours: it
//! [`resume`](Driven::resume)s the request, performs each [`PendingCall`] it is handed by
//! calling its own store method (plain, or one whose result it awaits on its loop), hands the
//! outcome back with [`answer`](Driven::answer) and resumes again, until the request is
//! [`Done`](Step::Done). No thread hop, no wake-up of another thread: a request whose store
//! answers at once completes inside the first `resume` loop.
//!
//! The store a driven request runs over is `ForeignDirectory<Relay>` (or a host type whose
//! [`HostStore::call`] forwards to [`Relay`]): a `Relay` call queues the call on the request
//! being resumed on this thread — each request has its own queue, so concurrent requests on
//! one handler never see each other's calls.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use super::foreign::HostStore;
use super::method::StoreMethod;
use crate::error::{StoreError, StoreErrorKind};

/// One store call a driven request waits for.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingCall {
    /// What [`Driven::answer`] must be given back with the outcome.
    pub id: u64,
    /// The store method to call.
    pub method: StoreMethod,
    /// Its positional JSON arguments, in the key case of the `ForeignDirectory`.
    pub args: Vec<Value>,
}

/// What [`Driven::resume`] made of the request.
#[derive(Debug)]
pub enum Step<T> {
    /// The request is finished: its output.
    Done(T),
    /// The request needs this store call answered (calls are handed out once each, in order).
    Call(PendingCall),
    /// Every call handed out is still unanswered: resume again after the next
    /// [`Driven::answer`].
    Waiting,
}

#[derive(Default)]
struct Queue {
    next_id: u64,
    calls: VecDeque<PendingCall>,
    /// Calls handed out and not answered yet: the only ids an answer is taken for.
    outstanding: Vec<u64>,
    answers: Vec<(u64, Result<Value, StoreError>)>,
}

impl Queue {
    fn hand_out(&mut self) -> Option<PendingCall> {
        let call = self.calls.pop_front()?;
        self.outstanding.push(call.id);
        Some(call)
    }
}

/// The calls and answers of one driven request.
#[derive(Default)]
struct Channel(Mutex<Queue>);

impl Channel {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // Nothing runs user code while holding the lock, so a poisoned one is still consistent.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

thread_local! {
    /// The request being resumed on this thread, while it is polled.
    static CURRENT: RefCell<Option<Arc<Channel>>> = const { RefCell::new(None) };
}

/// Restores the previous current request when a poll ends (resumes may nest: a store method
/// may drive another request before it answers).
struct Current(Option<Arc<Channel>>);

impl Current {
    fn enter(channel: &Arc<Channel>) -> Current {
        Current(CURRENT.with(|c| c.replace(Some(Arc::clone(channel)))))
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The store of driven requests: each call is queued on the request being resumed on this
/// thread and resolved by [`Driven::answer`]. Called outside a `resume`, it fails
/// (`StoreErrorKind::Failed`): such a request was not started by a [`Driven`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Relay;

impl HostStore for Relay {
    fn call(&self, method: StoreMethod, args: Vec<Value>) -> impl Future<Output = Result<Value, StoreError>> + Send {
        let queued = CURRENT.with(|c| c.borrow().clone()).map(|channel| {
            let id = {
                let mut q = channel.lock();
                let id = q.next_id;
                q.next_id += 1;
                q.calls.push_back(PendingCall { id, method, args });
                id
            };
            (channel, id)
        });
        std::future::poll_fn(move |_| {
            let Some((channel, id)) = &queued else {
                return Poll::Ready(Err(StoreError::new(
                    StoreErrorKind::Failed,
                    format!("the store's {} was called outside Driven::resume", method.snake_name()),
                )));
            };
            let mut q = channel.lock();
            match q.answers.iter().position(|(a, _)| a == id) {
                Some(at) => Poll::Ready(q.answers.swap_remove(at).1),
                None => Poll::Pending,
            }
        })
    }
}

/// A request (any core future over a `Relay` store) driven step by step by its host.
pub struct Driven<'a, T> {
    future: Option<Pin<Box<dyn Future<Output = T> + Send + 'a>>>,
    channel: Arc<Channel>,
}

impl<T> std::fmt::Debug for Driven<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let q = self.channel.lock();
        f.debug_struct("Driven")
            .field("done", &self.future.is_none())
            .field("queued", &q.calls.len())
            .field("answered", &q.answers.len())
            .finish()
    }
}

impl<'a, T> Driven<'a, T> {
    /// Wrap a request; nothing runs until the first [`resume`](Self::resume).
    pub fn new(future: impl Future<Output = T> + Send + 'a) -> Self {
        Driven { future: Some(Box::pin(future)), channel: Arc::default() }
    }

    /// Run the request as far as it goes without an unanswered call: the next store call to
    /// perform, its output, or [`Step::Waiting`]. After `Done`, it stays `Waiting`.
    pub fn resume(&mut self) -> Step<T> {
        if let Some(call) = self.channel.lock().hand_out() {
            return Step::Call(call);
        }
        let Some(future) = self.future.as_mut() else { return Step::Waiting };
        let polled = {
            let _current = Current::enter(&self.channel);
            future.as_mut().poll(&mut Context::from_waker(Waker::noop()))
        };
        match polled {
            Poll::Ready(output) => {
                self.future = None;
                let mut q = self.channel.lock();
                q.outstanding.clear();
                q.answers.clear();
                Step::Done(output)
            }
            Poll::Pending => match self.channel.lock().hand_out() {
                Some(call) => Step::Call(call),
                None => Step::Waiting,
            },
        }
    }

    /// Hand back the outcome of a call [`resume`](Self::resume) handed out (then resume).
    /// An id that is not waiting — never handed out, answered already, or of a finished
    /// request — is ignored.
    pub fn answer(&self, id: u64, outcome: Result<Value, StoreError>) {
        let mut q = self.channel.lock();
        if let Some(at) = q.outstanding.iter().position(|o| *o == id) {
            q.outstanding.swap_remove(at);
            q.answers.push((id, outcome));
        }
    }

    /// Whether the request has finished.
    pub fn is_done(&self) -> bool {
        self.future.is_none()
    }
}
