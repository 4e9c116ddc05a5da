//! The handler: the host's store wrapped once, the SCIM service provider over it, and the
//! login decision.

use std::ffi::{CString, c_char};

use serde_json::Value;
use sso_scim_core::ErrorCode;
use sso_scim_core::bridge::{ForeignDirectory, KeyCase, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::login::{self, LoginDecision, LoginError};
use sso_scim_core::saml::{Identity, ServiceProvider};
use sso_scim_core::scim::{ScimHandler, ScimRequest};

use crate::result::{
    Failure, boundary, boundary_value, bytes_arg, c_string_lossy, optional_text_arg, out_arg, sso_scim_error,
    sso_scim_result, text_arg, write_string,
};
use crate::saml::{instant_from_ms, sso_scim_service_provider};
use crate::store::{CStore, sso_scim_store};

/// A SCIM service provider and login decider over the host's store.
///
/// Created by `sso_scim_handler_new`, released by `sso_scim_handler_free`. Thread-safe: every
/// function taking a `const sso_scim_handler *` may be called from several threads at once
/// (the store's callbacks then run concurrently, each on its caller's thread).
#[allow(non_camel_case_types)]
pub struct sso_scim_handler {
    scim: ScimHandler<ForeignDirectory<CStore>>,
}

/// One request header: borrowed NUL-terminated UTF-8 name and value.
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct sso_scim_header {
    /// Header name (compared case-insensitively).
    pub name: *const c_char,
    /// Header value.
    pub value: *const c_char,
}

/// A SCIM answer: status, headers, body and, for an error answer, its stable code.
///
/// Created by `sso_scim_handler_handle`, released by `sso_scim_response_free`; every pointer an
/// accessor returns is borrowed from the response and valid until it is freed. Immutable, so
/// it may be read from several threads.
#[allow(non_camel_case_types)]
pub struct sso_scim_response {
    status: u16,
    headers: Vec<(CString, CString)>,
    /// The body with a NUL appended (not counted in its length).
    body: Vec<u8>,
    error: Option<(ErrorCode, CString)>,
}

/// Build a handler over the host's store.
///
/// `store` is copied: the caller's struct may go away after the call. On success the handler
/// owns `store->userdata` and calls `store->destroy` once when it is freed; on failure nothing
/// is taken and `destroy` is not called. `scim_config_json` is the JSON form of the SCIM
/// settings (`{"base_url": …, "profile": "entra", "limits": {…}}`, unknown keys refused) or
/// NULL for the defaults.
///
/// Errors: `NULL_PARAMETER`, `INVALID_UTF8`, `INVALID_STORE` (a required callback is NULL),
/// `INVALID_SETTINGS`. `*handler_out` is written only on success.
///
/// # Safety
/// `store` points to a valid `sso_scim_store`; strings are NUL-terminated; out-params are
/// NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_handler_new(
    store: *const sso_scim_store,
    scim_config_json: *const c_char,
    handler_out: *mut *mut sso_scim_handler,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        // SAFETY: a valid vtable, per the contract.
        let vtable = *unsafe { store.as_ref() }.ok_or_else(|| Failure::null("store"))?;
        out_arg(handler_out, "handler_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let config = match unsafe { optional_text_arg(scim_config_json, "scim_config_json") }? {
            Some(text) => serde_json::from_str(text)
                .map_err(|e| Failure::code(ErrorCode::InvalidSettings, format!("SCIM settings JSON: {e}")))?,
            None => Value::Null,
        };
        let config = json::scim_config(KeyCase::Snake, config)?;
        // Settings are checked before the store is taken, so a failure leaves userdata alone.
        config.validate().map_err(|e| Failure::code(ErrorCode::InvalidSettings, e.to_string()))?;
        let store = CStore::new(vtable)?;
        let scim = ScimHandler::new(ForeignDirectory::new(store, KeyCase::Snake), config)
            .map_err(|e| Failure::code(ErrorCode::InvalidSettings, e.to_string()))?;
        // SAFETY: checked writable above.
        unsafe { *handler_out = Box::into_raw(Box::new(sso_scim_handler { scim })) };
        Ok(())
    })
}

/// Release a handler: calls the store's `destroy(userdata)` once. NULL is ignored.
///
/// # Safety
/// `handler` is NULL or a handler not freed before, and no other thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_handler_free(handler: *mut sso_scim_handler) {
    boundary_value((), || {
        if !handler.is_null() {
            // SAFETY: a handler this library boxed and the caller has not freed.
            drop(unsafe { Box::from_raw(handler) });
        }
    })
}

/// Answer one SCIM request, as the host's web framework received it below the SCIM base.
///
/// `method` (any case) and `path` (percent-encoded as received, e.g. `/Users/2819c223`; a
/// `?query` left on it is split off) are required; `query` is the raw query string without
/// `?` (NULL for none); `headers` points to `header_count` headers (NULL when 0); `body`
/// points to `body_len` bytes (NULL when 0).
///
/// Every protocol problem is an ordinary answer (`SSO_SCIM_RESULT_OK` with a 4xx/5xx
/// response whose `sso_scim_response_error_code` names it). The call itself fails only when
/// the store failed (`STORE_FAILED`, with the callback's message) or broke its contract
/// (`STORE_CONTRACT_VIOLATED`): the host then answers 500 itself. Store callbacks run on this
/// thread before the call returns.
///
/// Errors: `NULL_PARAMETER`, `INVALID_UTF8`, `STORE_FAILED`, `STORE_CONTRACT_VIOLATED`.
/// `*response_out` is written only on success; release it with `sso_scim_response_free`.
///
/// # Safety
/// `handler` is a live handler; strings are NUL-terminated; `headers` and `body` point to the
/// given number of items; out-params are NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sso_scim_handler_handle(
    handler: *const sso_scim_handler,
    method: *const c_char,
    path: *const c_char,
    query: *const c_char,
    headers: *const sso_scim_header,
    header_count: usize,
    body: *const u8,
    body_len: usize,
    response_out: *mut *mut sso_scim_response,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        // SAFETY (all argument reads): the caller's contract.
        let handler = unsafe { handler.as_ref() }.ok_or_else(|| Failure::null("handler"))?;
        out_arg(response_out, "response_out")?;
        let mut request = ScimRequest::new(unsafe { text_arg(method, "method") }?, unsafe { text_arg(path, "path") }?)
            .with_query(unsafe { optional_text_arg(query, "query") }?.unwrap_or(""));
        if header_count > 0 && headers.is_null() {
            return Err(Failure::null("headers"));
        }
        for i in 0..header_count {
            let h = unsafe { *headers.add(i) };
            let name = unsafe { text_arg(h.name, &format!("headers[{i}].name")) }?;
            let value = unsafe { text_arg(h.value, &format!("headers[{i}].value")) }?;
            request = request.with_header(name, value);
        }
        request = request.with_body(unsafe { bytes_arg(body, body_len, "body") }?);
        let mut response = now_or_never(handler.scim.handle(request))
            .ok_or_else(|| Failure::code(ErrorCode::StoreFailed, "the store did not answer synchronously"))?;
        if let Some(failed) = response.take_raised_store_error() {
            return Err(Failure::code(failed.kind().error_code(), failed.message()));
        }
        let mut body = response.body;
        body.push(0);
        let converted = sso_scim_response {
            status: response.status,
            headers: response.headers.iter().map(|(n, v)| (c_string_lossy(n), c_string_lossy(v))).collect(),
            body,
            error: response.error.map(|e| (e.code(), c_string_lossy(e.detail()))),
        };
        // SAFETY: checked writable above.
        unsafe { *response_out = Box::into_raw(Box::new(converted)) };
        Ok(())
    })
}

/// Release a response. NULL is ignored.
///
/// # Safety
/// `response` is NULL or a response not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_free(response: *mut sso_scim_response) {
    boundary_value((), || {
        if !response.is_null() {
            // SAFETY: a response this library boxed and the caller has not freed.
            drop(unsafe { Box::from_raw(response) });
        }
    })
}

/// The HTTP status (0 when `response` is NULL).
///
/// # Safety
/// `response` is NULL or a live response.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_status(response: *const sso_scim_response) -> u16 {
    // SAFETY: NULL or a live response, per the contract.
    boundary_value(0, || unsafe { response.as_ref() }.map_or(0, |r| r.status))
}

/// How many headers the response has (0 when `response` is NULL).
///
/// # Safety
/// `response` is NULL or a live response.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_header_count(response: *const sso_scim_response) -> usize {
    // SAFETY: NULL or a live response, per the contract.
    boundary_value(0, || unsafe { response.as_ref() }.map_or(0, |r| r.headers.len()))
}

/// Header `index` (0-based, below `sso_scim_response_header_count`): its name and value,
/// borrowed NUL-terminated strings valid until the response is freed.
///
/// Errors: `NULL_PARAMETER`, `INVALID_ARGUMENT` for an index out of range. The out-params are
/// written only on success.
///
/// # Safety
/// `response` is NULL or a live response; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_header(
    response: *const sso_scim_response,
    index: usize,
    name_out: *mut *const c_char,
    value_out: *mut *const c_char,
) -> sso_scim_result {
    boundary(std::ptr::null_mut(), || {
        // SAFETY: NULL or a live response, per the contract.
        let response = unsafe { response.as_ref() }.ok_or_else(|| Failure::null("response"))?;
        out_arg(name_out, "name_out")?;
        out_arg(value_out, "value_out")?;
        let (name, value) = response.headers.get(index).ok_or_else(|| {
            Failure::argument(format!("header {index} is out of range ({} headers)", response.headers.len()))
        })?;
        // SAFETY: checked writable above.
        unsafe {
            *name_out = name.as_ptr();
            *value_out = value.as_ptr();
        }
        Ok(())
    })
}

/// The body (a SCIM JSON document, or empty) and its length in bytes. The bytes are followed
/// by a NUL (not counted), so the body can be read as a C string. Borrowed: valid until the
/// response is freed. NULL when `response` is NULL; `len_out` may be NULL.
///
/// # Safety
/// `response` is NULL or a live response; `len_out` is NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_body(response: *const sso_scim_response, len_out: *mut usize) -> *const u8 {
    boundary_value(std::ptr::null(), || {
        // SAFETY: NULL or a live response, per the contract.
        let Some(response) = (unsafe { response.as_ref() }) else { return std::ptr::null() };
        if !len_out.is_null() {
            // SAFETY: writable, per the contract.
            unsafe { *len_out = response.body.len() - 1 };
        }
        response.body.as_ptr()
    })
}

/// The stable code of an error answer (`"invalid_filter"`, `"uniqueness"`…), or NULL for a
/// success answer (or a NULL `response`). Static: never free it.
///
/// # Safety
/// `response` is NULL or a live response.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_error_code(response: *const sso_scim_response) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        // SAFETY: NULL or a live response, per the contract.
        let error = unsafe { response.as_ref() }.and_then(|r| r.error.as_ref());
        error.map_or(std::ptr::null(), |(code, _)| {
            crate::result::static_name(sso_scim_result::from_code(*code)).as_ptr()
        })
    })
}

/// The detail of an error answer (what the SCIM body's `detail` says), or NULL for a success
/// answer. Borrowed: valid until the response is freed.
///
/// # Safety
/// `response` is NULL or a live response.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_response_error_message(response: *const sso_scim_response) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        // SAFETY: NULL or a live response, per the contract.
        let error = unsafe { response.as_ref() }.and_then(|r| r.error.as_ref());
        error.map_or(std::ptr::null(), |(_, message)| message.as_ptr())
    })
}

fn login_failure(e: LoginError) -> Failure {
    match e {
        LoginError::Saml(e) => e.into(),
        LoginError::Store(e) => Failure::code(e.kind().error_code(), e.message()),
    }
}

/// The shared part of `_sign_in` and `_decide`: check the objects, run the login on the
/// handler's store (`login` drives the core's future) and hand out the decision JSON.
///
/// # Safety
/// The pointers are NULL or live objects of this library, the workspace id NULL or
/// NUL-terminated, `decision_out` NULL or writable.
unsafe fn login_call(
    handler: *const sso_scim_handler,
    workspace_id: *const c_char,
    service_provider: *const sso_scim_service_provider,
    decision_out: *mut *mut c_char,
    login: impl FnOnce(&ForeignDirectory<CStore>, &str, &ServiceProvider) -> Option<Result<LoginDecision, LoginError>>,
) -> Result<(), Failure> {
    // SAFETY (argument reads): the caller's contract.
    let handler = unsafe { handler.as_ref() }.ok_or_else(|| Failure::null("handler"))?;
    let sp = unsafe { service_provider.as_ref() }.ok_or_else(|| Failure::null("service_provider"))?;
    out_arg(decision_out, "decision_out")?;
    let workspace_id = unsafe { text_arg(workspace_id, "workspace_id") }?;
    let decision = login(handler.scim.directory(), workspace_id, sp.inner())
        .ok_or_else(|| Failure::code(ErrorCode::StoreFailed, "the store did not answer synchronously"))?
        .map_err(login_failure)?;
    // SAFETY: checked writable above.
    unsafe { write_string(decision_out, &json::decision(&decision).to_string()) }
}

/// Validate a SAMLResponse with `service_provider` and decide whether the identity may sign in
/// to `workspace_id` (replay memory through `remember_assertion`, the user through
/// `find_by_user_name`).
///
/// `saml_response` is the form value (base64) or raw XML, `saml_response_len` bytes;
/// `request_id` the ID of the AuthnRequest sent (NULL for an IdP-initiated response);
/// `now_ms` the time in milliseconds since the Unix epoch (`sso_scim_now_ms()`).
///
/// On success `*decision_out` is `{"decision": "allowed", "user": {…}}` or
/// `{"decision": "refused", "code": "replayed" | "unknown_user" | "user_archived" |
/// "wrong_workspace", "message": …}`; release it with `sso_scim_string_free`.
///
/// Errors: the SAML code of a refused response (`SIGNATURE_INVALID`, `EXPIRED`…),
/// `STORE_FAILED` / `STORE_CONTRACT_VIOLATED`, `NULL_PARAMETER`, `INVALID_UTF8`,
/// `INVALID_ARGUMENT` (a time out of range).
///
/// # Safety
/// Pointers are live objects of this library, NUL-terminated strings, `saml_response_len`
/// readable bytes, or NULL where allowed; out-params are NULL or writable.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn sso_scim_handler_sign_in(
    handler: *const sso_scim_handler,
    workspace_id: *const c_char,
    service_provider: *const sso_scim_service_provider,
    saml_response: *const u8,
    saml_response_len: usize,
    request_id: *const c_char,
    now_ms: i64,
    decision_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        // SAFETY (argument reads): the caller's contract.
        let input = unsafe { bytes_arg(saml_response, saml_response_len, "saml_response") }?;
        let request_id = unsafe { optional_text_arg(request_id, "request_id") }?;
        let now = instant_from_ms(now_ms)?;
        // SAFETY: the caller's contract.
        unsafe {
            login_call(handler, workspace_id, service_provider, decision_out, |dir, ws, sp| {
                now_or_never(login::sign_in(dir, ws, sp, input, now, request_id))
            })
        }
    })
}

/// Decide whether an identity already validated by `service_provider` (the JSON that
/// `sso_scim_service_provider_validate` gave) may sign in to `workspace_id`.
///
/// Same decision JSON, ownership and store errors as `sso_scim_handler_sign_in`; an identity
/// that is not the identity JSON form is `INVALID_ARGUMENT`.
///
/// # Safety
/// As for `sso_scim_handler_sign_in`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_handler_decide(
    handler: *const sso_scim_handler,
    workspace_id: *const c_char,
    service_provider: *const sso_scim_service_provider,
    identity_json: *const c_char,
    decision_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        // SAFETY: NUL-terminated, per the contract.
        let identity: Identity = serde_json::from_str(unsafe { text_arg(identity_json, "identity_json") }?)
            .map_err(|e| Failure::argument(format!("identity_json is not an identity: {e}")))?;
        // SAFETY: the caller's contract.
        unsafe {
            login_call(handler, workspace_id, service_provider, decision_out, |dir, ws, sp| {
                now_or_never(login::decide(dir, ws, sp, &identity))
            })
        }
    })
}
