//! `profile.json`: the Web Browser SSO profile checks (§1.6, X38-X42) — Issuer, Destination,
//! Recipient, Audience, InResponseTo (one request or the browser's pending list), Status, time
//! windows with skew, the bearer confirmation — each an exact string match.

use serde_json::json;

use super::build::{Case, VectorFile, base_settings, status_xml, tweaked, without_element};
use crate::saml_support::*;

pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let mut cases = issuer_and_destination(&idp);
    cases.extend(recipient_and_audience(&idp));
    cases.extend(in_response_to(&idp));
    cases.extend(pending_list(&idp));
    cases.extend(status_and_times(&idp));
    cases.extend(shape(&idp));
    cases.extend(settings(&idp));
    VectorFile::new(
        "profile",
        "Web Browser SSO profile checks (saml.md §1.6, X38-X42): Issuer, Destination, Recipient, Audience, InResponseTo, Status, time windows with skew, bearer confirmation; exact string matches only.",
        base_settings(&idp),
        cases,
    )
}

/// No InResponseTo anywhere: the shape of an IdP-initiated response.
fn unsolicited(s: &mut Spec) {
    s.in_response_to = None;
    s.confirmation_in_response_to = None;
}

fn issuer_and_destination(idp: &TestKey) -> Vec<Case> {
    let destination = |d: &str| tweaked(idp, |s| s.destination = Some(d.to_owned()));
    let email_format = Spec::default().signed_edited(idp, |a| {
        a.replacen("<Issuer>", r#"<Issuer Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">"#, 1)
    });
    let mismatch = |name: &str, xml: &str| Case::err(name, xml, "destination_mismatch");
    vec![
        Case::err(
            "Issuer of the assertion is another IdP",
            &tweaked(idp, |s| s.assertion_issuer = "https://sts.windows.net/evil/".into()),
            "issuer_mismatch",
        ),
        Case::ok(
            "Issuer with surrounding whitespace compares trimmed (xs:anyURI collapses it)",
            &tweaked(idp, |s| s.assertion_issuer = format!(" {IDP_ENTITY}")),
        ),
        Case::err(
            "Issuer of the Response differs",
            &tweaked(idp, |s| s.response_issuer = Some("https://idp.evil/".into())),
            "issuer_mismatch",
        ),
        Case::ok("no Issuer on the Response (optional)", &tweaked(idp, |s| s.response_issuer = None)),
        Case::err("Issuer with a non-entity Format", &email_format, "issuer_mismatch"),
        mismatch("Destination with a suffix (X39)", &destination(&format!("{ACS}.evil.com"))),
        mismatch("Destination with a trailing slash", &destination(&format!("{ACS}/"))),
        mismatch("Destination in another case", &destination(&ACS.to_uppercase())),
        mismatch("Destination with a port", &destination("https://app.example.test:443/saml/acs")),
        mismatch("Destination with a query", &destination(&format!("{ACS}?x=1"))),
        mismatch("Destination with dot segments", &destination("https://app.example.test/saml/acs/../acs")),
        Case::ok("no Destination on an unsigned Response", &tweaked(idp, |s| s.destination = None)),
        mismatch(
            "no Destination on a signed Response",
            &Spec { destination: None, ..Spec::default() }.both_signed(idp),
        ),
    ]
}

fn recipient_and_audience(idp: &TestKey) -> Vec<Case> {
    let recipient = |r: &str| tweaked(idp, |s| s.recipient = r.to_owned());
    let audiences = |a: &[&str]| tweaked(idp, |s| s.audiences = a.iter().map(|a| (*a).to_owned()).collect());
    let second_restriction = Spec::default().signed_edited(idp, |a| {
        a.replacen(
            "<AudienceRestriction>",
            "<AudienceRestriction><Audience>https://other.example/</Audience></AudienceRestriction><AudienceRestriction>",
            1,
        )
    });
    let no_restriction = Spec::default().signed_edited(idp, |a| {
        a.replacen(&format!("<AudienceRestriction><Audience>{SP_ENTITY}</Audience></AudienceRestriction>"), "", 1)
    });
    let mismatch = |name: &str, xml: &str| Case::err(name, xml, "audience_mismatch");
    vec![
        Case::err(
            "Recipient another host carrying ours in the query (X39)",
            &recipient(&format!("https://evil.example/?{ACS}")),
            "recipient_mismatch",
        ),
        Case::err("Recipient with a suffix", &recipient(&format!("{ACS}x")), "recipient_mismatch"),
        mismatch("Audience of another SP", &audiences(&["https://other.example/"])),
        mismatch("an empty Audience", &audiences(&[""])),
        mismatch("our Audience in only one of two AudienceRestrictions", &second_restriction),
        Case::ok("our Audience among several in one restriction", &audiences(&["https://other.example/", SP_ENTITY])),
        mismatch("an AudienceRestriction without Audience", &audiences(&[])),
        mismatch("no AudienceRestriction", &no_restriction),
    ]
}

/// InResponseTo against the one request the host says is outstanding (X38).
fn in_response_to(idp: &TestKey) -> Vec<Case> {
    let mismatch = |name: &str, xml: &str| Case::err(name, xml, "in_response_to_mismatch");
    vec![
        mismatch(
            "InResponseTo of another request (X38)",
            &tweaked(idp, |s| {
                s.in_response_to = Some("_other".into());
                s.confirmation_in_response_to = Some("_other".into());
            }),
        ),
        mismatch(
            "SubjectConfirmationData InResponseTo differs from the Response's",
            &tweaked(idp, |s| s.confirmation_in_response_to = Some("_other".into())),
        ),
        mismatch("no InResponseTo while a request is outstanding", &tweaked(idp, unsolicited)),
        Case::err(
            "unsolicited while allow_idp_initiated is off (default)",
            &tweaked(idp, unsolicited),
            "unsolicited_response",
        )
        .unsolicited(),
        mismatch("answers a request this SP does not know (expired or another browser)", &Spec::default().signed(idp))
            .unsolicited()
            .settings(json!({"allow_idp_initiated": true})),
    ]
}

/// The list form: the host passes every request this browser has pending.
fn pending_list(idp: &TestKey) -> Vec<Case> {
    let solicited = Spec::default().signed(idp);
    let answered = json!({"name_id": "jdoe@contoso.com", "in_response_to": REQUEST_ID});
    let idp_initiated = json!({"allow_idp_initiated": true});
    let mismatch = |name: &str, xml: &str| Case::err(name, xml, "in_response_to_mismatch");
    vec![
        Case::ok("pending list: the claimed request is among several pending", &solicited)
            .pending(&["_older-request", REQUEST_ID, "_newer-request"])
            .identity(answered.clone()),
        mismatch("pending list: the claimed request is not among those pending", &solicited)
            .pending(&["_older-request", "_newer-request"]),
        Case::ok(
            "pending list: InResponseTo only on the signed confirmation, among those pending",
            &tweaked(idp, |s| s.in_response_to = None),
        )
        .pending(&["_older-request", REQUEST_ID])
        .identity(answered),
        mismatch(
            "pending list: the unsigned Response claims a pending request, the signed confirmation another",
            &tweaked(idp, |s| s.confirmation_in_response_to = Some("_another-browser".into())),
        )
        .pending(&[REQUEST_ID]),
        Case::ok(
            "pending list: none pending, an unsolicited response, allow_idp_initiated",
            &tweaked(idp, unsolicited),
        )
        .pending(&[])
        .settings(idp_initiated.clone())
        .identity(json!({"name_id": "jdoe@contoso.com", "in_response_to": null})),
        mismatch("pending list: none pending, a solicited response, allow_idp_initiated", &solicited)
            .pending(&[])
            .settings(idp_initiated),
        Case::err(
            "pending list: a request pending, an unsolicited response, allow_idp_initiated off",
            &tweaked(idp, unsolicited),
            "unsolicited_response",
        )
        .pending(&[REQUEST_ID]),
    ]
}

/// Status (X41), and every time window with the default skew of three minutes.
fn status_and_times(idp: &TestKey) -> Vec<Case> {
    let xml = Spec::default().signed(idp);
    let responder = r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/></samlp:StatusCode><samlp:StatusMessage>AADSTS50105: The signed in user is not assigned to a role for the application.</samlp:StatusMessage></samlp:Status>"#;
    let malformed_time =
        |name: &str, at: &str| Case::err(name, &tweaked(idp, |s| s.not_on_or_after = at.into()), "malformed_response");
    vec![
        Case::err(
            "status Requester / RequestDenied with a signed assertion (X41)",
            &tweaked(idp, |s| s.status = "urn:oasis:names:tc:SAML:2.0:status:Requester".into()),
            "status_not_success",
        ),
        Case::err(
            "status Responder with a nested AuthnFailed and an AADSTS message",
            &xml.replacen(status_xml(), responder, 1),
            "status_not_success",
        ),
        Case::err("no StatusCode", &xml.replacen(status_xml(), "<samlp:Status/>", 1), "malformed_response"),
        Case::err("expired: now is the confirmation NotOnOrAfter plus the skew (exclusive)", &xml, "expired")
            .now("2026-03-04T12:08:00.123Z"),
        Case::ok("valid a millisecond before", &xml).now("2026-03-04T12:08:00.122Z"),
        Case::err(
            "SubjectConfirmationData expired while the Conditions are valid",
            &tweaked(idp, |s| s.confirmation_not_on_or_after = "2026-03-04T11:56:00Z".into()),
            "expired",
        ),
        Case::err(
            "Conditions NotOnOrAfter passed",
            &tweaked(idp, |s| s.not_on_or_after = "2026-03-04T11:56:00Z".into()),
            "expired",
        ),
        Case::ok(
            "NotBefore exactly now plus the skew",
            &tweaked(idp, |s| s.not_before = "2026-03-04T12:03:05Z".into()),
        ),
        Case::err(
            "NotBefore a millisecond beyond the skew",
            &tweaked(idp, |s| s.not_before = "2026-03-04T12:03:05.001Z".into()),
            "not_yet_valid",
        ),
        Case::ok(
            "seven fraction digits and offsets",
            &tweaked(idp, |s| {
                s.not_before = "2026-03-04T12:55:00.1234567+01:00".into();
                s.not_on_or_after = "2026-03-04T08:00:00.1234567-05:00".into();
                s.confirmation_not_on_or_after = "2026-03-04T12:05:00Z".into();
            }),
        ),
        malformed_time("a time without a timezone", "2026-03-04T13:00:00"),
        malformed_time("second 60", "2026-03-04T12:59:60Z"),
        malformed_time("year 10000", "10000-01-01T00:00:00Z"),
    ]
}

/// What a bearer assertion must hold: a bearer confirmation with an end, Conditions we
/// understand, a NameID, and SAML 2.0.
fn shape(idp: &TestKey) -> Vec<Case> {
    let b = Spec::default();
    let edited = |edit: &dyn Fn(String) -> String| b.signed_edited(idp, edit);
    let no_end = format!(r#" NotOnOrAfter="{}""#, b.confirmation_not_on_or_after);
    let unknown = "<Condition xmlns:x=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"x:Geo\"/></Conditions>";
    let malformed = |name: &str, xml: &str| Case::err(name, xml, "malformed_response");
    vec![
        Case::err(
            "a holder-of-key confirmation only (signed that way)",
            &edited(&|a| a.replacen("cm:bearer", "cm:holder-of-key", 1)),
            "subject_confirmation_missing",
        ),
        malformed("a bearer confirmation without NotOnOrAfter", &edited(&|a| a.replacen(&no_end, "", 1))),
        malformed("no Conditions", &edited(&|a| without_element(&a, "<Conditions", "</Conditions>"))),
        malformed("an unknown condition", &edited(&|a| a.replacen("</Conditions>", unknown, 1))),
        Case::err("an empty NameID", &tweaked(idp, |s| s.name_id = String::new()), "name_id_missing"),
        malformed("Assertion Version 1.1", &edited(&|a| a.replacen("Version=\"2.0\"", "Version=\"1.1\"", 1))),
        malformed(
            "Response Version 1.1",
            &b.signed(idp).replacen(r#"Version="2.0" IssueInstant"#, r#"Version="1.1" IssueInstant"#, 1),
        ),
    ]
}

/// The settings that change these checks: the skew, and a required Response signature.
fn settings(idp: &TestKey) -> Vec<Case> {
    let b = Spec::default();
    let no_skew = json!({"clock_skew_seconds": 0});
    let signed_response = json!({"require_signed_response": true});
    vec![
        Case::ok("clock skew 0 still accepts a response inside its window", &b.signed(idp)).settings(no_skew.clone()),
        Case::err(
            "clock skew 0 refuses a NotBefore a second ahead",
            &tweaked(idp, |s| s.not_before = "2026-03-04T12:00:06Z".into()),
            "not_yet_valid",
        )
        .settings(no_skew),
        Case::err("require_signed_response refuses Entra's default shape", &b.signed(idp), "signature_missing")
            .settings(signed_response.clone()),
        Case::ok("require_signed_response accepts both signed", &b.both_signed(idp)).settings(signed_response),
    ]
}
