//! Result codes, the error object, and the boundary every exported function runs through:
//! argument checks, panic catching, out-params written only on success.

use std::ffi::{CStr, CString, c_char};
use std::sync::LazyLock;

use sso_scim_core::bridge::BridgeError;
use sso_scim_core::{ErrorCode, ErrorFamily};

/// What every fallible function returns: `SSO_SCIM_RESULT_OK` (0), one of the core's stable
/// error codes, or one of the three the C ABI adds (`NULL_PARAMETER`, `PANIC`, `INVALID_UTF8`).
///
/// The numbers never change: the core's codes are numbered 1, 2, … in the order of the core's
/// `ErrorCode::ALL` (new core codes are appended), the C ABI's own codes sit at 1000 and up.
/// `sso_scim_result_name` gives the snake_case name of any value (the core's code string).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum sso_scim_result {
    /// Success.
    Ok = 0,
    /// `unauthorized`: no, malformed or unknown bearer token.
    Unauthorized = 1,
    /// `not_found`.
    NotFound = 2,
    /// `method_not_allowed`.
    MethodNotAllowed = 3,
    /// `not_implemented`.
    NotImplemented = 4,
    /// `payload_too_large`.
    PayloadTooLarge = 5,
    /// `too_many_operations`.
    TooManyOperations = 6,
    /// `invalid_syntax`.
    InvalidSyntax = 7,
    /// `invalid_value`.
    InvalidValue = 8,
    /// `invalid_filter`.
    InvalidFilter = 9,
    /// `invalid_path`.
    InvalidPath = 10,
    /// `no_target`.
    NoTarget = 11,
    /// `mutability`.
    Mutability = 12,
    /// `uniqueness`.
    Uniqueness = 13,
    /// `precondition_failed`.
    PreconditionFailed = 14,
    /// `conflict`.
    Conflict = 15,
    /// `store_failed`: a store callback returned `SSO_SCIM_STORE_ERROR` (or a status that is
    /// not a `sso_scim_store_status`); the error message is the callback's own message.
    StoreFailed = 16,
    /// `store_contract_violated`: a store callback answered something that breaks the store
    /// contract (not JSON, the wrong shape, a record of another workspace).
    StoreContractViolated = 17,
    /// `saml_input_too_large`.
    SamlInputTooLarge = 18,
    /// `saml_encoding`.
    SamlEncoding = 19,
    /// `xml_malformed`.
    XmlMalformed = 20,
    /// `xml_doctype_forbidden`.
    XmlDoctypeForbidden = 21,
    /// `xml_limit_exceeded`.
    XmlLimitExceeded = 22,
    /// `malformed_response`.
    MalformedResponse = 23,
    /// `duplicate_id`.
    DuplicateId = 24,
    /// `assertion_count`.
    AssertionCount = 25,
    /// `status_not_success`.
    StatusNotSuccess = 26,
    /// `signature_missing`.
    SignatureMissing = 27,
    /// `signature_invalid`.
    SignatureInvalid = 28,
    /// `signature_unsupported`.
    SignatureUnsupported = 29,
    /// `algorithm_not_allowed`.
    AlgorithmNotAllowed = 30,
    /// `issuer_mismatch`.
    IssuerMismatch = 31,
    /// `destination_mismatch`.
    DestinationMismatch = 32,
    /// `recipient_mismatch`.
    RecipientMismatch = 33,
    /// `audience_mismatch`.
    AudienceMismatch = 34,
    /// `in_response_to_mismatch`.
    InResponseToMismatch = 35,
    /// `unsolicited_response`.
    UnsolicitedResponse = 36,
    /// `not_yet_valid`.
    NotYetValid = 37,
    /// `expired`.
    Expired = 38,
    /// `subject_confirmation_missing`.
    SubjectConfirmationMissing = 39,
    /// `name_id_missing`.
    NameIdMissing = 40,
    /// `decryption_failed`.
    DecryptionFailed = 41,
    /// `replayed`.
    Replayed = 42,
    /// `unknown_user`.
    UnknownUser = 43,
    /// `user_archived`.
    UserArchived = 44,
    /// `wrong_workspace`.
    WrongWorkspace = 45,
    /// `invalid_settings`: SAML or SCIM settings that cannot work.
    InvalidSettings = 46,
    /// `invalid_certificate`.
    InvalidCertificate = 47,
    /// `invalid_key`.
    InvalidKey = 48,
    /// `invalid_metadata`.
    InvalidMetadata = 49,
    /// `invalid_store`: a required store callback is NULL.
    InvalidStore = 50,
    /// `invalid_argument`: an argument of the wrong shape (JSON that is not what the function
    /// takes, an index out of range, a time out of range).
    InvalidArgument = 51,
    /// `null_parameter`: a required pointer argument is NULL.
    NullParameter = 1000,
    /// `panic`: the library hit a bug and caught it at the boundary; the call had no effect
    /// on the library's objects, which stay usable.
    Panic = 1001,
    /// `invalid_utf8`: a string argument is not UTF-8.
    InvalidUtf8 = 1002,
}

use sso_scim_core::bridge::catch_quietly;
use sso_scim_result as R;

/// How many of the core's codes have a number of their own: every row of the error table but
/// the [`Internal`](ErrorFamily::Internal) family's, which is the C ABI's `PANIC`.
const NUMBERED: usize = {
    let mut count = 0;
    let mut i = 0;
    while i < ErrorCode::ALL.len() {
        if !matches!(ErrorCode::ALL[i].family(), ErrorFamily::Internal) {
            count += 1;
        }
        i += 1;
    }
    count
};

/// The core's numbered codes in `ErrorCode::ALL` order, `ALL[i]` being number `i + 1`
/// (internal rows have no entry; their number stays unused). Literal because cbindgen reads
/// the enum above, not the table; a new core row makes this array one short (a compile
/// error) until it gets its C value, and the tests check it row by row.
const CORE: [sso_scim_result; NUMBERED] = [
    R::Unauthorized,
    R::NotFound,
    R::MethodNotAllowed,
    R::NotImplemented,
    R::PayloadTooLarge,
    R::TooManyOperations,
    R::InvalidSyntax,
    R::InvalidValue,
    R::InvalidFilter,
    R::InvalidPath,
    R::NoTarget,
    R::Mutability,
    R::Uniqueness,
    R::PreconditionFailed,
    R::Conflict,
    R::StoreFailed,
    R::StoreContractViolated,
    R::SamlInputTooLarge,
    R::SamlEncoding,
    R::XmlMalformed,
    R::XmlDoctypeForbidden,
    R::XmlLimitExceeded,
    R::MalformedResponse,
    R::DuplicateId,
    R::AssertionCount,
    R::StatusNotSuccess,
    R::SignatureMissing,
    R::SignatureInvalid,
    R::SignatureUnsupported,
    R::AlgorithmNotAllowed,
    R::IssuerMismatch,
    R::DestinationMismatch,
    R::RecipientMismatch,
    R::AudienceMismatch,
    R::InResponseToMismatch,
    R::UnsolicitedResponse,
    R::NotYetValid,
    R::Expired,
    R::SubjectConfirmationMissing,
    R::NameIdMissing,
    R::DecryptionFailed,
    R::Replayed,
    R::UnknownUser,
    R::UserArchived,
    R::WrongWorkspace,
    R::InvalidSettings,
    R::InvalidCertificate,
    R::InvalidKey,
    R::InvalidMetadata,
    R::InvalidStore,
    R::InvalidArgument,
];

/// The C ABI's own results, beyond the core's codes.
const OWN: [(sso_scim_result, &str); 4] =
    [(R::Ok, "ok"), (R::NullParameter, "null_parameter"), (R::Panic, "panic"), (R::InvalidUtf8, "invalid_utf8")];

impl sso_scim_result {
    /// Every value: the C ABI's own, then the core's.
    pub fn all() -> impl Iterator<Item = sso_scim_result> {
        OWN.iter().map(|(r, _)| *r).chain(CORE)
    }

    /// The result for a core code: its number from the table's order, or `PANIC` for a
    /// fault of the library itself.
    pub fn from_code(code: ErrorCode) -> Self {
        match code.family() {
            ErrorFamily::Internal => R::Panic,
            ErrorFamily::Scim
            | ErrorFamily::Saml
            | ErrorFamily::Settings
            | ErrorFamily::Store
            | ErrorFamily::Argument => {
                // Looked up by number, not by index: internal rows have no C value, so the two
                // arrays would part after one.
                let number = ErrorCode::ALL.iter().position(|c| *c == code).map(|i| i + 1);
                CORE.iter().copied().find(|r| Some(*r as u32 as usize) == number).unwrap_or(R::Panic)
            }
        }
    }

    /// The snake_case name: the core's code string, or one of the C ABI's own names.
    pub fn name(self) -> &'static str {
        if let Some((_, name)) = OWN.iter().find(|(r, _)| *r == self) {
            return name;
        }
        let index = (self as u32 as usize).wrapping_sub(1);
        ErrorCode::ALL.get(index).map_or("invalid_argument", |c| c.as_str())
    }

    fn from_u32(value: u32) -> Option<Self> {
        Self::all().find(|r| *r as u32 == value)
    }
}

/// The NUL-terminated names, built once: `sso_scim_result_name` hands out static pointers.
static NAMES: LazyLock<Vec<(sso_scim_result, CString)>> =
    LazyLock::new(|| sso_scim_result::all().map(|r| (r, CString::new(r.name()).unwrap_or_default())).collect());

pub(crate) fn static_name(result: sso_scim_result) -> &'static CStr {
    NAMES.iter().find(|(r, _)| *r == result).map_or(c"invalid_argument", |(_, n)| n.as_c_str())
}

/// The snake_case name of a result value (`"ok"`, `"signature_invalid"`, `"null_parameter"`),
/// or NULL for a number that is no `sso_scim_result`.
///
/// Ownership: the string is static; never free it. Thread-safe.
#[unsafe(no_mangle)]
pub extern "C" fn sso_scim_result_name(result: u32) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        sso_scim_result::from_u32(result).map_or(std::ptr::null(), |r| static_name(r).as_ptr())
    })
}

/// A failed call: its result and a message naming what was wrong.
///
/// Created by the library for the caller (the trailing `error_out` parameter of every
/// fallible function), read with `sso_scim_error_result` / `_code` / `_message`, released with
/// `sso_scim_error_free`. Immutable: readable from any thread until it is freed.
#[allow(non_camel_case_types)]
pub struct sso_scim_error {
    result: sso_scim_result,
    message: CString,
}

/// Why a call failed, before it becomes a `sso_scim_error`.
#[derive(Debug)]
pub(crate) struct Failure {
    pub result: sso_scim_result,
    pub message: String,
}

impl Failure {
    pub fn new(result: sso_scim_result, message: impl Into<String>) -> Self {
        Failure { result, message: message.into() }
    }

    pub fn code(code: ErrorCode, message: impl Into<String>) -> Self {
        Failure::new(sso_scim_result::from_code(code), message)
    }

    pub fn null(name: &str) -> Self {
        Failure::new(R::NullParameter, format!("{name} is NULL"))
    }

    pub fn argument(message: impl Into<String>) -> Self {
        Failure::code(ErrorCode::InvalidArgument, message)
    }
}

/// A core refusal (`BridgeError` and `SamlError` are one type) keeps its code and message.
impl From<BridgeError> for Failure {
    fn from(e: BridgeError) -> Self {
        Failure::code(e.code(), e.message())
    }
}

/// A C string without interior NULs (each replaced by U+FFFD, so nothing is cut off).
pub(crate) fn c_string_lossy(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).unwrap_or_default()
}

/// Run the body of a fallible exported function: a panic becomes `PANIC`, a failure writes
/// `*error_out` (when `error_out` is not NULL) and returns its result.
pub(crate) fn boundary(
    error_out: *mut *mut sso_scim_error,
    body: impl FnOnce() -> Result<(), Failure>,
) -> sso_scim_result {
    // Quietly: a caught bug of ours is reported through the result, never printed on the
    // host process's stderr.
    let failure = match catch_quietly(body) {
        Ok(Ok(())) => return R::Ok,
        Ok(Err(failure)) => failure,
        Err(message) => Failure::new(R::Panic, message),
    };
    let result = failure.result;
    if !error_out.is_null() {
        let error = Box::new(sso_scim_error { result, message: c_string_lossy(&failure.message) });
        // SAFETY: the caller passes either NULL (checked above) or a writable pointer.
        unsafe { *error_out = Box::into_raw(error) };
    }
    result
}

/// Run the body of an infallible accessor: a panic gives `fallback`.
pub(crate) fn boundary_value<T>(fallback: T, body: impl FnOnce() -> T) -> T {
    catch_quietly(body).unwrap_or(fallback)
}

/// The result of a failed call.
///
/// `error` may be NULL (gives `SSO_SCIM_RESULT_NULL_PARAMETER`). Thread-safe for reading.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_error_result(error: *const sso_scim_error) -> sso_scim_result {
    boundary_value(R::Panic, || {
        // SAFETY: NULL or a live error, per the contract.
        unsafe { error.as_ref() }.map_or(R::NullParameter, |e| e.result)
    })
}

/// The stable snake_case code of a failed call (`"signature_invalid"`, `"store_failed"`,
/// `"null_parameter"`): the same string as `sso_scim_result_name(sso_scim_error_result(e))`.
///
/// Ownership: static; never free it. NULL when `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_error_code(error: *const sso_scim_error) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        // SAFETY: NULL or a live error, per the contract.
        unsafe { error.as_ref() }.map_or(std::ptr::null(), |e| static_name(e.result).as_ptr())
    })
}

/// The human message of a failed call (UTF-8, NUL-terminated). For `store_failed` it is the
/// message the store callback wrote.
///
/// Ownership: borrowed from `error`, valid until `sso_scim_error_free(error)`. NULL when
/// `error` is NULL.
///
/// # Safety
/// `error` is NULL or a live error from this library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_error_message(error: *const sso_scim_error) -> *const c_char {
    boundary_value(std::ptr::null(), || {
        // SAFETY: NULL or a live error, per the contract.
        unsafe { error.as_ref() }.map_or(std::ptr::null(), |e| e.message.as_ptr())
    })
}

/// Release an error. NULL is ignored.
///
/// # Safety
/// `error` is NULL or an error from this library not freed before.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_error_free(error: *mut sso_scim_error) {
    boundary_value((), || {
        if !error.is_null() {
            // SAFETY: an error this library boxed and the caller has not freed.
            drop(unsafe { Box::from_raw(error) });
        }
    })
}

/// A borrowed, checked UTF-8 string argument.
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn text_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    // SAFETY: the caller's contract.
    unsafe { optional_text_arg(ptr, name) }?.ok_or_else(|| Failure::null(name))
}

/// A borrowed string argument that may be NULL (absent).
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn optional_text_arg<'a>(ptr: *const c_char, name: &str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: a NUL-terminated string, per the contract.
    let bytes = unsafe { CStr::from_ptr(ptr) }.to_bytes();
    std::str::from_utf8(bytes).map(Some).map_err(|e| Failure::new(R::InvalidUtf8, format!("{name} is not UTF-8 ({e})")))
}

/// A borrowed array of `count` checked UTF-8 strings; NULL is allowed when `count` is 0. A NULL
/// array with a count, or a NULL element, is `NULL_PARAMETER`; an element that is not UTF-8 is
/// `INVALID_UTF8`; both name the element (`name[i]`).
///
/// # Safety
/// `ptr` is NULL or points to `count` pointers, each NULL or a NUL-terminated string, that
/// outlive `'a`.
pub(crate) unsafe fn text_list_arg<'a>(
    ptr: *const *const c_char,
    count: usize,
    name: &str,
) -> Result<Vec<&'a str>, Failure> {
    if ptr.is_null() {
        return if count == 0 { Ok(Vec::new()) } else { Err(Failure::null(name)) };
    }
    // SAFETY: `count` readable pointers, per the contract.
    let items = unsafe { std::slice::from_raw_parts(ptr, count) };
    items
        .iter()
        .enumerate()
        // SAFETY: each is NULL or NUL-terminated, per the contract.
        .map(|(i, item)| unsafe { text_arg(*item, &format!("{name}[{i}]")) })
        .collect()
}

/// A borrowed byte-buffer argument; NULL is allowed when `len` is 0.
///
/// # Safety
/// `ptr` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn bytes_arg<'a>(ptr: *const u8, len: usize, name: &str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Failure::null(name)) };
    }
    // SAFETY: `len` readable bytes, per the contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Check that an out-parameter can be written.
pub(crate) fn out_arg<T>(ptr: *mut T, name: &str) -> Result<(), Failure> {
    if ptr.is_null() { Err(Failure::null(name)) } else { Ok(()) }
}

/// A library-allocated string for the caller (released with `sso_scim_string_free`).
pub(crate) fn new_string(text: &str) -> Result<*mut c_char, Failure> {
    CString::new(text)
        .map(CString::into_raw)
        .map_err(|_| Failure::argument("the result contains a NUL character and cannot be a C string"))
}

/// Write a library-allocated string into a checked out-parameter.
///
/// # Safety
/// `out` was checked with [`out_arg`] and is writable.
pub(crate) unsafe fn write_string(out: *mut *mut c_char, text: &str) -> Result<(), Failure> {
    let s = new_string(text)?;
    // SAFETY: the caller's contract.
    unsafe { *out = s };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_panic_result_with_an_error_object() {
        let mut error: *mut sso_scim_error = std::ptr::null_mut();
        let result = boundary(&mut error, || panic!("boom"));
        assert_eq!(result, R::Panic);
        assert!(!error.is_null());
        // SAFETY: written by `boundary` just now.
        unsafe {
            assert_eq!(CStr::from_ptr(sso_scim_error_code(error)).to_str().unwrap(), "panic");
            let message = CStr::from_ptr(sso_scim_error_message(error)).to_str().unwrap();
            assert!(message.contains("boom"), "{message}");
            sso_scim_error_free(error);
        }
        assert_eq!(boundary_value(7, || panic!("again")), 7);
    }

    #[test]
    fn results_round_trip_through_their_numbers_and_names() {
        for r in sso_scim_result::all() {
            assert_eq!(sso_scim_result::from_u32(r as u32), Some(r));
            // SAFETY: a static NUL-terminated name.
            let name = unsafe { CStr::from_ptr(sso_scim_result_name(r as u32)) };
            assert_eq!(name.to_str().unwrap(), r.name());
        }
        for (i, code) in ErrorCode::ALL.iter().enumerate() {
            let r = sso_scim_result::from_code(*code);
            if code.family() == ErrorFamily::Internal {
                assert_eq!(r, R::Panic, "a caught bug is PANIC in C");
                continue;
            }
            // Every row: its number, its name, and the literal C variant of the same name.
            assert_eq!((r as u32 as usize, r.name()), (i + 1, code.as_str()));
            assert!(CORE.contains(&r));
            assert_eq!(format!("{r:?}"), format!("{code:?}"), "row {} of the table", i + 1);
        }
        assert_eq!(CORE.len(), NUMBERED);
        let last = u32::try_from(NUMBERED).unwrap();
        assert!(!sso_scim_result_name(last).is_null());
        assert!(sso_scim_result_name(last + 1).is_null());
        assert!(sso_scim_result_name(999).is_null());
    }

    #[test]
    fn the_error_message_keeps_everything_after_a_nul() {
        let mut error: *mut sso_scim_error = std::ptr::null_mut();
        boundary(&mut error, || Err(Failure::argument("a\0b")));
        // SAFETY: written by `boundary` just now.
        unsafe {
            assert_eq!(CStr::from_ptr(sso_scim_error_message(error)).to_str().unwrap(), "a\u{FFFD}b");
            sso_scim_error_free(error);
        }
    }
}
