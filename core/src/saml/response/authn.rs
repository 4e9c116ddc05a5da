//! Stage: authn statements. A bearer assertion for Web SSO says how the user authenticated
//! (SAML profiles §4.1.4.2), so at least one AuthnStatement is required; it gives the session
//! index, and the session's own end, when the IdP sets one, must not have passed.

use time::{Duration, OffsetDateTime};

use super::clock::{has_passed, time_attr};
use super::signatures::Trusted;
use crate::error::ErrorCode;
use crate::saml::error::{SamlError, malformed};
use crate::saml::xml::{NS_ASSERTION, children_named};

/// Check the AuthnStatements; the first SessionIndex any of them gives.
pub(super) fn check(
    assertion: Trusted<'_, '_>,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<Option<String>, SamlError> {
    let node = assertion.node();
    if children_named(node, NS_ASSERTION, "AuthnStatement").next().is_none() {
        return Err(malformed(
            "the Assertion has no AuthnStatement; the Web SSO profile requires one (SAML profiles §4.1.4.2)",
        ));
    }
    let mut session_index = None;
    for statement in children_named(node, NS_ASSERTION, "AuthnStatement") {
        if session_index.is_none() {
            session_index = statement.attribute("SessionIndex").map(str::to_owned);
        }
        if let Some(end) = time_attr(statement, "SessionNotOnOrAfter")?
            && has_passed(end, now, skew)
        {
            return Err(SamlError::new(ErrorCode::Expired, "AuthnStatement SessionNotOnOrAfter has passed"));
        }
    }
    Ok(session_index)
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{assertion, at, doc};
    use super::super::signatures::trusted;
    use super::*;

    fn run(body: &str) -> Result<Option<String>, SamlError> {
        let parsed = doc(&assertion(body));
        check(trusted(&parsed), at("2026-01-01T10:00:00Z"), Duration::seconds(60))
    }

    #[test]
    fn an_authn_statement_is_required() {
        let err = run("").unwrap_err();
        assert_eq!(err.code().as_str(), "malformed_response");
        assert!(err.message().starts_with("the Assertion has no AuthnStatement"), "{err}");
    }

    #[test]
    fn the_first_session_index_is_kept() {
        assert_eq!(run("<saml:AuthnStatement/>").unwrap(), None);
        let two =
            r#"<saml:AuthnStatement/><saml:AuthnStatement SessionIndex="s2"/><saml:AuthnStatement SessionIndex="s3"/>"#;
        assert_eq!(run(two).unwrap().as_deref(), Some("s2"));
    }

    #[test]
    fn a_session_that_has_ended_is_refused_after_the_skew() {
        let within_skew = r#"<saml:AuthnStatement SessionNotOnOrAfter="2026-01-01T09:59:30Z"/>"#;
        assert!(run(within_skew).is_ok());
        let ended = r#"<saml:AuthnStatement SessionIndex="s1" SessionNotOnOrAfter="2026-01-01T09:59:00Z"/>"#;
        let err = run(ended).unwrap_err();
        assert_eq!((err.code().as_str(), err.message()), ("expired", "AuthnStatement SessionNotOnOrAfter has passed"));
    }
}
