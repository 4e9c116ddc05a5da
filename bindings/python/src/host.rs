//! The host store: a Python object whose methods the core calls through
//! [`HostStore`], either synchronously (plain methods, `Handler.handle`) or on asyncio
//! (`handle_async`, where a method may also be `async def`).

use std::sync::{Arc, Mutex, PoisonError};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyList, PyString, PyTuple};
use pyo3_async_runtimes::TaskLocals;
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
    /// Which methods are coroutine functions (`async def`): on asyncio every other method may
    /// block, so it is called where blocking cannot stall the runtime's workers.
    coroutine: Vec<bool>,
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
        let is_coroutine_function = py.import("inspect")?.getattr("iscoroutinefunction")?;
        let mut missing = Vec::new();
        let mut present = Vec::with_capacity(StoreMethod::ALL.len());
        let mut coroutine = Vec::with_capacity(StoreMethod::ALL.len());
        for m in StoreMethod::ALL {
            let attr = store.getattr(method_name(py, *m)).ok().filter(|a| a.is_callable());
            if attr.is_none() && !m.is_optional() {
                missing.push(m.snake_name());
            }
            let is_async = match &attr {
                Some(a) => is_coroutine_function.call1((a,))?.is_truthy()?,
                None => false,
            };
            present.push(attr.is_some());
            coroutine.push(is_async);
        }
        if !missing.is_empty() {
            let kind = store.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(error(
                py,
                ErrorCode::InvalidStore,
                &format!("the store ({kind}) lacks the required method(s) {}", missing.join(", ")),
            ));
        }
        Ok(StoreSlot { store: Mutex::new(Some(store.clone().unbind())), present, coroutine })
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

/// How store methods are driven.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Called on the calling thread; an awaitable answer is refused.
    Sync,
    /// Called from the tokio runtime inside `handle_async`; awaitables are awaited on the
    /// caller's event loop.
    Async,
}

/// One side (sync or async) of the host store, as the core sees it.
pub struct PyHost {
    slot: Arc<StoreSlot>,
    mode: Mode,
}

impl PyHost {
    /// The store in `slot`, driven per `mode`.
    pub fn new(slot: Arc<StoreSlot>, mode: Mode) -> Self {
        PyHost { slot, mode }
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

fn answer(method: StoreMethod, obj: &Bound<'_, PyAny>) -> Result<Value, StoreError> {
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

/// What a call into the host produced: an answer, or an awaitable to wait for.
enum Called {
    Ready(Value),
    Pending(Box<dyn Future<Output = PyResult<Py<PyAny>>> + Send>),
}

impl PyHost {
    fn args<'py>(py: Python<'py>, args: &[Value]) -> Result<Vec<Bound<'py, PyAny>>, StoreError> {
        args.iter()
            .map(|a| to_py(py, a))
            .collect::<PyResult<_>>()
            .map_err(|e| StoreError::new(StoreErrorKind::Failed, format!("cannot build the arguments: {e}")))
    }

    fn call_now(&self, method: StoreMethod, args: Vec<Value>) -> Result<Called, StoreError> {
        if method.is_optional() && !self.slot.present[index(method)] {
            return Err(StoreError::unsupported(method.snake_name()));
        }
        Python::attach(|py| {
            let store = self.slot.get(py).ok_or_else(cleared)?;
            let store = store.bind(py);
            let name = method_name(py, method);
            let args = Self::args(py, &args)?;
            let fail = |e: PyErr| host_failure(py, e);
            let locals = match self.mode {
                Mode::Sync => None,
                Mode::Async => Some(pyo3_async_runtimes::tokio::get_current_locals(py).map_err(fail)?),
            };
            let result = match &locals {
                None => store.call_method1(name, PyTuple::new(py, args).map_err(fail)?),
                Some(locals) => {
                    // On asyncio a method is called from a runtime thread: call it in the
                    // caller's context so its contextvars are visible, as on the event loop.
                    let mut run_args = Vec::with_capacity(args.len() + 1);
                    run_args.push(store.getattr(name).map_err(fail)?);
                    run_args.extend(args);
                    locals.context(py).call_method1(pyo3::intern!(py, "run"), PyTuple::new(py, run_args).map_err(fail)?)
                }
            }
            .map_err(fail)?;
            if !is_awaitable(&result) {
                return answer(method, &result).map(Called::Ready);
            }
            match &locals {
                Some(locals) => pending(locals, result).map_err(fail),
                None => {
                    // Close a coroutine so Python does not warn that it was never awaited.
                    if result.hasattr(pyo3::intern!(py, "close")).unwrap_or(false) {
                        let _ = result.call_method0(pyo3::intern!(py, "close"));
                    }
                    let msg = format!(
                        "the store's {} returned an awaitable: an async store needs `await handler.handle_async(...)` \
                         (and sign_in_async / decide_async)",
                        method.snake_name()
                    );
                    Err(fail(PyTypeError::new_err(msg)))
                }
            }
        })
    }
}

fn pending(locals: &TaskLocals, awaitable: Bound<'_, PyAny>) -> PyResult<Called> {
    let fut = pyo3_async_runtimes::into_future_with_locals(locals, awaitable)?;
    Ok(Called::Pending(Box::new(fut)))
}

impl HostStore for PyHost {
    async fn call(&self, method: StoreMethod, args: Vec<Value>) -> Result<Value, StoreError> {
        let called = if self.mode == Mode::Async && !self.slot.coroutine[index(method)] {
            // A plain method may block (a sync database driver): move the other tasks off this
            // runtime worker while it runs, so blocking calls cannot starve the runtime.
            tokio::task::block_in_place(|| self.call_now(method, args))?
        } else {
            self.call_now(method, args)?
        };
        match called {
            Called::Ready(v) => Ok(v),
            Called::Pending(fut) => {
                let result = Box::into_pin(fut).await;
                Python::attach(|py| match result {
                    Ok(obj) => answer(method, obj.bind(py)),
                    Err(e) => Err(host_failure(py, e)),
                })
            }
        }
    }
}
