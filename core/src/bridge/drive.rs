//! Driving a core future from the host's own thread, store calls handed out as steps.
//!
//! Core futures await nothing but store calls. A host with an event loop (Node's JS thread, a
//! Python asyncio loop) can therefore run a request without any runtime or thread of ours: it
//! [`drive`](Driven::drive)s the request, which hands each [`PendingCall`] to the host's
//! [`Perform`] — the host calls its own store method, plain or one whose result it awaits on
//! its loop — and goes on with whatever answered at once, until the request is
//! [`Done`](Progress::Done) or waits on an awaited answer; the host hands that back with
//! [`answer`](Driven::answer) and drives again. No thread hop, no wake-up of another thread: a
//! request whose store answers at once completes inside the first `drive`.
//!
//! The loop is written once, here: what stays in a binding is only how it is resumed (Python:
//! per `send` of its coroutine; Node: per settlement of a store's Promise) and how it performs
//! a call in its own language. [`Driven::resume`] is the single step under the loop.
//!
//! The store a driven request runs over is `ForeignDirectory<Relay>` (or a host type whose
//! [`HostStore::call`] forwards to [`Relay`]): a `Relay` call queues the call on the request
//! being resumed on this thread — each request has its own queue, so concurrent requests on
//! one handler never see each other's calls.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError, TryLockError};
use std::task::{Context, Poll, Waker};

use serde_json::Value;

use super::foreign::HostStore;
use super::method::StoreMethod;
use super::panic_message;
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

    /// Nothing a resume could act on: no call to hand out, no answer to deliver.
    fn idle(&self) -> bool {
        self.calls.is_empty() && self.answers.is_empty()
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
///
/// Every method takes `&self`: a host may answer a call, or drive the request on, from inside
/// one of its own store calls (a thenable that settles at once calls back synchronously), and
/// the loop of [`drive`](Self::drive) must not hold the request while the host runs.
pub struct Driven<'a, T> {
    /// `None` once the request is finished. Locked only while the core polls it, which calls
    /// no host code, so the lock is never contended.
    future: Mutex<Option<Pin<Box<dyn Future<Output = T> + Send + 'a>>>>,
    channel: Arc<Channel>,
}

impl<T> std::fmt::Debug for Driven<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let done = self.is_done();
        let q = self.channel.lock();
        f.debug_struct("Driven")
            .field("done", &done)
            .field("queued", &q.calls.len())
            .field("answered", &q.answers.len())
            .finish()
    }
}

impl<'a, T> Driven<'a, T> {
    /// Wrap a request; nothing runs until the first [`resume`](Self::resume).
    pub fn new(future: impl Future<Output = T> + Send + 'a) -> Self {
        Driven { future: Mutex::new(Some(Box::pin(future))), channel: Arc::default() }
    }

    /// Run the request as far as it goes without an unanswered call: the next store call to
    /// perform, its output, or [`Step::Waiting`]. After `Done`, it stays `Waiting`.
    ///
    /// A host normally calls [`drive`](Self::drive), which loops over this; `resume` is the
    /// single step underneath, for a host (or test) that schedules each one itself.
    pub fn resume(&self) -> Step<T> {
        if let Some(call) = self.channel.lock().hand_out() {
            return Step::Call(call);
        }
        let mut future = match self.future.try_lock() {
            Ok(future) => future,
            // A panic in an earlier poll: the binding ends such a request, and an `async fn`
            // polled again after a panic panics again rather than running on.
            Err(TryLockError::Poisoned(p)) => p.into_inner(),
            Err(TryLockError::WouldBlock) => panic!("a driven request was resumed from inside its own poll"),
        };
        let Some(running) = future.as_mut() else { return Step::Waiting };
        let polled = {
            let _current = Current::enter(&self.channel);
            running.as_mut().poll(&mut Context::from_waker(Waker::noop()))
        };
        match polled {
            Poll::Ready(output) => {
                *future = None;
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
        // A poisoned lock still tells whether the future was taken.
        self.future.lock().unwrap_or_else(PoisonError::into_inner).is_none()
    }
}

impl<T> Driven<'_, T> {
    /// The loop every host runs: resume the request, hand each store call it asks for to
    /// `host`, [`answer`](Self::answer) what the host answers at once and go on, until the
    /// request is done or waits on answers the host awaits.
    ///
    /// - [`Progress::Done`]: the request's output. A request whose store answers every call
    ///   at once is done inside its first `drive`.
    /// - [`Progress::Pending`]: the host awaits a call ([`Performed::Awaited`]); when it has the
    ///   outcome it calls [`answer`](Self::answer) and `drive` again. Also what a `drive` says
    ///   when a `drive` nested in one of its store calls finished the request meanwhile.
    /// - [`Progress::Stalled`]: the request waits on no call at all and can never finish (a
    ///   bug of ours, never the host's doing): the host reports [`Stalled`] and drops it.
    ///
    /// The host may call `answer` and `drive` from inside [`Perform::perform`] (a store call
    /// that settles synchronously): the nested `drive` runs the request on, and this one then
    /// returns `Pending`.
    pub fn drive(&self, host: &mut impl Perform<T>) -> Progress<T> {
        loop {
            match host.resuming(|| self.resume()) {
                Step::Done(output) => return Progress::Done(output),
                Step::Call(call) => {
                    let id = call.id;
                    match host.perform(call) {
                        Performed::Answered(outcome) => self.answer(id, outcome),
                        // With nothing queued and nothing answered, resuming would only poll
                        // the request to find it waiting on this very call.
                        Performed::Awaited if self.channel.lock().idle() => return Progress::Pending,
                        Performed::Awaited => {}
                    }
                }
                Step::Waiting if self.is_done() || !self.channel.lock().outstanding.is_empty() => {
                    return Progress::Pending;
                }
                Step::Waiting => return Progress::Stalled(Stalled),
            }
        }
    }
}

/// What a host did with a store call [`Driven::drive`] handed it.
#[derive(Debug)]
pub enum Performed {
    /// The store method answered (or failed) at once: the request goes on in the same `drive`.
    Answered(Result<Value, StoreError>),
    /// The method returned something the host awaits on its own loop (a Promise, a
    /// coroutine); the host hands its outcome to [`Driven::answer`] and drives again.
    Awaited,
}

/// How a host performs the store calls of a request it [drives](Driven::drive) (a request with
/// output `T`): the only part of the loop that differs between hosts. A closure
/// `FnMut(PendingCall) -> Performed` is one.
pub trait Perform<T> {
    /// Call the store method `call` names with its arguments, in the host's own language.
    fn perform(&mut self, call: PendingCall) -> Performed;

    /// Run one [`Driven::resume`] — the core's own work between two store calls, which touches
    /// no host object. The default runs it as it is; a host may release a lock of its own
    /// around it (Python releases the GIL for the first one, where SAML signatures are checked).
    fn resuming(&mut self, resume: impl FnOnce() -> Step<T> + Send) -> Step<T> {
        resume()
    }
}

impl<T, F: FnMut(PendingCall) -> Performed> Perform<T> for F {
    fn perform(&mut self, call: PendingCall) -> Performed {
        self(call)
    }
}

/// Where [`Driven::drive`] stopped.
#[derive(Debug)]
pub enum Progress<T> {
    /// The request is finished: its output.
    Done(T),
    /// Waiting for an answer the host awaits (or finished by a nested `drive`): nothing to do
    /// until the host answers.
    Pending,
    /// The request can never finish: report this and drop it.
    Stalled(Stalled),
}

/// A driven request waiting on no store call: it can never finish. Only a bug in sso-scim
/// gets there (a core future that awaits something other than its store), so every binding
/// reports it as `internal_error` with this one message (see [`panic_message`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stalled;

impl std::fmt::Display for Stalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&panic_message(&"the request stopped without an answer"))
    }
}

impl std::error::Error for Stalled {}
