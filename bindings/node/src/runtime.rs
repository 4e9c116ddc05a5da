//! Promises settled from napi's tokio runtime through one thread-safe function per JS thread.
//!
//! `Env::spawn_future_with_callback` creates (and later closes) a thread-safe function for every
//! Promise: an `uv_async` handle and an environment cleanup hook per call, which profiling showed
//! to be the largest fixed cost of a SCIM request. Here each JS thread (the main thread, each
//! worker) has one completion function, created on first use and reused: a finished future sends
//! its settle step to it, and the step runs on the JS thread, where the Promise is resolved or
//! rejected. The function is referenced (keeps Node alive) only while a Promise is pending, so an
//! idle addon never holds the process open, and a pending call never lets it exit early.
//!
//! A panic in the future or in the settle step rejects the Promise; it never unwinds into Node.

use std::any::Any;
use std::cell::RefCell;
use std::ffi::c_void;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use napi::bindgen_prelude::*;
use napi::{Env, Error, sys};

/// What runs on the JS thread once the future is done: the value to resolve with, or the error
/// to reject with.
type Settle = Box<dyn FnOnce(&Env) -> Result<sys::napi_value> + Send>;

struct Completion {
    deferred: sys::napi_deferred,
    settle: Settle,
}

/// The raw completion function, `None` once Node finalized it (environment teardown): calls
/// made after that are dropped instead of touching freed memory.
struct Shared(Mutex<Option<usize>>);

impl Shared {
    fn send(&self, completion: Completion) {
        let guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let Some(raw) = *guard else { return };
        let data = Box::into_raw(Box::new(completion));
        // SAFETY: the function is alive while the guard holds `Some` (the finalizer clears it
        // under the same lock); a non-blocking call on an unbounded queue only fails when Node
        // is closing it, and then the data is ours to free.
        let status =
            unsafe { sys::napi_call_threadsafe_function(raw as sys::napi_threadsafe_function, data.cast(), 0) };
        if status != sys::Status::napi_ok {
            drop(unsafe { Box::from_raw(data) });
        }
    }
}

/// One JS thread's completion function and its count of pending Promises.
struct Completer {
    env: usize,
    raw: usize,
    shared: Arc<Shared>,
    pending: usize,
}

thread_local! {
    static COMPLETER: RefCell<Option<Completer>> = const { RefCell::new(None) };
}

fn completer(env: &Env) -> Result<Arc<Shared>> {
    COMPLETER.with(|slot| {
        let mut slot = slot.borrow_mut();
        if let Some(c) = slot.as_mut().filter(|c| c.env == env.raw() as usize) {
            c.pending += 1;
            if c.pending == 1 {
                unsafe { sys::napi_ref_threadsafe_function(env.raw(), c.raw as sys::napi_threadsafe_function) };
            }
            return Ok(Arc::clone(&c.shared));
        }
        let shared = Arc::new(Shared(Mutex::new(None)));
        let mut name = ptr::null_mut();
        check_status!(unsafe {
            sys::napi_create_string_utf8(env.raw(), c"sso_scim_completion".as_ptr(), 19, &mut name)
        })?;
        let mut raw = ptr::null_mut();
        let finalize_data = Arc::into_raw(Arc::clone(&shared)) as *mut c_void;
        let status = unsafe {
            sys::napi_create_threadsafe_function(
                env.raw(),
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                finalize_data,
                Some(finalize),
                ptr::null_mut(),
                Some(complete),
                &mut raw,
            )
        };
        if status != sys::Status::napi_ok {
            drop(unsafe { Arc::from_raw(finalize_data as *const Shared) });
            return Err(Error::new(Status::from(status), "creating the completion function failed"));
        }
        *shared.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(raw as usize);
        *slot = Some(Completer { env: env.raw() as usize, raw: raw as usize, shared: Arc::clone(&shared), pending: 1 });
        Ok(shared)
    })
}

/// On the JS thread, after a Promise settled: unreference the function when none is pending.
fn settled(env: sys::napi_env) {
    COMPLETER.with(|slot| {
        if let Some(c) = slot.borrow_mut().as_mut().filter(|c| c.env == env as usize) {
            c.pending = c.pending.saturating_sub(1);
            if c.pending == 0 {
                unsafe { sys::napi_unref_threadsafe_function(env, c.raw as sys::napi_threadsafe_function) };
            }
        }
    });
}

unsafe extern "C" fn complete(env: sys::napi_env, _js: sys::napi_value, _ctx: *mut c_void, data: *mut c_void) {
    // SAFETY: `data` is the box `Shared::send` leaked for this call.
    let completion = unsafe { Box::from_raw(data.cast::<Completion>()) };
    if env.is_null() {
        return; // Node is tearing the environment down; nothing can be settled any more.
    }
    let Completion { deferred, settle } = *completion;
    let js_env = Env::from_raw(env);
    let outcome = catch_unwind(AssertUnwindSafe(|| settle(&js_env)))
        .unwrap_or_else(|panic| Err(Error::new(Status::GenericFailure, panic_message(&*panic))));
    match outcome {
        Ok(value) => unsafe {
            sys::napi_resolve_deferred(env, deferred, value);
        },
        Err(error) => {
            let reason = unsafe { ToNapiValue::to_napi_value(env, error) }.unwrap_or(ptr::null_mut());
            let mut fallback = ptr::null_mut();
            let reason = if reason.is_null() {
                unsafe { sys::napi_get_undefined(env, &mut fallback) };
                fallback
            } else {
                reason
            };
            unsafe { sys::napi_reject_deferred(env, deferred, reason) };
        }
    }
    settled(env);
}

unsafe extern "C" fn finalize(env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` is the `Arc<Shared>` given at creation.
    let shared = unsafe { Arc::from_raw(data as *const Shared) };
    *shared.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    let _ = COMPLETER.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut()
            && slot.as_ref().is_some_and(|c| c.env == env as usize)
        {
            *slot = None;
        }
    });
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_owned());
    format!("sso-scim internal error (please report): {detail}")
}

/// A future whose panic is caught and returned.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = std::result::Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(move || inner.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}

struct SendDeferred(sys::napi_deferred);
// SAFETY: the deferred is only ever used again on the JS thread, in `complete`.
unsafe impl Send for SendDeferred {}

/// A Promise for `future`, which runs on napi's tokio runtime; `settle` turns its output into the
/// resolved value (or the rejection) on the JS thread.
pub fn promise<'e, T, F, S>(env: &'e Env, future: F, settle: S) -> Result<PromiseRaw<'e, Unknown<'e>>>
where
    T: Send + 'static,
    F: Future<Output = T> + Send + 'static,
    S: FnOnce(&Env, T) -> Result<sys::napi_value> + Send + 'static,
{
    let mut deferred = ptr::null_mut();
    let mut promise = ptr::null_mut();
    check_status!(unsafe { sys::napi_create_promise(env.raw(), &mut deferred, &mut promise) })?;
    let shared = match completer(env) {
        Ok(shared) => shared,
        Err(e) => {
            let reason = unsafe { ToNapiValue::to_napi_value(env.raw(), e) }?;
            unsafe { sys::napi_reject_deferred(env.raw(), deferred, reason) };
            return Ok(PromiseRaw::new(env.raw(), promise));
        }
    };
    let deferred = SendDeferred(deferred);
    let raw_deferred = deferred.0;
    let spawned = catch_unwind(AssertUnwindSafe(|| {
        napi::bindgen_prelude::spawn(async move {
            let outcome = CatchUnwind(Box::pin(future)).await;
            let settle: Settle = match outcome {
                Ok(value) => Box::new(move |env| settle(env, value)),
                Err(panic) => {
                    let message = panic_message(&*panic);
                    Box::new(move |_| Err(Error::new(Status::GenericFailure, message)))
                }
            };
            let deferred = deferred;
            shared.send(Completion { deferred: deferred.0, settle });
        })
    }));
    if let Err(panic) = spawned {
        // No runtime to run on (Node is shutting down): settle now so nothing stays pending.
        let error = Error::new(Status::GenericFailure, panic_message(&*panic));
        let reason = unsafe { ToNapiValue::to_napi_value(env.raw(), error) }?;
        unsafe { sys::napi_reject_deferred(env.raw(), raw_deferred, reason) };
        settled(env.raw());
    }
    Ok(PromiseRaw::new(env.raw(), promise))
}
