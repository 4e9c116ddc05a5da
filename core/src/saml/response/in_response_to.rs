//! Stage: in-response-to. The Response answers the request we sent this browser, or none at
//! all when unsolicited (IdP-initiated), which a workspace must allow. The Response attribute
//! is optional (SAML core §3.2.2); without it the signed bearer confirmation must name the
//! request, which the [`subject`](super::subject) stage checks.

use super::signatures::Envelope;
use crate::error::ErrorCode;
use crate::saml::error::{SamlError, excerpt};

/// Check the Response's `InResponseTo` against `request_id`, the pending request chosen.
pub(super) fn check(
    envelope: Envelope<'_, '_>,
    request_id: Option<&str>,
    allow_idp_initiated: bool,
) -> Result<(), SamlError> {
    match (request_id, envelope.node.attribute("InResponseTo")) {
        (Some(want), Some(got)) if want != got => {
            Err(SamlError::mismatch(ErrorCode::InResponseToMismatch, "Response InResponseTo", want, got))
        }
        (None, Some(got)) => Err(SamlError::new(
            ErrorCode::InResponseToMismatch,
            format!(
                "the Response answers request \"{}\", which this SP does not know (expired, or another browser)",
                excerpt(got)
            ),
        )),
        (None, None) if !allow_idp_initiated => Err(SamlError::new(
            ErrorCode::UnsolicitedResponse,
            "an IdP-initiated (unsolicited) response, and allow_idp_initiated is off for this workspace; sign in from the app's login page or enable IdP-initiated sign-in",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{PROTOCOL_NS, doc};
    use super::*;

    fn run(attribute: &str, request_id: Option<&str>, allow_idp_initiated: bool) -> Result<(), SamlError> {
        let response = doc(&format!(r#"<samlp:Response {PROTOCOL_NS} {attribute}/>"#));
        check(Envelope { node: response.root_element(), signed: true }, request_id, allow_idp_initiated)
    }

    #[test]
    fn a_solicited_response_answers_our_request_or_leaves_it_to_the_bearer() {
        assert!(run(r#"InResponseTo="req-1""#, Some("req-1"), false).is_ok());
        assert!(run("", Some("req-1"), false).is_ok());
        let err = run(r#"InResponseTo="req-2""#, Some("req-1"), true).unwrap_err();
        assert_eq!(err.code().as_str(), "in_response_to_mismatch");
        assert_eq!(err.message(), "Response InResponseTo: expected \"req-1\", got \"req-2\"");
    }

    #[test]
    fn an_answer_to_a_request_we_do_not_know_is_refused_even_when_unsolicited_is_allowed() {
        let err = run(r#"InResponseTo="req-9""#, None, true).unwrap_err();
        assert_eq!(err.code().as_str(), "in_response_to_mismatch");
        assert!(err.message().starts_with("the Response answers request \"req-9\""), "{err}");
    }

    #[test]
    fn an_unsolicited_response_needs_allow_idp_initiated() {
        assert_eq!(run("", None, false).unwrap_err().code().as_str(), "unsolicited_response");
        assert!(run("", None, true).is_ok());
    }
}
