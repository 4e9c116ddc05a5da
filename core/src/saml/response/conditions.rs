//! Stage: conditions. The assertion's Conditions are required; their time window must hold,
//! and every AudienceRestriction must name us (SAML core §2.5.1.4: each restriction must be
//! met). A condition we do not understand makes the assertion invalid (§2.5.1), except
//! OneTimeUse (what the replay memory enforces) and ProxyRestriction (not ours to judge).

use time::{Duration, OffsetDateTime};

use super::clock::{check_window, time_attr};
use super::signatures::Trusted;
use crate::error::ErrorCode;
use crate::saml::error::{SamlError, malformed};
use crate::saml::xml::{NS_ASSERTION, Node, children_named, elements, lex, single_child, text};

/// Check the Conditions; their NotOnOrAfter, if any.
pub(super) fn check(
    assertion: Trusted<'_, '_>,
    sp_entity_id: &str,
    now: OffsetDateTime,
    skew: Duration,
) -> Result<Option<OffsetDateTime>, SamlError> {
    let conditions = single_child(assertion.node(), NS_ASSERTION, "Conditions")?
        .ok_or_else(|| malformed("the Assertion has no Conditions"))?;
    let not_before = time_attr(conditions, "NotBefore")?;
    let not_on_or_after = time_attr(conditions, "NotOnOrAfter")?;
    check_window("Conditions", not_before, not_on_or_after, now, skew)?;
    let mut restrictions = 0;
    for child in elements(conditions) {
        match (child.tag_name().namespace(), child.tag_name().name()) {
            (Some(NS_ASSERTION), "AudienceRestriction") => {
                restrictions += 1;
                check_audience(child, sp_entity_id)?;
            }
            (Some(NS_ASSERTION), "OneTimeUse" | "ProxyRestriction") => {}
            (_, other) => return Err(malformed(format!("the condition <{other}> is not understood"))),
        }
    }
    if restrictions == 0 {
        return Err(SamlError::new(
            ErrorCode::AudienceMismatch,
            format!("the Conditions hold no AudienceRestriction; expected one naming \"{sp_entity_id}\""),
        ));
    }
    Ok(not_on_or_after)
}

/// One AudienceRestriction is met when any of its Audiences is us.
fn check_audience(restriction: Node<'_, '_>, sp_entity_id: &str) -> Result<(), SamlError> {
    let audiences: Vec<String> =
        children_named(restriction, NS_ASSERTION, "Audience").map(text).collect::<Result<_, _>>()?;
    if audiences.iter().any(|a| lex::trim(a) == sp_entity_id) {
        return Ok(());
    }
    Err(SamlError::mismatch(ErrorCode::AudienceMismatch, "Audience", sp_entity_id, &audiences.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::{SP, assertion, at, doc};
    use super::super::signatures::trusted;
    use super::*;

    fn run(conditions: &str) -> Result<Option<OffsetDateTime>, SamlError> {
        let parsed = doc(&assertion(conditions));
        check(trusted(&parsed), SP, at("2026-01-01T10:00:00Z"), Duration::seconds(60))
    }

    fn restriction(audiences: &[&str]) -> String {
        let list: String = audiences.iter().map(|a| format!("<saml:Audience>{a}</saml:Audience>")).collect();
        format!("<saml:AudienceRestriction>{list}</saml:AudienceRestriction>")
    }

    #[test]
    fn a_live_window_and_our_audience_pass() {
        let body = format!(
            r#"<saml:Conditions NotBefore="2026-01-01T09:59:00Z" NotOnOrAfter="2026-01-01T11:00:00Z">{}<saml:OneTimeUse/></saml:Conditions>"#,
            restriction(&["https://other.example/", &format!(" {SP} ")])
        );
        assert_eq!(run(&body).unwrap(), Some(at("2026-01-01T11:00:00Z")));
    }

    #[test]
    fn conditions_are_required_and_their_window_holds() {
        assert_eq!(run("").unwrap_err().message(), "the Assertion has no Conditions");
        let late =
            format!(r#"<saml:Conditions NotBefore="2026-01-01T10:05:00Z">{}</saml:Conditions>"#, restriction(&[SP]));
        assert_eq!(run(&late).unwrap_err().code().as_str(), "not_yet_valid");
    }

    #[test]
    fn every_audience_restriction_must_name_us() {
        let none = run("<saml:Conditions/>").unwrap_err();
        assert_eq!(none.code().as_str(), "audience_mismatch");
        assert_eq!(none.message(), format!("the Conditions hold no AudienceRestriction; expected one naming \"{SP}\""));
        let second_misses = format!(
            "<saml:Conditions>{}{}</saml:Conditions>",
            restriction(&[SP]),
            restriction(&["https://a.example/", "https://b.example/"])
        );
        let err = run(&second_misses).unwrap_err();
        assert_eq!(
            err.message(),
            format!("Audience: expected \"{SP}\", got \"https://a.example/, https://b.example/\"")
        );
    }

    #[test]
    fn an_unknown_condition_is_refused() {
        let body = format!("<saml:Conditions>{}<x:Mine xmlns:x=\"urn:x\"/></saml:Conditions>", restriction(&[SP]));
        assert_eq!(run(&body).unwrap_err().message(), "the condition <Mine> is not understood");
    }
}
