//! The one error shape JS sees: an `Error` whose `code` is the core's stable code and, for
//! store failures, whose `cause` is the very value the host's store threw or rejected with.
//!
//! Errors are built on the JS thread (in the call itself, or in the callback that settles a
//! Promise) so that `code` and `cause` can be set as plain properties; the returned
//! `napi::Error` holds a reference to that object and napi hands it to JS unchanged.

use napi::bindgen_prelude::*;
use napi::{Env, Error, JsValue};
use sso_scim_core::ErrorCode;
use sso_scim_core::StoreError;
use sso_scim_core::bridge::BridgeError;

use crate::store::HostError;

/// An `Error` with `message`, `code` and optionally `cause`, as a `napi::Error` that throws
/// or rejects with exactly that object.
pub fn js_error(env: &Env, code: &str, message: &str, cause: Option<Error>) -> Error {
    build(env, code, message, cause).unwrap_or_else(|e| {
        // Building the object itself failed (the environment is shutting down): napi's own
        // error still carries the code as its `code`.
        Error::new(Status::GenericFailure, format!("{code}: {message} ({e})"))
    })
}

fn build(env: &Env, code: &str, message: &str, cause: Option<Error>) -> Result<Error> {
    let mut object = env.create_error(Error::new(Status::GenericFailure, message))?;
    object.set_named_property("code", code)?;
    if let Some(cause) = cause {
        // `Error`'s conversion hands back the retained host value itself, whatever its type.
        object.set_named_property("cause", cause)?;
    }
    Ok(Error::from(object.to_unknown()))
}

/// `invalid_argument` with a message.
pub fn argument(env: &Env, message: &str) -> Error {
    js_error(env, ErrorCode::InvalidArgument.as_str(), message, None)
}

/// A core error given as code and message.
pub fn bridge(env: &Env, e: &BridgeError) -> Error {
    js_error(env, e.code().as_str(), e.message(), None)
}

/// A store failure: `store_failed` (any kind but a contract violation) or
/// `store_contract_violated`, with the host's own value as `cause` when there is one.
pub fn store(env: &Env, mut e: StoreError) -> Error {
    let code = e.kind().error_code();
    let cause = e.take_host_error().and_then(|source| source.downcast::<HostError>().ok()).map(|h| h.into_inner());
    js_error(env, code.as_str(), e.message(), cause)
}

/// A Promise already rejected with `e`: argument errors of Promise-returning calls reject
/// rather than throw, so every failure of such a call arrives the same way.
pub fn rejected<'e>(env: &'e Env, e: Error) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    PromiseRaw::reject(env, e)
}

/// The Promise of `prepared`: rejected with its error, or the one `run` spawns.
pub fn promise<'e, T>(
    env: &'e Env,
    prepared: std::result::Result<T, Error>,
    run: impl FnOnce(T) -> Result<PromiseRaw<'e, Unknown<'e>>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    match prepared {
        Ok(value) => run(value),
        Err(e) => rejected(env, e),
    }
}
