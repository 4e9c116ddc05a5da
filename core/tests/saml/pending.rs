//! Validating against the requests a browser has pending, in one parse
//! (`ServiceProvider::validate_response_pending`), and the answered request on the identity.

use crate::saml_support::*;
use sso_scim_core::ErrorCode;
use sso_scim_core::saml::ServiceProvider;

fn sp(allow_idp_initiated: bool) -> ServiceProvider {
    let mut s = settings(&TestKey::load("idp"));
    s.allow_idp_initiated = allow_idp_initiated;
    ServiceProvider::new(s).unwrap()
}

/// The baseline response with `edit` applied, signed (assertion signature, Entra's default).
fn signed(edit: impl FnOnce(&mut Spec)) -> String {
    let mut spec = Spec::default();
    edit(&mut spec);
    form_value(&spec.signed(&TestKey::load("idp")))
}

fn unsolicited() -> String {
    signed(|s| {
        s.in_response_to = None;
        s.confirmation_in_response_to = None;
    })
}

#[test]
fn the_claimed_request_among_several_pending_is_answered_and_named() {
    let pending = ["_older-request", REQUEST_ID, "_newer-request"];
    let identity = sp(false).validate_response_pending(signed(|_| {}), NOW, &pending).unwrap();
    assert_eq!(identity.name_id, "jdoe@contoso.com");
    assert_eq!(identity.in_response_to.as_deref(), Some(REQUEST_ID));
}

#[test]
fn a_claim_of_a_request_not_pending_is_refused() {
    let elsewhere = vec!["_another-browser".to_owned(), "_expired".to_owned()];
    let err = sp(false).validate_response_pending(signed(|_| {}), NOW, &elsewhere).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InResponseToMismatch, "{err}");
    // Allowing IdP-initiated sign-in does not admit a response that claims to answer a request.
    let none: [&str; 0] = [];
    let err = sp(true).validate_response_pending(signed(|_| {}), NOW, &none).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InResponseToMismatch, "{err}");
}

#[test]
fn the_claim_is_only_a_pointer_the_signed_confirmation_decides() {
    // The unsigned Response names a pending request; the signed confirmation names another.
    let forged = signed(|s| s.confirmation_in_response_to = Some("_another-browser".into()));
    let err = sp(false).validate_response_pending(forged, NOW, &[REQUEST_ID]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InResponseToMismatch, "{err}");
}

#[test]
fn an_in_response_to_only_on_the_confirmation_names_the_pending_request() {
    let response = signed(|s| s.in_response_to = None);
    let identity = sp(false).validate_response_pending(response, NOW, &["_older-request", REQUEST_ID]).unwrap();
    assert_eq!(identity.in_response_to.as_deref(), Some(REQUEST_ID));
}

#[test]
fn an_unsolicited_response_follows_allow_idp_initiated_whatever_is_pending() {
    let none: [String; 0] = [];
    let identity = sp(true).validate_response_pending(unsolicited(), NOW, &none).unwrap();
    assert_eq!(identity.in_response_to, None);
    let identity = sp(true).validate_response_pending(unsolicited(), NOW, &[REQUEST_ID]).unwrap();
    assert_eq!(identity.in_response_to, None, "a pending request is not answered by an unsolicited response");
    let err = sp(false).validate_response_pending(unsolicited(), NOW, &[REQUEST_ID]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::UnsolicitedResponse, "{err}");
}

#[test]
fn the_single_id_form_names_the_request_too() {
    let identity = sp(false).validate_response(signed(|_| {}), NOW, Some(REQUEST_ID)).unwrap();
    assert_eq!(identity.in_response_to.as_deref(), Some(REQUEST_ID));
    let identity = sp(true).validate_response(unsolicited(), NOW, None).unwrap();
    assert_eq!(identity.in_response_to, None);
    // The JSON form every binding hands out carries it, and leaves it out when there is none.
    let json = serde_json::to_value(sp(false).validate_response(signed(|_| {}), NOW, Some(REQUEST_ID)).unwrap());
    assert_eq!(json.unwrap()["in_response_to"], REQUEST_ID);
    assert!(serde_json::to_value(&identity).unwrap().get("in_response_to").is_none());
}

#[test]
fn the_closure_sees_the_claim_of_the_response_or_else_of_the_confirmation() {
    for (response, claim) in [
        (signed(|_| {}), Some(REQUEST_ID)),
        (signed(|s| s.in_response_to = None), Some(REQUEST_ID)),
        (unsolicited(), None),
    ] {
        let mut seen = Vec::new();
        let _ = sp(true).validate_response_with(response, NOW, |claimed| {
            seen.push(claimed.map(str::to_owned));
            None
        });
        assert_eq!(seen, vec![claim.map(str::to_owned)], "called once, with the claim");
    }
}

#[test]
#[allow(deprecated)] // the superseded two-parse form keeps working for hosts written against it
fn the_deprecated_hint_still_reads_the_claim() {
    assert_eq!(sp(false).in_response_to_hint(signed(|s| s.in_response_to = None)).as_deref(), Some(REQUEST_ID));
    assert_eq!(sp(false).in_response_to_hint("not saml"), None);
}
