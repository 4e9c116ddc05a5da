//! Stage 1, structure: the message as received, before any signature is looked at. The root is
//! a SAML 2.0 `samlp:Response`, every `ID` is unique, exactly one assertion stands in its one
//! allowed place, signatures stand only where SAML puts them, and the status is Success.

use std::collections::HashSet;

use super::BEARER;
use crate::error::ErrorCode;
use crate::saml::error::{SamlError, excerpt, malformed};
use crate::saml::xml::{
    Document, NS_ASSERTION, NS_DSIG, NS_PROTOCOL, Node, children_named, elements, is, single_child, text,
};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";

/// The received message with its structure checked: the root Response and its one assertion
/// (an Assertion or an EncryptedAssertion), both still unverified.
#[derive(Debug, Clone, Copy)]
pub(super) struct Message<'a, 'i> {
    /// The root `samlp:Response`.
    pub(super) response: Node<'a, 'i>,
    /// Its one Assertion or EncryptedAssertion, a direct child.
    pub(super) assertion: Node<'a, 'i>,
}

/// The attribute `name` of `node`, which the schema requires.
pub(super) fn required<'a>(node: Node<'a, '_>, name: &str) -> Result<&'a str, SamlError> {
    node.attribute(name).ok_or_else(|| malformed(format!("<{}> has no {name} attribute", node.tag_name().name())))
}

/// The root must be a SAML 2.0 `samlp:Response`.
pub(super) fn check_response_root(root: Node<'_, '_>) -> Result<(), SamlError> {
    if !is(&root, NS_PROTOCOL, "Response") {
        return Err(malformed(format!(
            "the message is {{{}}}{}, not a samlp:Response",
            excerpt(root.tag_name().namespace().unwrap_or("")),
            excerpt(root.tag_name().name())
        )));
    }
    if root.attribute("Version") != Some("2.0") {
        return Err(malformed("the Response Version is not \"2.0\""));
    }
    Ok(())
}

/// The request ID an unverified Response claims to answer: its `InResponseTo`, or else that of
/// the first bearer `SubjectConfirmationData` of a plain assertion that is a direct child.
pub(super) fn claimed_in_response_to<'a>(root: Node<'a, '_>) -> Option<&'a str> {
    if let Some(id) = root.attribute("InResponseTo") {
        return Some(id);
    }
    children_named(root, NS_ASSERTION, "Assertion")
        .flat_map(|a| children_named(a, NS_ASSERTION, "Subject"))
        .flat_map(|subject| children_named(subject, NS_ASSERTION, "SubjectConfirmation"))
        .filter(|c| c.attribute("Method") == Some(BEARER))
        .flat_map(|c| children_named(c, NS_ASSERTION, "SubjectConfirmationData"))
        .find_map(|data| data.attribute("InResponseTo"))
}

/// The structure checks of a document whose root is a Response, in the order their errors
/// take precedence: unique IDs, the one assertion, signature places, then the status.
pub(super) fn check<'a, 'i>(doc: &'a Document<'i>) -> Result<Message<'a, 'i>, SamlError> {
    let response = doc.root_element();
    check_unique_ids(doc)?;
    let assertion = the_assertion(response)?;
    // An encrypted assertion's signature is inside the ciphertext; here only the Response's
    // own may stand.
    let signed_parent = if is(&assertion, NS_ASSERTION, "Assertion") { assertion } else { response };
    check_signature_places(doc, response, signed_parent)?;
    check_status(response)?;
    Ok(Message { response, assertion })
}

/// Every `ID` attribute is unique in the document (X7, X8, X36), and none is empty or holds
/// white space: a signature's `#ID` reference must name exactly one element.
pub(super) fn check_unique_ids(doc: &Document<'_>) -> Result<(), SamlError> {
    let mut seen = HashSet::new();
    for node in doc.descendants().filter(Node::is_element) {
        if let Some(id) = node.attribute("ID") {
            if id.is_empty() || id.chars().any(char::is_whitespace) {
                return Err(malformed(format!(
                    "<{}> has an ID that is empty or holds whitespace",
                    node.tag_name().name()
                )));
            }
            if !seen.insert(id) {
                return Err(SamlError::new(ErrorCode::DuplicateId, format!("the ID \"{id}\" appears more than once")));
            }
        }
    }
    Ok(())
}

/// The one Assertion or EncryptedAssertion that is a direct child of the Response; an
/// Assertion anywhere else (Extensions, Advice, Signature/Object, a wrapper) is refused.
pub(super) fn the_assertion<'a, 'i>(response: Node<'a, 'i>) -> Result<Node<'a, 'i>, SamlError> {
    let is_assertion = |n: &Node<'_, '_>| is(n, NS_ASSERTION, "Assertion") || is(n, NS_ASSERTION, "EncryptedAssertion");
    let direct: Vec<Node<'a, 'i>> = elements(response).filter(is_assertion).collect();
    let everywhere = response.descendants().filter(is_assertion).count();
    match direct.as_slice() {
        [one] if everywhere == 1 => Ok(*one),
        [_] => Err(SamlError::new(ErrorCode::AssertionCount, "an Assertion is nested somewhere it may not be")),
        [] => Err(SamlError::new(ErrorCode::AssertionCount, "the Response holds no Assertion")),
        _ => Err(SamlError::new(
            ErrorCode::AssertionCount,
            format!("the Response holds {} assertions; exactly one is allowed", direct.len()),
        )),
    }
}

/// A `ds:Signature` may stand only where SAML puts one: as a direct child of the Response
/// (`response`) or of its assertion. One anywhere else — inside `Status`, `Extensions`, an
/// `Advice`, another Signature's `Object` — is never what a conformant IdP sends, so it is a
/// forgery attempt or a broken IdP, and the response is refused rather than the signature
/// ignored.
pub(super) fn check_signature_places(
    doc: &Document<'_>,
    response: Node<'_, '_>,
    assertion: Node<'_, '_>,
) -> Result<(), SamlError> {
    for signature in doc.descendants().filter(|n| is(n, NS_DSIG, "Signature")) {
        let parent = signature.parent();
        if parent != Some(response) && parent != Some(assertion) {
            let place = parent.map_or("", |p| p.tag_name().name());
            return Err(SamlError::new(
                ErrorCode::SignatureUnsupported,
                format!(
                    "a Signature stands inside <{}>; signatures are only accepted directly in the Response or the Assertion",
                    excerpt(place)
                ),
            ));
        }
    }
    Ok(())
}

/// Status must be Success; otherwise both status levels and the message (Entra puts its
/// `AADSTS…` error there) go into the error.
pub(super) fn check_status(response: Node<'_, '_>) -> Result<(), SamlError> {
    let status =
        single_child(response, NS_PROTOCOL, "Status")?.ok_or_else(|| malformed("the Response has no Status"))?;
    let code =
        single_child(status, NS_PROTOCOL, "StatusCode")?.ok_or_else(|| malformed("the Status has no StatusCode"))?;
    let top = required(code, "Value")?;
    if top == SUCCESS {
        return Ok(());
    }
    let second = single_child(code, NS_PROTOCOL, "StatusCode")?.and_then(|c| c.attribute("Value"));
    let message = single_child(status, NS_PROTOCOL, "StatusMessage")?.map(text).transpose()?;
    let mut detail = format!("the IdP did not sign the user in: status {top}");
    if let Some(second) = second {
        detail.push_str(&format!(" / {second}"));
    }
    if let Some(message) = message.filter(|m| !m.trim().is_empty()) {
        detail.push_str(&format!(": {}", message.trim()));
    }
    Err(SamlError::new(ErrorCode::StatusNotSuccess, detail))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ASSERTION_NS, PROTOCOL_NS, doc};
    use super::*;

    fn response(body: &str) -> String {
        format!(r#"<samlp:Response {PROTOCOL_NS} {ASSERTION_NS} Version="2.0" ID="r1">{body}</samlp:Response>"#)
    }

    const SUCCESS_STATUS: &str =
        r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#;

    fn code_of(xml: &str) -> &'static str {
        check(&doc(xml)).unwrap_err().code().as_str()
    }

    #[test]
    fn the_root_is_a_saml2_response() {
        let xml = response("");
        assert!(check_response_root(doc(&xml).root_element()).is_ok());
        let wrong = doc(r#"<Response xmlns="urn:example"/>"#);
        let err = check_response_root(wrong.root_element()).unwrap_err();
        assert_eq!(err.message(), "the message is {urn:example}Response, not a samlp:Response");
        let old = doc(&format!(r#"<samlp:Response {PROTOCOL_NS} Version="1.1"/>"#));
        assert_eq!(
            check_response_root(old.root_element()).unwrap_err().message(),
            "the Response Version is not \"2.0\""
        );
    }

    #[test]
    fn the_claim_is_the_response_attribute_or_the_bearer_data() {
        let on_response =
            doc(r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" InResponseTo="id-1"/>"#);
        assert_eq!(claimed_in_response_to(on_response.root_element()), Some("id-1"));
        let bearer = response(
            r#"<saml:Assertion><saml:Subject><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"><saml:SubjectConfirmationData InResponseTo="hok"/></saml:SubjectConfirmation><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="id-2"/></saml:SubjectConfirmation></saml:Subject></saml:Assertion>"#,
        );
        assert_eq!(claimed_in_response_to(doc(&bearer).root_element()), Some("id-2"));
        assert_eq!(claimed_in_response_to(doc(&response("")).root_element()), None);
    }

    #[test]
    fn a_well_formed_response_passes_and_names_its_assertion() {
        let xml = response(&format!(r#"{SUCCESS_STATUS}<saml:Assertion ID="a1"/>"#));
        let parsed = doc(&xml);
        let message = check(&parsed).unwrap();
        assert_eq!(message.assertion.attribute("ID"), Some("a1"));
        assert_eq!(message.response, parsed.root_element());
    }

    #[test]
    fn ids_are_unique_and_without_white_space() {
        let twice = response(&format!(r#"{SUCCESS_STATUS}<saml:Assertion ID="r1"/>"#));
        assert_eq!(code_of(&twice), "duplicate_id");
        let blank = response(&format!(r#"{SUCCESS_STATUS}<saml:Assertion ID="a 1"/>"#));
        assert_eq!(
            check(&doc(&blank)).unwrap_err().message(),
            "<Assertion> has an ID that is empty or holds whitespace"
        );
    }

    #[test]
    fn exactly_one_assertion_stands_directly_in_the_response() {
        assert_eq!(check(&doc(&response(SUCCESS_STATUS))).unwrap_err().message(), "the Response holds no Assertion");
        let two = response(&format!(r#"{SUCCESS_STATUS}<saml:Assertion ID="a1"/><saml:Assertion ID="a2"/>"#));
        assert_eq!(check(&doc(&two)).unwrap_err().message(), "the Response holds 2 assertions; exactly one is allowed");
        let nested = response(&format!(
            r#"{SUCCESS_STATUS}<saml:Assertion ID="a1"><saml:Advice><saml:Assertion ID="a2"/></saml:Advice></saml:Assertion>"#
        ));
        assert_eq!(check(&doc(&nested)).unwrap_err().message(), "an Assertion is nested somewhere it may not be");
        assert_eq!(code_of(&nested), "assertion_count");
    }

    #[test]
    fn signatures_stand_only_in_the_response_or_the_assertion() {
        let sig = r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>"#;
        let fine = response(&format!(r#"{sig}{SUCCESS_STATUS}<saml:Assertion ID="a1">{sig}</saml:Assertion>"#));
        assert!(check(&doc(&fine)).is_ok());
        let in_status = response(&format!(
            r#"<samlp:Status>{sig}<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status><saml:Assertion ID="a1"/>"#
        ));
        let err = check(&doc(&in_status)).unwrap_err();
        assert_eq!(err.code().as_str(), "signature_unsupported");
        assert!(err.message().starts_with("a Signature stands inside <Status>"), "{err}");
    }

    #[test]
    fn a_status_other_than_success_carries_both_levels_and_the_message() {
        let failed = response(
            r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage> AADSTS50105: not assigned </samlp:StatusMessage></samlp:Status><saml:Assertion ID="a1"/>"#,
        );
        let err = check(&doc(&failed)).unwrap_err();
        assert_eq!(err.code().as_str(), "status_not_success");
        assert_eq!(
            err.message(),
            "the IdP did not sign the user in: status urn:oasis:names:tc:SAML:2.0:status:Responder / \
             urn:oasis:names:tc:SAML:2.0:status:AuthnFailed: AADSTS50105: not assigned"
        );
        let missing = response(r#"<saml:Assertion ID="a1"/>"#);
        assert_eq!(check(&doc(&missing)).unwrap_err().message(), "the Response has no Status");
    }
}
