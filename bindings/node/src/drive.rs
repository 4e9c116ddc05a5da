//! Requests driven on the JS thread: the core future over a `Relay` store is run by the core's
//! one loop (`bridge::Driven::drive`); what is Node's here is how a store call is performed
//! (the host's method called right away, its Promise awaited on the event loop) and when the
//! loop is resumed (in the reaction to that Promise). A method that answers plainly lets the
//! request go on inside the same `drive`. No thread and no runtime: on the machine this was
//! built on, waking an idle thread costs ≈70 µs, and the thread-hopping design paid six of
//! them per SCIM request.
//!
//! Promise reactions are two native functions per JS thread, made once, and reached from a
//! store's Promise through a small JS function (`AWAITER`) that hands them the waiting call's
//! id: far cheaper than two native functions with finalizers per Promise. The Promise `handle`
//! returned is a plain N-API deferred, settled on this thread.
//!
//! A panic in the core or in this glue rejects the request's Promise with `internal_error`
//! (caught by `bridge::catch_quietly`: nothing is printed); it never unwinds into Node.
//!
//! A store method may call `handle` (or `decide`) again while it runs: each such call drives
//! its own request on top of the native stack of the one that called the store. Past
//! [`MAX_DEPTH`] requests driven at once on this thread, a new one is refused at once, so a
//! store that recurses without end gets an error instead of running the process out of stack.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::future::Future;
use std::mem::ManuallyDrop;
use std::ptr;
use std::rc::Rc;
use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Unknown, sys};
use serde_json::Value;
use sso_scim_core::bridge::{Driven, PendingCall, Perform, Performed, Progress, Stalled, StoreMethod, catch_quietly};
use sso_scim_core::{ErrorCode, StoreError, StoreErrorKind};

use crate::convert::{self, FunctionHandle, JsArgs};
use crate::store::{Called, JsStore, host_failure, reply};

/// Turns a finished request's output into what its Promise resolves with (or rejects with).
pub type Finish<T> = for<'e> fn(&'e Env, T) -> Result<Unknown<'e>>;

/// How many requests may be driven at once on one thread, one inside another's store call
/// (a store method that calls `handle` or `decide`). Each level holds a few hundred KiB of
/// native stack in a debug build (the JS frames of the store method, N-API, the core's future):
/// 128 levels crashed the process. Sixteen is far more nesting than any sane store needs.
pub const MAX_DEPTH: usize = 16;

thread_local! {
    /// Requests being driven on this thread right now (nested through store calls).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
}

/// A Promise for `future` (a core future over a `Relay` store), driven on this thread with
/// `store` answering its calls. With a store whose methods answer plainly, the request is
/// finished (and the Promise settled) before this returns. Refused (the Promise rejected) when
/// [`MAX_DEPTH`] requests are being driven already.
pub fn drive<'e, T: 'static>(
    env: &'e Env,
    store: &Arc<JsStore>,
    future: impl Future<Output = T> + Send + 'static,
    finish: Finish<T>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    if DEPTH.with(Cell::get) >= MAX_DEPTH {
        // `store_contract_violated`: the call is well formed, the fault is the store's (its
        // method re-entered the handler without end, or deeper than any store needs), and a
        // host already treats that code as "the store broke the rules". The store method
        // that made this call gets the rejection; if it hands it back, the request above fails
        // with `store_failed` and this error as its `cause`, and so on up.
        let message = format!(
            "a store method called the handler again {MAX_DEPTH} levels deep: a store must not re-enter handle or \
             decide without end (refused before the stack runs out)"
        );
        let e = crate::error::js_error(env, ErrorCode::StoreContractViolated.as_str(), &message, None);
        return crate::error::rejected(env, e);
    }
    let (deferred, promise) = Deferred::new(env)?;
    let request = Rc::new(Request {
        driven: Driven::new(future),
        store: Arc::clone(store),
        deferred: RefCell::new(Some(deferred)),
        finish,
    });
    request.pump(env);
    Ok(PromiseRaw::new(env.raw(), promise))
}

/// The Promise of one request: an N-API deferred, settled once on this thread. Dropped
/// unsettled (a request whose awaited store call was lost: a bug), it rejects as a stalled
/// request does rather than leaving the Promise pending for ever.
struct Deferred {
    env: sys::napi_env,
    raw: sys::napi_deferred,
}

impl Deferred {
    fn new(env: &Env) -> Result<(Deferred, sys::napi_value)> {
        let mut raw = ptr::null_mut();
        let mut promise = ptr::null_mut();
        // SAFETY: a plain N-API call on this env's own thread.
        check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut raw, &mut promise) })?;
        Ok((Deferred { env: env.raw(), raw }, promise))
    }

    fn settle(self, outcome: Result<Unknown>) {
        let Deferred { env, raw } = self;
        std::mem::forget(self);
        // SAFETY: `raw` is settled exactly once (`self` is consumed and not dropped), on the
        // thread that made it; a value or error that cannot be made rejects with `undefined`
        // rather than not settling.
        unsafe {
            match outcome {
                Ok(value) => {
                    sys::napi_resolve_deferred(env, raw, value.raw());
                }
                Err(error) => {
                    // A stray pending exception would make the calls below fail and leave the
                    // Promise pending for ever.
                    let mut stray = ptr::null_mut();
                    let mut pending = false;
                    sys::napi_is_exception_pending(env, &mut pending);
                    if pending {
                        sys::napi_get_and_clear_last_exception(env, &mut stray);
                    }
                    let mut reason = ToNapiValue::to_napi_value(env, error).unwrap_or(ptr::null_mut());
                    if reason.is_null() {
                        sys::napi_get_undefined(env, &mut reason);
                    }
                    sys::napi_reject_deferred(env, raw, reason);
                }
            }
        }
    }
}

impl Drop for Deferred {
    fn drop(&mut self) {
        let unsettled = Deferred { env: self.env, raw: self.raw };
        // Dropped on the JS thread that made it (a request never leaves it).
        let env = Env::from_raw(self.env);
        unsettled.settle(Err(crate::error::internal(&env, &Stalled.to_string())));
    }
}

/// One driven request.
struct Request<T: 'static> {
    driven: Driven<'static, T>,
    store: Arc<JsStore>,
    /// `None` once the Promise is settled.
    deferred: RefCell<Option<Deferred>>,
    finish: Finish<T>,
}

/// A request waiting on a store Promise, type-erased for the waiting table.
trait Resume {
    /// The awaited call `call` settled: answer it and drive on.
    fn answered(self: Rc<Self>, env: &Env, call: u64, outcome: std::result::Result<Value, StoreError>);
}

impl<T: 'static> Resume for Request<T> {
    fn answered(self: Rc<Self>, env: &Env, call: u64, outcome: std::result::Result<Value, StoreError>) {
        self.driven.answer(call, outcome);
        self.pump(env);
    }
}

impl<T: 'static> Request<T> {
    /// Drive until the request is finished (settle its Promise) or waits on a store Promise.
    fn pump(self: Rc<Self>, env: &Env) {
        if self.deferred.borrow().is_none() {
            return; // settled already (a panic, or an answer arriving after the end)
        }
        DEPTH.with(|d| d.set(d.get() + 1));
        let outcome = catch_quietly(|| Rc::clone(&self).run(env));
        DEPTH.with(|d| d.set(d.get().saturating_sub(1)));
        match outcome {
            Ok(None) => {}
            Ok(Some(outcome)) => self.settle(outcome),
            Err(message) => self.settle(Err(crate::error::internal(env, &message))),
        }
    }

    /// The core's loop over this request: `None` when it waits on a store Promise (or a
    /// drive nested in one of its store calls settled it already).
    fn run<'e>(self: Rc<Self>, env: &'e Env) -> Option<Result<Unknown<'e>>> {
        match self.driven.drive(&mut JsHost { env, request: &self }) {
            Progress::Done(output) => Some((self.finish)(env, output)),
            Progress::Pending => None,
            Progress::Stalled(stalled) => Some(Err(crate::error::internal(env, &stalled.to_string()))),
        }
    }

    fn settle(&self, outcome: Result<Unknown>) {
        let deferred = self.deferred.borrow_mut().take();
        if let Some(deferred) = deferred {
            deferred.settle(outcome);
        }
    }
}

/// How a request's store calls are performed on the JS thread: the host's method called at
/// once; a Promise it returns awaited through [`AWAITER`], its settlement answering the call and
/// driving the request on ([`Resume::answered`]).
struct JsHost<'r, 'e, T: 'static> {
    env: &'e Env,
    request: &'r Rc<Request<T>>,
}

impl<T: 'static> Perform<T> for JsHost<'_, '_, T> {
    fn perform(&mut self, call: PendingCall) -> Performed {
        let (env, id, method) = (self.env, call.id, call.method);
        let (promise, limit) = match self.request.store.call(env, method, call.args) {
            Called::Now(outcome) => return Performed::Answered(outcome),
            Called::Later(promise, limit) => (promise, limit),
        };
        let waiter = Waiter { request: Rc::clone(self.request) as Rc<dyn Resume>, call: id, method, limit };
        match wait(env, promise, waiter) {
            Ok(()) => Performed::Awaited,
            Err(e) => {
                convert::clear_exception(env);
                let message = format!("the store's {} Promise could not be awaited: {}", method.camel_name(), e.reason);
                Performed::Answered(Err(StoreError::new(StoreErrorKind::Failed, message)))
            }
        }
    }
}

/// A store call awaited on its Promise.
struct Waiter {
    request: Rc<dyn Resume>,
    call: u64,
    method: StoreMethod,
    /// The answer's row limit ([`StoreMethod::row_limit`]).
    limit: Option<usize>,
}

/// Made once per JS thread: `awaitStore(promise, id)` attaches two reactions to a store's
/// Promise that report `(id, value)` to the native `fulfilled` / `rejected`. Two closures made
/// by V8 per Promise cost far less than binding native functions through N-API (four N-API
/// calls per Promise instead of one).
const AWAITER: &str = "(function (fulfilled, rejected) {
  'use strict';
  return function awaitStore(promise, id) {
    promise.then(function (value) { fulfilled(id, value) }, function (reason) { rejected(id, reason) });
  };
})";

/// This JS thread's `awaitStore` and the calls waiting, by id.
struct Reactions {
    env: usize,
    awaiter: FunctionHandle,
    next_id: u64,
    waiting: HashMap<u64, Waiter>,
}

thread_local! {
    /// Never dropped: at thread exit the environment is gone, and releasing its references
    /// then would touch freed memory.
    static REACTIONS: ManuallyDrop<RefCell<Option<Reactions>>> = const { ManuallyDrop::new(RefCell::new(None)) };
}

/// The `awaitStore` of this env, made on first use.
fn awaiter(env: &Env) -> Result<Function<'_, JsArgs, Unknown<'static>>> {
    let found = REACTIONS
        .with(|r| r.borrow().as_ref().filter(|r| r.env == env.raw() as usize).map(|r| r.awaiter.borrow_back(env)));
    if let Some(found) = found {
        return found;
    }
    let fulfilled = env.create_function_from_closure::<JsArgs, (), _>("ssoScimStoreFulfilled", |ctx| {
        reacted(ctx, true);
        Ok(())
    })?;
    let rejected = env.create_function_from_closure::<JsArgs, (), _>("ssoScimStoreRejected", |ctx| {
        reacted(ctx, false);
        Ok(())
    })?;
    let make: Function<JsArgs, Unknown<'static>> = env.run_script(AWAITER)?;
    let made: Function<JsArgs, Unknown<'static>> =
        unsafe { make.call(JsArgs(vec![fulfilled.raw(), rejected.raw()]))?.cast() }?;
    let reactions =
        Reactions { env: env.raw() as usize, awaiter: made.create_ref()?, next_id: 0, waiting: HashMap::new() };
    // Another env's table on this thread cannot be released safely either: it is forgotten.
    REACTIONS.with(|r| std::mem::forget(r.borrow_mut().replace(reactions)));
    awaiter(env)
}

/// `awaitStore(promise, id)`; on failure the waiter is taken back (the caller answers the
/// call).
fn wait(env: &Env, promise: Unknown, waiter: Waiter) -> Result<()> {
    let awaiter = awaiter(env)?;
    let id = REACTIONS.with(|r| {
        let mut r = r.borrow_mut();
        let r = r.as_mut().expect("made by awaiter()");
        r.next_id += 1;
        r.waiting.insert(r.next_id, waiter);
        r.next_id
    });
    let attach = || -> Result<()> {
        let id_value = convert::unknown(env, id as f64)?;
        awaiter.call(JsArgs(vec![promise.raw(), id_value.raw()]))?;
        Ok(())
    };
    attach().inspect_err(|_| {
        REACTIONS.with(|r| r.borrow_mut().as_mut().and_then(|r| r.waiting.remove(&id)));
    })
}

/// A reaction ran: `(id, value)`. Never fails and never unwinds (a throw here would be an
/// unhandled rejection of the Promise `then` returned).
fn reacted(ctx: FunctionCallContext, fulfilled: bool) {
    let env: &Env = ctx.env;
    let _ = catch_quietly(|| {
        let Ok(id) = ctx.get::<f64>(0) else { return };
        let waiter = REACTIONS.with(|r| r.borrow_mut().as_mut().and_then(|r| r.waiting.remove(&(id as u64))));
        let Some(Waiter { request, call, method, limit }) = waiter else { return };
        let outcome = match ctx.get::<Unknown>(1) {
            Ok(value) if fulfilled => reply(env, method, limit, value),
            Ok(value) => Err(host_failure(env, method, value)),
            Err(e) => Err(StoreError::new(StoreErrorKind::Failed, e.reason.clone())),
        };
        request.answered(env, call, outcome);
    });
    convert::clear_exception(env);
}
