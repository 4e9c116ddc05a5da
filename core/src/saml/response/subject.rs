//! Stage: subject confirmation. The Subject names the user by a non-blank NameID and carries a
//! bearer SubjectConfirmation whose data passes every check (SAML profiles §4.1.4.2): Recipient
//! is our ACS URL, the time window holds, and InResponseTo names the request answered — or is
//! absent when the response is unsolicited.

use time::{Duration, OffsetDateTime};

use super::BEARER;
use super::clock::{check_window, time_attr};
use super::signatures::Trusted;
use crate::error::ErrorCode;
use crate::saml::error::{SamlError, malformed};
use crate::saml::xml::{NS_ASSERTION, Node, children_named, lex, single_child, text};

/// What the Subject gives the identity.
#[derive(Debug)]
pub(super) struct Subject {
    /// The NameID, trimmed.
    pub(super) name_id: String,
    /// The NameID Format, if given.
    pub(super) name_id_format: Option<String>,
    /// The NotOnOrAfter of the bearer confirmation that passed.
    pub(super) until: OffsetDateTime,
}

/// Read the NameID and find a bearer confirmation that passes.
pub(super) fn check(
    assertion: Trusted<'_, '_>,
    acs_url: &str,
    now: OffsetDateTime,
    skew: Duration,
    request_id: Option<&str>,
) -> Result<Subject, SamlError> {
    let subject = single_child(assertion.node(), NS_ASSERTION, "Subject")?
        .ok_or_else(|| SamlError::new(ErrorCode::NameIdMissing, "the Assertion has no Subject"))?;
    let name_id_node = single_child(subject, NS_ASSERTION, "NameID")?.ok_or_else(|| {
        SamlError::new(ErrorCode::NameIdMissing, "the Subject has no NameID (EncryptedID is not supported)")
    })?;
    let name_id = lex::trim(&text(name_id_node)?).to_owned();
    if name_id.is_empty() {
        return Err(SamlError::new(ErrorCode::NameIdMissing, "the NameID is empty or blank"));
    }
    let bearer = Bearer { acs_url, now, skew, request_id };
    let until = bearer.first_passing(subject)?;
    Ok(Subject { name_id, name_id_format: name_id_node.attribute("Format").map(str::to_owned), until })
}

/// What a bearer confirmation is checked against.
struct Bearer<'c> {
    acs_url: &'c str,
    now: OffsetDateTime,
    skew: Duration,
    request_id: Option<&'c str>,
}

impl Bearer<'_> {
    /// The NotOnOrAfter of the first bearer SubjectConfirmation whose data passes. When none
    /// passes, the error of the first candidate explains why.
    fn first_passing(&self, subject: Node<'_, '_>) -> Result<OffsetDateTime, SamlError> {
        let mut first_error = None;
        for confirmation in children_named(subject, NS_ASSERTION, "SubjectConfirmation") {
            if confirmation.attribute("Method") != Some(BEARER) {
                continue;
            }
            let Some(data) = single_child(confirmation, NS_ASSERTION, "SubjectConfirmationData")? else { continue };
            match self.check_data(data) {
                Ok(until) => return Ok(until),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or_else(|| {
            SamlError::new(
                ErrorCode::SubjectConfirmationMissing,
                "the Subject has no bearer SubjectConfirmation with SubjectConfirmationData (Recipient, NotOnOrAfter)",
            )
        }))
    }

    /// One SubjectConfirmationData: Recipient, the time window (NotOnOrAfter required), then
    /// InResponseTo.
    fn check_data(&self, data: Node<'_, '_>) -> Result<OffsetDateTime, SamlError> {
        let recipient = data.attribute("Recipient").unwrap_or("");
        if lex::trim(recipient) != self.acs_url {
            return Err(SamlError::mismatch(
                ErrorCode::RecipientMismatch,
                "SubjectConfirmationData Recipient",
                self.acs_url,
                recipient,
            ));
        }
        let until = time_attr(data, "NotOnOrAfter")?
            .ok_or_else(|| malformed("the bearer SubjectConfirmationData has no NotOnOrAfter"))?;
        check_window("SubjectConfirmationData", time_attr(data, "NotBefore")?, Some(until), self.now, self.skew)?;
        match (self.request_id, data.attribute("InResponseTo")) {
            (Some(want), Some(got)) if want == got => Ok(until),
            (None, None) => Ok(until),
            (want, got) => Err(SamlError::mismatch(
                ErrorCode::InResponseToMismatch,
                "SubjectConfirmationData InResponseTo",
                want.unwrap_or(""),
                got.unwrap_or(""),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{ACS, assertion, at, doc};
    use super::super::signatures::trusted;
    use super::*;

    const NAME_ID: &str = "<saml:NameID>ada@example.com</saml:NameID>";

    fn data(attributes: &str) -> String {
        format!(
            r#"<saml:SubjectConfirmation Method="{BEARER}"><saml:SubjectConfirmationData {attributes}/></saml:SubjectConfirmation>"#
        )
    }

    fn good_data() -> String {
        data(&format!(r#"Recipient="{ACS}" NotOnOrAfter="2026-01-01T10:05:00Z" InResponseTo="req-1""#))
    }

    fn run(subject: &str, request_id: Option<&str>) -> Result<Subject, SamlError> {
        let parsed = doc(&assertion(subject));
        check(trusted(&parsed), ACS, at("2026-01-01T10:00:00Z"), Duration::seconds(60), request_id)
    }

    fn subject(body: &str) -> String {
        format!("<saml:Subject>{body}</saml:Subject>")
    }

    #[test]
    fn a_name_id_and_a_passing_bearer_confirmation_give_the_subject() {
        let named = format!(
            "<saml:NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\"> p-1 </saml:NameID>{}",
            good_data()
        );
        let s = run(&subject(&named), Some("req-1")).unwrap();
        assert_eq!(s.name_id, "p-1");
        assert_eq!(s.name_id_format.as_deref(), Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"));
        assert_eq!(s.until, at("2026-01-01T10:05:00Z"));
    }

    #[test]
    fn the_name_id_is_required_and_not_blank() {
        assert_eq!(run("", None).unwrap_err().message(), "the Assertion has no Subject");
        let no_name = run(&subject(&good_data()), Some("req-1")).unwrap_err();
        assert_eq!(no_name.code().as_str(), "name_id_missing");
        let blank = run(&subject(&format!("<saml:NameID> </saml:NameID>{}", good_data())), Some("req-1"));
        assert_eq!(blank.unwrap_err().message(), "the NameID is empty or blank");
    }

    #[test]
    fn only_a_bearer_confirmation_with_data_counts() {
        let holder = r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"><saml:SubjectConfirmationData Recipient="https://sp.example/acs" NotOnOrAfter="2026-01-01T10:05:00Z"/></saml:SubjectConfirmation>"#;
        let err = run(&subject(&format!("{NAME_ID}{holder}")), None).unwrap_err();
        assert_eq!(err.code().as_str(), "subject_confirmation_missing");
    }

    #[test]
    fn the_first_failure_explains_when_no_confirmation_passes_and_a_later_one_may_pass() {
        let wrong_recipient = data(r#"Recipient="https://other.example/acs" NotOnOrAfter="2026-01-01T10:05:00Z""#);
        let err = run(&subject(&format!("{NAME_ID}{wrong_recipient}")), None).unwrap_err();
        assert_eq!(err.code().as_str(), "recipient_mismatch");
        let both = format!("{NAME_ID}{wrong_recipient}{}", good_data());
        assert!(run(&subject(&both), Some("req-1")).is_ok());
    }

    #[test]
    fn the_data_needs_an_end_a_live_window_and_the_request() {
        let no_end = data(&format!(r#"Recipient="{ACS}""#));
        let err = run(&subject(&format!("{NAME_ID}{no_end}")), None).unwrap_err();
        assert_eq!(err.message(), "the bearer SubjectConfirmationData has no NotOnOrAfter");
        let stale = data(&format!(r#"Recipient="{ACS}" NotOnOrAfter="2026-01-01T09:59:00Z""#));
        assert_eq!(run(&subject(&format!("{NAME_ID}{stale}")), None).unwrap_err().code().as_str(), "expired");
        let other = run(&subject(&format!("{NAME_ID}{}", good_data())), Some("req-2")).unwrap_err();
        assert_eq!(other.message(), "SubjectConfirmationData InResponseTo: expected \"req-2\", got \"req-1\"");
        let unsolicited = run(&subject(&format!("{NAME_ID}{}", good_data())), None).unwrap_err();
        assert_eq!(unsolicited.code().as_str(), "in_response_to_mismatch");
    }
}
