//! JSON forms of what the core takes and hands back, identical in every binding (snake_case
//! keys; a binding with camelCase hosts passes them through [`KeyCase`]).

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use super::case::KeyCase;
use super::error::BridgeError;
use crate::error::ErrorCode;
use crate::login::LoginDecision;
use crate::saml::metadata::Endpoint;
use crate::saml::{AuthnRequest, Identity, IdpMetadata, SamlSettings};
use crate::saml::{Certificate, KeyKind};
use crate::scim::ScimConfig;

/// An instant as the wire carries it: RFC 3339, UTC.
pub fn instant(t: OffsetDateTime) -> Value {
    Value::String(t.to_offset(UtcOffset::UTC).format(&Rfc3339).unwrap_or_default())
}

/// Read an instant given by a host (`now` arguments): RFC 3339 with a time zone.
pub fn parse_instant(text: &str) -> Result<OffsetDateTime, BridgeError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| t.to_offset(UtcOffset::UTC))
        .map_err(|e| BridgeError::argument(format!("\"{text}\" is not an RFC 3339 instant with a time zone: {e}")))
}

/// `{"code": …, "message": …}`.
pub fn error(code: ErrorCode, message: &str) -> Value {
    json!({"code": code.as_str(), "message": message})
}

/// The verified identity (members documented on [`Identity`]; absent fields omitted).
pub fn identity(identity: &Identity) -> Value {
    serde_json::to_value(identity).unwrap_or(Value::Null)
}

/// `{"decision": "allowed", "user": {…}}` or `{"decision": "refused", "code": …, "message": …}`.
pub fn decision(decision: &LoginDecision) -> Value {
    match decision {
        LoginDecision::Allowed(user) => json!({"decision": "allowed", "user": user}),
        LoginDecision::Refused(r) => json!({"decision": "refused", "code": r.code.as_str(), "message": r.message}),
    }
}

/// The AuthnRequest with both bindings ready: `redirect_url` for HTTP-Redirect and
/// `post_form_html` for HTTP-POST.
pub fn authn_request(request: &AuthnRequest) -> Value {
    json!({
        "id": request.id,
        "issue_instant": instant(request.issue_instant),
        "destination": request.destination,
        "relay_state": request.relay_state,
        "xml": request.xml,
        "redirect_url": request.redirect_url,
        "post_form_html": request.post_form_html(),
    })
}

/// A certificate's facts for an admin screen: subject, validity, key type (`"rsa"` or `"ec"`)
/// and size in bits (RSA modulus, or EC curve: 256, 384, 521), SHA-256 fingerprint and PEM.
pub fn certificate(cert: &Certificate) -> Value {
    let key_type = match cert.key_kind() {
        KeyKind::Rsa => "rsa",
        KeyKind::EcP256 | KeyKind::EcP384 | KeyKind::EcP521 => "ec",
    };
    json!({
        "subject": cert.subject(),
        "not_before": instant(cert.not_before()),
        "not_after": instant(cert.not_after()),
        "key_type": key_type,
        "key_bits": cert.key_bits(),
        "sha256_fingerprint": cert.sha256_fingerprint(),
        "pem": cert.to_pem(),
    })
}

fn endpoints(list: &[Endpoint]) -> Value {
    list.iter()
        .map(|e| json!({"binding": e.binding, "location": e.location, "response_location": e.response_location}))
        .collect()
}

/// What imported IdP metadata says.
pub fn idp_metadata(metadata: &IdpMetadata) -> Value {
    json!({
        "entity_id": metadata.entity_id(),
        "sso_url": metadata.sso_url(None),
        "slo_url": metadata.slo_url(None),
        "single_sign_on_services": endpoints(metadata.single_sign_on_services()),
        "single_logout_services": endpoints(metadata.single_logout_services()),
        "name_id_formats": metadata.name_id_formats(),
        "signing_certificates": metadata.signing_certificates().iter().map(certificate).collect::<Vec<_>>(),
        "want_authn_requests_signed": metadata.want_authn_requests_signed(),
        "valid_until": metadata.valid_until().map(instant),
    })
}

/// Import IdP federation metadata for our SP: `{"settings": …, "metadata": …}`, the settings
/// being new ones trusting this IdP (every other setting at its default). `entity_id` picks
/// one IdP out of an aggregate. A signing certificate with an RSA key under the default
/// `min_rsa_key_bits` is refused (`invalid_certificate`), as the new settings would be.
pub fn import_metadata(
    xml: &str,
    sp_entity_id: &str,
    acs_url: &str,
    entity_id: Option<&str>,
) -> Result<Value, BridgeError> {
    let metadata = IdpMetadata::select(xml, entity_id)?;
    let settings = metadata.to_settings(sp_entity_id, acs_url);
    metadata.check_key_sizes(settings.min_rsa_key_bits)?;
    Ok(json!({"settings": settings, "metadata": idp_metadata(&metadata)}))
}

/// SAML settings from a host's object (in its key case; unknown keys refused).
pub fn saml_settings(case: KeyCase, value: Value) -> Result<SamlSettings, BridgeError> {
    if !value.is_object() {
        return Err(BridgeError::new(ErrorCode::InvalidSettings, "SAML settings are an object"));
    }
    serde_json::from_value(case.from_host(value))
        .map_err(|e| BridgeError::new(ErrorCode::InvalidSettings, format!("SAML settings: {e}")))
}

/// SCIM settings from a host's object (in its key case; `null` gives the defaults).
pub fn scim_config(case: KeyCase, value: Value) -> Result<ScimConfig, BridgeError> {
    let value = if value.is_null() { json!({}) } else { case.from_host(value) };
    Ok(ScimConfig::from_json(&value.to_string())?)
}
