//! The one error shape JS sees: an `Error` whose `code` is the core's stable code and, for
//! store failures, whose `cause` is the very value the host's store threw or rejected with.
//!
//! Every `code` is a row of the core's error table (`ErrorCode`): JS has one error class, so
//! the table's family picks nothing here, and status and `scimType` travel in SCIM answers.
//!
//! Errors are built on the JS thread (in the call itself, or in the callback that settles a
//! Promise) so that `code` and `cause` can be set as plain properties; the returned
//! `napi::Error` holds a reference to that object and napi hands it to JS unchanged.

use napi::bindgen_prelude::*;
use napi::{Env, Error, JsValue};
use sso_scim_core::ErrorCode;
use sso_scim_core::StoreError;
use sso_scim_core::bridge::BridgeError;

use crate::convert::Refused;
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
    // The `napi::Error` is made while the object has no `cause` yet: napi's conversion reads
    // `cause` and coerces it to a string (a Symbol would throw there, and leave that exception
    // pending). The error holds a reference to this very object, so the `cause` set afterwards
    // is what JS sees.
    let error = Error::from(object.to_unknown());
    if let Some(cause) = cause {
        // `Error`'s conversion hands back the retained host value itself, whatever its type.
        object.set_named_property("cause", cause)?;
    }
    Ok(error)
}

/// `internal_error`: a caught panic (a bug of ours), with its message.
pub fn internal(env: &Env, message: &str) -> Error {
    // Whatever the panic left pending must not be thrown in place of this error.
    crate::convert::clear_exception(env);
    js_error(env, ErrorCode::InternalError.as_str(), message, None)
}

/// `invalid_argument` with a message.
pub fn argument(env: &Env, message: &str) -> Error {
    js_error(env, ErrorCode::InvalidArgument.as_str(), message, None)
}

/// A core refusal (a binding helper's, or a SAML call's: one type in the core), its code and
/// message unchanged.
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
    // A stray pending exception would make every N-API call below fail.
    crate::convert::clear_exception(env);
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

/// The body of an exported call: a panic inside it (a bug of ours) is thrown as
/// `internal_error`, and nothing is printed on the host's stderr (`bridge::catch_quietly`).
/// napi's own `catch_unwind` stays on every export for its glue around the body.
pub fn guard<T>(env: &Env, body: impl FnOnce() -> Result<T>) -> Result<T> {
    sso_scim_core::bridge::catch_quietly(body).unwrap_or_else(|message| Err(internal(env, &message)))
}

/// [`guard`] for a Promise-returning call: a panic rejects the Promise with `internal_error`.
pub fn guard_promise<'e>(
    env: &'e Env,
    body: impl FnOnce() -> Result<PromiseRaw<'e, Unknown<'e>>>,
) -> Result<PromiseRaw<'e, Unknown<'e>>> {
    match sso_scim_core::bridge::catch_quietly(body) {
        Ok(outcome) => outcome,
        Err(message) => rejected(env, internal(env, &message)),
    }
}

// Here rather than in `convert`, so that conversion stays below errors (no import cycle).
impl Refused {
    /// As an `Error` with `code`, the thrown value as `cause`.
    pub fn into_error(self, env: &Env, code: ErrorCode) -> Error {
        js_error(env, code.as_str(), &self.message, self.thrown)
    }
}
