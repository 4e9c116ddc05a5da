//! Stage: destination. The Response's Destination must be our ACS URL exactly (surrounding
//! white space aside), and a signed Response must carry one (SAML profiles §4.1.4.5): a
//! signature over a response meant for another SP must not be replayable at ours.

use super::signatures::Envelope;
use crate::error::ErrorCode;
use crate::saml::error::SamlError;
use crate::saml::xml::lex;

/// Check the Response's Destination against `acs_url`.
pub(super) fn check(envelope: Envelope<'_, '_>, acs_url: &str) -> Result<(), SamlError> {
    match envelope.node.attribute("Destination") {
        Some(d) if lex::trim(d) != acs_url => {
            Err(SamlError::mismatch(ErrorCode::DestinationMismatch, "Response Destination", acs_url, d))
        }
        None if envelope.signed => {
            Err(SamlError::new(ErrorCode::DestinationMismatch, "the signed Response has no Destination"))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ACS, PROTOCOL_NS, doc};
    use super::*;

    fn run(attribute: &str, signed: bool) -> Result<(), SamlError> {
        let response = doc(&format!(r#"<samlp:Response {PROTOCOL_NS} {attribute}/>"#));
        check(Envelope { node: response.root_element(), signed }, ACS)
    }

    #[test]
    fn the_destination_is_our_acs_url() {
        assert!(run(&format!(r#"Destination="{ACS}""#), true).is_ok());
        assert!(run(&format!(r#"Destination=" {ACS} ""#), false).is_ok());
        let err = run(r#"Destination="https://other.example/acs""#, false).unwrap_err();
        assert_eq!(err.code().as_str(), "destination_mismatch");
        assert_eq!(
            err.message(),
            format!("Response Destination: expected \"{ACS}\", got \"https://other.example/acs\"")
        );
    }

    #[test]
    fn only_a_signed_response_must_name_it() {
        assert!(run("", false).is_ok());
        assert_eq!(run("", true).unwrap_err().message(), "the signed Response has no Destination");
    }
}
