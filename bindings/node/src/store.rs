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

use crate::convert::{self, FunctionHandle, JsArgs};

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
    /// A Promise to await.
    Later(Unknown<'e>),
}

/// A host store object, its methods by [`StoreMethod::ALL`] index (`None`: an optional method
/// the store does not have).
pub struct JsStore {
    methods: Vec<Option<FunctionHandle>>,
}

impl JsStore {
    /// Read every method of `store`. A missing required method is refused
    /// (`invalid_store`); a missing optional one answers `unsupported` when called.
    pub fn new(env: &Env, store: Unknown) -> std::result::Result<JsStore, String> {
        if !matches!(store.get_type().map_err(|e| e.reason.clone())?, ValueType::Object | ValueType::Function) {
            return Err("the store is an object with the Directory methods".into());
        }
        let object: Object = unsafe { store.cast() }.map_err(|e| e.reason.clone())?;
        let mut methods = Vec::with_capacity(StoreMethod::ALL.len());
        for method in StoreMethod::ALL {
            let name = method.camel_name();
            let value = object.get_named_property::<Unknown>(name);
            if convert::clear_exception(env) {
                return Err(format!("reading the store's {name} threw"));
            }
            let value = value.map_err(|e| format!("reading the store's {name}: {}", e.reason))?;
            match value.get_type().map_err(|e| e.reason.clone())? {
                ValueType::Function => {}
                ValueType::Undefined | ValueType::Null if method.is_optional() => {
                    methods.push(None);
                    continue;
                }
                ValueType::Undefined | ValueType::Null => {
                    return Err(format!("the store lacks the required method {name}"));
                }
                other => return Err(format!("the store's {name} is a {other:?}, not a function")),
            }
            let function: Function<JsArgs, Unknown<'static>> = unsafe { value.cast() }.map_err(|e| e.reason.clone())?;
            let bound = function.bind(object).map_err(|e| e.reason.clone())?;
            methods.push(Some(bound.create_ref().map_err(|e| e.reason.clone())?));
        }
        Ok(JsStore { methods })
    }

    /// Call `method` with its JSON arguments, on the JS thread. Never leaves an exception
    /// pending.
    pub fn call<'e>(&self, env: &'e Env, method: StoreMethod, args: Vec<Value>) -> Called<'e> {
        let index = StoreMethod::ALL.iter().position(|m| *m == method).unwrap_or(usize::MAX);
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
            Ok(value) if value.is_promise().unwrap_or(false) => Called::Later(value),
            Ok(value) => Called::Now(reply(env, method, value)),
            Err(e) => Called::Now(Err(match convert::take_exception(env) {
                Some(thrown) => host_failure(env, thrown),
                None => StoreError::new(
                    StoreErrorKind::Failed,
                    format!("the store's {} could not be called: {}", method.camel_name(), e.reason),
                ),
            })),
        }
    }
}

/// A store answer (plain, or what its Promise fulfilled with) as JSON.
pub fn reply(env: &Env, method: StoreMethod, value: Unknown) -> std::result::Result<Value, StoreError> {
    convert::to_json(env, value).map_err(|reason| {
        convert::clear_exception(env);
        StoreError::new(
            StoreErrorKind::ContractViolated,
            format!("the store's {} answered a value that is not JSON: {reason}", method.camel_name()),
        )
    })
}

/// A thrown or rejected value as a store error: its `code` (a string property) names the kind
/// it signals; the value itself is kept, unchanged and uncoerced, as the source.
pub fn host_failure(env: &Env, value: Unknown) -> StoreError {
    let code = code_of(env, value);
    let kind = code.as_deref().map_or(StoreErrorKind::Failed, StoreErrorKind::from_host_code);
    let host = HostError { error: Error::from_unknown_without_coercion(value) };
    if kind == StoreErrorKind::Failed {
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
    let code = object.get_named_property::<Unknown>("code");
    // A `code` getter that throws: no signal, and the exception must not stay pending.
    if convert::clear_exception(env) {
        return None;
    }
    let code = code.ok()?;
    if code.get_type().ok()? != ValueType::String {
        return None;
    }
    unsafe { code.cast::<String>() }.ok()
}
