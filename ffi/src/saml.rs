//! The SAML service provider of one workspace, metadata import and SP metadata.

use std::ffi::c_char;

use serde_json::Value;
use sso_scim_core::bridge::{KeyCase, json};
use sso_scim_core::saml::{ServiceProvider, metadata::sp_metadata_for};
use time::OffsetDateTime;

use crate::result::{
    Failure, boundary, boundary_value, bytes_arg, optional_text_arg, out_arg, sso_scim_error, sso_scim_result,
    text_arg, text_list_arg, write_string,
};

/// One workspace's SAML service provider: settings checked and keys parsed once.
///
/// Created by `sso_scim_service_provider_new`, released by `sso_scim_service_provider_free`.
/// Immutable: every function taking a `const sso_scim_service_provider *` may be called from
/// several threads at once. Keep one per workspace and rebuild it when its settings change.
#[allow(non_camel_case_types)]
pub struct sso_scim_service_provider {
    sp: ServiceProvider,
}

impl sso_scim_service_provider {
    pub(crate) fn inner(&self) -> &ServiceProvider {
        &self.sp
    }
}

/// Milliseconds since the Unix epoch as an instant.
pub(crate) fn instant_from_ms(ms: i64) -> Result<OffsetDateTime, Failure> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| Failure::argument(format!("{ms} ms since the Unix epoch is out of range")))
}

fn settings_arg(text: &str) -> Result<sso_scim_core::saml::SamlSettings, Failure> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Failure::code(sso_scim_core::ErrorCode::InvalidSettings, format!("SAML settings JSON: {e}")))?;
    Ok(json::saml_settings(KeyCase::Snake, value)?)
}

/// Check SAML settings (the JSON form: `sp_entity_id`, `acs_url`, `idp_entity_id`,
/// `idp_certificates`, … unknown keys refused) and parse their certificates and keys.
///
/// Errors: `INVALID_SETTINGS`, `INVALID_CERTIFICATE`, `INVALID_KEY`, `NULL_PARAMETER`,
/// `INVALID_UTF8`. `*service_provider_out` is written only on success; release it with
/// `sso_scim_service_provider_free`.
///
/// # Safety
/// `settings_json` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_new(
    settings_json: *const c_char,
    service_provider_out: *mut *mut sso_scim_service_provider,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(service_provider_out, "service_provider_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let settings = settings_arg(unsafe { text_arg(settings_json, "settings_json") }?)?;
        let sp = ServiceProvider::new(settings)?;
        // SAFETY: checked writable above.
        unsafe { *service_provider_out = Box::into_raw(Box::new(sso_scim_service_provider { sp })) };
        Ok(())
    })
}

/// Release a service provider. NULL is ignored.
///
/// # Safety
/// `service_provider` is NULL or one not freed before, and no other thread is using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_free(service_provider: *mut sso_scim_service_provider) {
    boundary_value((), || {
        if !service_provider.is_null() {
            // SAFETY: boxed by this library and not freed before, per the contract.
            drop(unsafe { Box::from_raw(service_provider) });
        }
    })
}

fn with_sp<'a>(sp: *const sso_scim_service_provider) -> Result<&'a ServiceProvider, Failure> {
    // SAFETY: NULL or a live service provider, per every caller's contract.
    unsafe { sp.as_ref() }.map(|s| &s.sp).ok_or_else(|| Failure::null("service_provider"))
}

/// Validate a SAMLResponse posted to the ACS: the form value (base64) or raw XML,
/// `saml_response_len` bytes. `request_id` is the ID of the AuthnRequest this browser was sent
/// with, or NULL for an IdP-initiated response; `now_ms` is milliseconds since the Unix epoch.
/// Replay protection is the login decision's job (`sso_scim_handler_decide`). A host that keeps
/// several requests pending per browser calls `_validate_pending` instead.
///
/// On success `*identity_json_out` is the identity (`name_id`, `email`, `issuer`,
/// `assertion_id`, `in_response_to`, `not_on_or_after`, `attributes`…); release it with
/// `sso_scim_string_free`.
///
/// Errors: the SAML code of the refusal (`SIGNATURE_INVALID`, `AUDIENCE_MISMATCH`,
/// `EXPIRED`…), `NULL_PARAMETER`, `INVALID_UTF8` (`request_id`), `INVALID_ARGUMENT`.
///
/// # Safety
/// `service_provider` is live; `saml_response` points to `saml_response_len` bytes;
/// `request_id` is NULL or NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_validate(
    service_provider: *const sso_scim_service_provider,
    saml_response: *const u8,
    saml_response_len: usize,
    request_id: *const c_char,
    now_ms: i64,
    identity_json_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(identity_json_out, "identity_json_out")?;
        // SAFETY (argument reads): the caller's contract.
        let input = unsafe { bytes_arg(saml_response, saml_response_len, "saml_response") }?;
        let request_id = unsafe { optional_text_arg(request_id, "request_id") }?;
        let identity = sp.validate_response(input, instant_from_ms(now_ms)?, request_id)?;
        // SAFETY: checked writable above.
        unsafe { write_string(identity_json_out, &json::identity(&identity).to_string()) }
    })
}

/// Validate a SAMLResponse against every AuthnRequest this browser has pending, in one parse:
/// `pending_request_ids` holds `pending_count` request IDs from the host's session (NULL with a
/// count of 0: none pending). The ID the response claims to answer is checked against the
/// signed content if it is one of them; otherwise the response is treated as unsolicited, so a
/// claim of another ID is refused (`IN_RESPONSE_TO_MISMATCH`) and a response claiming none is
/// accepted only with `allow_idp_initiated`. `now_ms` is milliseconds since the Unix epoch.
///
/// On success `*identity_json_out` is the identity, as `_validate` gives it; its
/// `in_response_to` names the request answered (absent for an IdP-initiated response): mark
/// that one used in the session. Release it with `sso_scim_string_free`.
///
/// Errors: the SAML code of the refusal (`SIGNATURE_INVALID`, `IN_RESPONSE_TO_MISMATCH`,
/// `UNSOLICITED_RESPONSE`…), `NULL_PARAMETER` (also a NULL array with a count, or a NULL
/// element), `INVALID_UTF8` (an element), `INVALID_ARGUMENT`.
///
/// # Safety
/// `service_provider` is live; `saml_response` points to `saml_response_len` bytes;
/// `pending_request_ids` is NULL or points to `pending_count` NUL-terminated strings;
/// out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_validate_pending(
    service_provider: *const sso_scim_service_provider,
    saml_response: *const u8,
    saml_response_len: usize,
    pending_request_ids: *const *const c_char,
    pending_count: usize,
    now_ms: i64,
    identity_json_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(identity_json_out, "identity_json_out")?;
        // SAFETY (argument reads): the caller's contract.
        let input = unsafe { bytes_arg(saml_response, saml_response_len, "saml_response") }?;
        let pending = unsafe { text_list_arg(pending_request_ids, pending_count, "pending_request_ids") }?;
        let identity = sp.validate_response_pending(input, instant_from_ms(now_ms)?, &pending)?;
        // SAFETY: checked writable above.
        unsafe { write_string(identity_json_out, &json::identity(&identity).to_string()) }
    })
}

/// Verify the enveloped signature of the root element of `xml` (a signed Assertion or
/// Response on its own) with the configured IdP certificates, and give the verified canonical
/// XML. No profile check is made: diagnostics and tests only, never instead of `_validate`.
///
/// `*canonical_xml_out` is written only on success; release it with `sso_scim_string_free`.
///
/// # Safety
/// `service_provider` is live; `xml` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_verify_signed_element(
    service_provider: *const sso_scim_service_provider,
    xml: *const c_char,
    canonical_xml_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(canonical_xml_out, "canonical_xml_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let canonical = sp.verify_signed_element(unsafe { text_arg(xml, "xml") }?)?;
        // SAFETY: checked writable above.
        unsafe { write_string(canonical_xml_out, &canonical) }
    })
}

/// The `InResponseTo` a response claims to answer — the Response's, or when that optional
/// attribute is absent the bearer `SubjectConfirmationData`'s — read without any verification.
///
/// Superseded by `sso_scim_service_provider_validate_pending`: this was how a host with several
/// outstanding requests picked the `request_id` for `_validate`, but that decodes and parses the
/// untrusted response twice, where `_validate_pending` reads the claim from the one parse
/// validation uses. Kept, working, for hosts written against it.
///
/// On success `*request_id_out` is a string to release with `sso_scim_string_free`, or NULL
/// when the response names none (or cannot be read).
///
/// # Safety
/// `service_provider` is live; `saml_response` points to `saml_response_len` bytes;
/// out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_in_response_to_hint(
    service_provider: *const sso_scim_service_provider,
    saml_response: *const u8,
    saml_response_len: usize,
    request_id_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(request_id_out, "request_id_out")?;
        // SAFETY: `saml_response_len` bytes, per the contract.
        let input = unsafe { bytes_arg(saml_response, saml_response_len, "saml_response") }?;
        // Deprecated in the core for the same reason; this function stays for existing hosts.
        #[allow(deprecated)]
        let hint = sp.in_response_to_hint(input);
        match hint {
            // SAFETY: checked writable above.
            Some(id) => unsafe { write_string(request_id_out, &id) },
            None => {
                // SAFETY: checked writable above.
                unsafe { *request_id_out = std::ptr::null_mut() };
                Ok(())
            }
        }
    })
}

/// Build an AuthnRequest to the IdP's `idp_sso_url`, issued at `now_ms`, with an optional
/// RelayState (NULL or empty: none).
///
/// On success `*request_json_out` is `{"id", "issue_instant", "destination", "relay_state",
/// "xml", "redirect_url", "post_form_html"}`: redirect the browser to `redirect_url` and keep
/// `id` for `_validate`. Release it with `sso_scim_string_free`.
///
/// Errors: `INVALID_SETTINGS` (no `idp_sso_url`), `INVALID_VALUE` (RelayState over 80 bytes),
/// `INVALID_KEY`, `NULL_PARAMETER`, `INVALID_UTF8`, `INVALID_ARGUMENT`.
///
/// # Safety
/// `service_provider` is live; `relay_state` is NULL or NUL-terminated; out-params are NULL
/// or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_authn_request(
    service_provider: *const sso_scim_service_provider,
    relay_state: *const c_char,
    now_ms: i64,
    request_json_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(request_json_out, "request_json_out")?;
        // SAFETY: NULL or NUL-terminated, per the contract.
        let relay_state = unsafe { optional_text_arg(relay_state, "relay_state") }?;
        let request = sp.authn_request(instant_from_ms(now_ms)?, relay_state)?;
        // SAFETY: checked writable above.
        unsafe { write_string(request_json_out, &json::authn_request(&request).to_string()) }
    })
}

/// Our SP metadata XML (for the admin to upload to the IdP). Release `*metadata_xml_out` with
/// `sso_scim_string_free`.
///
/// # Safety
/// `service_provider` is live; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_metadata(
    service_provider: *const sso_scim_service_provider,
    metadata_xml_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(metadata_xml_out, "metadata_xml_out")?;
        // SAFETY: checked writable above.
        unsafe { write_string(metadata_xml_out, &sp.sp_metadata()) }
    })
}

/// The settings, as JSON with every default filled in. Release `*settings_json_out` with
/// `sso_scim_string_free`.
///
/// # Safety
/// `service_provider` is live; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_settings(
    service_provider: *const sso_scim_service_provider,
    settings_json_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(settings_json_out, "settings_json_out")?;
        let text = serde_json::to_string(sp.settings()).map_err(|e| Failure::argument(e.to_string()))?;
        // SAFETY: checked writable above.
        unsafe { write_string(settings_json_out, &text) }
    })
}

/// The trusted IdP certificates that expire by `now_ms` + `days`, as a JSON array of
/// `{"subject", "not_before", "not_after", "key_type", "key_bits", "sha256_fingerprint", "pem"}`
/// (`key_type` `"rsa"` or `"ec"`; `key_bits` the RSA modulus length or the EC curve size; for
/// rollover warnings). Release `*certificates_json_out` with `sso_scim_string_free`.
///
/// # Safety
/// `service_provider` is live; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_service_provider_certificates_expiring_within(
    service_provider: *const sso_scim_service_provider,
    days: u32,
    now_ms: i64,
    certificates_json_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        let sp = with_sp(service_provider)?;
        out_arg(certificates_json_out, "certificates_json_out")?;
        let expiring = sp.certificates_expiring_within(instant_from_ms(now_ms)?, days);
        let list: Value = expiring.into_iter().map(json::certificate).collect();
        // SAFETY: checked writable above.
        unsafe { write_string(certificates_json_out, &list.to_string()) }
    })
}

/// SP metadata XML for settings whose IdP is not configured yet (only our own fields and
/// certificate are read). Release `*metadata_xml_out` with `sso_scim_string_free`.
///
/// Errors: `INVALID_SETTINGS`, `INVALID_CERTIFICATE`, `NULL_PARAMETER`, `INVALID_UTF8`.
///
/// # Safety
/// `settings_json` is NUL-terminated; out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_sp_metadata(
    settings_json: *const c_char,
    metadata_xml_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(metadata_xml_out, "metadata_xml_out")?;
        // SAFETY: NUL-terminated, per the contract.
        let settings = settings_arg(unsafe { text_arg(settings_json, "settings_json") }?)?;
        let xml = sp_metadata_for(&settings)?;
        // SAFETY: checked writable above.
        unsafe { write_string(metadata_xml_out, &xml) }
    })
}

/// Import IdP federation metadata (Entra's "Federation Metadata XML") for our SP:
/// `*result_json_out` is `{"settings": {…}, "metadata": {…}}`, the settings trusting this IdP
/// (everything else at its default) and what the metadata says. `entity_id` picks one IdP out
/// of an aggregate (NULL: the only one). Release it with `sso_scim_string_free`.
///
/// Errors: `INVALID_METADATA`, `INVALID_CERTIFICATE` (also a signing certificate whose RSA key
/// is under 2048 bits, the default `min_rsa_key_bits`), XML errors, `NULL_PARAMETER`,
/// `INVALID_UTF8`.
///
/// # Safety
/// Strings are NUL-terminated (`entity_id` may be NULL); out-params are NULL or writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn sso_scim_import_metadata(
    metadata_xml: *const c_char,
    sp_entity_id: *const c_char,
    acs_url: *const c_char,
    entity_id: *const c_char,
    result_json_out: *mut *mut c_char,
    error_out: *mut *mut sso_scim_error,
) -> sso_scim_result {
    boundary(error_out, || {
        out_arg(result_json_out, "result_json_out")?;
        // SAFETY (argument reads): the caller's contract.
        let xml = unsafe { text_arg(metadata_xml, "metadata_xml") }?;
        let sp_entity_id = unsafe { text_arg(sp_entity_id, "sp_entity_id") }?;
        let acs_url = unsafe { text_arg(acs_url, "acs_url") }?;
        let entity_id = unsafe { optional_text_arg(entity_id, "entity_id") }?;
        let imported = json::import_metadata(xml, sp_entity_id, acs_url, entity_id)?;
        // SAFETY: checked writable above.
        unsafe { write_string(result_json_out, &imported.to_string()) }
    })
}
