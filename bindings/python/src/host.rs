//! The host store: a Python object whose methods perform the core's store calls, either from
//! the sync entry points ([`PyHost`], plain methods only) or from a driven asyncio request
//! ([`call`], whose answer may be an awaitable the request then waits for).

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use serde_json::Value;
use sso_scim_core::bridge::{HostStore, StoreMethod};
use sso_scim_core::{ErrorCode, StoreError, StoreErrorKind};

use crate::convert::{from_py, to_py};
use crate::errors::{error, host_failure};

/// The host's store object, shared by the handler's sync and async sides. Held behind a lock
/// only so the garbage collector can clear it (`Handler.__clear__`) to break a cycle.
pub struct StoreSlot {
    store: Mutex<Option<Py<PyAny>>>,
    /// Which optional (group) methods the object has, by index in [`StoreMethod::ALL`].
    present: Vec<bool>,
}

fn index(method: StoreMethod) -> usize {
    StoreMethod::ALL.iter().position(|m| *m == method).unwrap_or(0)
}

/// Interned method names, one per [`StoreMethod`], made once.
static NAMES: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();

fn method_name<'py>(py: Python<'py>, method: StoreMethod) -> Bound<'py, PyString> {
    let names = NAMES
        .get_or_init(py, || StoreMethod::ALL.iter().map(|m| PyString::intern(py, m.snake_name()).unbind()).collect());
    names[index(method)].bind(py).clone()
}

impl StoreSlot {
    /// Check that `store` has every required method (callable); record the optional ones.
    pub fn new(store: &Bound<'_, PyAny>) -> PyResult<Self> {
        let py = store.py();
        let mut missing = Vec::new();
        let mut present = Vec::with_capacity(StoreMethod::ALL.len());
        for m in StoreMethod::ALL {
            let callable = store.getattr(method_name(py, *m)).ok().is_some_and(|a| a.is_callable());
            if !callable && !m.is_optional() {
                missing.push(m.snake_name());
            }
            present.push(callable);
        }
        if !missing.is_empty() {
            let kind = store.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(error(
                py,
                ErrorCode::InvalidStore,
                &format!("the store ({kind}) lacks the required method(s) {}", missing.join(", ")),
            ));
        }
        Ok(StoreSlot { store: Mutex::new(Some(store.clone().unbind())), present })
    }

    /// The store object, unless the garbage collector cleared it.
    pub fn get(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|s| s.clone_ref(py))
    }

    /// Visit the store for the garbage collector (never blocks: the lock is only ever held
    /// for a clone, by a thread that holds the GIL, as the collector does).
    pub fn traverse(&self, visit: &pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        if let Ok(guard) = self.store.try_lock()
            && let Some(store) = guard.as_ref()
        {
            visit.call(store)?;
        }
        Ok(())
    }

    /// Drop the store (breaks a reference cycle through it).
    pub fn clear(&self) -> Option<Py<PyAny>> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// Whether a method's answer must be awaited. The exact JSON types are answered at once
/// without an attribute lookup (the common, sync case).
fn is_awaitable(obj: &Bound<'_, PyAny>) -> bool {
    if obj.is_none()
        || obj.is_exact_instance_of::<PyDict>()
        || obj.is_exact_instance_of::<PyBool>()
        || obj.is_exact_instance_of::<PyList>()
        || obj.is_exact_instance_of::<PyString>()
    {
        return false;
    }
    obj.hasattr(pyo3::intern!(obj.py(), "__await__")).unwrap_or(false)
}

/// A method's answer as JSON, or the contract violation quoting what it was. `limit` is
/// [`StoreMethod::row_limit`] of the call: a `users`/`groups` list longer than that is refused
/// on its length alone, before a single record is converted (a store ignoring `count` could
/// otherwise hand over a million records to convert and then refuse).
pub fn answer(method: StoreMethod, limit: Option<usize>, obj: &Bound<'_, PyAny>) -> Result<Value, StoreError> {
    if let (Some(limit), Some(key)) = (limit, method.rows_key())
        && let Ok(dict) = obj.cast::<PyDict>()
        && let Ok(Some(rows)) = dict.get_item(key)
        && let Ok(len) = rows.len()
        && len > limit
    {
        return Err(StoreError::new(
            StoreErrorKind::ContractViolated,
            format!("the store's {} listed {len} records for a count of {limit}", method.snake_name()),
        ));
    }
    from_py(obj).map_err(|e| {
        StoreError::new(
            StoreErrorKind::ContractViolated,
            format!("the store's {} answered something that is not JSON: {}", method.snake_name(), e.0),
        )
    })
}

fn cleared() -> StoreError {
    StoreError::new(StoreErrorKind::Failed, "the handler's store was cleared by the garbage collector")
}

/// What calling a store method produced.
pub enum Called<'py> {
    /// The outcome, ready now (a plain answer, an exception, or a refusal before the call).
    Ready(Result<Value, StoreError>),
    /// An awaitable (`async def` method): its result is the answer.
    Awaitable(Bound<'py, PyAny>),
}

/// Call the store's method for `method` with `args` (JSON, converted to Python) on this
/// thread. An optional method the store lacks is `unsupported` without a call.
pub fn call<'py>(py: Python<'py>, slot: &StoreSlot, method: StoreMethod, args: &[Value]) -> Called<'py> {
    #[cfg(debug_assertions)]
    test_hook::panic_if_armed(method);
    let json_args = args;
    if method.is_optional() && !slot.present[index(method)] {
        return Called::Ready(Err(StoreError::unsupported(method.snake_name())));
    }
    let Some(store) = slot.get(py) else { return Called::Ready(Err(cleared())) };
    let args = match args.iter().map(|a| to_py(py, a)).collect::<PyResult<Vec<_>>>() {
        Ok(args) => args,
        Err(e) => {
            return Called::Ready(Err(StoreError::new(
                StoreErrorKind::Failed,
                format!("cannot build the arguments: {e}"),
            )));
        }
    };
    let result = PyTuple::new(py, args).and_then(|args| store.bind(py).call_method1(method_name(py, method), args));
    match result {
        Err(e) => Called::Ready(Err(host_failure(py, method, e))),
        Ok(obj) if is_awaitable(&obj) => Called::Awaitable(obj),
        Ok(obj) => Called::Ready(answer(method, method.row_limit(json_args), &obj)),
    }
}

/// The store as the sync entry points see it: each call takes the GIL back (the core runs
/// with it released) and must answer at once.
pub struct PyHost {
    slot: Arc<StoreSlot>,
}

impl PyHost {
    /// The store in `slot`.
    pub fn new(slot: Arc<StoreSlot>) -> Self {
        PyHost { slot }
    }
}

/// The refusal of an awaitable answer on a sync entry point. The awaitable is closed so
/// Python does not warn that a coroutine was never awaited.
fn refuse_awaitable(py: Python<'_>, method: StoreMethod, awaitable: &Bound<'_, PyAny>) -> StoreError {
    if awaitable.hasattr(pyo3::intern!(py, "close")).unwrap_or(false) {
        let _ = awaitable.call_method0(pyo3::intern!(py, "close"));
    }
    let msg = format!(
        "the store's {} returned an awaitable: an async store needs `await handler.handle_async(...)` \
         (and sign_in_async / decide_async)",
        method.snake_name()
    );
    host_failure(py, method, PyTypeError::new_err(msg))
}

impl HostStore for PyHost {
    async fn call(&self, method: StoreMethod, args: Vec<Value>) -> Result<Value, StoreError> {
        Python::attach(|py| match call(py, &self.slot, method, &args) {
            Called::Ready(outcome) => outcome,
            Called::Awaitable(awaitable) => Err(refuse_awaitable(py, method, &awaitable)),
        })
    }
}

/// Test-only (debug builds, which `make test-python` installs): make the next store calls on
/// this thread panic inside the binding, so the tests can check that a panic reaches Python as
/// `InternalError` and prints nothing. Absent from release builds.
#[cfg(debug_assertions)]
pub mod test_hook {
    use std::cell::Cell;

    use pyo3::prelude::*;
    use sso_scim_core::bridge::StoreMethod;

    thread_local! {
        static ARMED: Cell<bool> = const { Cell::new(false) };
    }

    /// Panic (deliberately: the hook's whole point) when armed on this thread.
    pub fn panic_if_armed(method: StoreMethod) {
        if ARMED.with(Cell::get) {
            panic!("test hook: a panic inside the binding, calling the store's {}", method.snake_name());
        }
    }

    /// `_native._debug_panic_in_store_calls(armed)`: arm or disarm the hook on this thread.
    #[pyfunction]
    pub fn _debug_panic_in_store_calls(armed: bool) {
        ARMED.with(|a| a.set(armed));
    }

    /// `_native._debug_panic(message)`: panic inside an entry point.
    #[pyfunction]
    pub fn _debug_panic(py: Python<'_>, message: &str) -> PyResult<()> {
        crate::errors::guarded(py, || panic!("{message}"))
    }
}
