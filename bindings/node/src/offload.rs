//! Pure CPU work (SAML validation and signature checks, metadata) off the JS thread, on
//! libuv's thread pool through napi's `AsyncTask`: the work runs on a pool thread, its result
//! becomes a JS value on the JS thread, and the queued work keeps Node running until it has
//! settled, as any pending I/O does.
//!
//! A panic in the work or in its conversion rejects the Promise with `internal_error`, printing
//! nothing (`bridge::catch_quietly`); it never unwinds into Node (napi runs both from
//! `extern "C"` callbacks without catching).

use napi::bindgen_prelude::*;
use napi::{Env, Error, ScopedTask, Unknown};

use crate::error;
use sso_scim_core::bridge::catch_quietly;

/// The work and what its result becomes on the JS thread.
struct Offload<W, R> {
    work: Option<W>,
    then: Option<R>,
}

impl<'task, W, T, R> ScopedTask<'task> for Offload<W, R>
where
    W: FnOnce() -> T + Send,
    T: Send + 'static,
    R: FnOnce(&'task Env, T) -> Result<Unknown<'task>> + Send,
{
    type Output = std::result::Result<T, String>;
    type JsValue = Unknown<'task>;

    fn compute(&mut self) -> Result<Self::Output> {
        let work = self.work.take().ok_or_else(|| Error::from_reason("sso-scim: the work ran twice"))?;
        Ok(catch_quietly(work))
    }

    fn resolve(&mut self, env: &'task Env, output: Self::Output) -> Result<Self::JsValue> {
        let output = output.map_err(|message| error::internal(env, &message))?;
        let then = self.then.take().ok_or_else(|| error::internal(env, "sso-scim: the result was taken twice"))?;
        catch_quietly(|| then(env, output)).unwrap_or_else(|message| Err(error::internal(env, &message)))
    }
}

/// A Promise for `work`, run on libuv's thread pool; `then` turns its result into the resolved
/// value (or the rejection) on the JS thread.
pub fn promise<'e, W, T, R>(env: &'e Env, work: W, then: R) -> Result<PromiseRaw<'e, Unknown<'e>>>
where
    W: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
    R: FnOnce(&'e Env, T) -> Result<Unknown<'e>> + Send + 'static,
{
    match env.spawn(Offload { work: Some(work), then: Some(then) }) {
        Ok(queued) => Ok(queued.promise_object()),
        // Not queued (Node is shutting down): settle now so nothing stays pending.
        Err(e) => error::rejected(env, e),
    }
}
