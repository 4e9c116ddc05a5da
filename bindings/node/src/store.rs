//! The host's `Directory` object: each method read once, bound to the object (so `this` works
//! in class-based stores) and kept as a napi reference, called directly on the JS thread when
//! a driven request hands out a store call (`drive.rs`).
//!
//! A plain return value is the answer at once; a returned Promise is handed back to the driver,
//! which awaits it on the JS thread. A thrown or rejected value has its `code` read (the kind it
//! signals) and is retained as the store error's source, so the handler can hand the very same
//! value back as `cause`.

use std::fmt;

use napi::bindgen_prelude::*;
use napi::{Env, Error, JsValue, Unknown, ValueType};
use serde_json::Value;
use sso_scim_core::bridge::StoreMethod;
use sso_scim_core::{StoreError, StoreErrorKind};

use crate::convert::{self, FunctionHandle, JsArgs, Refused};

/// The host's thrown or rejected value, retained until the handler turns it into `cause`.
pub struct HostError {
    error: Error,
}

impl HostError {
    /// The retained value, ready to be handed back to JS.
    pub fn into_inner(self) -> Error {
        self.error
    }
}

impl fmt::Debug for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostError").field("message", &self.error.reason).finish()
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.error.reason.is_empty() { f.write_str("the store failed") } else { f.write_str(&self.error.reason) }
    }
}

impl std::error::Error for HostError {}

/// What calling a store method gave.
pub enum Called<'e> {
    /// The answer (or failure), known now.
    Now(std::result::Result<Value, StoreError>),
    /// A Promise to await, and the row limit its answer is held to
    /// ([`StoreMethod::row_limit`]).
    Later(Unknown<'e>, Option<usize>),
}

/// A host store object, its methods by [`StoreMethod::ALL`] index (`None`: an optional method
/// the store does not have).
pub struct JsStore {
    methods: Vec<Option<FunctionHandle>>,
}

impl JsStore {
    /// Read every method of `store`. A missing required method is refused
    /// (`invalid_store`); a missing optional one answers `unsupported` when called.
    pub fn new(env: &Env, store: Unknown) -> std::result::Result<JsStore, Refused> {
        let napi = |e: Error| Refused::new(e.reason.clone());
        if !matches!(store.get_type().map_err(napi)?, ValueType::Object | ValueType::Function) {
            return Err(Refused::new("the store is an object with the Directory methods"));
        }
        let object: Object = unsafe { store.cast() }.map_err(napi)?;
        let mut methods = Vec::with_capacity(StoreMethod::ALL.len());
        for method in StoreMethod::ALL {
            let name = method.camel_name();
            // A getter that throws: refused, with what it threw as `cause`.
            let value = convert::property(env, &object, name).map_err(|r| r.within("the store"))?;
            match value.get_type().map_err(napi)? {
                ValueType::Function => {}
                ValueType::Undefined | ValueType::Null if method.is_optional() => {
                    methods.push(None);
                    continue;
                }
                ValueType::Undefined | ValueType::Null => {
                    return Err(Refused::new(format!("the store lacks the required method {name}")));
                }
                other => return Err(Refused::new(format!("the store's {name} is a {other:?}, not a function"))),
            }
            let function: Function<JsArgs, Unknown<'static>> = unsafe { value.cast() }.map_err(napi)?;
            let bound = function.bind(object).map_err(|e| Refused::taken(env, &e.reason))?;
            methods.push(Some(bound.create_ref().map_err(napi)?));
        }
        Ok(JsStore { methods })
    }

    /// Call `method` with its JSON arguments, on the JS thread. Never leaves an exception
    /// pending.
    pub fn call<'e>(&self, env: &'e Env, method: StoreMethod, args: Vec<Value>) -> Called<'e> {
        let index = StoreMethod::ALL.iter().position(|m| *m == method).unwrap_or(usize::MAX);
        let limit = method.row_limit(&args);
        let Some(Some(function)) = self.methods.get(index) else {
            return Called::Now(Err(StoreError::unsupported(method.camel_name())));
        };
        let made = (|| {
            let mut values = Vec::with_capacity(args.len());
            for arg in &args {
                values.push(convert::from_json(env, arg)?.raw());
            }
            Ok::<_, Error>((function.borrow_back(env)?, JsArgs(values)))
        })();
        let (function, args) = match made {
            Ok(made) => made,
            Err(e) => {
                convert::clear_exception(env);
                let message = format!("the store's {} could not be called: {}", method.camel_name(), e.reason);
                return Called::Now(Err(StoreError::new(StoreErrorKind::Failed, message)));
            }
        };
        // The method is bound: `this` given here is ignored.
        match function.apply((), args) {
            Ok(value) if value.is_promise().unwrap_or(false) => Called::Later(value, limit),
            Ok(value) => Called::Now(reply(env, method, limit, value)),
            Err(e) => Called::Now(Err(match convert::take_exception(env) {
                Some(thrown) => host_failure(env, method, thrown),
                None => StoreError::new(
                    StoreErrorKind::Failed,
                    format!("the store's {} could not be called: {}", method.camel_name(), e.reason),
                ),
            })),
        }
    }
}

/// A store answer (plain, or what its Promise fulfilled with) as JSON. `limit` is the most
/// records the answer may list ([`StoreMethod::row_limit`]): a longer list is refused before a
/// single record is converted, at the cost of reading one length. A thenable where the answer
/// belongs (a plain method that forgot to `await`) is refused with words saying so.
pub fn reply(
    env: &Env,
    method: StoreMethod,
    limit: Option<usize>,
    value: Unknown,
) -> std::result::Result<Value, StoreError> {
    let name = method.camel_name();
    let violated = |message: String| StoreError::new(StoreErrorKind::ContractViolated, message);
    if let (Some(limit), Some(key)) = (limit, method.rows_key())
        && let Some(rows) = rows_listed(env, &value, key)
        && rows > limit
    {
        return Err(violated(format!("the store's {name} listed {rows} records for a count of {limit}")));
    }
    convert::to_json(env, value).map_err(|refused| {
        convert::clear_exception(env);
        let message = format!("the store's {name} answered a value that is not JSON: {}", refused.message);
        match refused.thrown {
            Some(thrown) => violated(message).with_source(HostError { error: thrown }),
            None => violated(message),
        }
    })
}

/// The length of `value[key]` when it is an array (a getter or Proxy trap that throws: not
/// known here, and the conversion reports it).
fn rows_listed(env: &Env, value: &Unknown, key: &str) -> Option<usize> {
    if value.get_type().ok()? != ValueType::Object {
        return None;
    }
    let object: Object = unsafe { value.cast() }.ok()?;
    let rows = convert::property(env, &object, key).ok()?;
    if !rows.is_array().ok()? {
        return None;
    }
    let mut length = 0u32;
    // SAFETY: a plain N-API query on an array of this env's current scope.
    let status = unsafe { napi::sys::napi_get_array_length(env.raw(), rows.raw(), &mut length) };
    (status == napi::sys::Status::napi_ok).then_some(length as usize)
}

/// Whether `method` may signal `kind` (the wire protocol of [`StoreMethod`]): `conflict` from
/// the inserts and updates, `version_mismatch` and `not_found` from the updates and
/// `deleteGroup`, `unsupported` from any method. A signal thrown where it does not apply is
/// a plain failure, the host's value kept as `cause` like any other.
fn signals(method: StoreMethod, kind: StoreErrorKind) -> bool {
    use StoreMethod as M;
    match kind {
        StoreErrorKind::Unsupported => true,
        StoreErrorKind::Conflict => matches!(method, M::InsertUser | M::UpdateUser | M::InsertGroup | M::UpdateGroup),
        StoreErrorKind::VersionMismatch | StoreErrorKind::NotFound => {
            matches!(method, M::UpdateUser | M::UpdateGroup | M::DeleteGroup)
        }
        _ => false,
    }
}

/// A thrown or rejected value as a store error: its `code` (a string property) names the kind
/// it signals, if `method` may signal it; the value itself is kept, unchanged and uncoerced, as
/// the source.
pub fn host_failure(env: &Env, method: StoreMethod, value: Unknown) -> StoreError {
    let code = code_of(env, value);
    let kind = code.as_deref().map_or(StoreErrorKind::Failed, StoreErrorKind::from_host_code);
    let host = HostError { error: Error::from_unknown_without_coercion(value) };
    if kind == StoreErrorKind::Failed || !signals(method, kind) {
        StoreError::failed(host)
    } else {
        StoreError::new(kind, host.to_string()).with_source(host)
    }
}

fn code_of(env: &Env, value: Unknown) -> Option<String> {
    if !matches!(value.get_type().ok()?, ValueType::Object | ValueType::Function) {
        return None;
    }
    let object: Object = unsafe { value.cast() }.ok()?;
    // A `code` getter that throws: no signal, and the exception is not left pending.
    let code = convert::property(env, &object, "code").ok()?;
    if code.get_type().ok()? != ValueType::String {
        return None;
    }
    unsafe { code.cast::<String>() }.ok()
}
