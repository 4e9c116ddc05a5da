//! Stage: issuer. The assertion's Issuer is required, in the entity format if it names a
//! format, and must be the configured IdP; the Response's Issuer is optional (SAML profiles
//! §4.1.4.2) but, when present, must be the same IdP.

use super::signatures::{Envelope, Trusted};
use crate::error::ErrorCode;
use crate::saml::error::SamlError;
use crate::saml::xml::{NS_ASSERTION, lex, single_child, text};

const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";

/// Check both Issuers against `idp_entity_id`; the assertion's, trimmed, is the identity's.
pub(super) fn check(
    envelope: Envelope<'_, '_>,
    assertion: Trusted<'_, '_>,
    idp_entity_id: &str,
) -> Result<String, SamlError> {
    let issuer_node = single_child(assertion.node(), NS_ASSERTION, "Issuer")?
        .ok_or_else(|| SamlError::new(ErrorCode::IssuerMismatch, "the Assertion has no Issuer"))?;
    if issuer_node.attribute("Format").is_some_and(|f| f != ENTITY_FORMAT) {
        return Err(SamlError::new(ErrorCode::IssuerMismatch, "the Assertion Issuer Format is not the entity format"));
    }
    let issuer = lex::trim(&text(issuer_node)?).to_owned();
    if issuer != idp_entity_id {
        return Err(SamlError::mismatch(ErrorCode::IssuerMismatch, "Assertion Issuer", idp_entity_id, &issuer));
    }
    if let Some(node) = single_child(envelope.node, NS_ASSERTION, "Issuer")? {
        let response_issuer = text(node)?;
        if lex::trim(&response_issuer) != idp_entity_id {
            return Err(SamlError::mismatch(
                ErrorCode::IssuerMismatch,
                "Response Issuer",
                idp_entity_id,
                &response_issuer,
            ));
        }
    }
    Ok(issuer)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ASSERTION_NS, IDP, PROTOCOL_NS, assertion, doc};
    use super::super::signatures::trusted;
    use super::*;

    fn run(response_issuer: &str, assertion_issuer: &str) -> Result<String, SamlError> {
        let response =
            doc(&format!(r#"<samlp:Response {PROTOCOL_NS} {ASSERTION_NS}>{response_issuer}</samlp:Response>"#));
        let parsed = doc(&assertion(assertion_issuer));
        check(Envelope { node: response.root_element(), signed: false }, trusted(&parsed), IDP)
    }

    #[test]
    fn the_assertion_issuer_is_the_idp_trimmed() {
        let issuer = format!("<saml:Issuer>\n  {IDP}\n</saml:Issuer>");
        assert_eq!(run("", &issuer).unwrap(), IDP);
        let entity =
            format!(r#"<saml:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">{IDP}</saml:Issuer>"#);
        assert_eq!(run("", &entity).unwrap(), IDP);
    }

    #[test]
    fn a_missing_foreign_or_oddly_formatted_assertion_issuer_is_refused() {
        assert_eq!(run("", "").unwrap_err().message(), "the Assertion has no Issuer");
        let other = run("", "<saml:Issuer>https://evil.example/</saml:Issuer>").unwrap_err();
        assert_eq!(other.code().as_str(), "issuer_mismatch");
        assert_eq!(other.message(), format!("Assertion Issuer: expected \"{IDP}\", got \"https://evil.example/\""));
        let formatted = format!(
            r#"<saml:Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{IDP}</saml:Issuer>"#
        );
        assert_eq!(run("", &formatted).unwrap_err().message(), "the Assertion Issuer Format is not the entity format");
    }

    #[test]
    fn the_response_issuer_when_present_must_agree() {
        let good = format!("<saml:Issuer>{IDP}</saml:Issuer>");
        assert!(run(&good, &good).is_ok());
        let err = run("<saml:Issuer>https://evil.example/</saml:Issuer>", &good).unwrap_err();
        assert!(err.message().starts_with("Response Issuer: expected"), "{err}");
    }
}
