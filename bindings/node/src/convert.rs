//! JS values ⇄ the core's JSON wire form, and the small argument readers (`now`, bodies,
//! headers).
//!
//! Objects cross as JSON text through the realm's own `JSON.stringify` / `JSON.parse`: one
//! N-API call per value instead of one per property, and JSON's rules for what a host may
//! hand over (`undefined` members dropped, `Date` as its ISO string through `toJSON`, cycles and
//! `BigInt` refused with JavaScript's own message).

use napi::bindgen_prelude::*;
use napi::{Env, JsValue, Unknown, ValueType};
use serde_json::Value;
use sso_scim_core::bridge::{self, BridgeError};
use time::OffsetDateTime;

/// The JS arguments of a call, however many.
pub struct JsArgs(pub Vec<napi::sys::napi_value>);

impl JsValuesTupleIntoVec for JsArgs {
    fn into_vec(self, _env: napi::sys::napi_env) -> Result<Vec<napi::sys::napi_value>> {
        Ok(self.0)
    }
}

/// A JS function kept across calls (a store method, `JSON.parse`, the Promise awaiter).
pub type FunctionHandle = FunctionRef<JsArgs, Unknown<'static>>;

/// This JS thread's `JSON.stringify` and `JSON.parse`, read once (three property reads per
/// conversion saved: a SCIM request converts four to six values).
struct Json {
    env: usize,
    stringify: FunctionHandle,
    parse: FunctionHandle,
}

thread_local! {
    /// Never dropped: at thread exit the environment is gone, and releasing its references
    /// then would touch freed memory.
    static JSON: std::mem::ManuallyDrop<std::cell::RefCell<Option<Json>>> =
        const { std::mem::ManuallyDrop::new(std::cell::RefCell::new(None)) };
}

/// `JSON.stringify(arg)` (`to_text`) or `JSON.parse(arg)`. What it threw (a `toJSON`, a getter
/// or a Proxy trap of the host's value) is taken off as [`Refused::thrown`], never left
/// pending nor coerced.
fn call_json<'e>(env: &'e Env, to_text: bool, arg: napi::sys::napi_value) -> std::result::Result<Unknown<'e>, Refused> {
    let found = JSON.with(|j| {
        let j = j.borrow();
        let j = j.as_ref().filter(|j| j.env == env.raw() as usize)?;
        Some(if to_text { j.stringify.borrow_back(env) } else { j.parse.borrow_back(env) })
    });
    let function = match found {
        Some(function) => function.map_err(|e| Refused::from_error(env, &e))?,
        None => {
            let made = (|| {
                let global = env.get_global()?;
                let json: Object = global.get_named_property("JSON")?;
                let stringify: Function<JsArgs, Unknown<'static>> = json.get_named_property("stringify")?;
                let parse: Function<JsArgs, Unknown<'static>> = json.get_named_property("parse")?;
                Ok::<_, napi::Error>(Json {
                    env: env.raw() as usize,
                    stringify: stringify.create_ref()?,
                    parse: parse.create_ref()?,
                })
            })()
            .map_err(|e| Refused::from_error(env, &e))?;
            // Another env's functions on this thread cannot be released safely: forgotten.
            JSON.with(|j| std::mem::forget(j.borrow_mut().replace(made)));
            return call_json(env, to_text, arg);
        }
    };
    call_raw(env, function.raw(), &[arg])
}

/// Call a JS function with `this` undefined; a throw is taken off as [`Refused::thrown`].
pub fn call_raw<'e>(
    env: &'e Env,
    function: napi::sys::napi_value,
    args: &[napi::sys::napi_value],
) -> std::result::Result<Unknown<'e>, Refused> {
    let mut this = std::ptr::null_mut();
    let mut result = std::ptr::null_mut();
    // SAFETY: plain N-API calls on this env's own thread, with values of its current scope.
    let status = unsafe {
        napi::sys::napi_get_undefined(env.raw(), &mut this);
        napi::sys::napi_call_function(env.raw(), this, function, args.len(), args.as_ptr(), &mut result)
    };
    if status != napi::sys::Status::napi_ok || result.is_null() {
        return Err(Refused::taken(env, "converting it to JSON threw"));
    }
    // SAFETY: the value was just made in this env's current scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), result) })
}

/// Why a host value could not be read: a message, and what the host's code (a getter,
/// `toJSON`, a Proxy trap) threw meanwhile, retained uncoerced to become `cause`.
pub struct Refused {
    /// What was wrong, for the error's message.
    pub message: String,
    /// The thrown value, if the host's code threw.
    pub thrown: Option<napi::Error>,
}

impl Refused {
    /// A refusal with no thrown value.
    pub fn new(message: impl Into<String>) -> Refused {
        Refused { message: message.into(), thrown: None }
    }

    /// The pending exception (if any) taken off as the cause; the message is `what`, with the
    /// thrown Error's own `message` after it.
    pub fn taken(env: &Env, what: &str) -> Refused {
        match take_exception(env) {
            Some(value) => {
                let thrown = napi::Error::from_unknown_without_coercion(value);
                let message =
                    if thrown.reason.is_empty() { what.to_owned() } else { format!("{what}: {}", thrown.reason) };
                Refused { message, thrown: Some(thrown) }
            }
            None => Refused::new(what),
        }
    }

    /// A napi failure: the pending exception if there is one, else napi's reason.
    fn from_error(env: &Env, e: &napi::Error) -> Refused {
        Refused::taken(env, &e.reason)
    }

    /// The message with `context` before it.
    pub fn within(self, context: &str) -> Refused {
        Refused { message: format!("{context}: {}", self.message), thrown: self.thrown }
    }
}

/// `object[name]`, a throwing getter or Proxy trap taken off as [`Refused::thrown`].
pub fn property<'e>(env: &'e Env, object: &Object, name: &str) -> std::result::Result<Unknown<'e>, Refused> {
    let key = std::ffi::CString::new(name).map_err(|_| Refused::new(format!("{name} is not a property name")))?;
    let mut value = std::ptr::null_mut();
    // SAFETY: a plain N-API call on this env's own thread; `object` belongs to its scope.
    let status = unsafe { napi::sys::napi_get_named_property(env.raw(), object.raw(), key.as_ptr(), &mut value) };
    if status != napi::sys::Status::napi_ok || value.is_null() {
        return Err(Refused::taken(env, &format!("reading {name} threw")));
    }
    // SAFETY: the value was just read in this env's current scope.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
}

/// Whether `value` is a Promise or a thenable (an object with a callable `then`): what a
/// host hands over when it forgot an `await`. A `then` getter that throws counts as no.
pub fn is_thenable(env: &Env, value: &Unknown) -> bool {
    if !matches!(value.get_type(), Ok(ValueType::Object) | Ok(ValueType::Function)) {
        return false;
    }
    if value.is_promise().unwrap_or(false) {
        return true;
    }
    let Ok(object) = (unsafe { value.cast::<Object>() }) else { return false };
    match property(env, &object, "then") {
        Ok(then) => then.get_type().ok() == Some(ValueType::Function),
        Err(_) => false,
    }
}

/// The words for a thenable where a plain value belongs.
pub const THENABLE: &str = "a Promise or thenable, not a plain value: did you forget await?";

/// Take the pending JS exception, if there is one (a store method that threw, a getter that
/// threw while we read a property), so that the next N-API call works and nothing escapes into
/// Node as an uncaught exception.
pub fn take_exception(env: &Env) -> Option<Unknown<'_>> {
    let mut pending = false;
    // SAFETY: plain N-API queries on this env, on its own thread; the value returned by
    // `napi_get_and_clear_last_exception` belongs to the current handle scope.
    unsafe {
        napi::sys::napi_is_exception_pending(env.raw(), &mut pending);
        if !pending {
            return None;
        }
        let mut exception = std::ptr::null_mut();
        let status = napi::sys::napi_get_and_clear_last_exception(env.raw(), &mut exception);
        (status == napi::sys::Status::napi_ok && !exception.is_null())
            .then(|| Unknown::from_raw_unchecked(env.raw(), exception))
    }
}

/// Drop a pending JS exception; whether there was one.
pub fn clear_exception(env: &Env) -> bool {
    take_exception(env).is_some()
}

/// An unknown JS value made from anything napi can convert.
pub fn unknown<'e, T: ToNapiValue>(env: &'e Env, value: T) -> Result<Unknown<'e>> {
    // SAFETY: the raw value was just created in this env, on this thread.
    unsafe { Ok(Unknown::from_raw_unchecked(env.raw(), T::to_napi_value(env.raw(), value)?)) }
}

/// `JSON.parse(text)`.
fn parse_json(env: &Env, text: String) -> Result<Unknown<'_>> {
    call_json(env, false, unknown(env, text)?.raw()).map_err(|r| napi::Error::from_reason(r.message))
}

/// A host value as JSON (`undefined`, functions and symbols read as `null`). Refused, with
/// JavaScript's own reason, when `JSON.stringify` refuses the value (what it threw kept as
/// [`Refused::thrown`]); a Promise or thenable is refused ("did you forget await?"), and so is
/// a string holding a lone surrogate (not Unicode text), naming where it is.
pub fn to_json(env: &Env, value: Unknown) -> std::result::Result<Value, Refused> {
    let kind = value.get_type().map_err(|e| Refused::from_error(env, &e))?;
    match kind {
        ValueType::Undefined | ValueType::Null => return Ok(Value::Null),
        ValueType::Boolean => {
            let flag: bool = unsafe { value.cast() }.map_err(|e| Refused::from_error(env, &e))?;
            return Ok(Value::Bool(flag));
        }
        ValueType::Object | ValueType::Function if is_thenable(env, &value) => {
            return Err(Refused::new(format!("it is {THENABLE}")));
        }
        // Strings go through `JSON.stringify` too: its escapes keep a lone surrogate visible.
        _ => {}
    }
    let text = call_json(env, true, value.raw())?;
    match text.get_type().map_err(|e| Refused::from_error(env, &e))? {
        ValueType::String => {
            let text: String = unsafe { text.cast() }.map_err(|e| Refused::from_error(env, &e))?;
            serde_json::from_str(&text).map_err(|e| match lone_surrogate(env, &text) {
                Some(found) => Refused::new(found),
                None => Refused::new(e.to_string()),
            })
        }
        _ => Ok(Value::Null),
    }
}

/// Finds the first string (or key) of a JSON text holding a lone surrogate: `[path, code
/// unit]`, or `null`. Only our own `JSON.stringify` output is parsed, so no host code runs.
const SURROGATE_FINDER: &str = r"(function (text) {
  'use strict';
  var bad = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
  function unit(s) { return s.match(bad)[0].charCodeAt(0).toString(16).toUpperCase(); }
  function clean(s) { return s.replace(new RegExp(bad.source, 'g'), '\uFFFD'); }
  function walk(v, path) {
    if (typeof v === 'string') return bad.test(v) ? [path, unit(v)] : null;
    if (v === null || typeof v !== 'object') return null;
    if (Array.isArray(v)) {
      for (var i = 0; i < v.length; i++) { var f = walk(v[i], path + '[' + i + ']'); if (f) return f; }
      return null;
    }
    for (var k of Object.keys(v)) {
      var p = path === '' ? clean(k) : path + '.' + clean(k);
      if (bad.test(k)) return ['a key of ' + (path === '' ? 'the object' : path) + ' (' + clean(k) + ')', unit(k)];
      var g = walk(v[k], p);
      if (g) return g;
    }
    return null;
  }
  return walk(JSON.parse(text), '');
})";

/// Where `text` (from `JSON.stringify`) holds a lone surrogate, as words naming the field.
fn lone_surrogate(env: &Env, text: &str) -> Option<String> {
    let finder: Unknown = env.run_script(SURROGATE_FINDER).ok()?;
    let found = call_raw(env, finder.raw(), &[unknown(env, text).ok()?.raw()]);
    clear_exception(env);
    let found = found.ok()?;
    if !found.is_array().unwrap_or(false) {
        return None;
    }
    let pair: Vec<String> = unsafe { found.cast::<Vec<String>>() }.ok()?;
    let (path, unit) = (pair.first()?, pair.get(1)?);
    let place = if path.is_empty() { "the string" } else { path.as_str() };
    Some(format!("{place} holds a lone surrogate (\\u{unit}), which is not Unicode text"))
}

/// The JS value of a JSON value: strings, numbers, booleans and `null` directly, objects and
/// arrays through `JSON.parse`.
pub fn from_json<'e>(env: &'e Env, value: &Value) -> Result<Unknown<'e>> {
    match value {
        Value::Null => unknown(env, Null),
        Value::Bool(b) => unknown(env, *b),
        Value::String(s) => unknown(env, s.as_str()),
        Value::Number(n) => match n.as_i64() {
            Some(i) if i.unsigned_abs() < (1 << 53) => unknown(env, i),
            _ => unknown(env, n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::Array(_) | Value::Object(_) => parse_json(env, value.to_string()),
    }
}

/// Read `now`: `undefined`/`null` for the current time, a `Date`, or an RFC 3339 string with a
/// time zone.
pub fn instant(value: Option<Unknown>) -> std::result::Result<OffsetDateTime, BridgeError> {
    let Some(value) = value else { return Ok(OffsetDateTime::now_utc()) };
    let wrong = || BridgeError::argument("now is a Date or an RFC 3339 string");
    match value.get_type().map_err(|_| wrong())? {
        ValueType::Undefined | ValueType::Null => Ok(OffsetDateTime::now_utc()),
        ValueType::String => {
            let text: String = unsafe { value.cast() }.map_err(|_| wrong())?;
            bridge::json::parse_instant(&text)
        }
        ValueType::Object if value.is_date().unwrap_or(false) => {
            let date: napi::JsDate = unsafe { value.cast() }.map_err(|_| wrong())?;
            let millis = date.value_of().map_err(|_| wrong())?;
            if !millis.is_finite() {
                return Err(BridgeError::argument("now is an invalid Date"));
            }
            OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
                .map_err(|e| BridgeError::argument(format!("now is out of range: {e}")))
        }
        _ => Err(wrong()),
    }
}

/// Bytes of a body or SAML message: a string (UTF-8), a `Buffer` or any `Uint8Array`;
/// `undefined`/`null` is empty.
pub fn bytes(what: &str, value: Option<Unknown>) -> std::result::Result<Vec<u8>, BridgeError> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let wrong = || BridgeError::argument(format!("{what} is a string, a Buffer or a Uint8Array"));
    match value.get_type().map_err(|_| wrong())? {
        ValueType::Undefined | ValueType::Null => Ok(Vec::new()),
        ValueType::String => {
            let text: String = unsafe { value.cast() }.map_err(|_| wrong())?;
            Ok(text.into_bytes())
        }
        ValueType::Object if value.is_buffer().unwrap_or(false) || value.is_typedarray().unwrap_or(false) => {
            let array: Uint8Array = unsafe { value.cast() }.map_err(|_| wrong())?;
            Ok(array.to_vec())
        }
        ValueType::Object => Err(BridgeError::argument(format!(
            "{what} is an object: pass the raw body (string or Buffer, e.g. express.raw()), not parsed JSON, so that \
             duplicate keys and size limits are checked"
        ))),
        _ => Err(wrong()),
    }
}

/// Request headers: an object whose values are strings or arrays of strings (Node's
/// `req.headers`; `undefined` values skipped), or an array of `[name, value]` pairs.
pub fn headers(env: &Env, value: Option<Unknown>) -> std::result::Result<Vec<(String, String)>, Refused> {
    let Some(value) = value else { return Ok(Vec::new()) };
    let wrong = |detail: &str| Refused::new(format!("headers: {detail}"));
    let json = to_json(env, value).map_err(|r| r.within("headers"))?;
    let mut out = Vec::new();
    match json {
        Value::Null => {}
        Value::Object(map) => {
            for (name, v) in map {
                match v {
                    Value::String(s) => out.push((name, s)),
                    Value::Array(items) => {
                        for item in items {
                            match item {
                                Value::String(s) => out.push((name.clone(), s)),
                                _ => return Err(wrong(&format!("the values of {name} are strings"))),
                            }
                        }
                    }
                    Value::Number(n) => out.push((name, n.to_string())),
                    Value::Null => {}
                    _ => return Err(wrong(&format!("{name} is a string or an array of strings"))),
                }
            }
        }
        Value::Array(pairs) => {
            for pair in pairs {
                match pair {
                    Value::Array(p) if p.len() == 2 && p.iter().all(Value::is_string) => out.push((
                        p[0].as_str().unwrap_or_default().to_owned(),
                        p[1].as_str().unwrap_or_default().to_owned(),
                    )),
                    _ => return Err(wrong("an array of headers holds [name, value] pairs of strings")),
                }
            }
        }
        _ => return Err(wrong("an object or an array of [name, value] pairs")),
    }
    Ok(out)
}

/// A required string argument.
pub fn string(what: &str, value: Unknown) -> std::result::Result<String, BridgeError> {
    optional_string(what, Some(value))?.ok_or_else(|| BridgeError::argument(format!("{what} is required")))
}

/// An optional string argument (`undefined`/`null`: none).
pub fn optional_string(what: &str, value: Option<Unknown>) -> std::result::Result<Option<String>, BridgeError> {
    let Some(value) = value else { return Ok(None) };
    match value.get_type() {
        Ok(ValueType::Undefined) | Ok(ValueType::Null) => Ok(None),
        Ok(ValueType::String) => {
            unsafe { value.cast::<String>() }.map(Some).map_err(|e| BridgeError::argument(e.reason.clone()))
        }
        _ => Err(BridgeError::argument(format!("{what} is a string"))),
    }
}

/// A whole number of days (0 to 2^32 − 1).
pub fn days(value: Unknown) -> std::result::Result<u32, BridgeError> {
    let wrong = || BridgeError::argument("days is a whole number from 0 to 4294967295");
    if value.get_type().ok() != Some(ValueType::Number) {
        return Err(wrong());
    }
    let n: f64 = unsafe { value.cast() }.map_err(|_| wrong())?;
    if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
        return Err(wrong());
    }
    Ok(n as u32)
}
