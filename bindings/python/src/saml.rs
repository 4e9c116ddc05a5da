//! `ServiceProvider` and the module-level SAML helpers: pure and synchronous, the GIL
//! released while a response is validated.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyInt, PyString};
use serde_json::Value;
use sso_scim_core::bridge::{KeyCase, json};
use sso_scim_core::saml::metadata::sp_metadata_for;
use sso_scim_core::saml::{Identity, SamlError, SamlSettings, ServiceProvider as CoreSp};
use time::OffsetDateTime;

use crate::convert::{argument, check_setting_numbers, instant, saml_input, to_py, type_name};
use crate::errors::{argument_error, bridge_error, guarded, saml_error};

/// The request(s) a response may answer, as `request_id` names them.
enum Requests {
    /// One AuthnRequest ID, or `None` when an unsolicited response is expected.
    One(Option<String>),
    /// Every AuthnRequest ID this browser has pending (possibly none).
    Pending(Vec<String>),
}

impl Requests {
    /// `request_id`: `None`, a `str`, or a sequence of `str` (a `list`, a `tuple`…).
    fn read(request_id: Option<&Bound<'_, PyAny>>) -> PyResult<Requests> {
        let Some(value) = request_id.filter(|v| !v.is_none()) else { return Ok(Requests::One(None)) };
        if let Ok(id) = value.cast::<PyString>() {
            return Ok(Requests::One(Some(id.to_cow()?.into_owned())));
        }
        value.extract::<Vec<String>>().map(Requests::Pending).map_err(|_| {
            let got = type_name(value);
            argument_error(
                value.py(),
                &format!(
                    "request_id: expected None, a str, or a sequence of str (the requests pending for this browser), got {got}"
                ),
            )
        })
    }

    /// Validate with `sp` in the form the host chose (the core's single-ID or list form).
    fn validate(&self, sp: &CoreSp, input: &[u8], now: OffsetDateTime) -> Result<Identity, SamlError> {
        match self {
            Requests::One(id) => sp.validate_response(input, now, id.as_deref()),
            Requests::Pending(ids) => sp.validate_response_pending(input, now, ids),
        }
    }
}

/// `request_id` of `sign_in`: `None` or one `str`. A sign-in answers a decision, which cannot
/// say which of several pending requests was answered, so a sequence is refused, pointing to
/// `validate` (whose identity names it) then `decide`.
pub fn one_request(py: Python<'_>, request_id: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    match Requests::read(request_id) {
        Ok(Requests::One(id)) => Ok(id),
        Err(_) => {
            let got = request_id.map_or_else(|| "None".to_owned(), type_name);
            Err(argument_error(py, &format!("request_id: expected None or a str, got {got}")))
        }
        Ok(Requests::Pending(_)) => Err(argument_error(
            py,
            "request_id: sign_in takes one request ID; with several pending, call ServiceProvider.validate(response, \
             pending) then decide (identity[\"in_response_to\"] names the request answered)",
        )),
    }
}

fn settings_from(py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<SamlSettings> {
    let value = argument(settings, "settings")?;
    check_setting_numbers(py, &value, "SAML settings")?;
    json::saml_settings(KeyCase::Snake, value).map_err(|e| bridge_error(py, &e))
}

/// One workspace's SAML service provider: settings checked and keys parsed once. Keep one
/// per workspace and share it between threads.
#[pyclass(module = "sso_scim", frozen)]
pub struct ServiceProvider {
    sp: Arc<CoreSp>,
}

impl ServiceProvider {
    /// The core object, for the login calls.
    pub fn core(&self) -> Arc<CoreSp> {
        self.sp.clone()
    }
}

#[pymethods]
impl ServiceProvider {
    /// `settings` is the JSON form of the SAML settings (`sp_entity_id`, `acs_url`,
    /// `idp_entity_id`, `idp_certificates`, `min_rsa_key_bits`, …); unknown keys are refused, and
    /// so is an IdP RSA key shorter than `min_rsa_key_bits` (`invalid_certificate`).
    #[new]
    fn new(py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<Self> {
        guarded(py, || {
            let settings = settings_from(py, settings)?;
            let sp = CoreSp::new(settings).map_err(|e| saml_error(py, &e))?;
            Ok(ServiceProvider { sp: Arc::new(sp) })
        })
    }

    /// Validate a SAMLResponse (the base64 form value or raw XML, `str` or `bytes`) at `now`
    /// (default: the current time) and return the verified identity. `request_id` is the
    /// AuthnRequest ID this browser was sent with (`None` for an IdP-initiated response), or a
    /// sequence of every request ID this browser has pending: the ID the response claims is
    /// checked only if it is one of them (anything else is treated as unsolicited), in the same
    /// parse, and the identity's `in_response_to` names the request answered. A refused
    /// response raises `SamlError` with the reason's code.
    #[pyo3(signature = (saml_response, request_id = None, now = None))]
    fn validate(
        &self,
        py: Python<'_>,
        saml_response: &Bound<'_, PyAny>,
        request_id: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let input = saml_input(saml_response)?;
            let requests = Requests::read(request_id)?;
            let now = instant(now)?;
            let sp = &self.sp;
            let identity = py.detach(|| requests.validate(sp, &input, now)).map_err(|e| saml_error(py, &e))?;
            Ok(to_py(py, &json::identity(&identity))?.unbind())
        })
    }

    /// Verify the enveloped signature of the root element only and return the verified
    /// canonical XML (diagnostics; never a substitute for `validate`).
    fn verify_signed_element(&self, py: Python<'_>, xml: &str) -> PyResult<String> {
        guarded(py, || {
            let sp = &self.sp;
            py.detach(|| sp.verify_signed_element(xml)).map_err(|e| saml_error(py, &e))
        })
    }

    /// The InResponseTo a response claims (the Response's, or when absent the bearer
    /// SubjectConfirmationData's), read without verification.
    ///
    /// Superseded: pass every pending request ID to `validate` instead. This hint, then
    /// `validate` with the ID it found, decodes and parses the untrusted response twice, where
    /// `validate` reads the claim from the one parse it validates. Kept for existing hosts.
    fn in_response_to_hint(&self, saml_response: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        guarded(saml_response.py(), || {
            // Deprecated in the core for the same reason.
            #[allow(deprecated)]
            Ok(self.sp.in_response_to_hint(saml_input(saml_response)?))
        })
    }

    /// A new AuthnRequest: `id` (keep it to validate the answer), `redirect_url`
    /// (HTTP-Redirect) and `post_form_html` (HTTP-POST), among others.
    #[pyo3(signature = (relay_state = None, now = None))]
    fn authn_request(
        &self,
        py: Python<'_>,
        relay_state: Option<&str>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let request = self.sp.authn_request(instant(now)?, relay_state).map_err(|e| saml_error(py, &e))?;
            Ok(to_py(py, &json::authn_request(&request))?.unbind())
        })
    }

    /// Our SP metadata XML, for the admin to upload to the IdP.
    fn metadata(&self, py: Python<'_>) -> PyResult<String> {
        guarded(py, || Ok(self.sp.sp_metadata()))
    }

    /// The settings in force (every default filled in).
    #[getter]
    fn settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let value = serde_json::to_value(self.sp.settings()).unwrap_or(Value::Null);
            Ok(to_py(py, &value)?.unbind())
        })
    }

    /// The trusted IdP certificates: subject, validity, key type and bits, SHA-256 fingerprint, PEM.
    #[getter]
    fn idp_certificates(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            let list: Vec<Value> = self.sp.idp_certificates().iter().map(json::certificate).collect();
            Ok(to_py(py, &Value::Array(list))?.unbind())
        })
    }

    /// IdP certificates that expire within `days` of `now` (rollover warnings).
    #[pyo3(signature = (days, now = None))]
    fn certificates_expiring_within(
        &self,
        py: Python<'_>,
        days: &Bound<'_, PyInt>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        guarded(py, || {
            // Any int: one that does not fit is refused like a negative one, not `OverflowError`.
            let days = days
                .extract::<u32>()
                .map_err(|_| argument_error(py, &format!("days: expected 0 to 4294967295, got {days}")))?;
            let list: Vec<Value> =
                self.sp.certificates_expiring_within(instant(now)?, days).into_iter().map(json::certificate).collect();
            Ok(to_py(py, &Value::Array(list))?.unbind())
        })
    }

    fn __repr__(&self) -> String {
        let s = self.sp.settings();
        format!("<ServiceProvider sp={:?} idp={:?}>", s.sp_entity_id, s.idp_entity_id)
    }
}

/// SP metadata for settings whose IdP is not configured yet (only our own fields are read).
#[pyfunction]
pub fn sp_metadata(py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<String> {
    guarded(py, || {
        let settings = settings_from(py, settings)?;
        sp_metadata_for(&settings).map_err(|e| saml_error(py, &e))
    })
}

/// Import IdP federation metadata: `{"settings": …, "metadata": …}`, the settings trusting
/// this IdP for our SP. `entity_id` picks one IdP out of an aggregate. A signing certificate
/// whose RSA key is under 2048 bits (the default `min_rsa_key_bits`) is refused
/// (`invalid_certificate`).
#[pyfunction]
#[pyo3(signature = (xml, sp_entity_id, acs_url, entity_id = None))]
pub fn import_metadata(
    py: Python<'_>,
    xml: &str,
    sp_entity_id: &str,
    acs_url: &str,
    entity_id: Option<&str>,
) -> PyResult<Py<PyAny>> {
    guarded(py, || {
        let value = json::import_metadata(xml, sp_entity_id, acs_url, entity_id).map_err(|e| bridge_error(py, &e))?;
        Ok(to_py(py, &value)?.unbind())
    })
}
