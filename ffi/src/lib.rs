//! # sso-scim C ABI
//!
//! `libsso_scim.a` / `libsso_scim.so` and `include/sso_scim.h` (generated from this crate by
//! cbindgen, committed, checked fresh by `tests/header.rs`).
//!
//! Conventions, for every function:
//! - Fallible functions return a `sso_scim_result` (0 = `SSO_SCIM_RESULT_OK`). Their last
//!   parameter `sso_scim_error **error_out` may be NULL; when it is not and the call fails,
//!   `*error_out` receives an error object (code, message) to release with
//!   `sso_scim_error_free`. Other out-parameters are written only on success.
//! - Strings passed in are borrowed, NUL-terminated UTF-8 (checked: `INVALID_UTF8`), used only
//!   during the call. Byte inputs (request bodies, SAML responses) are pointer + length.
//! - Strings handed out (`char **…_out`) are allocated by the library and released with
//!   `sso_scim_string_free`; `const char *` results are borrowed from the object they came
//!   from (or static), as each function says.
//! - Records, queries, settings, identities and decisions are JSON text with snake_case keys.
//! - Times are milliseconds since the Unix epoch (`int64_t now_ms`; `sso_scim_now_ms()`).
//! - Every function checks its pointers (`NULL_PARAMETER`) and catches panics (`PANIC`):
//!   nothing unwinds into the host.
//! - Handlers and service providers are immutable after creation and may be shared between
//!   threads; the store's callbacks then run concurrently.
#![warn(missing_docs)]

mod handler;
mod result;
mod saml;
mod store;

use std::ffi::{CStr, c_char};

use serde_json::Value;
use sso_scim_core::bridge::{KeyCase, filter_to_sql, json, select_groups, select_users};
use sso_scim_core::token::{ScimToken, hash_token, is_well_formed};
use sso_scim_core::{display_name_key, user_name_key};

pub use handler::*;
pub use result::{
    sso_scim_error, sso_scim_error_code, sso_scim_error_free, sso_scim_error_message, sso_scim_error_result,
    sso_scim_result, sso_scim_result_name,
};
pub use saml::*;
pub use store::*;

use result::{Failure, boundary, boundary_value, out_arg, text_arg, write_string};

const VERSION: &CStr = match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
    Ok(v) => v,
    Err(_) => panic!("the crate version is a C string"),
};

/// The library version (`"0.1.0"`). Static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn sso_scim_version() -> *const c_char {
    VERSION.as_ptr()
}

/// Release a string the library handed out. NULL is ignored.
///
/// # Safety
/// `text` is NULL or a string from a `char **…_out` parameter of this library, not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_string_free(text: *mut c_char) {
    boundary_value((), || {
        if !text.is_null() {
            // SAFETY: a CString this library leaked with `into_raw`, per the contract.
            drop(unsafe { std::ffi::CString::from_raw(text) });
        }
    })
}

/// The current time in milliseconds since the Unix epoch (the `now_ms` the SAML functions take).
#[unsafe(no_mangle)]
pub extern "C" fn sso_scim_now_ms() -> i64 {
    boundary_value(0, || {
        i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
    })
}

/// Read an RFC 3339 instant with a time zone (`"2026-03-04T12:00:05Z"`, fractions kept to the
/// millisecond) into milliseconds since the Unix epoch.
///
/// Errors: `INVALID_ARGUMENT`, `NULL_PARAMETER`, `INVALID_UTF8`. `*ms_out` is written only on
/// success.
///
/// # Safety
/// `text` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_parse_instant(
    text: *const c_char,
    ms_out: *mut i64,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(ms_out, "ms_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let t = json::parse_instant(unsafe { text_arg(text, "text") }?)?;
        let ms = i64::try_from(t.unix_timestamp_nanos().div_euclid(1_000_000))
            .map_err(|_| Failure::argument("the instant is out of range"))?;
        // SAFETY: checked writable above.
        unsafe { *ms_out = ms };
        Ok(())
    })
}

/// A new SCIM bearer token (256 random bits) and the SHA-256 hash a host stores instead of it
/// (64 lower-case hex digits). Show the token to the admin once; never store or log it.
///
/// Both strings are released with `sso_scim_string_free`; written only on success.
///
/// # Safety
/// Out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_generate_token(
    token_out: *mut *mut c_char,
    hash_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(token_out, "token_out")?;
        out_arg(hash_out, "hash_out")?;
        let token = ScimToken::generate();
        let hash = result::new_string(&token.hash().to_hex())?;
        // SAFETY: checked writable above; the hash is written only once the token is.
        match unsafe { write_string(token_out, token.as_str()) } {
            Ok(()) => unsafe { *hash_out = hash },
            Err(e) => {
                // SAFETY: allocated just above and not handed out.
                unsafe { sso_scim_string_free(hash) };
                return Err(e);
            }
        }
        Ok(())
    })
}

/// The SHA-256 hash (64 lower-case hex digits) of any presented token text: what the store's
/// `workspace_for_token` callback is asked for. Release `*hash_out` with `sso_scim_string_free`.
///
/// # Safety
/// `token` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_hash_token(
    token: *const c_char,
    hash_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(hash_out, "hash_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let hash = hash_token(unsafe { text_arg(token, "token") }?);
        // SAFETY: checked writable above.
        unsafe { write_string(hash_out, &hash.to_hex()) }
    })
}

/// Whether `token` has the shape of a token this library generates (prefix, length, alphabet,
/// checksum), without any store lookup. `*well_formed_out` is written only on success.
///
/// # Safety
/// `token` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_is_well_formed_token(
    token: *const c_char,
    well_formed_out: *mut bool,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(well_formed_out, "well_formed_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let well_formed = is_well_formed(unsafe { text_arg(token, "token") }?);
        // SAFETY: checked writable above.
        unsafe { *well_formed_out = well_formed };
        Ok(())
    })
}

/// The key a store compares userNames by (what `find_by_user_name` receives): Unicode lower
/// case. Release `*key_out` with `sso_scim_string_free`.
///
/// # Safety
/// `user_name` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_user_name_key(
    user_name: *const c_char,
    key_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(key_out, "key_out")?;
        // SAFETY: NUL-terminated, per the contract; the result is written only on success.
        unsafe { write_string(key_out, &user_name_key(text_arg(user_name, "user_name")?)) }
    })
}

/// The key a store compares group displayNames by (what `find_group_by_display_name`
/// receives). Release `*key_out` with `sso_scim_string_free`.
///
/// # Safety
/// `display_name` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_display_name_key(
    display_name: *const c_char,
    key_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(key_out, "key_out")?;
        // SAFETY: NUL-terminated, per the contract; the result is written only on success.
        unsafe { write_string(key_out, &display_name_key(text_arg(display_name, "display_name")?)) }
    })
}

fn select(
    query_json: *const c_char,
    records_json: *const c_char,
    page_out: *mut *mut c_char,
    pick: fn(KeyCase, Value, Vec<Value>) -> Result<Value, sso_scim_core::bridge::BridgeError>,
) -> Result<(), Failure> {
    out_arg(page_out, "page_out")?;
    let query = json_arg(query_json, "query_json")?;
    let Value::Array(records) = json_arg(records_json, "records_json")? else {
        return Err(Failure::argument("records_json is not a JSON array"));
    };
    let page = pick(KeyCase::Snake, query, records)?;
    // SAFETY: checked writable above.
    unsafe { write_string(page_out, &page.to_string()) }
}

/// Translate the filter and sort of a query a `query_users` / `query_groups` callback received
/// (`query_json`) into SQL over the host's own columns (`options_json`:
/// `{"dialect", "resource", "columns", "first", "tiebreak"}`). `*sql_out` is
/// `{"where", "params", "exact", "order", "sorted"}`; when `exact` is false the rows the
/// condition selects go through `sso_scim_select_users` / `sso_scim_select_groups`. Release it
/// with `sso_scim_string_free`. May be called from inside a store callback.
///
/// Errors: `INVALID_ARGUMENT` (not a query, bad options, a column an attribute cannot have),
/// `NULL_PARAMETER`, `INVALID_UTF8`.
///
/// # Safety
/// Strings are NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_filter_to_sql(
    query_json: *const c_char,
    options_json: *const c_char,
    sql_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(sql_out, "sql_out")?;
        let query = json_arg(query_json, "query_json")?;
        let options = json_arg(options_json, "options_json")?;
        let translation = filter_to_sql(query, options)?;
        // SAFETY: checked writable above.
        unsafe { write_string(sql_out, &translation.to_string()) }
    })
}

/// A NUL-terminated JSON argument, parsed.
fn json_arg(ptr: *const c_char, name: &str) -> Result<Value, Failure> {
    // SAFETY: NUL-terminated, per the callers' contract.
    let text = unsafe { text_arg(ptr, name) }?;
    serde_json::from_str(text).map_err(|e| Failure::argument(format!("{name} is not JSON: {e}")))
}

/// Answer a `query_users` callback from every user the store keeps for the workspace:
/// filter, sort and page `records_json` (a JSON array of user records) exactly as the core's
/// own in-memory store does, deprovisioned users left out. `query_json` is the query the
/// callback received; `*page_out` is the `{"total_results", "users"}` answer to write back.
/// Release it with `sso_scim_string_free`. May be called from inside a store callback.
///
/// Errors: `INVALID_ARGUMENT` (not a query, or a record that is not a user), `NULL_PARAMETER`,
/// `INVALID_UTF8`.
///
/// # Safety
/// Strings are NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_select_users(
    query_json: *const c_char,
    records_json: *const c_char,
    page_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || select(query_json, records_json, page_out, select_users))
}

/// `sso_scim_select_users` for `query_groups`: `*page_out` is `{"total_results", "groups"}`.
///
/// # Safety
/// Strings are NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_select_groups(
    query_json: *const c_char,
    records_json: *const c_char,
    page_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || select(query_json, records_json, page_out, select_groups))
}
