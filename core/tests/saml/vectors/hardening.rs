//! `hardening.json`: genuine IdP shapes that must be accepted (padded values, an
//! InResponseTo only in the confirmation, element-valued attributes, hundreds of group values
//! in Okta and SimpleSAMLphp layouts), shapes that must be refused (no AuthnStatement, a
//! Signature out of place, a blank NameID, any date that is not one), and hostile input that
//! must be refused before any costly work (PrefixList and Reference bombs, names, URIs and
//! namespace bindings beyond the limits).

use serde_json::json;

use super::build::without_element;
use super::build::{Case, VectorFile, base_settings, in_extensions, signature_of, status_xml, tweaked};
use crate::saml_support::*;

const GROUPS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups";
const TARGETED_ID: &str = "urn:oid:1.3.6.1.4.1.5923.1.1.1.10";
const XS: &str = "http://www.w3.org/2001/XMLSchema";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// A spec whose one attribute `GROUPS` holds a placeholder value, replaced by `values`.
fn with_groups(idp: &TestKey, values: &str, declare_on_assertion: bool) -> String {
    let mut spec = Spec::default();
    spec.attributes.push((GROUPS.into(), vec!["__GROUPS__".into()]));
    spec.signed_edited(idp, |a| {
        let a = a.replacen("<AttributeValue>__GROUPS__</AttributeValue>", values, 1);
        if declare_on_assertion {
            a.replacen(
                "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\"",
                &format!(
                    "<Assertion xmlns=\"urn:oasis:names:tc:SAML:2.0:assertion\" xmlns:xs=\"{XS}\" xmlns:xsi=\"{XSI}\""
                ),
                1,
            )
        } else {
            a
        }
    })
}

/// `n` group values, each declaring `xs` and `xsi` itself (Okta, Shibboleth, Keycloak).
fn okta_groups(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!("<AttributeValue xmlns:xs=\"{XS}\" xmlns:xsi=\"{XSI}\" xsi:type=\"xs:string\">group-{i:04}</AttributeValue>")
        })
        .collect()
}

/// `n` group values typed with prefixes declared once on the Assertion (SimpleSAMLphp).
fn simplesamlphp_groups(n: usize) -> String {
    (0..n).map(|i| format!("<AttributeValue xsi:type=\"xs:string\">group-{i:04}</AttributeValue>")).collect()
}

fn accepted(idp: &TestKey) -> Vec<Case> {
    let mut targeted = Spec::default();
    targeted.attributes.push((TARGETED_ID.into(), vec!["__TARGETED__".into()]));
    let targeted = targeted.signed_edited(idp, |a| {
        a.replacen(
            "<AttributeValue>__TARGETED__</AttributeValue>",
            "<AttributeValue><NameID Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\" NameQualifier=\"https://idp.uni.example/idp\" SPNameQualifier=\"https://app.example.test/saml/metadata\">\n  AbC123xyz=\n</NameID></AttributeValue>",
            1,
        )
    });
    let mut cases = vec![
        Case::ok(
            "an Issuer padded with a line break and spaces (a real capture) compares trimmed",
            &tweaked(idp, |s| s.assertion_issuer = format!("{IDP_ENTITY}\n   ")),
        )
        .identity(json!({"name_id": "jdoe@contoso.com", "issuer": IDP_ENTITY})),
        Case::ok(
            "a padded Response Issuer compares trimmed",
            &tweaked(idp, |s| s.response_issuer = Some(format!("\n {IDP_ENTITY} "))),
        ),
        Case::ok(
            "a padded Audience compares trimmed",
            &tweaked(idp, |s| s.audiences = vec![format!("\n  {SP_ENTITY}\n")]),
        ),
        Case::ok("a padded Recipient compares trimmed", &tweaked(idp, |s| s.recipient = format!(" {ACS} "))),
        Case::ok("a padded Destination compares trimmed", &tweaked(idp, |s| s.destination = Some(format!(" {ACS} ")))),
        Case::ok(
            "a padded NameID is returned trimmed",
            &tweaked(idp, |s| s.name_id = "\n   jdoe@contoso.com \t\n".into()),
        ),
        Case::ok(
            "no InResponseTo on the Response; the signed bearer confirmation names the pending request",
            &tweaked(idp, |s| s.in_response_to = None),
        ),
        Case::ok("eduPersonTargetedID carried as a NameID element reads as its text", &targeted).identity(json!({
            "name_id": "jdoe@contoso.com",
            "attributes": {TARGETED_ID: ["\n  AbC123xyz=\n"]}
        })),
        Case::ok(
            "a Reference PrefixList naming one prefix 2,000 times (repeats collapse)",
            &Spec::default().signed_with(
                idp,
                &SignOptions {
                    prefix_list: Some(Box::leak(vec!["xs"; 2000].join(" ").into_boxed_str())),
                    ..Default::default()
                },
            ),
        ),
    ];
    for n in [150, 500] {
        cases.push(
            Case::ok(
                &format!("{n} group values, xs and xsi declared on each (Okta, Shibboleth, Keycloak)"),
                &with_groups(idp, &okta_groups(n), false),
            )
            .identity(json!({"name_id": "jdoe@contoso.com", "attribute_counts": {GROUPS: n}}))
            .raw(),
        );
        cases.push(
            Case::ok(
                &format!("{n} group values typed xs:string, declared once (SimpleSAMLphp)"),
                &with_groups(idp, &simplesamlphp_groups(n), true),
            )
            .identity(json!({"name_id": "jdoe@contoso.com", "attribute_counts": {GROUPS: n}}))
            .raw(),
        );
    }
    cases
}

fn refused(idp: &TestKey) -> Vec<Case> {
    let b = Spec::default();
    let no_authn = b.signed_edited(idp, |a| without_element(&a, "<AuthnStatement", "</AuthnStatement>"));
    let response_signature = signature_of(&b.both_signed(idp)).to_owned();
    let stray = |place: &str| match place {
        "Status" => b.signed(idp).replacen("<samlp:Status>", &format!("<samlp:Status>{response_signature}"), 1),
        _ => b.signed(idp).replacen(
            status_xml(),
            &format!("<samlp:Extensions>{response_signature}</samlp:Extensions>{}", status_xml()),
            1,
        ),
    };
    vec![
        Case::err("a blank NameID is no identity", &tweaked(idp, |s| s.name_id = "   ".into()), "name_id_missing"),
        Case::err(
            "no InResponseTo on the Response, and the confirmation names another request",
            &tweaked(idp, |s| {
                s.in_response_to = None;
                s.confirmation_in_response_to = Some("_another-request".into());
            }),
            "in_response_to_mismatch",
        ),
        Case::err(
            "no InResponseTo on the Response nor the confirmation while a request is pending",
            &tweaked(idp, |s| {
                s.in_response_to = None;
                s.confirmation_in_response_to = None;
            }),
            "in_response_to_mismatch",
        ),
        Case::err("a bearer assertion without an AuthnStatement (profiles §4.1.4.2)", &no_authn, "malformed_response"),
        Case::err("a genuine Response signature placed inside samlp:Status", &stray("Status"), "signature_unsupported"),
        Case::err(
            "a genuine Response signature placed inside samlp:Extensions",
            &stray("Extensions"),
            "signature_unsupported",
        ),
    ]
}

/// Every date-bearing field with values that are not an xs:dateTime: refused, never a panic
/// (the parser once sliced by byte position and panicked on a multi-byte character).
fn dates(idp: &TestKey) -> Vec<Case> {
    let bad = [
        ("a non-ASCII digit", "2026-03-04T13:00:0é0Z"),
        ("a non-ASCII character in the offset", "2026-03-04T13:00:00+0é:00"),
        ("empty", ""),
        ("a signed year", "+2026-03-04T13:00:00Z"),
        ("a negative year", "-2026-03-04T13:00:00Z"),
        ("an offset beyond 14 hours", "2026-03-04T13:00:00+14:30"),
        ("only a fraction point", "2026-03-04T13:00:00.Z"),
        ("a 400-character tail", &format!("2026-03-04T13:00:00Z{}", "é".repeat(200))),
    ];
    let mut cases = Vec::new();
    for (what, value) in bad {
        let value = value.to_owned();
        for (field, set) in [
            ("Conditions NotBefore", (|s: &mut Spec, v: &str| s.not_before = v.to_owned()) as fn(&mut Spec, &str)),
            ("Conditions NotOnOrAfter", |s, v| s.not_on_or_after = v.to_owned()),
            ("SubjectConfirmationData NotOnOrAfter", |s, v| s.confirmation_not_on_or_after = v.to_owned()),
        ] {
            let mut spec = Spec::default();
            set(&mut spec, &value);
            cases.push(Case::err(&format!("{field}: {what}"), &spec.signed(idp), "malformed_response").raw());
        }
        let session = Spec::default().signed_edited(idp, |a| {
            a.replacen("<AuthnStatement ", &format!("<AuthnStatement SessionNotOnOrAfter=\"{}\" ", esc(&value)), 1)
        });
        cases.push(
            Case::err(&format!("AuthnStatement SessionNotOnOrAfter: {what}"), &session, "malformed_response").raw(),
        );
    }
    let long_fraction =
        Spec { not_on_or_after: format!("2026-03-04T13:00:00.{}Z", "1".repeat(5000)), ..Spec::default() };
    cases.push(Case::ok("a 5,000-digit fraction of a second reads as nanoseconds", &long_fraction.signed(idp)).raw());
    cases
}

/// Hostile documents and signatures refused by the checks that run before any
/// canonicalization or parsing work.
fn hostile(idp: &TestKey) -> Vec<Case> {
    let xml = Spec::default().signed(idp);
    // The signer's SignedInfo is canonical: the transform is written with an end tag.
    let transform_end = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"></ds:Transform>";
    assert!(xml.contains(transform_end), "the signer's exc-c14n transform is written as expected");
    let prefix_list = |list: &str| {
        xml.replacen(
            transform_end,
            &format!(
                "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"{list}\"/></ds:Transform>"
            ),
            1,
        )
    };
    let distinct: String = (0..33).map(|i| format!("p{i} ")).collect();
    let reference_children =
        xml.replacen("<ds:DigestValue>", &format!("{}<ds:DigestValue>", "<ds:X/>".repeat(1000)), 1);
    let growth = Spec::default().signed_edited(idp, |a| {
        a.replacen(
            "</Conditions>",
            &format!("</Conditions><Advice xmlns:x=\"urn:{}\">{}</Advice>", "u".repeat(200), "<x:a/>".repeat(2000)),
            1,
        )
    });
    let mut cases = vec![
        Case::err(
            "a namespace declared once over 2,000 tiny signed elements (its canonical form would be 30 times larger)",
            &growth,
            "xml_limit_exceeded",
        ),
        Case::err(
            "a processing instruction named xml inside the assertion (found by the c14n fuzz target)",
            &xml.replacen("<Subject>", "<?xml`\n?><Subject>", 1),
            "xml_malformed",
        ),
        Case::err(
            "an XML declaration inside the Response",
            &in_extensions(&xml, "<?xml version=\"1.0\"?>"),
            "xml_malformed",
        ),
        Case::err(
            "an attribute xml:xmlns on the Subject, which other parsers read as a namespace declaration (found by the xml_parse fuzz target)",
            &xml.replacen("<Subject>", "<Subject xml:xmlns=\"urn:evil\">", 1),
            "xml_malformed",
        ),
        Case::err(
            "a PrefixList of 33 distinct prefixes, refused before any c14n",
            &prefix_list(&distinct),
            "signature_unsupported",
        ),
        Case::err("a PrefixList token that is not a prefix", &prefix_list("xs a:b"), "signature_unsupported"),
        Case::err(
            "a Reference with 1,000 extra children, refused before any c14n",
            &reference_children,
            "signature_unsupported",
        ),
    ];
    cases.extend(beyond_limits(&xml));
    cases
}

/// Names, URIs, attributes, namespace bindings and depth each one past its default limit.
fn beyond_limits(xml: &str) -> Vec<Case> {
    let exceeded = |name: &str, inner: &str| Case::err(name, &in_extensions(xml, inner), "xml_limit_exceeded");
    let repeated = |n: usize, each: &dyn Fn(usize) -> String| (0..n).map(each).collect::<String>();
    vec![
        exceeded("a namespace URI of 257 bytes", &format!("<x:y xmlns:x=\"urn:{}\"/>", "u".repeat(253))),
        exceeded("an attribute name of 257 bytes", &format!("<x:y xmlns:x=\"urn:x\" {}=\"v\"/>", "n".repeat(257))),
        exceeded("129 distinct namespace bindings", &repeated(129, &|i| format!("<x:e xmlns:x=\"urn:x{i}\"/>"))),
        exceeded(
            "25 attributes on one element",
            &format!("<x:y xmlns:x=\"urn:x\"{}/>", repeated(25, &|i| format!(" a{i}=\"v\""))),
        ),
        exceeded(
            "9 namespace-qualified attributes on one element",
            &format!("<x:y xmlns:x=\"urn:x\"{}/>", repeated(9, &|i| format!(" x:a{i}=\"v\""))),
        ),
        exceeded(
            "17 namespaces in scope at one element",
            &format!("<x:y{}/>", repeated(17, &|i| format!(" xmlns:p{i}=\"urn:p{i}\""))),
        ),
        exceeded(
            "49 nested empty elements",
            &format!("{}<x:d xmlns:x=\"urn:x\"/>{}", "<x:d xmlns:x=\"urn:x\">".repeat(46), "</x:d>".repeat(46)),
        ),
    ]
}

/// The file.
pub(super) fn file() -> VectorFile {
    let idp = TestKey::load("idp");
    let mut cases = accepted(&idp);
    cases.extend(refused(&idp));
    cases.extend(dates(&idp));
    cases.extend(hostile(&idp));
    VectorFile::new(
        "hardening",
        "Real-world IdP shapes accepted (padded values, InResponseTo only in the confirmation, element-valued attributes, hundreds of group values), must-refuse shapes (no AuthnStatement, a misplaced Signature, a blank NameID, dates that are not dates) and hostile input refused before any costly work.",
        base_settings(&idp),
        cases,
    )
}
