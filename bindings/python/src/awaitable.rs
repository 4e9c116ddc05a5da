//! `AsyncCall`: what `handle_async`, `sign_in_async` and `decide_async` return — a
//! coroutine-like object that drives a core request ([`Driven`]) on the awaiting task's own
//! thread, without a runtime or a thread of ours.
//!
//! The request runs in the core's one loop ([`Driven::drive`]); what is Python's here is how a
//! [`PendingCall`] is performed and when the loop is resumed. Each call is performed by calling
//! the store's method right there. A plain answer is handed back at once and the request goes
//! on within the same step; an awaitable answer (an `async def` method's
//! coroutine, a Future, anything with `__await__`) is delegated to as `yield from` does:
//! whatever it yields goes up to the event loop, whatever the loop sends or throws in goes down
//! to it, and its result (or exception) is the answer. So a request over a store that answers at
//! once never leaves the first `send`, and one that awaits costs what its own awaits cost —
//! nothing is woken but the awaiting task.
//!
//! The object speaks the coroutine protocol (`__await__`, `send`, `throw`, `close`), so asyncio
//! takes it wherever it takes a coroutine (`await`, `asyncio.gather`, `create_task`,
//! `asyncio.run`); it names nothing of asyncio itself, so any loop that drives coroutines does.

use std::sync::{Arc, Mutex, TryLockError};

use pyo3::exceptions::{PyRuntimeError, PyStopIteration, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyTuple, PyType};
use sso_scim_core::bridge::{Driven, PendingCall, Perform, Performed, Progress, Stalled, Step, StoreMethod};

use crate::convert::type_name;
use crate::errors::{coroutine_error, guarded, host_failure, internal_error};
use crate::host::{Called, StoreSlot, answer, call};
use crate::outcome::Outcome;

/// The request the object drives.
pub type Request = Driven<'static, Outcome>;

/// An awaitable store answer being waited for.
struct Delegate {
    /// Its `__await__()` iterator.
    iter: Py<PyAny>,
    /// The call it answers.
    id: u64,
    method: StoreMethod,
    /// [`StoreMethod::row_limit`] of the call.
    limit: Option<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not started: nothing has run yet.
    Fresh,
    /// Started, waiting for a delegate.
    Running,
    /// Finished, or abandoned (`throw`, `close`, cleared by the collector).
    Over,
}

/// A request not over yet.
struct Active {
    request: Request,
    /// Its `Handler`, kept alive and visible to the collector until the request is over.
    owner: Py<PyAny>,
    /// The handler's store, which the request's calls are made on.
    slot: Arc<StoreSlot>,
}

struct State {
    phase: Phase,
    active: Option<Active>,
    /// Whether the first step runs with the GIL released (it does CPU work of the core's that
    /// touches no Python object: SAML signature verification).
    detach_first: bool,
    delegate: Option<Delegate>,
    /// For `repr`.
    name: &'static str,
}

/// What was taken out of a finished or abandoned state, dropped once the lock is released
/// (dropping Python objects may run arbitrary code, which may touch this object again).
type Leftovers = (Option<Active>, Option<Delegate>);

impl State {
    fn end(&mut self) -> Leftovers {
        self.phase = Phase::Over;
        (self.active.take(), self.delegate.take())
    }
}

/// What the event loop hands in.
enum Input<'py> {
    /// `send(value)` / `__next__()` (value `None`).
    Send(Bound<'py, PyAny>),
    /// `throw(...)`: the exception as given, for the delegate, and as raised here.
    Throw(Bound<'py, PyTuple>, PyErr),
}

/// A request of `handle_async`, `sign_in_async` or `decide_async`, driven on the thread
/// that awaits it: await it (or pass it to `asyncio.gather`, `create_task`, …) once.
#[pyclass(module = "sso_scim", frozen, weakref)]
pub struct AsyncCall {
    state: Mutex<State>,
}

impl AsyncCall {
    /// A request of the handler `owner` over its store `slot`, run when first awaited.
    pub fn new(
        owner: Py<PyAny>,
        slot: Arc<StoreSlot>,
        request: Request,
        detach_first: bool,
        name: &'static str,
    ) -> Self {
        let state = State {
            phase: Phase::Fresh,
            active: Some(Active { request, owner, slot }),
            detach_first,
            delegate: None,
            name,
        };
        AsyncCall { state: Mutex::new(state) }
    }

    /// Run one step with the state locked; leftovers are dropped after the lock is released.
    fn step(&self, py: Python<'_>, input: Input<'_>) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let mut guard = match self.state.try_lock() {
                Ok(guard) => guard,
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                // A store method (or the code it ran) came back into this very request.
                Err(TryLockError::WouldBlock) => return Err(PyValueError::new_err("coroutine already executing")),
            };
            let mut leftovers = None;
            let out = match sso_scim_core::bridge::catch_quietly(|| advance(py, &mut guard, input, &mut leftovers)) {
                Ok(out) => out,
                // A bug of ours: the request cannot go on, so it is over.
                Err(message) => {
                    leftovers = Some(guard.end());
                    Err(internal_error(py, &message))
                }
            };
            drop(guard);
            drop(leftovers);
            out
        })
    }
}

/// `StopIteration(value)`: how a coroutine returns its result.
fn stop(py: Python<'_>, value: Py<PyAny>) -> PyErr {
    match py.get_type::<PyStopIteration>().call1((value,)) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// Advance `state` with `input` until it yields (the value for the loop), finishes
/// (`StopIteration` with the result, or the call's exception) or is abandoned.
fn advance(
    py: Python<'_>,
    state: &mut State,
    input: Input<'_>,
    leftovers: &mut Option<Leftovers>,
) -> PyResult<Py<PyAny>> {
    let input = match input {
        // Nothing to hand the exception to (not started, or over): it comes straight back,
        // as from a coroutine.
        Input::Throw(_, err) if state.phase != Phase::Running => {
            *leftovers = Some(state.end());
            return Err(err);
        }
        Input::Send(_) if state.phase == Phase::Over => {
            return Err(PyRuntimeError::new_err("cannot reuse already awaited coroutine"));
        }
        Input::Send(v) if state.phase == Phase::Fresh && !v.is_none() => {
            return Err(PyTypeError::new_err("can't send non-None value to a just-started coroutine"));
        }
        other => other,
    };
    state.phase = Phase::Running;
    let mut input = Some(input);
    loop {
        if let Some(delegate) = state.delegate.take() {
            let thrown = matches!(input, Some(Input::Throw(..)));
            let iter = delegate.iter.bind(py);
            let result = match input.take() {
                None => iter.call_method0(pyo3::intern!(py, "__next__")),
                Some(Input::Send(v)) if v.is_none() => iter.call_method0(pyo3::intern!(py, "__next__")),
                Some(Input::Send(v)) => iter.call_method1(pyo3::intern!(py, "send"), (v,)),
                Some(Input::Throw(args, err)) => match iter.getattr(pyo3::intern!(py, "throw")) {
                    Ok(throw) => throw.call1(args),
                    // An iterator without `throw`: the exception is raised here, as `yield from` does.
                    Err(_) => Err(err),
                },
            };
            let outcome = match result {
                Ok(yielded) => {
                    state.delegate = Some(delegate);
                    return Ok(yielded.unbind());
                }
                Err(e) if e.is_instance_of::<PyStopIteration>(py) => {
                    match e.value(py).getattr(pyo3::intern!(py, "value")) {
                        Ok(value) => answer(delegate.method, delegate.limit, &value),
                        Err(e) => Err(host_failure(py, delegate.method, e)),
                    }
                }
                // A thrown exception (a cancelled task) that the delegate let through ends the
                // request here: nothing more is asked of the store.
                Err(e) if thrown => {
                    *leftovers = Some(state.end());
                    return Err(e);
                }
                Err(e) => Err(host_failure(py, delegate.method, e)),
            };
            let Some(active) = state.active.as_ref() else { break };
            active.request.answer(delegate.id, outcome);
        } else if let Some(Input::Throw(_, err)) = input.take() {
            *leftovers = Some(state.end());
            return Err(err);
        }
        let Some(Active { request, slot, .. }) = state.active.as_ref() else { break };
        let mut host = PyHost { py, slot, delegate: &mut state.delegate, detach_first: &mut state.detach_first };
        match request.drive(&mut host) {
            Progress::Done(outcome) => {
                *leftovers = Some(state.end());
                return Err(match outcome.into_py(py) {
                    Ok(value) => stop(py, value),
                    // The call's exception (a store failure among them), never read as a return.
                    Err(e) => coroutine_error(py, e),
                });
            }
            // The call it waits for is the delegate, run at the top of the loop.
            Progress::Pending if state.delegate.is_some() => {}
            // Waiting with no delegate to run would never finish.
            Progress::Pending | Progress::Stalled(_) => break,
        }
    }
    *leftovers = Some(state.end());
    Err(internal_error(py, &Stalled.to_string()))
}

/// How a request's store calls are performed on the awaiting thread: the store's method called
/// at once; an awaitable it returns becomes the [`Delegate`] the coroutine runs next.
struct PyHost<'a, 'py> {
    py: Python<'py>,
    slot: &'a StoreSlot,
    /// Where an awaited answer goes (empty whenever the request is driven).
    delegate: &'a mut Option<Delegate>,
    /// Whether the next resume runs with the GIL released (taken by the first).
    detach_first: &'a mut bool,
}

impl Perform<Outcome> for PyHost<'_, '_> {
    fn perform(&mut self, pending: PendingCall) -> Performed {
        let py = self.py;
        let awaitable = match call(py, self.slot, pending.method, &pending.args) {
            Called::Ready(outcome) => return Performed::Answered(outcome),
            Called::Awaitable(awaitable) => awaitable,
        };
        match awaitable.call_method0(pyo3::intern!(py, "__await__")) {
            // As `await` says it: the store's bug, not a missing `__next__` later.
            Ok(iter) if !iter.hasattr(pyo3::intern!(py, "__next__")).unwrap_or(false) => {
                let message = format!("__await__() returned non-iterator of type '{}'", type_name(&iter));
                Performed::Answered(Err(host_failure(py, pending.method, PyTypeError::new_err(message))))
            }
            Ok(iter) => {
                *self.delegate = Some(Delegate {
                    iter: iter.unbind(),
                    id: pending.id,
                    method: pending.method,
                    limit: pending.method.row_limit(&pending.args),
                });
                Performed::Awaited
            }
            Err(e) => Performed::Answered(Err(host_failure(py, pending.method, e))),
        }
    }

    fn resuming(&mut self, resume: impl FnOnce() -> Step<Outcome> + Send) -> Step<Outcome> {
        if std::mem::take(self.detach_first) { self.py.detach(resume) } else { resume() }
    }
}

/// The exception `throw(typ, val, tb)` stands for, as a coroutine would raise it.
fn thrown(typ: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>, tb: Option<&Bound<'_, PyAny>>) -> PyErr {
    let err = exception(typ, val);
    if let Some(tb) = tb.filter(|t| !t.is_none()) {
        let py = typ.py();
        if let Err(e) = err.value(py).call_method1(pyo3::intern!(py, "with_traceback"), (tb,)) {
            return e;
        }
    }
    err
}

fn exception(typ: &Bound<'_, PyAny>, val: Option<&Bound<'_, PyAny>>) -> PyErr {
    let val = val.filter(|v| !v.is_none());
    if let Ok(cls) = typ.cast::<PyType>() {
        if let Some(v) = val
            && v.is_instance(cls).unwrap_or(false)
        {
            return PyErr::from_value(v.clone());
        }
        let made = match val {
            Some(v) => typ.call1((v,)),
            None => typ.call0(),
        };
        return match made {
            Ok(exc) => PyErr::from_value(exc),
            Err(e) => e,
        };
    }
    if val.is_some() {
        return PyTypeError::new_err("instance exception may not have a separate value");
    }
    PyErr::from_value(typ.clone())
}

#[pymethods]
impl AsyncCall {
    fn __await__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, Self>> {
        guarded(slf.py(), || {
            let phase = slf.get().state.try_lock().map(|s| s.phase).unwrap_or(Phase::Running);
            match phase {
                Phase::Fresh => Ok(slf.clone()),
                Phase::Running => Err(PyRuntimeError::new_err("coroutine is being awaited already")),
                Phase::Over => Err(PyRuntimeError::new_err("cannot reuse already awaited coroutine")),
            }
        })
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.step(py, Input::Send(py.None().into_bound(py)))
    }

    /// Resume with `value` (what the awaited store answer's last yield receives).
    fn send(&self, py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        self.step(py, Input::Send(value.clone()))
    }

    /// Raise an exception inside: it goes to the store answer being awaited; if that lets it
    /// through, the request is abandoned and it is raised from here.
    #[pyo3(signature = (typ, val = None, tb = None))]
    fn throw(
        &self,
        py: Python<'_>,
        typ: &Bound<'_, PyAny>,
        val: Option<&Bound<'_, PyAny>>,
        tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let mut args = vec![typ.clone()];
        if let Some(val) = val {
            args.push(val.clone());
            if let Some(tb) = tb {
                args.push(tb.clone());
            }
        }
        let args = PyTuple::new(py, args)?;
        let err = guarded(py, || Ok(thrown(typ, val, tb)))?;
        self.step(py, Input::Throw(args, err))
    }

    /// Abandon the request: the store answer being awaited is closed, nothing more runs.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        guarded(py, || {
            let (active, delegate) = match self.state.try_lock() {
                Ok(mut state) => state.end(),
                Err(TryLockError::Poisoned(p)) => p.into_inner().end(),
                Err(TryLockError::WouldBlock) => return Err(PyValueError::new_err("coroutine already executing")),
            };
            let closed = match &delegate {
                Some(d) => match d.iter.bind(py).getattr(pyo3::intern!(py, "close")) {
                    Ok(close) => close.call0().map(drop),
                    Err(_) => Ok(()),
                },
                None => Ok(()),
            };
            drop((delegate, active));
            closed
        })
    }

    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        // A running step holds the lock; its objects are reachable from the running frame.
        if let Ok(state) = self.state.try_lock() {
            if let Some(active) = &state.active {
                visit.call(&active.owner)?;
            }
            if let Some(delegate) = &state.delegate {
                visit.call(&delegate.iter)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        // Nothing to report to from the collector: a panic while dropping is swallowed (quietly).
        let _ = sso_scim_core::bridge::catch_quietly(|| {
            let leftovers = match self.state.try_lock() {
                Ok(mut state) => Some(state.end()),
                Err(TryLockError::Poisoned(p)) => Some(p.into_inner().end()),
                Err(TryLockError::WouldBlock) => None,
            };
            drop(leftovers);
        });
    }

    fn __repr__(&self) -> String {
        let state = match self.state.try_lock() {
            Ok(state) => Some((state.name, state.phase)),
            Err(_) => None,
        };
        match state {
            Some((name, Phase::Fresh)) => format!("<AsyncCall {name} not started>"),
            Some((name, Phase::Running)) => format!("<AsyncCall {name} waiting for the store>"),
            Some((name, Phase::Over)) => format!("<AsyncCall {name} over>"),
            None => "<AsyncCall running>".to_owned(),
        }
    }
}
