//! What a request finishes with, as Python: `ScimResponse`, the login decision, or the
//! exception the call raises. Shared by the synchronous entry points (`handler`) and the
//! driven ones (`awaitable`), so neither module needs the other for it.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde_json::Value;
use sso_scim_core::ErrorCode;
use sso_scim_core::bridge::json;
use sso_scim_core::login::{LoginDecision, LoginError};
use sso_scim_core::scim::ScimResponse as CoreResponse;

use crate::convert::to_py;
use crate::errors::{argument_error, error, guarded, saml_error, store_error_to_py};

/// What a driven request finishes with.
pub enum Outcome {
    /// A SCIM answer (`handle_async`).
    Scim(CoreResponse),
    /// A login decision (`sign_in_async`, `decide_async`).
    Login(Result<LoginDecision, LoginError>),
}

impl Outcome {
    /// The Python result, or the exception the call raises (a store failure among them).
    pub fn into_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Outcome::Scim(resp) => Ok(Py::new(py, respond(py, resp)?)?.into_any()),
            Outcome::Login(out) => decision_to_py(py, out),
        }
    }
}

/// The answer to send: status, headers and body, plus the stable error code and message of
/// an error answer.
#[pyclass(module = "sso_scim", frozen)]
pub struct ScimResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Py<PyBytes>,
    error: Option<(ErrorCode, String)>,
}

#[pymethods]
impl ScimResponse {
    /// HTTP status code.
    #[getter]
    fn status(&self) -> u16 {
        self.status
    }

    /// Headers as (name, value) pairs.
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.headers.clone()
    }

    /// Body bytes (a SCIM JSON document, or empty).
    #[getter]
    fn body(&self, py: Python<'_>) -> Py<PyBytes> {
        self.body.clone_ref(py)
    }

    /// The stable code of an error answer (`invalid_filter`, `uniqueness`, …), else `None`.
    #[getter]
    fn error_code(&self) -> Option<&'static str> {
        self.error.as_ref().map(|(c, _)| c.as_str())
    }

    /// The detail of an error answer (what the client is told), else `None`.
    #[getter]
    fn error_message(&self) -> Option<String> {
        self.error.as_ref().map(|(_, m)| m.clone())
    }

    /// The first value of a header (names compare case-insensitively).
    fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }

    /// The body parsed as JSON; `None` when it is empty.
    fn json<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(py, || {
            let body = self.body.bind(py).as_bytes();
            if body.is_empty() {
                return Ok(py.None().into_bound(py));
            }
            let value: Value =
                serde_json::from_slice(body).map_err(|e| argument_error(py, &format!("the body is not JSON: {e}")))?;
            to_py(py, &value)
        })
    }

    /// Raise an error answer as its exception (`ScimError` for SCIM codes); nothing on success.
    fn raise_for_error(&self, py: Python<'_>) -> PyResult<()> {
        guarded(py, || match &self.error {
            Some((code, message)) => Err(error(py, *code, message)),
            None => Ok(()),
        })
    }

    fn __repr__(&self) -> String {
        match &self.error {
            Some((code, _)) => format!("<ScimResponse {} {code}>", self.status),
            None => format!("<ScimResponse {}>", self.status),
        }
    }
}

/// The answer as Python, or the exception the call must raise: a store failure
/// (`Failed`, the host's own exception) or a contract violation ends the call.
pub fn respond(py: Python<'_>, mut resp: CoreResponse) -> PyResult<ScimResponse> {
    if let Some(store_error) = resp.take_raised_store_error() {
        return Err(store_error_to_py(py, store_error));
    }
    // A kind signalled where it does not apply (`StoreConflict` from `get_user`) is answered
    // 500 `store_failed` by the core ("the logs have the cause"): raise it instead, with the
    // host's exception as the cause, so the cause is not lost.
    if let Some(error) = resp.error.as_mut()
        && error.code() == ErrorCode::StoreFailed
        && let Some(store_error) = error.take_store_error()
    {
        return Err(store_error_to_py(py, store_error));
    }
    Ok(ScimResponse {
        status: resp.status,
        headers: std::mem::take(&mut resp.headers),
        body: PyBytes::new(py, &resp.body).unbind(),
        error: resp.error.as_ref().map(|e| (e.code(), e.detail().to_owned())),
    })
}

/// The login decision as its JSON dict, or the exception a refused response or a store
/// failure raises.
pub fn decision_to_py(py: Python<'_>, outcome: Result<LoginDecision, LoginError>) -> PyResult<Py<PyAny>> {
    match outcome {
        Ok(decision) => Ok(to_py(py, &json::decision(&decision))?.unbind()),
        Err(LoginError::Saml(e)) => Err(saml_error(py, &e)),
        Err(LoginError::Store(e)) => Err(store_error_to_py(py, e)),
    }
}
