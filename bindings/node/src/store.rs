//! The host's `Directory` object as a [`HostStore`]: each method is read once, bound to the
//! object (so `this` works in class-based stores) and wrapped in a weak thread-safe function
//! (a live handler never keeps Node running).
//!
//! A call runs on napi's tokio runtime; the thread-safe function hops to the JS thread, calls
//! the method and hands its answer back on the JS thread, where everything JS-specific is
//! settled before the answer leaves it: a plain value is turned into JSON at once, a Promise
//! gets `then`/`catch` handlers that do the same when it settles, and a thrown or rejected value
//! has its `code` read (the kind it signals) and is retained as the store error's source, so
//! the handler can hand the very same value back as `cause`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use napi::bindgen_prelude::*;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Env, Error, JsValue, Unknown, ValueType};
use serde_json::Value;
use sso_scim_core::bridge::{HostStore, StoreMethod};
use sso_scim_core::{StoreError, StoreErrorKind};
use tokio::sync::oneshot;

use crate::convert;

/// The JS arguments of one call, made on the JS thread just before the call.
pub struct JsArgs(Vec<napi::sys::napi_value>);

/// One argument, serialized on the tokio side so the JS thread only makes the JS value.
pub enum Arg {
    /// A JSON scalar, made directly.
    Scalar(Value),
    /// An object or array as JSON text, for `JSON.parse`.
    Text(String),
}

impl JsValuesTupleIntoVec for JsArgs {
    fn into_vec(self, _env: napi::sys::napi_env) -> Result<Vec<napi::sys::napi_value>> {
        Ok(self.0)
    }
}

type Method = ThreadsafeFunction<Vec<Arg>, Unknown<'static>, JsArgs, Status, false, true>;

/// The host's thrown or rejected value, retained (napi releases it on the JS thread however it
/// is dropped) until the handler turns it into `cause`.
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

/// A host store object, its methods as thread-safe functions (by [`StoreMethod::ALL`] index).
pub struct JsStore {
    methods: Vec<Option<Method>>,
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
            let function: Function<Unknown, Unknown<'static>> =
                unsafe { value.cast() }.map_err(|e| e.reason.clone())?;
            let bound = function.bind(object).map_err(|e| e.reason.clone())?;
            let tsfn = bound
                .build_threadsafe_function::<Vec<Arg>>()
                .callee_handled::<false>()
                .weak::<true>()
                .build_callback(|ctx| js_args(&ctx.env, ctx.value))
                .map_err(|e| e.reason.clone())?;
            methods.push(Some(tsfn));
        }
        Ok(JsStore { methods })
    }
}

/// The call's arguments as JS values. Failing here would make napi raise a fatal exception,
/// so an argument that cannot be made (the environment is shutting down) becomes `null`.
fn js_args(env: &Env, args: Vec<Arg>) -> Result<JsArgs> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        let made = match arg {
            Arg::Scalar(v) => convert::from_json(env, &v),
            Arg::Text(text) => convert::parse_json(env, text),
        };
        let value = match made {
            Ok(v) => v.raw(),
            Err(_) => convert::unknown(env, Null).map(|v| v.raw()).unwrap_or(std::ptr::null_mut()),
        };
        out.push(value);
    }
    Ok(JsArgs(out))
}

/// What the JS thread hands back: the answer as JSON text (parsed on the tokio side), or a
/// failure.
type Reply = std::result::Result<Option<String>, StoreError>;

impl HostStore for JsStore {
    async fn call(&self, method: StoreMethod, args: Vec<Value>) -> std::result::Result<Value, StoreError> {
        let index = StoreMethod::ALL.iter().position(|m| *m == method).unwrap_or(usize::MAX);
        let Some(Some(tsfn)) = self.methods.get(index) else {
            return Err(StoreError::unsupported(method.camel_name()));
        };
        let args = args
            .into_iter()
            .map(|a| match a {
                Value::Array(_) | Value::Object(_) => Arg::Text(a.to_string()),
                scalar => Arg::Scalar(scalar),
            })
            .collect();
        let (tx, rx) = oneshot::channel::<Reply>();
        let status = tsfn.call_with_return_value(args, ThreadsafeFunctionCallMode::NonBlocking, move |answer, env| {
            settle(&env, method, answer, tx);
            Ok(())
        });
        if status != Status::Ok {
            return Err(StoreError::new(
                StoreErrorKind::Failed,
                format!("the store's {} could not be called ({status}): Node is shutting down", method.camel_name()),
            ));
        }
        let text = rx.await.unwrap_or_else(|_| {
            Err(StoreError::new(
                StoreErrorKind::Failed,
                format!("the store's {} never answered: Node is shutting down", method.camel_name()),
            ))
        })?;
        match text {
            None => Ok(Value::Null),
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                StoreError::new(
                    StoreErrorKind::ContractViolated,
                    format!("the store's {} answered a value that is not JSON: {e}", method.camel_name()),
                )
            }),
        }
    }
}

/// On the JS thread: turn what the method returned (or threw) into the reply, now or when its
/// Promise settles. Never fails: a failure here would be a fatal exception in napi.
fn settle(env: &Env, method: StoreMethod, answer: Result<Unknown<'static>>, tx: oneshot::Sender<Reply>) {
    let value = match answer {
        Err(thrown) => {
            let _ = tx.send(Err(host_failure(env, thrown, None)));
            return;
        }
        Ok(value) => value,
    };
    if !value.is_promise().unwrap_or(false) {
        let _ = tx.send(reply(env, method, value));
        return;
    }
    if let Err(e) = await_promise(env, method, value, tx) {
        // The handlers could not be attached (the environment is shutting down): the sender
        // was taken back and reports it.
        let _ = e;
    }
}

/// The two native Promise reactions of this JS thread (made once) and the calls waiting on them,
/// by id. Each waiting call binds the reactions to its id (`Function.prototype.bind`), which is
/// far cheaper than making two native functions with finalizers per Promise.
struct Reactions {
    env: usize,
    on_fulfilled: usize,
    on_rejected: usize,
    next_id: u64,
    waiting: HashMap<u64, (StoreMethod, oneshot::Sender<Reply>)>,
}

thread_local! {
    static REACTIONS: RefCell<Option<Reactions>> = const { RefCell::new(None) };
}

fn reference(env: &Env, value: napi::sys::napi_value) -> Result<usize> {
    let mut raw = std::ptr::null_mut();
    check_status!(unsafe { napi::sys::napi_create_reference(env.raw(), value, 1, &mut raw) })?;
    Ok(raw as usize)
}

fn referenced<'e>(env: &'e Env, raw: usize) -> Result<Unknown<'e>> {
    let mut value = std::ptr::null_mut();
    check_status!(unsafe { napi::sys::napi_get_reference_value(env.raw(), raw as napi::sys::napi_ref, &mut value) })?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// The reactions of this env, made on first use.
fn reactions(env: &Env) -> Result<(usize, usize)> {
    let existing = REACTIONS
        .with(|r| r.borrow().as_ref().filter(|r| r.env == env.raw() as usize).map(|r| (r.on_fulfilled, r.on_rejected)));
    if let Some(found) = existing {
        return Ok(found);
    }
    let fulfilled = env.create_function_from_closure::<Unknown, (), _>("ssoScimStoreFulfilled", |ctx| {
        reacted(ctx, true);
        Ok(())
    })?;
    let rejected = env.create_function_from_closure::<Unknown, (), _>("ssoScimStoreRejected", |ctx| {
        reacted(ctx, false);
        Ok(())
    })?;
    let found = (reference(env, fulfilled.raw())?, reference(env, rejected.raw())?);
    REACTIONS.with(|r| {
        *r.borrow_mut() = Some(Reactions {
            env: env.raw() as usize,
            on_fulfilled: found.0,
            on_rejected: found.1,
            next_id: 0,
            waiting: HashMap::new(),
        })
    });
    Ok(found)
}

/// A reaction ran: `(id, value)`. Never fails (a throw here would be an unhandled rejection).
fn reacted(ctx: FunctionCallContext, fulfilled: bool) {
    let Ok(id) = ctx.get::<f64>(0) else { return };
    let Some((method, tx)) = REACTIONS.with(|r| r.borrow_mut().as_mut().and_then(|r| r.waiting.remove(&(id as u64))))
    else {
        return;
    };
    let env: &Env = ctx.env;
    let value: Unknown = match ctx.get::<Unknown>(1) {
        Ok(v) => v,
        Err(e) => {
            let _ = tx.send(Err(StoreError::new(StoreErrorKind::Failed, e.reason.clone())));
            return;
        }
    };
    let reply = if fulfilled {
        reply(env, method, value)
    } else {
        let error = Error::from_unknown_without_coercion(value);
        Err(host_failure(env, error, Some(value)))
    };
    let _ = tx.send(reply);
}

/// `promise.then(onFulfilled.bind(null, id), onRejected.bind(null, id))`.
fn await_promise(env: &Env, method: StoreMethod, promise: Unknown, tx: oneshot::Sender<Reply>) -> Result<()> {
    let (on_fulfilled, on_rejected) = match reactions(env) {
        Ok(found) => found,
        Err(e) => {
            let _ = tx.send(Err(StoreError::new(StoreErrorKind::Failed, e.reason.clone())));
            return Err(e);
        }
    };
    let id = REACTIONS.with(|r| {
        r.borrow_mut().as_mut().map(|r| {
            r.next_id += 1;
            r.waiting.insert(r.next_id, (method, tx));
            r.next_id
        })
    });
    let Some(id) = id else { return Ok(()) };
    let attach = || -> Result<()> {
        let id_value = convert::unknown(env, id as f64)?;
        let undefined = convert::unknown(env, ())?;
        let mut bound = Vec::with_capacity(2);
        for raw in [on_fulfilled, on_rejected] {
            let reaction: Object = unsafe { referenced(env, raw)?.cast() }?;
            let bind: Function<FnArgs<(Unknown, Unknown)>, Unknown> = reaction.get_named_property("bind")?;
            bound.push(bind.apply(reaction, FnArgs::from((undefined, id_value)))?);
        }
        let object: Object = unsafe { promise.cast() }?;
        let then: Function<FnArgs<(Unknown, Unknown)>, Unknown> = object.get_named_property("then")?;
        then.apply(object, FnArgs::from((bound[0], bound[1])))?;
        Ok(())
    };
    attach().inspect_err(|e| {
        let waiting = REACTIONS.with(|r| r.borrow_mut().as_mut().and_then(|r| r.waiting.remove(&id)));
        if let Some((_, tx)) = waiting {
            let _ = tx.send(Err(StoreError::new(StoreErrorKind::Failed, e.reason.clone())));
        }
    })
}

fn reply(env: &Env, method: StoreMethod, value: Unknown) -> Reply {
    convert::to_json_text(env, value).map_err(|reason| {
        StoreError::new(
            StoreErrorKind::ContractViolated,
            format!("the store's {} answered a value that is not JSON: {reason}", method.camel_name()),
        )
    })
}

/// A thrown or rejected value as a store error: its `code` (a string property) names the kind
/// it signals; the value itself is kept as the source.
fn host_failure(env: &Env, error: Error, value: Option<Unknown>) -> StoreError {
    let code = match value {
        Some(v) => code_of(env, v),
        None => error.try_clone().ok().and_then(|e| convert::unknown(env, e).ok()).and_then(|v| code_of(env, v)),
    };
    let kind = code.as_deref().map_or(StoreErrorKind::Failed, StoreErrorKind::from_host_code);
    let host = HostError { error };
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
