//! `Handler`: the SCIM service provider and the login decision over a host store, with
//! `ScimRequest` (its answer, `ScimResponse`, is in `outcome`).

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use serde_json::Value;
use sso_scim_core::ErrorCode;
use sso_scim_core::bridge::{Driven, ForeignDirectory, KeyCase, Relay, json};
use sso_scim_core::executor::now_or_never;
use sso_scim_core::login;
use sso_scim_core::saml::Identity;
use sso_scim_core::scim::{ScimHandler, ScimRequest as CoreRequest};

use crate::awaitable::{AsyncCall, Request};
use crate::convert::{argument, check_setting_numbers, instant, saml_input, to_py};
use crate::errors::{argument_error, bridge_error, error, guarded};
use crate::host::{PyHost, StoreSlot};
use crate::outcome::{Outcome, ScimResponse, decision_to_py, respond};
use crate::saml::{ServiceProvider, one_request};

/// One SCIM request as the web framework received it, with the path below the SCIM base.
#[pyclass(module = "sso_scim", frozen, get_all)]
pub struct ScimRequest {
    /// HTTP method (any case).
    method: String,
    /// Path below the SCIM base (`/Users/2819c223…`), percent-encoded as received.
    path: String,
    /// Raw query string without `?`.
    query: String,
    /// Headers as (name, value) pairs.
    headers: Vec<(String, String)>,
    /// Body bytes.
    body: Py<PyBytes>,
}

fn header_pairs(headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let py = headers.py();
    let items = if headers.hasattr("items")? { headers.call_method0("items")? } else { headers.clone() };
    let mut out = Vec::new();
    for item in
        items.try_iter().map_err(|_| argument_error(py, "headers: expected a mapping or (name, value) pairs"))?
    {
        let item = item?;
        let pair: (String, String) =
            item.extract().map_err(|_| argument_error(py, "headers: every header is a (str, str) pair"))?;
        out.push(pair);
    }
    Ok(out)
}

#[pymethods]
impl ScimRequest {
    /// `body` is bytes or str; `json` (instead of `body`) serialises a JSON value and sets
    /// `Content-Type: application/scim+json` unless a content type is given.
    #[new]
    #[pyo3(signature = (method, path, query = "", headers = None, body = None, *, json = None))]
    fn new(
        py: Python<'_>,
        method: String,
        path: String,
        query: &str,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        guarded(py, || Self::build(py, method, path, query, headers, body, json))
    }

    /// The first value of a header (names compare case-insensitively).
    fn header(&self, name: &str) -> Option<String> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
    }

    fn __repr__(&self) -> String {
        let query = if self.query.is_empty() { String::new() } else { format!("?{}", self.query) };
        format!("<ScimRequest {} {}{}>", self.method, self.path, query)
    }
}

impl ScimRequest {
    /// The work of `ScimRequest(...)`.
    fn build(
        py: Python<'_>,
        method: String,
        path: String,
        query: &str,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
        json: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let mut headers = match headers {
            Some(h) if !h.is_none() => header_pairs(h)?,
            _ => Vec::new(),
        };
        let body: Vec<u8> = match (body.filter(|b| !b.is_none()), json) {
            (Some(_), Some(_)) => return Err(argument_error(py, "give body or json, not both")),
            (Some(b), None) => {
                if let Ok(s) = b.cast::<PyString>() {
                    s.to_cow()?.as_bytes().to_vec()
                } else if let Ok(b) = b.cast::<PyBytes>() {
                    b.as_bytes().to_vec()
                } else {
                    return Err(argument_error(py, "body: expected bytes or str"));
                }
            }
            (None, Some(j)) => {
                let value = argument(j, "json")?;
                if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
                    headers.push(("Content-Type".to_owned(), sso_scim_core::scim::SCIM_MEDIA_TYPE.to_owned()));
                }
                value.to_string().into_bytes()
            }
            (None, None) => Vec::new(),
        };
        Ok(ScimRequest { method, path, query: query.to_owned(), headers, body: PyBytes::new(py, &body).unbind() })
    }

    fn to_core(&self, py: Python<'_>) -> CoreRequest {
        CoreRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body.bind(py).as_bytes().to_vec(),
        }
    }
}

/// A synchronous store's future is ready on its first poll; anything else is a bug in the
/// binding, reported rather than hung on.
fn ready<T>(py: Python<'_>, out: Option<T>) -> PyResult<T> {
    out.ok_or_else(|| error(py, ErrorCode::StoreFailed, "the store call did not complete synchronously"))
}

struct Inner {
    /// Store methods called by the core, the GIL taken back for each (`handle`, `sign_in`,
    /// `decide`).
    sync: ScimHandler<ForeignDirectory<PyHost>>,
    /// Store calls handed out to the awaiting thread (`*_async`, driven by [`AsyncCall`]).
    driven: ScimHandler<ForeignDirectory<Relay>>,
}

/// The SCIM service provider and the login decision over one host store.
#[pyclass(module = "sso_scim", frozen, weakref)]
pub struct Handler {
    inner: Arc<Inner>,
    slot: Arc<StoreSlot>,
    config: Value,
}

impl Handler {
    /// A request of `slf` driven by the thread that awaits it: the store's calls made through
    /// the same slot as the synchronous ones, the handler kept alive (and visible to the
    /// collector) until the request is over.
    fn async_call(slf: &Bound<'_, Self>, request: Request, detach_first: bool, name: &'static str) -> AsyncCall {
        AsyncCall::new(slf.clone().into_any().unbind(), Arc::clone(&slf.get().slot), request, detach_first, name)
    }

    fn identity(py: Python<'_>, identity: &Bound<'_, PyAny>) -> PyResult<Identity> {
        let value = argument(identity, "identity")?;
        serde_json::from_value(value).map_err(|e| argument_error(py, &format!("identity: {e}")))
    }
}

impl Handler {
    /// The work of `Handler(store, scim_config)`.
    fn build(py: Python<'_>, store: &Bound<'_, PyAny>, scim_config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let config_value = match scim_config {
            Some(c) => argument(c, "scim_config")?,
            None => Value::Null,
        };
        check_setting_numbers(py, &config_value, "SCIM settings")?;
        let config = json::scim_config(KeyCase::Snake, config_value).map_err(|e| bridge_error(py, &e))?;
        let slot = Arc::new(StoreSlot::new(store)?);
        let invalid = |e: sso_scim_core::scim::ConfigError| error(py, ErrorCode::InvalidSettings, &e.to_string());
        let sync = ScimHandler::new(ForeignDirectory::new(PyHost::new(slot.clone()), KeyCase::Snake), config.clone())
            .map_err(invalid)?;
        let driven = ScimHandler::new(ForeignDirectory::new(Relay, KeyCase::Snake), config.clone()).map_err(invalid)?;
        let inner = Arc::new(Inner { sync, driven });
        let config = serde_json::to_value(&config).unwrap_or(Value::Null);
        Ok(Handler { inner, slot, config })
    }
}

#[pymethods]
impl Handler {
    /// `store` implements the `Store` protocol; `scim_config` is the JSON form of the SCIM
    /// settings (`None`: defaults).
    #[new]
    #[pyo3(signature = (store, scim_config = None))]
    fn new(py: Python<'_>, store: &Bound<'_, PyAny>, scim_config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        guarded(py, || Self::build(py, store, scim_config))
    }

    /// The store object.
    #[getter]
    fn store(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.slot.get(py)
    }

    /// The SCIM settings in force (every default filled in).
    #[getter]
    fn scim_config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        guarded(py, || to_py(py, &self.config))
    }

    /// Answer one SCIM request with a synchronous store (the GIL is released while the core
    /// works; each store call takes it back).
    fn handle(&self, py: Python<'_>, request: &Bound<'_, ScimRequest>) -> PyResult<ScimResponse> {
        guarded(py, || {
            let request = request.get().to_core(py);
            let inner = &self.inner;
            let resp = py.detach(|| now_or_never(inner.sync.handle(request)));
            respond(py, ready(py, resp)?)
        })
    }

    /// Answer one SCIM request on asyncio: store methods may be `async def` (awaited by the
    /// awaiting task) or plain (called on its thread, like any sync call in an asyncio app).
    fn handle_async(slf: &Bound<'_, Self>, request: &Bound<'_, ScimRequest>) -> PyResult<AsyncCall> {
        guarded(slf.py(), || {
            let request = request.get().to_core(slf.py());
            let inner = slf.get().inner.clone();
            let driven = Driven::new(async move { Outcome::Scim(inner.driven.handle(request).await) });
            Ok(Self::async_call(slf, driven, false, "handle_async"))
        })
    }

    /// Validate a SAMLResponse and decide whether it signs a user in to `workspace_id`:
    /// `{"decision": "allowed", "user": …}` or `{"decision": "refused", "code": …,
    /// "message": …}`. A refused response raises `SamlError`. `request_id` is one request ID
    /// (or `None`); a host with several pending calls `ServiceProvider.validate` with all of
    /// them, then `decide`.
    #[pyo3(signature = (workspace_id, service_provider, saml_response, request_id = None, now = None))]
    fn sign_in(
        &self,
        py: Python<'_>,
        workspace_id: &str,
        service_provider: &Bound<'_, ServiceProvider>,
        saml_response: &Bound<'_, PyAny>,
        request_id: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let input = saml_input(saml_response)?;
            let request_id = one_request(py, request_id)?;
            let now = instant(now)?;
            let sp = service_provider.get().core();
            let dir = self.inner.sync.directory();
            let out =
                py.detach(|| now_or_never(login::sign_in(dir, workspace_id, &sp, &input, now, request_id.as_deref())));
            decision_to_py(py, ready(py, out)?)
        })
    }

    /// `sign_in` on asyncio. The SAML response is verified on the awaiting thread with the
    /// GIL released (pure CPU work, ~100 µs: less than a hop to another thread and back costs
    /// on the loop); the decision is driven like `handle_async`.
    #[pyo3(signature = (workspace_id, service_provider, saml_response, request_id = None, now = None))]
    fn sign_in_async(
        slf: &Bound<'_, Self>,
        workspace_id: String,
        service_provider: &Bound<'_, ServiceProvider>,
        saml_response: &Bound<'_, PyAny>,
        request_id: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<AsyncCall> {
        guarded(slf.py(), || {
            let input = saml_input(saml_response)?;
            let request_id = one_request(slf.py(), request_id)?;
            let now = instant(now)?;
            let sp = service_provider.get().core();
            let inner = slf.get().inner.clone();
            let driven = Driven::new(async move {
                let dir = inner.driven.directory();
                Outcome::Login(login::sign_in(dir, &workspace_id, &sp, &input, now, request_id.as_deref()).await)
            });
            Ok(Self::async_call(slf, driven, true, "sign_in_async"))
        })
    }

    /// The login decision for an identity `ServiceProvider.validate` returned.
    fn decide(
        &self,
        py: Python<'_>,
        workspace_id: &str,
        service_provider: &Bound<'_, ServiceProvider>,
        identity: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let identity = Self::identity(py, identity)?;
            let sp = service_provider.get().core();
            let dir = self.inner.sync.directory();
            let out = py.detach(|| now_or_never(login::decide(dir, workspace_id, &sp, &identity)));
            decision_to_py(py, ready(py, out)?)
        })
    }

    /// `decide` on asyncio.
    fn decide_async(
        slf: &Bound<'_, Self>,
        workspace_id: String,
        service_provider: &Bound<'_, ServiceProvider>,
        identity: &Bound<'_, PyAny>,
    ) -> PyResult<AsyncCall> {
        guarded(slf.py(), || {
            let identity = Self::identity(slf.py(), identity)?;
            let sp = service_provider.get().core();
            let inner = slf.get().inner.clone();
            let driven = Driven::new(async move {
                Outcome::Login(login::decide(inner.driven.directory(), &workspace_id, &sp, &identity).await)
            });
            Ok(Self::async_call(slf, driven, false, "decide_async"))
        })
    }

    fn __traverse__(&self, visit: pyo3::PyVisit<'_>) -> Result<(), pyo3::PyTraverseError> {
        self.slot.traverse(&visit)
    }

    fn __clear__(&self) {
        drop(self.slot.clear());
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let kind = self
            .slot
            .get(py)
            .and_then(|s| s.bind(py).get_type().name().ok().map(|n| n.to_string()))
            .unwrap_or_else(|| "cleared".into());
        format!("<Handler store={kind}>")
    }
}
