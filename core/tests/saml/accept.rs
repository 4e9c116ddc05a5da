//! Genuine shapes are accepted and the identity reads back exactly.

use crate::saml_support::*;
use sso_scim_core::ErrorCode;
use sso_scim_core::saml::ServiceProvider;

fn sp() -> ServiceProvider {
    ServiceProvider::new(settings(&TestKey::load("idp"))).unwrap()
}

#[test]
fn entra_default_shape_assertion_signed() {
    let idp = TestKey::load("idp");
    let xml = Spec::default().signed(&idp);
    let id = sp().validate_response(form_value(&xml), NOW, Some(REQUEST_ID)).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    assert_eq!(id.name_id, "jdoe@contoso.com");
    assert_eq!(id.name_id_format.as_deref(), Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"));
    assert_eq!(id.email.as_deref(), Some("jdoe@contoso.com"));
    assert_eq!(id.given_name.as_deref(), Some("John"));
    assert_eq!(id.family_name.as_deref(), Some("Doe"));
    assert_eq!(id.display_name.as_deref(), Some("John Doe"));
    assert_eq!(id.object_id.as_deref(), Some("7a1c3e5f-2b4d-4f6a-8c0e-9d1b3f5a7c9e"));
    assert_eq!(id.tenant_id.as_deref(), Some("0d9a7d32-6a2e-4ef4-9e51-1c5a2a7e3c11"));
    assert_eq!(id.issuer, IDP_ENTITY);
    assert_eq!(id.assertion_id, Spec::default().assertion_id);
    assert_eq!(id.session_index.as_deref(), Some(Spec::default().assertion_id.as_str()));
    assert_eq!(id.not_on_or_after, time::macros::datetime!(2026-03-04 12:05:00.123 UTC));
    assert_eq!(id.attributes.len(), 9);
}

#[test]
fn both_signed_and_response_only_signed() {
    let idp = TestKey::load("idp");
    for xml in [Spec::default().both_signed(&idp), Spec::default().response_signed(&idp)] {
        let id = sp().validate_response(&xml, NOW, Some(REQUEST_ID)).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert_eq!(id.name_id, "jdoe@contoso.com");
    }
}

#[test]
fn unsigned_is_refused() {
    let xml = Spec::default().response_with(&Spec::default().assertion());
    assert_eq!(sp().validate_response(&xml, NOW, Some(REQUEST_ID)).unwrap_err().code(), ErrorCode::SignatureMissing);
}
