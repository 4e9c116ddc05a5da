//! The host's store as a C vtable, and the glue that makes it a `bridge::HostStore`.

use std::ffi::{CString, c_char, c_void};
use std::fmt;

use serde_json::Value;
use sso_scim_core::bridge::{HostStore, StoreMethod};
use sso_scim_core::{StoreError, StoreErrorKind};

use crate::result::{Failure, boundary, bytes_arg, sso_scim_error, sso_scim_result};

/// What a store callback returns (one of the `SSO_SCIM_STORE_*` values).
///
/// A plain integer rather than an enum type so that any value a callback returns is well
/// defined on the Rust side: a value that is none of the constants counts as
/// `SSO_SCIM_STORE_ERROR`.
#[allow(non_camel_case_types)]
pub type sso_scim_store_status = u32;

/// The callback answered: its JSON answer is in the buffer.
pub const SSO_SCIM_STORE_OK: sso_scim_store_status = 0;
/// `insert_*` / `update_*`: the userName (or group displayName) key is taken.
pub const SSO_SCIM_STORE_CONFLICT: sso_scim_store_status = 1;
/// `update_*` / `delete_group`: the stored version is not the expected one.
pub const SSO_SCIM_STORE_VERSION_MISMATCH: sso_scim_store_status = 2;
/// `update_*` / `delete_group`: no such record.
pub const SSO_SCIM_STORE_NOT_FOUND: sso_scim_store_status = 3;
/// The store does not offer this operation (`/Groups` then answers 501).
pub const SSO_SCIM_STORE_UNSUPPORTED: sso_scim_store_status = 4;
/// Anything else failed (the database is down…): the call that drove the store fails with
/// `SSO_SCIM_RESULT_STORE_FAILED` and the message written to the buffer.
pub const SSO_SCIM_STORE_ERROR: sso_scim_store_status = 5;

/// The buffer a store callback writes its answer into (`sso_scim_buffer_write`): on
/// `SSO_SCIM_STORE_OK` one JSON value (`null`, `true`, an object…), on any other status an
/// optional human message.
///
/// Owned by the library and valid only during the callback it is passed to; never keep it.
#[allow(non_camel_case_types)]
pub struct sso_scim_buffer {
    bytes: Vec<u8>,
}

/// Append `len` bytes at `data` to a store callback's answer. The bytes need not be
/// NUL-terminated; a callback may write its answer in several pieces.
///
/// Returns `SSO_SCIM_RESULT_NULL_PARAMETER` when `buffer` is NULL, or `data` is NULL with a
/// non-zero `len`.
///
/// # Safety
/// `buffer` is the buffer passed to the running callback; `data` points to `len` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_buffer_write(
    buffer: *mut sso_scim_buffer,
    data: *const c_char,
    len: usize,
) -> sso_scim_result {
    boundary(std::ptr::null_mut::<*mut sso_scim_error>(), || {
        // SAFETY: the callback's buffer, per the contract.
        let buffer = unsafe { buffer.as_mut() }.ok_or_else(|| Failure::null("buffer"))?;
        // SAFETY: `len` readable bytes, per the contract.
        let data = unsafe { bytes_arg(data.cast(), len, "data") }?;
        buffer.bytes.extend_from_slice(data);
        Ok(())
    })
}

/// Append a NUL-terminated string to a store callback's answer (`sso_scim_buffer_write`
/// with `strlen(text)`).
///
/// # Safety
/// `buffer` is the buffer passed to the running callback; `text` is NUL-terminated.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_buffer_write_str(
    buffer: *mut sso_scim_buffer,
    text: *const c_char,
) -> sso_scim_result {
    if text.is_null() {
        return sso_scim_result::NullParameter;
    }
    // SAFETY: a NUL-terminated string, per the contract.
    let len = unsafe { std::ffi::CStr::from_ptr(text) }.count_bytes();
    // SAFETY: the contract of sso_scim_buffer_write.
    unsafe { sso_scim_buffer_write(buffer, text, len) }
}

/// The host's store: one callback per store method, each called synchronously on the thread
/// that called into the library, before that call returns.
///
/// Every callback takes `userdata` first, then its arguments as borrowed NUL-terminated UTF-8
/// (ids and keys as plain strings, records and queries as JSON text in the snake_case wire
/// form), valid only during the call; it writes its answer with `sso_scim_buffer_write` into
/// `out` and returns a `sso_scim_store_status`. The wire protocol (arguments and answers of
/// each method) is documented in the README and on the core's `StoreMethod`:
///
/// | callback | answer on `SSO_SCIM_STORE_OK` |
/// | --- | --- |
/// | `workspace_for_token(token_hash)` | `null` or `{"workspace": {"id", "name", "default_role"}, "token_hash": …}` |
/// | `get_user(workspace_id, id)` | `null` or a user record |
/// | `find_by_user_name(workspace_id, user_name_key)` | `null` or a user (archived and deprovisioned included) |
/// | `query_users(workspace_id, query_json)` | `{"total_results": n, "users": […]}` (`sso_scim_select_users` answers it from a list) |
/// | `insert_user(user_json)` | the stored user or `null` (stored as given); `CONFLICT` on a taken userName key |
/// | `update_user(user_json, expected_version)` | the stored user or `null`; `VERSION_MISMATCH`, `NOT_FOUND`, `CONFLICT` |
/// | `remember_assertion(workspace_id, key, not_on_or_after)` | `true` the first time, `false` on a replay |
/// | `get_group`, `find_group_by_display_name`, `query_groups`, `insert_group`, `update_group`, `delete_group` | the same for groups; `delete_group` answers anything |
///
/// The seven user and assertion callbacks are required (a NULL one is refused by
/// `sso_scim_handler_new` with `SSO_SCIM_RESULT_INVALID_STORE`). The six group callbacks are
/// optional: all NULL means "no groups" (`/Groups` answers 501); a NULL one among others
/// answers 501 for what needs it.
///
/// Id and key arguments never contain NUL: a lookup for an id or key with U+0000 in it
/// (which no C string can hold) is answered `null` without calling the store.
///
/// Thread-safety: a handler may be used from several threads at once; the callbacks are then
/// called concurrently and must be thread-safe. Callbacks must return normally (no C++
/// exception, no `longjmp` across the library) and may call back into the library
/// (`sso_scim_select_users`, `sso_scim_user_name_key`, …).
#[repr(C)]
#[derive(Clone, Copy)]
#[allow(non_camel_case_types)]
pub struct sso_scim_store {
    /// Passed as the first argument to every callback and to `destroy`.
    pub userdata: *mut c_void,
    /// Required. The grant for a token hash (64 lower-case hex digits).
    pub workspace_for_token: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            token_hash: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Required. A user by id.
    pub get_user: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            id: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Required. A user by `sso_scim_user_name_key(userName)`.
    pub find_by_user_name: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            user_name_key: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Required. A page of users for a query (deprovisioned users left out).
    pub query_users: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            query_json: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Required. Store a new user.
    pub insert_user: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            user_json: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Required. Replace a user whose stored version is `expected_version`.
    pub update_user: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            user_json: *const c_char,
            expected_version: u64,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Required. Remember a SAML assertion until `not_on_or_after` (RFC 3339, UTC).
    pub remember_assertion: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            assertion_key: *const c_char,
            not_on_or_after: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. A group by id.
    pub get_group: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            id: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. A group by `sso_scim_display_name_key(displayName)`.
    pub find_group_by_display_name: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            display_name_key: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. A page of groups for a query.
    pub query_groups: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            query_json: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. Store a new group.
    pub insert_group: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            group_json: *const c_char,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. Replace a group whose stored version is `expected_version`.
    pub update_group: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            group_json: *const c_char,
            expected_version: u64,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. Delete a group whose stored version is `expected_version`.
    pub delete_group: Option<
        unsafe extern "C" fn(
            userdata: *mut c_void,
            workspace_id: *const c_char,
            id: *const c_char,
            expected_version: u64,
            out: *mut sso_scim_buffer,
        ) -> sso_scim_store_status,
    >,
    /// Optional. Called once with `userdata` when the handler that owns the store is freed
    /// (never when `sso_scim_handler_new` fails: the caller still owns `userdata` then).
    pub destroy: Option<unsafe extern "C" fn(userdata: *mut c_void)>,
}

/// The store's own failure: the message its callback wrote, kept as the store error's source.
#[derive(Debug)]
pub(crate) struct CStoreError(pub String);

impl fmt::Display for CStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CStoreError {}

/// The vtable as a `HostStore`. Owns `userdata` (released through `destroy` on drop).
pub(crate) struct CStore {
    vtable: sso_scim_store,
}

// SAFETY: the store contract makes the host responsible for thread-safe callbacks (documented
// on `sso_scim_store`); the library itself only copies the pointers.
unsafe impl Send for CStore {}
// SAFETY: as above.
unsafe impl Sync for CStore {}

impl Drop for CStore {
    fn drop(&mut self) {
        if let Some(destroy) = self.vtable.destroy {
            // SAFETY: the host's destructor for its own userdata, called exactly once.
            unsafe { destroy(self.vtable.userdata) };
        }
    }
}

/// One argument as a C string, or the reason the call cannot be made.
enum Arg {
    Text(CString),
    /// A string with U+0000: no C store can hold such an id or key.
    Nul,
}

fn text(value: &Value) -> Arg {
    let s = value.as_str().unwrap_or_default();
    CString::new(s).map_or(Arg::Nul, Arg::Text)
}

fn json(value: &Value) -> CString {
    // JSON text escapes U+0000, so it always is a C string.
    CString::new(value.to_string()).unwrap_or_default()
}

impl CStore {
    /// Take over a vtable: refused (`invalid_store`) when a required callback is NULL.
    pub fn new(vtable: sso_scim_store) -> Result<CStore, Failure> {
        let missing: Vec<&str> =
            StoreMethod::ALL.iter().filter(|m| !m.is_optional() && !vtable.has(**m)).map(|m| m.snake_name()).collect();
        if !missing.is_empty() {
            return Err(Failure::code(
                sso_scim_core::ErrorCode::InvalidStore,
                format!("the store lacks the required callback(s) {}", missing.join(", ")),
            ));
        }
        Ok(CStore { vtable })
    }

    fn answer(&self, method: StoreMethod, args: &[Value]) -> Result<Value, StoreError> {
        let v = &self.vtable;
        let ud = v.userdata;
        let mut buffer = sso_scim_buffer { bytes: Vec::new() };
        let out: *mut sso_scim_buffer = &mut buffer;
        let arg = |i: usize| args.get(i).unwrap_or(&Value::Null);
        let version = |i: usize| arg(i).as_u64().unwrap_or_default();
        // Strings for the C side; `None` when an id or key holds U+0000.
        let texts = |n: usize| -> Option<Vec<CString>> {
            (0..n)
                .map(|i| match text(arg(i)) {
                    Arg::Text(s) => Some(s),
                    Arg::Nul => None,
                })
                .collect()
        };
        let unsupported = || StoreError::unsupported(method.snake_name());
        // SAFETY (every call below): the host's callback with the arguments its type names;
        // the C strings and the buffer outlive the call.
        let status = match method {
            StoreMethod::WorkspaceForToken => {
                let Some(s) = texts(1) else { return Ok(Value::Null) };
                unsafe { v.workspace_for_token.ok_or_else(unsupported)?(ud, s[0].as_ptr(), out) }
            }
            StoreMethod::GetUser
            | StoreMethod::FindByUserName
            | StoreMethod::GetGroup
            | StoreMethod::FindGroupByDisplayName => {
                let f = match method {
                    StoreMethod::GetUser => v.get_user,
                    StoreMethod::FindByUserName => v.find_by_user_name,
                    StoreMethod::GetGroup => v.get_group,
                    _ => v.find_group_by_display_name,
                };
                let f = f.ok_or_else(unsupported)?;
                let Some(s) = texts(2) else { return Ok(Value::Null) };
                unsafe { f(ud, s[0].as_ptr(), s[1].as_ptr(), out) }
            }
            StoreMethod::QueryUsers | StoreMethod::QueryGroups => {
                let f = if method == StoreMethod::QueryUsers { v.query_users } else { v.query_groups };
                let f = f.ok_or_else(unsupported)?;
                let ws = match text(arg(0)) {
                    Arg::Text(s) => s,
                    Arg::Nul => return Err(nul_argument(method)),
                };
                unsafe { f(ud, ws.as_ptr(), json(arg(1)).as_ptr(), out) }
            }
            StoreMethod::InsertUser | StoreMethod::InsertGroup => {
                let f = if method == StoreMethod::InsertUser { v.insert_user } else { v.insert_group };
                unsafe { f.ok_or_else(unsupported)?(ud, json(arg(0)).as_ptr(), out) }
            }
            StoreMethod::UpdateUser | StoreMethod::UpdateGroup => {
                let f = if method == StoreMethod::UpdateUser { v.update_user } else { v.update_group };
                unsafe { f.ok_or_else(unsupported)?(ud, json(arg(0)).as_ptr(), version(1), out) }
            }
            StoreMethod::RememberAssertion => {
                let f = v.remember_assertion.ok_or_else(unsupported)?;
                let s = texts(3).ok_or_else(|| nul_argument(method))?;
                unsafe { f(ud, s[0].as_ptr(), s[1].as_ptr(), s[2].as_ptr(), out) }
            }
            StoreMethod::DeleteGroup => {
                let f = v.delete_group.ok_or_else(unsupported)?;
                let Some(s) = texts(2) else {
                    return Err(StoreError::new(StoreErrorKind::NotFound, "no group has an id with U+0000"));
                };
                unsafe { f(ud, s[0].as_ptr(), s[1].as_ptr(), version(2), out) }
            }
        };
        settle(method, status, buffer.bytes)
    }
}

fn nul_argument(method: StoreMethod) -> StoreError {
    StoreError::failed(CStoreError(format!(
        "an argument of {} holds U+0000, which a C string cannot",
        method.snake_name()
    )))
}

/// The callback's status and buffer as the answer the bridge expects.
fn settle(method: StoreMethod, status: sso_scim_store_status, bytes: Vec<u8>) -> Result<Value, StoreError> {
    let name = method.snake_name();
    if status == SSO_SCIM_STORE_OK {
        return serde_json::from_slice(&bytes).map_err(|e| {
            let what = if bytes.is_empty() { "nothing".to_owned() } else { format!("text that is not JSON ({e})") };
            StoreError::new(
                StoreErrorKind::ContractViolated,
                format!("the store's {name} callback returned SSO_SCIM_STORE_OK with {what}; write one JSON value (null for none)"),
            )
        });
    }
    let message = String::from_utf8_lossy(&bytes).into_owned();
    let kind = match status {
        SSO_SCIM_STORE_CONFLICT => "conflict",
        SSO_SCIM_STORE_VERSION_MISMATCH => "version_mismatch",
        SSO_SCIM_STORE_NOT_FOUND => "not_found",
        SSO_SCIM_STORE_UNSUPPORTED => "unsupported",
        SSO_SCIM_STORE_ERROR => "",
        other => {
            let message =
                format!("the store's {name} callback returned {other}, which is no sso_scim_store_status: {message}");
            return Err(StoreError::failed(CStoreError(message)));
        }
    };
    let kind = StoreErrorKind::from_host_code(kind);
    if kind == StoreErrorKind::Failed {
        let message = if message.is_empty() { format!("the store's {name} callback failed") } else { message };
        return Err(StoreError::failed(CStoreError(message)));
    }
    let message = if message.is_empty() { format!("{name}: {}", kind.as_str()) } else { message };
    Err(StoreError::new(kind, message))
}

impl sso_scim_store {
    fn has(&self, method: StoreMethod) -> bool {
        match method {
            StoreMethod::WorkspaceForToken => self.workspace_for_token.is_some(),
            StoreMethod::GetUser => self.get_user.is_some(),
            StoreMethod::FindByUserName => self.find_by_user_name.is_some(),
            StoreMethod::QueryUsers => self.query_users.is_some(),
            StoreMethod::InsertUser => self.insert_user.is_some(),
            StoreMethod::UpdateUser => self.update_user.is_some(),
            StoreMethod::RememberAssertion => self.remember_assertion.is_some(),
            StoreMethod::GetGroup => self.get_group.is_some(),
            StoreMethod::FindGroupByDisplayName => self.find_group_by_display_name.is_some(),
            StoreMethod::QueryGroups => self.query_groups.is_some(),
            StoreMethod::InsertGroup => self.insert_group.is_some(),
            StoreMethod::UpdateGroup => self.update_group.is_some(),
            StoreMethod::DeleteGroup => self.delete_group.is_some(),
        }
    }
}

impl HostStore for CStore {
    fn call(
        &self,
        method: StoreMethod,
        args: Vec<Value>,
    ) -> impl std::future::Future<Output = Result<Value, StoreError>> + Send {
        // A C callback is synchronous: the answer is ready before the future is polled.
        std::future::ready(self.answer(method, &args))
    }
}
