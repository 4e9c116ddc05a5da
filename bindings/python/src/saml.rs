//! `ServiceProvider` and the module-level SAML helpers: pure and synchronous, the GIL
//! released while a response is validated.

use std::sync::Arc;

use pyo3::prelude::*;
use serde_json::Value;
use sso_scim_core::bridge::{KeyCase, json};
use sso_scim_core::saml::metadata::sp_metadata_for;
use sso_scim_core::saml::{SamlSettings, ServiceProvider as CoreSp};

use crate::convert::{argument, instant, saml_input, to_py};
use crate::errors::{argument_error, bridge_error, saml_error};

fn settings_from(py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<SamlSettings> {
    json::saml_settings(KeyCase::Snake, argument(settings, "settings")?).map_err(|e| bridge_error(py, &e))
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
        let settings = settings_from(py, settings)?;
        let sp = CoreSp::new(settings).map_err(|e| saml_error(py, &e))?;
        Ok(ServiceProvider { sp: Arc::new(sp) })
    }

    /// Validate a SAMLResponse (the base64 form value or raw XML, `str` or `bytes`) at `now`
    /// (default: the current time) and return the verified identity. `request_id` is the
    /// AuthnRequest ID this browser was sent with; `None` for an IdP-initiated response.
    /// A refused response raises `SamlError` with the reason's code.
    #[pyo3(signature = (saml_response, request_id = None, now = None))]
    fn validate(
        &self,
        py: Python<'_>,
        saml_response: &Bound<'_, PyAny>,
        request_id: Option<&str>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let input = saml_input(saml_response)?;
        let now = instant(now)?;
        let sp = &self.sp;
        let identity = py.detach(|| sp.validate_response(&input, now, request_id)).map_err(|e| saml_error(py, &e))?;
        Ok(to_py(py, &json::identity(&identity))?.unbind())
    }

    /// Verify the enveloped signature of the root element only and return the verified
    /// canonical XML (diagnostics; never a substitute for `validate`).
    fn verify_signed_element(&self, py: Python<'_>, xml: &str) -> PyResult<String> {
        let sp = &self.sp;
        py.detach(|| sp.verify_signed_element(xml)).map_err(|e| saml_error(py, &e))
    }

    /// The InResponseTo a response claims (the Response's, or when absent the bearer
    /// SubjectConfirmationData's), read without verification: only a hint to pick which
    /// outstanding request ID to validate against.
    fn in_response_to_hint(&self, saml_response: &Bound<'_, PyAny>) -> PyResult<Option<String>> {
        Ok(self.sp.in_response_to_hint(saml_input(saml_response)?))
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
        let request = self.sp.authn_request(instant(now)?, relay_state).map_err(|e| saml_error(py, &e))?;
        Ok(to_py(py, &json::authn_request(&request))?.unbind())
    }

    /// Our SP metadata XML, for the admin to upload to the IdP.
    fn metadata(&self) -> String {
        self.sp.sp_metadata()
    }

    /// The settings in force (every default filled in).
    #[getter]
    fn settings(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value = serde_json::to_value(self.sp.settings()).unwrap_or(Value::Null);
        Ok(to_py(py, &value)?.unbind())
    }

    /// The trusted IdP certificates: subject, validity, key type and bits, SHA-256 fingerprint, PEM.
    #[getter]
    fn idp_certificates(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let list: Vec<Value> = self.sp.idp_certificates().iter().map(json::certificate).collect();
        Ok(to_py(py, &Value::Array(list))?.unbind())
    }

    /// IdP certificates that expire within `days` of `now` (rollover warnings).
    #[pyo3(signature = (days, now = None))]
    fn certificates_expiring_within(
        &self,
        py: Python<'_>,
        days: i64,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let days = u32::try_from(days).map_err(|_| argument_error(py, "days: expected 0 to 4294967295"))?;
        let list: Vec<Value> =
            self.sp.certificates_expiring_within(instant(now)?, days).into_iter().map(json::certificate).collect();
        Ok(to_py(py, &Value::Array(list))?.unbind())
    }

    fn __repr__(&self) -> String {
        let s = self.sp.settings();
        format!("<ServiceProvider sp={:?} idp={:?}>", s.sp_entity_id, s.idp_entity_id)
    }
}

/// SP metadata for settings whose IdP is not configured yet (only our own fields are read).
#[pyfunction]
pub fn sp_metadata(py: Python<'_>, settings: &Bound<'_, PyAny>) -> PyResult<String> {
    let settings = settings_from(py, settings)?;
    sp_metadata_for(&settings).map_err(|e| saml_error(py, &e))
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
    let value = json::import_metadata(xml, sp_entity_id, acs_url, entity_id).map_err(|e| bridge_error(py, &e))?;
    Ok(to_py(py, &value)?.unbind())
}
