//! The exception side: the core's stable codes raised as `sso_scim` exceptions, and a host's
//! own exception carried through the core untouched.
//!
//! The exception classes are plain Python classes (`sso_scim/_errors.py`) so hosts get normal
//! exception behaviour (pickling, multiple inheritance with `ValueError`); this module only
//! picks the class for a code and instantiates it.

use std::cell::Cell;
use std::fmt;

use pyo3::exceptions::{PyRecursionError, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use sso_scim_core::bridge::{BridgeError, StoreMethod, catch_quietly};
use sso_scim_core::saml::SamlError;
use sso_scim_core::{ErrorCode, ErrorFamily, StoreError, StoreErrorKind};

/// The `sso_scim._errors` class a family is raised as: one class per family of the core's
/// error table (a new family fails to compile here until it has a class).
pub const fn class_name(family: ErrorFamily) -> &'static str {
    match family {
        ErrorFamily::Scim => "ScimError",
        ErrorFamily::Saml => "SamlError",
        ErrorFamily::Settings => "ConfigurationError",
        ErrorFamily::Store => "StoreContractError",
        ErrorFamily::Argument => "InvalidArgumentError",
        ErrorFamily::Internal => "InternalError",
    }
}

/// The Python class an error code is raised as: its family's, from the core's error table.
pub const fn family(code: ErrorCode) -> &'static str {
    class_name(code.family())
}

/// The family a SAML call raises a code of `family` as: a code SCIM shares (an over-long
/// RelayState is `invalid_value`) is still a refusal of the SAML call, so a host catching
/// `SamlError` around its sign-in code catches it.
const fn in_saml_call(family: ErrorFamily) -> ErrorFamily {
    match family {
        ErrorFamily::Scim | ErrorFamily::Saml => ErrorFamily::Saml,
        ErrorFamily::Settings => ErrorFamily::Settings,
        ErrorFamily::Store => ErrorFamily::Store,
        ErrorFamily::Argument => ErrorFamily::Argument,
        ErrorFamily::Internal => ErrorFamily::Internal,
    }
}

static ERRORS_MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn errors_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    ERRORS_MODULE.get_or_try_init(py, || py.import("sso_scim._errors").map(Bound::unbind)).map(|m| m.bind(py))
}

/// A class of `sso_scim._errors` by name.
pub fn class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    Ok(errors_module(py)?.getattr(name)?.cast_into::<PyType>()?)
}

/// The exception for `code` with `message`: an instance of its family's class.
pub fn error(py: Python<'_>, code: ErrorCode, message: &str) -> PyErr {
    raise_as(py, family(code), code, message)
}

fn raise_as(py: Python<'_>, class_name: &str, code: ErrorCode, message: &str) -> PyErr {
    match class(py, class_name).and_then(|cls| cls.call1((code.as_str(), message))) {
        Ok(exc) => PyErr::from_value(exc),
        // Only if the package itself is broken (the module cannot be imported).
        Err(e) => e,
    }
}

/// `InvalidArgumentError` (`invalid_argument`).
pub fn argument_error(py: Python<'_>, message: &str) -> PyErr {
    error(py, ErrorCode::InvalidArgument, message)
}

/// `InternalError` (`internal_error`): a fault inside sso-scim (a caught panic).
pub fn internal_error(py: Python<'_>, message: &str) -> PyErr {
    error(py, ErrorCode::InternalError, message)
}

/// How many entry points may run nested on one thread: a store method calling back into the
/// handler (`handle` from `get_user`…) is refused with `RecursionError` past this depth,
/// instead of overflowing the thread's stack (each level costs the core's frames too: a
/// debug build used up 8 MiB in 133 levels).
pub const MAX_NESTING: usize = 32;

thread_local! {
    /// Entry points running on this thread, outermost first.
    static NESTING: Cell<usize> = const { Cell::new(0) };
}

/// Run the work of an entry point: a panic inside it (a bug of sso-scim) is raised as
/// `InternalError` instead of pyo3's `PanicException` (a `BaseException`, past
/// `except Exception`), and nothing is printed on the host's stderr for it. Entered more than
/// [`MAX_NESTING`] deep on one thread (a store calling back in, again and again), it raises
/// `RecursionError` without running `f`.
pub fn guarded<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let depth = NESTING.with(Cell::get);
    if depth >= MAX_NESTING {
        return Err(PyRecursionError::new_err(format!(
            "sso_scim entered {MAX_NESTING} calls deep on this thread (a store method calling the \
             handler, which calls the store again?)"
        )));
    }
    NESTING.with(|n| n.set(depth + 1));
    let out = catch_quietly(f);
    NESTING.with(|n| n.set(depth));
    out.unwrap_or_else(|message| Err(internal_error(py, &message)))
}

/// A refused binding call, raised as its code's family's class.
pub fn bridge_error(py: Python<'_>, e: &BridgeError) -> PyErr {
    error(py, e.code(), e.message())
}

/// A refused SAML message or unusable SAML setting (the same core type as a binding call's
/// refusal, raised by a SAML call): a code SCIM shares (an over-long RelayState is
/// `invalid_value`) is still a `SamlError` here.
pub fn saml_error(py: Python<'_>, e: &SamlError) -> PyErr {
    raise_as(py, class_name(in_saml_call(e.code().family())), e.code(), e.message())
}

/// The host's own exception, travelling through the core as a [`StoreError`] source so it
/// can be raised again as the very same object.
pub struct HostException {
    err: PyErr,
    message: String,
    /// The store method that raised it.
    method: &'static str,
}

impl HostException {
    /// The exception itself.
    pub fn into_inner(self) -> PyErr {
        self.err
    }
}

impl fmt::Debug for HostException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("HostException").field(&self.message).finish()
    }
}

impl fmt::Display for HostException {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostException {}

/// The store's `method` raised `err`: the kind it signals through a `code` attribute
/// (`conflict`, `version_mismatch`, `not_found`, `unsupported`; anything else is a plain
/// failure), with the exception kept as the source.
pub fn host_failure(py: Python<'_>, method: StoreMethod, err: PyErr) -> StoreError {
    let value = err.value(py);
    let code = value.getattr("code").ok().and_then(|c| c.extract::<String>().ok());
    let kind = code.as_deref().map_or(StoreErrorKind::Failed, StoreErrorKind::from_host_code);
    let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "Exception".into());
    let text = value.str().map(|s| s.to_string()).unwrap_or_default();
    let message = if text.is_empty() { type_name } else { format!("{type_name}: {text}") };
    StoreError::new(kind, message.clone()).with_source(HostException { err, message, method: method.snake_name() })
}

/// What a call raises for a store error that ends it: the host's own exception when it is a
/// plain failure; a kind signalled where it does not apply (`StoreConflict` from `get_user`…)
/// as `StoreContractError` (`store_failed`) naming the method, with the host's exception as
/// its `__cause__`; else `StoreContractError` with the core's code (`store_contract_violated`
/// quotes the malformed answer).
pub fn store_error_to_py(py: Python<'_>, mut e: StoreError) -> PyErr {
    let kind = e.kind();
    if let Some(source) = e.take_host_error()
        && let Ok(host) = source.downcast::<HostException>()
    {
        return match kind {
            // `unsupported` from a required method keeps its historical behaviour (raised as is).
            StoreErrorKind::Failed | StoreErrorKind::Unsupported => host.into_inner(),
            _ => misapplied_signal(py, *host),
        };
    }
    error(py, kind.error_code(), e.message())
}

/// `StoreContractError` (`store_failed`) for a signal raised where it does not apply, caused
/// by the host's exception.
pub fn misapplied_signal(py: Python<'_>, host: HostException) -> PyErr {
    let HostException { err, message, method } = host;
    let code = err.value(py).getattr("code").ok().and_then(|c| c.extract::<String>().ok()).unwrap_or_default();
    let raised = error(
        py,
        ErrorCode::StoreFailed,
        &format!(
            "the store's {method} raised {message} (the `{code}` signal), which does not apply to {method}: \
             the exception is this error's __cause__"
        ),
    );
    raised.set_cause(py, Some(err));
    raised
}

/// The exception to raise for the error outcome `e` of an `AsyncCall` step. A store's
/// `StopIteration` (a plain method raised it) would read as the coroutine's return, so it is
/// raised as `RuntimeError` with it as the cause, as Python does for a coroutine (PEP 479).
pub fn coroutine_error(py: Python<'_>, e: PyErr) -> PyErr {
    if !e.is_instance_of::<pyo3::exceptions::PyStopIteration>(py)
        && !e.is_instance_of::<pyo3::exceptions::PyStopAsyncIteration>(py)
    {
        return e;
    }
    let raised = PyRuntimeError::new_err("a store method raised StopIteration (its __cause__)");
    raised.set_cause(py, Some(e));
    raised
}
